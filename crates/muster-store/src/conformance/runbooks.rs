//! Conformance case of runbook step runs: a run starts once under its key
//! however many writers race for it, carries its effects with it or leaves
//! no trace, moves on only from the state it was read in, and the incident's
//! look-again mark follows writes and the engine's timer.

use std::sync::Arc;

use muster_core::runbook::{RunKey, RunStatus, RunbookName, StepRun};
use muster_core::{IncidentChange, Task, TaskId, TimelineEvent, UserRole};

use super::{at, change_of, declare, entry, incident, new_id, user};
use crate::Store;
use crate::runbooks::{StepRunWrite, StepRunWritten};

fn key(step: usize) -> RunKey {
    RunKey {
        runbook: RunbookName::new("login-failures"),
        step,
        occurrence: 0,
    }
}

pub async fn step_runs_start_once_and_carry_their_effects(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let declared = declare(&store, incident(ada.id, "Logins fail")).await;
    // Every write of an incident wants a look, runbooks or not: its
    // severity's update cadence is decided then too.
    assert_eq!(
        store.runbooks_due(at(1_000), 10).await.unwrap(),
        [(declared.id, declared.updated_at)]
    );
    let mut attach = change_of(&declared, |i| {
        i.runbooks = vec![RunbookName::new("login-failures")];
        i.updated_at = at(20);
    });
    attach.events.clear();
    store.apply_incident_change(&attach, &[]).await.unwrap();
    let attached = attach.incident.clone();
    assert_eq!(
        store.runbooks_due(at(1_000), 10).await.unwrap(),
        [(declared.id, at(20))]
    );
    assert_eq!(store.runbooks_due(at(19), 10).await.unwrap(), []);
    assert_eq!(store.next_runbooks_due().await.unwrap(), Some(at(20)));

    // Eight writers race to start the same run, each with a task of its
    // own: one wins, and only its task exists.
    let mut racers = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        let task = Task {
            id: TaskId(new_id()),
            incident_id: declared.id,
            title: format!("Check auth-api ({n})"),
            assignee: None,
            done_at: None,
            created_by: ada.id,
            created_at: at(30),
            version: 1,
        };
        let write = StepRunWrite {
            incident: declared.id,
            run: StepRun::start(key(0), at(30)).succeed(at(30)).unwrap(),
            expected: None,
            change: None,
            tasks: vec![task.clone()],
            pages: vec![],
            deliveries: vec![],
            timeline: vec![entry(
                &declared,
                ada.id,
                TimelineEvent::StepDone {
                    runbook: "login-failures".into(),
                    step: "First checks".into(),
                    summary: format!("added task {n}"),
                },
            )],
            at: at(30),
        };
        racers.push(tokio::spawn(
            async move { store.write_step_run(&write).await },
        ));
    }
    let mut won = 0;
    for racer in racers {
        if racer.await.unwrap().unwrap() == StepRunWritten::Written {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.list_tasks(declared.id).await.unwrap().len(), 1);
    let timeline = store.list_timeline(declared.id, None, 50).await.unwrap();
    let done: Vec<_> = timeline
        .iter()
        .filter(|e| matches!(e.event, TimelineEvent::StepDone { .. }))
        .collect();
    assert_eq!(done.len(), 1);
    let runs = store.step_runs(declared.id).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].key, key(0));
    assert_eq!(runs[0].status, RunStatus::Done { at: at(30) });
    // The run's write marked the incident for another look.
    assert_eq!(
        store.runbooks_due(at(1_000), 10).await.unwrap(),
        [(declared.id, at(30))]
    );

    // A run that fails is stored failed and moves on only from that state.
    let pending = StepRun::start(key(1), at(40));
    let failed = pending
        .fail("no schedule named identity-primary", at(40))
        .unwrap();
    let write =
        |run: StepRun, expected: Option<StepRun>, change: Option<IncidentChange>| StepRunWrite {
            incident: declared.id,
            run,
            expected,
            change,
            tasks: vec![],
            pages: vec![],
            deliveries: vec![],
            timeline: vec![],
            at: at(40),
        };
    assert_eq!(
        store
            .write_step_run(&write(failed.clone(), None, None))
            .await
            .unwrap(),
        StepRunWritten::Written
    );
    let retried = failed.retry(at(50)).unwrap().succeed(at(50)).unwrap();
    // Read as pending (it is not): refused, nothing changes.
    assert_eq!(
        store
            .write_step_run(&write(retried.clone(), Some(pending.clone()), None))
            .await
            .unwrap(),
        StepRunWritten::LostRace
    );
    // A stale incident change rolls the whole run back.
    let stale = change_of(&declared, |i| i.title = "Stale".into());
    assert_eq!(
        store
            .write_step_run(&write(retried.clone(), Some(failed.clone()), Some(stale)))
            .await
            .unwrap(),
        StepRunWritten::LostRace
    );
    let runs = store.step_runs(declared.id).await.unwrap();
    assert_eq!(runs[1], failed);
    // From the state it was read in, with a current change: written.
    let fresh = change_of(&attached, |i| i.title = "Logins fail for everyone".into());
    assert_eq!(
        store
            .write_step_run(&write(retried.clone(), Some(failed), Some(fresh.clone())))
            .await
            .unwrap(),
        StepRunWritten::Written
    );
    let runs = store.step_runs(declared.id).await.unwrap();
    assert_eq!(runs[1], retried);
    assert_eq!(runs[1].attempts, 2);
    let stored = store.find_incident(declared.id).await.unwrap().unwrap();
    assert_eq!(stored.title, "Logins fail for everyone");

    // The engine moves the mark to its timer only from the mark it saw.
    let (_, seen) = store.runbooks_due(at(1_000), 10).await.unwrap()[0];
    store
        .set_runbooks_due(declared.id, at(1), Some(at(500)))
        .await
        .unwrap();
    assert_eq!(
        store.runbooks_due(at(1_000), 10).await.unwrap(),
        [(declared.id, seen)]
    );
    store
        .set_runbooks_due(declared.id, seen, Some(at(500)))
        .await
        .unwrap();
    assert_eq!(store.runbooks_due(at(499), 10).await.unwrap(), []);
    assert_eq!(store.next_runbooks_due().await.unwrap(), Some(at(500)));
    store
        .set_runbooks_due(declared.id, at(500), None)
        .await
        .unwrap();
    assert_eq!(store.next_runbooks_due().await.unwrap(), None);
}
