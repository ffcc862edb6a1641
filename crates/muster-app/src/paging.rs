//! Paging use cases: raise a page (by hand, or when an incident is declared
//! on a service or functionality), acknowledge or resolve it (signed in, or
//! by a one-time link), read it with its whole history, and people's
//! notification rules.

use jiff::SignedDuration;
use muster_core::catalog::changes::Catalog;
use muster_core::contact::ContactKind;
use muster_core::oncall::escalation::NotificationRule;
use muster_core::paging::{
    Delivery, Escalation, NewPage, Page, PageChange, PageEvent, PageIncident, PageStatus,
    PageTarget, Via, escalation_for,
};
use muster_core::{
    Actor, DomainError, FieldError, Incident, NewTimelineEntry, PageId, PageNumber, Permission,
    TimelineEntryId, TimelineEvent, Timestamp, User, UserId,
};
use muster_store::{PageFilter, PageInsert, StoreError, StoredAttempt};
use uuid::Uuid;

use crate::accounts::require;
use crate::incidents::IncidentKey;
use crate::links::{self, LinkAction, LinkClaims, LinkProblem};
use crate::oncall::OnCallBook;
use crate::{App, AppError};

/// How people and machines name a page: `P-12`, `12`, or its UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKey {
    Number(PageNumber),
    Id(PageId),
}

impl std::str::FromStr for PageKey {
    type Err = AppError;
    fn from_str(raw: &str) -> Result<Self, AppError> {
        if let Ok(id) = Uuid::parse_str(raw) {
            return Ok(Self::Id(PageId(id)));
        }
        raw.parse::<PageNumber>()
            .map(Self::Number)
            .map_err(|message| AppError::invalid("page", message))
    }
}

impl std::fmt::Display for PageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(number) => number.fmt(f),
            Self::Id(id) => id.fmt(f),
        }
    }
}

/// A page to raise, as asked for.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub target: PageTarget,
    pub summary: String,
    pub details: String,
    /// The incident it is for; its drill flag carries over.
    pub incident: Option<IncidentKey>,
    pub drill: bool,
}

/// A page with everything that happened to it.
#[derive(Debug, Clone)]
pub struct PageDetail {
    pub page: Page,
    pub events: Vec<PageEvent>,
    pub deliveries: Vec<Delivery>,
    pub attempts: Vec<StoredAttempt>,
    /// Everyone the page names (for showing names, not ids).
    pub users: Vec<User>,
}

/// What a one-time link leads to.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub claims: LinkClaims,
    pub page: Page,
    /// Whom the link was sent to.
    pub recipient: Option<User>,
}

/// What using a one-time link did.
#[derive(Debug, Clone)]
pub enum LinkOutcome {
    /// The action was taken.
    Done { page: Page, action: LinkAction },
    /// Someone (or something) got there first: nothing to do.
    AlreadyDone { page: Page },
}

/// A notification rule as typed: a contact kind and minutes after being paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDraft {
    pub kind: String,
    pub after_minutes: i64,
}

/// Longest wait a rule may set: after an hour the next step has long fired.
const MAX_RULE_MINUTES: i64 = 60;
/// How often a change is re-decided after the engine advanced the page meanwhile.
const RETRIES: usize = 5;

pub(crate) fn page_incident(incident: &Incident) -> PageIncident {
    PageIncident {
        id: incident.id,
        number: incident.number,
        title: incident.title.clone(),
        severity: incident.severity.to_string(),
    }
}

fn timeline_entry(
    incident: &PageIncident,
    actor: Option<UserId>,
    at: Timestamp,
    event: TimelineEvent,
) -> NewTimelineEntry {
    NewTimelineEntry {
        id: TimelineEntryId(Uuid::now_v7()),
        incident_id: incident.id,
        occurred_at: at,
        actor,
        event,
    }
}

/// How `target` escalates, from the catalog and the plan's policies.
pub(crate) fn escalation(
    target: &PageTarget,
    catalog: &Catalog,
    book: &OnCallBook,
) -> Result<Escalation, DomainError> {
    if let PageTarget::Schedule(name) = target
        && !book.schedules.contains_key(name)
    {
        return Err(DomainError::Invalid(vec![FieldError::new(
            "target",
            format!("schedule {name} does not exist"),
        )]));
    }
    escalation_for(target, catalog, |name| {
        book.policies.get(name).map(|p| &p.policy)
    })
}

/// The pages a declaration on services and functionalities raises (one
/// per owner team), and the timeline entries saying so — or why a team
/// could not be paged. Written with the incident, in one transaction.
pub(crate) fn declaration_pages(
    book: &OnCallBook,
    incident: &Incident,
    catalog: &Catalog,
    targets: Vec<PageTarget>,
    now: Timestamp,
) -> Result<(Vec<PageInsert>, Vec<TimelineEvent>), AppError> {
    let mut pages = Vec::new();
    let mut events = Vec::new();
    let mut teams = Vec::new();
    for target in targets {
        match escalation(&target, catalog, book) {
            Ok(escalation) => {
                if escalation.team.is_some() && teams.contains(&escalation.team) {
                    continue;
                }
                teams.push(escalation.team.clone());
                let (page, event) = Page::trigger(
                    PageId(Uuid::now_v7()),
                    NewPage {
                        target: target.clone(),
                        summary: incident.title.clone(),
                        details: incident.impact.clone(),
                        incident: Some(page_incident(incident)),
                        drill: incident.drill,
                    },
                    escalation,
                    Some(incident.declared_by),
                    now,
                )?;
                events.push(TimelineEvent::Paged {
                    page: page.id,
                    target: target.to_string(),
                });
                pages.push(PageInsert {
                    page,
                    events: vec![event],
                });
            }
            Err(DomainError::Invalid(reasons)) => {
                events.push(TimelineEvent::PagingFailed {
                    target: target.to_string(),
                    reason: reasons
                        .iter()
                        .map(|r| r.message.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                });
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok((pages, events))
}

fn link_used() -> AppError {
    AppError::Conflict {
        code: "link_used",
        message: "this link was used already".into(),
    }
}

impl App {
    async fn load_page(&self, key: PageKey) -> Result<Page, AppError> {
        let found = match key {
            PageKey::Number(number) => self.store.find_page_by_number(number).await?,
            PageKey::Id(id) => self.store.find_page(id).await?,
        };
        found.ok_or_else(|| AppError::not_found("page", key))
    }

    /// Raises a page; the engine fires its first step at once.
    pub async fn page(&self, actor: &Actor, request: PageRequest) -> Result<Page, AppError> {
        require(actor, Permission::WriteIncidents)?;
        if let PageTarget::User(email) = &request.target {
            match self.store.find_user_by_email(email).await? {
                Some(user) if user.deactivated_at.is_none() => {}
                _ => {
                    return Err(AppError::invalid(
                        "target",
                        format!("{email} is not an active user"),
                    ));
                }
            }
        }
        let incident = match request.incident {
            Some(key) => Some(self.get_incident(actor, key).await?),
            None => None,
        };
        let catalog = self.store.load_catalog().await?;
        let book = self.on_call_book().await?;
        let escalation = escalation(&request.target, &catalog, &book)?;
        let now = self.now();
        let drill = request.drill || incident.as_ref().is_some_and(|i| i.drill);
        let (mut page, event) = Page::trigger(
            PageId(Uuid::now_v7()),
            NewPage {
                target: request.target,
                summary: request.summary,
                details: request.details,
                incident: incident.as_ref().map(page_incident),
                drill,
            },
            escalation,
            Some(actor.user_id),
            now,
        )?;
        let timeline: Vec<NewTimelineEntry> = page
            .incident
            .iter()
            .map(|incident| {
                timeline_entry(
                    incident,
                    Some(actor.user_id),
                    now,
                    TimelineEvent::Paged {
                        page: page.id,
                        target: page.target.to_string(),
                    },
                )
            })
            .collect();
        page.number = self.store.insert_page(&page, &[event], &timeline).await?;
        tracing::info!(page = %page.number, target = %page.target, "paged");
        self.wake_engine();
        Ok(page)
    }

    /// The pages a declaration on services and functionalities raises (one
    /// per owner team), and the timeline entries saying so — or why a team
    /// could not be paged. Written with the incident, in one transaction.
    pub(crate) async fn declaration_pages(
        &self,
        incident: &Incident,
        catalog: &Catalog,
        targets: Vec<PageTarget>,
        now: Timestamp,
    ) -> Result<(Vec<PageInsert>, Vec<TimelineEvent>), AppError> {
        if targets.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let book = self.on_call_book().await?;
        declaration_pages(&book, incident, catalog, targets, now)
    }

    pub async fn list_pages(
        &self,
        actor: &Actor,
        mut filter: PageFilter,
    ) -> Result<Vec<Page>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        filter.limit = filter.limit.clamp(1, 200);
        Ok(self.store.list_pages(&filter).await?)
    }

    pub async fn page_detail(&self, actor: &Actor, key: PageKey) -> Result<PageDetail, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let page = self.load_page(key).await?;
        if let Some(incident) = &page.incident {
            // A private incident's pages are as private as the incident.
            self.get_incident(actor, IncidentKey::Id(incident.id))
                .await?;
        }
        let events = self.store.page_events(page.id).await?;
        let deliveries = self.store.page_deliveries(page.id).await?;
        let attempts = self.store.delivery_attempts(page.id).await?;
        let users = self.store.list_users().await?;
        Ok(PageDetail {
            page,
            events,
            deliveries,
            attempts,
            users,
        })
    }

    /// Applies `decide` to the page's current state, re-deciding when the
    /// engine advanced the page meanwhile (its firing bumps the version).
    pub(crate) async fn change_page(
        &self,
        key: PageKey,
        decide: impl Fn(&Page, Timestamp) -> Result<PageChange, DomainError>,
        link: Option<&[u8; 32]>,
    ) -> Result<Page, AppError> {
        let mut last = None;
        for _ in 0..RETRIES {
            let page = self.load_page(key).await?;
            let now = self.now();
            let change = decide(&page, now)?;
            let timeline: Vec<NewTimelineEntry> = change
                .page
                .incident
                .iter()
                .map(|incident| {
                    let target = change.page.target.to_string();
                    let event = match change.page.status {
                        PageStatus::Resolved => TimelineEvent::PageResolved {
                            page: page.id,
                            target,
                        },
                        _ => TimelineEvent::PageAcknowledged {
                            page: page.id,
                            target,
                        },
                    };
                    timeline_entry(incident, change.event.actor, now, event)
                })
                .collect();
            match self.store.apply_page_change(&change, &timeline, link).await {
                Ok(()) => return Ok(change.page),
                Err(StoreError::VersionConflict { .. }) => {
                    last = Some(AppError::Conflict {
                        code: "version_conflict",
                        message: "the page kept changing; try again".into(),
                    });
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(last.unwrap_or_else(|| AppError::Internal("page change retries exhausted".into())))
    }

    pub async fn acknowledge_page(
        &self,
        actor: &Actor,
        key: PageKey,
        via: Via,
    ) -> Result<Page, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let page = self
            .change_page(
                key,
                |page, now| page.acknowledge(Some(actor.user_id), via, now),
                None,
            )
            .await?;
        tracing::info!(page = %page.number, "page acknowledged");
        Ok(page)
    }

    pub async fn resolve_page(
        &self,
        actor: &Actor,
        key: PageKey,
        via: Via,
    ) -> Result<Page, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let page = self
            .change_page(
                key,
                |page, now| page.resolve(Some(actor.user_id), via, now),
                None,
            )
            .await?;
        tracing::info!(page = %page.number, "page resolved");
        Ok(page)
    }

    /// Resolves every open page of an incident that was just resolved.
    pub(crate) async fn resolve_incident_pages(&self, incident: muster_core::IncidentId) {
        let open = self
            .store
            .list_pages(&PageFilter {
                incident: Some(incident),
                statuses: vec![PageStatus::Triggered, PageStatus::Acknowledged],
                limit: 200,
                ..PageFilter::default()
            })
            .await;
        for page in open.unwrap_or_default() {
            let resolved = self
                .change_page(
                    PageKey::Id(page.id),
                    |page, now| page.resolve(None, Via::Incident, now),
                    None,
                )
                .await;
            if let Err(error) = resolved {
                // A page someone resolved meanwhile is fine; anything else
                // leaves the page open, which is visible and safe.
                tracing::warn!(page = %page.number, %error, "could not resolve the page of a resolved incident");
            }
        }
    }

    /// The key every node signs one-time links with (made on first use).
    pub(crate) async fn link_key(&self) -> Result<Vec<u8>, AppError> {
        self.stored_key(links::KEY_NAME, &self.link_key).await
    }

    /// The key stored under `name`, made on first use by whichever node
    /// comes first, and kept in `cache` after the first read.
    pub(crate) async fn stored_key(
        &self,
        name: &str,
        cache: &std::sync::OnceLock<Vec<u8>>,
    ) -> Result<Vec<u8>, AppError> {
        if let Some(key) = cache.get() {
            return Ok(key.clone());
        }
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh)
            .map_err(|e| AppError::Internal(format!("no randomness for a signing key: {e}")))?;
        let key = self.store.signing_key(name, &fresh).await?;
        Ok(cache.get_or_init(|| key).clone())
    }

    fn check_link(&self, key: &[u8], token: &str) -> Result<LinkClaims, AppError> {
        links::verify(key, token, self.now()).map_err(|problem| match problem {
            LinkProblem::Invalid => AppError::NotFound {
                entity: "link",
                key: "(this link)".into(),
            },
            LinkProblem::Expired => AppError::Conflict {
                code: "link_expired",
                message: "this link has expired; open the page in muster instead".into(),
            },
        })
    }

    /// What a link would do, without doing it (safe for mail scanners that
    /// follow links).
    pub async fn link_view(&self, token: &str) -> Result<LinkView, AppError> {
        let key = self.link_key().await?;
        let claims = self.check_link(&key, token)?;
        let page = self.load_page(PageKey::Id(claims.page)).await?;
        let recipient = match claims.user {
            Some(user) => self.store.find_user(user).await?,
            None => None,
        };
        Ok(LinkView {
            claims,
            page,
            recipient,
        })
    }

    /// Takes a link's action, once, as the person it was sent to.
    pub async fn act_by_link(&self, token: &str) -> Result<LinkOutcome, AppError> {
        let key = self.link_key().await?;
        let claims = self.check_link(&key, token)?;
        let digest = links::digest(token);
        if self.store.link_used(&digest).await? {
            return Err(link_used());
        }
        let by = match claims.user {
            Some(user) => match self.store.find_user(user).await? {
                Some(found) if found.deactivated_at.is_none() => Some(user),
                _ => {
                    return Err(AppError::Forbidden(
                        "the person this link was sent to can no longer act on pages".into(),
                    ));
                }
            },
            None => None,
        };
        let key = PageKey::Id(claims.page);
        let result = match claims.action {
            LinkAction::Acknowledge => {
                self.change_page(
                    key,
                    |p, now| p.acknowledge(by, Via::Link, now),
                    Some(&digest),
                )
                .await
            }
            LinkAction::Resolve => {
                self.change_page(key, |p, now| p.resolve(by, Via::Link, now), Some(&digest))
                    .await
            }
        };
        match result {
            Ok(page) => {
                tracing::info!(page = %page.number, action = claims.action.as_str(), "page changed by link");
                Ok(LinkOutcome::Done {
                    page,
                    action: claims.action,
                })
            }
            Err(AppError::Conflict {
                code: "invalid_transition",
                ..
            }) => Ok(LinkOutcome::AlreadyDone {
                page: self.load_page(key).await?,
            }),
            // Used at the same moment elsewhere (a double click).
            Err(AppError::Taken { field: "link", .. }) => Err(link_used()),
            Err(other) => Err(other),
        }
    }

    /// A person's notification rules (themselves, or an admin).
    pub async fn notification_rules(
        &self,
        actor: &Actor,
        user: &User,
    ) -> Result<Vec<NotificationRule>, AppError> {
        if actor.user_id != user.id && !actor.is_admin() {
            require(actor, Permission::ReadIncidents)?;
        }
        Ok(self.store.notification_rules(user.id).await?)
    }

    /// Replaces a person's notification rules. Each rule names a kind of
    /// contact method the person has and the minutes after being paged.
    pub async fn set_notification_rules(
        &self,
        actor: &Actor,
        user: &User,
        drafts: &[RuleDraft],
    ) -> Result<Vec<NotificationRule>, AppError> {
        if actor.user_id != user.id {
            require(actor, Permission::ManageUsers)?;
        }
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        let has = |kind: ContactKind| {
            kind == ContactKind::Email || user.contact_methods.iter().any(|m| m.kind == kind)
        };
        for (index, draft) in drafts.iter().enumerate() {
            let kind = match draft.kind.parse::<ContactKind>() {
                Ok(kind) if has(kind) => Some(kind),
                Ok(kind) => {
                    errors.push(FieldError::new(
                        format!("rules[{index}].kind"),
                        format!("{} has no {kind} contact method", user.email),
                    ));
                    None
                }
                Err(message) => {
                    errors.push(FieldError::new(format!("rules[{index}].kind"), message));
                    None
                }
            };
            if !(0..=MAX_RULE_MINUTES).contains(&draft.after_minutes) {
                errors.push(FieldError::new(
                    format!("rules[{index}].after_minutes"),
                    format!(
                        "expected minutes from 0 to {MAX_RULE_MINUTES}, got {}",
                        draft.after_minutes
                    ),
                ));
                continue;
            }
            if let Some(kind) = kind {
                let rule = NotificationRule {
                    kind,
                    after: SignedDuration::from_mins(draft.after_minutes),
                };
                if rules.contains(&rule) {
                    errors.push(FieldError::new(
                        format!("rules[{index}]"),
                        "this rule is listed twice",
                    ));
                }
                rules.push(rule);
            }
        }
        if drafts.len() > 20 {
            errors.push(FieldError::new("rules", "at most 20 rules"));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        self.store.set_notification_rules(user.id, &rules).await?;
        Ok(rules)
    }
}
