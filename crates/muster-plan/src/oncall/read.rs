//! Typed reads of a stored body's JSON, keeping every problem with the path
//! of the value it concerns (`rotations[1].shift`), so the validator can
//! point at the YAML line and the server can say what a stored document
//! lacks.

use std::fmt;

use serde_json::{Map, Value};

use crate::plan::locate::Step;
use crate::plan::rules;

/// One step into a document: a mapping key or a list position (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Where a value sits in a document; empty for the document itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(Vec<Seg>);

impl Path {
    pub(crate) fn key(&self, key: &str) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        Path(segs)
    }

    pub(crate) fn index(&self, index: usize) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Path(segs)
    }

    /// A core field name (`steps[1].delay`) as a path.
    pub(crate) fn parse(field: &str) -> Path {
        let mut path = Path::default();
        for part in field.split('.').filter(|p| !p.is_empty()) {
            let mut pieces = part.split('[');
            if let Some(key) = pieces.next().filter(|k| !k.is_empty()) {
                path = path.key(key);
            }
            for index in pieces {
                if let Ok(index) = index.trim_end_matches(']').parse() {
                    path = path.index(index);
                }
            }
        }
        path
    }

    pub(crate) fn steps(&self) -> Vec<Step<'_>> {
        self.0
            .iter()
            .map(|seg| match seg {
                Seg::Key(key) => Step::Key(key),
                Seg::Index(index) => Step::Index(*index),
            })
            .collect()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(key) if position == 0 => f.write_str(key)?,
                Seg::Key(key) => write!(f, ".{key}")?,
                Seg::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A problem with one value of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub path: Path,
    /// The offending text, so a message can point at it on its line.
    pub value: Option<String>,
    /// A code of [`rules`].
    pub rule: &'static str,
    pub message: String,
}

impl Issue {
    /// `rotations[0].shift: message`, or the message alone at the top.
    pub(crate) fn text(&self) -> String {
        let path = self.path.to_string();
        if path.is_empty() {
            self.message.clone()
        } else {
            format!("{path}: {}", self.message)
        }
    }
}

/// What kind of JSON value this is, for messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Reads values out of one body and collects what is wrong with them.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    pub issues: Vec<Issue>,
}

impl Reader {
    pub(crate) fn report(
        &mut self,
        path: &Path,
        value: Option<&str>,
        rule: &'static str,
        message: impl Into<String>,
    ) {
        self.issues.push(Issue {
            path: path.clone(),
            value: value.map(str::to_owned),
            rule,
            message: message.into(),
        });
    }

    fn wrong_type(&mut self, path: &Path, expected: &str, got: &Value) {
        self.report(
            path,
            None,
            rules::INVALID_FIELD,
            format!("expected {expected}, got {}", describe(got)),
        );
    }

    /// Whether `key` holds something (absent and null count as nothing,
    /// as the YAML `key:` with no value does).
    pub(crate) fn given(object: &Map<String, Value>, key: &str) -> bool {
        !matches!(object.get(key), None | Some(Value::Null))
    }

    /// An optional string; blank counts as absent.
    pub(crate) fn str<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        at: &Path,
        key: &str,
    ) -> Option<&'v str> {
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()).filter(|s| !s.trim().is_empty()),
            Some(other) => {
                self.wrong_type(&at.key(key), "a string", other);
                None
            }
        }
    }

    /// A string that must be there; `hint` says what it looks like.
    pub(crate) fn required_str<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        at: &Path,
        key: &str,
        hint: &str,
    ) -> Option<&'v str> {
        let value = self.str(object, at, key);
        if value.is_none() && matches!(object.get(key), None | Some(Value::Null | Value::String(_)))
        {
            self.report(
                &at.key(key),
                None,
                rules::INVALID_FIELD,
                format!("is required ({hint})"),
            );
        }
        value
    }

    /// An optional list; `None` when absent, empty when it is not a list.
    pub(crate) fn list<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        at: &Path,
        key: &str,
    ) -> Option<Vec<(Path, &'v Value)>> {
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let path = at.key(key);
                Some(
                    items
                        .iter()
                        .enumerate()
                        .map(|(index, item)| (path.index(index), item))
                        .collect(),
                )
            }
            Some(other) => {
                self.wrong_type(&at.key(key), "a list", other);
                Some(Vec::new())
            }
        }
    }

    /// A list of mappings; items that are not mappings are reported.
    pub(crate) fn objects<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        at: &Path,
        key: &str,
    ) -> Option<Vec<(Path, &'v Map<String, Value>)>> {
        let items = self.list(object, at, key)?;
        let mut out = Vec::new();
        for (path, item) in items {
            match item {
                Value::Object(map) => out.push((path, map)),
                other => self.wrong_type(&path, "a mapping", other),
            }
        }
        Some(out)
    }

    /// A list of strings; items that are not strings are reported.
    pub(crate) fn strings<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        at: &Path,
        key: &str,
    ) -> Option<Vec<(Path, &'v str)>> {
        let items = self.list(object, at, key)?;
        let mut out = Vec::new();
        for (path, item) in items {
            match item {
                Value::String(s) => out.push((path, s.as_str())),
                other => self.wrong_type(&path, "a string", other),
            }
        }
        Some(out)
    }

    /// An optional whole number within `range` (inclusive).
    pub(crate) fn integer(
        &mut self,
        object: &Map<String, Value>,
        at: &Path,
        key: &str,
        (low, high): (i64, i64),
    ) -> Option<i64> {
        let path = at.key(key);
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(n) if (low..=high).contains(&n) => Some(n),
                _ => {
                    let text = n.to_string();
                    self.report(
                        &path,
                        Some(&text),
                        rules::INVALID_FIELD,
                        format!("expected a whole number from {low} to {high}, got {text}"),
                    );
                    None
                }
            },
            Some(other) => {
                self.wrong_type(&path, "a number", other);
                None
            }
        }
    }

    /// An optional value of a type that reads itself from text (a
    /// milestone, a severity), its own message reported when it does not.
    pub(crate) fn parsed<T: std::str::FromStr<Err = String>>(
        &mut self,
        object: &Map<String, Value>,
        at: &Path,
        key: &str,
    ) -> Option<T> {
        let raw = self.str(object, at, key)?;
        match raw.trim().parse::<T>() {
            Ok(value) => Some(value),
            Err(message) => {
                self.report(&at.key(key), Some(raw), rules::INVALID_FIELD, message);
                None
            }
        }
    }

    /// An optional duration (`90s`, `5m`, `1h 30m`, `1d`) in seconds.
    pub(crate) fn duration_seconds(
        &mut self,
        object: &Map<String, Value>,
        at: &Path,
        key: &str,
    ) -> Option<i64> {
        let raw = self.str(object, at, key)?;
        let parsed = seconds(raw);
        if parsed.is_none() {
            self.report(
                &at.key(key),
                Some(raw),
                rules::INVALID_DURATION,
                format!("expected a duration such as 90s, 5m, 1h or 1d, got {raw:?}"),
            );
        }
        parsed
    }

    /// The email address, normalized, or a report.
    pub(crate) fn email(&mut self, path: &Path, raw: &str) -> Option<String> {
        match muster_core::user::email("email", raw) {
            Ok(email) => Some(email),
            Err(error) => {
                self.report(path, Some(raw), rules::INVALID_FIELD, error.message);
                None
            }
        }
    }
}

/// `90s`, `5m`, `1h30m`, `1d`, `1w` in seconds; `None` for anything else.
pub fn seconds(raw: &str) -> Option<i64> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let mut rest = compact.as_str();
    let mut total: i64 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let number: i64 = rest.get(..digits)?.parse().ok()?;
        rest = rest.get(digits..)?;
        let unit: i64 = match rest.bytes().next()? {
            b's' => 1,
            b'm' => 60,
            b'h' => 3_600,
            b'd' => 86_400,
            b'w' => 7 * 86_400,
            _ => return None,
        };
        rest = rest.get(1..)?;
        total = total.checked_add(number.checked_mul(unit)?)?;
    }
    Some(total)
}

/// Every problem of a document in one line: `Schedule x: rotations[0].shift: …; …`.
pub(crate) fn summary(doc: &muster_core::plan::PlanDocument, issues: &[Issue]) -> String {
    let texts: Vec<String> = issues.iter().map(Issue::text).collect();
    format!("{} {}: {}", doc.kind, doc.name, texts.join("; "))
}

/// The body of a stored document as a JSON object.
pub(crate) fn body(text: &str) -> Result<Map<String, Value>, Issue> {
    let problem = |message: String| Issue {
        path: Path::default(),
        value: None,
        rule: rules::INVALID_DOCUMENT,
        message,
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(problem(format!(
            "the stored body is {}, not a mapping",
            describe(&other)
        ))),
        Err(error) => Err(problem(format!("the stored body is not JSON: {error}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_and_parse_like_core_field_names() {
        let path = Path::default().key("steps").index(1).key("delay");
        assert_eq!(path.to_string(), "steps[1].delay");
        assert_eq!(Path::parse("steps[1].delay"), path);
        assert_eq!(Path::parse("repeat"), Path::default().key("repeat"));
        assert_eq!(Path::default().to_string(), "");
    }
}
