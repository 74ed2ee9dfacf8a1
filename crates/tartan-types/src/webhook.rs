//! The one table of webhooks Tartan sends: each row is a `webhook_type` and `webhook_code`
//! pair as Plaid names them. Senders pick a row; nothing else spells a webhook's name.

macro_rules! webhooks {
    ($( $variant:ident => $ty:literal, $code:literal; )*) => {
        /// A kind of webhook Plaid sends.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Webhook {
            $( $variant, )*
        }

        impl Webhook {
            pub const ALL: &'static [Webhook] = &[ $( Webhook::$variant, )* ];

            /// `webhook_type` on the wire.
            pub fn webhook_type(self) -> &'static str {
                match self { $( Self::$variant => $ty, )* }
            }

            /// `webhook_code` on the wire.
            pub fn code(self) -> &'static str {
                match self { $( Self::$variant => $code, )* }
            }
        }
    };
}

webhooks! {
    ItemError => "ITEM", "ERROR";
    ItemPendingExpiration => "ITEM", "PENDING_EXPIRATION";
    ItemPendingDisconnect => "ITEM", "PENDING_DISCONNECT";
    ItemUserPermissionRevoked => "ITEM", "USER_PERMISSION_REVOKED";
    ItemUserAccountRevoked => "ITEM", "USER_ACCOUNT_REVOKED";
    ItemNewAccountsAvailable => "ITEM", "NEW_ACCOUNTS_AVAILABLE";
    ItemWebhookUpdateAcknowledged => "ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED";
    ItemLoginRepaired => "ITEM", "LOGIN_REPAIRED";
    ItemAuthorizationGranted => "ITEM", "AUTHORIZATION_GRANTED";
    TransactionsInitialUpdate => "TRANSACTIONS", "INITIAL_UPDATE";
    TransactionsHistoricalUpdate => "TRANSACTIONS", "HISTORICAL_UPDATE";
    TransactionsDefaultUpdate => "TRANSACTIONS", "DEFAULT_UPDATE";
    TransactionsRemoved => "TRANSACTIONS", "TRANSACTIONS_REMOVED";
    TransactionsSyncUpdatesAvailable => "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE";
    TransactionsRecurringUpdate => "TRANSACTIONS", "RECURRING_TRANSACTIONS_UPDATE";
    AuthDefaultUpdate => "AUTH", "DEFAULT_UPDATE";
    AuthSmsMicrodepositsVerification => "AUTH", "SMS_MICRODEPOSITS_VERIFICATION";
    IdentityDefaultUpdate => "IDENTITY", "DEFAULT_UPDATE";
    InvestmentsTransactionsDefaultUpdate => "INVESTMENTS_TRANSACTIONS", "DEFAULT_UPDATE";
    InvestmentsTransactionsHistoricalUpdate => "INVESTMENTS_TRANSACTIONS", "HISTORICAL_UPDATE";
    HoldingsDefaultUpdate => "HOLDINGS", "DEFAULT_UPDATE";
    LiabilitiesDefaultUpdate => "LIABILITIES", "DEFAULT_UPDATE";
    AssetsProductReady => "ASSETS", "PRODUCT_READY";
    AssetsError => "ASSETS", "ERROR";
}

impl Webhook {
    /// The rows with this `webhook_code`, in table order.
    pub fn with_code(code: &str) -> impl Iterator<Item = Webhook> + '_ {
        Self::ALL.iter().copied().filter(move |w| w.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_a_distinct_pair() {
        for (i, a) in Webhook::ALL.iter().enumerate() {
            for b in &Webhook::ALL[i + 1..] {
                assert_ne!((a.webhook_type(), a.code()), (b.webhook_type(), b.code()));
            }
        }
        assert_eq!(Webhook::with_code("DEFAULT_UPDATE").count(), 6);
    }
}
