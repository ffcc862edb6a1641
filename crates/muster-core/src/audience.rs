//! Who an incident may reach. A real incident may reach anyone the plan
//! names; a drill only the people taking part in it, so practice never
//! wakes legal or posts in a leadership channel.

use std::collections::BTreeSet;

/// The people an incident's messages and calls may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// A real incident: everyone the plan names.
    Everyone,
    /// A drill: only these people (lowercase emails), its participants.
    DrillParticipants(BTreeSet<String>),
}

impl Audience {
    /// The audience of an incident: everyone, unless it is a drill.
    /// `participants` are the drill's participants by email, in any case.
    pub fn of_incident<'a>(drill: bool, participants: impl IntoIterator<Item = &'a str>) -> Self {
        if drill {
            Self::DrillParticipants(
                participants
                    .into_iter()
                    .map(|email| email.trim().to_lowercase())
                    .collect(),
            )
        } else {
            Self::Everyone
        }
    }

    /// Whether only a drill's participants may be reached.
    pub fn is_drill(&self) -> bool {
        matches!(self, Self::DrillParticipants(_))
    }

    /// Whether the person with this email may be reached.
    pub fn reaches(&self, email: &str) -> bool {
        match self {
            Self::Everyone => true,
            Self::DrillParticipants(participants) => {
                participants.contains(&email.trim().to_lowercase())
            }
        }
    }

    /// Whether a shared destination (a chat channel, a webhook, a team's
    /// pager) may be reached. In a drill it never may: nobody can tell who
    /// reads it.
    pub fn reaches_shared(&self) -> bool {
        matches!(self, Self::Everyone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_incident_reaches_everyone() {
        let audience = Audience::of_incident(false, ["ana@example.com"]);
        assert!(audience.reaches("counsel@example.com"));
        assert!(audience.reaches_shared());
        assert!(!audience.is_drill());
    }

    #[test]
    fn a_drill_reaches_only_its_participants_in_any_case() {
        let audience = Audience::of_incident(true, ["Ana@Example.com "]);
        assert!(audience.reaches("ana@example.com"));
        assert!(audience.reaches(" ANA@example.com"));
        assert!(!audience.reaches("counsel@example.com"));
        assert!(!audience.reaches_shared());
    }
}
