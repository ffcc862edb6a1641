//! People: users with their time zone and contact methods.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// `admin`, `responder` or `viewer`.
    pub role: String,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// In the order the user wants to be tried.
    pub contact_methods: Vec<ContactMethod>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Set when the account may no longer sign in or use tokens.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deactivated_at: Option<Timestamp>,
}

/// One way to reach a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactMethod {
    /// `email`, `sms`, `voice`, `push` or `chat`.
    pub kind: String,
    /// An email address, an E.164 phone number (`+14155550123`), or a push/chat address.
    pub address: String,
    /// The user's own name for it, e.g. "Work phone".
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    pub users: Vec<User>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub name: Option<String>,
    /// `admin`, `responder` (default) or `viewer`.
    pub role: Option<String>,
    /// Lets the user sign in to the console; 8-1024 characters.
    pub password: Option<String>,
    /// IANA time zone (default `UTC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact_methods: Vec<ContactMethod>,
}

/// Body of `PATCH /api/v1/users/{id}`: absent fields stay as they are.
/// Admins may change every field; others only their own name, time zone and
/// contact methods.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Replaces the whole list, in this order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_methods: Option<Vec<ContactMethod>>,
}
