//! On-call: the plan's schedules and escalation policies (read from the
//! stored plan documents with the validator's own reader), overrides, and
//! who is on call when — for a schedule, a team, a service or a person.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use muster_core::catalog::changes::Catalog;
use muster_core::oncall::escalation::Target;
use muster_core::oncall::{
    MAX_WINDOW_DAYS, Override, PolicyDefinition, Schedule, ScheduleDefinition, Shift,
};
use muster_core::{Actor, OverrideId, Permission, Slug};
use muster_store::StoredOverride;
use uuid::Uuid;

use crate::accounts::require;
use crate::{App, AppError};

/// The plan's schedules and policies by name, as of a recent read.
#[derive(Debug, Clone, Default)]
pub struct OnCallBook {
    pub schedules: BTreeMap<String, ScheduleDefinition>,
    pub policies: BTreeMap<String, PolicyDefinition>,
    /// Stored documents that could not be read (a plan that validated has none).
    pub problems: Vec<String>,
}

/// How long a read of the plan's on-call documents is reused. A local
/// apply forgets it at once; other nodes see a change within this.
const BOOK_TTL: Duration = Duration::from_secs(1);

/// The cached book and when it was read.
pub(crate) type BookCache = std::sync::Mutex<Option<(Instant, Arc<OnCallBook>)>>;

/// Whose on-call to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnCallScope {
    /// Every schedule.
    Everyone,
    Schedule(String),
    /// The team's escalation policy, step by step.
    Team(Slug),
    Service(Slug),
    Functionality(Slug),
    /// A name that may be any of the above: schedules first, then teams,
    /// services and functionalities.
    Named(String),
}

/// One person on call, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCallEntry {
    /// The schedule that puts them there (none for a person named in a policy).
    pub schedule: Option<String>,
    /// The policy and its step (1-based), when asked for a team.
    pub policy: Option<String>,
    pub level: usize,
    /// `None`: the schedule has nobody at this instant (a gap).
    pub email: Option<String>,
    /// The shift holding the instant (for a schedule).
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// A schedule laid out over a window: the final shifts (layers and
/// overrides), each layer alone, and the gaps.
#[derive(Debug, Clone)]
pub struct ScheduleView {
    pub definition: ScheduleDefinition,
    pub overrides: Vec<StoredOverride>,
    pub from: Timestamp,
    pub to: Timestamp,
    pub shifts: Vec<Shift>,
    pub layers: Vec<(String, Vec<Shift>)>,
    pub gaps: Vec<Shift>,
    pub on_call_now: Option<String>,
    /// When the shift (or gap) holding now ends.
    pub on_call_until: Option<Timestamp>,
}

/// A schedule in a list, with who is on call now.
#[derive(Debug, Clone)]
pub struct ScheduleSummary {
    pub definition: ScheduleDefinition,
    pub on_call_now: Option<String>,
    /// When the current shift (or gap) ends.
    pub until: Option<Timestamp>,
}

/// An override to make.
#[derive(Debug, Clone)]
pub struct NewOverride {
    pub user: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Cover only this person's shifts; `None` covers everyone.
    pub replaces: Option<String>,
    pub note: String,
}

/// The longest override: longer ones are a rotation change, for the plan.
const MAX_OVERRIDE_DAYS: i64 = 92;

/// `n` days of 24 hours (a `Timestamp` takes no calendar days).
fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n * 24)
}

/// Who a schedule has on call at `at`, and the shift that holds `at`.
pub(crate) fn shift_at(schedule: &Schedule, at: Timestamp) -> Option<Shift> {
    // Lay out a short window around `at`, and widen it only while the shift
    // holding `at` reaches its edge: most shifts are a day or a week, so
    // this usually computes a handful of edges, not months of them.
    let mut reach = days(2);
    loop {
        let from = at.checked_sub(reach).unwrap_or(at);
        let to = at.checked_add(reach).unwrap_or(at);
        let shift = schedule
            .shifts(from, to)
            .into_iter()
            .find(|s| s.start <= at && at < s.end)?;
        let clipped = shift.start == from || shift.end == to;
        if !clipped || reach >= days(400) {
            return Some(shift);
        }
        reach = reach.saturating_mul(4);
    }
}

impl App {
    /// The plan's schedules and policies, read at most once a second.
    pub async fn on_call_book(&self) -> Result<Arc<OnCallBook>, AppError> {
        if let Some((read, book)) = self
            .book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            && read.elapsed() < BOOK_TTL
        {
            return Ok(book.clone());
        }
        let documents = self.store.load_plan_documents().await?;
        let plan = muster_plan::oncall::on_call(&documents);
        for problem in &plan.problems {
            tracing::warn!(%problem, "a stored on-call document could not be read");
        }
        let book = Arc::new(OnCallBook {
            schedules: plan
                .schedules
                .into_iter()
                .map(|s| (s.name.clone(), s))
                .collect(),
            policies: plan
                .policies
                .into_iter()
                .map(|p| (p.name.clone(), p))
                .collect(),
            problems: plan.problems,
        });
        *self
            .book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((Instant::now(), book.clone()));
        Ok(book)
    }

    /// Drops the cached book (after this node applied a plan).
    pub(crate) fn forget_on_call_book(&self) {
        *self
            .book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// Every schedule with its overrides from the store, overrides that
    /// ended before `since` left out.
    pub(crate) async fn schedules_with_overrides(
        &self,
        book: &OnCallBook,
        since: Timestamp,
    ) -> Result<BTreeMap<String, Schedule>, AppError> {
        let mut overrides: BTreeMap<String, Vec<Override>> = BTreeMap::new();
        for stored in self.store.list_overrides(None, since).await? {
            overrides
                .entry(stored.schedule)
                .or_default()
                .push(stored.over);
        }
        Ok(book
            .schedules
            .iter()
            .map(|(name, definition)| {
                let mut schedule = definition.schedule.clone();
                schedule.overrides = overrides.remove(name).unwrap_or_default();
                (name.clone(), schedule)
            })
            .collect())
    }

    /// The schedules named in `wanted` with their overrides (all of a
    /// busy installation's overrides are read only when every schedule is
    /// wanted).
    pub(crate) async fn schedules_named(
        &self,
        book: &OnCallBook,
        wanted: &std::collections::BTreeSet<&str>,
        since: Timestamp,
    ) -> Result<BTreeMap<String, Schedule>, AppError> {
        if wanted.len() == book.schedules.len() {
            return self.schedules_with_overrides(book, since).await;
        }
        let mut out = BTreeMap::new();
        for name in wanted {
            let Some(definition) = book.schedules.get(*name) else {
                continue;
            };
            let mut schedule = definition.schedule.clone();
            schedule.overrides = self
                .store
                .list_overrides(Some(name), since)
                .await?
                .into_iter()
                .map(|o| o.over)
                .collect();
            out.insert((*name).to_owned(), schedule);
        }
        Ok(out)
    }

    fn schedule_definition<'b>(
        book: &'b OnCallBook,
        name: &str,
    ) -> Result<&'b ScheduleDefinition, AppError> {
        book.schedules
            .get(name)
            .ok_or_else(|| AppError::not_found("schedule", name))
    }

    /// The plan's escalation policies, by name.
    pub async fn escalation_policies(
        &self,
        actor: &Actor,
    ) -> Result<Vec<PolicyDefinition>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok(self
            .on_call_book()
            .await?
            .policies
            .values()
            .cloned()
            .collect())
    }

    pub async fn list_schedules(&self, actor: &Actor) -> Result<Vec<ScheduleSummary>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let now = self.now();
        let book = self.on_call_book().await?;
        let schedules = self.schedules_with_overrides(&book, now).await?;
        Ok(book
            .schedules
            .values()
            .map(|definition| {
                let shift = schedules
                    .get(&definition.name)
                    .and_then(|s| shift_at(s, now));
                ScheduleSummary {
                    definition: definition.clone(),
                    on_call_now: shift.as_ref().and_then(|s| s.user.clone()),
                    until: shift.map(|s| s.end),
                }
            })
            .collect())
    }

    /// A schedule over `[from, to)` (at most two years).
    pub async fn schedule_view(
        &self,
        actor: &Actor,
        name: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ScheduleView, AppError> {
        require(actor, Permission::ReadIncidents)?;
        if to <= from {
            return Err(AppError::invalid("to", "the window ends after it starts"));
        }
        if to.duration_since(from) > SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
            return Err(AppError::invalid(
                "to",
                format!("a window is at most {MAX_WINDOW_DAYS} days"),
            ));
        }
        let book = self.on_call_book().await?;
        let definition = Self::schedule_definition(&book, name)?.clone();
        let overrides = self.store.list_overrides(Some(name), from).await?;
        let mut schedule = definition.schedule.clone();
        schedule.overrides = overrides.iter().map(|o| o.over.clone()).collect();
        let shifts = schedule.shifts(from, to);
        let layers = definition
            .schedule
            .layers
            .iter()
            .map(|layer| {
                let alone = Schedule {
                    time_zone: schedule.time_zone.clone(),
                    layers: vec![layer.clone()],
                    overrides: Vec::new(),
                };
                (layer.name.clone(), alone.shifts(from, to))
            })
            .collect();
        let gaps = shifts
            .iter()
            .filter(|s| s.user.is_none())
            .cloned()
            .collect();
        let current = shift_at(&schedule, self.now());
        let on_call_now = current.as_ref().and_then(|s| s.user.clone());
        let on_call_until = current.map(|s| s.end);
        Ok(ScheduleView {
            definition,
            overrides,
            from,
            to,
            shifts,
            layers,
            gaps,
            on_call_now,
            on_call_until,
        })
    }

    /// Who is on call at `at` for `scope`.
    pub async fn who_is_on_call(
        &self,
        actor: &Actor,
        scope: OnCallScope,
        at: Timestamp,
    ) -> Result<Vec<OnCallEntry>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let book = self.on_call_book().await?;
        // The catalog is only needed to find a team (or a name that is not
        // a schedule).
        let named_schedule =
            matches!(&scope, OnCallScope::Named(name) if book.schedules.contains_key(name));
        let catalog = match &scope {
            OnCallScope::Everyone | OnCallScope::Schedule(_) => None,
            OnCallScope::Named(_) if named_schedule => None,
            _ => Some(self.store.load_catalog().await?),
        };
        let scope = match scope {
            OnCallScope::Named(name) if named_schedule => OnCallScope::Schedule(name),
            OnCallScope::Named(name) => resolve_name(
                &book,
                catalog.as_ref().unwrap_or(&Catalog::default()),
                &name,
            )?,
            other => other,
        };
        let since = at.checked_sub(days(36)).unwrap_or(at);
        let shared = &book;
        let on_schedules = |names: Vec<(String, Option<String>, usize)>| async move {
            let wanted: std::collections::BTreeSet<&str> =
                names.iter().map(|(n, _, _)| n.as_str()).collect();
            let schedules = self.schedules_named(shared, &wanted, since).await?;
            Ok::<_, AppError>(
                names
                    .iter()
                    .map(|(name, policy, level)| {
                        let shift = schedules.get(name).and_then(|s| shift_at(s, at));
                        OnCallEntry {
                            schedule: Some(name.clone()),
                            policy: policy.clone(),
                            level: *level,
                            email: shift.as_ref().and_then(|s| s.user.clone()),
                            since: shift.as_ref().map(|s| s.start),
                            until: shift.map(|s| s.end),
                        }
                    })
                    .collect::<Vec<_>>(),
            )
        };
        let catalog = catalog.unwrap_or_default();
        let team = match &scope {
            OnCallScope::Everyone => {
                let all = book
                    .schedules
                    .keys()
                    .map(|n| (n.clone(), None, 1))
                    .collect();
                return on_schedules(all).await;
            }
            OnCallScope::Schedule(name) => {
                Self::schedule_definition(&book, name)?;
                return on_schedules(vec![(name.clone(), None, 1)]).await;
            }
            OnCallScope::Team(team) => team.clone(),
            OnCallScope::Service(slug) => catalog
                .service(slug)
                .ok_or_else(|| AppError::not_found("service", slug))?
                .owner_team
                .clone()
                .ok_or_else(|| {
                    AppError::invalid("service", format!("service {slug} has no owner team"))
                })?,
            OnCallScope::Functionality(slug) => catalog
                .functionality(slug)
                .ok_or_else(|| AppError::not_found("functionality", slug))?
                .owner_team
                .clone()
                .ok_or_else(|| {
                    AppError::invalid(
                        "functionality",
                        format!("functionality {slug} has no owner team"),
                    )
                })?,
            OnCallScope::Named(_) => return Ok(Vec::new()),
        };
        let record = catalog
            .team(&team)
            .ok_or_else(|| AppError::not_found("team", &team))?;
        let Some(policy_name) = &record.escalation_policy else {
            return Ok(Vec::new());
        };
        let Some(policy) = book.policies.get(policy_name.as_str()) else {
            return Ok(Vec::new());
        };
        let mut on = Vec::new();
        for (index, step) in policy.policy.steps().iter().enumerate() {
            for target in &step.targets {
                if let Target::Schedule(name) = target {
                    on.push((name.clone(), Some(policy.name.clone()), index + 1));
                }
            }
        }
        let mut scheduled = on_schedules(on).await?.into_iter();
        let mut out = Vec::new();
        for (index, step) in policy.policy.steps().iter().enumerate() {
            for target in &step.targets {
                match target {
                    Target::Schedule(_) => out.extend(scheduled.next()),
                    Target::User(email) => out.push(OnCallEntry {
                        schedule: None,
                        policy: Some(policy.name.clone()),
                        level: index + 1,
                        email: Some(email.clone()),
                        since: None,
                        until: None,
                    }),
                    // Another team's on-call is that team's to show.
                    Target::Team(_) => {}
                }
            }
        }
        Ok(out)
    }

    /// The shifts `email` holds over `[from, to)`, on every schedule.
    pub async fn shifts_of(
        &self,
        actor: &Actor,
        email: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(String, Shift)>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let email = email.trim().to_lowercase();
        let book = self.on_call_book().await?;
        let schedules = self.schedules_with_overrides(&book, from).await?;
        let mut out: Vec<(String, Shift)> = schedules
            .iter()
            .flat_map(|(name, schedule)| {
                schedule
                    .shifts(from, to)
                    .into_iter()
                    .filter(|s| s.user.as_deref() == Some(email.as_str()))
                    .map(|s| (name.clone(), s))
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort_by_key(|(name, s)| (s.start, name.clone()));
        Ok(out)
    }

    pub async fn create_override(
        &self,
        actor: &Actor,
        schedule: &str,
        input: NewOverride,
    ) -> Result<StoredOverride, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let book = self.on_call_book().await?;
        Self::schedule_definition(&book, schedule)?;
        let mut errors = Vec::new();
        let user = match muster_core::user::email("user", &input.user) {
            Ok(email) => match self.store.find_user_by_email(&email).await? {
                Some(found) if found.deactivated_at.is_none() => Some(found.email),
                _ => {
                    errors.push(muster_core::FieldError::new(
                        "user",
                        format!("{email} is not an active user"),
                    ));
                    None
                }
            },
            Err(error) => {
                errors.push(error);
                None
            }
        };
        let replaces = match input.replaces.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => muster_core::user::email("replaces", raw)
                .map_err(|e| errors.push(e))
                .ok(),
        };
        let note = muster_core::text::bounded("note", input.note.trim(), 500)
            .map_err(|e| errors.push(e))
            .ok();
        if input.end <= self.now() {
            errors.push(muster_core::FieldError::new(
                "end",
                "an override that has already ended changes nothing",
            ));
        }
        if input.end.duration_since(input.start)
            > SignedDuration::from_hours(24 * MAX_OVERRIDE_DAYS)
        {
            errors.push(muster_core::FieldError::new(
                "end",
                format!(
                    "an override lasts at most {MAX_OVERRIDE_DAYS} days; change the rotation in the plan instead"
                ),
            ));
        }
        if replaces.is_some() && replaces == user {
            errors.push(muster_core::FieldError::new(
                "replaces",
                "someone cannot cover their own shifts",
            ));
        }
        let over = match (user, note) {
            (Some(user), Some(_)) => Override::new(user, input.start, input.end, replaces)
                .map_err(|e| errors.push(e))
                .ok(),
            _ => None,
        };
        let (Some(over), true) = (over, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let stored = StoredOverride {
            id: OverrideId(Uuid::now_v7()),
            schedule: schedule.to_owned(),
            over,
            note: input.note.trim().to_owned(),
            created_by: actor.user_id,
            created_at: self.now(),
        };
        self.store.insert_override(&stored).await?;
        tracing::info!(schedule, user = %stored.over.user, "override created");
        Ok(stored)
    }

    /// Removes an override; with `schedule`, only one of that schedule
    /// (so a form on one schedule's page cannot remove another's).
    pub async fn delete_override(
        &self,
        actor: &Actor,
        id: OverrideId,
        schedule: Option<&str>,
    ) -> Result<StoredOverride, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let found = self
            .store
            .find_override(id)
            .await?
            .filter(|o| schedule.is_none_or(|name| o.schedule == name))
            .ok_or_else(|| AppError::not_found("override", id))?;
        self.store.delete_override(id).await?;
        Ok(found)
    }

    pub async fn list_overrides(
        &self,
        actor: &Actor,
        schedule: &str,
    ) -> Result<Vec<StoredOverride>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let book = self.on_call_book().await?;
        Self::schedule_definition(&book, schedule)?;
        Ok(self
            .store
            .list_overrides(Some(schedule), self.now())
            .await?)
    }
}

/// A bare name as the CLI gives it: a schedule, else a team, a service or a
/// functionality.
fn resolve_name(book: &OnCallBook, catalog: &Catalog, name: &str) -> Result<OnCallScope, AppError> {
    if book.schedules.contains_key(name) {
        return Ok(OnCallScope::Schedule(name.to_owned()));
    }
    if let Ok(slug) = Slug::parse("for", name) {
        if catalog.team(&slug).is_some() {
            return Ok(OnCallScope::Team(slug));
        }
        if catalog.service(&slug).is_some() {
            return Ok(OnCallScope::Service(slug));
        }
        if catalog.functionality(&slug).is_some() {
            return Ok(OnCallScope::Functionality(slug));
        }
    }
    Err(AppError::NotFound {
        entity: "schedule, team, service or functionality",
        key: name.to_owned(),
    })
}
