//! Unknown references, duplicate names and dependency cycles.

use std::collections::BTreeMap;

use muster_core::catalog::graph::CatalogGraph;
use muster_core::catalog::{Catalog, Slug};

use super::Doc;
use crate::backstage::yaml::Node;
use crate::plan::{Document, Finding, Kind, Plan, rules};

impl Doc<'_> {
    /// A reference to another document; reports it when nothing has that name.
    pub(super) fn reference(
        &mut self,
        kind: Kind,
        name: &str,
        at: &[&str],
        rule: &'static str,
    ) -> bool {
        let ok = self.plan.get(kind, name).is_some();
        if !ok {
            self.push(at, Some(name), rule, format!("no {kind} named {name:?}"));
        }
        ok
    }

    pub(super) fn refer(&mut self, kind: Kind, node: &Node, path: &[&str], at: &[&str]) {
        if let Some(name) = self.str_at(node, path, at) {
            self.reference(kind, name, at, rules::UNKNOWN_REFERENCE);
        }
    }
}

pub(super) fn duplicates(plan: &Plan, out: &mut Vec<Finding>) {
    let mut seen: BTreeMap<(Kind, String), &Document> = BTreeMap::new();
    for doc in &plan.documents {
        let key = (doc.kind, doc.kind.key(&doc.name));
        match seen.get(&key) {
            Some(first) => {
                let message = format!(
                    "is already defined at {}:{}",
                    first.file.display(),
                    first.line
                );
                Doc { plan, doc, out }.push(&["name"], None, rules::DUPLICATE_NAME, message);
            }
            None => {
                seen.insert(key, doc);
            }
        }
    }
}

/// Dependency cycles between services, reported at the first service.
pub(super) fn cycles(plan: &Plan, catalog: &Catalog, out: &mut Vec<Finding>) {
    let doc_of = |kind: Kind, slug: &Slug| plan.get(kind, slug.as_str());
    for cycle in CatalogGraph::new(&catalog.services, &catalog.functionalities).cycles() {
        let names: Vec<&str> = cycle.iter().map(Slug::as_str).collect();
        if let Some(doc) = cycle.first().and_then(|first| doc_of(Kind::Service, first)) {
            Doc { plan, doc, out }.push(
                &["depends_on"],
                None,
                rules::DEPENDENCY_CYCLE,
                format!(
                    "the services {} depend on each other in a cycle",
                    names.join(", ")
                ),
            );
        }
    }
}
