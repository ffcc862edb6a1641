//! Pages: requests for someone's attention that escalate until
//! acknowledged, with their history; people's notification rules; the
//! notification sinks' health.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Whom a page is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageTarget {
    /// `user`, `team`, `service`, `functionality` or `schedule`.
    pub kind: String,
    /// An email, a slug or a schedule's name.
    pub name: String,
}

/// Body of `POST /api/v1/pages`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPage {
    pub target: PageTarget,
    /// One line, what a phone shows.
    pub summary: String,
    #[serde(default)]
    pub details: String,
    /// The incident it is for (`INC-42` or its id); its drill flag carries over.
    #[serde(default)]
    pub incident: Option<String>,
    #[serde(default)]
    pub drill: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PageIncident {
    pub id: Uuid,
    /// `INC-42`.
    pub number: String,
    pub title: String,
    pub severity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Page {
    pub id: Uuid,
    /// `P-12`.
    pub number: String,
    pub target: PageTarget,
    pub summary: String,
    pub details: String,
    pub incident: Option<PageIncident>,
    pub drill: bool,
    /// The team whose policy escalates it.
    pub team: Option<String>,
    pub policy: Option<String>,
    /// `triggered`, `acknowledged` or `resolved`.
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub triggered_at: Timestamp,
    pub triggered_by: Option<Uuid>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<Uuid>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<Uuid>,
    /// Step firings so far, over every round.
    pub steps_fired: u32,
    /// Step firings the policy makes if nobody acknowledges.
    pub steps_total: u32,
    /// When the next step fires; absent once nothing more will.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_step_at: Option<Timestamp>,
    pub version: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PageList {
    pub pages: Vec<Page>,
    /// Pass as `cursor` for older pages; absent on the last.
    pub next_cursor: Option<String>,
}

/// Query of `GET /api/v1/pages`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Comma-separated: `triggered,acknowledged,resolved`.
    pub status: Option<String>,
    /// `INC-42` or an incident id.
    pub incident: Option<String>,
    /// Pages that notified this person.
    pub recipient: Option<String>,
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<u32>,
}

/// One entry of a page's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PageEvent {
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// `triggered`, `step_fired`, `nobody_to_notify`, `delivered`,
    /// `delivery_failed`, `delivery_dead`, `acknowledged`, `resolved`, `exhausted`.
    pub kind: String,
    pub actor: Option<Uuid>,
    /// A person's email or a channel's name.
    pub recipient: Option<String>,
    /// `email`, `webhook`, `slack`, …
    pub sink: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttempt {
    pub attempt: u32,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The node that sent it.
    pub node: String,
    /// `sent`, `retryable` or `permanent`.
    pub outcome: String,
    pub error: Option<String>,
}

/// One notification to one endpoint (its address is not shown: webhook
/// URLs are secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub recipient: String,
    pub sink: String,
    /// `pending`, `sending`, `sent`, `dead` or `cancelled`.
    pub status: String,
    /// The page's step firing that made it (0 is the first).
    pub firing: Option<u32>,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub attempts: Vec<DeliveryAttempt>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PageDetail {
    pub page: Page,
    pub history: Vec<PageEvent>,
    pub deliveries: Vec<Delivery>,
}

/// Try a contact method of this kind some minutes after being paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationRule {
    /// `email`, `sms`, `voice`, `push` or `chat`.
    pub kind: String,
    /// 0-60.
    pub after_minutes: i64,
}

/// A person's rules; none means every contact method at once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationRules {
    pub rules: Vec<NotificationRule>,
}

/// How one notification sink is doing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SinkHealth {
    pub sink: String,
    /// `ok`, `not_configured` or `failing`.
    pub status: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SinkHealthList {
    pub sinks: Vec<SinkHealth>,
}
