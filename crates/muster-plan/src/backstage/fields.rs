//! Typed reads of an entity's fields, each failure naming the field's path
//! (`spec.owner: expected a string, got a list`).

use super::node::Node;

/// A problem with one field of an entity: its path and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub path: Vec<String>,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(path: &[&str], message: impl Into<String>) -> Self {
        Self {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            message: message.into(),
        }
    }

    /// "spec.owner: message" (or just the message for the whole entity).
    pub(crate) fn text(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path.join("."), self.message)
        }
    }
}

/// The node at `path`; `None` when absent or null. An intermediate value
/// that is not a mapping is a problem.
pub(crate) fn node_at<'a>(doc: &'a Node, path: &[&str]) -> Result<Option<&'a Node>, Problem> {
    let mut node = doc;
    for (depth, key) in path.iter().enumerate() {
        match node {
            Node::Map(_) => match node.get(key) {
                Some(Node::Null) | None => return Ok(None),
                Some(child) => node = child,
            },
            other => {
                return Err(Problem::new(
                    &path[..depth],
                    format!("expected a mapping, got {}", other.describe()),
                ));
            }
        }
    }
    Ok(Some(node))
}

pub(crate) fn str_at<'a>(doc: &'a Node, path: &[&str]) -> Result<Option<&'a str>, Problem> {
    match node_at(doc, path)? {
        None => Ok(None),
        Some(Node::String(s)) => Ok(Some(s)),
        Some(other) => Err(Problem::new(
            path,
            format!("expected a string, got {}", other.describe()),
        )),
    }
}

/// A string that must be present and non-empty.
pub(crate) fn required_str<'a>(doc: &'a Node, path: &[&str]) -> Result<&'a str, Problem> {
    match str_at(doc, path)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(Problem::new(path, "is required")),
    }
}

/// A list of strings (absent means empty).
pub(crate) fn strings_at<'a>(doc: &'a Node, path: &[&str]) -> Result<Vec<&'a str>, Problem> {
    match node_at(doc, path)? {
        None => Ok(Vec::new()),
        Some(Node::Seq(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Node::String(s) => Ok(s.as_str()),
                other => Err(Problem::new(
                    path,
                    format!(
                        "item {} should be a string, got {}",
                        index + 1,
                        other.describe()
                    ),
                )),
            })
            .collect(),
        Some(other) => Err(Problem::new(
            path,
            format!("expected a list of strings, got {}", other.describe()),
        )),
    }
}

/// A list of mappings (absent means empty).
pub(crate) fn maps_at<'a>(doc: &'a Node, path: &[&str]) -> Result<Vec<&'a Node>, Problem> {
    match node_at(doc, path)? {
        None => Ok(Vec::new()),
        Some(Node::Seq(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Node::Map(_) => Ok(item),
                other => Err(Problem::new(
                    path,
                    format!(
                        "item {} should be a mapping, got {}",
                        index + 1,
                        other.describe()
                    ),
                )),
            })
            .collect(),
        Some(other) => Err(Problem::new(
            path,
            format!("expected a list, got {}", other.describe()),
        )),
    }
}
