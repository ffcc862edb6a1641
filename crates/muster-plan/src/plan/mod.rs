//! The incident plan as code: a folder of YAML documents describing the
//! whole incident process, read into a [`Plan`], checked by [`validate`],
//! reviewed on schedule ([`stale`]), and searched for stretches with nobody
//! on call ([`schedule_gaps`], warnings rather than errors).
//!
//! Every document has `kind:` and `name:`; a file may hold several documents
//! separated by `---`. [`load`] reads every `*.yaml`/`*.yml` under a folder
//! (recursively, in sorted order) and refuses only what it cannot read at all
//! (YAML syntax, a document that is not a mapping, a missing or unknown
//! `kind`, a missing `name`); [`validate`] then reports every other problem
//! at once, each as a [`Finding`] with `file:line:col` and a stable `rule`.
//!
//! YAML is read with the Backstage importer's helpers (document splitting
//! with the file's own line numbers, the alias budget, key location).

pub(crate) mod check;
pub(crate) mod export;
mod gaps;
pub(crate) mod locate;
pub mod schema;

pub use check::{SecretReference, secret_references, validate};
pub use export::{CorruptDocument, export};
pub use gaps::{MAX_GAPS_LISTED, schedule_gaps};
pub use schema::schema;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::backstage::yaml::{self, Budget, Node, Segment};
use crate::backstage::{DiskSource, MAX_DOCUMENT_NODES, MAX_FILES, MAX_TOTAL_BYTES, Source};

/// Rule codes carried by [`Finding::rule`].
pub mod rules {
    pub const UNREADABLE_FILE: &str = "unreadable_file";
    pub const YAML_SYNTAX: &str = "yaml_syntax";
    pub const INVALID_DOCUMENT: &str = "invalid_document";
    pub const UNKNOWN_KIND: &str = "unknown_kind";
    pub const INVALID_FIELD: &str = "invalid_field";
    pub const INVALID_TIME_ZONE: &str = "invalid_time_zone";
    pub const INVALID_DURATION: &str = "invalid_duration";
    pub const MISSING_REVIEW: &str = "missing_review";
    pub const UNKNOWN_REFERENCE: &str = "unknown_reference";
    pub const DUPLICATE_NAME: &str = "duplicate_name";
    pub const DEPENDENCY_CYCLE: &str = "dependency_cycle";
    pub const SERVICE_WITHOUT_OWNER: &str = "service_without_owner";
    pub const TEAM_WITHOUT_ESCALATION_POLICY: &str = "team_without_escalation_policy";
    pub const FUNCTIONALITY_WITHOUT_OWNER: &str = "functionality_without_owner";
    pub const SEVERITY_WITHOUT_AUDIENCE: &str = "severity_without_audience";
    pub const SCENARIO_UNKNOWN_RUNBOOK: &str = "scenario_unknown_runbook";
    /// A restriction window that opens and closes at the same time.
    pub const EMPTY_RESTRICTION: &str = "empty_restriction";
    /// Two restriction windows of one rotation cover the same hours.
    pub const OVERLAPPING_RESTRICTIONS: &str = "overlapping_restrictions";
    /// A rotation a later one (on call at all hours) always hides.
    pub const SHADOWED_ROTATION: &str = "shadowed_rotation";
    /// Nobody on call for a while ([`super::schedule_gaps`]; a warning).
    pub const SCHEDULE_GAP: &str = "schedule_gap";
    /// A secret written in the plan itself (a signing secret, a key): plan
    /// files are reviewed, copied and kept in version control.
    pub const INLINE_SECRET: &str = "inline_secret";
    /// A secret the plan names by environment variable, and the variable is
    /// not set where the plan is applied.
    pub const MISSING_SECRET: &str = "missing_secret";
}

/// A problem at a place in a file. `line` and `column` are 1-based;
/// `line == 0` means the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// A stable code (see [`rules`]).
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(
                f,
                "{}: [{}] {}",
                self.file.display(),
                self.rule,
                self.message
            )
        } else {
            write!(
                f,
                "{}:{}:{}: [{}] {}",
                self.file.display(),
                self.line,
                self.column,
                self.rule,
                self.message
            )
        }
    }
}

impl std::error::Error for Finding {}

/// What a document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Kind {
    Severity,
    SeverityMatrix,
    Role,
    TaskForce,
    StakeholderGroup,
    Team,
    Service,
    Functionality,
    EscalationPolicy,
    Schedule,
    Runbook,
    Scenario,
    StatusPageComponent,
    RetrospectiveTemplate,
    UpdateTemplate,
    AlertRoutes,
    Integration,
}

impl Kind {
    pub const ALL: [Kind; 17] = [
        Self::Severity,
        Self::SeverityMatrix,
        Self::Role,
        Self::TaskForce,
        Self::StakeholderGroup,
        Self::Team,
        Self::Service,
        Self::Functionality,
        Self::EscalationPolicy,
        Self::Schedule,
        Self::Runbook,
        Self::Scenario,
        Self::StatusPageComponent,
        Self::RetrospectiveTemplate,
        Self::UpdateTemplate,
        Self::AlertRoutes,
        Self::Integration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Severity => "Severity",
            Self::SeverityMatrix => "SeverityMatrix",
            Self::Role => "Role",
            Self::TaskForce => "TaskForce",
            Self::StakeholderGroup => "StakeholderGroup",
            Self::Team => "Team",
            Self::Service => "Service",
            Self::Functionality => "Functionality",
            Self::EscalationPolicy => "EscalationPolicy",
            Self::Schedule => "Schedule",
            Self::Runbook => "Runbook",
            Self::Scenario => "Scenario",
            Self::StatusPageComponent => "StatusPageComponent",
            Self::RetrospectiveTemplate => "RetrospectiveTemplate",
            Self::UpdateTemplate => "UpdateTemplate",
            Self::AlertRoutes => "AlertRoutes",
            Self::Integration => "Integration",
        }
    }

    /// Teams, services and functionalities are owned through their own
    /// fields, and an integration by the service or team it is bound to (it
    /// is wiring, not a process to review); every other document needs
    /// `owner`, `review_every` and `last_reviewed`.
    pub fn requires_review(self) -> bool {
        !matches!(
            self,
            Self::Team | Self::Service | Self::Functionality | Self::Integration
        )
    }

    /// Catalog names are slugs, compared in lowercase; other names as written.
    pub fn is_catalog(self) -> bool {
        matches!(self, Self::Team | Self::Service | Self::Functionality)
    }

    /// The name as references compare it.
    pub fn key(self, name: &str) -> String {
        if self.is_catalog() {
            name.trim().to_lowercase()
        } else {
            name.trim().to_owned()
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub use muster_core::plan::{Period, PeriodUnit};

/// One YAML document of the plan.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: Kind,
    /// As written (see [`Kind::key`] for how it is compared).
    pub name: String,
    pub file: PathBuf,
    /// The document's first content line.
    pub line: usize,
    pub(crate) file_index: usize,
    pub(crate) segment: Segment,
    pub(crate) node: Node,
}

impl Document {
    /// The string at a top-level key (`owner`, `review_every`, …).
    pub fn str_field(&self, key: &str) -> Option<&str> {
        match self.node.get(key) {
            Some(Node::String(s)) => Some(s.as_str()),
            _ => None,
        }
    }

    pub fn owner(&self) -> Option<&str> {
        self.str_field("owner")
    }

    pub fn review_every(&self) -> Option<Period> {
        self.str_field("review_every")
            .and_then(|raw| Period::parse(raw, &Period::REVIEW_UNITS))
    }

    pub fn last_reviewed(&self) -> Option<jiff::civil::Date> {
        self.str_field("last_reviewed")
            .and_then(|raw| raw.trim().parse().ok())
    }
}

/// Every document of a plan folder, in file order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Every file read (path, text), sorted by path.
    pub(crate) files: Vec<(PathBuf, String)>,
    pub documents: Vec<Document>,
}

impl Plan {
    /// The documents of one kind, in file order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Document> {
        self.documents.iter().filter(move |d| d.kind == kind)
    }

    /// The first document of `kind` named `name`.
    pub fn get(&self, kind: Kind, name: &str) -> Option<&Document> {
        let key = kind.key(name);
        self.of_kind(kind).find(|d| kind.key(&d.name) == key)
    }

    /// The teams, services and functionalities, as the core's catalog (each
    /// sorted by slug). Entries or fields that do not validate are left out;
    /// run [`validate`] first.
    pub fn catalog(&self) -> muster_core::catalog::Catalog {
        check::build_catalog(self).0
    }

    /// Reads a plan from files already in memory (path, text): for tests.
    pub fn from_texts(files: Vec<(PathBuf, String)>) -> Result<Plan, Vec<Finding>> {
        parse_files(files, Vec::new())
    }
}

/// A document whose review is overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleDoc {
    pub file: PathBuf,
    pub line: usize,
    pub kind: Kind,
    pub name: String,
    pub owner: Option<String>,
    pub last_reviewed: jiff::civil::Date,
    /// `last_reviewed + review_every`: the day the review was due.
    pub due: jiff::civil::Date,
}

/// Every document with `review_every` and `last_reviewed` whose review was
/// due before `today`, in file order. Documents without both (or with
/// malformed values) are skipped: [`validate`] reports those.
pub fn stale(plan: &Plan, today: jiff::civil::Date) -> Vec<StaleDoc> {
    plan.documents
        .iter()
        .filter_map(|doc| {
            let last = doc.last_reviewed()?;
            let due = last.checked_add(doc.review_every()?.span()?).ok()?;
            (due < today).then(|| StaleDoc {
                file: doc.file.clone(),
                line: doc.line,
                kind: doc.kind,
                name: doc.name.clone(),
                owner: doc.owner().map(str::to_owned),
                last_reviewed: last,
                due,
            })
        })
        .collect()
}

fn whole_file(file: &Path, rule: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        file: file.to_path_buf(),
        line: 0,
        column: 0,
        rule,
        message: message.into(),
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<Finding>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            errors.push(whole_file(dir, rules::UNREADABLE_FILE, error.to_string()));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                errors.push(whole_file(dir, rules::UNREADABLE_FILE, error.to_string()));
                continue;
            }
        };
        let path = entry.path();
        // Symlinks are not followed: a plan stays inside its folder.
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(&path, out, errors),
            Ok(kind) if kind.is_file() => {
                let yaml = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e == "yaml" || e == "yml");
                if yaml {
                    out.push(path);
                }
            }
            Ok(_) => {}
            Err(error) => errors.push(whole_file(&path, rules::UNREADABLE_FILE, error.to_string())),
        }
        if out.len() > MAX_FILES {
            return;
        }
    }
}

/// Reads every `*.yaml` and `*.yml` file under `dir` (recursively, sorted by
/// path). Every problem is reported at once; any problem means `Err`.
pub fn load(dir: &Path) -> Result<Plan, Vec<Finding>> {
    let mut paths = Vec::new();
    let mut errors = Vec::new();
    collect(dir, &mut paths, &mut errors);
    paths.sort();
    if paths.len() > MAX_FILES {
        errors.push(whole_file(
            dir,
            rules::UNREADABLE_FILE,
            format!("the plan has more than {MAX_FILES} YAML files; refused"),
        ));
        return Err(errors);
    }
    if paths.is_empty() && errors.is_empty() {
        errors.push(whole_file(
            dir,
            rules::UNREADABLE_FILE,
            "no .yaml or .yml files in this folder",
        ));
    }
    let mut files = Vec::new();
    let mut total: u64 = 0;
    for path in paths {
        match DiskSource.read(&path) {
            Ok(text) => {
                total += text.len() as u64;
                if total > MAX_TOTAL_BYTES {
                    errors.push(whole_file(
                        &path,
                        rules::UNREADABLE_FILE,
                        format!("the plan is over {MAX_TOTAL_BYTES} bytes; refused"),
                    ));
                    break;
                }
                files.push((path, text));
            }
            Err(error) => errors.push(whole_file(&path, rules::UNREADABLE_FILE, error.to_string())),
        }
    }
    parse_files(files, errors)
}

fn parse_files(
    mut files: Vec<(PathBuf, String)>,
    mut errors: Vec<Finding>,
) -> Result<Plan, Vec<Finding>> {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut documents = Vec::new();
    for (file_index, (path, text)) in files.iter().enumerate() {
        for segment in yaml::split(text) {
            let Some(content_line) = segment.content_line else {
                continue;
            };
            let at = |line: usize, column: usize, rule: &'static str, message: String| Finding {
                file: path.clone(),
                line,
                column,
                rule,
                message,
            };
            let budget = Budget::new(MAX_DOCUMENT_NODES);
            let node = match yaml::parse(text, &segment, &budget) {
                Ok(node) => node,
                Err(error) => {
                    errors.push(at(
                        error.line,
                        error.column,
                        rules::YAML_SYNTAX,
                        error.message,
                    ));
                    continue;
                }
            };
            let locate =
                |key: &str| yaml::locate(text, &segment, &[key]).unwrap_or((content_line, 1));
            if !matches!(node, Node::Map(_)) {
                errors.push(at(
                    content_line,
                    1,
                    rules::INVALID_DOCUMENT,
                    format!(
                        "expected a mapping with kind and name, got {}",
                        node.describe()
                    ),
                ));
                continue;
            }
            let kind = match node.get("kind") {
                Some(Node::String(raw)) => match Kind::ALL.iter().find(|k| k.as_str() == raw) {
                    Some(kind) => Some(*kind),
                    None => {
                        let (line, column) = locate("kind");
                        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                        errors.push(at(
                            line,
                            column,
                            rules::UNKNOWN_KIND,
                            format!("unknown kind {raw:?}; expected one of {}", known.join(", ")),
                        ));
                        None
                    }
                },
                _ => {
                    errors.push(at(
                        content_line,
                        1,
                        rules::INVALID_DOCUMENT,
                        "kind is required (a string such as Service or Runbook)".into(),
                    ));
                    None
                }
            };
            let name = match node.get("name") {
                Some(Node::String(name)) if !name.trim().is_empty() => Some(name.trim().to_owned()),
                Some(Node::Number(name)) => Some(name.clone()),
                _ => {
                    errors.push(at(
                        content_line,
                        1,
                        rules::INVALID_DOCUMENT,
                        "name is required (a non-empty string)".into(),
                    ));
                    None
                }
            };
            if let (Some(kind), Some(name)) = (kind, name) {
                documents.push(Document {
                    kind,
                    name,
                    file: path.clone(),
                    line: content_line,
                    file_index,
                    segment,
                    node,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(Plan { files, documents })
    } else {
        errors.sort_by(order);
        Err(errors)
    }
}

pub(crate) fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (&a.file, a.line, a.column, a.rule, &a.message)
        .cmp(&(&b.file, b.line, b.column, b.rule, &b.message))
}
