//! An incident's public face: the updates the communications lead
//! publishes, in customers' words, with the components they affect. This is
//! the published projection the status page reads; nothing else of the
//! incident (its notes, roles, internal timeline) ever reaches it, and drill
//! and private incidents cannot have one.

use jiff::Timestamp;

use super::history::StatusSpan;
use super::{ComponentStatus, Impact, IncidentStatus};
use crate::error::{DomainError, FieldError};
use crate::ids::{IncidentId, PublicIncidentId, PublicUpdateId, UserId};
use crate::incident::Incident;

/// The longest public update muster accepts, in characters.
pub const MAX_BODY_CHARS: usize = 5_000;
/// The longest public incident name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// One component named by an update, and the status the update gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedComponent {
    /// The component's name (its plan document's name).
    pub component: String,
    pub status: ComponentStatus,
}

/// One published update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUpdate {
    pub id: PublicUpdateId,
    pub status: IncidentStatus,
    pub body: String,
    pub components: Vec<AffectedComponent>,
    pub at: Timestamp,
    /// Who published it (never shown publicly).
    pub by: UserId,
}

/// An incident as the status page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicIncident {
    pub id: PublicIncidentId,
    /// The incident it speaks for (never shown publicly).
    pub incident: IncidentId,
    pub name: String,
    /// The worst impact it has had: it stays "major" in the history once
    /// resolved.
    pub impact: Impact,
    /// Oldest first; never empty.
    pub updates: Vec<PublicUpdate>,
    pub created_at: Timestamp,
    /// Counts writes, for optimistic concurrency.
    pub version: u64,
}

impl PublicIncident {
    fn latest(&self) -> Option<&PublicUpdate> {
        self.updates.last()
    }

    pub fn status(&self) -> IncidentStatus {
        self.latest()
            .map_or(IncidentStatus::Investigating, |u| u.status)
    }

    pub fn is_resolved(&self) -> bool {
        self.status().is_resolved()
    }

    pub fn updated_at(&self) -> Timestamp {
        self.latest().map_or(self.created_at, |u| u.at)
    }

    /// The status it gives each component now: the latest update's word,
    /// nothing once resolved.
    pub fn component_statuses(&self) -> &[AffectedComponent] {
        match self.latest() {
            Some(update) if !update.status.is_resolved() => &update.components,
            _ => &[],
        }
    }

    /// When it was resolved, if it is: the first update of its last
    /// resolved stretch (a postmortem after the resolution keeps it).
    pub fn resolved_at(&self) -> Option<Timestamp> {
        if !self.is_resolved() {
            return None;
        }
        self.updates
            .iter()
            .rev()
            .take_while(|u| u.status.is_resolved())
            .last()
            .map(|u| u.at)
    }

    /// When it first moved to monitoring.
    pub fn monitoring_at(&self) -> Option<Timestamp> {
        self.updates
            .iter()
            .find(|u| u.status == IncidentStatus::Monitoring)
            .map(|u| u.at)
    }

    /// Each stretch of time it held `component` below operational, for the
    /// 90-day history: from an update naming it until the next update.
    pub fn spans_of(&self, component: &str) -> Vec<StatusSpan> {
        let mut spans = Vec::new();
        for (i, update) in self.updates.iter().enumerate() {
            if update.status.is_resolved() {
                continue;
            }
            let Some(affected) = update
                .components
                .iter()
                .find(|c| c.component == component && c.status != ComponentStatus::Operational)
            else {
                continue;
            };
            spans.push(StatusSpan {
                status: affected.status,
                from: update.at,
                until: self.updates.get(i + 1).map(|next| next.at),
            });
        }
        spans
    }
}

/// What the communications lead writes for one update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateDraft {
    pub status: IncidentStatus,
    pub body: String,
    pub components: Vec<AffectedComponent>,
    /// The public name; the incident's title by default (first update), or
    /// the name it has.
    pub name: Option<String>,
    /// Set by hand; else the worst of the components' and the incident's
    /// earlier impact.
    pub impact: Option<Impact>,
}

/// Fresh ids for a publication: the public incident's (used only on its
/// first update) and the update's.
#[derive(Debug, Clone, Copy)]
pub struct PublicationIds {
    pub incident: PublicIncidentId,
    pub update: PublicUpdateId,
}

/// The incident's public face after `draft` is published. Drill and private
/// incidents are refused: customers never see them. `known` lists the status
/// page's components.
pub fn publish(
    current: Option<&PublicIncident>,
    incident: &Incident,
    draft: UpdateDraft,
    known: &[&str],
    ids: PublicationIds,
    by: UserId,
    now: Timestamp,
) -> Result<PublicIncident, DomainError> {
    if incident.drill {
        return Err(DomainError::transition(
            "a drill never reaches the public status page",
        ));
    }
    if incident.private {
        return Err(DomainError::transition(
            "a private incident never reaches the public status page",
        ));
    }
    let mut errors = Vec::new();
    let body = draft.body.trim().to_owned();
    if body.is_empty() {
        errors.push(FieldError::new(
            "body",
            "say what customers see and what you are doing about it",
        ));
    } else if body.chars().count() > MAX_BODY_CHARS {
        errors.push(FieldError::new(
            "body",
            format!("at most {MAX_BODY_CHARS} characters"),
        ));
    }
    let name = draft
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .or_else(|| current.map(|c| c.name.clone()))
        .unwrap_or_else(|| incident.title.trim().to_owned());
    if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            format!("at most {MAX_NAME_CHARS} characters"),
        ));
    }
    let mut components: Vec<AffectedComponent> = Vec::new();
    for (i, affected) in draft.components.into_iter().enumerate() {
        let field = format!("components[{i}]");
        let name = affected.component.trim().to_owned();
        if !known.contains(&name.as_str()) {
            errors.push(FieldError::new(
                field,
                format!(
                    "no status-page component named {name:?} (known: {})",
                    known.join(", ")
                ),
            ));
        } else if components.iter().any(|c| c.component == name) {
            errors.push(FieldError::new(field, format!("{name:?} is listed twice")));
        } else if affected.status == ComponentStatus::UnderMaintenance {
            errors.push(FieldError::new(
                format!("{field}.status"),
                "under_maintenance comes from scheduled maintenance, not from an incident",
            ));
        } else {
            // A resolution gives every component it names back.
            let status = if draft.status.is_resolved() {
                ComponentStatus::Operational
            } else {
                affected.status
            };
            components.push(AffectedComponent {
                component: name,
                status,
            });
        }
    }
    if current.is_none() && draft.status == IncidentStatus::Postmortem {
        errors.push(FieldError::new(
            "status",
            "a postmortem follows a published incident; publish what happened first",
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let derived = components
        .iter()
        .map(|c| c.status.impact())
        .max()
        .unwrap_or(Impact::None);
    let impact = draft.impact.unwrap_or_else(|| {
        current
            .map(|c| c.impact)
            .unwrap_or(Impact::None)
            .max(derived)
    });
    let update = PublicUpdate {
        id: ids.update,
        status: draft.status,
        body,
        components,
        at: now,
        by,
    };
    Ok(match current {
        Some(current) => {
            let mut next = current.clone();
            next.name = name;
            next.impact = impact;
            next.updates.push(update);
            next.version += 1;
            next
        }
        None => PublicIncident {
            id: ids.incident,
            incident: incident.id,
            name,
            impact,
            updates: vec![update],
            created_at: now,
            version: 1,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::NewIncident;
    use crate::{Actor, IncidentRules, RoleCatalog, SeverityScale, UserRole};

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    fn incident(drill: bool, private: bool) -> Incident {
        let scale = SeverityScale::standard();
        let roles = RoleCatalog::standard();
        let rules = IncidentRules {
            severities: &scale,
            roles: &roles,
        };
        let actor = Actor {
            user_id: by(),
            role: UserRole::Responder,
        };
        let input = NewIncident {
            title: "Checkout fails".into(),
            drill,
            private,
            ..NewIncident::default()
        };
        Incident::declare(
            IncidentId(uuid::Uuid::from_u128(1)),
            input,
            &actor,
            &rules,
            at(0),
        )
        .unwrap()
        .0
    }

    fn ids(n: u128) -> PublicationIds {
        PublicationIds {
            incident: PublicIncidentId(uuid::Uuid::from_u128(100)),
            update: PublicUpdateId(uuid::Uuid::from_u128(n)),
        }
    }

    fn draft(status: IncidentStatus, components: &[(&str, ComponentStatus)]) -> UpdateDraft {
        UpdateDraft {
            status,
            body: format!("We are {status}."),
            components: components
                .iter()
                .map(|(c, s)| AffectedComponent {
                    component: (*c).into(),
                    status: *s,
                })
                .collect(),
            name: None,
            impact: None,
        }
    }

    const KNOWN: [&str; 2] = ["payments", "shop"];

    fn by() -> UserId {
        UserId(uuid::Uuid::from_u128(2))
    }

    #[test]
    fn drills_and_private_incidents_never_reach_the_page() {
        for (drill, private) in [(true, false), (false, true)] {
            let error = publish(
                None,
                &incident(drill, private),
                draft(IncidentStatus::Investigating, &[]),
                &KNOWN,
                ids(1),
                by(),
                at(1),
            )
            .unwrap_err();
            assert!(error.to_string().contains("never reaches"), "{error}");
        }
    }

    #[test]
    fn an_incident_moves_through_its_updates_and_keeps_its_worst_impact() {
        use ComponentStatus::*;
        let incident = incident(false, false);
        let first = publish(
            None,
            &incident,
            draft(IncidentStatus::Investigating, &[("payments", MajorOutage)]),
            &KNOWN,
            ids(1),
            by(),
            at(1),
        )
        .unwrap();
        assert_eq!(first.name, "Checkout fails");
        assert_eq!(first.impact, Impact::Critical);
        assert_eq!(first.component_statuses()[0].status, MajorOutage);
        let monitoring = publish(
            Some(&first),
            &incident,
            draft(
                IncidentStatus::Monitoring,
                &[("payments", DegradedPerformance)],
            ),
            &KNOWN,
            ids(2),
            by(),
            at(10),
        )
        .unwrap();
        assert_eq!(monitoring.impact, Impact::Critical, "the worst is kept");
        assert_eq!(monitoring.monitoring_at(), Some(at(10)));
        assert_eq!(monitoring.version, 2);
        let resolved = publish(
            Some(&monitoring),
            &incident,
            draft(
                IncidentStatus::Resolved,
                &[("payments", DegradedPerformance)],
            ),
            &KNOWN,
            ids(3),
            by(),
            at(20),
        )
        .unwrap();
        assert!(resolved.component_statuses().is_empty());
        assert_eq!(resolved.updates[2].components[0].status, Operational);
        assert_eq!(resolved.resolved_at(), Some(at(20)));
        let postmortem = publish(
            Some(&resolved),
            &incident,
            draft(IncidentStatus::Postmortem, &[]),
            &KNOWN,
            ids(4),
            by(),
            at(60),
        )
        .unwrap();
        assert_eq!(postmortem.resolved_at(), Some(at(20)));
        let spans = postmortem.spans_of("payments");
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].from, spans[0].until), (at(1), Some(at(10))));
        assert_eq!((spans[1].from, spans[1].until), (at(10), Some(at(20))));
        assert!(postmortem.spans_of("shop").is_empty());
    }

    #[test]
    fn bad_drafts_name_every_offending_field() {
        use ComponentStatus::*;
        let mut bad = draft(
            IncidentStatus::Investigating,
            &[("nope", MajorOutage), ("shop", UnderMaintenance)],
        );
        bad.body = "  ".into();
        let Err(DomainError::Invalid(fields)) = publish(
            None,
            &incident(false, false),
            bad,
            &KNOWN,
            ids(1),
            by(),
            at(1),
        ) else {
            panic!("expected invalid fields");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["body", "components[0]", "components[1].status"]);
        let postmortem_first = publish(
            None,
            &incident(false, false),
            draft(IncidentStatus::Postmortem, &[]),
            &KNOWN,
            ids(1),
            by(),
            at(1),
        );
        assert!(postmortem_first.is_err());
    }
}
