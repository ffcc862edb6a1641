//! The plan as the server stores it, and back: documents into canonical
//! bodies for storage, and the server's catalog and documents into plan
//! files that read back to the same state (export → apply changes nothing).

use std::collections::BTreeMap;
use std::path::Path;

use muster_core::catalog::{Catalog, Functionality, Link, Service, Team};
use muster_core::plan::{PlanDocument, PlanFile};
use serde_json::{Map, Value, json};

use crate::backstage::yaml::Node;
use crate::plan::{Document, Kind, Plan};

/// Where exported catalog entries go (other documents keep their own file).
const TEAMS_FILE: &str = "teams.yaml";
const SERVICES_FILE: &str = "services.yaml";
const FUNCTIONALITIES_FILE: &str = "functionalities.yaml";

/// Keys written first, in this order, so exported files read like written ones.
const LEADING_KEYS: [&str; 7] = [
    "kind",
    "name",
    "title",
    "owner",
    "review_every",
    "last_reviewed",
    "description",
];

/// A stored document body that is not JSON: the store was written by
/// something else.
#[derive(Debug, thiserror::Error)]
#[error("stored plan document {kind} {name:?} is not valid JSON: {reason}")]
pub struct CorruptDocument {
    pub kind: String,
    pub name: String,
    pub reason: String,
}

/// A node as JSON with every mapping's keys sorted, so equal documents have
/// equal text however their keys were ordered.
fn canonical(node: &Node) -> Value {
    match node {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Number(raw) => raw
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| {
                raw.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or_else(|| Value::String(raw.clone())),
        Node::String(s) => Value::String(s.clone()),
        Node::Seq(items) => Value::Array(items.iter().map(canonical).collect()),
        Node::Map(entries) => {
            let sorted: BTreeMap<&str, Value> = entries
                .iter()
                .map(|(k, v)| (k.as_str(), canonical(v)))
                .collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        }
    }
}

/// One document as the server stores it: its body is the canonical JSON of
/// the document without `kind` and `name`. The validator reads on-call
/// documents through this too, so it checks exactly what the server reads.
pub(crate) fn stored(doc: &Document) -> PlanDocument {
    let mut body = canonical(&doc.node);
    if let Value::Object(map) = &mut body {
        map.shift_remove("kind");
        map.shift_remove("name");
    }
    PlanDocument {
        kind: doc.kind.as_str().to_owned(),
        name: doc.name.clone(),
        file: relative(&doc.file),
        body: body.to_string(),
        owner: doc.owner().map(str::to_owned),
        review_every: doc.str_field("review_every").map(str::to_owned),
        last_reviewed: doc.last_reviewed(),
    }
}

/// A path as the server records it: relative, `/`-separated.
fn relative(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl Plan {
    /// Every document that is not a catalog entry, as the server stores it
    /// (the first of duplicates, which [`crate::plan::validate`] refuses anyway).
    pub fn stored_documents(&self) -> Vec<PlanDocument> {
        let mut seen = std::collections::BTreeSet::new();
        self.documents
            .iter()
            .filter(|doc| !doc.kind.is_catalog())
            .filter(|doc| seen.insert((doc.kind, doc.kind.key(&doc.name))))
            .map(stored)
            .collect()
    }

    /// The files as the plan holds them, paths `/`-separated.
    pub fn files(&self) -> Vec<PlanFile> {
        self.files_under(Path::new(""))
    }

    /// The files with paths relative to `root` (the folder they were loaded
    /// from), `/`-separated: what the server is sent.
    pub fn files_under(&self, root: &Path) -> Vec<PlanFile> {
        self.files
            .iter()
            .map(|(path, text)| PlanFile {
                path: relative(path.strip_prefix(root).unwrap_or(path)),
                text: text.clone(),
            })
            .collect()
    }
}

/// `kind`, `name` and the leading keys first, the rest as stored (sorted).
fn ordered(kind: &str, name: &str, body: Map<String, Value>) -> Map<String, Value> {
    let mut body = body;
    let mut out = Map::new();
    out.insert("kind".into(), Value::String(kind.to_owned()));
    out.insert("name".into(), Value::String(name.to_owned()));
    for key in &LEADING_KEYS[2..] {
        if let Some(value) = body.shift_remove(*key) {
            out.insert((*key).to_owned(), value);
        }
    }
    out.extend(body);
    out
}

fn put_text(map: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    }
}

fn links(links: &[Link]) -> Value {
    links
        .iter()
        .map(|l| json!({"title": l.title, "url": l.url}))
        .collect()
}

fn team(team: &Team) -> Map<String, Value> {
    let mut map = Map::new();
    put_text(&mut map, "title", &team.name);
    put_text(&mut map, "description", &team.description);
    put_text(&mut map, "contact_channel", &team.contact_channel);
    if let Some(policy) = &team.escalation_policy {
        put_text(&mut map, "escalation_policy", policy.as_str());
    }
    if !team.members.is_empty() {
        let members = team
            .members
            .iter()
            .map(|m| json!({"email": m.email, "role": m.role}))
            .collect();
        map.insert("members".into(), Value::Array(members));
    }
    ordered("Team", team.slug.as_str(), map)
}

fn service(service: &Service) -> Map<String, Value> {
    let mut map = Map::new();
    put_text(&mut map, "title", &service.name);
    if let Some(owner) = &service.owner_team {
        put_text(&mut map, "owner", owner.as_str());
    }
    map.insert("tier".into(), Value::from(service.tier));
    map.insert("lifecycle".into(), service.lifecycle.as_str().into());
    map.insert("type".into(), service.kind.clone().into());
    put_text(&mut map, "description", &service.description);
    put_text(&mut map, "rollback_plan", &service.rollback_plan);
    if !service.links.is_empty() {
        map.insert("links".into(), links(&service.links));
    }
    if !service.runbooks.is_empty() {
        map.insert("runbooks".into(), links(&service.runbooks));
    }
    if !service.tags.is_empty() {
        map.insert("tags".into(), service.tags.clone().into());
    }
    if !service.depends_on.is_empty() {
        let deps = service
            .depends_on
            .iter()
            .map(|(slug, criticality)| {
                json!({"service": slug.as_str(), "criticality": criticality.as_str()})
            })
            .collect();
        map.insert("depends_on".into(), Value::Array(deps));
    }
    ordered("Service", service.slug.as_str(), map)
}

fn functionality(functionality: &Functionality) -> Map<String, Value> {
    let mut map = Map::new();
    put_text(&mut map, "title", &functionality.name);
    if let Some(owner) = &functionality.owner_team {
        put_text(&mut map, "owner", owner.as_str());
    }
    put_text(&mut map, "description", &functionality.description);
    if !functionality.aliases.is_empty() {
        map.insert("aliases".into(), functionality.aliases.clone().into());
    }
    if !functionality.services.is_empty() {
        let services: Vec<&str> = functionality.services.iter().map(|s| s.as_str()).collect();
        map.insert("services".into(), services.into());
    }
    ordered("Functionality", functionality.slug.as_str(), map)
}

/// One YAML document's text (without the `---` separator).
fn yaml(map: Map<String, Value>) -> String {
    // A map of strings, numbers, booleans and lists always serializes.
    yaml_serde::to_string(&Value::Object(map)).unwrap_or_default()
}

/// Kinds in plan order, so an exported file lists severities before the
/// matrix and runbooks before the scenarios that use them.
fn kind_rank(kind: &str) -> usize {
    Kind::ALL
        .iter()
        .position(|k| k.as_str() == kind)
        .unwrap_or(Kind::ALL.len())
}

/// The server's state as plan files: catalog entries in `teams.yaml`,
/// `services.yaml` and `functionalities.yaml`, every other document in the
/// file it was applied from. Files are sorted by path.
pub fn export(
    catalog: &Catalog,
    documents: &[PlanDocument],
) -> Result<Vec<PlanFile>, CorruptDocument> {
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut push = |file: &str, text: String| files.entry(file.to_owned()).or_default().push(text);
    for entry in &catalog.teams {
        push(TEAMS_FILE, yaml(team(entry)));
    }
    for entry in &catalog.services {
        push(SERVICES_FILE, yaml(service(entry)));
    }
    for entry in &catalog.functionalities {
        push(FUNCTIONALITIES_FILE, yaml(functionality(entry)));
    }
    let mut documents: Vec<&PlanDocument> = documents.iter().collect();
    documents.sort_by(|a, b| (kind_rank(&a.kind), &a.name).cmp(&(kind_rank(&b.kind), &b.name)));
    for doc in documents {
        let corrupt = |reason: String| CorruptDocument {
            kind: doc.kind.clone(),
            name: doc.name.clone(),
            reason,
        };
        let body = match serde_json::from_str::<Value>(&doc.body) {
            Ok(Value::Object(map)) => map,
            Ok(other) => return Err(corrupt(format!("expected an object, got {other}"))),
            Err(error) => return Err(corrupt(error.to_string())),
        };
        push(&doc.file, yaml(ordered(&doc.kind, &doc.name, body)));
    }
    Ok(files
        .into_iter()
        .map(|(path, documents)| {
            let mut text = String::from("# Exported by `muster plan export`.\n");
            for document in documents {
                text.push_str("---\n");
                text.push_str(&document);
            }
            PlanFile { path, text }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::plan::validate;

    fn example() -> Plan {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("examples/plan exists") {
            let path = entry.expect("readable entry").path();
            let text = std::fs::read_to_string(&path).expect("readable file");
            let name = PathBuf::from(path.file_name().expect("a file name"));
            files.push((name, text));
        }
        Plan::from_texts(files).expect("the example plan loads")
    }

    #[test]
    fn bodies_are_canonical_whatever_the_key_order() {
        let a = Plan::from_texts(vec![(
            "a.yaml".into(),
            "kind: Role\nname: liaison\nowner: x\nreview_every: 1y\nlast_reviewed: 2026-01-01\n"
                .into(),
        )])
        .expect("loads");
        let b = Plan::from_texts(vec![(
            "a.yaml".into(),
            "last_reviewed: 2026-01-01\nreview_every: 1y\nname: liaison\nowner: x\nkind: Role\n"
                .into(),
        )])
        .expect("loads");
        assert_eq!(a.stored_documents(), b.stored_documents());
        let doc = &a.stored_documents()[0];
        assert_eq!(
            doc.body,
            r#"{"last_reviewed":"2026-01-01","owner":"x","review_every":"1y"}"#
        );
        assert_eq!(doc.owner.as_deref(), Some("x"));
        assert_eq!(doc.review_due(), Some(jiff::civil::date(2027, 1, 1)));
    }

    #[test]
    fn the_example_exports_to_files_that_read_back_the_same() {
        let plan = example();
        assert!(validate(&plan).is_empty(), "{:?}", validate(&plan));
        let files = export(&plan.catalog(), &plan.stored_documents()).expect("exports");
        let texts: Vec<(PathBuf, String)> = files
            .iter()
            .map(|f| (PathBuf::from(&f.path), f.text.clone()))
            .collect();
        let again = Plan::from_texts(texts).expect("the export loads");
        assert_eq!(validate(&again), Vec::new());
        assert_eq!(again.catalog(), plan.catalog());
        let sorted = |plan: &Plan| {
            let mut docs = plan.stored_documents();
            docs.sort_by(|a, b| a.key().cmp(&b.key()));
            docs
        };
        assert!(
            sorted(&again) == sorted(&plan),
            "the documents differ after export"
        );
        // Documents stay in the file they came from.
        let runbooks = files
            .iter()
            .find(|f| f.path == "runbooks.yaml")
            .expect("runbooks.yaml is exported");
        assert!(runbooks.text.contains("name: sev1-kickoff"));
        assert!(runbooks.text.starts_with("# Exported by"));
    }

    #[test]
    fn a_corrupt_body_is_an_error_not_a_panic() {
        let doc = PlanDocument {
            kind: "Role".into(),
            name: "x".into(),
            file: "roles.yaml".into(),
            body: "[1".into(),
            owner: None,
            review_every: None,
            last_reviewed: None,
        };
        let error = export(&Catalog::default(), &[doc]).expect_err("refused");
        assert!(error.to_string().contains("Role \"x\""), "{error}");
    }
}
