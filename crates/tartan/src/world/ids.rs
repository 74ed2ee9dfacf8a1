//! Identifier and token formats, as Plaid makes them.

use rand::RngExt;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn alnum(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect()
}

/// `item_id`, `account_id`: 37 mixed-case alphanumerics.
pub fn object_id() -> String {
    alnum(37)
}

/// `request_id`: 15 alphanumerics.
pub fn request_id() -> String {
    alnum(15)
}

/// The kinds of token Plaid issues; the prefix tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Public,
    Link,
    Processor,
}

impl TokenKind {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Public => "public",
            Self::Link => "link",
            Self::Processor => "processor",
        }
    }

    /// Reads the kind off a token such as `access-sandbox-<uuid>`.
    pub fn of(token: &str) -> Option<Self> {
        let (prefix, _) = token.split_once('-')?;
        [Self::Access, Self::Public, Self::Link, Self::Processor]
            .into_iter()
            .find(|k| k.prefix() == prefix)
    }
}

/// A fresh sandbox token of the given kind.
pub fn token(kind: TokenKind) -> String {
    format!("{}-sandbox-{}", kind.prefix(), uuid::Uuid::new_v4())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(object_id().len(), 37);
        assert_eq!(request_id().len(), 15);
        let t = token(TokenKind::Access);
        assert!(t.starts_with("access-sandbox-") && t.len() == "access-sandbox-".len() + 36);
        assert_eq!(TokenKind::of(&t), Some(TokenKind::Access));
        assert_eq!(TokenKind::of("public-sandbox-x"), Some(TokenKind::Public));
        assert_eq!(TokenKind::of("garbage"), None);
    }
}
