//! Users, sign-in, sessions, API tokens and the first-admin bootstrap.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

use argon2::Argon2;
use jiff::SignedDuration;
use muster_core::user::email as valid_email;
use muster_core::{Actor, Permission, TokenId, User, UserId, UserRole, text};
use muster_store::{ApiToken, BootstrapOutcome, NewSession, Session};
use uuid::Uuid;

use crate::secrets::{self, API_TOKEN_PREFIX, BOOTSTRAP_PREFIX, CSRF_PREFIX, SESSION_PREFIX};
use crate::{App, AppError};

pub use crate::users::NewUser;

const PASSWORD_MIN: usize = 8;
const PASSWORD_MAX: usize = 1024;

/// Who a request comes from, once its credentials are checked.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub actor: Actor,
}

impl Principal {
    fn of(user: User) -> Self {
        let actor = Actor {
            user_id: user.id,
            role: user.role,
        };
        Self { user, actor }
    }
}

pub(crate) fn check_password(field: &str, password: &str) -> Result<(), AppError> {
    let count = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&count) {
        return Err(AppError::invalid(
            field,
            format!("must be {PASSWORD_MIN}-{PASSWORD_MAX} characters, got {count}"),
        ));
    }
    Ok(())
}

/// argon2 is deliberately slow: keep it off the async workers.
pub(crate) async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        // Without a hash, still spend the time, so response times do not tell
        // which emails have accounts.
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A real hash of nothing in particular, to verify against when there is no user.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"no such user", &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

pub(crate) fn require(actor: &Actor, permission: Permission) -> Result<(), AppError> {
    if actor.can(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "the {} role may not do this",
            actor.role
        )))
    }
}

pub(crate) fn display_name(email: &str, name: Option<String>) -> Result<String, AppError> {
    match name.filter(|n| !n.trim().is_empty()) {
        Some(name) => {
            text::required("name", &name, text::TITLE_MAX).map_err(|e| AppError::Invalid(vec![e]))
        }
        None => Ok(email.split('@').next().unwrap_or(email).to_owned()),
    }
}

impl App {
    /// Resolves an API token to its user; revoked or unknown tokens are refused.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Principal, AppError> {
        let digest = secrets::digest(secret);
        if let Some(principal) = self.tokens.get(&digest) {
            return Ok(principal);
        }
        let generation = self.tokens.generation();
        match self.store.find_api_token(&digest).await? {
            Some((_, user)) if user.is_active() => {
                let principal = Principal::of(user);
                self.tokens.put(digest, principal.clone(), generation);
                Ok(principal)
            }
            _ => Err(AppError::Unauthenticated(
                "the API token is invalid or revoked, or its user is deactivated".into(),
            )),
        }
    }

    /// Resolves a session cookie to its user and session (with its CSRF token).
    pub async fn authenticate_session(
        &self,
        secret: &str,
    ) -> Result<Option<(Principal, Session)>, AppError> {
        let found = self
            .store
            .find_session(&secrets::digest(secret), self.now())
            .await?;
        // Deactivation deletes sessions; this also covers one racing it.
        Ok(found
            .filter(|(_, user)| user.is_active())
            .map(|(session, user)| (Principal::of(user), session)))
    }

    /// Checks an email and password; the same error for an unknown email, a
    /// wrong password and a deactivated account, so answers do not reveal who
    /// has an account.
    pub async fn verify_credentials(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Principal, AppError> {
        let email = email.trim().to_lowercase();
        let (user, hash) = match self.store.find_credentials(&email).await? {
            Some((user, hash)) => (Some(user), hash),
            None => (None, None),
        };
        let verified = verify_password(password.to_owned(), hash.clone()).await;
        match (user, verified && hash.is_some()) {
            (Some(user), true) if user.is_active() => Ok(Principal::of(user)),
            _ => Err(AppError::Unauthenticated("wrong email or password".into())),
        }
    }

    /// Checks a password and opens a session; returns the session secret.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(String, Principal), AppError> {
        let principal = self.verify_credentials(email, password).await?;
        let secret = secrets::generate(SESSION_PREFIX)?;
        let now = self.now();
        let lifetime = SignedDuration::try_from(self.settings.session_lifetime)
            .unwrap_or(SignedDuration::from_hours(12));
        self.store
            .insert_session(&NewSession {
                digest: secrets::digest(&secret),
                user_id: principal.user.id,
                csrf_token: secrets::generate(CSRF_PREFIX)?,
                created_at: now,
                expires_at: now.checked_add(lifetime).unwrap_or(now),
            })
            .await?;
        Ok((secret, principal))
    }

    pub async fn logout(&self, session_secret: &str) -> Result<(), AppError> {
        Ok(self
            .store
            .delete_session(&secrets::digest(session_secret))
            .await?)
    }

    /// When nobody has an account yet, makes a one-time secret for the first
    /// admin's sign-up link (replacing any earlier one) and returns it.
    pub async fn bootstrap_secret(&self) -> Result<Option<String>, AppError> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let secret = secrets::generate(BOOTSTRAP_PREFIX)?;
        self.store
            .put_bootstrap_digest(&secrets::digest(&secret), self.now())
            .await?;
        Ok(Some(secret))
    }

    /// Whether the installation still waits for its first admin.
    pub async fn needs_bootstrap(&self) -> Result<bool, AppError> {
        Ok(self.store.count_users().await? == 0)
    }

    /// Creates the first admin from the one-time bootstrap secret.
    pub async fn complete_bootstrap(
        &self,
        secret: &str,
        email: &str,
        name: Option<String>,
        password: &str,
    ) -> Result<User, AppError> {
        let email = valid_email("email", email).map_err(|e| AppError::Invalid(vec![e]))?;
        check_password("password", password)?;
        let name = display_name(&email, name)?;
        let user = User::new(
            UserId(Uuid::now_v7()),
            email,
            name,
            UserRole::Admin,
            self.now(),
        );
        let hash = hash_password(password.to_owned()).await?;
        match self
            .store
            .consume_bootstrap(&secrets::digest(secret), &user, &hash)
            .await?
        {
            BootstrapOutcome::Created => Ok(user),
            BootstrapOutcome::InvalidSecret => Err(AppError::Unauthenticated(
                "this set-up link is invalid or was replaced; restart muster for a new one".into(),
            )),
            BootstrapOutcome::AlreadyDone => Err(AppError::Conflict {
                code: "already_set_up",
                message: "muster already has an admin; sign in instead".into(),
            }),
        }
    }

    /// For scripted set-up without a running server: finds or creates the user
    /// and issues a new API token. Returns the user and the token secret.
    pub async fn issue_admin_token(
        &self,
        email: &str,
        role: UserRole,
        token_name: &str,
    ) -> Result<(User, String), AppError> {
        let email = valid_email("email", email).map_err(|e| AppError::Invalid(vec![e]))?;
        let user = match self.store.find_user_by_email(&email).await? {
            // Its token would be refused at once; say so instead of printing it.
            Some(user) if !user.is_active() => {
                return Err(AppError::Conflict {
                    code: "deactivated",
                    message: format!("{email} is deactivated; its tokens are refused"),
                });
            }
            Some(user) => user,
            None => {
                let name = display_name(&email, None)?;
                let user = User::new(UserId(Uuid::now_v7()), email, name, role, self.now());
                self.store.insert_user(&user, None).await?;
                user
            }
        };
        let (_, secret) = self.insert_token(user.id, token_name).await?;
        Ok((user, secret))
    }

    async fn insert_token(
        &self,
        owner: UserId,
        name: &str,
    ) -> Result<(ApiToken, String), AppError> {
        let name = text::required("name", name, text::TITLE_MAX)
            .map_err(|e| AppError::Invalid(vec![e]))?;
        let secret = secrets::generate(API_TOKEN_PREFIX)?;
        let token = ApiToken {
            id: TokenId(Uuid::now_v7()),
            user_id: owner,
            name,
            created_at: self.now(),
            revoked_at: None,
        };
        self.store
            .insert_api_token(&token, &secrets::digest(&secret))
            .await?;
        Ok((token, secret))
    }

    /// A new API token for the actor; the secret is returned once and never again.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(ApiToken, String), AppError> {
        require(actor, Permission::ManageOwnTokens)?;
        self.insert_token(actor.user_id, name).await
    }

    /// The actor's tokens, or everyone's for an admin asking for all.
    pub async fn list_tokens(
        &self,
        actor: &Actor,
        everyone: bool,
    ) -> Result<Vec<ApiToken>, AppError> {
        if everyone {
            require(actor, Permission::ManageUsers)?;
            return Ok(self.store.list_api_tokens(None).await?);
        }
        Ok(self.store.list_api_tokens(Some(actor.user_id)).await?)
    }

    /// Revokes one of the actor's tokens (admins: anyone's).
    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<ApiToken, AppError> {
        let token = self
            .store
            .find_api_token_by_id(id)
            .await?
            .filter(|t| t.user_id == actor.user_id || actor.is_admin())
            .ok_or_else(|| AppError::not_found("token", id))?;
        self.store.revoke_api_token(id, self.now()).await?;
        // The cache is keyed by digest, which a revocation by id cannot name.
        self.tokens.forget_all();
        Ok(self.store.find_api_token_by_id(id).await?.unwrap_or(token))
    }

    /// Sets a user's password: their own, or anyone's for an admin.
    pub async fn set_password(
        &self,
        actor: &Actor,
        user: UserId,
        password: &str,
    ) -> Result<(), AppError> {
        if actor.user_id != user {
            require(actor, Permission::ManageUsers)?;
        }
        check_password("password", password)?;
        let hash = hash_password(password.to_owned()).await?;
        Ok(self.store.set_password_hash(user, &hash).await?)
    }
}
