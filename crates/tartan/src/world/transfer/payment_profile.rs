//! Transfer's Payment Profile: a bank login Link links for Transfer, and the profile a link
//! token names.

use serde::{Deserialize, Serialize};

use crate::world::State;
use crate::world::items::LinkToken;

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

impl PaymentProfile {
    pub fn status(&self) -> &'static str {
        match (self.deleted_at_ms, &self.item_id) {
            (Some(_), _) => "REMOVED",
            (None, Some(_)) => "READY",
            (None, None) => "PENDING",
        }
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
