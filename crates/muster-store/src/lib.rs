//! Storage ports: what the application needs from a database, in domain terms.
//!
//! Backends (`muster-store-sqlite`, `muster-store-postgres`) implement [`Store`];
//! nothing above this crate knows which one is in use. [`conformance`] holds the
//! behaviour every backend must show, run by each backend's own tests.

pub mod alerts;
pub mod auth;
pub mod catalog;
pub mod changes;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod error;
pub mod heartbeats;
pub mod incidents;
pub mod paging;
pub mod plan;
pub mod routing;
pub mod row;
pub mod runbooks;
pub mod silences;
pub mod sql;
pub mod status_page;
pub mod timeline_record;
pub mod update_reminders;

use async_trait::async_trait;

pub use auth::{ApiToken, BootstrapOutcome, NewSession, Session};
pub use catalog::{CatalogRows, CatalogStore, CatalogWrite, assemble_catalog};
pub use error::StoreError;
pub use incidents::{IncidentFilter, IncidentPage};
pub use paging::{
    AttemptRecord, DeliveryClaim, EngineClaim, Fired, FiringDecider, FiringWrite, PageFilter,
    PageInsert, PagingStore, StoredAttempt, StoredOverride,
};
pub use plan::{PlanStore, PlanWrite};
pub use row::{COUNT_ACTIVE_ADMINS, StoredRow, decode_user, decode_users};
pub use timeline_record::TimelineRecord;

use muster_core::{
    Incident, IncidentChange, IncidentId, IncidentNumber, NewTimelineEntry, Task, TaskId,
    TimelineEntry, Timestamp, TokenId, User, UserId,
};

/// Everything muster persists. One implementation per database.
///
/// Every method that writes is atomic: it commits all of its rows or none, and
/// returns only after the commit is durable.
#[async_trait]
pub trait Store:
    AccountStore
    + IncidentStore
    + CatalogStore
    + PlanStore
    + PagingStore
    + alerts::AlertStore
    + changes::ChangeStore
    + routing::RoutingStore
    + silences::SilenceStore
    + heartbeats::HeartbeatStore
    + runbooks::RunbookStore
    + update_reminders::UpdateReminderStore
    + status_page::StatusPageStore
    + Send
    + Sync
    + 'static
{
    /// Checks the database answers; used by `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Users and their credentials.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Inserts a user with their contact methods; a taken email is
    /// [`StoreError::Duplicate`] on `email`.
    async fn insert_user(&self, user: &User, password_hash: Option<&str>)
    -> Result<(), StoreError>;
    async fn find_user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// The user and their argon2 password hash (PHC string), if they have one.
    async fn find_credentials(
        &self,
        email: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError>;
    async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<(), StoreError>;
    /// Everyone, deactivated users included, by email.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// Writes `user`'s email, name, role and time zone and replaces their contact
    /// methods, in one transaction. A taken email is [`StoreError::Duplicate`] on
    /// `email`; a demotion that would leave no active admin is
    /// [`StoreError::LastAdmin`] and writes nothing.
    ///
    /// `expected` is the user as the caller read them: if their email, name,
    /// role or time zone changed since, the write is a
    /// [`StoreError::VersionConflict`] (so a user saving their time zone
    /// never puts back a role an admin just took away).
    async fn update_user_profile(&self, user: &User, expected: &User) -> Result<(), StoreError>;
    /// Marks the user deactivated at `now` and ends their sessions; false when
    /// they already were. Deactivating the last active admin is
    /// [`StoreError::LastAdmin`] and writes nothing.
    async fn deactivate_user(&self, user: UserId, now: Timestamp) -> Result<bool, StoreError>;
    async fn count_users(&self) -> Result<u64, StoreError>;

    /// Replaces any earlier bootstrap secret: only the newest link works.
    async fn put_bootstrap_digest(
        &self,
        digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Creates the first admin if `digest` matches the bootstrap secret and no
    /// user exists yet; the secret is consumed in the same transaction.
    async fn consume_bootstrap(
        &self,
        digest: &[u8; 32],
        admin: &User,
        password_hash: &str,
    ) -> Result<BootstrapOutcome, StoreError>;

    async fn insert_api_token(&self, token: &ApiToken, digest: &[u8; 32])
    -> Result<(), StoreError>;
    /// The live (not revoked) token with this digest, and its owner.
    async fn find_api_token(
        &self,
        digest: &[u8; 32],
    ) -> Result<Option<(ApiToken, User)>, StoreError>;
    async fn list_api_tokens(&self, owner: Option<UserId>) -> Result<Vec<ApiToken>, StoreError>;
    async fn find_api_token_by_id(&self, id: TokenId) -> Result<Option<ApiToken>, StoreError>;
    /// Revokes a token; false when it was already revoked.
    async fn revoke_api_token(&self, id: TokenId, now: Timestamp) -> Result<bool, StoreError>;

    async fn insert_session(&self, session: &NewSession) -> Result<(), StoreError>;
    /// The unexpired session with this digest, and its user.
    async fn find_session(
        &self,
        digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<(Session, User)>, StoreError>;
    async fn delete_session(&self, digest: &[u8; 32]) -> Result<(), StoreError>;
}

/// Incidents with their timelines and tasks.
#[async_trait]
pub trait IncidentStore: Send + Sync {
    /// Inserts a declared incident with its first timeline entries and returns
    /// the human number allocated for it (1, 2, 3… without gaps).
    ///
    /// `pages` are raised with it in the same transaction (declaring on a
    /// service or functionality pages its owner team): an incident is never
    /// stored without the pages it promised.
    async fn insert_incident(
        &self,
        incident: &Incident,
        timeline: &[NewTimelineEntry],
        pages: &[PageInsert],
    ) -> Result<IncidentNumber, StoreError>;
    /// Writes `change.incident` if the stored version is still
    /// `change.expected_version` (else [`StoreError::VersionConflict`]), with its
    /// timeline entries, in one transaction.
    async fn apply_incident_change(
        &self,
        change: &IncidentChange,
        timeline: &[NewTimelineEntry],
    ) -> Result<(), StoreError>;
    async fn find_incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError>;
    async fn find_incident_by_number(
        &self,
        number: IncidentNumber,
    ) -> Result<Option<Incident>, StoreError>;
    /// Newest first, at most `filter.limit`, continuing below `filter.before_number`.
    async fn list_incidents(&self, filter: &IncidentFilter) -> Result<IncidentPage, StoreError>;

    /// Appends entries that change nothing else (notes).
    async fn append_timeline(&self, entries: &[NewTimelineEntry]) -> Result<(), StoreError>;
    /// Entries of one incident in order, after `after_sequence`, at most `limit`.
    async fn list_timeline(
        &self,
        incident: IncidentId,
        after_sequence: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TimelineEntry>, StoreError>;

    async fn insert_task(
        &self,
        task: &Task,
        timeline: &[NewTimelineEntry],
    ) -> Result<(), StoreError>;
    /// Writes `task` if the stored version is `expected_version`.
    async fn apply_task_change(
        &self,
        task: &Task,
        expected_version: u64,
        timeline: &[NewTimelineEntry],
    ) -> Result<(), StoreError>;
    async fn find_task(&self, id: TaskId) -> Result<Option<Task>, StoreError>;
    async fn list_tasks(&self, incident: IncidentId) -> Result<Vec<Task>, StoreError>;
}
