//! The status-page card of an incident, from the core's public incident
//! and the plan's components.

use muster_core::Incident;
use muster_core::status_page::publication::PublicIncident;
use muster_core::status_page::{ComponentStatus, IncidentStatus};

use super::zoned::utc;
use crate::view::{ComponentChoice, DraftView, OptionView, PublishedView, StatusPageCard};

/// What the card is made from.
pub struct StatusCardInputs<'a> {
    pub incident: &'a Incident,
    pub public: Option<&'a PublicIncident>,
    /// (component, text, at) of each draft waiting for a person.
    pub drafts: &'a [(String, String, jiff::Timestamp)],
    /// (name, title) of each component of the page.
    pub components: &'a [(String, String)],
    /// The public site's address, without a trailing slash.
    pub site: &'a str,
}

fn option(value: &str, label: &str, selected: bool) -> OptionView {
    OptionView {
        value: value.to_owned(),
        label: label.to_owned(),
        title: String::new(),
        selected,
    }
}

pub fn status_page_card(inputs: StatusCardInputs<'_>) -> StatusPageCard {
    let incident = inputs.incident;
    let current = inputs.public.map(PublicIncident::status);
    // The next status a lead most likely means: the one it has, or the
    // first for a first publication.
    let suggested = current.unwrap_or(IncidentStatus::Investigating);
    let now_of = |name: &str| {
        inputs.public.and_then(|p| {
            p.component_statuses()
                .iter()
                .find(|c| c.component == name)
                .map(|c| c.status)
        })
    };
    let withheld = if incident.drill {
        Some("A drill never reaches the public status page.".to_owned())
    } else if incident.private {
        Some("A private incident never reaches the public status page.".to_owned())
    } else {
        None
    };
    StatusPageCard {
        href: format!("/incidents/{}/status-page", incident.number),
        published: inputs.public.map(|p| PublishedView {
            name: p.name.clone(),
            status: p.status().as_str().replace('_', " "),
            impact: p.impact.as_str().to_owned(),
            url: format!("{}/incidents/{}/", inputs.site, p.id),
            latest: p.updates.last().map(|u| u.body.clone()).unwrap_or_default(),
            latest_at: p.updates.last().map(|u| utc(u.at)).unwrap_or_default(),
        }),
        drafts: inputs
            .drafts
            .iter()
            .map(|(component, text, at)| DraftView {
                component: component.clone(),
                text: text.clone(),
                at: utc(*at),
            })
            .collect(),
        withheld,
        statuses: IncidentStatus::ALL
            .iter()
            .map(|s| option(s.as_str(), &s.as_str().replace('_', " "), *s == suggested))
            .collect(),
        components: inputs
            .components
            .iter()
            .map(|(name, title)| {
                let now = now_of(name);
                let mut options = vec![option("", "not affected", now.is_none())];
                options.extend(
                    [
                        ComponentStatus::DegradedPerformance,
                        ComponentStatus::PartialOutage,
                        ComponentStatus::MajorOutage,
                        ComponentStatus::Operational,
                    ]
                    .iter()
                    .map(|s| option(s.as_str(), &s.label().to_lowercase(), now == Some(*s))),
                );
                ComponentChoice {
                    name: name.clone(),
                    title: title.clone(),
                    options,
                }
            })
            .collect(),
        body: inputs
            .drafts
            .last()
            .map(|(_, text, _)| text.clone())
            .unwrap_or_default(),
        preview: None,
    }
}
