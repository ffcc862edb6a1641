//! Random secrets and their digests. Only digests are ever stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::AppError;

/// A fresh 256-bit secret, URL-safe, with a prefix naming its purpose so a
/// leaked string is recognisable (e.g. by secret scanners).
pub fn generate(prefix: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

pub const API_TOKEN_PREFIX: &str = "mst_";
pub const SESSION_PREFIX: &str = "mss_";
pub const BOOTSTRAP_PREFIX: &str = "msb_";
pub const CSRF_PREFIX: &str = "msc_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_prefixed_and_digest_stably() {
        let a = generate(API_TOKEN_PREFIX).unwrap();
        let b = generate(API_TOKEN_PREFIX).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("mst_") && a.len() == 4 + 43);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
    }
}
