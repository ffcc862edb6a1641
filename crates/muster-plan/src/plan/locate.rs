//! Finding the line of a value deep inside a document (`rotations[1].shift`)
//! for messages: keys and list items are followed in block style as far as
//! they go; flow style (`- {shift: 1w}`) stops the walk at the item's line,
//! where the caller then looks for the value's own text.

use crate::backstage::yaml::{Segment, is_blank_or_comment, is_marker, key_matches};

/// One step of a path into a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    /// A list position, 0-based.
    Index(usize),
}

/// Where the entries of one mapping or list are looked for.
struct Scope {
    /// The first line index to scan.
    start: usize,
    /// Lines indented less than this (or as much, see `dash_at_parent`) end
    /// the scope; `None` for the document itself.
    parent: Option<usize>,
    /// A key's block list may start at the key's own indentation (`key:\n- a`).
    dash_at_parent: bool,
    /// A list item's first entry, on the dash's line: (line index, column).
    inline: Option<(usize, usize)>,
}

/// An entry of a scope: its line index, its indentation and its text.
struct Entry<'t> {
    index: usize,
    indent: usize,
    content: &'t str,
}

fn entries<'t>(lines: &[&'t str], scope: &Scope) -> Vec<Entry<'t>> {
    let mut out = Vec::new();
    let mut child = None;
    if let Some((index, indent)) = scope.inline
        && let Some(line) = lines.get(index)
    {
        out.push(Entry {
            index,
            indent,
            content: line.get(indent..).unwrap_or_default(),
        });
        child = Some(indent);
    }
    for (index, line) in lines.iter().enumerate().skip(scope.start) {
        let content = line.trim_start_matches(' ');
        if is_blank_or_comment(content) || is_marker(line, "---") || is_marker(line, "...") {
            continue;
        }
        let indent = line.len() - content.len();
        let dash = content.starts_with('-');
        let ended = scope.parent.is_some_and(|parent| {
            indent < parent || (indent == parent && !(scope.dash_at_parent && dash))
        });
        if ended {
            break;
        }
        let child = *child.get_or_insert(indent);
        if indent < child {
            break;
        }
        if indent == child {
            out.push(Entry {
                index,
                indent,
                content,
            });
        }
    }
    out
}

/// The 1-based line and column the walk along `path` reaches last, inside
/// `segment` of `text`; `None` when not even the first step is found.
pub(crate) fn deepest(text: &str, segment: &Segment, path: &[Step<'_>]) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text
        .get(segment.range.clone())
        .unwrap_or_default()
        .lines()
        .collect();
    let mut scope = Scope {
        start: 0,
        parent: None,
        dash_at_parent: false,
        inline: None,
    };
    let mut found = None;
    for step in path {
        let all = entries(&lines, &scope);
        let hit = match step {
            Step::Key(key) => all.into_iter().find(|e| key_matches(e.content, key)),
            Step::Index(position) => all
                .into_iter()
                .filter(|e| e.content.starts_with('-'))
                .nth(*position),
        };
        let Some(entry) = hit else {
            break;
        };
        found = Some((segment.first_line + entry.index, entry.indent + 1));
        scope = match step {
            Step::Key(_) => Scope {
                start: entry.index + 1,
                parent: Some(entry.indent),
                dash_at_parent: true,
                inline: None,
            },
            Step::Index(_) => {
                let after = entry.content.get(1..).unwrap_or_default();
                let item = after.trim_start_matches(' ');
                let column = entry.indent + 1 + (after.len() - item.len());
                Scope {
                    start: entry.index + 1,
                    parent: Some(entry.indent),
                    dash_at_parent: false,
                    inline: (!item.is_empty() && !is_blank_or_comment(item))
                        .then_some((entry.index, column)),
                }
            }
        };
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backstage::yaml::split;

    fn at(text: &str, path: &[Step<'_>]) -> Option<(usize, usize)> {
        deepest(text, &split(text)[0], path)
    }

    #[test]
    fn keys_and_items_are_followed_in_block_style() {
        let text = "\
kind: Schedule
rotations:
  - name: day
    participants: [a@x.io]
    restrictions:
      - from: \"08:00\"
        to: \"20:00\"
      - {from: \"20:00\", to: \"08:00\"}
  -
    name: night
    shift: 1w
steps:
- targets: [{user: a@x.io}]
- delay: 5m
";
        use Step::{Index, Key};
        assert_eq!(at(text, &[Key("rotations")]), Some((2, 1)));
        assert_eq!(at(text, &[Key("rotations"), Index(0)]), Some((3, 3)));
        assert_eq!(
            at(text, &[Key("rotations"), Index(0), Key("name")]),
            Some((3, 5))
        );
        assert_eq!(
            at(text, &[Key("rotations"), Index(0), Key("participants")]),
            Some((4, 5))
        );
        let second = [
            Key("rotations"),
            Index(0),
            Key("restrictions"),
            Index(1),
            Key("from"),
        ];
        // Flow style: the walk stops at the item.
        assert_eq!(at(text, &second), Some((8, 7)));
        let first_to = [
            Key("rotations"),
            Index(0),
            Key("restrictions"),
            Index(0),
            Key("to"),
        ];
        assert_eq!(at(text, &first_to), Some((7, 9)));
        assert_eq!(
            at(text, &[Key("rotations"), Index(1), Key("shift")]),
            Some((11, 5))
        );
        // A list at its key's own indentation.
        assert_eq!(
            at(text, &[Key("steps"), Index(1), Key("delay")]),
            Some((14, 3))
        );
        assert_eq!(at(text, &[Key("rotations"), Index(5)]), Some((2, 1)));
        assert_eq!(at(text, &[Key("nothing")]), None);
    }
}
