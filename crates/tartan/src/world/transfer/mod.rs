//! Transfer: what the world keeps for Plaid's Transfer product. Today that is the Payment
//! Profile; authorizations, transfers, the ledger and transfer events will live here too.

mod payment_profile;

pub(crate) use payment_profile::profile_of;
pub use payment_profile::{PaymentProfile, ProfileStatus, find};
