//! Users, their access role, and the actor on whose behalf a command runs.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

use crate::contact::ContactMethod;
use crate::error::FieldError;
use crate::ids::UserId;

/// The time zone of a user who has not chosen one.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

/// What a user may do across the whole installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserRole {
    /// Everything, including users, tokens of others, and every private incident.
    Admin,
    /// Declares and runs incidents.
    Responder,
    /// Reads; never mutates.
    Viewer,
}

impl UserRole {
    pub const ALL: [UserRole; 3] = [Self::Admin, Self::Responder, Self::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Responder => "responder",
            Self::Viewer => "viewer",
        }
    }
}

impl fmt::Display for UserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UserRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}; expected admin, responder or viewer"))
    }
}

/// A person who can sign in or hold an API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: UserRole,
    /// An IANA time zone name, e.g. `Europe/Paris`; shifts and pages are shown in it.
    pub time_zone: String,
    /// In the order the user wants to be tried.
    pub contact_methods: Vec<ContactMethod>,
    pub created_at: Timestamp,
    /// Set once the user may no longer sign in or use tokens; the record stays
    /// because incidents and timelines refer to it.
    pub deactivated_at: Option<Timestamp>,
}

impl User {
    /// A user with the defaults every new account starts from.
    pub fn new(id: UserId, email: String, name: String, role: UserRole, now: Timestamp) -> Self {
        Self {
            id,
            email,
            name,
            role,
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
            contact_methods: Vec::new(),
            created_at: now,
            deactivated_at: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }

    /// Whether this user is one of those who keep the installation administrable.
    pub fn is_active_admin(&self) -> bool {
        self.is_active() && self.role == UserRole::Admin
    }
}

impl User {
    /// The user as `actor` may see them: push tokens and chat addresses (which
    /// can be webhook URLs, i.e. credentials) only for the user themselves and
    /// admins. Emails and phone numbers stay: responders call each other.
    pub fn visible_to(mut self, actor: &Actor) -> Self {
        if !actor.is_admin() && actor.user_id != self.id {
            for method in &mut self.contact_methods {
                if matches!(
                    method.kind,
                    crate::contact::ContactKind::Push | crate::contact::ContactKind::Chat
                ) {
                    method.address = HIDDEN_ADDRESS.to_owned();
                }
            }
        }
        self
    }
}

/// What a hidden contact address reads as.
pub const HIDDEN_ADDRESS: &str = "(hidden)";

/// Capabilities checked before a use case runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadIncidents,
    WriteIncidents,
    ManageUsers,
    ManageOwnTokens,
    /// Edit teams, services, functionalities and import catalogs.
    ManageCatalog,
    /// Apply the incident plan: severities, escalation policies, runbooks and
    /// stakeholder policies change the process for everyone, so admins only.
    ManagePlan,
}

/// Who is acting: resolved from a session or token at the edge, checked in the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: UserRole,
}

impl Actor {
    pub fn can(&self, permission: Permission) -> bool {
        match (self.role, permission) {
            (UserRole::Admin, _) => true,
            (UserRole::Responder, Permission::ManageUsers | Permission::ManagePlan) => false,
            (UserRole::Responder, _) => true,
            (UserRole::Viewer, Permission::ReadIncidents | Permission::ManageOwnTokens) => true,
            (UserRole::Viewer, _) => false,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == UserRole::Admin
    }
}

/// Normalises and checks an email address enough to catch typos; delivery proves the rest.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(FieldError::new(
            field,
            format!("expected an email address like ada@example.com, got {raw:?}"),
        ))
    }
}

/// Checks an IANA time zone name against the time zone database and returns
/// its canonical spelling.
pub fn time_zone(field: &str, raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let found = (!name.is_empty())
        .then(|| jiff::tz::TimeZone::get(name).ok())
        .flatten();
    match found {
        Some(zone) => Ok(zone.iana_name().unwrap_or(name).to_owned()),
        None => Err(FieldError::new(
            field,
            format!("expected an IANA time zone like Europe/Paris or UTC, got {raw:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_read_but_never_write() {
        let viewer = Actor {
            user_id: UserId(uuid::Uuid::nil()),
            role: UserRole::Viewer,
        };
        assert!(viewer.can(Permission::ReadIncidents));
        assert!(!viewer.can(Permission::WriteIncidents));
        assert!(!viewer.can(Permission::ManageUsers));
        let responder = Actor {
            role: UserRole::Responder,
            ..viewer
        };
        assert!(responder.can(Permission::WriteIncidents));
        assert!(!responder.can(Permission::ManageUsers));
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            email("email", " Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_zones_come_from_the_iana_database() {
        assert_eq!(time_zone("tz", "UTC").unwrap(), "UTC");
        assert_eq!(time_zone("tz", " Europe/Paris ").unwrap(), "Europe/Paris");
        for bad in ["", "Mars/Olympus", "CEST+2", "Europe/"] {
            let error = time_zone("time_zone", bad).unwrap_err();
            assert_eq!(error.field, "time_zone", "{bad}");
        }
    }
}
