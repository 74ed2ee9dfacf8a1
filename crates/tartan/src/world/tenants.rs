//! Tenants: one per client_id, each with its own secret, clock and webhook signing key.

use std::collections::{BTreeMap, HashMap};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use tartan_types::{ErrorCode, PlaidError};

use super::clock::TenantClock;
use super::institutions::{Health, InstitutionDef, LoginRisk};
use super::{Record, World};

/// Who may open a tenant.
#[derive(Debug, Clone, Default)]
pub enum KeyPolicy {
    /// Any non-empty pair; the first secret seen for a client_id is bound to it.
    #[default]
    Open,
    /// Only the listed client_id → secret pairs (`--keys FILE`).
    Listed(HashMap<String, String>),
}

impl KeyPolicy {
    /// Reads a keys file: one `client_id secret` pair per line; `#` starts a comment.
    pub fn from_file_contents(contents: &str) -> anyhow::Result<Self> {
        let mut pairs = HashMap::new();
        for (n, line) in contents.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(id), Some(secret), None) => {
                    pairs.insert(id.to_owned(), secret.to_owned());
                }
                _ => anyhow::bail!(
                    "keys file line {}: expected `client_id secret`, got {line:?}",
                    n + 1
                ),
            }
        }
        anyhow::ensure!(
            !pairs.is_empty(),
            "keys file lists no client_id/secret pair"
        );
        Ok(Self::Listed(pairs))
    }
}

/// The tenant's ES256 key for signing webhooks; the private half stays in the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookKey {
    pub kid: String,
    /// PKCS#8 DER of the private key, base64.
    pub pkcs8: String,
    /// Public point coordinates, base64url without padding (JWK form).
    pub x: String,
    pub y: String,
    /// Unix seconds.
    pub created_at: i64,
    pub expired_at: Option<i64>,
}

impl WebhookKey {
    pub fn generate(now_ms: i64) -> anyhow::Result<Self> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| anyhow::anyhow!("could not generate a P-256 key"))?;
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|_| anyhow::anyhow!("could not encode the P-256 key"))?;
        // Uncompressed SEC1 point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = pair.public_key().as_ref();
        anyhow::ensure!(
            point.len() == 65 && point[0] == 4,
            "unexpected public key form"
        );
        Ok(Self {
            kid: uuid::Uuid::new_v4().to_string(),
            pkcs8: STANDARD.encode(pkcs8.as_ref()),
            x: URL_SAFE_NO_PAD.encode(&point[1..33]),
            y: URL_SAFE_NO_PAD.encode(&point[33..65]),
            created_at: now_ms / 1000,
            expired_at: None,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tenant {
    pub client_id: String,
    pub secret: String,
    pub created_at_ms: i64,
    pub clock: TenantClock,
    pub webhook_key: WebhookKey,
    #[serde(default)]
    pub settings: TenantSettings,
    /// Items made so far: the next Item's place in the creation order, which (with the seed)
    /// decides its data.
    #[serde(default)]
    pub items_created: u64,
    /// Keys the tags of the access tokens the tenant issues (`ids::access_token`); tenants
    /// made before it existed use one derived from the client_id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_key: Option<u64>,
}

impl Tenant {
    pub fn token_key(&self) -> u64 {
        self.token_key.unwrap_or_else(|| {
            super::ids::stable_hash(format!("access tokens of {}", self.client_id).as_bytes())
        })
    }

    /// Whether the tenant issued `token` for one of the Items it has made (removed ones too).
    pub fn issued(&self, token: &str) -> bool {
        super::ids::access_token_place(self.token_key(), token)
            .is_some_and(|place| place < self.items_created)
    }

    /// The seed the tenant's data derives from: set through `/tartan/settings`, or derived
    /// from the client_id.
    pub fn seed(&self) -> u64 {
        self.settings
            .seed
            .unwrap_or_else(|| super::ids::stable_hash(self.client_id.as_bytes()))
    }
}

/// How the tenant's simulated world behaves, set through the control plane.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantSettings {
    /// Sandbox Items fall into ITEM_LOGIN_REQUIRED this many days after creation (0: never).
    pub item_login_expiry_days: i64,
    /// Per-institution changes to the defaults, and institution incidents.
    pub institutions: BTreeMap<String, InstitutionSettings>,
    /// Link customizations by name (what Plaid's Dashboard holds), for `link_customization_name`.
    #[serde(default)]
    pub link_customizations: BTreeMap<String, LinkCustomization>,
    /// The tenant's seed (`None`: derived from the client_id).
    #[serde(default)]
    pub seed: Option<u64>,
    /// `personal_finance_category` v1 when a request names no version (Plaid's default for
    /// clients that enabled Transactions before December 2025); v2 otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pfc_v1_default: bool,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            item_login_expiry_days: 30,
            institutions: BTreeMap::new(),
            link_customizations: BTreeMap::new(),
            seed: None,
            pfc_v1_default: false,
        }
    }
}

/// A Link customization: the parts of Plaid's Dashboard setting that change the flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCustomization {
    pub account_select: AccountSelect,
}

/// The Account Select pane's behaviour: one account, several (none preselected), or all
/// accounts preselected (the default, and what an undefined customization gets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountSelect {
    One,
    Multiple,
    #[default]
    All,
}

/// A tenant's view of one institution, where it differs from the defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InstitutionSettings {
    pub refresh_interval_ms: Option<i64>,
    pub login_risk: Option<Option<LoginRisk>>,
    pub consent_days: Option<i64>,
    /// Health shown by the status tool, when changed by an incident.
    pub health: Option<Health>,
    /// An outage: the catalogue code live calls fail with (INSTITUTION_DOWN, ...).
    pub outage: Option<ErrorCode>,
    /// How long after Transactions starts the last 30 days, and the whole history, are ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions_initial_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions_historical_ms: Option<i64>,
}

/// An institution as one tenant experiences it: its defaults with the tenant's settings.
#[derive(Debug, Clone, Copy)]
pub struct Bank {
    pub def: &'static InstitutionDef,
    pub refresh_interval_ms: i64,
    pub login_risk: Option<LoginRisk>,
    pub consent_days: Option<i64>,
    pub health: Health,
    pub outage: Option<ErrorCode>,
    pub transactions_initial_ms: i64,
    pub transactions_historical_ms: i64,
}

impl Tenant {
    pub fn bank(&self, def: &'static InstitutionDef) -> Bank {
        let s = self.settings.institutions.get(def.id);
        let outage = s.and_then(|s| s.outage);
        Bank {
            def,
            refresh_interval_ms: s
                .and_then(|s| s.refresh_interval_ms)
                .unwrap_or(def.refresh_interval_ms),
            login_risk: s.and_then(|s| s.login_risk).unwrap_or(def.login_risk),
            consent_days: s.and_then(|s| s.consent_days).or(def.consent_days),
            health: s.and_then(|s| s.health).unwrap_or(if outage.is_some() {
                Health::Down
            } else {
                def.health
            }),
            outage,
            transactions_initial_ms: s
                .and_then(|s| s.transactions_initial_ms)
                .unwrap_or(super::transactions::INITIAL_READY_MS),
            transactions_historical_ms: s
                .and_then(|s| s.transactions_historical_ms)
                .unwrap_or(super::transactions::HISTORICAL_READY_MS),
        }
    }
}

impl Bank {
    /// Plaid's copy of a new Item's transactions, pulled on this bank's timing. An Item
    /// without a webhook URL has no readiness webhooks to wait for (marked sent), so its
    /// stages pass without writing it twice more.
    pub fn txn_copy(
        &self,
        now: i64,
        days_requested: Option<u16>,
        has_webhook: bool,
    ) -> super::transactions::TxnCopy {
        let mut copy = super::transactions::TxnCopy::new(
            now,
            days_requested.unwrap_or(super::transactions::DEFAULT_DAYS),
            self.transactions_initial_ms,
            self.transactions_historical_ms,
        );
        if !has_webhook {
            copy.announced = 2;
        }
        copy
    }
}

impl World {
    /// Checks a client_id/secret pair, opening the tenant on first use when the policy allows.
    pub fn authenticate(&self, client_id: &str, secret: &str) -> Result<(), PlaidError> {
        let invalid = || PlaidError::new(ErrorCode::INVALID_API_KEYS);
        let known = self.read(|s| s.tenants.get(client_id).map(|t| t.tenant.secret == secret));
        match known {
            Some(true) => return Ok(()),
            Some(false) => return Err(invalid()),
            None => {}
        }
        if let KeyPolicy::Listed(pairs) = &self.policy
            && pairs.get(client_id).map(String::as_str) != Some(secret)
        {
            return Err(invalid());
        }
        self.write(|state, changes| {
            if let Some(t) = state.tenants.get(client_id) {
                // Another request opened it meanwhile: the first secret wins.
                return if t.tenant.secret == secret {
                    Ok(())
                } else {
                    Err(invalid())
                };
            }
            let clock = TenantClock::default();
            let now = clock.now_ms();
            let webhook_key = WebhookKey::generate(now).map_err(|e| {
                tracing::error!(error = %e, "webhook key generation failed");
                PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR)
            })?;
            changes.push(Record::Tenant(Box::new(Tenant {
                client_id: client_id.to_owned(),
                secret: secret.to_owned(),
                created_at_ms: now,
                clock,
                webhook_key,
                settings: TenantSettings::default(),
                items_created: 0,
                token_key: Some(rand::random()),
            })));
            tracing::info!(client_id, "tenant opened");
            Ok(())
        })
    }

    /// Changes a tenant's clock with `f`, which may refuse.
    pub fn update_clock(
        &self,
        client_id: &str,
        f: impl FnOnce(&mut TenantClock) -> Result<(), PlaidError>,
    ) -> Result<TenantClock, PlaidError> {
        self.update_tenant(client_id, |t| {
            f(&mut t.clock)?;
            Ok(t.clock)
        })
    }

    /// Changes a tenant's own record (clock, settings) with `f`, which may refuse.
    pub fn update_tenant<R>(
        &self,
        client_id: &str,
        f: impl FnOnce(&mut Tenant) -> Result<R, PlaidError>,
    ) -> Result<R, PlaidError> {
        self.write(|state, changes| {
            let mut tenant = state.tenant(client_id)?.clone();
            let result = f(&mut tenant)?;
            changes.push(Record::Tenant(Box::new(tenant)));
            Ok(result)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_file_parses_pairs_and_rejects_junk() {
        let p = KeyPolicy::from_file_contents("# team keys\nalpha s3cret\n\nbeta other # ci\n");
        match p {
            Ok(KeyPolicy::Listed(m)) => {
                assert_eq!(m.get("alpha").map(String::as_str), Some("s3cret"));
                assert_eq!(m.get("beta").map(String::as_str), Some("other"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(KeyPolicy::from_file_contents("only_one_field\n").is_err());
        assert!(KeyPolicy::from_file_contents("# nothing\n").is_err());
    }

    #[test]
    fn the_stored_private_key_signs_what_the_published_jwk_verifies() {
        use base64::Engine;
        use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

        let k = WebhookKey::generate(1_700_000_000_000).expect("key");
        let der = STANDARD.decode(&k.pkcs8).expect("pkcs8");
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(k.kid.clone());
        let claims = serde_json::json!({"iat": 1_700_000_000, "request_body_sha256": "ab"});
        let jwt =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&der)).expect("sign");
        let verifier = DecodingKey::from_ec_components(&k.x, &k.y).expect("public key");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let decoded = jsonwebtoken::decode::<serde_json::Value>(&jwt, &verifier, &validation)
            .expect("verifies");
        assert_eq!(decoded.claims["request_body_sha256"], "ab");
    }

    #[test]
    fn generated_key_has_jwk_coordinates() {
        let k = WebhookKey::generate(1_700_000_000_000).expect("key");
        assert_eq!(k.x.len(), 43);
        assert_eq!(k.y.len(), 43);
        assert_eq!(k.created_at, 1_700_000_000);
    }
}
