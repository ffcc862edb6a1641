//! Firing a step: turning its targets (people, schedules, teams) into the
//! people on call now, and each person's notification rules into timed
//! deliveries to their contact methods.

use jiff::Timestamp;

use super::delivery::{Destination, SinkKind};
use super::{Page, PageEvent, PageEventKind, PageStatus};
use crate::contact::{ContactKind, ContactMethod};
use crate::ids::UserId;
use crate::oncall::Schedule;
use crate::oncall::escalation::{EscalationPolicy, NotificationRule, Target, attempts};

/// A person who can be notified: an active user, their contact methods (the
/// account's email among them when they listed none) and their rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub methods: Vec<ContactMethod>,
    pub rules: Vec<NotificationRule>,
}

/// Who can be reached and how, as loaded by the engine for one cycle.
pub trait Directory {
    /// The schedule named `name`, overrides included.
    fn schedule(&self, name: &str) -> Option<&Schedule>;
    /// The escalation policy of the team with this slug.
    fn team_policy(&self, team: &str) -> Option<&EscalationPolicy>;
    /// The active user with this email.
    fn recipient(&self, email: &str) -> Option<&Recipient>;
    /// Where a chat contact method's address leads: a configured channel by
    /// name, or `slack:URL`, `teams:URL`, `matrix:!room:server`, ….
    fn chat_destination(&self, address: &str) -> Option<Destination>;
    /// The team's own channel (its name and where it leads), told once when
    /// the team is paged.
    fn team_channel(&self, team: &str) -> Option<(String, Destination)>;
    /// Whether muster can send through this sink at all (it is configured).
    fn can_send(&self, sink: SinkKind) -> bool;
}

/// One notification to send: to whom, where, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// A person's email, or a channel's name.
    pub recipient: String,
    pub user_id: Option<UserId>,
    pub destination: Destination,
    pub due_at: Timestamp,
}

/// What firing one step decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiringOutcome {
    /// The firing's number (0 for the first step of the first round): the
    /// page's `fired` count before this firing.
    pub firing: u32,
    pub round: u32,
    pub step: usize,
    /// When the step was due (the lateness is `now - due_at`).
    pub due_at: Timestamp,
    pub notify: Vec<Notify>,
    pub events: Vec<PageEvent>,
    /// The page's `fired` count afterwards.
    pub fired: u32,
    pub next_due_at: Option<Timestamp>,
}

/// Resolves one target to emails, noting what could not be resolved.
fn people(
    target: &Target,
    directory: &dyn Directory,
    now: Timestamp,
    follow_teams: bool,
    out: &mut Vec<String>,
    missing: &mut Vec<String>,
) {
    match target {
        Target::User(email) => out.push(email.to_lowercase()),
        Target::Schedule(name) => match directory.schedule(name) {
            Some(schedule) => match schedule.on_call_at(now) {
                Some(email) => out.push(email.to_lowercase()),
                None => missing.push(format!("schedule {name} has nobody on call")),
            },
            None => missing.push(format!("schedule {name} does not exist")),
        },
        Target::Team(team) if follow_teams => match directory.team_policy(team) {
            // A team is notified through the first step of its own policy;
            // teams named there are not followed again, so no loop.
            Some(policy) => match policy.steps().first() {
                Some(step) => {
                    for inner in &step.targets {
                        people(inner, directory, now, false, out, missing);
                    }
                }
                None => missing.push(format!("team {team}'s policy has no step")),
            },
            None => missing.push(format!("team {team} has no escalation policy")),
        },
        Target::Team(team) => missing.push(format!(
            "team {team} is named inside another team's first step; not followed"
        )),
    }
}

fn destination(method: &ContactMethod, directory: &dyn Directory) -> Option<Destination> {
    let sink = match method.kind {
        ContactKind::Email => SinkKind::Email,
        ContactKind::Sms => SinkKind::TwilioSms,
        ContactKind::Voice => SinkKind::TwilioVoice,
        ContactKind::Push => SinkKind::Ntfy,
        ContactKind::Chat => return directory.chat_destination(&method.address),
    };
    Some(Destination {
        sink,
        address: method.address.clone(),
    })
}

/// Fires the page's next step if it is due at `now`: who is notified, how
/// and when, what the history records, and when the step after is due. A
/// step that reaches nobody makes the next one due at once (there is no
/// point waiting on nobody). `None` when nothing is due.
pub fn fire(page: &Page, directory: &dyn Directory, now: Timestamp) -> Option<FiringOutcome> {
    if page.status != PageStatus::Triggered {
        return None;
    }
    let due_at = page.next_due_at.filter(|due| *due <= now)?;
    let (round, step_index) = page.policy.position(page.fired)?;
    let step = page.policy.steps().get(step_index)?;

    let mut emails = Vec::new();
    let mut missing = Vec::new();
    for target in &step.targets {
        people(target, directory, now, true, &mut emails, &mut missing);
    }
    let mut seen = std::collections::HashSet::new();
    emails.retain(|email| seen.insert(email.clone()));

    let mut notify = Vec::new();
    let mut events = Vec::new();
    let mut reached = Vec::new();
    for email in &emails {
        let Some(recipient) = directory.recipient(email) else {
            missing.push(format!("{email} is not an active user"));
            continue;
        };
        let before = notify.len();
        for attempt in attempts(&recipient.rules, &recipient.methods, now) {
            match destination(&attempt.method, directory) {
                Some(destination) if !directory.can_send(destination.sink) => {
                    missing.push(format!(
                        "{email}'s {} contact method cannot be used: no {} sink is configured",
                        attempt.method.kind, destination.sink
                    ));
                }
                Some(destination) => notify.push(Notify {
                    recipient: recipient.email.clone(),
                    user_id: Some(recipient.user_id),
                    destination,
                    due_at: attempt.due_at,
                }),
                None => missing.push(format!(
                    "{email}'s chat address {:?} leads to no configured channel",
                    attempt.method.address
                )),
            }
        }
        if notify.len() == before {
            missing.push(format!("{email} has no contact method muster can use"));
        } else {
            reached.push(email.clone());
        }
    }
    let mut told = None;
    if page.fired == 0
        && let Some(team) = &page.team
        && let Some((name, destination)) = directory.team_channel(team.as_str())
        && directory.can_send(destination.sink)
    {
        told = Some(name.clone());
        notify.push(Notify {
            recipient: name,
            user_id: None,
            destination,
            due_at: now,
        });
    }

    let steps = page.policy.steps().len();
    let rounds = page.policy.repeat() + 1;
    let place = if rounds > 1 {
        format!(
            "step {} of {steps}, round {} of {rounds}",
            step_index + 1,
            round + 1
        )
    } else {
        format!("step {} of {steps}", step_index + 1)
    };
    let mut detail = if reached.is_empty() {
        format!("{place}: nobody to notify")
    } else {
        format!("{place}: notifying {}", reached.join(", "))
    };
    if let Some(channel) = told {
        detail.push_str(&format!("; telling {channel}"));
    }
    events.push(PageEvent::new(now, PageEventKind::StepFired, detail));
    for reason in missing {
        events.push(PageEvent::new(now, PageEventKind::NobodyToNotify, reason));
    }
    let fired = page.fired + 1;
    let next_due_at = if fired >= page.total_firings() {
        events.push(PageEvent::new(
            now,
            PageEventKind::Exhausted,
            "every step has fired; nobody further to page",
        ));
        None
    } else if reached.is_empty() {
        Some(now)
    } else {
        // On time, the cadence holds (due + delay). Late (the engine was
        // down), the people just notified still get the whole delay to
        // answer before the next step: steps never fire back to back.
        let on_cadence = due_at.saturating_add(step.delay).unwrap_or(due_at);
        Some(if on_cadence > now {
            on_cadence
        } else {
            now.saturating_add(step.delay).unwrap_or(now)
        })
    };
    Some(FiringOutcome {
        firing: page.fired,
        round,
        step: step_index,
        due_at,
        notify,
        events,
        fired,
        next_due_at,
    })
}
