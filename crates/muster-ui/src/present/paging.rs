//! Paging views: the page list and its filter, a page with its history and
//! deliveries, an incident's pages, the one-time link pages, and the
//! notification rules editor.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use muster_core::catalog::Team;
use muster_core::oncall::escalation::NotificationRule;
use muster_core::paging::{Delivery, Page, PageEvent, PageEventKind, PageStatus, PageTarget};
use muster_core::{ContactKind, DeliveryId, User};

use super::oncall::{People, path_segment, schedule_href};
use super::people::kind_label;
use super::zoned::duration_words;
use super::{Names, option, short_time};
use crate::view::{
    ActedView, AttemptRow, DeliveryRow, FieldMessage, HistoryRow, IncidentLink, IncidentPageRow,
    LinkPageView, OptionView, PageDetailView, PageFilters, PageForm, PagePill, PageRow, RuleRow,
    RulesView, TeamRef,
};

/// Where a page's page lives: `P-12` is what people type and share.
pub fn page_href(page: &Page) -> String {
    format!("/pages/{}", page.number)
}

pub fn page_pill(status: PageStatus) -> PagePill {
    PagePill {
        code: status.as_str(),
        label: match status {
            PageStatus::Triggered => "Triggered",
            PageStatus::Acknowledged => "Acknowledged",
            PageStatus::Resolved => "Resolved",
        },
    }
}

/// "Team identity", "Ana Lovelace", and where it links.
fn target_of(target: &PageTarget, people: &People<'_>) -> (String, Option<String>) {
    match target {
        PageTarget::User(email) => (
            people.name(email),
            Some(format!("/people/{}", path_segment(email))),
        ),
        PageTarget::Team(slug) => (format!("Team {slug}"), Some(format!("/teams/{slug}"))),
        PageTarget::Service(slug) => (format!("Service {slug}"), Some(format!("/services/{slug}"))),
        PageTarget::Functionality(slug) => (
            format!("Functionality {slug}"),
            Some(format!("/functionalities/{slug}")),
        ),
        PageTarget::Schedule(name) => (format!("Schedule {name}"), Some(schedule_href(name))),
    }
}

fn incident_link(page: &Page) -> Option<IncidentLink> {
    page.incident.as_ref().map(|i| IncidentLink {
        key: i.number.to_string(),
        href: format!("/incidents/{}", i.number),
        title: i.title.clone(),
    })
}

pub fn page_rows(pages: &[Page], users: &[User]) -> Vec<PageRow> {
    let people = People::new(users);
    pages
        .iter()
        .map(|page| {
            let (target, target_href) = target_of(&page.target, &people);
            PageRow {
                key: page.number.to_string(),
                href: page_href(page),
                target,
                target_href,
                summary: page.summary.clone(),
                incident: incident_link(page),
                status: page_pill(page.status),
                steps: format!("{} of {}", page.fired, page.total_firings()),
                next_at: page.next_due_at.map(short_time),
                triggered_at: short_time(page.triggered_at),
                drill: page.drill,
            }
        })
        .collect()
}

/// The status filter of `/pages`, echoing the query.
pub fn page_filters(status: &str) -> PageFilters {
    let mut statuses = vec![option("", "Any status", status)];
    statuses.extend(
        PageStatus::ALL
            .into_iter()
            .map(|s| option(s.as_str(), page_pill(s).label, status)),
    );
    PageFilters {
        statuses,
        active: !status.is_empty(),
    }
}

fn event_label(kind: PageEventKind) -> &'static str {
    match kind {
        PageEventKind::Triggered => "Triggered",
        PageEventKind::StepFired => "Step fired",
        PageEventKind::NobodyToNotify => "Nobody to notify",
        PageEventKind::Delivered => "Delivered",
        PageEventKind::DeliveryFailed => "Delivery failed",
        PageEventKind::DeliveryDead => "Delivery gave up",
        PageEventKind::Acknowledged => "Acknowledged",
        PageEventKind::Resolved => "Resolved",
        PageEventKind::Exhausted => "Escalation exhausted",
    }
}

fn history_row(event: &PageEvent, names: &Names, people: &People<'_>) -> HistoryRow {
    let who = match (event.actor, &event.recipient) {
        (Some(actor), _) => names.of(actor),
        (None, Some(recipient)) => people.name(recipient),
        (None, None) => String::new(),
    };
    HistoryRow {
        time: event.at.strftime("%b %-d, %H:%M:%S UTC").to_string(),
        clock: event.at.strftime("%H:%M:%S").to_string(),
        at_iso: event.at.to_string(),
        kind: event.kind.as_str(),
        what: event_label(event.kind),
        who,
        sink: event.sink.clone().unwrap_or_default(),
        detail: event.detail.clone(),
    }
}

/// One send attempt, as the page shows it (the store's record, without it).
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery: DeliveryId,
    pub attempt: u32,
    pub at: Timestamp,
    /// `sent`, `retryable` or `permanent`.
    pub outcome: String,
    pub error: Option<String>,
}

/// "Step 2 of 3", with the round when the policy repeats.
fn step_words(page: &Page, fired: u32) -> Option<String> {
    let (round, index) = page.policy.position(fired)?;
    let steps = page.policy.steps().len();
    let mut words = format!("step {} of {steps}", index + 1);
    if page.policy.repeat() > 0 {
        words.push_str(&format!(
            " (round {} of {})",
            round + 1,
            page.policy.repeat() + 1
        ));
    }
    Some(words)
}

fn progress(page: &Page) -> String {
    let last = page.fired.checked_sub(1).and_then(|f| step_words(page, f));
    match page.status {
        PageStatus::Triggered => match (last, page.next_due_at) {
            (None, _) => String::from("Step 1 is about to fire."),
            (Some(last), Some(next)) => {
                let upcoming = step_words(page, page.fired).unwrap_or_default();
                format!("At {last}; {upcoming} fires at {}.", short_time(next))
            }
            (Some(last), None) => {
                format!("At {last}: every step has fired and nobody acknowledged.")
            }
        },
        PageStatus::Acknowledged => match last {
            Some(last) => format!("Acknowledged at {last}: the escalation stopped."),
            None => String::from("Acknowledged: the escalation stopped."),
        },
        PageStatus::Resolved => String::from("Resolved."),
    }
}

fn acted(
    by: Option<muster_core::UserId>,
    at: Option<Timestamp>,
    names: &Names,
) -> Option<ActedView> {
    at.map(|at| ActedView {
        by: by.map_or_else(|| String::from("muster"), |id| names.of(id)),
        at: short_time(at),
    })
}

/// What a page's page is built from.
#[derive(Debug, Clone, Copy)]
pub struct PageDetailInputs<'a> {
    pub page: &'a Page,
    pub events: &'a [PageEvent],
    pub deliveries: &'a [Delivery],
    pub attempts: &'a [AttemptRecord],
    pub users: &'a [User],
    /// The viewer may acknowledge and resolve.
    pub can_write: bool,
}

pub fn page_detail_view(inputs: PageDetailInputs<'_>) -> PageDetailView {
    let page = inputs.page;
    let names = Names::new(inputs.users);
    let people = People::new(inputs.users);
    let (target, target_href) = target_of(&page.target, &people);
    let deliveries = inputs
        .deliveries
        .iter()
        .map(|d| {
            let mut attempts: Vec<AttemptRow> = inputs
                .attempts
                .iter()
                .filter(|a| a.delivery == d.id)
                .map(|a| AttemptRow {
                    number: a.attempt,
                    at: short_time(a.at),
                    outcome: a.outcome.clone(),
                    error: a.error.clone().unwrap_or_default(),
                })
                .collect();
            attempts.sort_by_key(|a| a.number);
            DeliveryRow {
                recipient: people.name(&d.recipient),
                sink: d.destination.sink.as_str().to_owned(),
                status: d.status.as_str(),
                due: short_time(d.due_at),
                sent: d.sent_at.map(short_time),
                last_error: d.last_error.clone(),
                attempts,
            }
        })
        .collect();
    PageDetailView {
        key: page.number.to_string(),
        href: page_href(page),
        summary: page.summary.clone(),
        details: page.details.clone(),
        target,
        target_href,
        team: page.team.as_ref().map(|slug| TeamRef {
            slug: slug.to_string(),
            name: slug.to_string(),
            href: format!("/teams/{slug}"),
        }),
        policy: page.policy_name.clone(),
        incident: incident_link(page),
        drill: page.drill,
        status: page_pill(page.status),
        triggered: ActedView {
            by: page
                .triggered_by
                .map_or_else(|| String::from("muster"), |id| names.of(id)),
            at: short_time(page.triggered_at),
        },
        acknowledged: acted(page.acknowledged_by, page.acknowledged_at, &names),
        resolved: acted(page.resolved_by, page.resolved_at, &names),
        progress: progress(page),
        history: inputs
            .events
            .iter()
            .map(|e| history_row(e, &names, &people))
            .collect(),
        deliveries,
        can_acknowledge: inputs.can_write && page.status == PageStatus::Triggered,
        can_resolve: inputs.can_write && page.status != PageStatus::Resolved,
        fingerprint: format!(
            "{}-{}-{}-{}",
            page.version,
            inputs.events.len(),
            inputs.deliveries.len(),
            inputs.attempts.len()
        ),
    }
}

/// A page and its history, for an incident's "Pages" card.
#[derive(Debug, Clone, Copy)]
pub struct PageHistory<'a> {
    pub page: &'a Page,
    pub events: &'a [PageEvent],
}

/// How many history entries each page shows on its incident's page.
const RECENT: usize = 3;

pub fn incident_page_rows(pages: &[PageHistory<'_>], users: &[User]) -> Vec<IncidentPageRow> {
    let names = Names::new(users);
    let people = People::new(users);
    pages
        .iter()
        .map(|h| IncidentPageRow {
            key: h.page.number.to_string(),
            href: page_href(h.page),
            target: target_of(&h.page.target, &people).0,
            status: page_pill(h.page.status),
            acknowledged_by: h.page.acknowledged_at.map(|_| {
                h.page
                    .acknowledged_by
                    .map_or_else(|| String::from("muster"), |id| names.of(id))
            }),
            recent: h
                .events
                .iter()
                .rev()
                .take(RECENT)
                .map(|e| history_row(e, &names, &people))
                .collect(),
        })
        .collect()
}

/// The team select of "Page a team": every team, `selected` first chosen.
pub fn team_choice(teams: &[Team], selected: &str) -> Vec<OptionView> {
    let mut sorted: Vec<&Team> = teams.iter().collect();
    sorted.sort_by_key(|t| (t.name.to_lowercase(), t.slug.to_string()));
    let mut options = vec![option("", "Choose a team", selected)];
    options.extend(sorted.into_iter().map(|t| {
        let name = if t.name.trim().is_empty() {
            t.slug.to_string()
        } else {
            t.name.clone()
        };
        let mut o = option(t.slug.as_str(), &name, selected);
        if t.escalation_policy.is_none() {
            o.label.push_str(" (no escalation policy)");
        }
        o
    }));
    options
}

/// A blank "page this team" form posting to `action`.
pub fn page_form(action: String) -> PageForm {
    PageForm {
        action,
        ..PageForm::default()
    }
}

fn first_name(user: &User) -> String {
    user.name
        .split_whitespace()
        .next()
        .map_or_else(|| user.email.clone(), str::to_owned)
}

/// "03:12 CET, Tue 1 Dec", on the recipient's wall clock (UTC without one).
fn moment(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%H:%M %Z, %a %-d %b")
        .to_string()
}

/// Why a link's action is moot, if it is: "Already acknowledged by Bram at 03:12 CET, …".
pub fn already_done(page: &Page, action: &str, by: Option<&str>, tz: &TimeZone) -> Option<String> {
    let by = by.map(|n| format!(" by {n}")).unwrap_or_default();
    match (page.status, action) {
        (PageStatus::Resolved, _) => Some(format!(
            "Already resolved{by} at {}.",
            page.resolved_at.map(|t| moment(t, tz)).unwrap_or_default()
        )),
        (PageStatus::Acknowledged, "acknowledge") => Some(format!(
            "Already acknowledged{by} at {}.",
            page.acknowledged_at
                .map(|t| moment(t, tz))
                .unwrap_or_default()
        )),
        _ => None,
    }
}

/// What a one-time link shows: only the page's own summary and status, so
/// a forwarded link reveals nothing else.
pub fn link_page_view(
    page: &Page,
    action: &'static str,
    recipient: Option<&User>,
    post_href: String,
    already: Option<String>,
) -> LinkPageView {
    let verb = if action == "resolve" {
        "Resolve"
    } else {
        "Acknowledge"
    };
    LinkPageView {
        key: page.number.to_string(),
        summary: page.summary.clone(),
        incident: page
            .incident
            .as_ref()
            .map(|i| format!("{} {} {}", i.number, i.severity, i.title)),
        status: page_pill(page.status),
        recipient: recipient.map(|u| u.name.clone()),
        action,
        button: format!("{verb} {}", page.number),
        post_href,
        already,
        drill: page.drill,
    }
}

/// The thanks after a link did its work.
pub fn link_thanks(page: &Page, recipient: Option<&User>) -> (String, String) {
    let thanks = recipient
        .map(|u| format!(" — thanks, {}", first_name(u)))
        .unwrap_or_default();
    match page.status {
        PageStatus::Resolved => (
            format!("Resolved{thanks}."),
            format!(
                "{} is resolved. Nobody else will be paged for it.",
                page.number
            ),
        ),
        _ => (
            format!("Acknowledged{thanks}."),
            String::from("The escalation has stopped: nobody else will be paged."),
        ),
    }
}

/// A rule row as typed in the editor.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub kind: String,
    pub after: String,
}

fn kind_options(selected: &str) -> Vec<OptionView> {
    let mut options = vec![option("", "Choose a method", selected)];
    options.extend(
        ContactKind::ALL
            .into_iter()
            .map(|k| option(k.as_str(), kind_label(k), selected)),
    );
    options
}

/// The stored rules as editor rows.
pub fn rule_inputs(rules: &[NotificationRule]) -> Vec<RuleInput> {
    rules
        .iter()
        .map(|r| RuleInput {
            kind: r.kind.as_str().to_owned(),
            after: r.after.as_mins().to_string(),
        })
        .collect()
}

/// The rules as sentences: what happens when this person is paged.
fn rules_summary(rules: &[NotificationRule]) -> Vec<String> {
    if rules.is_empty() {
        return vec![String::from(
            "No rules: every contact method is tried at once.",
        )];
    }
    let mut sorted = rules.to_vec();
    sorted.sort_by_key(|r| r.after);
    sorted
        .iter()
        .map(|r| {
            let when = if r.after.is_zero() {
                String::from("at once")
            } else {
                format!("after {}", duration_words(r.after))
            };
            format!("{} {when}", kind_label(r.kind))
        })
        .collect()
}

/// The editor: `typed` rows (with `errors` named `rules[i].kind`,
/// `rules[i].after_minutes` or `rules[i]` by row) and one blank row to add with.
pub fn rules_view(
    stored: &[NotificationRule],
    typed: &[RuleInput],
    errors: &[FieldMessage],
    action: String,
) -> RulesView {
    let find = |field: String| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let mut rows: Vec<RuleRow> = typed
        .iter()
        .enumerate()
        .map(|(index, input)| RuleRow {
            index,
            kinds: kind_options(&input.kind),
            after: input.after.clone(),
            kind_error: find(format!("rules[{index}].kind")),
            after_error: find(format!("rules[{index}].after_minutes")),
            row_error: find(format!("rules[{index}]")),
            blank: false,
        })
        .collect();
    let index = rows.len();
    rows.push(RuleRow {
        index,
        kinds: kind_options(""),
        after: String::new(),
        kind_error: None,
        after_error: None,
        row_error: None,
        blank: true,
    });
    RulesView {
        summary: rules_summary(stored),
        rows,
        action,
        error: find(String::from("rules")),
    }
}

/// A link's time zone: its recipient's, else UTC.
pub fn zone_of(user: Option<&User>) -> TimeZone {
    user.and_then(|u| TimeZone::get(&u.time_zone).ok())
        .unwrap_or(TimeZone::UTC)
}
