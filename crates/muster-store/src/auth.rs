//! Records of credentials: API tokens, sessions, the bootstrap secret.
//! Secrets themselves are never stored, only their SHA-256 digests.

use muster_core::{Timestamp, TokenId, UserId};

/// An API token's metadata. The secret is shown once at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A web session about to be stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub digest: [u8; 32],
    pub user_id: UserId,
    /// Random token that every form and htmx request of this session must echo.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A stored web session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// What happened to a bootstrap attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootstrapOutcome {
    Created,
    /// Wrong, used or superseded secret.
    InvalidSecret,
    /// Someone already set up the first user.
    AlreadyDone,
}
