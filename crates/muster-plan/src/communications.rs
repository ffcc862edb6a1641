//! How an incident is communicated, as the plan writes it: `UpdateTemplate`
//! documents (the words of internal updates, minijinja), and on each
//! `Severity` the update cadence (`update_every`) and the template its
//! updates use by default (`update_template`).
//!
//! ```yaml
//! kind: Severity
//! name: SEV1
//! rank: 1
//! update_every: 30m
//! update_template: sev1-internal
//! ---
//! kind: UpdateTemplate
//! name: sev1-internal
//! body: "{{ incident }} ({{ severity }}) is {{ status }}: {{ impact }}"
//! ```

use std::collections::BTreeMap;

use muster_core::plan::PlanDocument;
use muster_core::stakeholder::cadence::UpdateCadence;
use muster_core::{DomainError, Milestone, SeverityCode};
use serde_json::{Map, Value};

use crate::oncall::read::{self, Path, Reader};
use crate::plan::{Kind, rules};
use crate::stakeholders::read_with;
use crate::updates;

/// What one severity asks of updates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeverityUpdates {
    /// An update is owed this often, until resolved.
    pub cadence: Option<UpdateCadence>,
    /// The template its updates use when none is named.
    pub template: Option<String>,
}

/// The plan's templates and each severity's update rules, and the
/// documents that could not be read.
#[derive(Debug, Clone, Default)]
pub struct Communications {
    /// Template source by name; built-in names are not listed here.
    pub templates: BTreeMap<String, String>,
    pub severities: BTreeMap<SeverityCode, SeverityUpdates>,
    pub problems: Vec<String>,
}

impl Communications {
    /// The source of template `name`: the plan's own first, then the
    /// built-in ones.
    pub fn template(&self, name: &str) -> Option<&str> {
        let name = name.trim();
        self.templates
            .get(name)
            .map(String::as_str)
            .or_else(|| updates::builtin(name))
    }

    /// Every template name there is, the plan's and the built-in ones.
    pub fn template_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.templates.keys().map(String::as_str).collect();
        for name in updates::builtin_names() {
            names.push(name);
        }
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The template an update of `severity` uses when none is named.
    pub fn default_template(&self, severity: &SeverityCode) -> &str {
        self.severities
            .get(severity)
            .and_then(|s| s.template.as_deref())
            .unwrap_or(updates::DEFAULT_INTERNAL)
    }

    /// The update cadence of `severity`, if it has one.
    pub fn cadence(&self, severity: &SeverityCode) -> Option<UpdateCadence> {
        self.severities.get(severity).and_then(|s| s.cadence)
    }
}

/// Reads every `UpdateTemplate` and `Severity` among `documents`.
pub fn communications(documents: &[PlanDocument]) -> Communications {
    let mut out = Communications::default();
    for doc in documents {
        let read = if doc.kind == Kind::UpdateTemplate.as_str() {
            read_with(doc, template).map(|body| {
                out.templates.insert(doc.name.trim().to_owned(), body);
            })
        } else if doc.kind == Kind::Severity.as_str() {
            read_with(doc, severity).map(|updates| {
                out.severities
                    .insert(SeverityCode::new(doc.name.trim()), updates);
            })
        } else {
            continue;
        };
        if let Err(issues) = read {
            out.problems.push(read::summary(doc, &issues));
        }
    }
    out
}

/// The problems of one `UpdateTemplate` or `Severity` document's update
/// fields, each at its path; empty when it reads.
pub(crate) fn issues(doc: &PlanDocument) -> Vec<read::Issue> {
    let read = if doc.kind == Kind::UpdateTemplate.as_str() {
        read_with(doc, template).map(|_| ())
    } else {
        read_with(doc, severity).map(|_| ())
    };
    read.err().unwrap_or_default()
}

fn template(
    r: &mut Reader,
    _doc: &PlanDocument,
    body: &Map<String, Value>,
) -> Result<String, DomainError> {
    let root = Path::default();
    let Some(source) = r.required_str(body, &root, "body", "the template's text") else {
        return Ok(String::new());
    };
    if let Err(problem) = updates::check(source) {
        r.report(
            &root.key("body"),
            None,
            rules::INVALID_FIELD,
            format!("the template does not render: {problem}"),
        );
    }
    Ok(source.to_owned())
}

fn severity(
    r: &mut Reader,
    _doc: &PlanDocument,
    body: &Map<String, Value>,
) -> Result<SeverityUpdates, DomainError> {
    let root = Path::default();
    let mut out = SeverityUpdates::default();
    if Reader::given(body, "update_every")
        && let Some(seconds) = r.duration_seconds(body, &root, "update_every")
    {
        match UpdateCadence::new(
            jiff::SignedDuration::from_secs(seconds),
            Milestone::Resolved,
        ) {
            Ok(cadence) => out.cadence = Some(cadence),
            Err(error) => r.report(
                &root.key("update_every"),
                None,
                rules::INVALID_FIELD,
                error.message,
            ),
        }
    }
    if Reader::given(body, "update_template") {
        out.template = r
            .str(body, &root, "update_template")
            .map(|t| t.trim().to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &str, name: &str, body: Value) -> PlanDocument {
        PlanDocument {
            kind: kind.into(),
            name: name.into(),
            file: "plan/comms.yaml".into(),
            body: body.to_string(),
            owner: None,
            review_every: None,
            last_reviewed: None,
        }
    }

    #[test]
    fn severities_carry_their_cadence_and_template() {
        let read = communications(&[
            doc(
                "Severity",
                "SEV1",
                serde_json::json!({"rank": 1, "update_every": "30m", "update_template": "sev1-internal"}),
            ),
            doc("Severity", "SEV2", serde_json::json!({"rank": 2})),
            doc(
                "UpdateTemplate",
                "sev1-internal",
                serde_json::json!({"body": "{{ incident }} is {{ status }}"}),
            ),
        ]);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let sev1 = SeverityCode::new("SEV1");
        let sev2 = SeverityCode::new("SEV2");
        assert_eq!(
            read.cadence(&sev1).map(|c| c.every()),
            Some(jiff::SignedDuration::from_mins(30))
        );
        assert_eq!(read.cadence(&sev2), None);
        assert_eq!(read.default_template(&sev1), "sev1-internal");
        assert_eq!(read.default_template(&sev2), updates::DEFAULT_INTERNAL);
        assert_eq!(
            read.template("sev1-internal"),
            Some("{{ incident }} is {{ status }}")
        );
        assert!(
            read.template("internal").is_some(),
            "built-ins are there too"
        );
        assert_eq!(
            read.template_names(),
            vec!["internal", "sev1-internal", "status-page"]
        );
    }

    #[test]
    fn broken_templates_and_cadences_are_refused_where_they_are_written() {
        let broken = doc(
            "UpdateTemplate",
            "bad",
            serde_json::json!({"body": "{{ incident }}\n{% if %}"}),
        );
        let found = issues(&broken);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path.to_string(), "body");
        assert!(found[0].message.contains("line 2"), "{}", found[0].message);

        let typo = doc(
            "UpdateTemplate",
            "typo",
            serde_json::json!({"body": "{{ incident }} {{ sevrity }}"}),
        );
        assert!(
            issues_of(&typo).contains("undefined"),
            "{}",
            issues_of(&typo)
        );

        let too_often = doc(
            "Severity",
            "SEV1",
            serde_json::json!({"rank": 1, "update_every": "1m"}),
        );
        let found = issues(&too_often);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path.to_string(), "update_every");

        let unreadable = doc(
            "Severity",
            "SEV1",
            serde_json::json!({"rank": 1, "update_every": "often"}),
        );
        assert_eq!(issues(&unreadable)[0].path.to_string(), "update_every");
        let read = communications(&[unreadable]);
        assert_eq!(read.problems.len(), 1);
    }

    fn issues_of(doc: &PlanDocument) -> String {
        issues(doc)
            .iter()
            .map(|i| i.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    }
}
