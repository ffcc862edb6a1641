//! The public page as HTML: the banner, active incidents with their
//! updates, maintenance, components with their 90-day bars and when each
//! was last verified, recent history and the subscribe forms. No
//! JavaScript: everything works as plain links and forms.

use askama::Template;
use jiff::Timestamp;
use muster_core::status_page::history::{DayBar, HISTORY_DAYS, StatusSpan, daily_history, uptime};
use muster_core::status_page::maintenance::Maintenance;
use muster_core::status_page::projection::{PageComponent, Projection};
use muster_core::status_page::publication::PublicIncident;
use muster_core::status_page::{ComponentStatus, Impact, MaintenanceStatus};

use crate::config::PageConfig;

/// What every page's frame shows.
pub struct Frame {
    pub name: String,
    pub logo_url: Option<String>,
    pub accent: String,
    pub url: String,
    pub time_zone: String,
}

impl Frame {
    pub fn of(config: &PageConfig) -> Self {
        Self {
            name: config.name.clone(),
            logo_url: config.logo_url.clone(),
            accent: config.accent.clone(),
            url: config.url.clone(),
            time_zone: config.time_zone_name.clone(),
        }
    }
}

pub struct Banner {
    pub class: &'static str,
    pub text: String,
}

pub struct Bar {
    pub class: &'static str,
    pub title: String,
}

pub struct ComponentRow {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub status: &'static str,
    pub class: &'static str,
    pub verified: String,
    pub uptime: String,
    pub bars: Vec<Bar>,
}

pub struct Group {
    pub name: Option<String>,
    pub components: Vec<ComponentRow>,
}

pub struct UpdateView {
    pub status: String,
    pub paragraphs: Vec<String>,
    pub at: String,
    pub affected: String,
}

pub struct Story {
    pub name: String,
    pub href: String,
    pub class: &'static str,
    pub status: String,
    pub when: String,
    pub updates: Vec<UpdateView>,
}

#[derive(Template)]
#[template(path = "status/index.html")]
pub struct IndexPage {
    pub frame: Frame,
    pub banner: Banner,
    pub active: Vec<Story>,
    pub maintenance: Vec<Story>,
    pub groups: Vec<Group>,
    pub recent: Vec<Story>,
    pub days: u16,
}

#[derive(Template)]
#[template(path = "status/history.html")]
pub struct HistoryPage {
    pub frame: Frame,
    pub months: Vec<(String, Vec<Story>)>,
}

#[derive(Template)]
#[template(path = "status/story.html")]
pub struct StoryPage {
    pub frame: Frame,
    pub story: Story,
}

/// A short page for the subscription flow: what happened, and at most one
/// button (a POST, so that mail scanners following links change nothing).
#[derive(Template)]
#[template(path = "status/message.html")]
pub struct MessagePage {
    pub frame: Frame,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub form: Option<(String, String)>,
}

pub fn status_class(status: ComponentStatus) -> &'static str {
    match status {
        ComponentStatus::Operational => "ok",
        ComponentStatus::UnderMaintenance => "maintenance",
        ComponentStatus::DegradedPerformance => "minor",
        ComponentStatus::PartialOutage => "major",
        ComponentStatus::MajorOutage => "critical",
    }
}

fn impact_class(impact: Impact) -> &'static str {
    match impact {
        Impact::None => "ok",
        Impact::Minor => "minor",
        Impact::Major => "major",
        Impact::Critical => "critical",
    }
}

fn words(status: &str) -> String {
    let mut chars = status.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars)
            .collect::<String>()
            .replace('_', " "),
        None => String::new(),
    }
}

fn paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

pub(crate) struct Html<'a> {
    pub projection: &'a Projection,
    pub config: &'a PageConfig,
    pub now: Timestamp,
}

impl Html<'_> {
    fn when(&self, at: Timestamp) -> String {
        at.to_zoned_datetime(self.config.time_zone.clone())
            .strftime("%b %-d, %Y %H:%M %Z")
            .to_string()
    }

    fn title_of(&self, name: &str) -> String {
        self.projection
            .components
            .iter()
            .find(|c| c.name == name)
            .map_or_else(|| name.to_owned(), |c| c.title.clone())
    }

    pub fn incident_story(&self, incident: &PublicIncident) -> Story {
        let updates = incident
            .updates
            .iter()
            .rev()
            .map(|u| UpdateView {
                status: words(u.status.as_str()),
                paragraphs: paragraphs(&u.body),
                at: self.when(u.at),
                affected: u
                    .components
                    .iter()
                    .map(|c| {
                        format!(
                            "{} ({})",
                            self.title_of(&c.component),
                            c.status.label().to_lowercase()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect();
        let when = match incident.resolved_at() {
            Some(resolved) => format!(
                "{} – {}",
                self.when(incident.created_at),
                self.when(resolved)
            ),
            None => format!("Since {}", self.when(incident.created_at)),
        };
        Story {
            name: incident.name.clone(),
            href: format!("/incidents/{}/", incident.id),
            class: if incident.is_resolved() {
                "ok"
            } else {
                impact_class(incident.impact)
            },
            status: words(incident.status().as_str()),
            when,
            updates,
        }
    }

    pub fn maintenance_story(&self, m: &Maintenance) -> Story {
        let status = m.status(self.now);
        Story {
            name: m.name.clone(),
            href: format!("/incidents/{}/", m.id),
            class: if status == MaintenanceStatus::Completed {
                "ok"
            } else {
                "maintenance"
            },
            status: words(status.as_str()),
            when: format!("{} – {}", self.when(m.starts_at), self.when(m.ends_at)),
            updates: m
                .updates
                .iter()
                .rev()
                .map(|u| UpdateView {
                    status: words(u.status.as_str()),
                    paragraphs: paragraphs(&u.body),
                    at: self.when(u.at),
                    affected: m
                        .components
                        .iter()
                        .map(|c| self.title_of(c))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .collect(),
        }
    }

    fn row(&self, component: &PageComponent) -> ComponentRow {
        let status = self.projection.status_of(component, self.now);
        let mut spans: Vec<StatusSpan> = self
            .projection
            .incidents
            .iter()
            .flat_map(|i| i.spans_of(&component.name))
            .collect();
        spans.extend(
            self.projection
                .maintenances
                .iter()
                .filter_map(|m| m.span_of(&component.name, self.now)),
        );
        let tz = &self.config.time_zone;
        let bars: Vec<DayBar> = daily_history(&spans, tz, HISTORY_DAYS, self.now);
        let share = uptime(&bars, tz, self.now);
        ComponentRow {
            name: component.name.clone(),
            title: component.title.clone(),
            description: component.description.clone(),
            status: status.label(),
            class: status_class(status),
            verified: match component.verified_at {
                Some(at) => format!("Verified {}", self.when(at)),
                None => "Not verified by a person yet".to_owned(),
            },
            // Rounded down: an outage today never reads 100.00%.
            uptime: format!(
                "{:.2}% uptime over {HISTORY_DAYS} days",
                (share * 10_000.0).floor() / 100.0
            ),
            bars: bars
                .iter()
                .map(|bar| {
                    let minutes = bar.unplanned.as_secs() / 60;
                    Bar {
                        class: status_class(bar.worst),
                        title: if bar.worst == ComponentStatus::Operational {
                            format!("{}: no incidents", bar.date)
                        } else if minutes > 0 {
                            format!("{}: {}, {minutes} min", bar.date, bar.worst.label())
                        } else {
                            format!("{}: {}", bar.date, bar.worst.label())
                        },
                    }
                })
                .collect(),
        }
    }

    fn groups(&self) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        for component in &self.projection.components {
            let row = self.row(component);
            match groups.iter_mut().find(|g| g.name == component.group) {
                Some(group) => group.components.push(row),
                None => groups.push(Group {
                    name: component.group.clone(),
                    components: vec![row],
                }),
            }
        }
        groups
    }

    pub fn index(&self) -> IndexPage {
        let banner = self.projection.page_status(self.now);
        let class = if banner.description == "Service Under Maintenance" {
            "maintenance"
        } else {
            impact_class(banner.indicator)
        };
        let week_ago = self
            .now
            .checked_sub(jiff::SignedDuration::from_hours(24 * 7))
            .unwrap_or(self.now);
        let mut maintenance: Vec<Story> = self
            .projection
            .active(self.now)
            .map(|m| self.maintenance_story(m))
            .collect();
        maintenance.extend(
            self.projection
                .upcoming(self.now)
                .map(|m| self.maintenance_story(m)),
        );
        IndexPage {
            frame: Frame::of(self.config),
            banner: Banner {
                class,
                text: banner.description.to_owned(),
            },
            active: self
                .projection
                .unresolved()
                .map(|i| self.incident_story(i))
                .collect(),
            maintenance,
            groups: self.groups(),
            recent: self
                .projection
                .incidents
                .iter()
                .filter(|i| i.is_resolved() && i.updated_at() >= week_ago)
                .map(|i| self.incident_story(i))
                .collect(),
            days: HISTORY_DAYS,
        }
    }

    pub fn history(&self) -> HistoryPage {
        let mut months: Vec<(String, Vec<Story>)> = Vec::new();
        for incident in &self.projection.incidents {
            let month = incident
                .created_at
                .to_zoned_datetime(self.config.time_zone.clone())
                .strftime("%B %Y")
                .to_string();
            let story = self.incident_story(incident);
            match months.last_mut() {
                Some((last, stories)) if *last == month => stories.push(story),
                _ => months.push((month, vec![story])),
            }
        }
        HistoryPage {
            frame: Frame::of(self.config),
            months,
        }
    }
}
