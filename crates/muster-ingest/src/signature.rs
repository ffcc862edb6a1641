//! Signed webhooks: Grafana's `X-Grafana-Alerting-Signature`, the hex
//! HMAC-SHA256 of the body, or of `timestamp:body` when Grafana is set to
//! send a timestamp header too (then the timestamp must be recent, so a
//! captured request cannot be replayed later). Compared in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a signed timestamp may be from now, either way.
pub const REPLAY_WINDOW_SECONDS: i64 = 300;

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature does not match the body")]
    Mismatch,
    #[error("the signature's timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the signature's timestamp is more than 5 minutes from now")]
    Stale,
}

/// Checks a Grafana signature. `timestamp` is the timestamp header's value
/// when the integration names one; `now` in Unix seconds.
pub fn verify_grafana(
    secret: &[u8],
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now: i64,
) -> Result<(), SignatureError> {
    let signature = signature
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(SignatureError::Missing)?;
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this cannot happen.
        return Err(SignatureError::Mismatch);
    };
    if let Some(timestamp) = timestamp {
        let seconds: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        if (now - seconds).abs() > REPLAY_WINDOW_SECONDS {
            return Err(SignatureError::Stale);
        }
        mac.update(timestamp.trim().as_bytes());
        mac.update(b":");
    }
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    let given = signature.to_ascii_lowercase();
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], message: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(message);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn a_body_signature_and_a_timestamped_one_verify() {
        let body = br#"{"version":"1"}"#;
        let plain = sign(b"s3cret", body);
        assert_eq!(
            verify_grafana(b"s3cret", body, Some(&plain), None, 0),
            Ok(())
        );
        assert_eq!(
            verify_grafana(b"s3cret", body, Some(&plain.to_uppercase()), None, 0),
            Ok(()),
            "hex case does not matter"
        );
        let stamped = sign(b"s3cret", b"1790000000:{\"version\":\"1\"}");
        assert_eq!(
            verify_grafana(
                b"s3cret",
                body,
                Some(&stamped),
                Some("1790000000"),
                1_790_000_100
            ),
            Ok(())
        );
    }

    #[test]
    fn wrong_missing_and_stale_signatures_are_refused() {
        let body = b"{}";
        let good = sign(b"s3cret", body);
        assert_eq!(
            verify_grafana(b"other", body, Some(&good), None, 0),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_grafana(b"s3cret", b"{ }", Some(&good), None, 0),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_grafana(b"s3cret", body, None, None, 0),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_grafana(b"s3cret", body, Some(&good), Some("soon"), 0),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            verify_grafana(b"s3cret", body, Some(&good), Some("100"), 1000),
            Err(SignatureError::Stale)
        );
    }
}
