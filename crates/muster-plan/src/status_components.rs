//! `StatusPageComponent` documents read into the public page's components:
//! what customers read (title, description, group), where each is listed,
//! and the functionality behind it, so an incident affecting "Checkout"
//! names the right component.
//!
//! ```yaml
//! kind: StatusPageComponent
//! name: payments
//! title: Payments
//! group: Shopping
//! functionality: checkout
//! position: 2
//! ```

use muster_core::DomainError;
use muster_core::plan::PlanDocument;
use serde_json::{Map, Value};

use crate::oncall::read::{self, Path, Reader};
use crate::plan::Kind;
use crate::stakeholders::read_with;

/// One component as the plan describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedComponent {
    /// The document's name: how the API and updates name it.
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub group: Option<String>,
    pub functionality: Option<String>,
    pub position: i64,
}

/// The plan's components in listing order, and the documents that do not
/// read.
#[derive(Debug, Clone, Default)]
pub struct StatusComponents {
    pub components: Vec<PlannedComponent>,
    pub problems: Vec<String>,
}

impl StatusComponents {
    pub fn names(&self) -> Vec<&str> {
        self.components.iter().map(|c| c.name.as_str()).collect()
    }

    pub fn get(&self, name: &str) -> Option<&PlannedComponent> {
        self.components.iter().find(|c| c.name == name.trim())
    }
}

/// Reads every `StatusPageComponent` among `documents`.
pub fn status_components(documents: &[PlanDocument]) -> StatusComponents {
    let mut out = StatusComponents::default();
    for doc in documents
        .iter()
        .filter(|d| d.kind == Kind::StatusPageComponent.as_str())
    {
        match read_with(doc, component) {
            Ok(component) => out.components.push(component),
            Err(issues) => out.problems.push(read::summary(doc, &issues)),
        }
    }
    out.components
        .sort_by(|a, b| (a.position, &a.name).cmp(&(b.position, &b.name)));
    out
}

fn component(
    r: &mut Reader,
    doc: &PlanDocument,
    body: &Map<String, Value>,
) -> Result<PlannedComponent, DomainError> {
    let root = Path::default();
    let owned = |s: Option<&str>| s.map(|s| s.trim().to_owned());
    let title = owned(r.str(body, &root, "title")).unwrap_or_else(|| doc.name.trim().to_owned());
    Ok(PlannedComponent {
        name: doc.name.trim().to_owned(),
        title,
        description: owned(r.str(body, &root, "description")),
        group: owned(r.str(body, &root, "group")),
        functionality: owned(r.str(body, &root, "functionality")).map(|f| f.to_lowercase()),
        position: r
            .integer(body, &root, "position", (0, 10_000))
            .unwrap_or(1_000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, body: &str) -> PlanDocument {
        PlanDocument {
            kind: Kind::StatusPageComponent.as_str().into(),
            name: name.into(),
            file: "status-page.yaml".into(),
            body: body.into(),
            owner: None,
            review_every: None,
            last_reviewed: None,
        }
    }

    #[test]
    fn components_read_in_listing_order_with_their_titles() {
        let read = status_components(&[
            doc(
                "shop",
                r#"{"group": "Shopping", "functionality": "Browse"}"#,
            ),
            doc(
                "payments",
                r#"{"title": "Payments", "position": 1, "description": "Card payments"}"#,
            ),
            doc("broken", r#"{"position": "first"}"#),
        ]);
        assert_eq!(read.names(), ["payments", "shop"]);
        let shop = read.get("shop").unwrap();
        assert_eq!(shop.title, "shop");
        assert_eq!(shop.functionality.as_deref(), Some("browse"));
        assert_eq!(shop.group.as_deref(), Some("Shopping"));
        assert_eq!(
            read.get("payments").unwrap().description.as_deref(),
            Some("Card payments")
        );
        assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    }
}
