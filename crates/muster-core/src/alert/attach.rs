//! Attaching an alert to an incident by hand, as PagerDuty users merge an
//! alert into an incident: the alert's group is linked to the incident, so
//! the incident follows the group's alerts exactly as one routing opened
//! does (mitigated once they all resolve, its owner asked to confirm), and
//! later alerts of the same storm attach by themselves. An alert routing
//! never grouped (not routed yet, silenced, or resolved before it was) gets
//! a group of its own, keyed as routing would key it.
//!
//! Pure: the caller reads the alert, its group and the incident, and writes
//! the [`Attachment`] under the store's version checks.

use jiff::Timestamp;

use crate::alert::Alert;
use crate::alert::routing::AlertGroup;
use crate::ids::{AlertGroupId, IncidentId};
use crate::incident::IncidentStatus;

/// The `effect` of a group made by hand for an alert routing never grouped.
pub const ATTACHED_BY_HAND: &str = "attach";

/// The incident an alert is to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachTarget {
    pub incident: IncidentId,
    pub status: IncidentStatus,
    /// Mark the incident mitigated once every alert attached to it resolves.
    pub mitigate_on_resolve: bool,
}

/// The alert's group as stored.
#[derive(Debug, Clone, Copy)]
pub struct CurrentGroup<'a> {
    pub group: &'a AlertGroup,
    /// The incident the group follows (if any) is resolved or closed: the
    /// group may follow a new one.
    pub incident_settled: bool,
}

/// What attaching writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// The group follows that incident already: nothing to write.
    Unchanged,
    /// Write `group`: made for the alert (`new`, at version 1), or the
    /// alert's own group with the incident set and its version one up.
    Linked { group: AlertGroup, new: bool },
}

/// Why an alert cannot be attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachRefusal {
    /// The incident is resolved or closed: nothing is left for it to follow.
    IncidentSettled { status: IncidentStatus },
    /// The alert's group follows another incident, still open: an alert
    /// (and its storm) belongs to one incident.
    AttachedElsewhere { incident: IncidentId },
}

/// What attaching `alert` to `target` comes to. `key` and `fresh` name the
/// group made when the alert has none.
pub fn attach(
    alert: &Alert,
    current: Option<CurrentGroup<'_>>,
    target: AttachTarget,
    key: &str,
    fresh: AlertGroupId,
    now: Timestamp,
) -> Result<Attachment, AttachRefusal> {
    if target.status.is_settled() {
        return Err(AttachRefusal::IncidentSettled {
            status: target.status,
        });
    }
    let Some(current) = current else {
        return Ok(Attachment::Linked {
            group: AlertGroup {
                id: fresh,
                integration: alert.integration,
                key: key.to_owned(),
                opened_at: now,
                last_alert_at: now,
                effect: ATTACHED_BY_HAND.to_owned(),
                page: None,
                incident: Some(target.incident),
                mitigate_on_resolve: target.mitigate_on_resolve,
                follow_up_due: false,
                version: 1,
            },
            new: true,
        });
    };
    match current.group.incident {
        Some(incident) if incident == target.incident => Ok(Attachment::Unchanged),
        Some(incident) if !current.incident_settled => {
            Err(AttachRefusal::AttachedElsewhere { incident })
        }
        _ => {
            let mut group = current.group.clone();
            group.incident = Some(target.incident);
            group.mitigate_on_resolve = target.mitigate_on_resolve;
            group.version += 1;
            Ok(Attachment::Linked { group, new: false })
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::alert::tests::alert_with;
    use crate::ids::PageId;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + minutes * 60).unwrap()
    }

    fn incident(n: u128) -> IncidentId {
        IncidentId(Uuid::from_u128(n))
    }

    fn target(n: u128, status: IncidentStatus) -> AttachTarget {
        AttachTarget {
            incident: incident(n),
            status,
            mitigate_on_resolve: true,
        }
    }

    fn routed_group(follows: Option<IncidentId>) -> AlertGroup {
        AlertGroup {
            id: AlertGroupId(Uuid::from_u128(7)),
            integration: alert_with(&[]).integration,
            key: "source:g".into(),
            opened_at: at(0),
            last_alert_at: at(3),
            effect: "page".into(),
            page: Some(PageId(Uuid::from_u128(9))),
            incident: follows,
            mitigate_on_resolve: false,
            follow_up_due: true,
            version: 4,
        }
    }

    fn fresh() -> AlertGroupId {
        AlertGroupId(Uuid::from_u128(100))
    }

    #[test]
    fn an_alert_without_a_group_gets_one_that_follows_the_incident() {
        let alert = alert_with(&[("alertname", "TargetDown")]);
        let attached = attach(
            &alert,
            None,
            target(1, IncidentStatus::Acknowledged),
            "alert:k",
            fresh(),
            at(10),
        );
        let Ok(Attachment::Linked { group, new: true }) = attached else {
            panic!("{attached:?}");
        };
        assert_eq!(group.id, fresh());
        assert_eq!(group.integration, alert.integration);
        assert_eq!(group.key, "alert:k", "keyed as routing keys it");
        assert_eq!(group.incident, Some(incident(1)));
        assert_eq!((group.opened_at, group.last_alert_at), (at(10), at(10)));
        assert_eq!(group.effect, ATTACHED_BY_HAND);
        assert!(group.mitigate_on_resolve);
        assert!(!group.follow_up_due && group.page.is_none());
        assert_eq!(group.version, 1);
    }

    #[test]
    fn a_routed_group_keeps_its_page_and_takes_the_incident_and_the_choice() {
        let alert = alert_with(&[]);
        let stored = routed_group(None);
        let mut choice = target(1, IncidentStatus::Mitigated);
        choice.mitigate_on_resolve = true;
        let attached = attach(
            &alert,
            Some(CurrentGroup {
                group: &stored,
                incident_settled: false,
            }),
            choice,
            "ignored",
            fresh(),
            at(10),
        );
        let mut expected = stored.clone();
        expected.incident = Some(incident(1));
        expected.mitigate_on_resolve = true;
        expected.version = 5;
        assert_eq!(
            attached,
            Ok(Attachment::Linked {
                group: expected,
                new: false
            }),
            "page, key, effect and the pending follow-up stay"
        );
    }

    #[test]
    fn one_incident_per_group_and_none_that_is_over() {
        let alert = alert_with(&[]);
        let elsewhere = routed_group(Some(incident(2)));
        let current = |settled| {
            Some(CurrentGroup {
                group: &elsewhere,
                incident_settled: settled,
            })
        };
        let open = target(1, IncidentStatus::Active);
        assert_eq!(
            attach(&alert, current(false), open, "k", fresh(), at(1)),
            Err(AttachRefusal::AttachedElsewhere {
                incident: incident(2)
            })
        );
        assert!(
            matches!(
                attach(&alert, current(true), open, "k", fresh(), at(1)),
                Ok(Attachment::Linked { new: false, .. })
            ),
            "a group whose incident is over may follow a new one"
        );
        assert_eq!(
            attach(
                &alert,
                current(false),
                target(2, IncidentStatus::Active),
                "k",
                fresh(),
                at(1)
            ),
            Ok(Attachment::Unchanged),
            "attached there already"
        );
        for status in [IncidentStatus::Resolved, IncidentStatus::Closed] {
            assert_eq!(
                attach(&alert, None, target(1, status), "k", fresh(), at(1)),
                Err(AttachRefusal::IncidentSettled { status })
            );
            assert_eq!(
                attach(
                    &alert,
                    current(false),
                    target(2, status),
                    "k",
                    fresh(),
                    at(1)
                ),
                Err(AttachRefusal::IncidentSettled { status }),
                "even the incident it follows, once over"
            );
        }
    }
}
