//! The running incident plan: the documents a plan apply stored (severities,
//! runbooks, scenarios, …; the catalog's teams, services and functionalities
//! live in the catalog), who applied it when, and which reviews are overdue.
//!
//! Document bodies are opaque here: the edge turns each YAML document into a
//! canonical text (keys sorted), so equal bodies mean equal documents.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::catalog::changes::ChangeKind;
use crate::{Timestamp, UserId};

/// A length of time as the plan writes it: `90d`, `12w`, `6m`, `1y`, `12h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub amount: u32,
    pub unit: PeriodUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodUnit {
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

impl PeriodUnit {
    pub const ALL: [PeriodUnit; 5] = [
        Self::Hours,
        Self::Days,
        Self::Weeks,
        Self::Months,
        Self::Years,
    ];

    /// The letter after the amount (`d` in `90d`).
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Hours => "h",
            Self::Days => "d",
            Self::Weeks => "w",
            Self::Months => "m",
            Self::Years => "y",
        }
    }
}

impl Period {
    /// Parses `<n><unit>` with `n >= 1` and unit one of `units`.
    pub fn parse(raw: &str, units: &[PeriodUnit]) -> Option<Self> {
        let raw = raw.trim();
        let split = raw.find(|c: char| !c.is_ascii_digit())?;
        let amount: u32 = raw[..split].parse().ok().filter(|n| *n >= 1)?;
        let unit = PeriodUnit::ALL
            .into_iter()
            .find(|unit| unit.suffix() == &raw[split..])?;
        units.contains(&unit).then_some(Self { amount, unit })
    }

    /// The review periods: days, weeks, months, years.
    pub const REVIEW_UNITS: [PeriodUnit; 4] = [
        PeriodUnit::Days,
        PeriodUnit::Weeks,
        PeriodUnit::Months,
        PeriodUnit::Years,
    ];
    /// Shift lengths: hours, days, weeks.
    pub const SHIFT_UNITS: [PeriodUnit; 3] =
        [PeriodUnit::Hours, PeriodUnit::Days, PeriodUnit::Weeks];

    /// Roughly how many days the period lasts (months as 31 days, years as 366).
    pub fn approximate_days(self) -> u64 {
        let per_unit: f64 = match self.unit {
            PeriodUnit::Hours => 1.0 / 24.0,
            PeriodUnit::Days => 1.0,
            PeriodUnit::Weeks => 7.0,
            PeriodUnit::Months => 31.0,
            PeriodUnit::Years => 366.0,
        };
        (f64::from(self.amount) * per_unit).ceil() as u64
    }

    /// The longest review period a plan may set: a document unreviewed for
    /// longer than a decade is not owned.
    pub const MAX_REVIEW_DAYS: u64 = 3_660;

    /// The period as a calendar span; `None` when it is too long for one
    /// (over about 19,000 years), which the plan's validator refuses.
    pub fn span(self) -> Option<jiff::Span> {
        let n = i64::from(self.amount);
        let span = jiff::Span::new();
        match self.unit {
            PeriodUnit::Hours => span.try_hours(n),
            PeriodUnit::Days => span.try_days(n),
            PeriodUnit::Weeks => span.try_weeks(n),
            PeriodUnit::Months => span.try_months(n),
            PeriodUnit::Years => span.try_years(n),
        }
        .ok()
    }
}

/// When a review falls due: `last_reviewed + review_every`, if both are
/// present and well formed.
pub fn review_due(last_reviewed: Option<Date>, review_every: Option<&str>) -> Option<Date> {
    let every = Period::parse(review_every?, &Period::REVIEW_UNITS)?;
    last_reviewed?.checked_add(every.span()?).ok()
}

/// One stored plan document that is not a catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDocument {
    /// `Severity`, `Runbook`, … as the plan writes it.
    pub kind: String,
    pub name: String,
    /// The file it came from, relative to the plan folder.
    pub file: String,
    /// The document as canonical JSON (keys sorted, `kind` and `name` left out).
    pub body: String,
    /// The owning team's slug.
    pub owner: Option<String>,
    pub review_every: Option<String>,
    pub last_reviewed: Option<Date>,
}

impl PlanDocument {
    pub fn key(&self) -> (&str, &str) {
        (&self.kind, &self.name)
    }

    pub fn review_due(&self) -> Option<Date> {
        review_due(self.last_reviewed, self.review_every.as_deref())
    }

    /// Whether the review was due before `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.review_due().is_some_and(|due| due < today)
    }
}

/// What happens to one stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentChange {
    /// Create, update, unchanged or delete: the plan owns every stored
    /// document, so what it no longer names goes.
    pub kind: ChangeKind,
    pub document_kind: String,
    pub name: String,
    /// The desired document (absent for deletions).
    pub desired: Option<PlanDocument>,
}

/// The changes that turn the stored documents into `desired`, ordered by
/// (kind, name). A document moved to another file is an update: the export
/// writes it where the plan now keeps it.
pub fn diff_documents(current: &[PlanDocument], desired: &[PlanDocument]) -> Vec<DocumentChange> {
    let now: BTreeMap<(&str, &str), &PlanDocument> = current.iter().map(|d| (d.key(), d)).collect();
    let want: BTreeMap<(&str, &str), &PlanDocument> =
        desired.iter().map(|d| (d.key(), d)).collect();
    let mut changes = Vec::new();
    for (key, doc) in &want {
        let kind = match now.get(key) {
            None => ChangeKind::Create,
            Some(old) if *old == *doc => ChangeKind::Unchanged,
            Some(_) => ChangeKind::Update,
        };
        changes.push(DocumentChange {
            kind,
            document_kind: key.0.to_owned(),
            name: key.1.to_owned(),
            desired: Some((*doc).clone()),
        });
    }
    for key in now.keys().filter(|key| !want.contains_key(*key)) {
        changes.push(DocumentChange {
            kind: ChangeKind::Delete,
            document_kind: key.0.to_owned(),
            name: key.1.to_owned(),
            desired: None,
        });
    }
    changes.sort_by(|a, b| (&a.document_kind, &a.name).cmp(&(&b.document_kind, &b.name)));
    changes
}

/// Whether any change writes.
pub fn documents_change(changes: &[DocumentChange]) -> bool {
    changes.iter().any(|c| c.kind != ChangeKind::Unchanged)
}

/// A plan file as it was applied, kept so the console can show the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFile {
    /// Relative to the plan folder, `/`-separated.
    pub path: String,
    pub text: String,
}

/// One apply that changed something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRevision {
    /// 1, 2, 3, … in apply order.
    pub number: i64,
    pub applied_at: Timestamp,
    pub applied_by: UserId,
    /// `applied_by`'s display name and email when read back (empty on write).
    pub applied_by_name: String,
    pub applied_by_email: String,
    /// One line: what changed (`2 created, 1 updated`).
    pub summary: String,
    pub files: Vec<PlanFile>,
}

/// A reminder to review a document, recorded once per document and due date
/// (the notification sinks send it once they exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewReminder {
    pub kind: String,
    pub name: String,
    pub owner: Option<String>,
    pub due: Date,
    pub recorded_at: Timestamp,
}

/// The reminders owed on `today`: one per overdue document.
pub fn reminders_due(
    documents: &[PlanDocument],
    today: Date,
    now: Timestamp,
) -> Vec<ReviewReminder> {
    documents
        .iter()
        .filter_map(|doc| {
            let due = doc.review_due()?;
            (due < today).then(|| ReviewReminder {
                kind: doc.kind.clone(),
                name: doc.name.clone(),
                owner: doc.owner.clone(),
                due,
                recorded_at: now,
            })
        })
        .collect()
}

/// A one-line summary of counts by change kind, e.g. `2 created, 1 deleted`.
pub fn summarize(counts: &BTreeMap<ChangeKind, usize>) -> String {
    let words = [
        (ChangeKind::Create, "created"),
        (ChangeKind::Update, "updated"),
        (ChangeKind::Delete, "deleted"),
    ];
    let parts: Vec<String> = words
        .iter()
        .filter_map(|(kind, word)| {
            counts
                .get(kind)
                .filter(|n| **n > 0)
                .map(|n| format!("{n} {word}"))
        })
        .collect();
    if parts.is_empty() {
        "no changes".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &str, name: &str, body: &str) -> PlanDocument {
        PlanDocument {
            kind: kind.into(),
            name: name.into(),
            file: "plan.yaml".into(),
            body: body.into(),
            owner: Some("platform".into()),
            review_every: Some("90d".into()),
            last_reviewed: Some(Date::constant(2026, 1, 1)),
        }
    }

    #[test]
    fn periods_parse_only_their_units() {
        assert_eq!(
            Period::parse("90d", &Period::REVIEW_UNITS),
            Some(Period {
                amount: 90,
                unit: PeriodUnit::Days
            })
        );
        assert_eq!(Period::parse("12h", &Period::REVIEW_UNITS), None);
        assert_eq!(Period::parse("0d", &Period::REVIEW_UNITS), None);
        assert_eq!(Period::parse("d", &Period::REVIEW_UNITS), None);
        assert_eq!(Period::parse("3x", &Period::REVIEW_UNITS), None);
        assert!(Period::parse("12h", &Period::SHIFT_UNITS).is_some());
    }

    #[test]
    fn absurd_periods_have_no_span_and_no_due_date() {
        let forever = Period::parse("20000y", &Period::REVIEW_UNITS).expect("parses");
        assert!(forever.span().is_none());
        let huge = Period::parse("4294967295d", &Period::REVIEW_UNITS).expect("parses");
        assert!(huge.span().is_none());
        assert!(forever.approximate_days() > Period::MAX_REVIEW_DAYS);
        let decade = Period::parse("10y", &Period::REVIEW_UNITS).expect("parses");
        assert!(decade.approximate_days() <= Period::MAX_REVIEW_DAYS);
        assert_eq!(
            review_due(Some(Date::constant(2026, 1, 1)), Some("20000y")),
            None
        );
        // A span that exists but lands past the calendar's end has no due date either.
        assert_eq!(
            review_due(Some(Date::constant(2026, 1, 1)), Some("9000y")),
            None
        );
    }

    #[test]
    fn a_review_is_due_a_period_after_the_last() {
        let d = doc("Runbook", "a", "{}");
        assert_eq!(d.review_due(), Some(Date::constant(2026, 4, 1)));
        assert!(!d.is_overdue(Date::constant(2026, 4, 1)));
        assert!(d.is_overdue(Date::constant(2026, 4, 2)));
        let months = PlanDocument {
            review_every: Some("1m".into()),
            last_reviewed: Some(Date::constant(2026, 1, 31)),
            ..d.clone()
        };
        // Month arithmetic clamps to the month's last day.
        assert_eq!(months.review_due(), Some(Date::constant(2026, 2, 28)));
        let unreviewed = PlanDocument {
            last_reviewed: None,
            ..d
        };
        assert_eq!(unreviewed.review_due(), None);
    }

    #[test]
    fn the_diff_creates_updates_keeps_and_deletes() {
        let current = [
            doc("Runbook", "a", "{}"),
            doc("Runbook", "b", "{}"),
            doc("Role", "c", "{}"),
        ];
        let mut moved = doc("Role", "c", "{}");
        moved.file = "roles.yaml".into();
        let desired = [
            doc("Runbook", "a", "{}"),
            doc("Runbook", "b", r#"{"steps":[]}"#),
            moved,
            doc("Scenario", "d", "{}"),
        ];
        let changes = diff_documents(&current, &desired);
        let summary: Vec<(&str, &str, ChangeKind)> = changes
            .iter()
            .map(|c| (c.document_kind.as_str(), c.name.as_str(), c.kind))
            .collect();
        assert_eq!(
            summary,
            [
                ("Role", "c", ChangeKind::Update),
                ("Runbook", "a", ChangeKind::Unchanged),
                ("Runbook", "b", ChangeKind::Update),
                ("Scenario", "d", ChangeKind::Create),
            ]
        );
        assert!(documents_change(&changes));
        let gone = diff_documents(&current, &[]);
        assert!(
            gone.iter()
                .all(|c| c.kind == ChangeKind::Delete && c.desired.is_none())
        );
        assert!(!documents_change(&diff_documents(&current, &current)));
    }

    #[test]
    fn reminders_are_owed_only_for_overdue_documents() {
        let now = Timestamp::UNIX_EPOCH;
        let fresh = PlanDocument {
            last_reviewed: Some(Date::constant(2026, 11, 1)),
            ..doc("Runbook", "fresh", "{}")
        };
        let owed = reminders_due(
            &[doc("Runbook", "old", "{}"), fresh],
            Date::constant(2026, 11, 26),
            now,
        );
        assert_eq!(owed.len(), 1);
        assert_eq!(owed[0].name, "old");
        assert_eq!(owed[0].due, Date::constant(2026, 4, 1));
        assert_eq!(owed[0].owner.as_deref(), Some("platform"));
    }

    #[test]
    fn summaries_count_only_writes() {
        let mut counts = BTreeMap::new();
        assert_eq!(summarize(&counts), "no changes");
        counts.insert(ChangeKind::Unchanged, 4);
        counts.insert(ChangeKind::Create, 2);
        counts.insert(ChangeKind::Delete, 1);
        assert_eq!(summarize(&counts), "2 created, 1 deleted");
    }
}
