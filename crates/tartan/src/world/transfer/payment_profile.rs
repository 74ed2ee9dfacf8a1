//! Transfer's Payment Profile: a bank login Link links for Transfer, and the profile a link
//! token names.

use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;

use crate::world::items::LinkToken;
use crate::world::{Record, State, World};

/// A Transfer Payment Profile: PENDING until Link links a bank login to it, then READY.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentProfile {
    pub token: String,
    pub client_id: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub deleted_at_ms: Option<i64>,
    pub item_id: Option<String>,
    /// Set by `/sandbox/payment_profile/reset_login`; cleared by Link's Payment Profile
    /// update mode.
    pub login_required: bool,
}

/// A Payment Profile's status as `/payment_profile/get` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProfileStatus {
    Pending,
    Ready,
    Removed,
}

impl ProfileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Ready => "READY",
            Self::Removed => "REMOVED",
        }
    }
}

impl PaymentProfile {
    pub fn status(&self) -> ProfileStatus {
        match (self.deleted_at_ms, &self.item_id) {
            (Some(_), _) => ProfileStatus::Removed,
            (None, Some(_)) => ProfileStatus::Ready,
            (None, None) => ProfileStatus::Pending,
        }
    }
}

/// The tenant's profile behind `token`, removed or not.
pub fn find<'a>(
    state: &'a State,
    client_id: &str,
    token: &str,
) -> Result<&'a PaymentProfile, PlaidError> {
    state
        .of(client_id)?
        .payment_profiles
        .get(token)
        .ok_or_else(|| {
            PlaidError::invalid_field("payment_profile_token", "names no payment profile")
        })
}

impl World {
    /// A new profile, PENDING until Link links a bank login to it; returns its token.
    pub fn create_payment_profile(&self, client_id: &str) -> Result<String, PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let profile = PaymentProfile {
                token: format!("payment-profile-sandbox-{}", uuid::Uuid::new_v4()),
                client_id: client_id.to_owned(),
                created_at_ms: now,
                updated_at_ms: now,
                deleted_at_ms: None,
                item_id: None,
                login_required: false,
            };
            let token = profile.token.clone();
            changes.push(Record::PaymentProfile(Box::new(profile)));
            Ok(token)
        })
    }

    /// Removes the profile (again: nothing changes).
    pub fn remove_payment_profile(&self, client_id: &str, token: &str) -> Result<(), PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut p = find(state, client_id, token)?.clone();
            if p.deleted_at_ms.is_none() {
                p.deleted_at_ms = Some(now);
                p.updated_at_ms = now;
                changes.push(Record::PaymentProfile(Box::new(p)));
            }
            Ok(())
        })
    }

    /// Makes a READY profile's bank login invalid: Link in Payment Profile update mode
    /// repairs it.
    pub fn reset_payment_profile_login(
        &self,
        client_id: &str,
        token: &str,
    ) -> Result<(), PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut p = find(state, client_id, token)?.clone();
            if p.status() != ProfileStatus::Ready {
                return Err(PlaidError::invalid_field(
                    "payment_profile_token",
                    format!(
                        "names a payment profile that is {}; only a READY profile (linked through Link) has a login to reset",
                        p.status().as_str()
                    ),
                ));
            }
            p.login_required = true;
            p.updated_at_ms = now;
            changes.push(Record::PaymentProfile(Box::new(p)));
            Ok(())
        })
    }
}

/// The payment profile a link token names, if any.
pub(crate) fn profile_of<'a>(state: &'a State, token: &LinkToken) -> Option<&'a PaymentProfile> {
    let t = token
        .request
        .transfer
        .as_ref()?
        .payment_profile_token
        .as_ref()?;
    state.of(&token.client_id).ok()?.payment_profiles.get(t)
}
