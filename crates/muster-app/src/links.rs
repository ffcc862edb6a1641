//! Signed one-time links: every notification carries a link that
//! acknowledges (and one that resolves) its page without signing in. A
//! link names its page, its recipient and its action, expires, and is
//! HMAC-SHA256-signed with a key every node shares; once used, its digest
//! is stored with the change it made, so it works once.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use muster_core::{DeliveryId, PageId, UserId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    Acknowledge,
    Resolve,
}

impl LinkAction {
    fn code(self) -> u8 {
        match self {
            Self::Acknowledge => 1,
            Self::Resolve => 2,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Acknowledge),
            2 => Some(Self::Resolve),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Resolve => "resolve",
        }
    }
}

/// What a link says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkClaims {
    pub action: LinkAction,
    pub page: PageId,
    /// The person the notification went to; `None` for a team channel.
    pub user: Option<UserId>,
    /// The notification it came in (tells two links of one page apart).
    pub delivery: DeliveryId,
    pub expires_at: Timestamp,
}

/// Why a link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not one of ours, or altered.
    Invalid,
    Expired,
}

const VERSION: u8 = 1;
/// version, action, page, user, delivery, expiry.
const CLAIMS_LEN: usize = 1 + 1 + 16 + 16 + 16 + 8;
/// A 128-bit tag is plenty against forgery and keeps links short.
const TAG_LEN: usize = 16;

/// The name links' key is stored under.
pub(crate) const KEY_NAME: &str = "links";

fn tag(key: &[u8], claims: &[u8]) -> Option<[u8; TAG_LEN]> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(claims);
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(full.get(..TAG_LEN)?);
    Some(out)
}

/// The link's token: claims and tag, base64url.
pub fn mint(key: &[u8], claims: &LinkClaims) -> String {
    let mut bytes = Vec::with_capacity(CLAIMS_LEN + TAG_LEN);
    bytes.push(VERSION);
    bytes.push(claims.action.code());
    bytes.extend_from_slice(claims.page.as_uuid().as_bytes());
    bytes.extend_from_slice(
        claims
            .user
            .map(|u| u.as_uuid())
            .unwrap_or(Uuid::nil())
            .as_bytes(),
    );
    bytes.extend_from_slice(claims.delivery.as_uuid().as_bytes());
    bytes.extend_from_slice(&claims.expires_at.as_millisecond().to_be_bytes());
    let tag = tag(key, &bytes).unwrap_or([0; TAG_LEN]);
    bytes.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn uuid_at(bytes: &[u8], at: usize) -> Option<Uuid> {
    let slice: [u8; 16] = bytes.get(at..at + 16)?.try_into().ok()?;
    Some(Uuid::from_bytes(slice))
}

/// Checks a token's tag and expiry and reads its claims.
pub fn verify(key: &[u8], token: &str, now: Timestamp) -> Result<LinkClaims, LinkProblem> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| LinkProblem::Invalid)?;
    if bytes.len() != CLAIMS_LEN + TAG_LEN || bytes.first() != Some(&VERSION) {
        return Err(LinkProblem::Invalid);
    }
    let (claims, given) = bytes.split_at(CLAIMS_LEN);
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| LinkProblem::Invalid)?;
    mac.update(claims);
    // Constant time: a forger learns nothing from how long a refusal takes.
    mac.verify_truncated_left(given)
        .map_err(|_| LinkProblem::Invalid)?;
    let action = claims
        .get(1)
        .copied()
        .and_then(LinkAction::from_code)
        .ok_or(LinkProblem::Invalid)?;
    let page = uuid_at(claims, 2).ok_or(LinkProblem::Invalid)?;
    let user = uuid_at(claims, 18).ok_or(LinkProblem::Invalid)?;
    let delivery = uuid_at(claims, 34).ok_or(LinkProblem::Invalid)?;
    let expiry: [u8; 8] = claims
        .get(50..58)
        .and_then(|b| b.try_into().ok())
        .ok_or(LinkProblem::Invalid)?;
    let expires_at = Timestamp::from_millisecond(i64::from_be_bytes(expiry))
        .map_err(|_| LinkProblem::Invalid)?;
    if expires_at <= now {
        return Err(LinkProblem::Expired);
    }
    Ok(LinkClaims {
        action,
        page: PageId(page),
        user: (!user.is_nil()).then_some(UserId(user)),
        delivery: DeliveryId(delivery),
        expires_at,
    })
}

/// What is stored once a link is used.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires: i64) -> LinkClaims {
        LinkClaims {
            action: LinkAction::Acknowledge,
            page: PageId(Uuid::from_u128(7)),
            user: Some(UserId(Uuid::from_u128(8))),
            delivery: DeliveryId(Uuid::from_u128(9)),
            expires_at: Timestamp::from_second(expires).expect("instant"),
        }
    }

    #[test]
    fn a_minted_link_verifies_until_it_expires() {
        let key = [3u8; 32];
        let token = mint(&key, &claims(2_000_000_000));
        assert!(
            token.len() < 110,
            "short enough for an SMS: {}",
            token.len()
        );
        let now = Timestamp::from_second(1_999_999_999).expect("instant");
        assert_eq!(verify(&key, &token, now), Ok(claims(2_000_000_000)));
        let later = Timestamp::from_second(2_000_000_000).expect("instant");
        assert_eq!(verify(&key, &token, later), Err(LinkProblem::Expired));
    }

    #[test]
    fn altered_or_foreign_links_are_invalid() {
        let key = [3u8; 32];
        let now = Timestamp::from_second(1_000_000_000).expect("instant");
        let token = mint(&key, &claims(2_000_000_000));
        assert_eq!(verify(&[4u8; 32], &token, now), Err(LinkProblem::Invalid));
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).expect("base64");
        bytes[1] = 2; // ack → resolve
        let forged = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(verify(&key, &forged, now), Err(LinkProblem::Invalid));
        for junk in ["", "abc", "!!!", &token[..token.len() - 2]] {
            assert_eq!(verify(&key, junk, now), Err(LinkProblem::Invalid), "{junk}");
        }
        let channel = LinkClaims {
            user: None,
            ..claims(2_000_000_000)
        };
        assert_eq!(
            verify(&key, &mint(&key, &channel), now).map(|c| c.user),
            Ok(None)
        );
    }
}
