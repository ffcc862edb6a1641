//! From the core's on-call and paging values to the API's shapes.

use jiff::civil::Weekday;
use muster_core::oncall::escalation::Target;
use muster_core::oncall::{self as core_oncall, PolicyDefinition, ScheduleDefinition};
use muster_core::paging as core;

use crate::oncall::{
    EscalationPolicy, Layer, PolicyStep, PolicyTarget, Restriction, Schedule, Shift,
};
use crate::paging::{Delivery, DeliveryAttempt, Page, PageEvent, PageIncident, PageTarget};

fn day(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "mon",
        Weekday::Tuesday => "tue",
        Weekday::Wednesday => "wed",
        Weekday::Thursday => "thu",
        Weekday::Friday => "fri",
        Weekday::Saturday => "sat",
        Weekday::Sunday => "sun",
    }
}

impl From<&core_oncall::Layer> for Layer {
    fn from(layer: &core_oncall::Layer) -> Self {
        Self {
            name: layer.name.clone(),
            participants: layer.rotation.participants().to_vec(),
            shift: layer.rotation.shift().to_string(),
            first_handoff: layer
                .rotation
                .first_handoff()
                .strftime("%Y-%m-%dT%H:%M")
                .to_string(),
            restrictions: layer
                .restrictions
                .iter()
                .map(|r| Restriction {
                    days: r.days.iter().map(|d| day(*d).to_owned()).collect(),
                    from: r.from.strftime("%H:%M").to_string(),
                    to: r.to.strftime("%H:%M").to_string(),
                })
                .collect(),
        }
    }
}

impl Schedule {
    /// A schedule and who is on call in it now (and until when).
    pub fn of(
        definition: &ScheduleDefinition,
        on_call_now: Option<String>,
        until: Option<jiff::Timestamp>,
    ) -> Self {
        Self {
            name: definition.name.clone(),
            description: definition.description.clone(),
            owner: definition.owner.clone(),
            time_zone: definition.time_zone.clone(),
            layers: definition.schedule.layers.iter().map(Layer::from).collect(),
            on_call_now,
            until,
        }
    }
}

impl From<&core_oncall::Shift> for Shift {
    fn from(shift: &core_oncall::Shift) -> Self {
        Self {
            user: shift.user.clone(),
            start: shift.start,
            end: shift.end,
        }
    }
}

fn target(target: &Target) -> PolicyTarget {
    let (kind, name) = match target {
        Target::User(name) => ("user", name),
        Target::Schedule(name) => ("schedule", name),
        Target::Team(name) => ("team", name),
    };
    PolicyTarget {
        kind: kind.into(),
        name: name.clone(),
    }
}

impl From<&PolicyDefinition> for EscalationPolicy {
    fn from(definition: &PolicyDefinition) -> Self {
        Self {
            name: definition.name.clone(),
            description: definition.description.clone(),
            owner: definition.owner.clone(),
            repeat: definition.policy.repeat(),
            steps: definition
                .policy
                .steps()
                .iter()
                .map(|step| PolicyStep {
                    targets: step.targets.iter().map(target).collect(),
                    delay_seconds: step.delay.as_secs(),
                })
                .collect(),
        }
    }
}

impl From<&core::PageTarget> for PageTarget {
    fn from(target: &core::PageTarget) -> Self {
        Self {
            kind: target.kind().to_owned(),
            name: target.name().to_owned(),
        }
    }
}

impl From<&core::Page> for Page {
    fn from(page: &core::Page) -> Self {
        Self {
            id: page.id.as_uuid(),
            number: page.number.to_string(),
            target: PageTarget::from(&page.target),
            summary: page.summary.clone(),
            details: page.details.clone(),
            incident: page.incident.as_ref().map(|i| PageIncident {
                id: i.id.as_uuid(),
                number: i.number.to_string(),
                title: i.title.clone(),
                severity: i.severity.clone(),
            }),
            drill: page.drill,
            team: page.team.as_ref().map(|t| t.as_str().to_owned()),
            policy: page.policy_name.clone(),
            status: page.status.as_str().to_owned(),
            triggered_at: page.triggered_at,
            triggered_by: page.triggered_by.map(|u| u.as_uuid()),
            acknowledged_at: page.acknowledged_at,
            acknowledged_by: page.acknowledged_by.map(|u| u.as_uuid()),
            resolved_at: page.resolved_at,
            resolved_by: page.resolved_by.map(|u| u.as_uuid()),
            steps_fired: page.fired,
            steps_total: page.total_firings(),
            next_step_at: page.next_due_at,
            version: page.version,
        }
    }
}

impl From<&core::PageEvent> for PageEvent {
    fn from(event: &core::PageEvent) -> Self {
        Self {
            at: event.at,
            kind: event.kind.as_str().to_owned(),
            actor: event.actor.map(|a| a.as_uuid()),
            recipient: event.recipient.clone(),
            sink: event.sink.clone(),
            detail: event.detail.clone(),
        }
    }
}

impl Delivery {
    /// A delivery with its attempts.
    pub fn of(delivery: &core::Delivery, attempts: Vec<DeliveryAttempt>) -> Self {
        Self {
            id: delivery.id.as_uuid(),
            recipient: delivery.recipient.clone(),
            sink: delivery.destination.sink.as_str().to_owned(),
            status: delivery.status.as_str().to_owned(),
            firing: delivery.firing,
            due_at: delivery.due_at,
            sent_at: delivery.sent_at,
            last_error: delivery.last_error.clone(),
            attempts,
        }
    }
}
