//! `muster runbook list|attach|run-step`: the running plan's runbooks (when
//! each attaches, what its steps do and when), an incident's attached
//! runbooks with each step's progress, attaching one by hand, and acting on
//! a step.

use clap::Subcommand;
use muster_api_types::runbooks::{IncidentRunbooks, RunbookList, StepRunState};

use super::output::{finish, hint, new_table, print_json, print_text};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(Subcommand, Debug)]
pub enum RunbookCommand {
    /// Every runbook of the server's plan: its conditions, then one line per
    /// step with what it does and when. With `--incident`, the runbooks
    /// attached to that incident and where each step stands.
    List {
        /// INC-42: show this incident's attached runbooks and their progress.
        #[arg(long)]
        incident: Option<String>,
    },
    /// Attach a runbook of the plan to an incident by hand, whatever its
    /// conditions say; its steps run from now.
    Attach {
        /// INC-42.
        incident: String,
        /// The runbook's name in the plan.
        runbook: String,
    },
    /// Act on a step of an attached runbook: tick a manual step off, retry a
    /// failed one, or run one now that is not due yet.
    RunStep {
        /// INC-42.
        incident: String,
        runbook: String,
        /// The step's number, from 1, as `muster runbook list --incident` shows.
        step: usize,
    },
}

pub(crate) async fn run(cmd: RunbookCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    match cmd {
        RunbookCommand::List {
            incident: Some(incident),
        } => {
            let attached = client.incident_runbooks(&incident).await?;
            if opts.output == OutputFormat::Json {
                return print_json(&attached);
            }
            print_text(&progress(&attached))
        }
        RunbookCommand::Attach { incident, runbook } => {
            let changed = client.attach_runbook(&incident, &runbook).await?;
            if opts.output == OutputFormat::Json {
                return print_json(&changed);
            }
            print_text(&format!(
                "Attached {runbook} to {}; its steps run from now.\n",
                changed.number
            ))
        }
        RunbookCommand::RunStep {
            incident,
            runbook,
            step,
        } => {
            let run = client.run_step(&incident, &runbook, step).await?;
            if opts.output == OutputFormat::Json {
                return print_json(&run);
            }
            print_text(&format!("{}\n", ran(&runbook, step, &run)))
        }
        RunbookCommand::List { incident: None } => {
            let list = client.runbooks().await?;
            if opts.output == OutputFormat::Json {
                return print_json(&list);
            }
            print_text(&text(&list))?;
            for problem in &list.problems {
                hint(&format!(
                    "not attached to anything, it does not read: {problem}"
                ));
            }
            Ok(())
        }
    }
}

fn text(list: &RunbookList) -> String {
    if list.runbooks.is_empty() {
        return String::from(
            "No runbooks in the plan. Declare them as kind: Runbook and run `muster plan apply`.\n",
        );
    }
    let mut table = new_table(&["RUNBOOK", "STEP", "DOES", "WHEN"]);
    for runbook in &list.runbooks {
        table.add_row(vec![
            runbook.name.clone(),
            String::new(),
            format!("attaches to: {}", runbook.conditions),
            String::new(),
        ]);
        for (index, step) in runbook.steps.iter().enumerate() {
            table.add_row(vec![
                String::new(),
                format!("{}. {}", index + 1, step.name),
                step.does.clone(),
                step.when.clone(),
            ]);
        }
    }
    finish(&table)
}

fn progress(attached: &IncidentRunbooks) -> String {
    if attached.runbooks.is_empty() {
        return format!(
            "No runbooks are attached to {}. Attach one: muster runbook attach {} NAME\n",
            attached.incident, attached.incident
        );
    }
    let mut table = new_table(&["RUNBOOK", "STEP", "LATEST", "NEXT"]);
    for runbook in &attached.runbooks {
        table.add_row(vec![
            runbook.name.clone(),
            String::new(),
            format!("attached {}", runbook.attached_at.strftime("%H:%M UTC")),
            String::new(),
        ]);
        for step in &runbook.steps {
            let latest = match &step.latest {
                None => "not run".to_owned(),
                Some(run) => match (&run.status[..], &run.reason) {
                    ("failed", Some(reason)) => {
                        format!("failed ({} attempts): {reason}", run.attempts)
                    }
                    ("pending", _) if step.manual => "waiting to be ticked off".to_owned(),
                    (status, _) => status.to_owned(),
                },
            };
            let next = match (&step.next.state[..], step.next.at, &step.next.waiting_for) {
                ("scheduled", Some(at), _) => format!("at {}", at.strftime("%a %H:%M UTC")),
                ("due", _, _) => "due now".to_owned(),
                ("waiting", _, Some(what)) => format!("waits for {what}"),
                (state, _, _) => state.to_owned(),
            };
            table.add_row(vec![
                String::new(),
                format!("{}. {}", step.step, step.name),
                latest,
                next,
            ]);
        }
    }
    finish(&table)
}

fn ran(runbook: &str, step: usize, run: &StepRunState) -> String {
    match (&run.status[..], &run.reason) {
        ("failed", Some(reason)) => format!(
            "Step {step} of {runbook} failed again (attempt {}): {reason}",
            run.attempts
        ),
        ("pending", _) => format!("Step {step} of {runbook} started; it waits for its moment."),
        _ => format!("Step {step} of {runbook} is done."),
    }
}

#[cfg(test)]
mod tests {
    use muster_api_types::runbooks::{Runbook, RunbookStep};

    use super::*;

    #[test]
    fn each_runbook_says_when_it_attaches_then_its_steps() {
        let list = RunbookList {
            runbooks: vec![Runbook {
                name: "login-failures".into(),
                conditions: "functionality login affected".into(),
                steps: vec![RunbookStep {
                    name: "Page identity".into(),
                    action: "page_team".into(),
                    does: "page team identity".into(),
                    when: "at once".into(),
                }],
            }],
            problems: vec![],
        };
        let shown = text(&list);
        assert!(shown.contains("login-failures"), "{shown}");
        assert!(
            shown.contains("attaches to: functionality login affected"),
            "{shown}"
        );
        assert!(shown.contains("1. Page identity"), "{shown}");
        assert!(
            text(&RunbookList {
                runbooks: vec![],
                problems: vec![]
            })
            .contains("No runbooks")
        );
    }
}
