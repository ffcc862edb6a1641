//! Label matchers, as Alertmanager writes them: `name=value`, `name!=value`,
//! `name=~regex`, `name!~regex`; a value may be double-quoted. A label the
//! alert lacks matches as the empty string, and a regex must match the
//! whole value, as in Alertmanager.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

use crate::error::FieldError;

/// The longest pattern accepted, and the compiled size it may reach: a
/// matcher comes from people and plans, and must stay cheap on every alert.
const MAX_PATTERN: usize = 1024;
const MAX_COMPILED: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equal => "=",
            Self::NotEqual => "!=",
            Self::Regex => "=~",
            Self::NotRegex => "!~",
        }
    }
}

/// One condition on one label.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// Compiled, anchored, for the regex operators.
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl Eq for Matcher {}

impl Matcher {
    /// A matcher from its parts; `field` names it in errors.
    pub fn new(field: &str, name: &str, op: MatchOp, value: &str) -> Result<Self, FieldError> {
        let name = name.trim();
        if !valid_label_name(name) {
            return Err(FieldError::new(
                field,
                format!(
                    "a label name is letters, digits and '_', not starting with a digit; got {name:?}"
                ),
            ));
        }
        let regex = match op {
            MatchOp::Equal | MatchOp::NotEqual => None,
            MatchOp::Regex | MatchOp::NotRegex => {
                if value.len() > MAX_PATTERN {
                    return Err(FieldError::new(
                        field,
                        format!("a pattern is at most {MAX_PATTERN} bytes"),
                    ));
                }
                let anchored = format!("^(?:{value})$");
                let compiled = regex::RegexBuilder::new(&anchored)
                    .size_limit(MAX_COMPILED)
                    .build()
                    .map_err(|e| {
                        FieldError::new(field, format!("not a valid regular expression: {e}"))
                    })?;
                Some(compiled)
            }
        };
        Ok(Self {
            name: name.to_owned(),
            op,
            value: value.to_owned(),
            regex,
        })
    }

    /// Reads `name=value`, `name!="value"`, `name=~"a|b"`, `name!~regex`.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        let Some(at) = text.find(['=', '!']) else {
            return Err(FieldError::new(
                field,
                format!(
                    "expected name=value, name!=value, name=~regex or name!~regex, got {text:?}"
                ),
            ));
        };
        let (name, rest) = text.split_at(at);
        let (op, raw) = if let Some(v) = rest.strip_prefix("=~") {
            (MatchOp::Regex, v)
        } else if let Some(v) = rest.strip_prefix("!~") {
            (MatchOp::NotRegex, v)
        } else if let Some(v) = rest.strip_prefix("!=") {
            (MatchOp::NotEqual, v)
        } else if let Some(v) = rest.strip_prefix('=') {
            (MatchOp::Equal, v)
        } else {
            return Err(FieldError::new(
                field,
                format!("expected =, !=, =~ or !~ after {name:?}, got {text:?}"),
            ));
        };
        let value = unquote(raw.trim())
            .ok_or_else(|| FieldError::new(field, format!("unterminated quote in {text:?}")))?;
        Self::new(field, name, op, &value)
    }

    /// Whether `labels` satisfy this condition (a missing label is "").
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.name).map_or("", String::as_str);
        self.matches_value(value)
    }

    fn matches_value(&self, value: &str) -> bool {
        match (&self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(value),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(value),
            // `new` always compiles a regex for these operators.
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }

    /// Whether the matcher holds for an alert without the label: a silence
    /// made only of such matchers would silence everything.
    pub fn matches_empty(&self) -> bool {
        self.matches_value("")
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let escaped = self.value.replace('\\', "\\\\").replace('"', "\\\"");
        write!(f, "{}{}\"{escaped}\"", self.name, self.op.as_str())
    }
}

/// Whether every matcher holds (no matchers: always).
pub fn all_match(matchers: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A bare value as it is, or a double-quoted one with `\"`, `\\` and `\n`
/// escapes; `None` when a quote is left open.
fn unquote(raw: &str) -> Option<String> {
    let Some(inner) = raw.strip_prefix('"') else {
        return Some(raw.to_owned());
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return chars.as_str().trim().is_empty().then_some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            other => out.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_operator_reads_and_matches_as_alertmanager_does() {
        let l = labels(&[("severity", "critical"), ("job", "checkout-api")]);
        let cases = [
            ("severity=critical", true),
            ("severity=\"critical\"", true),
            ("severity!=critical", false),
            ("severity=~\"crit.*|error\"", true),
            ("severity=~crit", false), // anchored: the whole value
            ("job!~\"checkout-.*\"", false),
            ("team=", true), // a missing label is the empty string
            ("team!=\"\"", false),
            ("team=~\".+\"", false),
        ];
        for (text, expected) in cases {
            let m = Matcher::parse("matchers", text).unwrap();
            assert_eq!(m.matches(&l), expected, "{text}");
        }
    }

    #[test]
    fn quoted_values_keep_their_escapes_and_print_back() {
        let m = Matcher::parse("m", r#"summary="say \"hi\"\\now""#).unwrap();
        assert_eq!(m.value, r#"say "hi"\now"#);
        assert_eq!(Matcher::parse("m", &m.to_string()).unwrap(), m);
    }

    #[test]
    fn bad_matchers_are_refused_with_the_field_named() {
        for text in [
            "severity",
            "1abc=x",
            "=x",
            "severity=~\"(\"",
            "severity=\"open",
            "severity=\"a\" trailing",
        ] {
            let error = Matcher::parse("routes[0].matchers[1]", text).unwrap_err();
            assert_eq!(error.field, "routes[0].matchers[1]", "{text}");
        }
    }

    #[test]
    fn a_matcher_knows_whether_it_holds_for_a_missing_label() {
        assert!(Matcher::parse("m", "team=~\".*\"").unwrap().matches_empty());
        assert!(!Matcher::parse("m", "team=db").unwrap().matches_empty());
    }
}
