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

/// An `item_id` or `account_id` derived from a seed: the same seed gives the same id.
pub fn object_id_from(seed: u64) -> String {
    let mut x = seed;
    (0..37)
        .map(|_| {
            x = splitmix(x);
            ALNUM[(x % ALNUM.len() as u64) as usize] as char
        })
        .collect()
}

/// SplitMix64: a well-mixed 64-bit step, for seeds derived from seeds.
pub fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over the bytes, then mixed: a seed from a name that never changes between releases.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    splitmix(h)
}

/// A seed for the `n`th thing of a kind under `seed` (the tenant's `n`th Item, an Item's
/// `n`th account).
pub fn derive(seed: u64, kind: &str, n: u64) -> u64 {
    splitmix(seed ^ stable_hash(kind.as_bytes()) ^ splitmix(n))
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

/// An access token that says, to the tenant that issued it, which Item it was made for:
/// the Item's place in the tenant's creation order (40 bits, masked) and a tag keyed by the
/// tenant's token key. Still a random-looking v4 UUID. A token the tenant cannot find but did
/// issue belonged to a removed Item (ITEM_NOT_FOUND), with nothing kept per removed Item.
pub fn access_token(key: u64, place: u64) -> String {
    let mut b = *uuid::Uuid::new_v4().as_bytes();
    let masked = (place & PLACE_MASK) ^ (splitmix(key) & PLACE_MASK);
    b[..5].copy_from_slice(&masked.to_be_bytes()[3..]);
    let tag = token_tag(key, &b);
    b[8..].copy_from_slice(&tag.to_be_bytes());
    let u = uuid::Builder::from_random_bytes(b).into_uuid();
    format!("{}-sandbox-{u}", TokenKind::Access.prefix())
}

const PLACE_MASK: u64 = (1 << 40) - 1;

fn token_tag(key: u64, b: &[u8; 16]) -> u64 {
    let mut keyed = [0u8; 16];
    keyed[..8].copy_from_slice(&key.to_be_bytes());
    keyed[8..].copy_from_slice(&b[..8]);
    stable_hash(&keyed)
}

/// The creation place of the Item an access token from [`access_token`] was made for, when
/// the token carries `key`'s tag.
pub fn access_token_place(key: u64, token: &str) -> Option<u64> {
    let rest = token.strip_prefix("access-sandbox-")?;
    let b = *uuid::Uuid::parse_str(rest).ok()?.as_bytes();
    let tag = token_tag(key, &b).to_be_bytes();
    // The variant bits (the top two of byte 8) are the UUID's, not the tag's.
    if b[8] & 0x3f != tag[0] & 0x3f || b[9..] != tag[1..] {
        return None;
    }
    let mut place = [0u8; 8];
    place[3..].copy_from_slice(&b[..5]);
    Some((u64::from_be_bytes(place) ^ splitmix(key)) & PLACE_MASK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_tokens_carry_their_items_place_for_their_tenant_only() {
        for place in [0u64, 1, 77, 1 << 39, PLACE_MASK] {
            let t = access_token(42, place);
            assert!(
                uuid::Uuid::parse_str(&t["access-sandbox-".len()..])
                    .is_ok_and(|u| u.get_version_num() == 4)
            );
            assert_eq!(access_token_place(42, &t), Some(place));
            assert_eq!(access_token_place(43, &t), None);
        }
        assert_ne!(access_token(42, 5), access_token(42, 5));
        assert_eq!(access_token_place(42, &token(TokenKind::Access)), None);
        assert_eq!(access_token_place(42, "access-sandbox-nope"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(object_id().len(), 37);
        assert_eq!(request_id().len(), 15);
        let t = token(TokenKind::Access);
        assert!(t.starts_with("access-sandbox-") && t.len() == "access-sandbox-".len() + 36);
        assert_eq!(TokenKind::of(&t), Some(TokenKind::Access));
        assert_eq!(TokenKind::of("public-sandbox-x"), Some(TokenKind::Public));
        assert_eq!(TokenKind::of("garbage"), None);
        assert_eq!(object_id_from(7), object_id_from(7));
        assert_ne!(object_id_from(7), object_id_from(8));
        assert_eq!(object_id_from(7).len(), 37);
        // Pinned: derived data must not change between releases.
        assert_eq!(stable_hash(b"client"), stable_hash(b"client"));
        assert_eq!(derive(42, "item", 0), derive(42, "item", 0));
        assert_ne!(derive(42, "item", 0), derive(42, "item", 1));
    }
}
