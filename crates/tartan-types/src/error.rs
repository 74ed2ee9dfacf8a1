//! The one error catalogue: every Plaid error Tartan can emit is one row below.
//!
//! A row gives the code, its `error_type`, the HTTP status Plaid documents for it, the default
//! developer message and the user-facing `display_message`. Handlers return a [`PlaidError`]
//! built from a row (optionally with a more specific message); nothing else writes error JSON.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Plaid's `error_type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorType {
    InvalidRequest,
    InvalidResult,
    InvalidInput,
    InstitutionError,
    RateLimitExceeded,
    ApiError,
    ItemError,
    AssetReportError,
    RecaptchaError,
    OauthError,
    PaymentError,
    BankTransferError,
    MicrodepositsError,
    SandboxError,
    SignalError,
    TransactionsError,
    TransferError,
    UserError,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "INVALID_REQUEST",
            Self::InvalidResult => "INVALID_RESULT",
            Self::InvalidInput => "INVALID_INPUT",
            Self::InstitutionError => "INSTITUTION_ERROR",
            Self::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            Self::ApiError => "API_ERROR",
            Self::ItemError => "ITEM_ERROR",
            Self::AssetReportError => "ASSET_REPORT_ERROR",
            Self::RecaptchaError => "RECAPTCHA_ERROR",
            Self::OauthError => "OAUTH_ERROR",
            Self::PaymentError => "PAYMENT_ERROR",
            Self::BankTransferError => "BANK_TRANSFER_ERROR",
            Self::MicrodepositsError => "MICRODEPOSITS_ERROR",
            Self::SandboxError => "SANDBOX_ERROR",
            Self::SignalError => "SIGNAL_ERROR",
            Self::TransactionsError => "TRANSACTIONS_ERROR",
            Self::TransferError => "TRANSFER_ERROR",
            Self::UserError => "USER_ERROR",
        }
    }

    /// The page of Plaid's error reference that documents this type.
    fn docs_page(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid-request",
            Self::InvalidResult => "invalid-result",
            Self::InvalidInput => "invalid-input",
            Self::InstitutionError => "institution",
            Self::RateLimitExceeded => "rate-limit-exceeded",
            Self::ApiError => "api",
            Self::ItemError => "item",
            Self::AssetReportError => "assets",
            Self::RecaptchaError => "recaptcha",
            Self::OauthError => "oauth",
            Self::PaymentError => "payment",
            Self::BankTransferError => "bank-transfers",
            Self::MicrodepositsError => "microdeposits",
            Self::SandboxError => "sandbox",
            Self::SignalError => "signal",
            Self::TransactionsError => "transactions",
            Self::TransferError => "transfer",
            Self::UserError => "user",
        }
    }
}

macro_rules! catalogue {
    ($( $variant:ident => $ty:ident, $status:literal, $msg:literal, $display:expr; )*) => {
        /// Every Plaid `error_code` Tartan knows, one variant per catalogue row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types)]
        pub enum ErrorCode { $( $variant, )* }

        impl ErrorCode {
            /// Every row of the catalogue, in table order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The wire `error_code`.
            pub fn as_str(self) -> &'static str {
                match self { $( Self::$variant => stringify!($variant), )* }
            }

            pub fn error_type(self) -> ErrorType {
                match self { $( Self::$variant => ErrorType::$ty, )* }
            }

            /// The HTTP status Plaid documents for this code.
            pub fn http_status(self) -> u16 {
                match self { $( Self::$variant => $status, )* }
            }

            pub fn default_message(self) -> &'static str {
                match self { $( Self::$variant => $msg, )* }
            }

            pub fn display_message(self) -> Option<&'static str> {
                match self { $( Self::$variant => $display, )* }
            }

            /// Looks a wire code up (`"ITEM_LOGIN_REQUIRED"` → the row).
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $( stringify!($variant) => Some(Self::$variant), )* _ => None }
            }
        }
    };
}

const INSTITUTION_TROUBLE: Option<&str> = Some(
    "This financial institution is not currently responding to requests. We apologize for the inconvenience.",
);

catalogue! {
    // INVALID_REQUEST: the request itself is malformed.
    INVALID_BODY => InvalidRequest, 400, "body could not be parsed as JSON", None;
    MISSING_FIELDS => InvalidRequest, 400, "the following required fields are missing", None;
    UNKNOWN_FIELDS => InvalidRequest, 400, "the following fields are not recognized by this endpoint", None;
    INVALID_FIELD => InvalidRequest, 400, "one or more of the request fields is invalid", None;
    INVALID_HEADERS => InvalidRequest, 400, "one or more of the request headers is invalid", None;
    INCOMPATIBLE_API_VERSION => InvalidRequest, 400, "the request uses an API version this endpoint does not support", None;
    INVALID_CONFIGURATION => InvalidRequest, 400, "please ensure that the request body is formatted correctly", None;
    SANDBOX_ONLY => InvalidRequest, 400, "this endpoint is only available in the Sandbox environment", None;
    NOT_FOUND => InvalidRequest, 404, "not found", None;
    // Not a documented Plaid code: Plaid does not say what a wrong method gets; 405 says it.
    METHOD_NOT_ALLOWED => InvalidRequest, 405, "this endpoint accepts only POST", None;
    // Tartan's control plane, not Plaid codes: a snapshot id the tenant does not have, and a
    // fork onto a client_id that is taken.
    SNAPSHOT_NOT_FOUND => InvalidRequest, 404, "the snapshot was not found", None;
    TENANT_EXISTS => InvalidRequest, 409, "a tenant with this client_id already exists", None;
    NO_LONGER_AVAILABLE => InvalidRequest, 404, "this endpoint is no longer available", None;

    // INVALID_INPUT: well-formed, but refers to something wrong.
    INVALID_API_KEYS => InvalidInput, 400, "invalid client_id or secret provided", None;
    INVALID_ACCESS_TOKEN => InvalidInput, 400, "could not find matching access token", None;
    INVALID_PUBLIC_TOKEN => InvalidInput, 400, "could not find matching public token", None;
    INVALID_LINK_TOKEN => InvalidInput, 400, "invalid link_token provided", None;
    INVALID_PROCESSOR_TOKEN => InvalidInput, 400, "could not find matching processor token", None;
    INVALID_ACCOUNT_ID => InvalidInput, 400, "failed to find requested account ID for requested item", None;
    INVALID_INSTITUTION => InvalidInput, 400, "invalid institution_id provided", None;
    INVALID_PRODUCT => InvalidInput, 400, "client is not authorized to access the following products", None;
    INVALID_LINK_CUSTOMIZATION => InvalidInput, 400, "requested link customization is not set to update account selection", None;
    INVALID_WEBHOOK_VERIFICATION_KEY_ID => InvalidInput, 400, "invalid key_id provided. note that key_ids are specific to Plaid environments, and verification requests must be made to the same environment that the webhook was sent from", None;
    INVALID_USER_TOKEN => InvalidInput, 400, "could not find matching user token", None;
    INVALID_USER_ID => InvalidInput, 400, "user.user_id must be a non-empty string", None;
    ADDITIONAL_CONSENT_REQUIRED => InvalidInput, 400, "client does not have user consent to access the requested product", None;
    INCORRECT_DEPOSIT_VERIFICATION => InvalidInput, 400, "", None;
    TOO_MANY_VERIFICATION_ATTEMPTS => InvalidInput, 400, "", None;
    UNAUTHORIZED_ENVIRONMENT => InvalidInput, 400, "you are not authorized to create items in this api environment. Go to the Dashboard (https://dashboard.plaid.com) to see which environments you are authorized for.", None;
    UNAUTHORIZED_ROUTE_ACCESS => InvalidInput, 400, "you are not authorized to access this route in this api environment.", None;
    // The error page lists it under INVALID_INPUT, but the error object Plaid shows on the
    // Item and in the USER_PERMISSION_REVOKED webhook is an ITEM_ERROR: Tartan's one row
    // serves both, and follows the Item's.
    USER_PERMISSION_REVOKED => ItemError, 400, "the holder of this account has revoked their permission for your application to access it", None;
    INVALID_USER_IDENTITY_DATA => UserError, 403, "the user identity data provided is invalid", None;
    USER_NOT_FOUND => UserError, 400, "The User you requested cannot be found. This User does not exist or has had access removed by the user.", None;

    // INVALID_RESULT
    LAST_UPDATED_DATETIME_OUT_OF_RANGE => InvalidResult, 400, "no balance is available that was updated after min_last_updated_datetime", None;
    PLAID_DIRECT_ITEM_IMPORT_RETURNED_INVALID_MFA => InvalidResult, 400, "Plaid Direct Item Imports should not result in MFA.", None;

    // ITEM_ERROR: the Item is in a state that stops the request.
    ITEM_LOGIN_REQUIRED => ItemError, 400, "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state", None;
    ITEM_NOT_FOUND => ItemError, 400, "The Item you requested cannot be found. This Item does not exist, has been previously removed via /item/remove, or has had access removed by the user.", None;
    ITEM_LOCKED => ItemError, 400, "the account is locked. prompt the user to visit the institution's site and unlock their account", Some("The given account has been locked by the financial institution. Please visit your financial institution's website to unlock your account.");
    ITEM_NOT_SUPPORTED => ItemError, 400, "this account is currently not supported", Some("The given account is not currently supported for this financial institution. We apologize for the inconvenience.");
    ITEM_CONCURRENTLY_DELETED => ItemError, 400, "This item was deleted while the operation was in progress", None;
    INVALID_CREDENTIALS => ItemError, 400, "the provided credentials were not correct", Some("The provided credentials were not correct. Please try again.");
    INVALID_MFA => ItemError, 400, "the provided MFA response(s) were not correct", Some("The provided MFA responses were not correct. Please try again.");
    INVALID_OTP => ItemError, 400, "the provided OTP was invalid", Some("The provided OTP was invalid. Please try again.");
    INVALID_SEND_METHOD => ItemError, 400, "the provided MFA send_method was invalid", None;
    INVALID_PHONE_NUMBER => ItemError, 400, "the provided phone number was invalid", Some("The provided phone number was invalid. Please try again.");
    INVALID_UPDATED_USERNAME => ItemError, 400, "the username provided to /item/credentials/update does not match the original username for the item", None;
    INSUFFICIENT_CREDENTIALS => ItemError, 400, "insufficient authorization was provided to complete the request", Some("INSUFFICIENT_CREDENTIALS");
    MFA_NOT_SUPPORTED => ItemError, 400, "this account requires a MFA type that we do not currently support for the institution", Some("The multi-factor security features enabled on this account are not currently supported for this financial institution. We apologize for the inconvenience.");
    NO_ACCOUNTS => ItemError, 400, "no valid accounts were found for this item", Some("No valid accounts were found at the financial institution. Please visit your financial institution's website to confirm accounts are available.");
    NO_AUTH_ACCOUNTS => ItemError, 400, "There are no valid checking or savings account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more.", None;
    NO_INVESTMENT_ACCOUNTS => ItemError, 400, "There are no valid investment account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more information.", None;
    NO_INVESTMENT_AUTH_ACCOUNTS => ItemError, 400, "There are no valid investment account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more information.", None;
    NO_LIABILITY_ACCOUNTS => ItemError, 400, "There are no valid liability account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more information.", None;
    PASSWORD_RESET_REQUIRED => ItemError, 400, "user must reset their password", Some("The user needs to reset their password for their account");
    // "when when" is in Plaid's published message.
    PRODUCT_NOT_ENABLED => ItemError, 400, "A requested product was not enabled for the current access token. Please ensure it is included when when initializing Link and create the Item again.", None;
    PRODUCT_NOT_READY => ItemError, 400, "the requested product is not yet ready. please provide a webhook or try the request again later", None;
    PRODUCTS_NOT_SUPPORTED => ItemError, 400, "", None;
    USER_INPUT_TIMEOUT => ItemError, 400, "user must retry this operation", Some("The application timed out waiting for user input");
    USER_SETUP_REQUIRED => ItemError, 400, "the account has not been fully set up. prompt the user to visit the issuing institution's site and finish the setup process", Some("The given account is not fully setup. Please visit your financial institution's website to setup your account.");
    ACCESS_NOT_GRANTED => ItemError, 400, "access to this product was not granted for the account", Some("The user did not grant the necessary permissions for this product on their account.");
    INSTANT_MATCH_FAILED => ItemError, 400, "Item cannot be verified through Instant Match. Ensure you are correctly enabling all auth features in Link.", None;
    MANUAL_VERIFICATION_REQUIRED => ItemError, 400, "This Item could not be automatically verified. The user must manually verify their account through a separate Link session using the existing access token and with 'investments_auth' initialized in the 'products' array.", None;

    // INSTITUTION_ERROR
    INSTITUTION_DOWN => InstitutionError, 400, "this institution is not currently responding to this request. please try again soon", INSTITUTION_TROUBLE;
    INSTITUTION_NOT_RESPONDING => InstitutionError, 400, "this institution is not currently responding to this request. please try again soon", INSTITUTION_TROUBLE;
    INSTITUTION_NOT_AVAILABLE => InstitutionError, 400, "this institution is not currently responding to this request. please try again soon", INSTITUTION_TROUBLE;
    INSTITUTION_NO_LONGER_SUPPORTED => InstitutionError, 400, "this institution is no longer supported", Some("This financial institution is no longer supported. We apologize for the inconvenience.");
    INSTITUTION_NOT_ENABLED_IN_ENVIRONMENT => InstitutionError, 400, "Institution not enabled in this environment", None;
    INSTITUTION_REGISTRATION_REQUIRED => InstitutionError, 400, "not yet registered to create items for this institution", Some("You must register your application with this institution before you can create items for it.");
    UNAUTHORIZED_INSTITUTION => InstitutionError, 400, "not authorized to create items for this institution", Some("You are not authorized to create items for this institution at this time.");
    UNSUPPORTED_RESPONSE => InstitutionError, 400, "the data returned from the financial institution is not valid", Some("The data returned from the financial institution is not valid.");

    // RATE_LIMIT_EXCEEDED
    RATE_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    ACCOUNTS_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    ACCOUNTS_BALANCE_GET_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    BALANCE_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    AUTH_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    IDENTITY_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    ITEM_GET_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    // Plaid's sample for INSTITUTIONS_GET_LIMIT repeats the get_by_id text, so it is not copied.
    INSTITUTIONS_GET_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this endpoint. please try again later", None;
    INSTITUTIONS_GET_BY_ID_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access \"institutions get by id\". please try again later", None;
    TRANSACTIONS_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    TRANSACTIONS_SYNC_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;
    TRANSACTIONS_REFRESH_LIMIT => RateLimitExceeded, 429, "rate limit exceeded for attempts to access this item. please try again later", None;

    // API_ERROR
    INTERNAL_SERVER_ERROR => ApiError, 500, "an unexpected error occurred", None;
    PLANNED_MAINTENANCE => ApiError, 503, "the Plaid API is temporarily unavailable due to planned maintenance. visit https://status.plaid.com/ for more information", None;

    // SANDBOX_ERROR
    SANDBOX_PRODUCT_NOT_ENABLED => SandboxError, 400, "the requested product is not enabled on this item", None;
    SANDBOX_WEBHOOK_INVALID => SandboxError, 400, "Webhook for this item is either not set up, or invalid. Please update the item's webhook and try again.", None;
    SANDBOX_TRANSFER_EVENT_TRANSITION_INVALID => SandboxError, 400, "The provided simulated event type is incompatible with the current transfer status", None;

    // TRANSACTIONS_ERROR
    TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION => TransactionsError, 400, "Underlying transaction data changed since last page was fetched. Please restart pagination from last update.", None;

    // TRANSFER_ERROR
    TRANSFER_ACCOUNT_BLOCKED => TransferError, 400, "transfer was blocked due to a previous ACH return on this account", None;
    TRANSFER_UNSUPPORTED_ACCOUNT_TYPE => TransferError, 400, "transfer account type not supported", None;
    TRANSFER_NOT_CANCELLABLE => TransferError, 400, "transfer is not cancellable", None;
    TRANSFER_NETWORK_LIMIT_EXCEEDED => TransferError, 400, "the transfer amount exceeds the network limit", None;

    // OAUTH_ERROR
    INCORRECT_OAUTH_NONCE => OauthError, 400, "nonce does not match", None;
    INCORRECT_LINK_TOKEN => OauthError, 400, "link token does not match original link token", None;
    OAUTH_STATE_ID_ALREADY_PROCESSED => OauthError, 208, "this OAuth session has already been processed", None;
    OAUTH_STATE_ID_NOT_FOUND => OauthError, 404, "the provided oauth_state_id wasn't found", None;

    // RECAPTCHA_ERROR
    RECAPTCHA_REQUIRED => RecaptchaError, 400, "This request requires additional verification. Please resubmit the request after completing the challenge", None;
    RECAPTCHA_BAD => RecaptchaError, 400, "The provided challenge response was denied. Please try again", None;
}

/// A code is stored and sent as itself (`"ITEM_LOGIN_REQUIRED"`).
impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Self::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {code}")))
    }
}

/// A catalogued error, ready to be rendered in Plaid's envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaidError {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    pub display_message: Option<Cow<'static, str>>,
    pub error_code_reason: Option<&'static str>,
}

impl PlaidError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: Cow::Borrowed(code.default_message()),
            display_message: code.display_message().map(Cow::Borrowed),
            error_code_reason: None,
        }
    }

    /// The same row with a more specific developer message.
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = message.into();
        self
    }

    /// `MISSING_FIELDS` naming every missing field.
    pub fn missing_fields<S: AsRef<str>>(fields: &[S]) -> Self {
        Self::new(ErrorCode::MISSING_FIELDS).with_message(format!(
            "the following required fields are missing: {}",
            join(fields)
        ))
    }

    /// `UNKNOWN_FIELDS` naming every unrecognised field.
    pub fn unknown_fields<S: AsRef<str>>(fields: &[S]) -> Self {
        Self::new(ErrorCode::UNKNOWN_FIELDS).with_message(format!(
            "the following fields are not recognized by this endpoint: {}",
            join(fields)
        ))
    }

    /// `INVALID_FIELD` naming the field and the rule it broke.
    pub fn invalid_field(field: &str, rule: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::INVALID_FIELD).with_message(format!("{field} {rule}"))
    }

    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    pub fn documentation_url(&self) -> String {
        format!(
            "https://plaid.com/docs/errors/{}/#{}",
            self.code.error_type().docs_page(),
            self.code.as_str().to_ascii_lowercase()
        )
    }

    /// The wire body for this error. `request_id` is absent inside webhooks.
    pub fn body(&self, request_id: Option<&str>) -> ErrorBody {
        ErrorBody {
            error_type: self.code.error_type().as_str().to_owned(),
            error_code: self.code.as_str().to_owned(),
            error_code_reason: self.error_code_reason.map(str::to_owned),
            error_message: self.message.to_string(),
            display_message: self.display_message.as_ref().map(|m| m.to_string()),
            request_id: request_id.map(str::to_owned),
            causes: Vec::new(),
            status: Some(self.http_status()),
            documentation_url: self.documentation_url(),
            suggested_action: None,
        }
    }
}

impl std::fmt::Display for PlaidError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for PlaidError {}

impl From<ErrorCode> for PlaidError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

fn join<S: AsRef<str>>(fields: &[S]) -> String {
    fields
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plaid's error envelope on the wire (also the `error` object of an Item).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error_type: String,
    pub error_code: String,
    pub error_code_reason: Option<String>,
    pub error_message: String,
    pub display_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub request_id: Option<String>,
    pub causes: Vec<serde_json::Value>,
    pub status: Option<u16>,
    pub documentation_url: String,
    pub suggested_action: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_round_trips_and_is_consistent() {
        for &code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(code.as_str()), Some(code));
            let status = code.http_status();
            assert!(
                matches!(status, 208 | 400 | 403 | 404 | 405 | 409 | 429 | 500 | 503),
                "{code:?}"
            );
        }
        assert_eq!(ErrorCode::from_code("NOPE"), None);
        let json = serde_json::to_string(&ErrorCode::ITEM_LOGIN_REQUIRED).expect("serialize");
        assert_eq!(json, "\"ITEM_LOGIN_REQUIRED\"");
        assert_eq!(
            serde_json::from_str::<ErrorCode>(&json).ok(),
            Some(ErrorCode::ITEM_LOGIN_REQUIRED)
        );
        assert!(serde_json::from_str::<ErrorCode>("\"NOPE\"").is_err());
    }

    #[test]
    fn envelope_names_fields() {
        let e = PlaidError::missing_fields(&["client_id", "secret"]);
        let body = e.body(Some("abc"));
        assert_eq!(body.error_type, "INVALID_REQUEST");
        assert_eq!(
            body.error_message,
            "the following required fields are missing: client_id, secret"
        );
        assert_eq!(
            body.documentation_url,
            "https://plaid.com/docs/errors/invalid-request/#missing_fields"
        );
    }

    // Plaid's published sample errors, https://plaid.com/docs/errors/ (a page per error_type).
    #[rustfmt::skip]
    const PUBLISHED: &[(ErrorCode, &str, u16, &str, Option<&str>)] = &[
        (ErrorCode::ACCESS_NOT_GRANTED, "ITEM_ERROR", 400, "access to this product was not granted for the account", Some("The user did not grant the necessary permissions for this product on their account.")),
        (ErrorCode::INSTANT_MATCH_FAILED, "ITEM_ERROR", 400, "Item cannot be verified through Instant Match. Ensure you are correctly enabling all auth features in Link.", None),
        (ErrorCode::INSUFFICIENT_CREDENTIALS, "ITEM_ERROR", 400, "insufficient authorization was provided to complete the request", Some("INSUFFICIENT_CREDENTIALS")),
        (ErrorCode::INVALID_CREDENTIALS, "ITEM_ERROR", 400, "the provided credentials were not correct", Some("The provided credentials were not correct. Please try again.")),
        (ErrorCode::INVALID_MFA, "ITEM_ERROR", 400, "the provided MFA response(s) were not correct", Some("The provided MFA responses were not correct. Please try again.")),
        (ErrorCode::INVALID_SEND_METHOD, "ITEM_ERROR", 400, "the provided MFA send_method was invalid", None),
        (ErrorCode::INVALID_PHONE_NUMBER, "ITEM_ERROR", 400, "the provided phone number was invalid", Some("The provided phone number was invalid. Please try again.")),
        (ErrorCode::INVALID_OTP, "ITEM_ERROR", 400, "the provided OTP was invalid", Some("The provided OTP was invalid. Please try again.")),
        (ErrorCode::INVALID_UPDATED_USERNAME, "ITEM_ERROR", 400, "the username provided to /item/credentials/update does not match the original username for the item", None),
        (ErrorCode::ITEM_CONCURRENTLY_DELETED, "ITEM_ERROR", 400, "This item was deleted while the operation was in progress", None),
        (ErrorCode::ITEM_LOCKED, "ITEM_ERROR", 400, "the account is locked. prompt the user to visit the institution's site and unlock their account", Some("The given account has been locked by the financial institution. Please visit your financial institution's website to unlock your account.")),
        (ErrorCode::ITEM_LOGIN_REQUIRED, "ITEM_ERROR", 400, "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state", None),
        (ErrorCode::ITEM_NOT_FOUND, "ITEM_ERROR", 400, "The Item you requested cannot be found. This Item does not exist, has been previously removed via /item/remove, or has had access removed by the user.", None),
        (ErrorCode::ITEM_NOT_SUPPORTED, "ITEM_ERROR", 400, "this account is currently not supported", Some("The given account is not currently supported for this financial institution. We apologize for the inconvenience.")),
        (ErrorCode::MANUAL_VERIFICATION_REQUIRED, "ITEM_ERROR", 400, "This Item could not be automatically verified. The user must manually verify their account through a separate Link session using the existing access token and with 'investments_auth' initialized in the 'products' array.", None),
        (ErrorCode::MFA_NOT_SUPPORTED, "ITEM_ERROR", 400, "this account requires a MFA type that we do not currently support for the institution", Some("The multi-factor security features enabled on this account are not currently supported for this financial institution. We apologize for the inconvenience.")),
        (ErrorCode::NO_ACCOUNTS, "ITEM_ERROR", 400, "no valid accounts were found for this item", Some("No valid accounts were found at the financial institution. Please visit your financial institution's website to confirm accounts are available.")),
        (ErrorCode::NO_AUTH_ACCOUNTS, "ITEM_ERROR", 400, "There are no valid checking or savings account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more.", None),
        (ErrorCode::NO_INVESTMENT_ACCOUNTS, "ITEM_ERROR", 400, "There are no valid investment account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more information.", None),
        (ErrorCode::NO_INVESTMENT_AUTH_ACCOUNTS, "ITEM_ERROR", 400, "There are no valid investment account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more information.", None),
        (ErrorCode::NO_LIABILITY_ACCOUNTS, "ITEM_ERROR", 400, "There are no valid liability account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more information.", None),
        (ErrorCode::PASSWORD_RESET_REQUIRED, "ITEM_ERROR", 400, "user must reset their password", Some("The user needs to reset their password for their account")),
        (ErrorCode::PRODUCT_NOT_ENABLED, "ITEM_ERROR", 400, "A requested product was not enabled for the current access token. Please ensure it is included when when initializing Link and create the Item again.", None),
        (ErrorCode::PRODUCT_NOT_READY, "ITEM_ERROR", 400, "the requested product is not yet ready. please provide a webhook or try the request again later", None),
        (ErrorCode::PRODUCTS_NOT_SUPPORTED, "ITEM_ERROR", 400, "", None),
        (ErrorCode::USER_SETUP_REQUIRED, "ITEM_ERROR", 400, "the account has not been fully set up. prompt the user to visit the issuing institution's site and finish the setup process", Some("The given account is not fully setup. Please visit your financial institution's website to setup your account.")),
        (ErrorCode::USER_INPUT_TIMEOUT, "ITEM_ERROR", 400, "user must retry this operation", Some("The application timed out waiting for user input")),
        (ErrorCode::INSTITUTION_DOWN, "INSTITUTION_ERROR", 400, "this institution is not currently responding to this request. please try again soon", Some("This financial institution is not currently responding to requests. We apologize for the inconvenience.")),
        (ErrorCode::INSTITUTION_NOT_ENABLED_IN_ENVIRONMENT, "INSTITUTION_ERROR", 400, "Institution not enabled in this environment", None),
        (ErrorCode::INSTITUTION_NOT_RESPONDING, "INSTITUTION_ERROR", 400, "this institution is not currently responding to this request. please try again soon", Some("This financial institution is not currently responding to requests. We apologize for the inconvenience.")),
        (ErrorCode::INSTITUTION_NOT_AVAILABLE, "INSTITUTION_ERROR", 400, "this institution is not currently responding to this request. please try again soon", Some("This financial institution is not currently responding to requests. We apologize for the inconvenience.")),
        (ErrorCode::INSTITUTION_NO_LONGER_SUPPORTED, "INSTITUTION_ERROR", 400, "this institution is no longer supported", Some("This financial institution is no longer supported. We apologize for the inconvenience.")),
        (ErrorCode::UNAUTHORIZED_INSTITUTION, "INSTITUTION_ERROR", 400, "not authorized to create items for this institution", Some("You are not authorized to create items for this institution at this time.")),
        (ErrorCode::INSTITUTION_REGISTRATION_REQUIRED, "INSTITUTION_ERROR", 400, "not yet registered to create items for this institution", Some("You must register your application with this institution before you can create items for it.")),
        (ErrorCode::UNSUPPORTED_RESPONSE, "INSTITUTION_ERROR", 400, "the data returned from the financial institution is not valid", Some("The data returned from the financial institution is not valid.")),
        (ErrorCode::INTERNAL_SERVER_ERROR, "API_ERROR", 500, "an unexpected error occurred", None),
        (ErrorCode::PLANNED_MAINTENANCE, "API_ERROR", 503, "the Plaid API is temporarily unavailable due to planned maintenance. visit https://status.plaid.com/ for more information", None),
        (ErrorCode::SANDBOX_WEBHOOK_INVALID, "SANDBOX_ERROR", 400, "Webhook for this item is either not set up, or invalid. Please update the item's webhook and try again.", None),
        (ErrorCode::SANDBOX_TRANSFER_EVENT_TRANSITION_INVALID, "SANDBOX_ERROR", 400, "The provided simulated event type is incompatible with the current transfer status", None),
        (ErrorCode::INVALID_BODY, "INVALID_REQUEST", 400, "body could not be parsed as JSON", None),
        (ErrorCode::INVALID_CONFIGURATION, "INVALID_REQUEST", 400, "please ensure that the request body is formatted correctly", None),
        (ErrorCode::NOT_FOUND, "INVALID_REQUEST", 404, "not found", None),
        (ErrorCode::INCORRECT_DEPOSIT_VERIFICATION, "INVALID_INPUT", 400, "", None),
        (ErrorCode::INVALID_ACCESS_TOKEN, "INVALID_INPUT", 400, "could not find matching access token", None),
        (ErrorCode::INVALID_ACCOUNT_ID, "INVALID_INPUT", 400, "failed to find requested account ID for requested item", None),
        (ErrorCode::INVALID_API_KEYS, "INVALID_INPUT", 400, "invalid client_id or secret provided", None),
        (ErrorCode::INVALID_INSTITUTION, "INVALID_INPUT", 400, "invalid institution_id provided", None),
        (ErrorCode::INVALID_LINK_CUSTOMIZATION, "INVALID_INPUT", 400, "requested link customization is not set to update account selection", None),
        (ErrorCode::INVALID_LINK_TOKEN, "INVALID_INPUT", 400, "invalid link_token provided", None),
        (ErrorCode::INVALID_USER_ID, "INVALID_INPUT", 400, "user.user_id must be a non-empty string", None),
        (ErrorCode::INVALID_PUBLIC_TOKEN, "INVALID_INPUT", 400, "could not find matching public token", None),
        (ErrorCode::INVALID_USER_TOKEN, "INVALID_INPUT", 400, "could not find matching user token", None),
        (ErrorCode::INVALID_WEBHOOK_VERIFICATION_KEY_ID, "INVALID_INPUT", 400, "invalid key_id provided. note that key_ids are specific to Plaid environments, and verification requests must be made to the same environment that the webhook was sent from", None),
        (ErrorCode::TOO_MANY_VERIFICATION_ATTEMPTS, "INVALID_INPUT", 400, "", None),
        (ErrorCode::UNAUTHORIZED_ENVIRONMENT, "INVALID_INPUT", 400, "you are not authorized to create items in this api environment. Go to the Dashboard (https://dashboard.plaid.com) to see which environments you are authorized for.", None),
        (ErrorCode::UNAUTHORIZED_ROUTE_ACCESS, "INVALID_INPUT", 400, "you are not authorized to access this route in this api environment.", None),
        (ErrorCode::USER_PERMISSION_REVOKED, "ITEM_ERROR", 400, "the holder of this account has revoked their permission for your application to access it", None),
        (ErrorCode::USER_NOT_FOUND, "USER_ERROR", 400, "The User you requested cannot be found. This User does not exist or has had access removed by the user.", None),
        (ErrorCode::PLAID_DIRECT_ITEM_IMPORT_RETURNED_INVALID_MFA, "INVALID_RESULT", 400, "Plaid Direct Item Imports should not result in MFA.", None),
        (ErrorCode::ACCOUNTS_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::ACCOUNTS_BALANCE_GET_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::AUTH_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::BALANCE_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::IDENTITY_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::ITEM_GET_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::RATE_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::TRANSACTIONS_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::TRANSACTIONS_REFRESH_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::TRANSACTIONS_SYNC_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access this item. please try again later", None),
        (ErrorCode::INSTITUTIONS_GET_BY_ID_LIMIT, "RATE_LIMIT_EXCEEDED", 429, "rate limit exceeded for attempts to access \"institutions get by id\". please try again later", None),
        (ErrorCode::TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, "TRANSACTIONS_ERROR", 400, "Underlying transaction data changed since last page was fetched. Please restart pagination from last update.", None),
        (ErrorCode::TRANSFER_ACCOUNT_BLOCKED, "TRANSFER_ERROR", 400, "transfer was blocked due to a previous ACH return on this account", None),
        (ErrorCode::TRANSFER_NOT_CANCELLABLE, "TRANSFER_ERROR", 400, "transfer is not cancellable", None),
        (ErrorCode::TRANSFER_UNSUPPORTED_ACCOUNT_TYPE, "TRANSFER_ERROR", 400, "transfer account type not supported", None),
        (ErrorCode::INCORRECT_OAUTH_NONCE, "OAUTH_ERROR", 400, "nonce does not match", None),
        (ErrorCode::INCORRECT_LINK_TOKEN, "OAUTH_ERROR", 400, "link token does not match original link token", None),
        (ErrorCode::OAUTH_STATE_ID_NOT_FOUND, "OAUTH_ERROR", 404, "the provided oauth_state_id wasn't found", None),
        (ErrorCode::RECAPTCHA_REQUIRED, "RECAPTCHA_ERROR", 400, "This request requires additional verification. Please resubmit the request after completing the challenge", None),
        (ErrorCode::RECAPTCHA_BAD, "RECAPTCHA_ERROR", 400, "The provided challenge response was denied. Please try again", None),
    ];

    #[test]
    fn rows_match_plaids_published_samples() {
        for &(code, error_type, status, message, display) in PUBLISHED {
            let body = PlaidError::new(code).body(None);
            assert_eq!(body.error_type, error_type, "{code:?} error_type");
            assert_eq!(body.status, Some(status), "{code:?} status");
            assert_eq!(body.error_message, message, "{code:?} error_message");
            assert_eq!(
                body.display_message.as_deref(),
                display,
                "{code:?} display_message"
            );
        }
    }
}
