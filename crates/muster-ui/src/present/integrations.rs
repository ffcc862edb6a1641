//! `/integrations`: each source with the URL its sender posts to, who made
//! it (by hand, or the plan, which then owns it), and the key page that
//! says once how to point the sender at muster.

use jiff::SignedDuration;
use muster_core::Timestamp;
use muster_core::duration::human;

use super::short_time;
use crate::view::{IntegrationChoices, IntegrationForm, IntegrationRow, IssuedKeyView, OptionView};

/// An integration as the page needs it; the server maps its stored record.
#[derive(Debug, Clone, Copy)]
pub struct IntegrationRecord<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    /// The path a sender posts to, `{key}` standing for the key (none in
    /// `/v2/enqueue`, which takes it as the `routing_key`).
    pub endpoint: &'a str,
    pub service: Option<&'a str>,
    pub team: Option<&'a str>,
    pub from_plan: bool,
    pub retired_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub signed: bool,
    pub interval_seconds: Option<i64>,
    pub grace_seconds: Option<i64>,
    pub last_beat_at: Option<Timestamp>,
}

/// The kinds, in the order the form offers them, with their labels.
const KINDS: [(&str, &str); 5] = [
    ("alertmanager", "Alertmanager"),
    ("grafana", "Grafana"),
    ("pagerduty_events", "PagerDuty Events v2"),
    ("generic", "Generic JSON"),
    ("heartbeat", "Heartbeat"),
];

pub fn integration_kind_label(kind: &str) -> String {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or_else(|| kind.to_owned(), |(_, label)| (*label).to_owned())
}

/// Letters, digits and dashes only, for an element id built from a name.
pub fn integration_anchor(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved
/// characters pass).
pub fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn url(public_url: &str, endpoint: &str, key: &str) -> String {
    format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        endpoint.replace("{key}", key)
    )
}

fn seconds(s: i64) -> String {
    human(SignedDuration::from_secs(s))
}

/// The list, names in order, retired integrations last.
pub fn integration_rows(
    records: &[IntegrationRecord<'_>],
    public_url: &str,
    can_edit: bool,
) -> Vec<IntegrationRow> {
    let mut sorted: Vec<&IntegrationRecord<'_>> = records.iter().collect();
    sorted.sort_by(|a, b| (a.retired_at.is_some(), a.name).cmp(&(b.retired_at.is_some(), b.name)));
    sorted
        .into_iter()
        .map(|r| {
            let (bound_to, bound_href) = match (r.service, r.team) {
                (Some(s), _) => (format!("service {s}"), format!("/services/{s}")),
                (None, Some(t)) => (format!("team {t}"), format!("/teams/{t}")),
                (None, None) => (String::from("nothing"), String::from("/catalog")),
            };
            let mut settings = Vec::new();
            if r.signed {
                settings.push(String::from("unsigned webhooks refused"));
            }
            if let Some(interval) = r.interval_seconds {
                let grace = r.grace_seconds.map(seconds).unwrap_or_default();
                settings.push(format!("a beat every {}, {grace} grace", seconds(interval)));
            }
            if r.kind == "pagerduty_events" {
                settings.push(String::from("the key is the events' routing_key"));
            }
            let (origin, origin_label) = if r.from_plan {
                ("plan", "Plan")
            } else {
                ("hand", "By hand")
            };
            IntegrationRow {
                anchor: integration_anchor(r.name),
                name: r.name.to_owned(),
                kind_label: integration_kind_label(r.kind),
                bound_to,
                bound_href,
                url: url(public_url, r.endpoint, "<key>"),
                origin,
                origin_label,
                retired: r.retired_at.map(|at| format!("Retired {}", short_time(at))),
                settings,
                last_beat: (r.kind == "heartbeat").then(|| {
                    r.last_beat_at
                        .map_or_else(|| String::from("never"), short_time)
                }),
                created: short_time(r.created_at),
                rotate_href: (can_edit && r.retired_at.is_none())
                    .then(|| format!("/integrations/{}/rotate-key", percent_encode(r.name))),
            }
        })
        .collect()
}

pub fn blank_integration_form() -> IntegrationForm {
    IntegrationForm {
        kind: String::from("alertmanager"),
        ..IntegrationForm::default()
    }
}

/// The form's selects; `services` and `teams` are slugs.
pub fn integration_choices(
    form: &IntegrationForm,
    services: &[&str],
    teams: &[&str],
) -> IntegrationChoices {
    let option = |value: String, label: String| OptionView {
        selected: form.bound == value || form.kind == value,
        title: String::new(),
        value,
        label,
    };
    IntegrationChoices {
        kinds: KINDS
            .iter()
            .map(|(k, label)| OptionView {
                value: (*k).to_owned(),
                label: (*label).to_owned(),
                title: String::new(),
                selected: form.kind == *k,
            })
            .collect(),
        services: services
            .iter()
            .map(|s| option(format!("service:{s}"), (*s).to_owned()))
            .collect(),
        teams: teams
            .iter()
            .map(|t| option(format!("team:{t}"), (*t).to_owned()))
            .collect(),
    }
}

/// The key page: the URL with the key in it and the sender's setting.
pub fn issued_key_view(
    record: &IntegrationRecord<'_>,
    key: &str,
    public_url: &str,
    rotated: bool,
) -> IssuedKeyView {
    let with_key = url(public_url, record.endpoint, key);
    let (how, snippet) = match record.kind {
        "alertmanager" => (
            "In alertmanager.yml, give a receiver a webhook:",
            format!(
                "receivers:\n  - name: muster\n    webhook_configs:\n      - url: {with_key}\n        send_resolved: true"
            ),
        ),
        "grafana" => (
            "In Grafana, add a contact point of type Webhook with this URL (method POST):",
            with_key.clone(),
        ),
        "pagerduty_events" => (
            "Point the PagerDuty Events API v2 client at muster and use the key as the routing key; in alertmanager.yml:",
            format!(
                "receivers:\n  - name: muster\n    pagerduty_configs:\n      - url: {with_key}\n        routing_key: {key}"
            ),
        ),
        "heartbeat" => (
            "Have the job post a beat at least once per interval, e.g. with cron:",
            format!("curl -fsS -X POST {with_key}"),
        ),
        _ => (
            "Post JSON to this URL; the integration's mapping picks out each field:",
            format!(
                "curl -fsS -X POST -H 'content-type: application/json' -d @alert.json {with_key}"
            ),
        ),
    };
    IssuedKeyView {
        name: record.name.to_owned(),
        kind_label: integration_kind_label(record.kind),
        rotated,
        key: key.to_owned(),
        url: with_key,
        how: how.to_owned(),
        snippet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record<'a>(name: &'a str, kind: &'a str, endpoint: &'a str) -> IntegrationRecord<'a> {
        IntegrationRecord {
            name,
            kind,
            endpoint,
            service: Some("checkout"),
            team: None,
            from_plan: false,
            retired_at: None,
            created_at: Timestamp::UNIX_EPOCH,
            signed: false,
            interval_seconds: None,
            grace_seconds: None,
            last_beat_at: None,
        }
    }

    #[test]
    fn retired_integrations_come_last_and_offer_no_new_key() {
        let mut old = record("aaa old", "alertmanager", "/ingest/alertmanager/{key}");
        old.retired_at = Some(Timestamp::UNIX_EPOCH);
        let live = record("zzz", "grafana", "/ingest/grafana/{key}");
        let rows = integration_rows(&[old, live], "https://muster.example/", true);
        assert_eq!(rows[0].name, "zzz");
        assert_eq!(rows[0].url, "https://muster.example/ingest/grafana/<key>");
        assert_eq!(
            rows[0].rotate_href.as_deref(),
            Some("/integrations/zzz/rotate-key")
        );
        assert_eq!(rows[1].anchor, "aaa-old");
        assert!(rows[1].retired.is_some() && rows[1].rotate_href.is_none());
        let read_only = integration_rows(&[live], "https://muster.example", false);
        assert!(read_only[0].rotate_href.is_none());
    }

    #[test]
    fn a_pagerduty_key_is_the_routing_key_not_part_of_the_url() {
        let pd = record("card", "pagerduty_events", "/v2/enqueue");
        let issued = issued_key_view(&pd, "0123abcd", "https://muster.example", false);
        assert_eq!(issued.url, "https://muster.example/v2/enqueue");
        assert!(
            issued.snippet.contains("routing_key: 0123abcd"),
            "{}",
            issued.snippet
        );
        let am = record("am", "alertmanager", "/ingest/alertmanager/{key}");
        let issued = issued_key_view(&am, "0123abcd", "https://muster.example", true);
        assert!(issued.url.ends_with("/ingest/alertmanager/0123abcd"));
        assert!(issued.snippet.contains("webhook_configs:"));
    }

    #[test]
    fn names_become_path_segments_and_ids() {
        assert_eq!(percent_encode("nightly backup/db"), "nightly%20backup%2Fdb");
        assert_eq!(integration_anchor("Nightly Backup"), "nightly-backup");
    }
}
