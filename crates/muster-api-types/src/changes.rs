//! Change events on a service's timeline.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::alerts::AlertLink;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub id: Uuid,
    pub integration: Uuid,
    pub service: Option<String>,
    pub team: Option<String>,
    pub summary: String,
    pub source: String,
    #[schema(value_type = String, format = DateTime)]
    pub happened_at: Timestamp,
    /// The sender's `custom_details`.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub links: Vec<AlertLink>,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChangeList {
    pub changes: Vec<Change>,
}

/// Query of `GET /api/v1/changes`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// One service's timeline (all when left out).
    pub service: Option<String>,
    /// RFC 3339: only changes since then.
    pub since: Option<String>,
    /// At most this many, newest first (1–1000, default 100).
    pub limit: Option<u32>,
}
