//! Update cadence: a severity may require an internal update every so
//! often. When one is late, muster reminds the communications lead, and
//! when it is later still, the commander too.
//!
//! The thresholds, for an update due at `D` on a cadence of `every`:
//! - before `D`: not due;
//! - from `D`: due (shown, nobody reminded yet);
//! - from `D + min(5m, every/4)`: late, the communications lead is
//!   reminded (the commander, when nobody holds communications);
//! - from `D + every/2`: very late, the communications lead and the
//!   commander are reminded.
//!
//! So a 30-minute cadence reminds at +5 minutes and escalates at +15.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::duration::human;
use crate::error::FieldError;
use crate::ids::UserId;
use crate::milestone::{Milestone, Milestones};
use crate::role::RoleCode;

/// The shortest cadence: more often than this is not an update, it is a chat.
pub const MIN_CADENCE: SignedDuration = SignedDuration::from_mins(5);
/// The longest grace before the communications lead is reminded.
pub const MAX_GRACE: SignedDuration = SignedDuration::from_mins(5);

/// An update every `every`, until the incident reaches `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateCadence {
    every: SignedDuration,
    until: Milestone,
}

impl UpdateCadence {
    /// `every` from [`MIN_CADENCE`] to a day. `until` is usually
    /// `resolved`: people keep wanting news after the impact stops, until
    /// the cause is fixed.
    pub fn new(every: SignedDuration, until: Milestone) -> Result<Self, FieldError> {
        if every < MIN_CADENCE || every > SignedDuration::from_hours(24) {
            return Err(FieldError::new(
                "update_every",
                format!("expected 5m to 24h, got {}", human(every)),
            ));
        }
        if until <= Milestone::Detected {
            return Err(FieldError::new(
                "until",
                format!("expected acknowledged, mitigated, resolved or closed, got {until}"),
            ));
        }
        Ok(Self { every, until })
    }

    /// How often an update is owed.
    pub fn every(&self) -> SignedDuration {
        self.every
    }

    /// The milestone after which no update is owed.
    pub fn until(&self) -> Milestone {
        self.until
    }

    /// How long after the due time the communications lead is reminded.
    pub fn grace(&self) -> SignedDuration {
        (self.every / 4).min(MAX_GRACE)
    }

    /// How long after the due time the commander is reminded too.
    pub fn escalation(&self) -> SignedDuration {
        self.every / 2
    }
}

/// What a cadence decision looks at.
#[derive(Debug, Clone, Copy)]
pub struct CadenceFacts<'a> {
    /// The latest update sent, if any; the cadence counts from the
    /// declaration until there is one.
    pub last_update_at: Option<Timestamp>,
    /// When the incident was declared.
    pub declared_at: Timestamp,
    /// The milestones reached so far.
    pub milestones: &'a Milestones,
    /// Who holds which role.
    pub roles: &'a BTreeMap<RoleCode, UserId>,
}

/// How far past due a reminder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReminderLevel {
    Late,
    VeryLate,
}

/// One reminder to send. The engine sends each once, keyed by (incident,
/// `update_due_at`, `level`, `role`): a later update starts afresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub level: ReminderLevel,
    /// The role reminded, and the person holding it.
    pub role: RoleCode,
    pub user: UserId,
    /// The due time of the update that is late.
    pub update_due_at: Timestamp,
}

/// Where the cadence stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CadenceState {
    /// The incident reached the cadence's milestone: nothing more is owed.
    Stopped {
        milestone: Milestone,
        at: Timestamp,
    },
    NotDue {
        due_at: Timestamp,
    },
    /// Due since `due_at`; reminders start at `late_at`.
    Due {
        due_at: Timestamp,
        late_at: Timestamp,
    },
    /// Past the grace: remind the communications lead; the commander too
    /// from `very_late_at`. `reminders` is empty when neither role is held.
    Late {
        due_at: Timestamp,
        very_late_at: Timestamp,
        reminders: Vec<Reminder>,
    },
    /// Past half the cadence again: remind both.
    VeryLate {
        due_at: Timestamp,
        reminders: Vec<Reminder>,
    },
}

impl CadenceState {
    /// When the state next changes in a way that sends something: the
    /// engine's timer.
    pub fn next_reminder_at(&self, cadence: &UpdateCadence) -> Option<Timestamp> {
        match self {
            Self::NotDue { due_at } => due_at.checked_add(cadence.grace()).ok(),
            Self::Due { late_at, .. } => Some(*late_at),
            Self::Late { very_late_at, .. } => Some(*very_late_at),
            Self::Stopped { .. } | Self::VeryLate { .. } => None,
        }
    }

    /// The reminders this state calls for.
    pub fn reminders(&self) -> &[Reminder] {
        match self {
            Self::Late { reminders, .. } | Self::VeryLate { reminders, .. } => reminders,
            _ => &[],
        }
    }
}

/// Where `cadence` stands for an incident at `now`.
pub fn cadence_state(
    cadence: &UpdateCadence,
    facts: &CadenceFacts<'_>,
    now: Timestamp,
) -> CadenceState {
    if let Some(at) = facts.milestones.get(cadence.until) {
        return CadenceState::Stopped {
            milestone: cadence.until,
            at,
        };
    }
    let since = facts
        .last_update_at
        .map_or(facts.declared_at, |last| last.max(facts.declared_at));
    let after = |d: SignedDuration, base: Timestamp| base.checked_add(d).unwrap_or(base);
    let due_at = after(cadence.every, since);
    let late_at = after(cadence.grace(), due_at);
    let very_late_at = after(cadence.escalation(), due_at);
    if now < due_at {
        return CadenceState::NotDue { due_at };
    }
    if now < late_at {
        return CadenceState::Due { due_at, late_at };
    }
    let holder = |role: RoleCode, level: ReminderLevel| {
        facts.roles.get(&role).map(|user| Reminder {
            level,
            role: role.clone(),
            user: *user,
            update_due_at: due_at,
        })
    };
    if now < very_late_at {
        let level = ReminderLevel::Late;
        let reminder = holder(RoleCode::communications(), level)
            .or_else(|| holder(RoleCode::commander(), level));
        return CadenceState::Late {
            due_at,
            very_late_at,
            reminders: reminder.into_iter().collect(),
        };
    }
    let level = ReminderLevel::VeryLate;
    let mut reminders: Vec<Reminder> = [RoleCode::communications(), RoleCode::commander()]
        .into_iter()
        .filter_map(|role| holder(role, level))
        .collect();
    // One person holding both roles hears it once.
    reminders.dedup_by_key(|r| r.user);
    CadenceState::VeryLate { due_at, reminders }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn every_30() -> UpdateCadence {
        UpdateCadence::new(SignedDuration::from_mins(30), Milestone::Resolved).unwrap()
    }

    fn state(
        last: Option<i64>,
        milestones: &Milestones,
        roles: &BTreeMap<RoleCode, UserId>,
        now: i64,
    ) -> CadenceState {
        let facts = CadenceFacts {
            last_update_at: last.map(at),
            declared_at: at(0),
            milestones,
            roles,
        };
        cadence_state(&every_30(), &facts, at(now))
    }

    fn both_roles() -> BTreeMap<RoleCode, UserId> {
        BTreeMap::from([
            (RoleCode::commander(), user(1)),
            (RoleCode::communications(), user(2)),
        ])
    }

    fn reminded(state: &CadenceState) -> Vec<(ReminderLevel, String)> {
        state
            .reminders()
            .iter()
            .map(|r| (r.level, r.role.to_string()))
            .collect()
    }

    #[test]
    fn a_thirty_minute_cadence_reminds_at_five_past_and_escalates_at_fifteen() {
        let none = Milestones::default();
        let roles = both_roles();
        assert_eq!(
            state(None, &none, &roles, 29),
            CadenceState::NotDue { due_at: at(30) }
        );
        assert_eq!(
            state(None, &none, &roles, 30),
            CadenceState::Due {
                due_at: at(30),
                late_at: at(35)
            }
        );
        let late = state(None, &none, &roles, 35);
        assert_eq!(
            reminded(&late),
            [(ReminderLevel::Late, "communications".into())]
        );
        assert_eq!(late.next_reminder_at(&every_30()), Some(at(45)));
        let very_late = state(None, &none, &roles, 45);
        assert_eq!(
            reminded(&very_late),
            [
                (ReminderLevel::VeryLate, "communications".into()),
                (ReminderLevel::VeryLate, "commander".into())
            ]
        );
        assert_eq!(very_late.reminders()[0].update_due_at, at(30));
        assert_eq!(very_late.next_reminder_at(&every_30()), None);
    }

    #[test]
    fn an_update_resets_the_clock_and_resolution_stops_it() {
        let none = Milestones::default();
        let roles = both_roles();
        assert_eq!(
            state(Some(40), &none, &roles, 50),
            CadenceState::NotDue { due_at: at(70) }
        );
        let resolved = none.reach(Milestone::Resolved, at(60)).unwrap();
        assert_eq!(
            state(Some(0), &resolved, &roles, 200),
            CadenceState::Stopped {
                milestone: Milestone::Resolved,
                at: at(60)
            }
        );
    }

    #[test]
    fn without_a_communications_lead_the_commander_hears_first() {
        let none = Milestones::default();
        let commander_only = BTreeMap::from([(RoleCode::commander(), user(1))]);
        assert_eq!(
            reminded(&state(None, &none, &commander_only, 36)),
            [(ReminderLevel::Late, "commander".into())]
        );
        let same_person = BTreeMap::from([
            (RoleCode::commander(), user(1)),
            (RoleCode::communications(), user(1)),
        ]);
        assert_eq!(state(None, &none, &same_person, 50).reminders().len(), 1);
        let nobody = BTreeMap::new();
        assert!(state(None, &none, &nobody, 50).reminders().is_empty());
    }

    #[test]
    fn short_cadences_get_a_proportional_grace_and_nonsense_is_refused() {
        let ten = UpdateCadence::new(SignedDuration::from_mins(10), Milestone::Mitigated).unwrap();
        assert_eq!(ten.grace(), SignedDuration::from_secs(150));
        assert_eq!(ten.escalation(), SignedDuration::from_mins(5));
        let hourly =
            UpdateCadence::new(SignedDuration::from_hours(1), Milestone::Resolved).unwrap();
        assert_eq!(hourly.grace(), MAX_GRACE);
        let error =
            UpdateCadence::new(SignedDuration::from_mins(1), Milestone::Resolved).unwrap_err();
        assert_eq!(
            error.to_string(),
            "update_every: expected 5m to 24h, got 1m"
        );
        assert!(UpdateCadence::new(SignedDuration::from_mins(30), Milestone::Started).is_err());
    }

    fn stage(state: &CadenceState) -> u8 {
        match state {
            CadenceState::Stopped { .. } => 0,
            CadenceState::NotDue { .. } => 1,
            CadenceState::Due { .. } => 2,
            CadenceState::Late { .. } => 3,
            CadenceState::VeryLate { .. } => 4,
        }
    }

    proptest! {
        /// As time passes with nothing sent, the cadence only ever gets
        /// later, each reminder level comes after the due time, and the
        /// timer it gives is exactly when the next level starts.
        #[test]
        fn lateness_only_grows_and_the_timer_is_exact(
            every in 5i64..=1440,
            last in proptest::option::of(0i64..600),
            mut instants in proptest::collection::vec(0i64..3000, 1..30),
        ) {
            let cadence = UpdateCadence::new(SignedDuration::from_mins(every), Milestone::Resolved).unwrap();
            let roles = both_roles();
            let none = Milestones::default();
            let facts = CadenceFacts {
                last_update_at: last.map(at),
                declared_at: at(0),
                milestones: &none,
                roles: &roles,
            };
            instants.sort_unstable();
            let mut previous = 0;
            for minute in instants {
                let state = cadence_state(&cadence, &facts, at(minute));
                prop_assert!(stage(&state) >= previous);
                previous = stage(&state);
                if let Some(next) = state.next_reminder_at(&cadence) {
                    let then = cadence_state(&cadence, &facts, next);
                    prop_assert!(stage(&then) > stage(&state).max(2));
                    prop_assert!(!then.reminders().is_empty());
                }
            }
        }
    }
}
