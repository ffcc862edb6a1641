//! YAML in, plain trees out: splitting a file into documents (so every
//! document keeps its own line numbers and one broken document does not hide
//! the problems of the next), parsing each into a [`Node`] under a budget,
//! and finding the line of a key for error messages.

use std::ops::Range;

use serde::de::DeserializeSeed;

use super::node::{BUDGET_MARKER, NodeSeed};
pub(crate) use super::node::{Budget, Node};

/// One document of a multi-document file: its bytes and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    /// Byte range in the file's text.
    pub range: Range<usize>,
    /// 1-based line of the segment's first line.
    pub first_line: usize,
    /// 1-based line of the document's first content (skipping `---`,
    /// comments and blank lines); `None` for an empty document.
    pub content_line: Option<usize>,
}

pub(crate) fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
}

pub(crate) fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty() || trimmed.starts_with('#')
}

/// Splits `text` at document starts (`---` in column 1). Directives (`%…`)
/// belong to the document that follows them. YAML forbids `---` in column 1
/// inside any scalar, so this matches the parser's own document boundaries.
pub(crate) fn split(text: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut start = 0;
    let mut first_line = 1;
    let mut content_line = None;
    // Whether the current segment already has a document (content or `---`).
    let mut has_document = false;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let bare = line.trim_end_matches(['\n', '\r']);
        let directive = bare.starts_with('%');
        let doc_start = is_marker(bare, "---");
        if (directive || doc_start) && has_document {
            segments.push(Segment {
                range: start..offset,
                first_line,
                content_line,
            });
            start = offset;
            first_line = number;
            content_line = None;
            has_document = false;
        }
        if doc_start {
            has_document = true;
            let inline = bare[3..].trim();
            if content_line.is_none() && !inline.is_empty() && !inline.starts_with('#') {
                content_line = Some(number);
            }
        } else if is_marker(bare, "...") {
            has_document = true;
        } else if !directive && !is_blank_or_comment(bare) {
            has_document = true;
            content_line.get_or_insert(number);
        }
        offset += line.len();
    }
    segments.push(Segment {
        range: start..text.len(),
        first_line,
        content_line,
    });
    segments
}

/// A YAML problem at a 1-based line and column of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses one segment into a [`Node`], spending `budget`. Lines in errors
/// are the file's, not the segment's.
pub(crate) fn parse(text: &str, segment: &Segment, budget: &Budget) -> Result<Node, SyntaxError> {
    let source = &text[segment.range.clone()];
    let deserializer = yaml_serde::Deserializer::from_str(source);
    NodeSeed { budget }
        .deserialize(deserializer)
        .map_err(|error| {
            let offset = segment.first_line - 1;
            let mut message = error.to_string();
            if let Some(at) = message.find(BUDGET_MARKER) {
                // Not "spec.many[18][4964]: the document…": the path is noise here.
                message.drain(..at);
            }
            match error.location() {
                Some(at) => SyntaxError {
                    line: at.line() + offset,
                    column: at.column(),
                    message: rebase(&message, offset, Some((at.line(), at.column()))),
                },
                None => SyntaxError {
                    line: segment.content_line.unwrap_or(segment.first_line),
                    column: 1,
                    message: if message.contains("repetition limit") {
                        "YAML aliases expand too far (a \"billion laughs\" document?); refused"
                            .into()
                    } else {
                        rebase(&message, offset, None)
                    },
                },
            }
        })
}

/// Rewrites `line N column M` in a parser message so lines count from the
/// file's start, and drops the primary position (the caller reports it).
fn rebase(message: &str, offset: usize, primary: Option<(usize, usize)>) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let mut dropped = false;
    while let Some(at) = rest.find(" at line ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + " at line ".len()..];
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let line_len = digits(tail);
        let parsed = tail[..line_len].parse::<usize>().ok().and_then(|line| {
            let after = tail[line_len..].strip_prefix(" column ")?;
            let column_len = digits(after);
            let column = after[..column_len].parse::<usize>().ok()?;
            Some((line, column, &after[column_len..]))
        });
        match parsed {
            Some((line, column, after)) => {
                if !dropped && primary == Some((line, column)) {
                    dropped = true;
                } else {
                    out.push_str(&format!(" at line {} column {column}", line + offset));
                }
                rest = after;
            }
            None => {
                out.push_str(" at line ");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    // A message whose primary mark is the segment's first byte says "position 0".
    out.strip_suffix(" at position 0")
        .map(str::to_owned)
        .unwrap_or(out)
}

/// The 1-based line and column of the key at `path` (block style), looking
/// only inside the segment; `None` when it cannot be found this way (flow
/// style, or absent). Only used to point at the right line in messages.
pub(crate) fn locate(text: &str, segment: &Segment, path: &[&str]) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text[segment.range.clone()].lines().collect();
    let mut parent_indent: Option<usize> = None;
    let mut from = 0;
    let mut found = None;
    for key in path {
        let mut child_indent = None;
        let mut hit = None;
        for (index, line) in lines.iter().enumerate().skip(from) {
            let content = line.trim_start_matches(' ');
            if is_blank_or_comment(content) || is_marker(line, "---") || is_marker(line, "...") {
                continue;
            }
            let indent = line.len() - content.len();
            if parent_indent.is_some_and(|parent| indent <= parent) {
                break;
            }
            let child = *child_indent.get_or_insert(indent);
            if indent < child {
                break;
            }
            if indent == child && key_matches(content, key) {
                hit = Some((index, indent));
                break;
            }
        }
        let (index, indent) = hit?;
        found = Some((segment.first_line + index, indent + 1));
        parent_indent = Some(indent);
        from = index + 1;
    }
    found
}

/// Whether a line's content (indentation removed) starts with `key:`,
/// plain or quoted.
pub(crate) fn key_matches(content: &str, key: &str) -> bool {
    let rest = ["", "\"", "'"].iter().find_map(|quote| {
        content
            .strip_prefix(quote)?
            .strip_prefix(key)?
            .strip_prefix(quote)
    });
    rest.is_some_and(|rest| {
        rest.trim_start_matches(' ')
            .strip_prefix(':')
            .is_some_and(|after| after.is_empty() || after.starts_with([' ', '\t', '\r']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(text: &str) -> Vec<Result<Node, SyntaxError>> {
        let budget = Budget::new(1_000);
        split(text)
            .iter()
            .filter(|s| s.content_line.is_some())
            .map(|s| parse(text, s, &budget))
            .collect()
    }

    #[test]
    fn documents_are_split_at_markers_and_keep_their_lines() {
        let text = "# header\n---\na: 1\n---\n# note\nb: 2\n--- {c: 3}\n---\n";
        let segments = split(text);
        let lines: Vec<(usize, Option<usize>)> = segments
            .iter()
            .map(|s| (s.first_line, s.content_line))
            .collect();
        assert_eq!(lines, [(1, Some(3)), (4, Some(6)), (7, Some(7)), (8, None)]);
        let parsed = parse_all(text);
        assert_eq!(
            parsed[2],
            Ok(Node::Map(vec![("c".into(), Node::Number("3".into()))]))
        );
        assert_eq!(split("")[0].content_line, None);
        let directive = split("%YAML 1.2\n---\na: 1\n");
        assert_eq!(directive.len(), 1);
    }

    #[test]
    fn syntax_errors_carry_the_files_line_and_column() {
        let text = "a: 1\n---\nb: [1, 2\nc: 3\n";
        let errors: Vec<SyntaxError> = parse_all(text)
            .into_iter()
            .filter_map(Result::err)
            .collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 4, "{errors:?}");
        assert!(
            !errors[0].message.contains("at line 4"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[0].message.contains("at line 3 column"),
            "context keeps its rebased position: {}",
            errors[0].message
        );
    }

    #[test]
    fn repeated_keys_tags_and_merges() {
        let repeated = parse_all("a: 1\nb: 2\na: 3\n");
        let error = repeated[0].clone().unwrap_err();
        assert!(error.message.contains("\"a\" appears twice"), "{error:?}");
        assert_eq!(error.line, 3);
        let tagged = parse_all("a: !thing 1\n");
        assert!(tagged[0].clone().unwrap_err().message.contains("tags"));
        let merged = parse_all("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        let m = merged[0].clone().unwrap();
        let m = m.get("m").unwrap();
        assert_eq!(m.get("x"), Some(&Node::Number("1".into())));
        assert_eq!(m.get("y"), Some(&Node::Number("3".into())));
    }

    #[test]
    fn alias_bombs_run_out_of_budget() {
        let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..=9 {
            let prev = level - 1;
            let refs = vec![format!("*a{prev}"); 9].join(", ");
            bomb.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        let start = std::time::Instant::now();
        let error = parse_all(&bomb)[0].clone().unwrap_err();
        assert!(start.elapsed().as_secs() < 2);
        assert!(
            error.message.contains("billion laughs"),
            "{}",
            error.message
        );
    }

    #[test]
    fn keys_are_located_in_block_style() {
        let text = "---\n# c\napiVersion: x\nmetadata:\n  name: n\n  annotations:\n    'a/b': 1\nspec:\n  owner: t\n  profile:\n    email: e\n";
        let segment = &split(text)[0];
        assert_eq!(locate(text, segment, &["spec", "owner"]), Some((9, 3)));
        assert_eq!(locate(text, segment, &["metadata", "name"]), Some((5, 3)));
        assert_eq!(
            locate(text, segment, &["metadata", "annotations", "a/b"]),
            Some((7, 5))
        );
        assert_eq!(
            locate(text, segment, &["spec", "profile", "email"]),
            Some((11, 5))
        );
        assert_eq!(locate(text, segment, &["spec", "name"]), None);
        assert_eq!(locate(text, segment, &["owner"]), None);
    }
}
