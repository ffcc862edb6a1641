//! The "what's next" panel and the scenario card: each item worded, with
//! the form its one click posts.

use std::collections::BTreeMap;

use askama::Template;
use jiff::{SignedDuration, Timestamp};
use muster_core::runbook::{RunKey, RunbookName};
use muster_core::scenario::{Expectation, ExpectedMoment, Happened, Scenario, compare_timeline};
use muster_core::stakeholder::cadence::{CadenceState, UpdateCadence};
use muster_core::whats_next::{FailedStep, StepItem, UpcomingUpdate, WhatsNext};
use muster_core::{Milestone, RoleCatalog, RoleCode, Task, TaskId, UserId};
use uuid::Uuid;

use super::{chrome, declared, user, view_of};
use crate::pages::IncidentPage;
use crate::present::{self, ProcessInputs};

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_100 + minutes * 60).unwrap()
}

fn key(runbook: &str, step: usize) -> RunKey {
    RunKey {
        runbook: RunbookName::new(runbook),
        step,
        occurrence: 0,
    }
}

#[test]
fn the_panel_words_each_next_action_with_its_button() {
    let ada = user("Ada");
    let (incident, timeline) = declared("Login down", &ada);
    let roles = RoleCatalog::standard();
    let mut view = view_of(&incident, &timeline, &ada);
    let panel = WhatsNext {
        due_steps: vec![],
        overdue_steps: vec![StepItem {
            key: key("login-failures", 5),
            step_name: "Confirm the fix with support".into(),
            manual: true,
            since: at(0),
        }],
        awaiting_people: vec![],
        failed_steps: vec![FailedStep {
            key: key("login-failures", 1),
            step_name: "Identity commands".into(),
            at: at(1),
            reason: "nobody is on call".into(),
            attempts: 2,
        }],
        next_step_at: None,
        empty_roles: vec![RoleCode::communications()],
        next_stakeholder_update: Some(UpcomingUpdate {
            group: "legal".into(),
            due_at: at(600),
            due_now: false,
            digest: true,
        }),
        cadence: Some(CadenceState::Late {
            due_at: at(30),
            very_late_at: at(45),
            reminders: vec![],
        }),
    };
    let task = |title: &str, done: bool| Task {
        id: TaskId(Uuid::now_v7()),
        incident_id: incident.id,
        title: title.into(),
        assignee: None,
        done_at: done.then(|| at(2)),
        created_by: UserId(Uuid::now_v7()),
        created_at: at(0),
        version: 1,
    };
    let tasks = vec![
        task("[support] Pin a macro for customers", false),
        task("[support] Tag tickets", true),
        task("Check the error rate", false),
    ];
    let cadence = UpdateCadence::new(SignedDuration::from_mins(30), Milestone::Resolved).unwrap();
    view.whats_next = present::whats_next_view(ProcessInputs {
        incident: &incident,
        panel: &panel,
        cadence: Some(&cadence),
        tasks: &tasks,
        roles: &roles,
        templates: &["internal".to_owned(), "sev1-internal".to_owned()],
        default_template: "sev1-internal",
    });
    let html = IncidentPage {
        chrome: chrome(true),
        flash: None,
        incident: view,
        oob: false,
    }
    .render()
    .unwrap();
    for needle in [
        "1 overdue",
        "id=\"step-login-failures-6-run\"",
        "Tick off",
        "id=\"step-login-failures-2-run\"",
        "Retry",
        "failed at",
        "after 2 attempts: nobody is on call",
        "id=\"next-role-communications-take\"",
        "id=\"next-team-support\"",
        "Pin a macro for customers",
        "1 open, 1 done",
        "Other tasks",
        "legal: digest due",
        "The update is late",
        "nobody holds communications or command to remind",
        "<option value=\"sev1-internal\" selected>",
        "action=\"/incidents/INC-7/steps\"",
        "action=\"/incidents/INC-7/updates\"",
    ] {
        assert!(html.contains(needle), "{needle} in the panel");
    }
    // The support task done is not offered again.
    assert!(!html.contains(">Tag tickets<"));
    // Viewers see the panel, not its buttons.
    let mut viewer = view_of(&incident, &timeline, &ada);
    viewer.whats_next = present::whats_next_view(ProcessInputs {
        incident: &incident,
        panel: &panel,
        cadence: Some(&cadence),
        tasks: &tasks,
        roles: &roles,
        templates: &[],
        default_template: "internal",
    });
    let html = IncidentPage {
        chrome: chrome(false),
        flash: None,
        incident: viewer,
        oob: false,
    }
    .render()
    .unwrap();
    assert!(html.contains("Confirm the fix with support"));
    assert!(!html.contains("id=\"step-login-failures-6-run\""));
}

#[test]
fn the_cadence_says_whom_it_reminds() {
    use muster_core::stakeholder::cadence::{Reminder, ReminderLevel};
    let ada = user("Ada");
    let (incident, _) = declared("Login down", &ada);
    let roles = RoleCatalog::standard();
    let cadence = UpdateCadence::new(SignedDuration::from_mins(30), Milestone::Resolved).unwrap();
    let reminder = |role: RoleCode| Reminder {
        level: ReminderLevel::VeryLate,
        role,
        user: ada.id,
        update_due_at: at(30),
    };
    let panel = WhatsNext {
        due_steps: vec![],
        overdue_steps: vec![],
        awaiting_people: vec![],
        failed_steps: vec![],
        next_step_at: None,
        empty_roles: vec![],
        next_stakeholder_update: None,
        cadence: Some(CadenceState::VeryLate {
            due_at: at(30),
            reminders: vec![
                reminder(RoleCode::communications()),
                reminder(RoleCode::commander()),
            ],
        }),
    };
    let view = present::whats_next_view(ProcessInputs {
        incident: &incident,
        panel: &panel,
        cadence: Some(&cadence),
        tasks: &[],
        roles: &roles,
        templates: &[],
        default_template: "internal",
    });
    let text = view.cadence.unwrap();
    assert!(text.starts_with("The update is very late"), "{text}");
    assert!(
        text.contains("reminding the communications lead and the incident commander"),
        "{text}"
    );
    assert!(!view.quiet);
}

#[test]
fn the_scenario_card_shows_each_moment_and_offers_open_actions() {
    let ada = user("Ada");
    let (incident, _) = declared("Login down", &ada);
    let scenario = Scenario::new(
        "login-outage",
        "Sign-in fails",
        vec![RunbookName::new("login-failures")],
        vec![
            ExpectedMoment {
                by: SignedDuration::from_mins(5),
                expectation: Expectation::Declared,
            },
            ExpectedMoment {
                by: SignedDuration::from_mins(10),
                expectation: Expectation::RoleFilled(RoleCode::commander()),
            },
            ExpectedMoment {
                by: SignedDuration::from_hours(2),
                expectation: Expectation::Action("auth-api is rolled back".into()),
            },
        ],
        vec!["Canary releases".into()],
    )
    .unwrap();
    let happened = Happened {
        declared_at: at(0),
        milestones: incident.milestones,
        roles_filled: BTreeMap::from([(RoleCode::commander(), at(12))]),
        first_stakeholder_update_at: None,
        first_status_update_at: None,
        actions_done: BTreeMap::new(),
    };
    let moments = compare_timeline(&scenario, &happened, at(20));
    let card = present::scenario_view(&incident, &scenario, happened.zero(), &moments);
    assert_eq!(card.moments[0].outcome, "on time");
    assert_eq!(card.moments[1].outcome, "late by 2m");
    assert_eq!(card.moments[1].at, "T+10m");
    assert_eq!(card.moments[2].at, "T+2h");
    assert_eq!(card.moments[2].outcome_class, "pending");
    assert_eq!(
        card.moments[2].done_href.as_deref(),
        Some("/incidents/INC-7/scenario/moments/2/done")
    );
    assert!(
        card.moments[1].done_href.is_none(),
        "muster sees roles itself"
    );
}
