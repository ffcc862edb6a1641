//! Turns domain values into view models: formatting, labels, which buttons
//! apply. Pure functions of their arguments, so every page is testable
//! without a server.

use std::collections::HashMap;

use muster_core::catalog::graph::CatalogGraph;
use muster_core::catalog::{
    Catalog, Criticality, Functionality, Lifecycle, Link, Service, TIER_MAX, Team,
};
use muster_core::{
    Incident, IncidentStatus, Milestone, RoleCatalog, SeverityScale, Slug, Task, TimelineEntry,
    TimelineEvent, Timestamp, User, UserId,
};

use crate::view::{
    CatalogOverview, FunctionalityForm, FunctionalityRef, FunctionalityView, IncidentRow,
    IncidentView, LinkView, ListFilters, MemberRow, MilestoneAction, MilestoneStep, OptionView,
    ParticipantRow, RoleRow, ServiceForm, ServiceRef, ServiceView, SeverityBadge, StatusPill,
    TaskRow, TeamForm, TeamRef, TeamRow, TeamView, TimelineItem,
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

fn option(value: &str, label: &str, selected: &str) -> OptionView {
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
        href,
    }
}

// ---------- catalog ----------

/// A catalog entry's display name: its name, or its slug when it has none.
fn entry_name(name: &str, slug: &Slug) -> String {
    if name.trim().is_empty() {
        slug.to_string()
    } else {
        name.to_owned()
    }
}

pub fn team_href(slug: &Slug) -> String {
    format!("/teams/{slug}")
}

pub fn service_href(slug: &Slug) -> String {
    format!("/services/{slug}")
}

pub fn functionality_href(slug: &Slug) -> String {
    format!("/functionalities/{slug}")
}

/// A team by slug; an owner missing from the catalog still links (to a 404
/// that says so) rather than vanishing.
fn team_ref(catalog: &Catalog, slug: &Slug) -> TeamRef {
    TeamRef {
        slug: slug.to_string(),
        name: catalog
            .team(slug)
            .map_or_else(|| slug.to_string(), |t| entry_name(&t.name, &t.slug)),
        href: team_href(slug),
    }
}

fn owner_ref(catalog: &Catalog, owner: Option<&Slug>) -> Option<TeamRef> {
    owner.map(|slug| team_ref(catalog, slug))
}

fn service_ref(
    catalog: &Catalog,
    slug: &Slug,
    criticality: Option<Criticality>,
    distance: usize,
) -> ServiceRef {
    let service = catalog.service(slug);
    ServiceRef {
        slug: slug.to_string(),
        name: service.map_or_else(|| slug.to_string(), |s| entry_name(&s.name, &s.slug)),
        href: service_href(slug),
        owner: owner_ref(catalog, service.and_then(|s| s.owner_team.as_ref())),
        tier: service.map_or(0, |s| s.tier),
        criticality: criticality.map_or("", Criticality::as_str),
        distance,
        lifecycle: service.map_or("", |s| s.lifecycle.as_str()),
        kind: service.map(|s| s.kind.clone()).unwrap_or_default(),
    }
}

fn functionality_ref(
    catalog: &Catalog,
    functionality: &Functionality,
    criticality: Option<Criticality>,
) -> FunctionalityRef {
    FunctionalityRef {
        slug: functionality.slug.to_string(),
        name: entry_name(&functionality.name, &functionality.slug),
        href: functionality_href(&functionality.slug),
        owner: owner_ref(catalog, functionality.owner_team.as_ref()),
        criticality: criticality.map_or("", Criticality::as_str),
        services: functionality
            .services
            .iter()
            .map(|s| service_ref(catalog, s, None, 0))
            .collect(),
    }
}

fn by_name<T>(items: &mut [T], key: impl Fn(&T) -> (String, String)) {
    items.sort_by_cached_key(|item| {
        let (name, slug) = key(item);
        (name.to_lowercase(), slug)
    });
}

pub fn catalog_overview(catalog: &Catalog) -> CatalogOverview {
    let mut teams: Vec<TeamRow> = catalog
        .teams
        .iter()
        .map(|team| TeamRow {
            slug: team.slug.to_string(),
            name: entry_name(&team.name, &team.slug),
            href: team_href(&team.slug),
            contact_channel: team.contact_channel.clone(),
            members: team.members.len(),
            services: catalog
                .services
                .iter()
                .filter(|s| s.owner_team.as_ref() == Some(&team.slug))
                .count(),
            functionalities: catalog
                .functionalities
                .iter()
                .filter(|f| f.owner_team.as_ref() == Some(&team.slug))
                .count(),
        })
        .collect();
    by_name(&mut teams, |t| (t.name.clone(), t.slug.clone()));
    let mut services: Vec<ServiceRef> = catalog
        .services
        .iter()
        .map(|s| service_ref(catalog, &s.slug, None, 0))
        .collect();
    by_name(&mut services, |s| (s.name.clone(), s.slug.clone()));
    let mut functionalities: Vec<FunctionalityRef> = catalog
        .functionalities
        .iter()
        .map(|f| functionality_ref(catalog, f, None))
        .collect();
    by_name(&mut functionalities, |f| (f.name.clone(), f.slug.clone()));
    CatalogOverview {
        teams,
        services,
        functionalities,
    }
}

pub fn team_view(catalog: &Catalog, slug: &Slug) -> Option<TeamView> {
    let team = catalog.team(slug)?;
    let mut services: Vec<ServiceRef> = catalog
        .services
        .iter()
        .filter(|s| s.owner_team.as_ref() == Some(slug))
        .map(|s| service_ref(catalog, &s.slug, None, 0))
        .collect();
    by_name(&mut services, |s| (s.name.clone(), s.slug.clone()));
    let mut functionalities: Vec<FunctionalityRef> = catalog
        .functionalities
        .iter()
        .filter(|f| f.owner_team.as_ref() == Some(slug))
        .map(|f| functionality_ref(catalog, f, None))
        .collect();
    by_name(&mut functionalities, |f| (f.name.clone(), f.slug.clone()));
    Some(TeamView {
        slug: team.slug.to_string(),
        name: entry_name(&team.name, &team.slug),
        href: team_href(&team.slug),
        description: team.description.clone(),
        contact_channel: team.contact_channel.clone(),
        escalation_policy: team.escalation_policy.as_ref().map(Slug::to_string),
        members: team
            .members
            .iter()
            .map(|m| MemberRow {
                email: m.email.clone(),
                role: m.role.clone(),
            })
            .collect(),
        services,
        functionalities,
    })
}

fn link_views(links: &[Link]) -> Vec<LinkView> {
    links
        .iter()
        .map(|l| LinkView {
            title: l.title.clone(),
            url: l.url.clone(),
        })
        .collect()
}

pub fn service_view(catalog: &Catalog, slug: &Slug) -> Option<ServiceView> {
    let service = catalog.service(slug)?;
    let graph = CatalogGraph::new(&catalog.services, &catalog.functionalities);
    let radius = graph.blast_radius(slug)?;
    let dependencies = service
        .depends_on
        .iter()
        .map(|(target, criticality)| service_ref(catalog, target, Some(*criticality), 1))
        .collect();
    let mut dependants: Vec<ServiceRef> = catalog
        .services
        .iter()
        .filter_map(|s| {
            let (_, criticality) = s.depends_on.iter().find(|(t, _)| t == slug)?;
            Some(service_ref(catalog, &s.slug, Some(*criticality), 1))
        })
        .collect();
    by_name(&mut dependants, |s| (s.name.clone(), s.slug.clone()));
    let impacted_services = radius
        .services
        .iter()
        .map(|s| service_ref(catalog, &s.slug, Some(s.criticality), s.distance))
        .collect();
    let impacted_functionalities = radius
        .functionalities
        .iter()
        .filter_map(|impacted| {
            catalog
                .functionality(&impacted.slug)
                .map(|f| functionality_ref(catalog, f, Some(impacted.criticality)))
        })
        .collect();
    let svg = crate::graph::service_graph(&catalog.services, &catalog.functionalities, slug)
        .map(|g| {
            crate::graph::render_svg(
                &g,
                "service-graph",
                &format!(
                    "What {} depends on, and what depends on it",
                    entry_name(&service.name, &service.slug)
                ),
            )
        })
        .unwrap_or_default();
    Some(ServiceView {
        slug: service.slug.to_string(),
        name: entry_name(&service.name, &service.slug),
        href: service_href(&service.slug),
        description: service.description.clone(),
        owner: owner_ref(catalog, service.owner_team.as_ref()),
        tier: service.tier,
        lifecycle: service.lifecycle.as_str(),
        kind: service.kind.clone(),
        tags: service.tags.clone(),
        links: link_views(&service.links),
        runbooks: link_views(&service.runbooks),
        rollback_plan: service.rollback_plan.clone(),
        dependencies,
        dependants,
        impacted_services,
        impacted_functionalities,
        teams_to_involve: radius.teams.iter().map(|t| team_ref(catalog, t)).collect(),
        cycles: radius
            .cycles
            .iter()
            .map(|cycle| {
                let mut names: Vec<String> = cycle.iter().map(Slug::to_string).collect();
                if let Some(first) = names.first().cloned() {
                    names.push(first);
                }
                names.join(" → ")
            })
            .collect(),
        graph_svg: svg,
    })
}

pub fn functionality_view(catalog: &Catalog, slug: &Slug) -> Option<FunctionalityView> {
    let functionality = catalog.functionality(slug)?;
    let backing = CatalogGraph::new(&catalog.services, &catalog.functionalities).backing(slug)?;
    let (own, further): (Vec<_>, Vec<_>) = backing.services.iter().partition(|s| s.distance == 0);
    let svg = crate::graph::functionality_graph(&catalog.services, &catalog.functionalities, slug)
        .map(|g| {
            crate::graph::render_svg(
                &g,
                "functionality-graph",
                &format!(
                    "The services behind {}",
                    entry_name(&functionality.name, &functionality.slug)
                ),
            )
        })
        .unwrap_or_default();
    Some(FunctionalityView {
        slug: functionality.slug.to_string(),
        name: entry_name(&functionality.name, &functionality.slug),
        href: functionality_href(&functionality.slug),
        description: functionality.description.clone(),
        aliases: functionality.aliases.clone(),
        owner: owner_ref(catalog, functionality.owner_team.as_ref()),
        services: own
            .iter()
            .map(|s| service_ref(catalog, &s.slug, None, 0))
            .collect(),
        backing: further
            .iter()
            .map(|s| service_ref(catalog, &s.slug, Some(s.criticality), s.distance))
            .collect(),
        graph_svg: svg,
    })
}

fn link_lines(links: &[Link]) -> String {
    links
        .iter()
        .map(|l| format!("{} {}", l.title, l.url))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A stored team as its form shows it.
pub fn team_form(team: &Team) -> TeamForm {
    TeamForm {
        slug: team.slug.to_string(),
        name: team.name.clone(),
        description: team.description.clone(),
        contact_channel: team.contact_channel.clone(),
        escalation_policy: team
            .escalation_policy
            .as_ref()
            .map(Slug::to_string)
            .unwrap_or_default(),
        members: team
            .members
            .iter()
            .map(|m| format!("{}:{}", m.email, m.role))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

pub fn service_form(service: &Service) -> ServiceForm {
    ServiceForm {
        slug: service.slug.to_string(),
        name: service.name.clone(),
        description: service.description.clone(),
        owner_team: service
            .owner_team
            .as_ref()
            .map(Slug::to_string)
            .unwrap_or_default(),
        tier: service.tier.to_string(),
        lifecycle: service.lifecycle.as_str().to_owned(),
        kind: service.kind.clone(),
        rollback_plan: service.rollback_plan.clone(),
        depends_on: service
            .depends_on
            .iter()
            .map(|(s, c)| format!("{s}:{c}"))
            .collect::<Vec<_>>()
            .join("\n"),
        links: link_lines(&service.links),
        runbooks: link_lines(&service.runbooks),
        tags: service.tags.join(", "),
    }
}

pub fn functionality_form(functionality: &Functionality) -> FunctionalityForm {
    FunctionalityForm {
        slug: functionality.slug.to_string(),
        name: functionality.name.clone(),
        description: functionality.description.clone(),
        aliases: functionality.aliases.join("\n"),
        owner_team: functionality
            .owner_team
            .as_ref()
            .map(Slug::to_string)
            .unwrap_or_default(),
        services: functionality
            .services
            .iter()
            .map(Slug::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The owner select: "no owner" and every team, by name.
pub fn team_options(catalog: &Catalog, selected: &str) -> Vec<OptionView> {
    let mut teams: Vec<(String, String)> = catalog
        .teams
        .iter()
        .map(|t| (entry_name(&t.name, &t.slug), t.slug.to_string()))
        .collect();
    teams.sort_by_key(|(name, slug)| (name.to_lowercase(), slug.clone()));
    let mut options = vec![option("", "No owner", selected)];
    options.extend(teams.iter().map(|(name, slug)| OptionView {
        value: slug.clone(),
        label: format!("{name} ({slug})"),
        title: String::new(),
        selected: slug == selected,
    }));
    options
}

pub fn tier_options(selected: &str) -> Vec<OptionView> {
    (1..=TIER_MAX)
        .map(|tier| {
            let label = match tier {
                1 => String::from("Tier 1 · most critical"),
                t if t == TIER_MAX => format!("Tier {t} · least critical"),
                t => format!("Tier {t}"),
            };
            option(&tier.to_string(), &label, selected)
        })
        .collect()
}

pub fn lifecycle_options(selected: &str) -> Vec<OptionView> {
    Lifecycle::ALL
        .into_iter()
        .map(|l| {
            let label = match l {
                Lifecycle::Experimental => "Experimental",
                Lifecycle::Production => "Production",
                Lifecycle::Deprecated => "Deprecated",
            };
            option(l.as_str(), label, selected)
        })
        .collect()
}
