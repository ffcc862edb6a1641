//! Schedules and escalation policies, checked by the reader the server
//! pages with ([`crate::oncall`]): each document becomes the body the server
//! stores, is read back, and every problem is placed at its YAML line.
//! Only references to other documents are checked here, as they need the
//! whole plan.

use muster_core::oncall::escalation::Target;

use super::Doc;
use crate::oncall::read::{Issue, Path};
use crate::oncall::{read_policy, schedule as reader};
use crate::plan::export::stored;
use crate::plan::locate::deepest;
use crate::plan::{Finding, Kind, rules};

impl Doc<'_> {
    /// Where the value at `path` is written; at `value`'s own text when
    /// given and found on or after the line the path leads to.
    fn place_path(&self, path: &Path, value: Option<&str>) -> (usize, usize) {
        let Some((_, text)) = self.plan.files.get(self.doc.file_index) else {
            return (self.doc.line, 1);
        };
        let (line, column) =
            deepest(text, &self.doc.segment, &path.steps()).unwrap_or((self.doc.line, 1));
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            let first = self.doc.segment.first_line;
            let segment = text.get(self.doc.segment.range.clone()).unwrap_or_default();
            for (index, content) in segment.lines().enumerate().skip(line - first) {
                if let Some(at) = content.find(value) {
                    return (first + index, at + 1);
                }
            }
        }
        (line, column)
    }

    pub(super) fn issue(&mut self, issue: &Issue) {
        let (line, column) = self.place_path(&issue.path, issue.value.as_deref());
        self.out.push(Finding {
            file: self.doc.file.clone(),
            line,
            column,
            rule: issue.rule,
            message: format!("{} {}: {}", self.doc.kind, self.doc.name, issue.text()),
        });
    }
}

pub(super) fn schedule(d: &mut Doc<'_>) {
    if let Err(issues) = reader::read(&stored(d.doc)) {
        for issue in &issues {
            d.issue(issue);
        }
    }
}

pub(super) fn escalation(d: &mut Doc<'_>) {
    let reading = read_policy(&stored(d.doc));
    if let Err(issues) = &reading.result {
        for issue in issues {
            d.issue(issue);
        }
    }
    for (path, target, raw) in &reading.targets {
        let kind = match target {
            Target::Schedule(_) => Kind::Schedule,
            Target::Team(_) => Kind::Team,
            Target::User(_) => continue,
        };
        if d.plan.get(kind, raw).is_none() {
            d.issue(&Issue {
                path: path.clone(),
                value: Some(raw.clone()),
                rule: rules::UNKNOWN_REFERENCE,
                message: format!("no {kind} named {raw:?}"),
            });
        }
    }
}
