//! People: creating users, editing profiles (time zone, contact methods),
//! and deactivating accounts.

use muster_core::contact::{self, ContactMethodDraft};
use muster_core::profile::{self, UserPatch};
use muster_core::user::{self as core_user, email as valid_email};
use muster_core::{Actor, Permission, User, UserId, UserRole};
use uuid::Uuid;

use crate::accounts::{check_password, display_name, hash_password, require};
use crate::{App, AppError};

/// Input for a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: Option<String>,
    pub role: UserRole,
    pub password: Option<String>,
    /// IANA name; `None` means UTC.
    pub time_zone: Option<String>,
    pub contact_methods: Vec<ContactMethodDraft>,
}

impl NewUser {
    /// A user with only the required fields.
    pub fn new(email: impl Into<String>, role: UserRole) -> Self {
        Self {
            email: email.into(),
            name: None,
            role,
            password: None,
            time_zone: None,
            contact_methods: Vec::new(),
        }
    }
}

impl App {
    pub async fn create_user(&self, actor: &Actor, input: NewUser) -> Result<User, AppError> {
        require(actor, Permission::ManageUsers)?;
        let mut errors = Vec::new();
        let email = valid_email("email", &input.email)
            .map_err(|e| errors.push(e))
            .ok();
        if let Some(password) = &input.password
            && let Err(AppError::Invalid(fields)) = check_password("password", password)
        {
            errors.extend(fields);
        }
        let time_zone = match &input.time_zone {
            Some(zone) => core_user::time_zone("time_zone", zone)
                .map_err(|e| errors.push(e))
                .ok(),
            None => Some(core_user::DEFAULT_TIME_ZONE.to_owned()),
        };
        let contact_methods = contact::contact_methods(&input.contact_methods)
            .map_err(|fields| errors.extend(fields))
            .ok();
        let (Some(email), Some(time_zone), Some(contact_methods)) =
            (email, time_zone, contact_methods)
        else {
            return Err(AppError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let name = display_name(&email, input.name)?;
        let user = User {
            time_zone,
            contact_methods,
            ..User::new(UserId(Uuid::now_v7()), email, name, input.role, self.now())
        };
        let hash = match input.password {
            Some(password) => Some(hash_password(password).await?),
            None => None,
        };
        self.store.insert_user(&user, hash.as_deref()).await?;
        Ok(user)
    }

    /// Everyone, deactivated users included (they say so).
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let users = self.store.list_users().await?;
        Ok(users.into_iter().map(|u| u.visible_to(actor)).collect())
    }

    pub async fn get_user(&self, actor: &Actor, id: UserId) -> Result<User, AppError> {
        require(actor, Permission::ReadIncidents)?;
        self.store
            .find_user(id)
            .await?
            .map(|u| u.visible_to(actor))
            .ok_or_else(|| AppError::not_found("user", id))
    }

    /// Finds a user by id or email, as people type them in the CLI and forms,
    /// as `actor` may see them (see [`User::visible_to`]).
    pub async fn find_user(&self, actor: &Actor, key: &str) -> Result<User, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let found = match key.parse::<Uuid>() {
            Ok(id) => self.store.find_user(UserId(id)).await?,
            Err(_) => {
                self.store
                    .find_user_by_email(&key.trim().to_lowercase())
                    .await?
            }
        };
        found
            .map(|u| u.visible_to(actor))
            .ok_or_else(|| AppError::not_found("user", key))
    }

    /// Edits a profile: admins anyone's and any field, everyone else their own
    /// name, time zone and contact methods (decided by the core).
    pub async fn update_user(
        &self,
        actor: &Actor,
        key: &str,
        patch: &UserPatch,
    ) -> Result<User, AppError> {
        let target = self.find_user(actor, key).await?;
        let edited = profile::edit_user(actor, &target, patch)?;
        if edited == target {
            return Ok(target);
        }
        self.store.update_user_profile(&edited, &target).await?;
        if edited.role != target.role {
            // Cached principals carry the role; a demotion must bite at once.
            self.tokens.forget_all();
        }
        Ok(edited)
    }

    /// Deactivates an account (admins only): it can no longer sign in or use
    /// its tokens, and its sessions end. Never the actor's own account, and
    /// never the last active admin. Deactivating twice is not an error.
    pub async fn deactivate_user(&self, actor: &Actor, key: &str) -> Result<User, AppError> {
        require(actor, Permission::ManageUsers)?;
        let target = self.find_user(actor, key).await?;
        if target.id == actor.user_id {
            return Err(AppError::Conflict {
                code: "self_deactivation",
                message: "you cannot deactivate your own account; ask another admin".into(),
            });
        }
        self.store.deactivate_user(target.id, self.now()).await?;
        // The cache is keyed by token digest, which this user's id cannot name.
        self.tokens.forget_all();
        self.store
            .find_user(target.id)
            .await?
            .ok_or_else(|| AppError::not_found("user", target.id))
    }
}
