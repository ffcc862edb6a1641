//! The configured rules use cases apply.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jiff::SignedDuration;
use muster_core::paging::{Destination, RetryPolicy, SinkKind};
use muster_core::{RoleCatalog, SeverityScale, incident::IncidentRules};

/// Severities, roles and account policy, loaded once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub severities: SeverityScale,
    pub roles: RoleCatalog,
    /// How long a console session lasts.
    pub session_lifetime: Duration,
    /// Where people reach muster: the base of every link a notification carries.
    pub public_url: String,
    /// Named notification channels (`#team-identity` → a Slack webhook, …):
    /// a team's `contact_channel` and people's chat contact methods name them.
    pub channels: BTreeMap<String, Destination>,
    /// How deliveries are retried before they are given up on.
    pub retry: RetryPolicy,
    /// How long the one-time links in a notification work.
    pub link_lifetime: SignedDuration,
    /// The sinks muster can send through (configured at start): a contact
    /// method needing another is skipped, and the page's history says so,
    /// instead of failing every time.
    pub available_sinks: BTreeSet<SinkKind>,
    /// The public status page's rules.
    pub status_page: StatusPageSettings,
}

/// What the public status page's use cases need to know.
#[derive(Debug, Clone)]
pub struct StatusPageSettings {
    /// The page's name, as subscribers' mails are signed.
    pub name: String,
    /// Where customers reach the public page: the base of the links in
    /// subscribers' mails (confirm, unsubscribe, the incident).
    pub public_url: String,
    /// How long before a maintenance window subscribers are reminded.
    pub maintenance_reminder: SignedDuration,
    /// A webhook subscriber whose deliveries all fail this long is disabled.
    pub disable_failing_webhooks_after: SignedDuration,
    /// Let subscribers' webhooks reach loopback and private addresses (for
    /// tests and closed networks; a public page should refuse them, or
    /// anyone could make muster call its own network).
    pub allow_private_webhooks: bool,
}

impl Default for StatusPageSettings {
    fn default() -> Self {
        Self {
            name: "Status".to_owned(),
            public_url: "http://127.0.0.1:8071".to_owned(),
            maintenance_reminder: SignedDuration::from_hours(24),
            disable_failing_webhooks_after: SignedDuration::from_hours(3 * 24),
            allow_private_webhooks: false,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            severities: SeverityScale::standard(),
            roles: RoleCatalog::standard(),
            session_lifetime: Duration::from_secs(12 * 60 * 60),
            public_url: "http://127.0.0.1:8070".to_owned(),
            channels: BTreeMap::new(),
            retry: RetryPolicy::default(),
            link_lifetime: SignedDuration::from_hours(24),
            available_sinks: SinkKind::ALL.into_iter().collect(),
            status_page: StatusPageSettings::default(),
        }
    }
}

impl Settings {
    /// The incident's page in the console, as notifications link to it.
    pub fn incident_url(&self, number: muster_core::IncidentNumber) -> String {
        format!(
            "{}/incidents/{number}",
            self.public_url.trim_end_matches('/')
        )
    }

    pub fn rules(&self) -> IncidentRules<'_> {
        IncidentRules {
            severities: &self.severities,
            roles: &self.roles,
        }
    }
}
