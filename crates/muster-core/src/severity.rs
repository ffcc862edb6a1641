//! Severities are configurable, ordered records (SEV1 is the worst), not an enum.

use std::fmt;

use crate::error::{DomainError, Validation};

/// The code of a severity as users type it, e.g. `SEV1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeverityCode(String);

impl SeverityCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SeverityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One configured severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Severity {
    pub code: SeverityCode,
    pub name: String,
    pub description: String,
}

/// The ordered list of severities in force; the first entry is the most severe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityScale {
    severities: Vec<Severity>,
    default_index: usize,
}

impl SeverityScale {
    /// Builds a scale, rejecting empty lists, duplicate codes and an unknown default.
    pub fn new(severities: Vec<Severity>, default: Option<&str>) -> Result<Self, DomainError> {
        let mut validation = Validation::new();
        if severities.is_empty() {
            validation.push("severities", "at least one severity must be configured");
        }
        for (index, severity) in severities.iter().enumerate() {
            let code = severity.code.as_str();
            if !is_valid_code(code) {
                validation.push(
                    format!("severities[{index}].code"),
                    format!("expected letters, digits, '-' or '_' (1-32 chars), got {code:?}"),
                );
            }
            if severities[..index].iter().any(|s| s.code == severity.code) {
                validation.push(
                    format!("severities[{index}].code"),
                    format!("duplicate severity code {code:?}"),
                );
            }
        }
        let default_index = match default {
            None => severities.len().saturating_sub(1).min(2),
            Some(code) => match severities.iter().position(|s| s.code.as_str() == code) {
                Some(index) => index,
                None => {
                    validation.push(
                        "default_severity",
                        format!("{code:?} is not one of the configured severities"),
                    );
                    0
                }
            },
        };
        validation.finish()?;
        Ok(Self {
            severities,
            default_index,
        })
    }

    /// SEV1–SEV5 with the descriptions most incident programmes use.
    pub fn standard() -> Self {
        let entries = [
            (
                "SEV1",
                "Critical",
                "Complete outage or data loss affecting most customers; all hands.",
            ),
            (
                "SEV2",
                "Major",
                "A core function is unavailable or badly degraded for many customers.",
            ),
            (
                "SEV3",
                "Minor",
                "Partial degradation or a bug with a workaround; limited customer impact.",
            ),
            (
                "SEV4",
                "Low",
                "Minimal impact; an internal tool or a small group of customers.",
            ),
            (
                "SEV5",
                "Informational",
                "No customer impact; tracked for learning and follow-up.",
            ),
        ];
        let severities = entries
            .into_iter()
            .map(|(code, name, description)| Severity {
                code: SeverityCode::new(code),
                name: name.to_owned(),
                description: description.to_owned(),
            })
            .collect();
        Self {
            severities,
            default_index: 2,
        }
    }

    pub fn all(&self) -> &[Severity] {
        &self.severities
    }

    pub fn default_severity(&self) -> &Severity {
        &self.severities[self.default_index]
    }

    /// Looks a severity up by code, ignoring ASCII case (`sev1` finds `SEV1`).
    pub fn find(&self, code: &str) -> Option<&Severity> {
        self.severities
            .iter()
            .find(|s| s.code.as_str().eq_ignore_ascii_case(code))
    }

    /// 0 for the most severe; `None` for a code that is not configured.
    pub fn rank(&self, code: &SeverityCode) -> Option<usize> {
        self.severities.iter().position(|s| &s.code == code)
    }

    /// Resolves user input to a configured severity, with an error naming the choices.
    pub fn resolve(&self, field: &str, code: &str) -> Result<SeverityCode, DomainError> {
        self.find(code).map(|s| s.code.clone()).ok_or_else(|| {
            let known: Vec<&str> = self.severities.iter().map(|s| s.code.as_str()).collect();
            DomainError::invalid(
                field,
                format!(
                    "unknown severity {code:?}; expected one of {}",
                    known.join(", ")
                ),
            )
        })
    }
}

fn is_valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(code: &str) -> Severity {
        Severity {
            code: SeverityCode::new(code),
            name: code.to_owned(),
            description: String::new(),
        }
    }

    #[test]
    fn standard_scale_is_ordered_worst_first_and_defaults_to_sev3() {
        let scale = SeverityScale::standard();
        assert_eq!(scale.all().len(), 5);
        assert_eq!(scale.rank(&SeverityCode::new("SEV1")), Some(0));
        assert_eq!(scale.default_severity().code.as_str(), "SEV3");
    }

    #[test]
    fn lookup_ignores_case_and_unknown_codes_name_the_choices() {
        let scale = SeverityScale::standard();
        assert_eq!(scale.resolve("severity", "sev2").unwrap().as_str(), "SEV2");
        let error = scale.resolve("severity", "SEV9").unwrap_err();
        assert!(
            error.to_string().contains("SEV1, SEV2, SEV3, SEV4, SEV5"),
            "{error}"
        );
    }

    #[test]
    fn rejects_empty_duplicate_and_bad_default() {
        assert!(SeverityScale::new(vec![], None).is_err());
        assert!(SeverityScale::new(vec![sev("P1"), sev("P1")], None).is_err());
        assert!(SeverityScale::new(vec![sev("P1")], Some("P2")).is_err());
        assert!(SeverityScale::new(vec![sev("has space")], None).is_err());
        let scale = SeverityScale::new(vec![sev("P1"), sev("P2")], Some("P2")).unwrap();
        assert_eq!(scale.default_severity().code.as_str(), "P2");
    }
}
