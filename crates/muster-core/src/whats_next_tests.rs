//! The panel, told as the example plan's story: a SEV1 on Login declared on
//! a Friday evening.

use jiff::SignedDuration;
use jiff::tz::TimeZone;
use uuid::Uuid;

use super::*;
use crate::audience::Audience;
use crate::catalog::Slug;
use crate::milestone::{Milestone, Milestones};
use crate::runbook::{
    AttachedRunbook, Conditions, Criterion, IncidentFacts, RoleAssignee, Runbook, RunbookName,
    RunbookStep, StepAction, StepRun, StepStart, StepTiming, agenda, newly_attached, roles_wanted,
};
use crate::severity::{SeverityCode, SeverityScale};
use crate::stakeholder::cadence::{CadenceFacts, UpdateCadence, cadence_state};
use crate::stakeholder::{
    ChannelKind, StakeholderChannel, StakeholderGroup, StakeholderPolicy, UpdateFacts, UpdateWhen,
    update_due,
};

fn declared() -> Timestamp {
    // Friday 2026-10-30, 18:00 in New York, 23:00 in Amsterdam.
    "2026-10-30T22:00:00Z".parse().unwrap()
}

fn after(minutes: i64) -> Timestamp {
    declared()
        .checked_add(SignedDuration::from_mins(minutes))
        .unwrap()
}

fn slug(raw: &str) -> Slug {
    Slug::parse("slug", raw).unwrap()
}

fn at_once(name: &str, action: StepAction) -> RunbookStep {
    RunbookStep {
        name: name.into(),
        action,
        timing: StepTiming::default(),
    }
}

fn assign(role: &str, to: RoleAssignee) -> StepAction {
    StepAction::AssignRole {
        role: RoleCode::new(role),
        to,
    }
}

fn notify(group: &str) -> StepAction {
    StepAction::NotifyStakeholders {
        group: group.into(),
    }
}

/// The example plan's runbooks that matter here, in the plan's order.
fn runbooks() -> Vec<Runbook> {
    let sev1 = Runbook::new(
        RunbookName::new("sev1-kickoff"),
        Conditions::new(vec![Criterion::SeverityAtLeast(SeverityCode::new("SEV1"))]),
        vec![
            at_once("Take command", assign("commander", RoleAssignee::Declarer)),
            at_once(
                "Someone writes things down",
                assign(
                    "scribe",
                    RoleAssignee::OnCall {
                        schedule: "support-primary".into(),
                    },
                ),
            ),
            at_once(
                "Bring in the task force",
                StepAction::AssembleTaskForce {
                    task_force: Some("standing".into()),
                },
            ),
            at_once("Tell leadership and support", notify("leadership")),
            at_once("Support hears it from us first", notify("customer-support")),
            at_once(
                "First public note",
                StepAction::DraftStatusUpdate {
                    component: Some("shop".into()),
                },
            ),
        ],
    );
    let checkout = Runbook::new(
        RunbookName::new("checkout-down"),
        Conditions::new(vec![
            Criterion::Functionality(slug("checkout")),
            Criterion::SeverityAtLeast(SeverityCode::new("SEV2")),
        ]),
        vec![at_once(
            "Page payments",
            StepAction::PageTeam {
                team: slug("payments"),
            },
        )],
    );
    let login = Runbook::new(
        RunbookName::new("login-failures"),
        Conditions::new(vec![Criterion::Functionality(slug("login"))]),
        vec![
            at_once(
                "Page identity",
                StepAction::PageTeam {
                    team: slug("identity"),
                },
            ),
            at_once(
                "Watch the support queue",
                assign(
                    "customer-liaison",
                    RoleAssignee::User {
                        email: "support-lead@fernbrook.example".into(),
                    },
                ),
            ),
            RunbookStep {
                name: "Confirm sign-in works again".into(),
                action: StepAction::Manual { instructions: None },
                timing: StepTiming {
                    start: StepStart::AtMilestone(Milestone::Mitigated),
                    repeat: None,
                },
            },
        ],
    );
    vec![sev1.unwrap(), checkout.unwrap(), login.unwrap()]
}

fn group(name: &str, zone: &str, when: UpdateWhen) -> StakeholderGroup {
    StakeholderGroup::new(
        name,
        vec![format!("{name}@fernbrook.example")],
        vec![StakeholderChannel {
            kind: ChannelKind::Email,
            target: format!("{name}@fernbrook.example"),
        }],
        Some(TimeZone::get(zone).unwrap()),
        vec![StakeholderPolicy {
            severities: vec![SeverityCode::new("SEV1")],
            when,
        }],
    )
    .unwrap()
}

fn done(key: RunKey, minute: i64) -> StepRun {
    StepRun::start(key, after(minute))
        .succeed(after(minute))
        .unwrap()
}

#[test]
fn a_friday_evening_sev1_on_login_as_the_panel_shows_it() {
    let scale = SeverityScale::standard();
    let facts = IncidentFacts {
        severity: SeverityCode::new("SEV1"),
        functionalities: vec![slug("login")],
        services: vec![slug("auth-api")],
        teams: vec![slug("identity")],
        tags: vec![],
        drill: false,
        milestones: Milestones::default(),
    };
    let plan = runbooks();
    let attachments = newly_attached(&facts, &plan, &BTreeSet::new(), &scale);
    let names: Vec<&str> = attachments.iter().map(|a| a.runbook.as_str()).collect();
    assert_eq!(names, ["sev1-kickoff", "login-failures"]);
    let attached: Vec<AttachedRunbook> = plan
        .iter()
        .filter(|r| names.contains(&r.name().as_str()))
        .map(|runbook| AttachedRunbook {
            runbook: runbook.clone(),
            attached_at: declared(),
        })
        .collect();

    // The engine's first cycle starts every immediate step; two fail.
    let mut runs = Vec::new();
    for runbook in &attached {
        for (key, _) in agenda(runbook, &runs, &facts.milestones, declared()).due() {
            let run = StepRun::start(key.clone(), declared());
            let run = match (key.runbook.as_str(), key.step) {
                ("sev1-kickoff", 1) => run.fail("nobody is on call for support-primary", after(0)),
                ("sev1-kickoff", 5) => run.fail("template error: unknown field impcat", after(0)),
                _ => run.succeed(after(0)),
            };
            runs.push(run.unwrap());
        }
    }
    assert_eq!(runs.len(), 8);

    let roles = BTreeMap::from([
        (RoleCode::commander(), UserId(Uuid::from_u128(1))),
        (
            RoleCode::new("customer-liaison"),
            UserId(Uuid::from_u128(2)),
        ),
    ]);
    let mut wanted = roles_wanted(attached.iter().map(|a| &a.runbook));
    wanted.insert(RoleCode::communications());

    // Leadership and support were told at once; legal reads a digest on
    // Monday morning in New York (after the clocks went back: 14:00 UTC).
    let legal = group("legal", "America/New_York", UpdateWhen::NextBusinessMorning);
    let update_facts = UpdateFacts {
        severity: facts.severity.clone(),
        declared_at: declared(),
        milestones: facts.milestones,
        audience: Audience::Everyone,
    };
    let now = after(36);
    let untold = vec![("legal".to_owned(), update_due(&legal, &update_facts, now))];

    let cadence = UpdateCadence::new(SignedDuration::from_mins(30), Milestone::Resolved).unwrap();
    let cadence_now = cadence_state(
        &cadence,
        &CadenceFacts {
            last_update_at: None,
            declared_at: declared(),
            milestones: &facts.milestones,
            roles: &roles,
        },
        now,
    );

    let agendas: Vec<StepAgenda> = attached
        .iter()
        .map(|a| agenda(a, &runs, &facts.milestones, now))
        .collect();
    let panel = whats_next(
        &WhatsNextInput {
            agendas: &agendas,
            roles_wanted: &wanted,
            roles: &roles,
            stakeholder_updates: &untold,
            cadence: Some(&cadence_now),
        },
        now,
    );

    assert!(panel.due_steps.is_empty() && panel.overdue_steps.is_empty());
    let failed: Vec<(&str, &str)> = panel
        .failed_steps
        .iter()
        .map(|f| (f.step_name.as_str(), f.reason.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                "Someone writes things down",
                "nobody is on call for support-primary"
            ),
            ("First public note", "template error: unknown field impcat"),
        ]
    );
    let empty: Vec<&str> = panel.empty_roles.iter().map(RoleCode::as_str).collect();
    assert_eq!(empty, ["communications", "scribe"]);
    assert_eq!(
        panel.next_stakeholder_update,
        Some(UpcomingUpdate {
            group: "legal".into(),
            due_at: "2026-11-02T14:00:00Z".parse().unwrap(),
            due_now: false,
            digest: true,
        })
    );
    // Nobody holds communications, so the late update reminds the commander.
    let reminders = panel.cadence.as_ref().map(CadenceState::reminders).unwrap();
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].role, RoleCode::commander());
    // The manual check waits for mitigation: no timer, nothing due.
    assert_eq!(panel.next_step_at, None);
}

#[test]
fn steps_due_for_a_while_and_unticked_manual_steps_are_overdue() {
    let runbook = Runbook::new(
        RunbookName::new("database-failover"),
        Conditions::default(),
        vec![
            at_once(
                "Page platform",
                StepAction::PageTeam {
                    team: slug("platform"),
                },
            ),
            at_once(
                "Fail over",
                StepAction::Manual {
                    instructions: Some("Confirm replication lag is zero first.".into()),
                },
            ),
            RunbookStep {
                name: "Tell the room".into(),
                action: StepAction::Webhook {
                    url: "https://hooks.fernbrook.example/incident-room".into(),
                },
                timing: StepTiming {
                    start: StepStart::After(SignedDuration::from_mins(4)),
                    repeat: None,
                },
            },
        ],
    )
    .unwrap();
    let attached = AttachedRunbook {
        runbook,
        attached_at: declared(),
    };
    let key = |step| RunKey {
        runbook: RunbookName::new("database-failover"),
        step,
        occurrence: 0,
    };
    let page_done = done(key(0), 0);
    let failover = StepRun::start(key(1), declared());
    let nothing = BTreeSet::new();
    let no_roles = BTreeMap::new();
    let panel_at = |runs: &[StepRun], minute: i64| {
        let agendas = [agenda(
            &attached,
            runs,
            &Milestones::default(),
            after(minute),
        )];
        whats_next(
            &WhatsNextInput {
                agendas: &agendas,
                roles_wanted: &nothing,
                roles: &no_roles,
                stakeholder_updates: &[],
                cadence: None,
            },
            after(minute),
        )
    };

    let early = panel_at(&[page_done.clone(), failover.clone()], 2);
    assert_eq!(early.awaiting_people.len(), 1);
    assert_eq!(early.next_step_at, Some(after(4)));
    // The engine fell behind: the webhook has been due for six minutes.
    let late = panel_at(&[page_done, failover], 10);
    let overdue: Vec<(&str, bool)> = late
        .overdue_steps
        .iter()
        .map(|s| (s.step_name.as_str(), s.manual))
        .collect();
    assert_eq!(overdue, [("Fail over", true), ("Tell the room", false)]);
    assert!(late.due_steps.is_empty() && late.awaiting_people.is_empty());
    assert_eq!(late.next_stakeholder_update, None);
}
