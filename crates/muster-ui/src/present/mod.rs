//! Turns domain values into view models: formatting, labels, which buttons
//! apply. Pure functions of their arguments, so every page is testable
//! without a server.

use std::collections::HashMap;

use muster_core::{
    Incident, IncidentStatus, Milestone, RoleCatalog, SeverityScale, Task, TimelineEntry,
    TimelineEvent, Timestamp, User, UserId,
};

mod alert_page;
mod alerts;
mod catalog;
mod integrations;
mod oncall;
mod paging;
mod people;
mod plan;
mod process;
mod schedule_grid;
mod status_page;
pub mod zoned;

pub use alert_page::*;
pub use alerts::*;
pub use catalog::*;
pub use integrations::*;
pub use oncall::*;
pub use paging::*;
pub use people::*;
pub use plan::*;
pub use process::*;
pub use status_page::*;

use crate::view::{
    IncidentRow, IncidentView, ListFilters, MilestoneAction, MilestoneStep, OptionView,
    ParticipantRow, RoleRow, SeverityBadge, StatusPill, TaskRow, TimelineItem,
};

/// "Jan 31, 09:00 UTC": people in several time zones read the same instant.
pub fn short_time(at: Timestamp) -> String {
    at.strftime("%b %-d, %H:%M UTC").to_string()
}

fn full_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Where an incident's page lives; `INC-42` is what people type and share.
pub fn incident_href(incident: &Incident) -> String {
    format!("/incidents/{}", incident.number)
}

pub fn status_pill(status: IncidentStatus) -> StatusPill {
    let label = match status {
        IncidentStatus::Active => "Active",
        IncidentStatus::Acknowledged => "Acknowledged",
        IncidentStatus::Mitigated => "Mitigated",
        IncidentStatus::Resolved => "Resolved",
        IncidentStatus::Closed => "Closed",
    };
    StatusPill {
        code: status.as_str(),
        label,
    }
}

/// The badge of `code`; colours follow its rank in the configured scale, so
/// a custom scale still reads worst-is-red.
pub fn severity_badge(scale: &SeverityScale, code: &str) -> SeverityBadge {
    let all = scale.all();
    match all.iter().position(|s| s.code.as_str() == code) {
        Some(index) => {
            let severity = &all[index];
            SeverityBadge {
                code: severity.code.to_string(),
                name: severity.name.clone(),
                description: severity.description.clone(),
                class: format!("sev-{}", (index + 1).min(5)),
            }
        }
        None => SeverityBadge {
            code: code.to_owned(),
            name: code.to_owned(),
            description: String::from("no longer configured"),
            class: String::from("sev-unknown"),
        },
    }
}

/// Every configured severity, for the declare form's guide.
pub fn severity_guide(scale: &SeverityScale) -> Vec<SeverityBadge> {
    scale
        .all()
        .iter()
        .map(|s| severity_badge(scale, s.code.as_str()))
        .collect()
}

/// Options of a severity select; `selected` empty picks the configured default.
pub fn severity_options(scale: &SeverityScale, selected: &str) -> Vec<OptionView> {
    let selected = if selected.is_empty() {
        scale.default_severity().code.as_str()
    } else {
        selected
    };
    scale
        .all()
        .iter()
        .map(|s| OptionView {
            value: s.code.to_string(),
            label: format!("{} · {}", s.code, s.name),
            title: s.description.clone(),
            selected: s.code.as_str().eq_ignore_ascii_case(selected),
        })
        .collect()
}

pub fn incident_row(incident: &Incident, scale: &SeverityScale) -> IncidentRow {
    IncidentRow {
        key: incident.number.to_string(),
        href: incident_href(incident),
        title: incident.title.clone(),
        severity: severity_badge(scale, incident.severity.as_str()),
        status: status_pill(incident.status()),
        declared_at: short_time(incident.declared_at),
        declared_at_iso: incident.declared_at.to_string(),
        drill: incident.drill,
        private: incident.private,
        tags: incident.tags.clone(),
    }
}

pub(super) fn option(value: &str, label: &str, selected: &str) -> OptionView {
    OptionView {
        value: value.to_owned(),
        label: label.to_owned(),
        title: String::new(),
        selected: value == selected,
    }
}

/// The filter form of the list, echoing the raw query values.
pub fn list_filters(
    scale: &SeverityScale,
    status: &str,
    severity: &str,
    drill: &str,
    tag: &str,
) -> ListFilters {
    let mut statuses = vec![option("", "Any status", status)];
    statuses.extend(
        IncidentStatus::ALL
            .into_iter()
            .map(|s| option(s.as_str(), status_pill(s).label, status)),
    );
    let mut severities = vec![option("", "Any severity", severity)];
    severities.extend(scale.all().iter().map(|s| {
        let mut o = option(
            s.code.as_str(),
            &format!("{} · {}", s.code, s.name),
            severity,
        );
        o.selected = s.code.as_str().eq_ignore_ascii_case(severity);
        o
    }));
    let drills = vec![
        option("", "Real and drills", drill),
        option("exclude", "Real incidents only", drill),
        option("only", "Drills only", drill),
    ];
    ListFilters {
        statuses,
        severities,
        drills,
        tag: tag.to_owned(),
        active: !(status.is_empty() && severity.is_empty() && drill.is_empty() && tag.is_empty()),
    }
}

fn milestone_label(milestone: Milestone) -> &'static str {
    match milestone {
        Milestone::Started => "Started",
        Milestone::Detected => "Detected",
        Milestone::Acknowledged => "Acknowledged",
        Milestone::Mitigated => "Mitigated",
        Milestone::Resolved => "Resolved",
        Milestone::Closed => "Closed",
    }
}

/// The verb a button shows and the path segment it posts to.
pub fn milestone_verb(milestone: Milestone) -> Option<&'static str> {
    match milestone {
        Milestone::Acknowledged => Some("acknowledge"),
        Milestone::Mitigated => Some("mitigate"),
        Milestone::Resolved => Some("resolve"),
        Milestone::Closed => Some("close"),
        Milestone::Started | Milestone::Detected => None,
    }
}

/// The inverse of [`milestone_verb`].
pub fn milestone_of_verb(verb: &str) -> Option<Milestone> {
    Milestone::ALL
        .into_iter()
        .find(|m| milestone_verb(*m) == Some(verb))
}

fn milestone_steps(incident: &Incident) -> Vec<MilestoneStep> {
    let latest = incident.milestones.latest();
    Milestone::ALL
        .into_iter()
        .map(|m| {
            let at = incident.milestones.get(m);
            MilestoneStep {
                code: m.as_str(),
                label: milestone_label(m),
                at: at.map(short_time),
                at_iso: at.map(|t| t.to_string()).unwrap_or_default(),
                // What a `datetime-local` input shows: UTC wall time to the second.
                at_input: at
                    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string())
                    .unwrap_or_default(),
                current: latest == Some(m),
            }
        })
        .collect()
}

/// Forward moves still open: closing needs a resolution first (the core
/// refuses otherwise), so the button is not offered before that.
fn milestone_actions(incident: &Incident, href: &str) -> Vec<MilestoneAction> {
    let resolved = incident.milestones.get(Milestone::Resolved).is_some();
    let mut actions: Vec<MilestoneAction> = Milestone::ALL
        .into_iter()
        .filter(|m| incident.milestones.get(*m).is_none())
        .filter(|m| *m != Milestone::Closed || resolved)
        .filter_map(|m| {
            milestone_verb(m).map(|verb| MilestoneAction {
                code: verb,
                label: match m {
                    Milestone::Acknowledged => "Acknowledge",
                    Milestone::Mitigated => "Mitigate",
                    Milestone::Resolved => "Resolve",
                    _ => "Close",
                },
                href: format!("{href}/{verb}"),
                primary: false,
            })
        })
        .collect();
    if let Some(first) = actions.first_mut() {
        first.primary = true;
    }
    actions
}

/// Names of users by id; unknown ids (deleted users) still read sensibly.
pub struct Names {
    names: HashMap<UserId, String>,
}

impl Names {
    pub fn new(users: &[User]) -> Self {
        Self {
            names: users.iter().map(|u| (u.id, u.name.clone())).collect(),
        }
    }

    pub fn of(&self, id: UserId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| String::from("unknown user"))
    }
}

fn user_options(users: &[User], me: UserId, selected: Option<UserId>) -> Vec<OptionView> {
    users
        .iter()
        .map(|u| OptionView {
            value: u.id.to_string(),
            label: if u.id == me {
                format!("{} (you)", u.name)
            } else {
                u.name.clone()
            },
            title: u.email.clone(),
            selected: Some(u.id) == selected,
        })
        .collect()
}

fn timeline_items(entries: &[TimelineEntry], names: &Names) -> Vec<TimelineItem> {
    let mut previous_day = String::new();
    entries
        .iter()
        .rev()
        .map(|entry| {
            let day = entry.occurred_at.strftime("%a, %b %-d %Y").to_string();
            let new_day = day != previous_day;
            previous_day.clone_from(&day);
            TimelineItem {
                kind: entry.event.kind(),
                is_note: matches!(entry.event, TimelineEvent::Note { .. }),
                time: entry.occurred_at.strftime("%H:%M:%S").to_string(),
                at_iso: entry.occurred_at.to_string(),
                at_full: full_time(entry.occurred_at),
                day: new_day.then_some(day),
                actor: entry
                    .actor
                    .map_or_else(|| String::from("muster"), |id| names.of(id)),
                text: entry.event.describe(&|id| names.of(id)),
            }
        })
        .collect()
}

/// What an incident page is built from: loaded by the server, shaped here.
#[derive(Debug, Clone, Copy)]
pub struct IncidentInputs<'a> {
    pub incident: &'a Incident,
    pub tasks: &'a [Task],
    /// Oldest first, as stored.
    pub timeline: &'a [TimelineEntry],
    pub users: &'a [User],
    pub severities: &'a SeverityScale,
    pub roles: &'a RoleCatalog,
    pub me: UserId,
    /// The pages raised for it, newest first, each with its history.
    pub pages: &'a [PageHistory<'a>],
    /// Every team, for "Page a team".
    pub teams: &'a [muster_core::catalog::Team],
}

pub fn incident_view(inputs: IncidentInputs<'_>) -> IncidentView {
    let IncidentInputs {
        incident,
        tasks,
        timeline,
        users,
        severities,
        roles,
        me,
        pages,
        teams,
    } = inputs;
    let names = Names::new(users);
    let href = incident_href(incident);
    let role_rows = roles
        .all()
        .iter()
        .map(|role| {
            let holder = incident.roles.get(&role.code).copied();
            RoleRow {
                code: role.code.to_string(),
                name: role.name.clone(),
                description: role.description.clone(),
                holder: holder.map(|id| names.of(id)),
                holder_is_me: holder == Some(me),
                assign_href: format!("{href}/roles/{}", role.code),
                unassign_href: format!("{href}/roles/{}/unassign", role.code),
                // Unassigned roles offer yourself first: taking command is one click.
                options: user_options(users, me, Some(holder.unwrap_or(me))),
            }
        })
        .collect();
    let participants = incident
        .participants
        .iter()
        .map(|p| ParticipantRow {
            name: names.of(p.user_id),
            joined_at: short_time(p.joined_at),
            roles: roles
                .all()
                .iter()
                .filter(|r| incident.roles.get(&r.code) == Some(&p.user_id))
                .map(|r| r.name.clone())
                .collect(),
        })
        .collect();
    let outsiders: Vec<User> = users
        .iter()
        .filter(|u| !incident.participants.iter().any(|p| p.user_id == u.id))
        .cloned()
        .collect();
    let task_rows: Vec<TaskRow> = tasks
        .iter()
        .map(|task| {
            let mut options = vec![OptionView {
                value: String::new(),
                label: String::from("Unassigned"),
                title: String::new(),
                selected: task.assignee.is_none(),
            }];
            options.extend(user_options(users, me, task.assignee));
            TaskRow {
                id: task.id.to_string(),
                title: task.title.clone(),
                done: task.is_done(),
                assignee: task.assignee.map(|id| names.of(id)),
                href: format!("{href}/tasks/{}", task.id),
                options,
            }
        })
        .collect();
    let mut task_assignee_options = vec![OptionView {
        value: String::new(),
        label: String::from("Nobody yet"),
        title: String::new(),
        selected: true,
    }];
    task_assignee_options.extend(user_options(users, me, None));
    IncidentView {
        key: incident.number.to_string(),
        title: incident.title.clone(),
        description: incident.description.clone(),
        impact: incident.impact.clone(),
        tags: incident.tags.clone(),
        tags_text: incident.tags.join(", "),
        runbooks: incident.runbooks.iter().map(ToString::to_string).collect(),
        severity: severity_badge(severities, incident.severity.as_str()),
        status: status_pill(incident.status()),
        drill: incident.drill,
        private: incident.private,
        version: incident.version,
        declared_at: short_time(incident.declared_at),
        declared_by: names.of(incident.declared_by),
        milestones: milestone_steps(incident),
        actions: milestone_actions(incident, &href),
        severity_options: severity_options(severities, incident.severity.as_str()),
        roles: role_rows,
        participants,
        i_participate: incident.participants.iter().any(|p| p.user_id == me),
        my_id: me.to_string(),
        join_href: format!("{href}/participants"),
        participant_options: user_options(&outsiders, me, None),
        tasks_done: task_rows.iter().filter(|t| t.done).count(),
        tasks: task_rows,
        task_assignee_options,
        timeline: timeline_items(timeline, &names),
        last_sequence: timeline.iter().map(|e| e.sequence).max().unwrap_or(0),
        pages: incident_page_rows(pages, users),
        page_form: incident_page_form(incident, pages, teams, &href),
        href,
        // Filled by the caller, which has the process's decisions.
        whats_next: Default::default(),
        status_page: None,
        scenario: None,
    }
}

/// "Page a team" on an incident: the summary starts as the incident's
/// title, and the first affected team not paged yet is chosen.
fn incident_page_form(
    incident: &Incident,
    pages: &[PageHistory<'_>],
    teams: &[muster_core::catalog::Team],
    href: &str,
) -> crate::view::PageForm {
    let paged: Vec<&muster_core::Slug> =
        pages.iter().filter_map(|p| p.page.team.as_ref()).collect();
    let suggested = incident
        .affected
        .teams
        .iter()
        .find(|t| !paged.contains(t))
        .map(|t| t.to_string())
        .unwrap_or_default();
    crate::view::PageForm {
        action: format!("{href}/page"),
        summary: incident.title.clone(),
        details: String::new(),
        drill: incident.drill,
        teams: team_choice(teams, &suggested),
    }
}
