//! Editing a user's profile: who may change which field, and the validated result.

use crate::contact::{self, ContactMethodDraft};
use crate::error::{DomainError, FieldError};
use crate::text;
use crate::user::{self, Actor, User, UserRole};

/// A partial edit of a user: `None` leaves the field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<UserRole>,
    pub time_zone: Option<String>,
    /// Replaces the whole list, in this order.
    pub contact_methods: Option<Vec<ContactMethodDraft>>,
}

/// Decides an edit of `target` by `actor`. Admins may change anything; everyone
/// else only their own name, time zone and contact methods, because role and
/// email decide what an account may do and who signs in with it.
/// Sending a field's current value is not a change, so a form that posts every
/// field works for everyone.
pub fn edit_user(actor: &Actor, target: &User, patch: &UserPatch) -> Result<User, DomainError> {
    let own = actor.user_id == target.id;
    if !own && !actor.is_admin() {
        return Err(DomainError::Forbidden(
            "only an admin may edit another user".into(),
        ));
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let mut edited = target.clone();
    if let Some(name) = &patch.name {
        match text::required("name", name, text::TITLE_MAX) {
            Ok(name) => edited.name = name,
            Err(error) => errors.push(error),
        }
    }
    if let Some(raw) = &patch.email {
        match user::email("email", raw) {
            Ok(email) => edited.email = email,
            Err(error) => errors.push(error),
        }
    }
    if let Some(role) = patch.role {
        edited.role = role;
    }
    if let Some(zone) = &patch.time_zone {
        match user::time_zone("time_zone", zone) {
            Ok(zone) => edited.time_zone = zone,
            Err(error) => errors.push(error),
        }
    }
    if let Some(drafts) = &patch.contact_methods {
        match contact::contact_methods(drafts) {
            Ok(methods) => edited.contact_methods = methods,
            Err(fields) => errors.extend(fields),
        }
    }
    if !actor.is_admin() {
        if edited.role != target.role {
            return Err(DomainError::Forbidden(
                "only an admin may change a role".into(),
            ));
        }
        if patch.email.is_some() && edited.email != target.email {
            return Err(DomainError::Forbidden(
                "only an admin may change an email address".into(),
            ));
        }
    }
    if errors.is_empty() {
        Ok(edited)
    } else {
        Err(DomainError::Invalid(errors))
    }
}

/// Whether writing `after` over `before` takes away an active admin, which the
/// caller must refuse when no other active admin would remain.
pub fn drops_an_admin(before: &User, after: &User) -> bool {
    before.is_active_admin() && !after.is_active_admin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::ids::UserId;

    fn person(n: u128, role: UserRole) -> User {
        User::new(
            UserId(uuid::Uuid::from_u128(n)),
            format!("user{n}@example.com"),
            format!("User {n}"),
            role,
            Timestamp::UNIX_EPOCH,
        )
    }

    fn actor(user: &User) -> Actor {
        Actor {
            user_id: user.id,
            role: user.role,
        }
    }

    #[test]
    fn admins_edit_anything_of_anyone() {
        let admin = person(1, UserRole::Admin);
        let ada = person(2, UserRole::Viewer);
        let patch = UserPatch {
            name: Some("Ada".into()),
            email: Some("Ada@Example.com".into()),
            role: Some(UserRole::Responder),
            time_zone: Some("Europe/London".into()),
            contact_methods: Some(vec![ContactMethodDraft {
                kind: "sms".into(),
                address: "+447700900123".into(),
                label: "mobile".into(),
            }]),
        };
        let edited = edit_user(&actor(&admin), &ada, &patch).expect("allowed");
        assert_eq!(edited.email, "ada@example.com");
        assert_eq!(edited.role, UserRole::Responder);
        assert_eq!(edited.time_zone, "Europe/London");
        assert_eq!(edited.contact_methods.len(), 1);
        assert_eq!((edited.id, edited.created_at), (ada.id, ada.created_at));
    }

    #[test]
    fn people_edit_their_own_profile_but_not_their_role_or_email() {
        let viewer = person(3, UserRole::Viewer);
        let own = UserPatch {
            name: Some("Vi".into()),
            time_zone: Some("Asia/Tokyo".into()),
            role: Some(UserRole::Viewer),
            email: Some(viewer.email.to_uppercase()),
            ..UserPatch::default()
        };
        let edited = edit_user(&actor(&viewer), &viewer, &own).expect("own profile");
        assert_eq!(edited.time_zone, "Asia/Tokyo");

        let promote = UserPatch {
            role: Some(UserRole::Admin),
            ..UserPatch::default()
        };
        assert!(matches!(
            edit_user(&actor(&viewer), &viewer, &promote),
            Err(DomainError::Forbidden(_))
        ));
        let rename = UserPatch {
            email: Some("other@example.com".into()),
            ..UserPatch::default()
        };
        assert!(matches!(
            edit_user(&actor(&viewer), &viewer, &rename),
            Err(DomainError::Forbidden(_))
        ));
        let responder = person(4, UserRole::Responder);
        assert!(matches!(
            edit_user(&actor(&responder), &viewer, &UserPatch::default()),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let admin = person(1, UserRole::Admin);
        let patch = UserPatch {
            name: Some(" ".into()),
            email: Some("nope".into()),
            time_zone: Some("Nowhere/Land".into()),
            contact_methods: Some(vec![ContactMethodDraft {
                kind: "voice".into(),
                address: "12".into(),
                label: String::new(),
            }]),
            ..UserPatch::default()
        };
        let Err(DomainError::Invalid(errors)) = edit_user(&actor(&admin), &admin, &patch) else {
            panic!("expected invalid input");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "email", "time_zone", "contact_methods[0].address"]
        );
    }

    #[test]
    fn demoting_or_deactivating_an_admin_drops_one() {
        let admin = person(1, UserRole::Admin);
        let demoted = User {
            role: UserRole::Responder,
            ..admin.clone()
        };
        let gone = User {
            deactivated_at: Some(Timestamp::UNIX_EPOCH),
            ..admin.clone()
        };
        assert!(drops_an_admin(&admin, &demoted));
        assert!(drops_an_admin(&admin, &gone));
        assert!(!drops_an_admin(&admin, &admin));
        assert!(!drops_an_admin(&demoted, &gone));
    }
}
