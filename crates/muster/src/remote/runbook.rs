//! `muster runbook list`: the running plan's runbooks, when each attaches
//! and what its steps do and when.

use clap::Subcommand;
use muster_api_types::runbooks::RunbookList;

use super::output::{finish, hint, new_table, print_json, print_text};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(Subcommand, Debug)]
pub enum RunbookCommand {
    /// Every runbook of the server's plan: its conditions, then one line per
    /// step with what it does and when. An incident's attached runbooks are
    /// in `muster incident show`.
    List,
}

pub(crate) async fn run(cmd: RunbookCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    match cmd {
        RunbookCommand::List => {
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
            "No runbooks in the plan. Declare them as kind: Runbook and run `muster plan apply`.",
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
