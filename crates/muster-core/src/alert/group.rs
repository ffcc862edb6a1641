//! Alert groups: related alerts gathered so that one storm is one page.
//! Alerts join a group by the source's own group key (Alertmanager's
//! `groupKey`) or, failing that, by the values of chosen labels within a
//! window; the group's first alert pages, the rest attach to that page.

use jiff::{SignedDuration, Timestamp};

use crate::alert::Alert;

/// How an integration groups alerts that carry no group key of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    /// Alerts with equal values of these labels group together (none: each
    /// alert is its own group).
    pub by_labels: Vec<String>,
    /// A label group stays open for new alerts this long after its latest.
    pub window: SignedDuration,
}

impl Default for Grouping {
    fn default() -> Self {
        Self {
            by_labels: Vec::new(),
            window: SignedDuration::from_mins(5),
        }
    }
}

/// Which group `alert` belongs to, as a stable key.
pub fn group_key(alert: &Alert, grouping: &Grouping) -> String {
    if let Some(key) = &alert.group_key {
        return format!("source:{key}");
    }
    if grouping.by_labels.is_empty() {
        return format!("alert:{}", alert.dedup_key);
    }
    let values: Vec<String> = grouping
        .by_labels
        .iter()
        .map(|name| {
            let value = alert.labels.get(name).map_or("", String::as_str);
            format!("{name}={value:?}")
        })
        .collect();
    format!("labels:{}", values.join(","))
}

/// A group as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupState {
    pub key: String,
    pub opened_at: Timestamp,
    pub last_alert_at: Timestamp,
    /// Alerts of the group still open.
    pub open_alerts: u64,
}

/// Whether a new alert with `key` joins `latest` (the newest group stored
/// under that key) or opens a new group.
pub fn joins(latest: Option<&GroupState>, key: &str, now: Timestamp, grouping: &Grouping) -> bool {
    let Some(group) = latest.filter(|g| g.key == key) else {
        return false;
    };
    if key.starts_with("source:") {
        // The source groups: its group lasts while any of its alerts is open.
        return group.open_alerts > 0;
    }
    group.open_alerts > 0 || now.duration_since(group.last_alert_at) <= grouping.window
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::tests::alert_with;

    fn state(key: &str, last: Timestamp, open: u64) -> GroupState {
        GroupState {
            key: key.to_owned(),
            opened_at: last,
            last_alert_at: last,
            open_alerts: open,
        }
    }

    #[test]
    fn the_source_group_key_wins_then_labels_then_the_alert_itself() {
        let mut alert = alert_with(&[("cluster", "eu-1"), ("alertname", "HighLatency")]);
        let by_cluster = Grouping {
            by_labels: vec!["cluster".into(), "alertname".into()],
            ..Grouping::default()
        };
        assert_eq!(
            group_key(&alert, &by_cluster),
            r#"labels:cluster="eu-1",alertname="HighLatency""#
        );
        assert_eq!(group_key(&alert, &Grouping::default()), "alert:k");
        alert.group_key = Some("{}:{alertname=\"HighLatency\"}".into());
        assert!(group_key(&alert, &by_cluster).starts_with("source:"));
    }

    #[test]
    fn a_label_group_takes_new_alerts_within_its_window() {
        let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let grouping = Grouping::default();
        let key = "labels:cluster=\"eu-1\"";
        let quiet = state(key, now - SignedDuration::from_mins(4), 0);
        assert!(joins(Some(&quiet), key, now, &grouping));
        let stale = state(key, now - SignedDuration::from_mins(6), 0);
        assert!(!joins(Some(&stale), key, now, &grouping));
        let busy = state(key, now - SignedDuration::from_hours(3), 2);
        assert!(
            joins(Some(&busy), key, now, &grouping),
            "open alerts keep it open"
        );
        assert!(!joins(Some(&busy), "labels:other", now, &grouping));
        assert!(!joins(None, key, now, &grouping));
        let source = state("source:g", now - SignedDuration::from_mins(1), 0);
        assert!(
            !joins(Some(&source), "source:g", now, &grouping),
            "a resolved source group is done"
        );
    }
}
