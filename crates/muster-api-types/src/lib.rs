//! Request and response bodies of `/api/v1`, with their OpenAPI schemas.
//! JSON is snake_case; instants are RFC 3339 strings in UTC.

pub mod alerts;
pub mod catalog;
pub mod changes;
mod convert;
mod convert_catalog;
mod convert_paging;
pub mod oncall;
pub mod paging;
pub mod plan;
pub mod runbooks;
pub mod scenarios;
pub mod silences;
pub mod status_page;
pub mod updates;
mod users;
pub mod whats_next;

pub use users::{ContactMethod, NewUser, UpdateUser, User, UserList};

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Every error answer: `{"error":{"code","message","fields"}}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `invalid_input`, `not_found`, `version_conflict`.
    pub code: String,
    pub message: String,
    /// Offending fields and what was wrong with each.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Milestones {
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub detected_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub mitigated_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoleAssignment {
    pub role: String,
    pub user_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    pub user_id: Uuid,
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Timestamp,
}

/// An incident.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Incident {
    pub id: Uuid,
    pub number: u64,
    /// The human reference, e.g. `INC-42`.
    pub reference: String,
    pub title: String,
    pub description: String,
    pub impact: String,
    pub severity: String,
    /// `active`, `acknowledged`, `mitigated`, `resolved` or `closed`.
    pub status: String,
    pub drill: bool,
    pub private: bool,
    pub declared_by: Uuid,
    pub tags: Vec<String>,
    pub milestones: Milestones,
    pub roles: Vec<RoleAssignment>,
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub affected: Affected,
    /// The plan's runbooks attached to it, in the order their conditions
    /// came true (each once; none is ever detached).
    #[serde(default)]
    pub runbooks: Vec<String>,
    /// Send it back on updates; a stale version gets 409.
    pub version: u64,
    #[schema(value_type = String, format = DateTime)]
    pub declared_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IncidentList {
    pub incidents: Vec<Incident>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Query of `GET /api/v1/incidents`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// Comma-separated statuses, e.g. `active,acknowledged`.
    pub status: Option<String>,
    /// Comma-separated severities, e.g. `SEV1,SEV2`.
    pub severity: Option<String>,
    pub drill: Option<bool>,
    pub tag: Option<String>,
    /// RFC 3339; incidents declared at or after.
    pub declared_after: Option<String>,
    /// RFC 3339; incidents declared before.
    pub declared_before: Option<String>,
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<u32>,
}

/// Body of `POST /api/v1/incidents`. Only `title` is required.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareIncident {
    pub title: String,
    pub severity: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub drill: bool,
    #[serde(default)]
    pub private: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub detected_at: Option<Timestamp>,
    /// Services it is declared on (by name); their blast radius is recorded.
    #[serde(default)]
    pub services: Vec<String>,
    /// Functionalities it is declared on, by name or in customers' words
    /// ("can't log in" finds Login).
    #[serde(default)]
    pub functionalities: Vec<String>,
    /// Start it from a scenario of the plan: its runbooks attach at once,
    /// and the incident page compares what happens with its expected timeline.
    #[serde(default)]
    pub scenario: Option<String>,
}

/// A functionality an incident takes away (`hard`) or degrades (`soft`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AffectedFunctionality {
    pub functionality: String,
    pub criticality: String,
}

/// What an incident touches in the catalog, assessed when it was declared.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Affected {
    pub services: Vec<String>,
    pub functionalities: Vec<AffectedFunctionality>,
    /// The teams owning all of it: who to involve.
    pub teams: Vec<String>,
}

/// Body of `PATCH /api/v1/incidents/{incident}`: the version you read, and the
/// fields to change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIncident {
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drill: Option<bool>,
}

/// Body of the milestone actions (`acknowledge`, `mitigate`, `resolve`, `close`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneAction {
    /// When it happened; default now.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
    /// If given, the action fails with 409 unless the incident is at this version.
    pub version: Option<u64>,
}

/// Body of `PUT /api/v1/incidents/{incident}/milestones/{milestone}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditMilestone {
    /// The corrected instant, or null to clear it.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
    pub version: Option<u64>,
}

/// Body of `PUT /api/v1/incidents/{incident}/roles/{role}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRole {
    /// A user id or email address.
    pub user: String,
}

/// Body of `POST /api/v1/incidents/{incident}/participants`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddParticipant {
    /// A user id or email address.
    pub user: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    pub text: String,
}

/// One timeline entry. `kind` says which of the optional fields are set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineEntry {
    pub id: Uuid,
    pub sequence: i64,
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: Timestamp,
    pub actor_id: Option<Uuid>,
    pub kind: String,
    /// One line a person can read, e.g. "Severity changed from SEV3 to SEV1".
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub title: String,
    pub assignee_id: Option<Uuid>,
    pub done: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<Timestamp>,
    pub created_by: Uuid,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub version: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskList {
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub title: String,
    /// A user id or email address.
    pub assignee: Option<String>,
}

/// Distinguishes "absent" (leave as is) from `null` (clear).
fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    pub version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A user id or email; `null` removes the assignee.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub assignee: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub user_id: Uuid,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiTokenList {
    pub tokens: Vec<ApiToken>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
}

/// A new token with its secret, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Severity {
    pub code: String,
    pub name: String,
    pub description: String,
    /// 0 is the most severe.
    pub rank: usize,
    pub default: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SeverityList {
    pub severities: Vec<Severity>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Role {
    pub code: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoleList {
    pub roles: Vec<Role>,
}

/// Body of `POST /api/v1/login`: exchanges a password for a new API token
/// (what `muster login` does). Rate-limited like the console's sign-in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Name of the token to create, e.g. the machine's host name.
    pub token_name: Option<String>,
}
