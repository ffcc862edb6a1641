//! What the engine asks of the application: fire the due escalation steps
//! (the core decides, inside the store's claiming transaction, who is
//! notified how and when), and record each send attempt — bringing the
//! person's next method, or the page's next step, forward when a delivery
//! dies.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use muster_core::DeliveryId;
use muster_core::paging::{
    AttemptOutcome, DeadFollowUp, Delivery, DeliveryDecision, DeliveryStatus, FiringOutcome,
    Notification, NotificationEvent, Page, PageEvent, PageEventKind, PageStatus, Recipient,
    after_dead_delivery, fire,
};
use muster_store::{AttemptRecord, DeliveryClaim, EngineClaim, Fired, FiringDecider, FiringWrite};
use uuid::Uuid;

use crate::directory::{CycleDirectory, methods_of};
use crate::links::{self, LinkAction, LinkClaims};
use crate::{App, AppError};

/// What every notification of one cycle needs besides the firing.
struct Composer {
    key: Vec<u8>,
    public_url: String,
    link_lifetime: SignedDuration,
}

impl Composer {
    fn link(&self, claims: LinkClaims) -> String {
        format!(
            "{}/link/{}",
            self.public_url.trim_end_matches('/'),
            links::mint(&self.key, &claims)
        )
    }

    fn deliveries(&self, page: &Page, outcome: &FiringOutcome, now: Timestamp) -> Vec<Delivery> {
        let expires_at = now.saturating_add(self.link_lifetime).unwrap_or(now);
        let console = format!(
            "{}/pages/{}",
            self.public_url.trim_end_matches('/'),
            page.number
        );
        let steps = page.policy.steps().len();
        outcome
            .notify
            .iter()
            .map(|notify| {
                let id = DeliveryId(Uuid::now_v7());
                let claims = |action| LinkClaims {
                    action,
                    page: page.id,
                    user: notify.user_id,
                    delivery: id,
                    expires_at,
                };
                let ack_url = self.link(claims(LinkAction::Acknowledge));
                let resolve_url = self.link(claims(LinkAction::Resolve));
                let event = if notify.user_id.is_none() {
                    NotificationEvent::TeamPaged
                } else if outcome.firing == 0 {
                    NotificationEvent::PageTriggered
                } else {
                    NotificationEvent::PageEscalated
                };
                let mut body = page.summary.clone();
                if !page.details.is_empty() {
                    body.push_str("\n\n");
                    body.push_str(&page.details);
                }
                body.push_str(&format!("\n\nPaged: {}", page.target));
                if let Some(policy) = &page.policy_name {
                    body.push_str(&format!(
                        " through {policy} (step {} of {steps})",
                        outcome.step + 1
                    ));
                }
                if let Some(incident) = &page.incident {
                    body.push_str(&format!(
                        "\nIncident: {} {} {}",
                        incident.number, incident.severity, incident.title
                    ));
                }
                if page.drill {
                    body.push_str("\nThis is a drill: practise the real response.");
                }
                body.push_str(&format!(
                    "\n\nAcknowledge: {ack_url}\nResolve: {resolve_url}\nOpen: {console}"
                ));
                Delivery {
                    id,
                    page_id: Some(page.id),
                    firing: Some(outcome.firing),
                    recipient: notify.recipient.clone(),
                    user_id: notify.user_id,
                    destination: notify.destination.clone(),
                    notification: Notification {
                        event,
                        subject: page.subject(),
                        body,
                        page_id: Some(page.id),
                        page_number: Some(page.number),
                        summary: page.summary.clone(),
                        incident_number: page.incident.as_ref().map(|i| i.number),
                        incident_title: page.incident.as_ref().map(|i| i.title.clone()),
                        severity: page.incident.as_ref().map(|i| i.severity.clone()),
                        drill: page.drill,
                        link: Some(console.clone()),
                        ack_url: Some(ack_url),
                        resolve_url: Some(resolve_url),
                        unsubscribe_url: None,
                    },
                    status: DeliveryStatus::Pending,
                    due_at: notify.due_at,
                    attempts: 0,
                    last_error: None,
                    created_at: now,
                    sent_at: None,
                }
            })
            .collect()
    }
}

fn attempt_event(
    delivery: &Delivery,
    attempt: u32,
    outcome: &AttemptOutcome,
    decision: DeliveryDecision,
    at: Timestamp,
) -> PageEvent {
    let (kind, detail) = match (outcome, decision) {
        (_, DeliveryDecision::Sent) => (
            PageEventKind::Delivered,
            format!("delivered on attempt {attempt}"),
        ),
        (
            AttemptOutcome::Retryable { reason, .. } | AttemptOutcome::Permanent { reason },
            DeliveryDecision::RetryAt(next),
        ) => (
            PageEventKind::DeliveryFailed,
            format!(
                "attempt {attempt} failed: {reason}; retrying at {}",
                next.strftime("%H:%M:%S UTC")
            ),
        ),
        (
            AttemptOutcome::Retryable { reason, .. } | AttemptOutcome::Permanent { reason },
            DeliveryDecision::Dead,
        ) => (
            PageEventKind::DeliveryDead,
            format!("gave up after {attempt} attempts: {reason}"),
        ),
        (AttemptOutcome::Sent, _) => (PageEventKind::Delivered, format!("attempt {attempt}")),
    };
    PageEvent {
        at,
        kind,
        actor: None,
        recipient: Some(delivery.recipient.clone()),
        sink: Some(delivery.destination.sink.as_str().to_owned()),
        detail,
    }
}

impl App {
    /// Wakes this node's engine (a page was raised: its first step is due now).
    pub fn wake_engine(&self) {
        self.wake.notify_one();
    }

    /// What the engine waits on between cycles.
    pub fn engine_wakeups(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Who can be reached and how, as of now.
    async fn directory(&self, now: Timestamp) -> Result<CycleDirectory, AppError> {
        let book = self.on_call_book().await?;
        let since = now
            .checked_sub(SignedDuration::from_hours(36 * 24))
            .unwrap_or(now);
        let schedules = self.schedules_with_overrides(&book, since).await?;
        let catalog = self.store.load_catalog().await?;
        let mut rules: HashMap<_, _> = self
            .store
            .all_notification_rules()
            .await?
            .into_iter()
            .collect();
        let recipients = self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.deactivated_at.is_none())
            .map(|user| {
                let recipient = Recipient {
                    user_id: user.id,
                    methods: methods_of(&user.email, &user.contact_methods),
                    rules: rules.remove(&user.id).unwrap_or_default(),
                    email: user.email.clone(),
                    name: user.name,
                };
                (user.email.to_lowercase(), recipient)
            })
            .collect();
        let mut team_policies = HashMap::new();
        let mut team_channels = HashMap::new();
        for team in &catalog.teams {
            if let Some(policy) = team
                .escalation_policy
                .as_ref()
                .and_then(|name| book.policies.get(name.as_str()))
            {
                team_policies.insert(team.slug.as_str().to_owned(), policy.policy.clone());
            }
            if !team.contact_channel.trim().is_empty() {
                team_channels.insert(
                    team.slug.as_str().to_owned(),
                    team.contact_channel.trim().to_owned(),
                );
            }
        }
        Ok(CycleDirectory {
            schedules,
            team_policies,
            team_channels,
            recipients,
            channels: self.settings.channels.clone(),
            available: self.settings.available_sinks.clone(),
        })
    }

    /// Fires every escalation step due now, in batches of `batch`; each step
    /// fires once, whatever other nodes do at the same time.
    pub async fn fire_due_pages(&self, batch: u32) -> Result<Vec<Fired>, AppError> {
        Ok(self.fire_due(batch, None).await?.0)
    }

    /// [`Self::fire_due_pages`], leasing to `claim.node` up to `claim.limit`
    /// of the deliveries due now in the firing's own transactions, for the
    /// caller to send at once.
    pub async fn fire_due_pages_and_claim(
        &self,
        batch: u32,
        claim: DeliveryClaim,
    ) -> Result<(Vec<Fired>, Vec<Delivery>), AppError> {
        self.fire_due(batch, Some(claim)).await
    }

    async fn fire_due(
        &self,
        batch: u32,
        mut claim: Option<DeliveryClaim>,
    ) -> Result<(Vec<Fired>, Vec<Delivery>), AppError> {
        let now = self.now();
        let due = self.store.next_page_due().await?;
        if due.is_none_or(|due| due > now) {
            return Ok((Vec::new(), Vec::new()));
        }
        let directory = Arc::new(self.directory(now).await?);
        let composer = Arc::new(Composer {
            key: self.link_key().await?,
            public_url: self.settings.public_url.clone(),
            link_lifetime: self.settings.link_lifetime,
        });
        let decide: FiringDecider = Arc::new(move |page: &Page, now: Timestamp| {
            let outcome = fire(page, directory.as_ref(), now)?;
            let deliveries = composer.deliveries(page, &outcome, now);
            Some(FiringWrite {
                fired: outcome.fired,
                next_due_at: outcome.next_due_at,
                events: outcome.events,
                deliveries,
            })
        });
        let mut fired = Vec::new();
        let mut claimed = Vec::new();
        // Bounded: a step that reaches nobody makes the next due at once,
        // and a page has at most steps × (repeat + 1) firings.
        for _ in 0..64 {
            let now = self.now();
            let batch = match claim.as_mut().filter(|c| c.limit > 0) {
                Some(claim) => {
                    let (batch, leased) = self
                        .store
                        .fire_due_pages_and_claim(now, batch, decide.clone(), claim)
                        .await?;
                    claim.limit = claim
                        .limit
                        .saturating_sub(u32::try_from(leased.len()).unwrap_or(u32::MAX));
                    claimed.extend(leased);
                    batch
                }
                None => {
                    self.store
                        .fire_due_pages(now, batch, decide.clone())
                        .await?
                }
            };
            if batch.is_empty() {
                break;
            }
            fired.extend(batch);
        }
        Ok((fired, claimed))
    }

    /// The earliest instant the engine has work: a due step or delivery.
    pub async fn next_work_due(&self) -> Result<Option<Timestamp>, AppError> {
        let page = self.store.next_page_due().await?;
        let delivery = self.store.next_delivery_due().await?;
        Ok(match (page, delivery) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    /// Leases due deliveries to `node` for sending.
    pub async fn claim_deliveries(
        &self,
        node: &str,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<Delivery>, AppError> {
        Ok(self
            .store
            .claim_deliveries(node, self.now(), lease, limit)
            .await?)
    }

    /// Records one send attempt of `delivery` made under `node`'s lease and
    /// decides what comes next (`jitter` in `[0, 1)` spreads retries). A
    /// delivery that died escalates itself: the person's next method, or
    /// the page's next step, comes forward. `None` when the lease was lost
    /// meanwhile (another node redoes the delivery; nothing is recorded).
    pub async fn record_attempt(
        &self,
        node: &str,
        delivery: &Delivery,
        outcome: AttemptOutcome,
        jitter: f64,
    ) -> Result<Option<DeliveryDecision>, AppError> {
        let mut answers = self
            .record_attempts(node, vec![(delivery.clone(), outcome, jitter)])
            .await?;
        Ok(answers.pop().flatten())
    }

    /// [`Self::record_attempt`] for a batch of sends, written in one
    /// transaction; each answer is that attempt's decision, `None` where
    /// the lease was lost.
    pub async fn record_attempts(
        &self,
        node: &str,
        attempts: Vec<(Delivery, AttemptOutcome, f64)>,
    ) -> Result<Vec<Option<DeliveryDecision>>, AppError> {
        let now = self.now();
        let mut decisions = Vec::with_capacity(attempts.len());
        let mut records = Vec::with_capacity(attempts.len());
        for (delivery, outcome, jitter) in &attempts {
            let attempt = delivery.attempts + 1;
            let decision = self.settings.retry.decide(attempt, outcome, now, *jitter);
            decisions.push(decision);
            records.push(AttemptRecord {
                delivery: delivery.id,
                node: node.to_owned(),
                attempt,
                at: now,
                outcome: outcome.clone(),
                decision,
                event: delivery
                    .page_id
                    .map(|_| attempt_event(delivery, attempt, outcome, decision, now)),
            });
        }
        let recorded = self.store.record_attempts(records).await?;
        let mut answers = Vec::with_capacity(attempts.len());
        for (((delivery, outcome, _), decision), recorded) in
            attempts.iter().zip(decisions).zip(recorded)
        {
            if !recorded {
                tracing::warn!(delivery = %delivery.id, "lease lost before the attempt was recorded; another node redoes it");
                answers.push(None);
                continue;
            }
            if decision == DeliveryDecision::Dead {
                self.follow_up_dead(delivery, now).await?;
            }
            self.note_subscriber_delivery(delivery, outcome, decision, now)
                .await?;
            answers.push(Some(decision));
        }
        Ok(answers)
    }

    async fn follow_up_dead(&self, delivery: &Delivery, now: Timestamp) -> Result<(), AppError> {
        let (Some(page_id), Some(firing)) = (delivery.page_id, delivery.firing) else {
            return Ok(());
        };
        let Some(page) = self.store.find_page(page_id).await? else {
            return Ok(());
        };
        let siblings = self.store.delivery_siblings(delivery).await?;
        let at_this_step = page.status == PageStatus::Triggered && page.fired == firing + 1;
        match after_dead_delivery(&siblings, at_this_step) {
            DeadFollowUp::BringForward(next) => {
                self.store.bring_delivery_forward(next, now).await?;
                self.wake_engine();
            }
            DeadFollowUp::EscalateNow => {
                let event = PageEvent {
                    at: now,
                    kind: PageEventKind::DeliveryDead,
                    actor: None,
                    recipient: Some(delivery.recipient.clone()),
                    sink: None,
                    detail: format!(
                        "no way of reaching {} worked: escalating to the next step now",
                        delivery.recipient
                    ),
                };
                if self
                    .store
                    .escalate_page_now(page_id, page.fired, now, &event)
                    .await?
                {
                    self.wake_engine();
                }
            }
            DeadFollowUp::Nothing => {}
        }
        Ok(())
    }

    /// Takes or renews the engine lease (refused on SQLite while another
    /// node holds it).
    pub async fn claim_engine(
        &self,
        node: &str,
        lease: SignedDuration,
    ) -> Result<EngineClaim, AppError> {
        Ok(self.store.claim_engine(node, self.now(), lease).await?)
    }

    /// Takes the engine lease whoever held it (the caller holds the store
    /// exclusively, so the holder died).
    pub async fn take_over_engine(
        &self,
        node: &str,
        lease: SignedDuration,
    ) -> Result<(), AppError> {
        Ok(self.store.take_over_engine(node, self.now(), lease).await?)
    }

    pub async fn release_engine(&self, node: &str) -> Result<(), AppError> {
        Ok(self.store.release_engine(node).await?)
    }

    /// Deliveries by status, for metrics.
    pub async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, u64)>, AppError> {
        Ok(self.store.count_deliveries().await?)
    }
}
