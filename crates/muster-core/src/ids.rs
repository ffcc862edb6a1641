//! Typed identifiers. Fresh ids are made by the caller (UUIDv7 from the app layer),
//! never here, so the core stays free of clocks and randomness.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

uuid_id!(
    /// Identifies an incident for machines; people use [`IncidentNumber`].
    IncidentId
);
uuid_id!(
    /// Identifies a user.
    UserId
);
uuid_id!(
    /// Identifies a task (checklist item) of an incident.
    TaskId
);
uuid_id!(
    /// Identifies one timeline entry.
    TimelineEntryId
);
uuid_id!(
    /// Identifies an API token (not the secret itself).
    TokenId
);
uuid_id!(
    /// Identifies a page for machines; people use [`PageNumber`].
    PageId
);
uuid_id!(
    /// Identifies one outbox row: one message to one endpoint.
    DeliveryId
);
uuid_id!(
    /// Identifies a schedule override.
    OverrideId
);
uuid_id!(
    /// Identifies an alert integration (a configured source and its key).
    IntegrationId
);
uuid_id!(
    /// Identifies one deduplicated alert.
    AlertId
);
uuid_id!(
    /// Identifies a silence.
    SilenceId
);
uuid_id!(
    /// Identifies an incident's public face on the status page.
    PublicIncidentId
);
uuid_id!(
    /// Identifies one published status-page update (of an incident or a
    /// maintenance).
    PublicUpdateId
);
uuid_id!(
    /// Identifies a scheduled maintenance window.
    MaintenanceId
);
uuid_id!(
    /// Identifies a status-page subscriber.
    SubscriberId
);
uuid_id!(
    /// Identifies an alert group: the alerts of one storm, paged once.
    AlertGroupId
);

/// The human number of a page, shown as `P-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageNumber(pub u64);

impl fmt::Display for PageNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P-{}", self.0)
    }
}

impl FromStr for PageNumber {
    type Err = String;

    /// Accepts `P-12`, `p-12` and plain `12`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s
            .strip_prefix("P-")
            .or_else(|| s.strip_prefix("p-"))
            .unwrap_or(s);
        match digits.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(format!("expected a page number like P-12, got {s:?}")),
        }
    }
}

/// The human number of an incident, shown as `INC-42`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentNumber(pub u64);

impl fmt::Display for IncidentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INC-{}", self.0)
    }
}

impl FromStr for IncidentNumber {
    type Err = String;

    /// Accepts `INC-42`, `inc-42` and plain `42`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s
            .strip_prefix("INC-")
            .or_else(|| s.strip_prefix("inc-"))
            .unwrap_or(s);
        match digits.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(format!(
                "expected an incident number like INC-42, got {s:?}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_numbers_parse_in_every_spelling() {
        assert_eq!("INC-42".parse(), Ok(IncidentNumber(42)));
        assert_eq!("inc-7".parse(), Ok(IncidentNumber(7)));
        assert_eq!("3".parse(), Ok(IncidentNumber(3)));
        assert!("INC-0".parse::<IncidentNumber>().is_err());
        assert!("INC-".parse::<IncidentNumber>().is_err());
        assert!("abc".parse::<IncidentNumber>().is_err());
        assert_eq!(IncidentNumber(12).to_string(), "INC-12");
    }

    #[test]
    fn page_numbers_parse_in_every_spelling() {
        assert_eq!("P-12".parse(), Ok(PageNumber(12)));
        assert_eq!("p-3".parse(), Ok(PageNumber(3)));
        assert_eq!("9".parse(), Ok(PageNumber(9)));
        assert!("P-0".parse::<PageNumber>().is_err());
        assert!("INC-4".parse::<PageNumber>().is_err());
        assert_eq!(PageNumber(7).to_string(), "P-7");
    }
}
