//! One Backstage entity: its envelope (apiVersion, kind, metadata), its
//! identity, entity references, and typed reads of its fields.

use std::fmt;

use muster_core::catalog::Slug;

pub(crate) use super::fields::{Problem, maps_at, node_at, required_str, str_at, strings_at};
use super::node::Node;
use super::yaml::Segment;

/// The Backstage kinds muster reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Component,
    Resource,
    System,
    Domain,
    Api,
    Group,
    User,
    Location,
}

impl Kind {
    pub(crate) const ALL: [Kind; 8] = [
        Kind::Component,
        Kind::Resource,
        Kind::System,
        Kind::Domain,
        Kind::Api,
        Kind::Group,
        Kind::User,
        Kind::Location,
    ];

    /// As Backstage spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Component => "Component",
            Kind::Resource => "Resource",
            Kind::System => "System",
            Kind::Domain => "Domain",
            Kind::Api => "API",
            Kind::Group => "Group",
            Kind::User => "User",
            Kind::Location => "Location",
        }
    }

    /// "a Component", "an API".
    pub(crate) fn a(self) -> String {
        match self {
            Kind::Api => "an API".into(),
            other => format!("a {other}"),
        }
    }

    /// Kinds compare case-insensitively, as in entity references.
    pub(crate) fn parse(raw: &str) -> Option<Kind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Kinds that are Backstage's own but mean nothing to muster.
const SKIPPED_KINDS: [&str; 1] = ["Template"];

/// Identity of an entity: kind, namespace and name, all compared in lowercase.
pub(crate) type Key = (Kind, String, String);

/// A parsed entity and where it is.
#[derive(Debug)]
pub(crate) struct Entity {
    /// Index in the loader's file table.
    pub file: usize,
    pub segment: Segment,
    /// The line of the document's first content.
    pub line: usize,
    pub kind: Kind,
    /// Lowercase; `default` when absent.
    pub namespace: String,
    /// Lowercase.
    pub name: String,
    /// `name`, or `<namespace>-<name>` outside the default namespace.
    pub slug: Slug,
    pub doc: Node,
}

impl Entity {
    pub(crate) fn key(&self) -> Key {
        (self.kind, self.namespace.clone(), self.name.clone())
    }

    pub(crate) fn spec(&self) -> &Node {
        self.doc.get("spec").unwrap_or(&Node::Null)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.kind,
            display_name(&self.namespace, &self.name)
        )
    }
}

pub(crate) fn display_name(namespace: &str, name: &str) -> String {
    if namespace == DEFAULT_NAMESPACE {
        name.to_owned()
    } else {
        format!("{namespace}/{name}")
    }
}

pub(crate) const DEFAULT_NAMESPACE: &str = "default";

/// What a document is.
#[derive(Debug)]
pub(crate) enum Classified {
    Entity {
        kind: Kind,
        namespace: String,
        name: String,
        slug: Slug,
    },
    /// A valid kind muster does not import (message for the warning).
    Skipped(String),
}

fn backstage_group(api_version: &str) -> Option<&str> {
    let (group, version) = api_version.split_once('/')?;
    let well_formed = !version.is_empty()
        && version.chars().all(|c| c.is_ascii_alphanumeric())
        && group.contains('.')
        && group
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    well_formed.then_some(group)
}

/// Checks the envelope: apiVersion, kind, metadata.name and namespace.
pub(crate) fn classify(doc: &Node) -> Result<Classified, Problem> {
    if !matches!(doc, Node::Map(_)) {
        return Err(Problem::new(
            &[],
            format!(
                "expected an entity (a mapping with apiVersion, kind, metadata and spec), got {}",
                doc.describe()
            ),
        ));
    }
    let api_version = required_str(doc, &["apiVersion"])?;
    let kind_text = required_str(doc, &["kind"])?;
    let Some(group) = backstage_group(api_version) else {
        return Err(Problem::new(
            &["apiVersion"],
            format!(
                "expected backstage.io/<version> (like backstage.io/v1alpha1), got {api_version:?}"
            ),
        ));
    };
    let kind_ok = kind_text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && kind_text.chars().all(|c| c.is_ascii_alphanumeric());
    if !kind_ok {
        return Err(Problem::new(
            &["kind"],
            format!("expected a kind like Component or Group, got {kind_text:?}"),
        ));
    }
    let skipped = SKIPPED_KINDS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(kind_text));
    let kind = if group == "backstage.io" && !skipped {
        match Kind::parse(kind_text) {
            Some(kind) => kind,
            None => {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                return Err(Problem::new(
                    &["kind"],
                    format!(
                        "unknown kind {kind_text:?}; expected one of {}",
                        known.join(", ")
                    ),
                ));
            }
        }
    } else {
        return Ok(Classified::Skipped(format!(
            "{kind_text} ({api_version}) is not something muster imports; skipped"
        )));
    };
    let name = required_str(doc, &["metadata", "name"])?;
    let slug_name = Slug::parse("metadata.name", name)
        .map_err(|e| Problem::new(&["metadata", "name"], e.message))?;
    let namespace = match str_at(doc, &["metadata", "namespace"])? {
        None => DEFAULT_NAMESPACE.to_owned(),
        Some(raw) => {
            let namespace = raw.trim().to_ascii_lowercase();
            let valid = !namespace.is_empty()
                && namespace.len() <= Slug::MAX
                && namespace.split('-').all(|run| {
                    !run.is_empty()
                        && run
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                });
            if !valid {
                return Err(Problem::new(
                    &["metadata", "namespace"],
                    format!(
                        "expected letters and digits joined by single '-' (at most 63 characters), got {raw:?}"
                    ),
                ));
            }
            namespace
        }
    };
    let slug = if namespace == DEFAULT_NAMESPACE {
        slug_name.clone()
    } else {
        let joined = format!("{namespace}-{}", slug_name.as_str());
        Slug::parse("metadata.name", &joined).map_err(|_| {
            Problem::new(
                &["metadata", "name"],
                format!(
                    "{namespace}/{name} becomes the muster name {joined:?}, which is longer than {} characters",
                    Slug::MAX
                ),
            )
        })?
    };
    Ok(Classified::Entity {
        kind,
        namespace,
        name: slug_name.as_str().to_owned(),
        slug,
    })
}

/// A parsed entity reference `[kind:][namespace/]name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
}

impl Reference {
    pub(crate) fn key(&self) -> Key {
        (self.kind, self.namespace.clone(), self.name.clone())
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.kind,
            display_name(&self.namespace, &self.name)
        )
    }
}

/// Parses an entity reference. Without a kind, `default_kind` applies (and
/// none given means a kind is required); without a namespace, the referring
/// entity's.
pub(crate) fn parse_reference(
    raw: &str,
    default_kind: Option<Kind>,
    namespace: &str,
) -> Result<Reference, String> {
    let trimmed = raw.trim();
    let (kind, rest) = match trimmed.split_once(':') {
        Some((kind, rest)) => match Kind::parse(kind) {
            Some(kind) => (kind, rest),
            None => {
                return Err(format!(
                    "{raw:?} names an unknown kind {kind:?}; expected component:, resource:, group:, user:, system:, domain: or api:"
                ));
            }
        },
        None => match default_kind {
            Some(kind) => (kind, trimmed),
            None => {
                return Err(format!(
                    "{raw:?} needs a kind, like component:{trimmed} or resource:{trimmed}"
                ));
            }
        },
    };
    let (namespace, name) = match rest.split_once('/') {
        Some((namespace, name)) => (namespace, name),
        None => (namespace, rest),
    };
    if name.is_empty() || namespace.is_empty() || name.contains('/') {
        return Err(format!(
            "{raw:?} is not an entity reference like [kind:][namespace/]name"
        ));
    }
    Ok(Reference {
        kind,
        namespace: namespace.to_ascii_lowercase(),
        name: name.to_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Node)]) -> Node {
        Node::Map(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn s(text: &str) -> Node {
        Node::String(text.into())
    }

    fn entity(api: &str, kind: &str, name: &str) -> Node {
        map(&[
            ("apiVersion", s(api)),
            ("kind", s(kind)),
            ("metadata", map(&[("name", s(name))])),
        ])
    }

    #[test]
    fn references_take_defaults_from_the_referrer() {
        let r = parse_reference("team-a", Some(Kind::Group), "development").unwrap();
        assert_eq!(
            r.key(),
            (Kind::Group, "development".into(), "team-a".into())
        );
        let r = parse_reference("group:default/Team-A", None, "development").unwrap();
        assert_eq!(r.key(), (Kind::Group, "default".into(), "team-a".into()));
        assert!(
            parse_reference("db", None, "default")
                .unwrap_err()
                .contains("needs a kind")
        );
        assert!(
            parse_reference("thing:db", None, "default")
                .unwrap_err()
                .contains("unknown kind")
        );
        assert!(parse_reference("component:a/b/c", None, "default").is_err());
    }

    #[test]
    fn envelopes_are_checked() {
        let ok = classify(&entity("backstage.io/v1alpha1", "component", "Web.API")).unwrap();
        assert!(
            matches!(ok, Classified::Entity { kind: Kind::Component, ref name, .. } if name == "web.api")
        );
        let template =
            classify(&entity("scaffolder.backstage.io/v1beta3", "Template", "t")).unwrap();
        assert!(matches!(template, Classified::Skipped(_)));
        let unknown = classify(&entity("backstage.io/v1alpha1", "Componnet", "x")).unwrap_err();
        assert_eq!(unknown.path, ["kind"]);
        let garbage = classify(&entity("v1", "Component", "x")).unwrap_err();
        assert_eq!(garbage.path, ["apiVersion"]);
        let bad_name = classify(&entity("backstage.io/v1alpha1", "Component", "a b")).unwrap_err();
        assert_eq!(bad_name.text().split(':').next(), Some("metadata.name"));
        assert!(classify(&Node::Seq(vec![])).is_err());
    }

    #[test]
    fn fields_report_wrong_types_with_their_path() {
        let doc = map(&[("spec", map(&[("owner", Node::Seq(vec![]))]))]);
        let problem = str_at(&doc, &["spec", "owner"]).unwrap_err();
        assert_eq!(problem.text(), "spec.owner: expected a string, got a list");
        let problem = str_at(&doc, &["spec", "owner", "x"]).unwrap_err();
        assert_eq!(problem.path, ["spec", "owner"]);
        assert_eq!(
            strings_at(&doc, &["spec", "missing"]).unwrap(),
            Vec::<&str>::new()
        );
    }
}
