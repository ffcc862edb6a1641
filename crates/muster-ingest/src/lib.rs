//! What monitoring sends, read into [`Signal`]s. One module per source:
//! [`alertmanager`] (also Grafana's webhook, the same shape), [`pagerduty`]
//! (Events API v2, with its exact response bodies), [`generic`] (any JSON,
//! picked apart by JSON pointers). Parsing is pure: bytes in, signals or a
//! [`ParseError`] naming the offending field out; nothing here can panic on
//! input (fuzzed and property-tested).

pub mod alertmanager;
pub mod generic;
pub mod pagerduty;
pub mod signature;

use jiff::Timestamp;
pub use muster_core::alert::Signal;

/// The largest body any ingest endpoint accepts.
pub const MAX_BODY: usize = 512 * 1024;

/// Why a payload was refused; `field` is a JSON path into it (`alerts[2].labels`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ParseError {
    pub field: String,
    pub message: String,
}

impl ParseError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A body that is not the JSON it should be, with serde's own words
    /// (line and column included).
    pub(crate) fn json(error: &serde_json::Error) -> Self {
        Self::new("", format!("not valid JSON for this endpoint: {error}"))
    }
}

/// Reads the instants monitoring tools write: RFC 3339 (`…Z`,
/// `…+02:00`), also with a colon-less offset (`…+0000`, as in PagerDuty's
/// own examples). Go's zero time (`0001-01-01T00:00:00Z`, Alertmanager's
/// "no end") reads as `None`.
pub fn parse_time(field: &str, text: &str) -> Result<Option<Timestamp>, ParseError> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0001-01-01") {
        return Ok(None);
    }
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(Some(at));
    }
    // `+0000` → `+00:00`.
    let cut = text.len().saturating_sub(5);
    if cut > 0 && text.is_char_boundary(cut) {
        let (head, offset) = text.split_at(text.len() - 5);
        if (offset.starts_with('+') || offset.starts_with('-'))
            && offset[1..].bytes().all(|b| b.is_ascii_digit())
        {
            let fixed = format!("{head}{}:{}", &offset[..3], &offset[3..]);
            if let Ok(at) = fixed.parse::<Timestamp>() {
                return Ok(Some(at));
            }
        }
    }
    Err(ParseError::new(
        field,
        format!("expected an RFC 3339 time such as 2026-12-01T09:30:00Z, got {text:?}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_the_forms_monitoring_writes() {
        let t = |s: &str| parse_time("t", s).unwrap().map(|t| t.to_string());
        assert_eq!(
            t("2026-11-26T17:06:35Z").as_deref(),
            Some("2026-11-26T17:06:35Z")
        );
        assert_eq!(
            t("2021-10-12T09:51:03.157076+02:00").as_deref(),
            Some("2021-10-12T07:51:03.157076Z")
        );
        assert_eq!(
            t("2015-07-17T08:42:58.315+0000").as_deref(),
            Some("2015-07-17T08:42:58.315Z")
        );
        assert_eq!(t("0001-01-01T00:00:00Z"), None);
        assert_eq!(t(""), None);
        assert_eq!(
            parse_time("payload.timestamp", "yesterday")
                .unwrap_err()
                .field,
            "payload.timestamp"
        );
    }
}
