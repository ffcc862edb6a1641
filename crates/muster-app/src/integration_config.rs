//! An integration's kind-specific settings: a generic integration's mapping,
//! a Grafana integration's signing secret, a heartbeat's interval and grace.
//! Checked at creation (each problem named by its field) and stored as JSON
//! in the integration's `config` column, defaults written out, so what an
//! integration does never changes under it when a default does.

use muster_core::FieldError;
use muster_core::alert::heartbeat::HeartbeatRule;
use muster_ingest::generic::Mapping;
use muster_store::alerts::Integration;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// The longest signing secret taken.
pub const MAX_SECRET: usize = 1024;

/// Settings as given at creation and as stored; which apply depends on the
/// kind, and giving one another kind has no use for is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationConfig {
    /// `generic`: where each field is in the payload; default:
    /// [`Mapping::muster_format`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
    /// `grafana`: the HMAC secret Grafana signs with; when set, unsigned or
    /// badly signed webhooks are refused. Never shown back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
    /// `grafana`: the header Grafana sends the signed timestamp in, when its
    /// contact point is set to send one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_header: Option<String>,
    /// `heartbeat`: how often a beat is expected, 10 s to 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<i64>,
    /// `heartbeat`: how late a beat may be; default a tenth of the
    /// interval, at least 5 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_seconds: Option<i64>,
}

fn not_for(field: &str, kind: &str, owner: &str) -> FieldError {
    FieldError::new(
        field,
        format!("only a {owner} integration takes {field}, not a {kind} one"),
    )
}

/// A header name as HTTP allows it (RFC 9110 token characters).
fn header_name(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= 100
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl IntegrationConfig {
    /// Checks the settings for an integration of `kind` and fills in the
    /// defaults; every problem is named by its field.
    pub fn check(self, kind: &str) -> Result<Self, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut checked = Self::default();
        if let Some(mapping) = self.mapping {
            if kind == "generic" {
                match mapping.validate("mapping") {
                    Ok(()) => checked.mapping = Some(mapping),
                    Err(e) => problems.push(FieldError::new(e.field, e.message)),
                }
            } else {
                problems.push(not_for("mapping", kind, "generic"));
            }
        } else if kind == "generic" {
            checked.mapping = Some(Mapping::muster_format());
        }
        match self.signing_secret {
            Some(_) if kind != "grafana" => {
                problems.push(not_for("signing_secret", kind, "grafana"))
            }
            Some(secret) if secret.trim().is_empty() || secret.len() > MAX_SECRET => {
                problems.push(FieldError::new(
                    "signing_secret",
                    format!("1 to {MAX_SECRET} bytes, not blank"),
                ))
            }
            secret => checked.signing_secret = secret,
        }
        match self.timestamp_header {
            Some(_) if kind != "grafana" => {
                problems.push(not_for("timestamp_header", kind, "grafana"))
            }
            Some(_) if checked.signing_secret.is_none() && problems.is_empty() => {
                problems.push(FieldError::new(
                    "timestamp_header",
                    "a timestamp header is part of a signature: give a signing_secret too",
                ))
            }
            Some(name) if !header_name(name.trim()) => problems.push(FieldError::new(
                "timestamp_header",
                format!("expected an HTTP header name such as X-Grafana-Alerting-Timestamp, got {name:?}"),
            )),
            name => checked.timestamp_header = name.map(|n| n.trim().to_owned()),
        }
        if kind == "heartbeat" {
            match HeartbeatRule::new(self.interval_seconds, self.grace_seconds) {
                Ok(rule) => {
                    checked.interval_seconds = Some(rule.interval_seconds());
                    checked.grace_seconds = Some(rule.grace_seconds());
                }
                Err(fields) => problems.extend(fields),
            }
        } else {
            for (field, given) in [
                ("interval_seconds", self.interval_seconds),
                ("grace_seconds", self.grace_seconds),
            ] {
                if given.is_some() {
                    problems.push(not_for(field, kind, "heartbeat"));
                }
            }
        }
        if problems.is_empty() {
            Ok(checked)
        } else {
            Err(problems)
        }
    }

    /// The stored form.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The settings of a stored integration (`{}` for one made before
    /// settings existed).
    pub fn of(integration: &Integration) -> Result<Self, AppError> {
        serde_json::from_str(&integration.config).map_err(|e| {
            AppError::Internal(format!(
                "integration {} has an unreadable config: {e}",
                integration.name
            ))
        })
    }

    /// The mapping a generic integration applies.
    pub fn mapping(&self) -> Mapping {
        self.mapping.clone().unwrap_or_else(Mapping::muster_format)
    }

    /// A heartbeat integration's rule; `None` when the stored settings do not
    /// make one (only possible if the database was edited by hand).
    pub fn heartbeat_rule(&self) -> Option<HeartbeatRule> {
        HeartbeatRule::new(self.interval_seconds, self.grace_seconds).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: Result<IntegrationConfig, Vec<FieldError>>) -> Vec<String> {
        result
            .expect_err("refused")
            .into_iter()
            .map(|f| f.field)
            .collect()
    }

    #[test]
    fn each_kind_takes_its_own_settings_with_defaults_written_out() {
        let generic = IntegrationConfig::default().check("generic").unwrap();
        assert_eq!(generic.mapping, Some(Mapping::muster_format()));
        let beat = IntegrationConfig {
            interval_seconds: Some(300),
            ..IntegrationConfig::default()
        }
        .check("heartbeat")
        .unwrap();
        assert_eq!(
            (beat.interval_seconds, beat.grace_seconds),
            (Some(300), Some(30))
        );
        assert_eq!(
            beat.encode(),
            r#"{"interval_seconds":300,"grace_seconds":30}"#
        );
        let signed = IntegrationConfig {
            signing_secret: Some("s3cret".into()),
            timestamp_header: Some(" X-Grafana-Alerting-Timestamp ".into()),
            ..IntegrationConfig::default()
        }
        .check("grafana")
        .unwrap();
        assert_eq!(
            signed.timestamp_header.as_deref(),
            Some("X-Grafana-Alerting-Timestamp")
        );
        assert_eq!(
            IntegrationConfig::default().check("alertmanager").unwrap(),
            IntegrationConfig::default()
        );
    }

    #[test]
    fn settings_of_another_kind_and_bad_values_are_refused_by_field() {
        let mut mapping = Mapping::muster_format();
        mapping.summary = "title".into();
        let bad = IntegrationConfig {
            mapping: Some(mapping),
            ..IntegrationConfig::default()
        };
        assert_eq!(fields(bad.clone().check("generic")), ["mapping.summary"]);
        assert_eq!(fields(bad.check("grafana")), ["mapping"]);
        assert_eq!(
            fields(IntegrationConfig::default().check("heartbeat")),
            ["interval_seconds"]
        );
        let wrong = IntegrationConfig {
            signing_secret: Some(" ".into()),
            timestamp_header: Some("X Bad".into()),
            ..IntegrationConfig::default()
        };
        assert_eq!(
            fields(wrong.clone().check("grafana")),
            ["signing_secret", "timestamp_header"]
        );
        assert_eq!(
            fields(wrong.check("heartbeat")),
            ["signing_secret", "timestamp_header", "interval_seconds"]
        );
        let stray = IntegrationConfig {
            interval_seconds: Some(60),
            ..IntegrationConfig::default()
        };
        assert_eq!(fields(stray.check("generic")), ["interval_seconds"]);
        let lone = IntegrationConfig {
            timestamp_header: Some("X-Ts".into()),
            ..IntegrationConfig::default()
        };
        assert_eq!(fields(lone.check("grafana")), ["timestamp_header"]);
    }
}
