//! Stakeholder groups and when they hear about an incident: by severity,
//! immediately, after some minutes unless it is mitigated by then, or in a
//! digest on the next business morning in the group's time zone. A drill
//! reaches only the group's members who take part in it.
//!
//! `cadence` says when the next internal update is owed and whom to
//! remind when it is late.

mod business_morning;
/// When internal updates are owed, and whom to remind when they are late.
pub mod cadence;

use std::fmt;
use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

pub use business_morning::{BUSINESS_DAYS, BUSINESS_MORNING, next_business_morning};

use crate::audience::Audience;
use crate::error::{DomainError, Validation};
use crate::milestone::{Milestone, Milestones};
use crate::severity::{SeverityCode, SeverityScale};
use crate::text;
use crate::user;

/// The longest a policy may wait (a week, as the plan allows).
pub const MAX_AFTER_MINUTES: u32 = 10_080;

/// How a group is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChannelKind {
    Email,
    Webhook,
    Slack,
    Teams,
    Matrix,
}

impl ChannelKind {
    /// Every kind, in the plan's order.
    pub const ALL: [ChannelKind; 5] = [
        Self::Email,
        Self::Webhook,
        Self::Slack,
        Self::Teams,
        Self::Matrix,
    ];

    /// The plan's word for it, which is also the sink's.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
            Self::Slack => "slack",
            Self::Teams => "teams",
            Self::Matrix => "matrix",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChannelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown channel {s:?}; expected one of email, webhook, slack, teams, matrix"
                )
            })
    }
}

/// Where a group's messages go: an address, a URL, a chat channel or room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeholderChannel {
    pub kind: ChannelKind,
    /// An email address, a URL, `#channel` or a room, by kind.
    pub target: String,
}

/// When a policy sends the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateWhen {
    /// As the incident is declared (or reaches the severity).
    Immediately,
    /// This many minutes after declaration, unless mitigated by then.
    AfterMinutes(u32),
    /// In a digest at the next business morning in the group's time zone.
    NextBusinessMorning,
}

/// For these severities, send at this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeholderPolicy {
    /// The severities it covers (exact codes, not "at least").
    pub severities: Vec<SeverityCode>,
    pub when: UpdateWhen,
}

/// A validated stakeholder group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeholderGroup {
    name: String,
    members: Vec<String>,
    channels: Vec<StakeholderChannel>,
    time_zone: Option<TimeZone>,
    policies: Vec<StakeholderPolicy>,
}

impl StakeholderGroup {
    /// Checks members are email addresses (kept lowercase), channels have a
    /// target (email ones an address), there is a policy, waits are 1 to
    /// [`MAX_AFTER_MINUTES`], and a next-business-morning policy has the
    /// group's time zone.
    pub fn new(
        name: impl Into<String>,
        members: Vec<String>,
        channels: Vec<StakeholderChannel>,
        time_zone: Option<TimeZone>,
        policies: Vec<StakeholderPolicy>,
    ) -> Result<Self, DomainError> {
        let name = name.into();
        let mut validation = Validation::new();
        validation.check(text::required("name", &name, text::TITLE_MAX));
        let members: Vec<String> = members
            .iter()
            .enumerate()
            .filter_map(|(i, m)| validation.check(user::email(&format!("members[{i}]"), m)))
            .collect();
        for (index, channel) in channels.iter().enumerate() {
            let field = format!("channels[{index}].target");
            if channel.kind == ChannelKind::Email {
                validation.check(user::email(&field, &channel.target));
            } else {
                validation.check(text::required(&field, &channel.target, text::TITLE_MAX));
            }
        }
        if policies.is_empty() {
            validation.push("policies", "list at least one notification policy");
        }
        for (index, policy) in policies.iter().enumerate() {
            match policy.when {
                UpdateWhen::AfterMinutes(minutes)
                    if !(1..=MAX_AFTER_MINUTES).contains(&minutes) =>
                {
                    validation.push(
                        format!("policies[{index}].when.after_minutes"),
                        format!("expected 1 to {MAX_AFTER_MINUTES} minutes, got {minutes}"),
                    );
                }
                UpdateWhen::NextBusinessMorning if time_zone.is_none() => validation.push(
                    format!("policies[{index}].when"),
                    "next_business_morning needs the group's time_zone",
                ),
                _ => {}
            }
        }
        validation.finish()?;
        Ok(Self {
            name,
            members,
            channels,
            time_zone,
            policies,
        })
    }

    /// The group's name, unique in the plan.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its people, by lowercase email.
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// Where its messages go besides each member.
    pub fn channels(&self) -> &[StakeholderChannel] {
        &self.channels
    }

    /// The zone its business mornings are in.
    pub fn time_zone(&self) -> Option<&TimeZone> {
        self.time_zone.as_ref()
    }

    /// Its policies; the first one listing a severity applies.
    pub fn policies(&self) -> &[StakeholderPolicy] {
        &self.policies
    }

    /// The first policy listing `severity`, if any.
    pub fn policy_for(&self, severity: &SeverityCode) -> Option<&StakeholderPolicy> {
        self.policies
            .iter()
            .find(|p| p.severities.contains(severity))
    }

    /// Refuses severities the scale does not have.
    pub fn check(&self, scale: &SeverityScale) -> Result<(), DomainError> {
        let mut validation = Validation::new();
        for (index, policy) in self.policies.iter().enumerate() {
            for code in &policy.severities {
                if let Err(error) =
                    scale.resolve(&format!("policies[{index}].severities"), code.as_str())
                {
                    error
                        .into_fields()
                        .into_iter()
                        .for_each(|e| validation.push(e.field, e.message));
                }
            }
        }
        validation.finish()
    }

    /// Whom a message may go to: everyone and every channel for a real
    /// incident; in a drill only members taking part, and of the channels
    /// only email to one of them (a chat channel or webhook reaches people
    /// the drill does not include).
    pub fn recipients(&self, audience: &Audience) -> Recipients {
        Recipients {
            members: self
                .members
                .iter()
                .filter(|m| audience.reaches(m))
                .cloned()
                .collect(),
            channels: self
                .channels
                .iter()
                .filter(|c| {
                    audience.reaches_shared()
                        || (c.kind == ChannelKind::Email && audience.reaches(&c.target))
                })
                .cloned()
                .collect(),
        }
    }
}

/// The people and channels one update goes to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    /// People, by email.
    pub members: Vec<String>,
    /// Channels, sent to as a whole.
    pub channels: Vec<StakeholderChannel>,
}

impl Recipients {
    /// Nobody and nothing to send to.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.channels.is_empty()
    }
}

/// What a stakeholder update decision looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateFacts {
    /// The incident's current severity.
    pub severity: SeverityCode,
    /// Waits and business mornings count from here.
    pub declared_at: Timestamp,
    pub milestones: Milestones,
    /// Everyone, or a drill's participants.
    pub audience: Audience,
}

/// When (and whether) a group hears about an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StakeholderUpdate {
    /// No policy of the group lists the severity.
    NotCovered,
    /// The incident was mitigated before the group's wait was over.
    NotNeeded {
        mitigated_at: Timestamp,
        would_have_been_due_at: Timestamp,
    },
    /// A drill, and nobody this group would reach takes part in it.
    WithheldFromDrill,
    /// Send now; it has been due since `due_at`.
    SendNow {
        due_at: Timestamp,
        digest: bool,
        recipients: Recipients,
    },
    /// Send at `at`. Decide again then: the incident may be mitigated by
    /// then, its severity changed, or a drill's participants grown.
    SendAt {
        at: Timestamp,
        digest: bool,
        recipients: Recipients,
    },
}

impl StakeholderUpdate {
    /// When it is (or was) due, for "what's next" and the engine's timer.
    pub fn due_at(&self) -> Option<Timestamp> {
        match self {
            Self::SendNow { due_at, .. } => Some(*due_at),
            Self::SendAt { at, .. } => Some(*at),
            _ => None,
        }
    }
}

/// When `group` should hear about an incident, as of `now`. Waits count
/// from the declaration, so raising the severity into a policy whose wait
/// has passed sends at once. A digest is always sent, mitigated or not:
/// its readers want to know what happened. The caller records a sent
/// update and does not ask again for that group; digests due at the same
/// morning are meant to be sent as one message.
pub fn update_due(
    group: &StakeholderGroup,
    facts: &UpdateFacts,
    now: Timestamp,
) -> StakeholderUpdate {
    let Some(policy) = group.policy_for(&facts.severity) else {
        return StakeholderUpdate::NotCovered;
    };
    let recipients = group.recipients(&facts.audience);
    if recipients.is_empty() && facts.audience.is_drill() {
        return StakeholderUpdate::WithheldFromDrill;
    }
    let (due_at, digest) = match policy.when {
        UpdateWhen::Immediately => (facts.declared_at, false),
        UpdateWhen::AfterMinutes(minutes) => {
            let wait = SignedDuration::from_mins(i64::from(minutes));
            let due_at = facts
                .declared_at
                .checked_add(wait)
                .unwrap_or(facts.declared_at);
            if let Some(mitigated_at) = facts.milestones.get(Milestone::Mitigated)
                && mitigated_at <= due_at
            {
                return StakeholderUpdate::NotNeeded {
                    mitigated_at,
                    would_have_been_due_at: due_at,
                };
            }
            (due_at, false)
        }
        UpdateWhen::NextBusinessMorning => {
            // Validation makes sure of a time zone; should one be missing,
            // UTC mornings beat never telling the group.
            let tz = group.time_zone.clone().unwrap_or(TimeZone::UTC);
            let morning =
                next_business_morning(&tz, facts.declared_at).unwrap_or(facts.declared_at);
            (morning, true)
        }
    };
    if due_at <= now {
        StakeholderUpdate::SendNow {
            due_at,
            digest,
            recipients,
        }
    } else {
        StakeholderUpdate::SendAt {
            at: due_at,
            digest,
            recipients,
        }
    }
}

#[cfg(test)]
mod tests;
