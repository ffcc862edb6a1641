//! When a runbook applies: criteria that must all hold for an incident, each
//! with the reason it held or did not, and which runbooks newly attach.
//!
//! Incidents are re-evaluated on every change, so a runbook attaches the
//! moment its condition becomes true (SEV3 raised to SEV1 attaches the SEV1
//! runbook). It attaches once and never detaches by itself: steps that ran
//! stay run, and lowering the severity does not undo the response.

use std::collections::BTreeSet;

use crate::catalog::Slug;
use crate::error::{DomainError, Validation};
use crate::incident::Incident;
use crate::milestone::{Milestone, Milestones};
use crate::runbook::{Runbook, RunbookName};
use crate::severity::{SeverityCode, SeverityScale};

/// One thing that must be true of an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criterion {
    /// The incident is this severe or worse (by the scale's rank).
    SeverityAtLeast(SeverityCode),
    /// The incident has exactly this severity.
    SeverityExactly(SeverityCode),
    /// Customers lose or see degraded this functionality.
    Functionality(Slug),
    /// The incident is on this service.
    Service(Slug),
    /// The incident concerns this team (it owns something affected).
    Team(Slug),
    /// The incident carries this tag (tags are compared lowercase).
    Tag(String),
    /// The incident is a drill (`true`) or a real one (`false`).
    Drill(bool),
    /// The incident has reached this milestone.
    MilestoneReached(Milestone),
}

impl Criterion {
    /// The plan key the criterion is written under.
    pub fn key(&self) -> &'static str {
        match self {
            Self::SeverityAtLeast(_) => "severity_at_least",
            Self::SeverityExactly(_) => "severity",
            Self::Functionality(_) => "functionality",
            Self::Service(_) => "service",
            Self::Team(_) => "team",
            Self::Tag(_) => "tag",
            Self::Drill(_) => "drill",
            Self::MilestoneReached(_) => "milestone_reached",
        }
    }

    /// The criterion in words, as lists show it: "severity at least SEV1".
    pub fn describe(&self) -> String {
        match self {
            Self::SeverityAtLeast(code) => format!("severity at least {code}"),
            Self::SeverityExactly(code) => format!("severity {code}"),
            Self::Functionality(slug) => format!("functionality {slug} affected"),
            Self::Service(slug) => format!("service {slug} affected"),
            Self::Team(slug) => format!("team {slug} involved"),
            Self::Tag(tag) => format!("tagged {tag}"),
            Self::Drill(true) => "a drill".to_owned(),
            Self::Drill(false) => "not a drill".to_owned(),
            Self::MilestoneReached(milestone) => format!("{milestone} reached"),
        }
    }

    fn check(&self, facts: &IncidentFacts, scale: &SeverityScale) -> CriterionCheck {
        let (held, reason) = match self {
            Self::SeverityAtLeast(threshold) | Self::SeverityExactly(threshold) => {
                severity(self, &facts.severity, threshold, scale)
            }
            Self::Functionality(slug) => among("functionality", slug, &facts.functionalities),
            Self::Service(slug) => among("service", slug, &facts.services),
            Self::Team(slug) => {
                let held = facts.teams.contains(slug);
                let verb = if held { "is" } else { "is not" };
                (held, format!("team {slug} {verb} involved"))
            }
            Self::Tag(tag) => {
                let tag = tag.trim().to_lowercase();
                let held = facts.tags.iter().any(|t| t.to_lowercase() == tag);
                let verb = if held { "tagged" } else { "not tagged" };
                (held, format!("{verb} {tag}"))
            }
            Self::Drill(wanted) => {
                let held = facts.drill == *wanted;
                let what = if facts.drill {
                    "it is a drill"
                } else {
                    "it is not a drill"
                };
                (held, what.to_owned())
            }
            Self::MilestoneReached(milestone) => match facts.milestones.get(*milestone) {
                Some(at) => (true, format!("{milestone} at {at}")),
                None => (false, format!("not yet {milestone}")),
            },
        };
        CriterionCheck {
            criterion: self.clone(),
            held,
            reason,
        }
    }
}

fn severity(
    criterion: &Criterion,
    actual: &SeverityCode,
    threshold: &SeverityCode,
    scale: &SeverityScale,
) -> (bool, String) {
    let (Some(actual_rank), Some(threshold_rank)) = (scale.rank(actual), scale.rank(threshold))
    else {
        let unknown = if scale.rank(threshold).is_none() {
            threshold
        } else {
            actual
        };
        return (false, format!("severity {unknown} is not configured"));
    };
    match criterion {
        Criterion::SeverityExactly(_) if actual == threshold => {
            (true, format!("severity {actual}"))
        }
        Criterion::SeverityExactly(_) => (false, format!("severity {actual}, not {threshold}")),
        // Rank 0 is the worst, so "at least as severe" is "rank no higher".
        _ if actual_rank <= threshold_rank => {
            (true, format!("severity {actual} is at least {threshold}"))
        }
        _ => (
            false,
            format!("severity {actual} is milder than {threshold}"),
        ),
    }
}

fn among(what: &str, slug: &Slug, affected: &[Slug]) -> (bool, String) {
    let held = affected.contains(slug);
    let verb = if held { "is" } else { "is not" };
    (held, format!("{what} {slug} {verb} affected"))
}

/// Criteria that must all hold. None at all applies to every incident.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Every criterion, in the plan's order.
    pub all: Vec<Criterion>,
}

impl Conditions {
    /// Conditions holding when every criterion in `all` does.
    pub fn new(all: Vec<Criterion>) -> Self {
        Self { all }
    }

    /// Refuses severities the scale does not have, and empty tags, each
    /// under `at.<key>`.
    pub fn check(&self, at: &str, scale: &SeverityScale) -> Result<(), DomainError> {
        let mut validation = Validation::new();
        for criterion in &self.all {
            let field = format!("{at}.{}", criterion.key());
            match criterion {
                Criterion::SeverityAtLeast(code) | Criterion::SeverityExactly(code)
                    if scale.rank(code).is_none() =>
                {
                    if let Err(error) = scale.resolve(&field, code.as_str()) {
                        error
                            .into_fields()
                            .into_iter()
                            .for_each(|e| validation.push(e.field, e.message));
                    }
                }
                Criterion::Tag(tag) if tag.trim().is_empty() => {
                    validation.push(field, "expected a tag, got an empty one");
                }
                _ => {}
            }
        }
        validation.finish()
    }

    /// Every criterion in words, joined: "severity at least SEV1 and
    /// functionality login affected"; "every incident" when there are none.
    pub fn describe(&self) -> String {
        if self.all.is_empty() {
            return "every incident".to_owned();
        }
        self.all
            .iter()
            .map(Criterion::describe)
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// Checks every criterion against the incident, saying why each held or not.
    pub fn evaluate(&self, facts: &IncidentFacts, scale: &SeverityScale) -> ConditionOutcome {
        ConditionOutcome {
            checks: self.all.iter().map(|c| c.check(facts, scale)).collect(),
        }
    }
}

/// What conditions look at: a snapshot of one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFacts {
    /// The incident's current severity.
    pub severity: SeverityCode,
    /// Functionalities customers lose or see degraded.
    pub functionalities: Vec<Slug>,
    /// Services the incident is on.
    pub services: Vec<Slug>,
    /// Teams owning anything affected.
    pub teams: Vec<Slug>,
    /// Tags as the incident stores them (lowercase).
    pub tags: Vec<String>,
    pub drill: bool,
    /// The milestones reached so far.
    pub milestones: Milestones,
}

impl IncidentFacts {
    /// The facts of a stored incident, from its assessed impact.
    pub fn of(incident: &Incident) -> Self {
        Self {
            severity: incident.severity.clone(),
            functionalities: incident
                .affected
                .functionalities
                .iter()
                .map(|(slug, _)| slug.clone())
                .collect(),
            services: incident.affected.services.clone(),
            teams: incident.affected.teams.clone(),
            tags: incident.tags.clone(),
            drill: incident.drill,
            milestones: incident.milestones,
        }
    }
}

/// One criterion's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionCheck {
    pub criterion: Criterion,
    /// Whether it was true of the incident.
    pub held: bool,
    /// For people: "severity SEV1 is at least SEV2", "not tagged db".
    pub reason: String,
}

/// The verdict on a whole condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionOutcome {
    /// One per criterion, in order.
    pub checks: Vec<CriterionCheck>,
}

impl ConditionOutcome {
    /// Whether every criterion held (no criteria: always).
    pub fn matched(&self) -> bool {
        self.checks.iter().all(|c| c.held)
    }

    /// Why, in one line: every reason when it matched, the failing ones when not.
    pub fn reason(&self) -> String {
        if self.checks.is_empty() {
            return "no conditions: applies to every incident".into();
        }
        let matched = self.matched();
        self.checks
            .iter()
            .filter(|c| matched || !c.held)
            .map(|c| c.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A runbook that attaches now, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The runbook to attach.
    pub runbook: RunbookName,
    /// The condition's reason, for the timeline.
    pub reason: String,
}

/// The runbooks whose conditions hold and that are not attached yet, in
/// the order given. `attached` holds every runbook the incident has, by
/// condition, scenario or hand: none attaches twice, none is removed.
pub fn newly_attached<'a>(
    facts: &IncidentFacts,
    runbooks: impl IntoIterator<Item = &'a Runbook>,
    attached: &BTreeSet<RunbookName>,
    scale: &SeverityScale,
) -> Vec<Attachment> {
    let mut seen = attached.clone();
    let mut out = Vec::new();
    for runbook in runbooks {
        if seen.contains(runbook.name()) {
            continue;
        }
        let outcome = runbook.conditions().evaluate(facts, scale);
        if outcome.matched() {
            seen.insert(runbook.name().clone());
            out.push(Attachment {
                runbook: runbook.name().clone(),
                reason: outcome.reason(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::runbook::{RunbookStep, StepAction, StepTiming};

    fn slug(raw: &str) -> Slug {
        Slug::parse("slug", raw).unwrap()
    }

    fn sev(code: &str) -> SeverityCode {
        SeverityCode::new(code)
    }

    fn facts(severity: &str) -> IncidentFacts {
        IncidentFacts {
            severity: sev(severity),
            functionalities: vec![slug("login")],
            services: vec![slug("auth-api")],
            teams: vec![slug("identity")],
            tags: vec!["customer-facing".into()],
            drill: false,
            milestones: Milestones::default(),
        }
    }

    fn runbook(name: &str, all: Vec<Criterion>) -> Runbook {
        let step = RunbookStep {
            name: "Say it is happening".into(),
            action: StepAction::Manual { instructions: None },
            timing: StepTiming::default(),
        };
        Runbook::new(RunbookName::new(name), Conditions::new(all), vec![step]).unwrap()
    }

    fn check(all: Vec<Criterion>, facts: &IncidentFacts) -> (bool, String) {
        let outcome = Conditions::new(all).evaluate(facts, &SeverityScale::standard());
        (outcome.matched(), outcome.reason())
    }

    #[test]
    fn conditions_read_as_people_say_them() {
        assert_eq!(Conditions::default().describe(), "every incident");
        let all = Conditions::new(vec![
            Criterion::SeverityAtLeast(sev("SEV1")),
            Criterion::Functionality(slug("login")),
            Criterion::Drill(false),
            Criterion::MilestoneReached(Milestone::Mitigated),
        ]);
        assert_eq!(
            all.describe(),
            "severity at least SEV1 and functionality login affected and not a drill and mitigated reached"
        );
    }

    #[test]
    fn severity_at_least_follows_the_scale_not_the_spelling() {
        let at_least = |code| vec![Criterion::SeverityAtLeast(sev(code))];
        assert_eq!(
            check(at_least("SEV2"), &facts("SEV1")),
            (true, "severity SEV1 is at least SEV2".into())
        );
        assert_eq!(
            check(at_least("SEV2"), &facts("SEV3")),
            (false, "severity SEV3 is milder than SEV2".into())
        );
        assert!(check(at_least("SEV2"), &facts("SEV2")).0);
        let exactly = vec![Criterion::SeverityExactly(sev("SEV2"))];
        assert_eq!(
            check(exactly, &facts("SEV1")),
            (false, "severity SEV1, not SEV2".into())
        );
    }

    #[test]
    fn an_unknown_severity_never_matches_and_says_so() {
        let (matched, reason) = check(vec![Criterion::SeverityAtLeast(sev("P1"))], &facts("SEV1"));
        assert!(!matched);
        assert_eq!(reason, "severity P1 is not configured");
        let conditions = Conditions::new(vec![Criterion::SeverityAtLeast(sev("P1"))]);
        let error = conditions
            .check("conditions", &SeverityScale::standard())
            .unwrap_err();
        assert!(
            error.to_string().contains("conditions.severity_at_least"),
            "{error}"
        );
    }

    #[test]
    fn every_criterion_must_hold_and_only_failures_explain_a_miss() {
        let all = vec![
            Criterion::Functionality(slug("login")),
            Criterion::Service(slug("main-db")),
            Criterion::Team(slug("identity")),
            Criterion::Tag("Customer-Facing".into()),
            Criterion::Drill(false),
        ];
        assert_eq!(
            check(all.clone(), &facts("SEV3")),
            (false, "service main-db is not affected".into())
        );
        let mut on_db = facts("SEV3");
        on_db.services.push(slug("main-db"));
        assert_eq!(
            check(all, &on_db),
            (
                true,
                "functionality login is affected; service main-db is affected; \
                 team identity is involved; tagged customer-facing; it is not a drill"
                    .into()
            )
        );
    }

    #[test]
    fn drills_and_milestones() {
        let mut drill = facts("SEV3");
        drill.drill = true;
        assert!(check(vec![Criterion::Drill(true)], &drill).0);
        assert_eq!(
            check(vec![Criterion::Drill(false)], &drill),
            (false, "it is a drill".into())
        );
        let reached = vec![Criterion::MilestoneReached(Milestone::Mitigated)];
        assert_eq!(
            check(reached.clone(), &drill),
            (false, "not yet mitigated".into())
        );
        drill.milestones = drill
            .milestones
            .reach(Milestone::Mitigated, crate::Timestamp::UNIX_EPOCH)
            .unwrap();
        assert!(check(reached, &drill).0);
    }

    #[test]
    fn no_conditions_apply_to_every_incident() {
        assert_eq!(
            check(vec![], &facts("SEV5")),
            (true, "no conditions: applies to every incident".into())
        );
    }

    #[test]
    fn raising_the_severity_attaches_the_sev1_runbook_once_and_lowering_keeps_it() {
        let scale = SeverityScale::standard();
        let runbooks = vec![
            runbook(
                "login-failures",
                vec![Criterion::Functionality(slug("login"))],
            ),
            runbook(
                "sev1-kickoff",
                vec![Criterion::SeverityAtLeast(sev("SEV1"))],
            ),
        ];
        let mut attached = BTreeSet::new();
        let first = newly_attached(&facts("SEV3"), &runbooks, &attached, &scale);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].runbook.as_str(), "login-failures");
        assert_eq!(first[0].reason, "functionality login is affected");
        attached.extend(first.into_iter().map(|a| a.runbook));

        assert!(newly_attached(&facts("SEV3"), &runbooks, &attached, &scale).is_empty());
        let raised = newly_attached(&facts("SEV1"), &runbooks, &attached, &scale);
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].runbook.as_str(), "sev1-kickoff");
        attached.extend(raised.into_iter().map(|a| a.runbook));
        // Lowered again: nothing new, and nothing is taken away (there is
        // no detaching decision at all).
        assert!(newly_attached(&facts("SEV3"), &runbooks, &attached, &scale).is_empty());
    }

    #[test]
    fn a_name_listed_twice_attaches_once() {
        let scale = SeverityScale::standard();
        let runbooks = vec![runbook("again", vec![]), runbook("again", vec![])];
        assert_eq!(
            newly_attached(&facts("SEV3"), &runbooks, &BTreeSet::new(), &scale).len(),
            1
        );
    }

    #[test]
    fn facts_come_from_the_incident_impact() {
        use crate::catalog::Criticality;
        let scale = SeverityScale::standard();
        let roles = crate::role::RoleCatalog::standard();
        let rules = crate::incident::IncidentRules {
            severities: &scale,
            roles: &roles,
        };
        let actor = crate::user::Actor {
            user_id: crate::ids::UserId(uuid::Uuid::from_u128(1)),
            role: crate::user::UserRole::Responder,
        };
        let input = crate::incident::NewIncident {
            title: "Login broken".into(),
            severity: Some("SEV1".into()),
            affected: crate::catalog::impact::IncidentImpact {
                services: vec![slug("auth-api")],
                functionalities: vec![(slug("login"), Criticality::Hard)],
                teams: vec![slug("identity")],
            },
            ..Default::default()
        };
        let id = crate::ids::IncidentId(uuid::Uuid::from_u128(2));
        let (incident, _) =
            Incident::declare(id, input, &actor, &rules, crate::Timestamp::UNIX_EPOCH).unwrap();
        let facts = IncidentFacts::of(&incident);
        assert_eq!(facts.functionalities, vec![slug("login")]);
        assert_eq!(facts.severity, sev("SEV1"));
        assert_eq!(facts.teams, vec![slug("identity")]);
    }

    proptest! {
        /// Whatever the incident and however often it is re-evaluated, a
        /// runbook attaches at most once and never twice in one answer.
        #[test]
        fn attaching_is_once_and_idempotent(
            severities in proptest::collection::vec(0usize..5, 1..12),
            thresholds in proptest::collection::vec(0usize..5, 1..6),
        ) {
            let scale = SeverityScale::standard();
            let code = |rank: usize| scale.all()[rank].code.clone();
            let runbooks: Vec<Runbook> = thresholds
                .iter()
                .enumerate()
                .map(|(i, t)| runbook(&format!("rb-{i}"), vec![Criterion::SeverityAtLeast(code(*t))]))
                .collect();
            let mut attached = BTreeSet::new();
            for rank in severities {
                let mut f = facts("SEV1");
                f.severity = code(rank);
                let new = newly_attached(&f, &runbooks, &attached, &scale);
                for a in &new {
                    prop_assert!(attached.insert(a.runbook.clone()), "attached twice: {}", a.runbook);
                }
                prop_assert!(newly_attached(&f, &runbooks, &attached, &scale).is_empty());
                // Everything whose threshold the current severity meets is attached by now.
                for (i, t) in thresholds.iter().enumerate() {
                    let name = RunbookName::new(format!("rb-{i}"));
                    if rank <= *t {
                        prop_assert!(attached.contains(&name), "{} is not attached", name);
                    }
                }
            }
        }
    }
}
