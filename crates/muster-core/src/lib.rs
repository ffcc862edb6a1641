//! The pure domain of muster: what an incident is and how it may change.
//!
//! Nothing in this crate performs I/O, reads a clock or generates randomness: the
//! current instant and fresh identifiers are always passed in, so every decision
//! is deterministic and unit-testable.

pub mod alert;
pub mod audience;
pub mod catalog;
pub mod contact;
pub mod duration;
pub mod error;
pub mod ids;
pub mod incident;
pub mod milestone;
pub mod oncall;
pub mod paging;
pub mod plan;
pub mod profile;
pub mod role;
pub mod runbook;
pub mod scenario;
pub mod severity;
pub mod stakeholder;
pub mod status_page;
pub mod task;
pub mod task_force;
pub mod text;
pub mod timeline;
pub mod user;
pub mod whats_next;

pub use catalog::Slug;
pub use contact::{ContactKind, ContactMethod, ContactMethodDraft};
pub use error::{DomainError, FieldError};
pub use ids::{
    AlertGroupId, AlertId, DeliveryId, IncidentId, IncidentNumber, IntegrationId, MaintenanceId,
    OverrideId, PageId, PageNumber, PublicIncidentId, PublicUpdateId, SilenceId, SubscriberId,
    TaskId, TimelineEntryId, TokenId, UserId,
};
pub use incident::{
    Incident, IncidentChange, IncidentDecision, IncidentPatch, IncidentRules, IncidentStatus,
    NewIncident, Participant,
};
pub use milestone::{Milestone, Milestones};
pub use profile::UserPatch;
pub use role::{RoleCatalog, RoleCode, RoleDefinition};
pub use severity::{Severity, SeverityCode, SeverityScale};
pub use task::{NewTask, Task, TaskPatch};
pub use timeline::{NewTimelineEntry, TimelineEntry, TimelineEvent};
pub use user::{Actor, Permission, User, UserRole};

/// An instant in UTC. Re-exported so that every crate speaks of time the same way.
pub use jiff::Timestamp;
