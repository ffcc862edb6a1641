//! The tree one YAML document parses into, built under a node budget that
//! counts every alias expansion, so alias "bombs" fail fast.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parsed YAML value. Mapping keys are text; order is kept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    /// A number as YAML wrote it after resolution (`2`, `1.5`).
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value under `key` of a mapping (`None` for other nodes).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// What this node is, for messages ("expected a string, got a list").
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Node::Null => "nothing",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

/// How many more YAML nodes may be built, counting every alias expansion.
#[derive(Debug)]
pub(crate) struct Budget {
    left: Cell<usize>,
    limit: usize,
}

impl Budget {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            left: Cell::new(limit),
            limit,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.left.get()
    }

    fn take<E: de::Error>(&self) -> Result<(), E> {
        match self.left.get().checked_sub(1) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(E::custom(format!(
                "{BUDGET_MARKER} {} YAML nodes (aliases included); refused, as a \
                 \"billion laughs\" document would be",
                self.limit
            ))),
        }
    }
}

pub(crate) const BUDGET_MARKER: &str = "the document expands to more than";

pub(crate) struct NodeSeed<'b> {
    pub(crate) budget: &'b Budget,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor {
            budget: self.budget,
        })
    }
}

struct NodeVisitor<'b> {
    budget: &'b Budget,
}

impl NodeVisitor<'_> {
    fn scalar<E: de::Error>(&self, node: Node) -> Result<Node, E> {
        self.budget.take()?;
        Ok(node)
    }
}

/// Reads a mapping key as text, refusing a key the mapping already has
/// (YAML forbids repeats) from inside the key, so the error points at it.
struct KeySeed<'b> {
    budget: &'b Budget,
    repeated: &'b dyn Fn(&str) -> bool,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl KeySeed<'_> {
    fn key<E: de::Error>(&self, key: String) -> Result<String, E> {
        self.budget.take()?;
        if key != "<<" && (self.repeated)(&key) {
            return Err(E::custom(format!("the key {key:?} appears twice")));
        }
        Ok(key)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key (plain text)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        self.key(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        self.key(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.key(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        self.key(v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.key(v.to_owned())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        self.key("null".into())
    }
}

/// `<<: *defaults` merges: keys from the merged mappings that the mapping
/// does not set itself.
fn merge<E: de::Error>(entries: &mut Vec<(String, Node)>, merged: Node) -> Result<(), E> {
    let sources = match merged {
        Node::Map(map) => vec![map],
        Node::Seq(items) => items
            .into_iter()
            .map(|item| match item {
                Node::Map(map) => Ok(map),
                other => Err(E::custom(format!(
                    "a merge key (<<) takes mappings, got {}",
                    other.describe()
                ))),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(E::custom(format!(
                "a merge key (<<) takes mappings, got {}",
                other.describe()
            )));
        }
    };
    for source in sources {
        for (key, value) in source {
            if !entries.iter().any(|(k, _)| *k == key) {
                entries.push((key, value));
            }
        }
    }
    Ok(())
}

impl<'de> Visitor<'de> for NodeVisitor<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.scalar(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.scalar(Node::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.scalar(Node::Number(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        self.scalar(Node::Number(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        self.scalar(Node::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.scalar(Node::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.scalar(Node::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        self.scalar(Node::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.scalar(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.scalar(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        NodeSeed {
            budget: self.budget,
        }
        .deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        self.budget.take()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(NodeSeed {
            budget: self.budget,
        })? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        self.budget.take()?;
        let mut entries: Vec<(String, Node)> = Vec::new();
        let mut seen: Option<HashSet<String>> = None;
        let mut merges = Vec::new();
        loop {
            let repeated = |key: &str| match &seen {
                Some(set) => set.contains(key),
                None => entries.iter().any(|(k, _)| k == key),
            };
            let Some(key) = map.next_key_seed(KeySeed {
                budget: self.budget,
                repeated: &repeated,
            })?
            else {
                break;
            };
            let value = map.next_value_seed(NodeSeed {
                budget: self.budget,
            })?;
            if key == "<<" {
                merges.push(value);
                continue;
            }
            if let Some(set) = &mut seen {
                set.insert(key.clone());
            }
            entries.push((key, value));
            if seen.is_none() && entries.len() > 16 {
                seen = Some(entries.iter().map(|(k, _)| k.clone()).collect());
            }
        }
        for merged in merges {
            merge::<A::Error>(&mut entries, merged)?;
        }
        Ok(Node::Map(entries))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _data: A) -> Result<Node, A::Error> {
        Err(de::Error::custom(
            "YAML tags (`!name`) are not part of Backstage's format",
        ))
    }
}
