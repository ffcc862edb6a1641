//! Scheduled maintenance: a planned window with the components it takes
//! down, announced ahead, reminded before it starts, and moved to in
//! progress and completed by the clock (the engine tells subscribers at
//! each step), unless a person moves it on by hand.

use jiff::{SignedDuration, Timestamp};

use super::history::StatusSpan;
use super::{ComponentStatus, MaintenanceStatus, maintenance_status};
use crate::error::{DomainError, FieldError};
use crate::ids::{MaintenanceId, PublicUpdateId, UserId};
use crate::status_page::publication::{MAX_BODY_CHARS, MAX_NAME_CHARS};

/// One message of a maintenance: its announcement, and each step after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceUpdate {
    pub id: PublicUpdateId,
    pub status: MaintenanceStatus,
    pub body: String,
    pub at: Timestamp,
}

/// What subscribers have been told, so the engine tells each step once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Told {
    pub reminded: bool,
    pub started: bool,
    pub completed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintenance {
    pub id: MaintenanceId,
    pub name: String,
    pub components: Vec<String>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub set_by_hand: Option<MaintenanceStatus>,
    /// Oldest first; the first is the announcement.
    pub updates: Vec<MaintenanceUpdate>,
    pub told: Told,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub version: u64,
}

impl Maintenance {
    pub fn status(&self, now: Timestamp) -> MaintenanceStatus {
        maintenance_status(self.starts_at, self.ends_at, self.set_by_hand, now)
    }

    /// Whether it holds `component` under maintenance at `now`.
    pub fn covers(&self, component: &str, now: Timestamp) -> bool {
        matches!(
            self.status(now),
            MaintenanceStatus::InProgress | MaintenanceStatus::Verifying
        ) && self.components.iter().any(|c| c == component)
    }

    pub fn updated_at(&self) -> Timestamp {
        self.updates.last().map_or(self.created_at, |u| u.at)
    }

    /// When it ended, if it has.
    pub fn completed_at(&self, now: Timestamp) -> Option<Timestamp> {
        if self.status(now) != MaintenanceStatus::Completed {
            return None;
        }
        let by_hand = self
            .updates
            .iter()
            .rev()
            .find(|u| u.status == MaintenanceStatus::Completed)
            .map(|u| u.at);
        Some(by_hand.unwrap_or(self.ends_at).min(self.ends_at))
    }

    /// The stretch it held `component`, for the 90-day history.
    pub fn span_of(&self, component: &str, now: Timestamp) -> Option<StatusSpan> {
        if !self.components.iter().any(|c| c == component) || now < self.starts_at {
            return None;
        }
        let started = self
            .updates
            .iter()
            .find(|u| u.status == MaintenanceStatus::InProgress)
            .map_or(self.starts_at, |u| u.at.min(self.starts_at));
        Some(StatusSpan {
            status: ComponentStatus::UnderMaintenance,
            from: started,
            until: self.completed_at(now),
        })
    }
}

/// A window as a person schedules it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMaintenance {
    pub name: String,
    pub body: String,
    pub components: Vec<String>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

/// The longest window muster schedules: a "maintenance" of weeks is an
/// outage by another name.
pub const MAX_WINDOW: SignedDuration = SignedDuration::from_hours(24 * 7);

/// Checks and announces a window.
pub fn schedule(
    new: NewMaintenance,
    known: &[&str],
    ids: (MaintenanceId, PublicUpdateId),
    by: UserId,
    now: Timestamp,
) -> Result<Maintenance, DomainError> {
    let mut errors = Vec::new();
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            format!("a name of 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let body = new.body.trim().to_owned();
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
        errors.push(FieldError::new(
            "body",
            format!("say what customers should expect, in 1 to {MAX_BODY_CHARS} characters"),
        ));
    }
    if new.ends_at <= new.starts_at {
        errors.push(FieldError::new("ends_at", "must be after starts_at"));
    } else if new.starts_at.duration_until(new.ends_at) > MAX_WINDOW {
        errors.push(FieldError::new("ends_at", "a window lasts at most 7 days"));
    }
    if new.ends_at <= now {
        errors.push(FieldError::new("ends_at", "the window is already over"));
    }
    let mut components: Vec<String> = Vec::new();
    for (i, component) in new.components.iter().enumerate() {
        let component = component.trim();
        if !known.contains(&component) {
            errors.push(FieldError::new(
                format!("components[{i}]"),
                format!("no status-page component named {component:?}"),
            ));
        } else if !components.iter().any(|c| c == component) {
            components.push(component.to_owned());
        }
    }
    if components.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(
            "components",
            "name the components the window takes down",
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(Maintenance {
        id: ids.0,
        name,
        components,
        starts_at: new.starts_at,
        ends_at: new.ends_at,
        set_by_hand: None,
        updates: vec![MaintenanceUpdate {
            id: ids.1,
            status: MaintenanceStatus::Scheduled,
            body,
            at: now,
        }],
        told: Told::default(),
        created_by: by,
        created_at: now,
        version: 1,
    })
}

/// What subscribers are owed about a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintenanceNotice {
    /// It starts within the reminder lead.
    Reminder,
    Started,
    Completed,
}

impl MaintenanceNotice {
    /// The words of the update the engine publishes with the notice.
    pub fn body(self, maintenance: &Maintenance) -> String {
        match self {
            Self::Reminder => format!(
                "Reminder: {} starts at {}.",
                maintenance.name,
                maintenance.starts_at.strftime("%Y-%m-%d %H:%M UTC")
            ),
            Self::Started => "Scheduled maintenance is currently in progress.".to_owned(),
            Self::Completed => "The scheduled maintenance has been completed.".to_owned(),
        }
    }
}

/// The one notice due at `now`, if any. A window whose start passed without
/// a word (muster was down) says it started; one whose end passed says only
/// that it is done.
pub fn notice_due(
    maintenance: &Maintenance,
    remind_before: SignedDuration,
    now: Timestamp,
) -> Option<MaintenanceNotice> {
    let told = maintenance.told;
    match maintenance.status(now) {
        MaintenanceStatus::Completed if !told.completed => Some(MaintenanceNotice::Completed),
        MaintenanceStatus::InProgress | MaintenanceStatus::Verifying if !told.started => {
            Some(MaintenanceNotice::Started)
        }
        MaintenanceStatus::Scheduled
            if !told.reminded
                && maintenance
                    .starts_at
                    .checked_sub(remind_before)
                    .is_ok_and(|remind_at| now >= remind_at)
                // Announced inside the lead: the announcement was the reminder.
                && maintenance
                    .starts_at
                    .checked_sub(remind_before)
                    .is_ok_and(|remind_at| maintenance.created_at < remind_at) =>
        {
            Some(MaintenanceNotice::Reminder)
        }
        _ => None,
    }
}

/// The window after the engine told `notice`: the update it published,
/// and the step marked told (a completion marks every step).
pub fn tell(
    maintenance: &Maintenance,
    notice: MaintenanceNotice,
    update: PublicUpdateId,
    now: Timestamp,
) -> Maintenance {
    let mut next = maintenance.clone();
    let status = match notice {
        MaintenanceNotice::Reminder => {
            next.told.reminded = true;
            MaintenanceStatus::Scheduled
        }
        MaintenanceNotice::Started => {
            next.told.reminded = true;
            next.told.started = true;
            MaintenanceStatus::InProgress
        }
        MaintenanceNotice::Completed => {
            next.told = Told {
                reminded: true,
                started: true,
                completed: true,
            };
            MaintenanceStatus::Completed
        }
    };
    next.updates.push(MaintenanceUpdate {
        id: update,
        status,
        body: notice.body(maintenance),
        at: now,
    });
    next.version += 1;
    next
}

/// When the engine should look at the window next: its reminder, start or
/// end, whichever it has not told yet; `None` once completed and told.
pub fn next_look(maintenance: &Maintenance, remind_before: SignedDuration) -> Option<Timestamp> {
    let told = maintenance.told;
    if told.completed {
        return None;
    }
    if told.started {
        return Some(maintenance.ends_at);
    }
    let remind_at = maintenance
        .starts_at
        .checked_sub(remind_before)
        .unwrap_or(maintenance.starts_at);
    // Announced inside the lead, it owes no reminder: the start is next.
    if told.reminded || remind_at <= maintenance.created_at {
        return Some(maintenance.starts_at);
    }
    Some(remind_at)
}

/// A person moves a window on: starts it early, says it is being
/// verified, or completes it (early, or after an overrun). Returns the
/// window with the update subscribers are told; `body` replaces the
/// standard words. A completed window moves no more, and none goes back to
/// scheduled.
pub fn move_by_hand(
    maintenance: &Maintenance,
    to: MaintenanceStatus,
    body: Option<&str>,
    update: PublicUpdateId,
    now: Timestamp,
) -> Result<Maintenance, DomainError> {
    if to == MaintenanceStatus::Scheduled {
        return Err(DomainError::invalid(
            "status",
            "a window cannot go back to scheduled; schedule a new one",
        ));
    }
    let current = maintenance.status(now);
    if current == MaintenanceStatus::Completed || maintenance.told.completed {
        return Err(DomainError::transition(
            "this maintenance is completed already",
        ));
    }
    if current == to {
        return Err(DomainError::transition(format!(
            "this maintenance is {} already",
            to.as_str()
        )));
    }
    let (notice, words) = match to {
        MaintenanceStatus::Scheduled | MaintenanceStatus::InProgress => (
            MaintenanceNotice::Started,
            MaintenanceNotice::Started.body(maintenance),
        ),
        MaintenanceStatus::Verifying => (
            MaintenanceNotice::Started,
            "The work is done; we are verifying that everything works as it should.".to_owned(),
        ),
        MaintenanceStatus::Completed => (
            MaintenanceNotice::Completed,
            MaintenanceNotice::Completed.body(maintenance),
        ),
    };
    let body = match body.map(str::trim).filter(|b| !b.is_empty()) {
        Some(body) if body.chars().count() > MAX_BODY_CHARS => {
            return Err(DomainError::invalid(
                "body",
                format!("at most {MAX_BODY_CHARS} characters"),
            ));
        }
        Some(body) => body.to_owned(),
        None => words,
    };
    let mut next = tell(maintenance, notice, update, now);
    next.set_by_hand = Some(to);
    if let Some(last) = next.updates.last_mut() {
        last.status = to;
        last.body = body;
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    fn window(created: i64, start: i64, end: i64) -> Maintenance {
        schedule(
            NewMaintenance {
                name: "Database upgrade".into(),
                body: "Checkout is unavailable while we upgrade.".into(),
                components: vec!["payments".into(), "payments".into()],
                starts_at: at(start),
                ends_at: at(end),
            },
            &["payments", "shop"],
            (
                MaintenanceId(uuid::Uuid::from_u128(1)),
                PublicUpdateId(uuid::Uuid::from_u128(2)),
            ),
            UserId(uuid::Uuid::from_u128(3)),
            at(created),
        )
        .unwrap()
    }

    fn uid(n: u128) -> PublicUpdateId {
        PublicUpdateId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn a_window_is_reminded_started_and_completed_once_each() {
        let lead = SignedDuration::from_hours(1);
        let m = window(0, 180, 240);
        assert_eq!(m.components, ["payments"], "listed once");
        assert_eq!(next_look(&m, lead), Some(at(120)));
        assert_eq!(notice_due(&m, lead, at(60)), None);
        assert_eq!(
            notice_due(&m, lead, at(125)),
            Some(MaintenanceNotice::Reminder)
        );
        let m = tell(&m, MaintenanceNotice::Reminder, uid(10), at(125));
        assert_eq!(notice_due(&m, lead, at(130)), None);
        assert_eq!(next_look(&m, lead), Some(at(180)));
        assert!(!m.covers("payments", at(179)));
        assert_eq!(
            notice_due(&m, lead, at(180)),
            Some(MaintenanceNotice::Started)
        );
        let m = tell(&m, MaintenanceNotice::Started, uid(11), at(180));
        assert!(m.covers("payments", at(200)));
        assert!(!m.covers("shop", at(200)));
        assert_eq!(
            notice_due(&m, lead, at(240)),
            Some(MaintenanceNotice::Completed)
        );
        let m = tell(&m, MaintenanceNotice::Completed, uid(12), at(241));
        assert_eq!(notice_due(&m, lead, at(300)), None);
        assert_eq!(next_look(&m, lead), None);
        assert_eq!(m.updates.len(), 4);
        let span = m.span_of("payments", at(300)).unwrap();
        assert_eq!((span.from, span.until), (at(180), Some(at(240))));
    }

    #[test]
    fn a_window_announced_inside_the_lead_is_not_reminded_and_a_missed_one_only_completes() {
        let lead = SignedDuration::from_hours(1);
        let soon = window(150, 180, 240);
        assert_eq!(notice_due(&soon, lead, at(160)), None);
        assert_eq!(next_look(&soon, lead), Some(at(180)));
        let missed = window(0, 180, 240);
        assert_eq!(
            notice_due(&missed, lead, at(500)),
            Some(MaintenanceNotice::Completed)
        );
    }

    #[test]
    fn bad_windows_are_refused_field_by_field() {
        let Err(DomainError::Invalid(fields)) = schedule(
            NewMaintenance {
                name: " ".into(),
                body: String::new(),
                components: vec!["nope".into()],
                starts_at: at(10),
                ends_at: at(5),
            },
            &["payments"],
            (MaintenanceId(uuid::Uuid::from_u128(1)), uid(2)),
            UserId(uuid::Uuid::from_u128(3)),
            at(20),
        ) else {
            panic!("expected invalid fields");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            ["name", "body", "ends_at", "ends_at", "components[0]"]
        );
    }

    #[test]
    fn a_person_starts_verifies_and_completes_a_window_by_hand() {
        let m = window(0, 180, 240);
        let early =
            move_by_hand(&m, MaintenanceStatus::InProgress, None, uid(20), at(100)).unwrap();
        assert_eq!(early.status(at(100)), MaintenanceStatus::InProgress);
        assert!(early.covers("payments", at(100)));
        assert_eq!(
            notice_due(&early, SignedDuration::from_hours(1), at(150)),
            None,
            "started and told"
        );
        let checking = move_by_hand(
            &early,
            MaintenanceStatus::Verifying,
            Some("Checking payments"),
            uid(21),
            at(200),
        )
        .unwrap();
        assert_eq!(
            checking.status(at(300)),
            MaintenanceStatus::Verifying,
            "until a person says"
        );
        assert_eq!(checking.updates.last().unwrap().body, "Checking payments");
        let done = move_by_hand(
            &checking,
            MaintenanceStatus::Completed,
            None,
            uid(22),
            at(310),
        )
        .unwrap();
        assert_eq!(done.status(at(310)), MaintenanceStatus::Completed);
        assert!(
            move_by_hand(&done, MaintenanceStatus::InProgress, None, uid(23), at(320)).is_err()
        );
        assert!(move_by_hand(&m, MaintenanceStatus::Scheduled, None, uid(24), at(10)).is_err());
        assert!(
            move_by_hand(
                &early,
                MaintenanceStatus::InProgress,
                None,
                uid(25),
                at(110)
            )
            .is_err()
        );
    }
}
