//! Carrying out one runbook step: what each of the plan's nine actions does
//! to an incident, decided against its current state and returned as
//! effects for the runner to commit with the run. Nothing here writes; a
//! step that cannot do its work says why, and its run fails visibly.

use muster_core::audience::Audience;
use muster_core::paging::{
    Delivery, Destination, NotificationEvent, PageStatus, PageTarget, SinkKind,
};
use muster_core::runbook::{RoleAssignee, StepAction};
use muster_core::stakeholder::{StakeholderGroup, StakeholderUpdate, UpdateFacts, update_due};
use muster_core::task_force::{TaskForceCall, who_joins};
use muster_core::{
    Actor, Incident, IncidentChange, IncidentDecision, NewTask, Task, TaskId, TimelineEvent,
    Timestamp, User, UserRole,
};
use muster_plan::updates;
use muster_store::PageInsert;
use uuid::Uuid;

use crate::oncall::shift_at;
use crate::routing::{RoutingContext, channel_message};
use crate::{App, AppError};

/// What a step did, to be written with its run.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub change: Option<IncidentChange>,
    pub tasks: Vec<Task>,
    pub pages: Vec<PageInsert>,
    pub deliveries: Vec<Delivery>,
    /// The core's own events (role given, task added, paged) before the
    /// step's summary.
    pub events: Vec<TimelineEvent>,
}

/// How a step came out.
#[derive(Debug)]
pub(crate) enum Performed {
    /// Did its work; the summary says what, for the timeline.
    Done {
        summary: String,
        effects: Box<Effects>,
    },
    /// Waits for a moment of its own (a digest's morning, a policy's wait);
    /// decided again then.
    Waiting { summary: String, until: Timestamp },
    /// Started and waits for a person to tick it (a manual step).
    ForAPerson { summary: String },
    /// Could not do its work, for this reason; retryable.
    Failed { reason: String },
}

fn failed(reason: impl Into<String>) -> Performed {
    Performed::Failed {
        reason: reason.into(),
    }
}

fn done(summary: impl Into<String>, effects: Effects) -> Performed {
    Performed::Done {
        summary: summary.into(),
        effects: Box::new(effects),
    }
}

/// Who the engine acts as: steps are the plan's doing, on behalf of the
/// incident's declarer (the timeline records no person).
fn plan_actor(incident: &Incident) -> Actor {
    Actor {
        user_id: incident.declared_by,
        role: UserRole::Admin,
    }
}

/// What a step run looks at besides the incident.
pub(crate) struct StepContext<'a> {
    pub incident: &'a Incident,
    /// Everyone with an account, for names, emails and the drill's audience.
    pub users: &'a [User],
    /// The plan as the engine caches it: its stakeholder groups and task
    /// forces, roles, runbooks and catalog.
    pub plan: &'a RoutingContext,
    pub now: Timestamp,
}

impl StepContext<'_> {
    fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = email.trim().to_lowercase();
        self.users
            .iter()
            .find(|u| u.email.to_lowercase() == email && u.deactivated_at.is_none())
    }

    pub(crate) fn name_of(&self, id: muster_core::UserId) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// Everyone, or in a drill only the people taking part in it.
    pub(crate) fn audience(&self) -> Audience {
        let emails: Vec<&str> = self
            .incident
            .participants
            .iter()
            .filter_map(|p| self.users.iter().find(|u| u.id == p.user_id))
            .map(|u| u.email.as_str())
            .collect();
        Audience::of_incident(self.incident.drill, emails)
    }
}

impl App {
    /// Carries out `action` for the incident of `context`.
    pub(crate) async fn perform(
        &self,
        action: &StepAction,
        context: &StepContext<'_>,
    ) -> Result<Performed, AppError> {
        let incident = context.incident;
        Ok(match action {
            StepAction::AssignRole { role, to } => self.assign(role.as_str(), to, context).await?,
            StepAction::PageTeam { team } => {
                let target = PageTarget::Team(team.clone());
                match self.open_page_of(incident, team).await? {
                    // The declaration (or a person) paged them already: a
                    // second page would only wake the same people twice.
                    Some(number) => done(
                        format!("{target} was paged already ({number}) and has not resolved it"),
                        Effects::default(),
                    ),
                    None => self.page_for_step(vec![target], context).await?,
                }
            }
            StepAction::AssembleTaskForce { task_force } => {
                self.assemble(task_force.as_deref(), context).await?
            }
            StepAction::CreateTasks { team, tasks } => create_tasks(team.as_ref(), tasks, context)?,
            StepAction::NotifyStakeholders { group } => match context.plan.audiences.group(group) {
                Some(group) => self.notify(group, context),
                None => failed(format!("the plan has no stakeholder group named {group:?}")),
            },
            StepAction::PostUpdate { template } => self.post_update(template.as_deref(), context),
            StepAction::DraftStatusUpdate { component } => {
                self.draft_status(component.as_deref(), context)
            }
            StepAction::Webhook { url } => self.call_webhook(url, context),
            StepAction::Manual { instructions } => Performed::ForAPerson {
                summary: match instructions {
                    Some(how) => format!("waiting for someone to do it and tick it off: {how}"),
                    None => "waiting for someone to do it and tick it off".into(),
                },
            },
        })
    }

    async fn assign(
        &self,
        role: &str,
        to: &RoleAssignee,
        context: &StepContext<'_>,
    ) -> Result<Performed, AppError> {
        let incident = context.incident;
        let resolved = context.plan.roles.resolve("role", role);
        let Ok(code) = resolved else {
            return Ok(failed(format!("the role {role:?} is not configured")));
        };
        if let Some(holder) = incident.roles.get(&code) {
            // A person already took it: the plan never takes a role away.
            return Ok(done(
                format!("{} already is {code}", context.name_of(*holder)),
                Effects::default(),
            ));
        }
        let user = match to {
            RoleAssignee::Declarer => incident.declared_by,
            RoleAssignee::User { email } => match context.user_by_email(email) {
                Some(user) => user.id,
                None => return Ok(failed(format!("{email} is not an active user"))),
            },
            RoleAssignee::OnCall { schedule } => {
                let book = self.on_call_book().await?;
                if !book.schedules.contains_key(schedule) {
                    return Ok(failed(format!(
                        "the plan has no schedule named {schedule:?}"
                    )));
                }
                // With its overrides: whoever covers the shift takes the role.
                let since = context
                    .now
                    .checked_sub(jiff::SignedDuration::from_hours(24 * 36))
                    .unwrap_or(context.now);
                let wanted = std::collections::BTreeSet::from([schedule.as_str()]);
                let schedules = self.schedules_named(&book, &wanted, since).await?;
                let on_call = schedules
                    .get(schedule)
                    .and_then(|s| shift_at(s, context.now))
                    .and_then(|s| s.user);
                let Some(email) = on_call else {
                    return Ok(failed(format!("nobody is on call for {schedule} now")));
                };
                match context.user_by_email(&email) {
                    Some(user) => user.id,
                    None => {
                        return Ok(failed(format!(
                            "{email}, on call for {schedule}, is not an active user"
                        )));
                    }
                }
            }
        };
        let rules = muster_core::IncidentRules {
            severities: &self.settings.severities,
            roles: &context.plan.roles,
        };
        let decision = incident.assign_role(role, user, &plan_actor(incident), &rules, context.now);
        Ok(match decision {
            Ok(IncidentDecision::Changed(change)) => {
                let mut change = *change;
                let events = std::mem::take(&mut change.events);
                done(
                    format!(
                        "gave {code} to {} ({})",
                        context.name_of(user),
                        to.describe()
                    ),
                    Effects {
                        change: Some(change),
                        events,
                        ..Effects::default()
                    },
                )
            }
            Ok(IncidentDecision::Unchanged) => done(
                format!("{} already is {code}", context.name_of(user)),
                Effects::default(),
            ),
            Err(error) => failed(error.to_string()),
        })
    }

    /// The incident's unresolved page that reaches `team` (paged as the
    /// team, or as the owner of a functionality or service), if any.
    async fn open_page_of(
        &self,
        incident: &Incident,
        team: &muster_core::Slug,
    ) -> Result<Option<muster_core::PageNumber>, AppError> {
        let pages = self
            .store
            .list_pages(&muster_store::PageFilter {
                statuses: vec![PageStatus::Triggered, PageStatus::Acknowledged],
                incident: Some(incident.id),
                recipient: None,
                before_number: None,
                limit: 200,
            })
            .await?;
        Ok(pages
            .iter()
            .find(|p| p.team.as_ref() == Some(team))
            .map(|p| p.number))
    }

    async fn page_for_step(
        &self,
        targets: Vec<PageTarget>,
        context: &StepContext<'_>,
    ) -> Result<Performed, AppError> {
        let names: Vec<String> = targets.iter().map(ToString::to_string).collect();
        let (pages, events) = self
            .declaration_pages(
                context.incident,
                &context.plan.catalog,
                targets,
                context.now,
            )
            .await?;
        let failures: Vec<String> = events
            .iter()
            .filter_map(|e| match e {
                TimelineEvent::PagingFailed { target, reason } => {
                    Some(format!("{target}: {reason}"))
                }
                _ => None,
            })
            .collect();
        if pages.is_empty() {
            return Ok(failed(if failures.is_empty() {
                format!("could not page {}", names.join(", "))
            } else {
                failures.join("; ")
            }));
        }
        Ok(done(
            format!("paged {}", names.join(", ")),
            Effects {
                pages,
                events,
                ..Effects::default()
            },
        ))
    }

    async fn assemble(
        &self,
        name: Option<&str>,
        context: &StepContext<'_>,
    ) -> Result<Performed, AppError> {
        let Some(task_force) = context.plan.audiences.task_force(name) else {
            return Ok(failed(match name {
                Some(name) => format!("the plan has no task force named {name:?}"),
                None => "the plan has several task forces (or none); name one".into(),
            }));
        };
        let incident = context.incident;
        let call = who_joins(
            task_force,
            &incident.severity,
            &self.settings.severities,
            &context.audience(),
        );
        let (members, withheld, reason) = match call {
            TaskForceCall::StaysOut { reason } => {
                return Ok(done(
                    format!("the task force stays out: {reason}"),
                    Effects::default(),
                ));
            }
            TaskForceCall::Joins {
                members,
                withheld,
                reason,
            } => (members, withheld, reason),
        };
        let mut next = incident.clone();
        let mut effects = Effects::default();
        let mut joined = Vec::new();
        let mut teams = Vec::new();
        for member in &members {
            let function = member.function.as_str();
            if let Some(contact) = &member.contact {
                if let Some(user) = context.user_by_email(contact)
                    && let Ok(IncidentDecision::Changed(change)) =
                        next.add_participant(user.id, &plan_actor(incident), context.now)
                {
                    effects.events.extend(change.events.iter().cloned());
                    next = change.incident;
                }
                effects.deliveries.push(channel_message(
                    contact,
                    Destination {
                        sink: SinkKind::Email,
                        address: contact.clone(),
                    },
                    self.incident_notification(
                        incident,
                        NotificationEvent::TaskForceCalled,
                        format!(
                            "You are on the task force of {} for {function}",
                            incident.number
                        ),
                        format!(
                            "{} ({}) needs {function} on its task force: {reason}.",
                            incident.title, incident.severity
                        ),
                    ),
                    context.now,
                ));
                joined.push(format!("{function}: {contact}"));
            } else if let Some(team) = &member.team {
                teams.push(PageTarget::Team(team.clone()));
                joined.push(format!("{function}: team {team}"));
            }
        }
        if !teams.is_empty() {
            let (pages, events) = self
                .declaration_pages(incident, &context.plan.catalog, teams, context.now)
                .await?;
            effects.pages = pages;
            effects.events.extend(events);
        }
        if next != *incident {
            // One change, however many joined.
            next.version = incident.version + 1;
            next.updated_at = context.now;
            effects.change = Some(IncidentChange {
                expected_version: incident.version,
                incident: next,
                events: Vec::new(),
            });
        }
        let mut summary = format!(
            "assembled the {} task force ({reason}): {}",
            task_force.name(),
            joined.join(", ")
        );
        if !withheld.is_empty() {
            let names: Vec<&str> = withheld.iter().map(|m| m.function.as_str()).collect();
            summary.push_str(&format!("; withheld from the drill: {}", names.join(", ")));
        }
        Ok(done(summary, effects))
    }

    /// Decides and, when due, sends `group`'s update; a waiting policy
    /// leaves the run pending until its moment.
    fn notify(&self, group: &StakeholderGroup, context: &StepContext<'_>) -> Performed {
        let incident = context.incident;
        let facts = UpdateFacts {
            severity: incident.severity.clone(),
            declared_at: incident.declared_at,
            milestones: incident.milestones,
            audience: context.audience(),
        };
        let name = group.name();
        match update_due(group, &facts, context.now) {
            StakeholderUpdate::NotCovered => done(
                format!("{name} is not told of {} incidents", incident.severity),
                Effects::default(),
            ),
            StakeholderUpdate::NotNeeded { mitigated_at, .. } => done(
                format!(
                    "{name} was not told: mitigated at {} before the policy's wait was over",
                    mitigated_at.strftime("%Y-%m-%d %H:%M UTC")
                ),
                Effects::default(),
            ),
            StakeholderUpdate::WithheldFromDrill => done(
                format!("{name} was not told: nobody of it takes part in this drill"),
                Effects::default(),
            ),
            StakeholderUpdate::SendAt { at, digest, .. } => {
                let local = match group.time_zone() {
                    Some(tz) => at
                        .to_zoned_datetime(tz.clone())
                        .strftime("%a %Y-%m-%d %H:%M %Z")
                        .to_string(),
                    None => at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                };
                Performed::Waiting {
                    summary: if digest {
                        format!("{name} hears in a digest at {local}")
                    } else {
                        format!("{name} hears at {local} unless it is mitigated by then")
                    },
                    until: at,
                }
            }
            StakeholderUpdate::SendNow {
                digest, recipients, ..
            } => {
                let (template, text) = match self.render_update(None, context) {
                    Ok(rendered) => rendered,
                    Err(reason) => return failed(reason),
                };
                let subject = if digest {
                    format!(
                        "Digest: {} {} {}",
                        incident.number, incident.severity, incident.title
                    )
                } else {
                    format!(
                        "{} {} {}",
                        incident.number, incident.severity, incident.title
                    )
                };
                let (deliveries, unreachable) =
                    self.group_messages(&recipients, &subject, &text, context);
                if deliveries.is_empty() {
                    return failed(format!(
                        "could not reach anyone of {name}: {}",
                        unreachable.join(", ")
                    ));
                }
                let mut summary = format!(
                    "told {name}{} ({} recipients)",
                    if digest { " in a digest" } else { "" },
                    deliveries.len()
                );
                if !unreachable.is_empty() {
                    summary.push_str(&format!("; not reached: {}", unreachable.join(", ")));
                }
                done(
                    summary,
                    Effects {
                        deliveries,
                        // What the group read is kept, and counts as an
                        // update for the severity's cadence.
                        events: vec![TimelineEvent::UpdatePosted { template, text }],
                        ..Effects::default()
                    },
                )
            }
        }
    }

    fn post_update(&self, template: Option<&str>, context: &StepContext<'_>) -> Performed {
        match self.render_update(template, context) {
            Ok((name, text)) => done(
                format!("posted an update from {name}"),
                Effects {
                    events: vec![TimelineEvent::UpdatePosted {
                        template: name,
                        text,
                    }],
                    ..Effects::default()
                },
            ),
            Err(reason) => failed(reason),
        }
    }

    fn draft_status(&self, component: Option<&str>, context: &StepContext<'_>) -> Performed {
        let component = component.unwrap_or("all components");
        match self.render_update(Some(updates::DEFAULT_STATUS), context) {
            Ok((_, text)) => done(
                format!("drafted a status-page update for {component}, for review"),
                Effects {
                    events: vec![TimelineEvent::StatusUpdateDrafted {
                        component: component.to_owned(),
                        text,
                    }],
                    ..Effects::default()
                },
            ),
            Err(reason) => failed(reason),
        }
    }

    fn call_webhook(&self, url: &str, context: &StepContext<'_>) -> Performed {
        let incident = context.incident;
        let text = match self.render_update(None, context) {
            Ok((_, text)) => text,
            Err(reason) => return failed(reason),
        };
        let delivery = channel_message(
            url,
            Destination {
                sink: SinkKind::Webhook,
                address: url.to_owned(),
            },
            self.incident_notification(
                incident,
                NotificationEvent::RunbookWebhook,
                format!(
                    "{} {} {}",
                    incident.number, incident.severity, incident.title
                ),
                text,
            ),
            context.now,
        );
        done(
            "queued the webhook call (its delivery retries on failure)",
            Effects {
                deliveries: vec![delivery],
                ..Effects::default()
            },
        )
    }
}

fn create_tasks(
    team: Option<&muster_core::Slug>,
    titles: &[String],
    context: &StepContext<'_>,
) -> Result<Performed, AppError> {
    let incident = context.incident;
    let mut effects = Effects::default();
    for title in titles {
        // The team's name leads the title: it is whose checklist it is.
        let title = match team {
            Some(team) => muster_core::task::team_title(team.as_str(), title),
            None => title.clone(),
        };
        match incident.add_task(
            TaskId(Uuid::now_v7()),
            NewTask {
                title,
                assignee: None,
            },
            &plan_actor(incident),
            context.now,
        ) {
            Ok((task, event)) => {
                effects.tasks.push(task);
                effects.events.push(event);
            }
            Err(error) => return Ok(failed(error.to_string())),
        }
    }
    let whose = team.map(|t| format!(" for team {t}")).unwrap_or_default();
    Ok(done(
        format!("added {} tasks{whose}", effects.tasks.len()),
        effects,
    ))
}
