//! URL rules: what a webhook or redirect URL may be.

use axum::http::Uri;
use tartan_types::PlaidError;

/// Which `http(s)` webhook URLs are accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum WebhookPolicy {
    /// A local sandbox: `http://` and `https://` to any host (loopback, containers, ...).
    #[default]
    Local,
    /// Plaid's rule: `https://` only.
    Strict,
}

impl WebhookPolicy {
    /// Checks a webhook URL (`field` names it in the error).
    pub fn check(self, field: &str, url: &str) -> Result<(), PlaidError> {
        validate_url(field, url)?;
        if self == Self::Strict && !url.starts_with("https://") {
            return Err(PlaidError::invalid_field(
                field,
                "must be an https URL (Tartan runs with --webhook-policy strict, Plaid's rule)",
            ));
        }
        Ok(())
    }
}

/// A URL field (webhook, redirect_uri): absolute http(s) with a host.
pub fn validate_url(field: &str, value: &str) -> Result<(), PlaidError> {
    let uri: Uri = value
        .parse()
        .map_err(|_| PlaidError::invalid_field(field, "must be a valid URL"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    if !scheme_ok || uri.host().is_none_or(str::is_empty) {
        return Err(PlaidError::invalid_field(
            field,
            "must be an absolute http(s) URL such as https://example.com/webhook",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(validate_url("webhook", "https://example.com/hook").is_ok());
        assert!(validate_url("webhook", "http://127.0.0.1:8080/hook").is_ok());
        assert!(validate_url("webhook", "ftp://example.com").is_err());
        assert!(validate_url("webhook", "not a url").is_err());
        assert!(validate_url("webhook", "/relative").is_err());
        assert!(
            WebhookPolicy::Strict
                .check("webhook", "http://example.com/h")
                .is_err()
        );
    }
}
