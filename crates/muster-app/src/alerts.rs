//! Alert integrations and ingestion: create a source with its secret key
//! (shown once, stored as a digest), and turn what a source POSTs into
//! deduplicated alerts, durably, in one transaction per request.

use std::sync::Arc;

use muster_core::alert::{
    Alert, AlertChange, ByHand, Ignored, Received, Signal, receive, receive_by_hand,
};
use muster_core::paging::Page;
use muster_core::{Actor, AlertId, Incident, IntegrationId, Permission, Slug};
use muster_ingest::alertmanager::{self, Flavour};
use muster_ingest::signature::{self, SignatureError};
use muster_ingest::{ParseError, pagerduty};
use muster_store::alerts::{
    AlertCursor, AlertDecider, AlertFilter, Integration, IntegrationOrigin, MAX_ALERT_LIST,
};
use muster_store::silences::StoredSilence;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::accounts::require;
use crate::incidents::IncidentKey;
use crate::integration_config::IntegrationConfig;
use crate::routing::{Explanation, explain};
use crate::{App, AppError, secrets};

/// The kinds of integration there are.
pub const KINDS: [&str; 5] = [
    "alertmanager",
    "grafana",
    "pagerduty_events",
    "generic",
    "heartbeat",
];
/// The longest integration name.
pub const MAX_NAME: usize = 100;

/// What a new integration is.
#[derive(Debug, Clone)]
pub struct NewIntegration {
    pub name: String,
    pub kind: String,
    /// Exactly one of a service or a team it is bound to.
    pub service: Option<String>,
    pub team: Option<String>,
    /// Kind-specific settings (a mapping, a signing secret, an interval).
    pub config: IntegrationConfig,
}

/// The header Grafana signs its webhooks in.
pub const GRAFANA_SIGNATURE_HEADER: &str = "x-grafana-alerting-signature";

/// Reads a request header by name (case-insensitive), for the sources whose
/// settings name the headers they sign with.
pub type Headers<'a> = &'a (dyn Fn(&str) -> Option<String> + Send + Sync);

/// Why an ingest request was refused, in the terms each endpoint answers.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No integration of this kind has this key.
    #[error("no integration has this key")]
    UnknownKey,
    /// The payload is malformed; nothing was stored.
    #[error("{0}")]
    Malformed(ParseError),
    /// A PagerDuty event broke PagerDuty's rules; nothing was stored.
    #[error("the event is invalid")]
    PagerDuty(pagerduty::Rejection),
    /// The integration wants signed payloads and this one's signature is
    /// missing or wrong; nothing was stored.
    #[error("{0}")]
    Unsigned(SignatureError),
    /// Storing failed; nothing was stored, and the sender should retry.
    #[error(transparent)]
    App(#[from] AppError),
}

/// An alert with the integration it came through.
#[derive(Debug, Clone)]
pub struct AlertDetail {
    pub alert: Alert,
    pub integration: Integration,
}

/// One page of the alert list.
#[derive(Debug, Clone)]
pub struct AlertPage {
    pub alerts: Vec<Alert>,
    /// Where the next page starts; `None` on the last.
    pub next: Option<AlertCursor>,
}

/// An alert with how it was routed, for lists that say what each did.
#[derive(Debug, Clone)]
pub struct ListedAlert {
    pub alert: Alert,
    pub routing: Explanation,
}

/// Everything an alert's own page shows: the alert and its integration,
/// "why did this page?", the other alerts of its group, and the page,
/// incident and silence its routing names.
#[derive(Debug, Clone)]
pub struct AlertOverview {
    pub alert: Alert,
    pub integration: Integration,
    pub routing: Explanation,
    /// Its group's alerts, oldest first, itself included.
    pub group_alerts: Vec<Alert>,
    pub page: Option<Page>,
    /// `None` too when the incident is private to the viewer.
    pub incident: Option<Incident>,
    pub silence: Option<StoredSilence>,
    /// Open incidents it can be attached to, newest first: none when the
    /// viewer may not attach, or its group follows an open incident.
    pub attachable: Vec<Incident>,
}

/// What one ingest request did.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub integration: Integration,
    pub received: Vec<Received>,
}

/// A fresh key: 32 lowercase hex characters (128 bits), the length PagerDuty
/// clients check a routing key for.
pub(crate) fn new_key() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

impl App {
    /// Creates an integration bound to a service or team of the catalog and
    /// returns it with its key, which is never shown again.
    pub async fn create_integration(
        &self,
        actor: &Actor,
        new: NewIntegration,
    ) -> Result<(Integration, String), AppError> {
        require(actor, Permission::ManageCatalog)?;
        let mut problems = Vec::new();
        let name = new.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            problems.push(muster_core::FieldError::new(
                "name",
                format!("1 to {MAX_NAME} characters"),
            ));
        }
        let config = if KINDS.contains(&new.kind.as_str()) {
            match new.config.check(&new.kind) {
                Ok(config) => config,
                Err(fields) => {
                    problems.extend(fields);
                    IntegrationConfig::default()
                }
            }
        } else {
            problems.push(muster_core::FieldError::new(
                "kind",
                format!("one of {}, got {:?}", KINDS.join(", "), new.kind),
            ));
            IntegrationConfig::default()
        };
        let catalog = self.store.load_catalog().await?;
        let bound =
            |field: &str, raw: &Option<String>| -> Result<Option<Slug>, muster_core::FieldError> {
                raw.as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| Slug::parse(field, s))
                    .transpose()
            };
        let (service, team) = match (bound("service", &new.service), bound("team", &new.team)) {
            (Ok(service), Ok(team)) => (service, team),
            (Err(e), _) | (_, Err(e)) => {
                problems.push(e);
                (None, None)
            }
        };
        match (&service, &team) {
            (Some(s), None) if !catalog.services.iter().any(|x| &x.slug == s) => problems.push(
                muster_core::FieldError::new("service", format!("no service named {s}")),
            ),
            (None, Some(t)) if !catalog.teams.iter().any(|x| &x.slug == t) => problems.push(
                muster_core::FieldError::new("team", format!("no team named {t}")),
            ),
            (Some(_), None) | (None, Some(_)) => {}
            _ if problems
                .iter()
                .any(|p| p.field == "service" || p.field == "team") => {}
            _ => problems.push(muster_core::FieldError::new(
                "service",
                "give exactly one of service or team: whose alerts these are",
            )),
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let key = new_key()?;
        let integration = Integration {
            id: IntegrationId(Uuid::now_v7()),
            name,
            kind: new.kind,
            service,
            team,
            key_digest: secrets::digest(&key),
            config: config.encode(),
            created_at: self.now(),
            created_by: actor.user_id,
            origin: IntegrationOrigin::Hand,
            retired_at: None,
        };
        self.store.insert_integration(&integration).await?;
        self.forget_routing_context();
        tracing::info!(integration = %integration.name, kind = %integration.kind, "integration created");
        Ok((integration, key))
    }

    /// Every integration, by name, retired ones too (their alerts name them).
    pub async fn integrations(&self, actor: &Actor) -> Result<Vec<Integration>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok(self.store.integrations().await?)
    }

    /// Alerts, newest first.
    pub async fn alerts(
        &self,
        actor: &Actor,
        filter: &AlertFilter,
    ) -> Result<Vec<muster_core::alert::Alert>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok(self.store.alerts(filter).await?)
    }

    /// A page of alerts, most recently seen first, with the cursor of the
    /// next page when there is one.
    pub async fn alert_page(
        &self,
        actor: &Actor,
        filter: &AlertFilter,
    ) -> Result<AlertPage, AppError> {
        let size = filter.limit.clamp(1, MAX_ALERT_LIST);
        let one_more = AlertFilter {
            limit: size + 1,
            ..filter.clone()
        };
        let mut alerts = self.alerts(actor, &one_more).await?;
        let next = if alerts.len() > size as usize {
            alerts.truncate(size as usize);
            alerts.last().map(AlertCursor::of)
        } else {
            None
        };
        Ok(AlertPage { alerts, next })
    }

    /// One alert, with the integration it came through.
    pub async fn alert(&self, actor: &Actor, id: AlertId) -> Result<AlertDetail, AppError> {
        require(actor, Permission::ReadIncidents)?;
        self.alert_detail(id).await
    }

    /// A page of alerts, most recently seen first, each with how it was
    /// routed, and where the next page starts.
    pub async fn alert_list(
        &self,
        actor: &Actor,
        filter: &AlertFilter,
    ) -> Result<(Vec<ListedAlert>, Option<AlertCursor>), AppError> {
        let page = self.alert_page(actor, filter).await?;
        let mut listed = Vec::with_capacity(page.alerts.len());
        for alert in page.alerts {
            // One small read per alert: lists are a page long.
            let routing = match self.store.alert_routing(alert.id).await? {
                Some(found) => explain(&found),
                None => Explanation::default(),
            };
            listed.push(ListedAlert { alert, routing });
        }
        Ok((listed, page.next))
    }

    /// An alert with everything around it (see [`AlertOverview`]).
    pub async fn alert_overview(
        &self,
        actor: &Actor,
        id: AlertId,
    ) -> Result<AlertOverview, AppError> {
        let AlertDetail { alert, integration } = self.alert(actor, id).await?;
        let routing = match self.store.alert_routing(id).await? {
            Some(found) => explain(&found),
            None => Explanation::default(),
        };
        let group = routing.group.as_ref();
        let group_alerts = match group {
            Some(g) => self.store.group_alerts(g.id).await?,
            None => Vec::new(),
        };
        let page = match group.and_then(|g| g.page) {
            Some(page) => self.store.find_page(page).await?,
            None => None,
        };
        let incident = match group.and_then(|g| g.incident) {
            Some(incident) => match self.get_incident(actor, IncidentKey::Id(incident)).await {
                Ok(found) => Some(found),
                Err(AppError::NotFound { .. }) => None,
                Err(other) => return Err(other),
            },
            None => None,
        };
        let silence = match routing.silenced_by {
            Some(silence) => self.store.find_silence(silence).await?,
            None => None,
        };
        let follows_open = group.and_then(|g| g.incident).is_some()
            && incident.as_ref().is_none_or(|i| !i.status().is_settled());
        let attachable = if actor.can(Permission::WriteIncidents) && !follows_open {
            self.attachable_incidents(actor).await?
        } else {
            Vec::new()
        };
        Ok(AlertOverview {
            alert,
            integration,
            routing,
            group_alerts,
            page,
            incident,
            silence,
            attachable,
        })
    }

    /// Acknowledges an alert by hand. Acknowledging an acknowledged alert
    /// changes nothing and answers it as it is (two people pressing the
    /// button at once both succeed); a resolved one is a conflict, because
    /// the person is acting on a problem that is gone.
    pub async fn acknowledge_alert(
        &self,
        actor: &Actor,
        id: AlertId,
    ) -> Result<AlertDetail, AppError> {
        self.alert_by_hand(actor, id, ByHand::Acknowledge).await
    }

    /// Resolves an alert by hand. Resolving a resolved alert changes nothing
    /// and answers it as it is, not 409: that is what PagerDuty users
    /// expect (its Events API drops a resolve of a resolved alert), and a
    /// person's resolve often races the monitor's own (Alertmanager's
    /// `send_resolved`) with the same outcome wanted.
    pub async fn resolve_alert(&self, actor: &Actor, id: AlertId) -> Result<AlertDetail, AppError> {
        self.alert_by_hand(actor, id, ByHand::Resolve).await
    }

    async fn alert_detail(&self, id: AlertId) -> Result<AlertDetail, AppError> {
        let alert = self
            .store
            .find_alert(id)
            .await?
            .ok_or_else(|| AppError::not_found("alert", id))?;
        // Integrations are few (one per monitor and service); the store has
        // no lookup by id, and the whole list is one small read.
        let integration = self
            .store
            .integrations()
            .await?
            .into_iter()
            .find(|i| i.id == alert.integration)
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "alert {id} names integration {}, which is not stored",
                    alert.integration
                ))
            })?;
        Ok(AlertDetail { alert, integration })
    }

    /// A by-hand acknowledge or resolve, as the signal a source would send
    /// for this alert's integration and dedup key, through the store's one
    /// transaction and the core's decision (which acts only if the latest
    /// alert under the key is still this one).
    async fn alert_by_hand(
        &self,
        actor: &Actor,
        id: AlertId,
        hand: ByHand,
    ) -> Result<AlertDetail, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let found = self.alert_detail(id).await?;
        let now = self.now();
        let decide: AlertDecider =
            Arc::new(move |current, signal| receive_by_hand(current, id, signal, now));
        let received = self
            .store
            .receive_signals(
                found.alert.integration,
                vec![hand.signal(&found.alert)],
                decide,
            )
            .await?;
        match (received.into_iter().next(), hand) {
            (Some(Received::Updated { alert, .. }), _) => {
                // Its group's page and incident follow.
                self.alerts_arrived.notify_one();
                // Alerts have no column for who acted; the log keeps it
                // until they do.
                tracing::info!(alert = %id, user = %actor.user_id, action = hand.as_str(), "alert changed by hand");
                Ok(AlertDetail {
                    alert,
                    integration: found.integration,
                })
            }
            (Some(Received::Ignored(Ignored::AlreadyAcknowledged)), ByHand::Acknowledge)
            | (Some(Received::Ignored(Ignored::NoOpenAlert)), ByHand::Resolve) => {
                self.alert_detail(id).await
            }
            (Some(Received::Ignored(Ignored::NoOpenAlert)), ByHand::Acknowledge) => {
                Err(AppError::Conflict {
                    code: "alert_resolved",
                    message: format!(
                        "alert {id} is resolved; a resolved alert cannot be acknowledged"
                    ),
                })
            }
            (other, _) => Err(AppError::Internal(format!(
                "a by-hand {} of alert {id} came to {other:?}",
                hand.as_str()
            ))),
        }
    }

    /// The integration of `kind` whose key is `key`. Looked up by digest,
    /// then compared in constant time, so neither the lookup nor the
    /// comparison tells how much of a guessed key was right.
    pub(crate) async fn integration_for(
        &self,
        kind: &str,
        key: &str,
    ) -> Result<Integration, IngestError> {
        let digest = secrets::digest(key.trim());
        let found = match self.known_integrations.get(&digest) {
            Some(known) => Some(known),
            None => {
                let generation = self.known_integrations.generation();
                let stored = self
                    .store
                    .integration_by_digest(&digest)
                    .await
                    .map_err(AppError::from)?;
                if let Some(integration) = &stored {
                    self.known_integrations
                        .put(digest, integration.clone(), generation);
                }
                stored
            }
        }
        .filter(|i| bool::from(i.key_digest.ct_eq(&digest)) && i.kind == kind);
        found.ok_or(IngestError::UnknownKey)
    }

    pub(crate) async fn store_signals(
        &self,
        integration: Integration,
        signals: Vec<Signal>,
    ) -> Result<Ingested, IngestError> {
        for signal in &signals {
            signal
                .validate()
                .map_err(|e| AppError::Invalid(e.into_fields()))?;
        }
        let now = self.now();
        let id = integration.id;
        let decide: AlertDecider = Arc::new(move |current, signal| {
            receive(current, signal, id, AlertId(Uuid::now_v7()), now)
        });
        let received = self
            .store
            .receive_signals(id, signals, decide)
            .await
            .map_err(AppError::from)?;
        let routing_work = received.iter().any(|r| match r {
            Received::Opened(_) => true,
            Received::Updated { change, .. } => *change != AlertChange::Repeated,
            Received::Ignored(_) => false,
        });
        if routing_work {
            self.alerts_arrived.notify_one();
        }
        Ok(Ingested {
            integration,
            received,
        })
    }

    /// An Alertmanager (`version: "4"`) or Grafana (`version: "1"`) webhook,
    /// without headers: a Grafana integration with a signing secret refuses it.
    pub async fn ingest_webhook(
        &self,
        flavour: Flavour,
        key: &str,
        body: &[u8],
    ) -> Result<Ingested, IngestError> {
        self.ingest_signed_webhook(flavour, key, body, &|_| None)
            .await
    }

    /// An Alertmanager or Grafana webhook with its request headers. A Grafana
    /// integration with a signing secret checks the signature before it
    /// reads a byte of the payload.
    pub async fn ingest_signed_webhook(
        &self,
        flavour: Flavour,
        key: &str,
        body: &[u8],
        headers: Headers<'_>,
    ) -> Result<Ingested, IngestError> {
        let kind = match flavour {
            Flavour::Alertmanager => "alertmanager",
            Flavour::Grafana => "grafana",
        };
        let integration = self.integration_for(kind, key).await?;
        let config = IntegrationConfig::of(&integration)?;
        if let Some(secret) = &config.signing_secret {
            let timestamp = config.timestamp_header.as_deref().and_then(headers);
            signature::verify_grafana(
                secret.as_bytes(),
                body,
                headers(GRAFANA_SIGNATURE_HEADER).as_deref(),
                timestamp.as_deref(),
                self.now().as_second(),
            )
            .map_err(IngestError::Unsigned)?;
        }
        let signals = alertmanager::parse(body, flavour).map_err(IngestError::Malformed)?;
        self.store_signals(integration, signals).await
    }

    /// Any JSON, read by the generic integration's mapping into one signal.
    pub async fn ingest_generic(&self, key: &str, body: &[u8]) -> Result<Ingested, IngestError> {
        let integration = self.integration_for("generic", key).await?;
        let mapping = IntegrationConfig::of(&integration)?.mapping();
        let signal = mapping.apply(body).map_err(IngestError::Malformed)?;
        self.store_signals(integration, vec![signal]).await
    }

    /// A PagerDuty Events API v2 event; the routing key is the integration's
    /// key. A trigger without a dedup key gets a fresh one, as PagerDuty does.
    pub async fn ingest_pagerduty_event(
        &self,
        body: &[u8],
    ) -> Result<(Ingested, String), IngestError> {
        let event = pagerduty::parse_event(body).map_err(IngestError::PagerDuty)?;
        let integration = self
            .integration_for("pagerduty_events", &event.routing_key)
            .await?;
        let mut signal = event.signal;
        if signal.dedup_key.is_empty() {
            signal.dedup_key = Uuid::now_v7().simple().to_string();
        }
        let dedup_key = signal.dedup_key.clone();
        Ok((
            self.store_signals(integration, vec![signal]).await?,
            dedup_key,
        ))
    }
}
