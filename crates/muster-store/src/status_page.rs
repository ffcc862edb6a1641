//! Storage port of the public status page's projection: the state of each
//! component (set by hand, last verified), each incident's published face,
//! maintenance windows and subscribers. The page is rebuilt from these
//! alone, so nothing private can reach it by way of storage.
//!
//! Every write bumps one revision counter in the same transaction; a node
//! serving the page polls it to learn, within a second, that another node
//! published something.

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::paging::Delivery;
use muster_core::status_page::ComponentStatus;
use muster_core::status_page::maintenance::Maintenance;
use muster_core::status_page::publication::PublicIncident;
use muster_core::status_page::subscriber::Subscriber;
use muster_core::{IncidentId, MaintenanceId, NewTimelineEntry, SubscriberId};

use crate::StoreError;
use crate::row::StoredRow;

pub mod documents;

/// A subscriber from a row of [`statements::LIST_SUBSCRIBERS`]' columns.
pub fn decode_subscriber(row: &impl StoredRow) -> Result<Subscriber, StoreError> {
    Ok(Subscriber {
        id: row.id("subscriber_id")?.into(),
        kind: row.text("kind")?.parse().map_err(StoreError::Corrupt)?,
        address: row.text("address")?,
        components: documents::decode_components(&row.text("components")?)?,
        confirmed_at: row.optional_instant("confirmed_at")?,
        created_at: row.instant("created_at")?,
        failing_since: row.optional_instant("failing_since")?,
        last_error: row.optional_text("last_error")?,
        disabled_at: row.optional_instant("disabled_at")?,
        disabled_reason: row.optional_text("disabled_reason")?,
    })
}

/// A component's state from a row of [`statements::LIST_COMPONENTS`].
pub fn decode_component_state(row: &impl StoredRow) -> Result<ComponentState, StoreError> {
    Ok(ComponentState {
        component: row.text("component")?,
        set_by_hand: row
            .optional_text("set_by_hand")?
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(StoreError::Corrupt)?,
        verified_at: row.optional_instant("verified_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

/// A component's own state; what the plan says of it (name, group, the
/// functionality behind it) lives in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentState {
    pub component: String,
    pub set_by_hand: Option<ComponentStatus>,
    /// When a person or a monitor last confirmed its status.
    pub verified_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// An incident's public face written with what publishing it sends
/// (subscribers' messages) and its timeline entry, in one transaction.
#[derive(Debug, Clone)]
pub struct PublicIncidentWrite {
    pub incident: PublicIncident,
    /// The version read before; `None` for its first publication.
    pub expected_version: Option<u64>,
    pub deliveries: Vec<Delivery>,
    pub timeline: Vec<NewTimelineEntry>,
}

#[derive(Debug, Clone)]
pub struct MaintenanceWrite {
    pub maintenance: Maintenance,
    pub expected_version: Option<u64>,
    /// When the engine should look at it next; `None` once it is done.
    pub next_look_at: Option<Timestamp>,
    pub deliveries: Vec<Delivery>,
}

/// A subscription as it is stored: only digests of its links' tokens.
#[derive(Debug, Clone)]
pub struct NewSubscriber {
    pub subscriber: Subscriber,
    /// The confirmation link's token digest (emails only).
    pub confirm_digest: Option<[u8; 32]>,
    pub unsubscribe_digest: [u8; 32],
    /// The key its webhook deliveries are signed with (webhooks only).
    pub signing_secret: Option<String>,
    /// The confirmation mail.
    pub deliveries: Vec<Delivery>,
}

/// What subscribing came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    /// Stored (replacing an unconfirmed subscription of the same address).
    Stored,
    /// The address is subscribed and confirmed already: nothing changed.
    AlreadyConfirmed,
}

#[async_trait]
pub trait StatusPageStore: Send + Sync {
    /// Grows with every write below.
    async fn status_revision(&self) -> Result<i64, StoreError>;

    async fn list_component_states(&self) -> Result<Vec<ComponentState>, StoreError>;
    async fn write_component_state(&self, state: &ComponentState) -> Result<(), StoreError>;

    /// Every public incident, newest first.
    async fn list_public_incidents(&self) -> Result<Vec<PublicIncident>, StoreError>;
    async fn find_public_incident(
        &self,
        incident: IncidentId,
    ) -> Result<Option<PublicIncident>, StoreError>;
    /// A stored version other than `expected_version` (or any, for a first
    /// publication) is [`StoreError::VersionConflict`]; nothing is written.
    async fn write_public_incident(&self, write: &PublicIncidentWrite) -> Result<(), StoreError>;

    /// Every window, soonest start first.
    async fn list_maintenances(&self) -> Result<Vec<Maintenance>, StoreError>;
    async fn find_maintenance(&self, id: MaintenanceId) -> Result<Option<Maintenance>, StoreError>;
    async fn write_maintenance(&self, write: &MaintenanceWrite) -> Result<(), StoreError>;
    /// Windows whose next look is due at `now`.
    async fn maintenances_due(&self, now: Timestamp) -> Result<Vec<Maintenance>, StoreError>;

    async fn insert_subscriber(&self, new: &NewSubscriber) -> Result<Subscribed, StoreError>;
    /// Confirms the subscription whose confirmation token has this digest,
    /// and spends the token.
    async fn confirm_subscriber(
        &self,
        confirm_digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<Subscriber>, StoreError>;
    /// Removes the subscription whose unsubscribe token has this digest.
    async fn remove_subscriber(
        &self,
        unsubscribe_digest: &[u8; 32],
    ) -> Result<Option<Subscriber>, StoreError>;
    async fn list_subscribers(&self) -> Result<Vec<Subscriber>, StoreError>;
    /// The subscriber and the key its webhooks are signed with.
    async fn find_subscriber(
        &self,
        id: SubscriberId,
    ) -> Result<Option<(Subscriber, Option<String>)>, StoreError>;
    /// Writes its failing stretch, last error and whether it is disabled.
    async fn write_subscriber_health(&self, subscriber: &Subscriber) -> Result<(), StoreError>;
}

/// The SQL both backends run verbatim (`$n` placeholders).
pub mod statements {
    pub const REVISION: &str = "SELECT revision FROM status_page_revision WHERE singleton = 1";
    pub const BUMP: &str =
        "UPDATE status_page_revision SET revision = revision + 1 WHERE singleton = 1";

    pub const LIST_COMPONENTS: &str = "SELECT component, set_by_hand, verified_at, updated_at \
        FROM status_components ORDER BY component";
    pub const PUT_COMPONENT: &str = "INSERT INTO status_components (component, set_by_hand, \
        verified_at, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (component) DO UPDATE SET \
        set_by_hand = excluded.set_by_hand, verified_at = excluded.verified_at, \
        updated_at = excluded.updated_at";

    pub const LIST_INCIDENTS: &str =
        "SELECT document FROM public_incidents ORDER BY created_at DESC, public_id DESC";
    pub const FIND_INCIDENT: &str = "SELECT document FROM public_incidents WHERE incident_id = $1";
    pub const INSERT_INCIDENT: &str = "INSERT INTO public_incidents (public_id, incident_id, \
        document, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
        ON CONFLICT DO NOTHING";
    pub const UPDATE_INCIDENT: &str = "UPDATE public_incidents SET document = $2, version = $3, \
        updated_at = $4 WHERE public_id = $1 AND version = $5";

    pub const LIST_MAINTENANCES: &str =
        "SELECT document FROM maintenances ORDER BY starts_at, maintenance_id";
    pub const FIND_MAINTENANCE: &str =
        "SELECT document FROM maintenances WHERE maintenance_id = $1";
    pub const DUE_MAINTENANCES: &str = "SELECT document FROM maintenances \
        WHERE next_look_at IS NOT NULL AND next_look_at <= $1 ORDER BY next_look_at";
    pub const INSERT_MAINTENANCE: &str = "INSERT INTO maintenances (maintenance_id, document, \
        version, starts_at, next_look_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
        ON CONFLICT DO NOTHING";
    pub const UPDATE_MAINTENANCE: &str = "UPDATE maintenances SET document = $2, version = $3, \
        starts_at = $4, next_look_at = $5, updated_at = $6 \
        WHERE maintenance_id = $1 AND version = $7";

    macro_rules! subscriber_columns {
        () => {
            "subscriber_id, kind, address, components, confirmed_at, created_at, \
             failing_since, last_error, disabled_at, disabled_reason"
        };
    }
    pub const LIST_SUBSCRIBERS: &str = concat!(
        "SELECT ",
        subscriber_columns!(),
        " FROM status_subscribers ORDER BY created_at, subscriber_id"
    );
    pub const FIND_SUBSCRIBER: &str = concat!(
        "SELECT ",
        subscriber_columns!(),
        ", signing_secret FROM status_subscribers WHERE subscriber_id = $1"
    );
    pub const FIND_BY_CONFIRM: &str = concat!(
        "SELECT ",
        subscriber_columns!(),
        " FROM status_subscribers WHERE confirm_digest = $1"
    );
    pub const FIND_BY_UNSUBSCRIBE: &str = concat!(
        "SELECT ",
        subscriber_columns!(),
        " FROM status_subscribers WHERE unsubscribe_digest = $1"
    );
    /// An unconfirmed subscription of the same address gives way to the new one.
    pub const DROP_UNCONFIRMED: &str =
        "DELETE FROM status_subscribers WHERE kind = $1 AND address = $2 AND confirmed_at IS NULL";
    pub const INSERT_SUBSCRIBER: &str = "INSERT INTO status_subscribers (subscriber_id, kind, \
        address, components, confirmed_at, created_at, confirm_digest, unsubscribe_digest, \
        signing_secret) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
    pub const CONFIRM_SUBSCRIBER: &str = "UPDATE status_subscribers SET confirmed_at = $2, \
        confirm_digest = NULL WHERE confirm_digest = $1";
    pub const DELETE_SUBSCRIBER: &str = "DELETE FROM status_subscribers WHERE subscriber_id = $1";
    pub const WRITE_HEALTH: &str = "UPDATE status_subscribers SET failing_since = $2, \
        last_error = $3, disabled_at = $4, disabled_reason = $5 WHERE subscriber_id = $1";
}
