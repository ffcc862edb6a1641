//! `muster incident scenario INC-42 [--done N]`: the expected timeline of
//! the scenario an incident was started from, against what happened.

use muster_api_types::scenarios::ScenarioComparison;
use muster_client::Client;

use super::Failure;
use super::output::{finish, new_table, print_json, print_text};

pub(crate) async fn run(
    client: &Client,
    incident: &str,
    done: Option<usize>,
    json: bool,
) -> Result<(), Failure> {
    let comparison = match done {
        Some(index) => client.mark_scenario_action(incident, index).await?,
        None => client.scenario(incident).await?,
    };
    if json {
        return print_json(&comparison);
    }
    print_text(&format!("{}\n", text(&comparison)))
}

fn text(comparison: &ScenarioComparison) -> String {
    let mut table = new_table(&["#", "BY", "EXPECTED", "OUTCOME", "AT"]);
    for moment in &comparison.moments {
        table.add_row(vec![
            moment.index.to_string(),
            moment.at.clone(),
            moment.expected.clone(),
            moment.describe.clone(),
            moment
                .happened_at
                .map(|at| at.strftime("%H:%M UTC").to_string())
                .unwrap_or_default(),
        ]);
    }
    let mut out = format!(
        "{} started from {}: {}\nT = {}\n{}",
        comparison.incident,
        comparison.scenario,
        comparison.description,
        comparison.zero.strftime("%Y-%m-%d %H:%M UTC"),
        finish(&table)
    );
    if !comparison.action_items.is_empty() {
        out.push_str("\nBefore it happens again:\n");
        for item in &comparison.action_items {
            out.push_str(&format!("  - {item}\n"));
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use muster_api_types::scenarios::ExpectedMoment;

    use super::*;

    #[test]
    fn each_moment_says_how_it_turned_out() {
        let zero: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let comparison = ScenarioComparison {
            incident: "INC-3".into(),
            scenario: "login-outage".into(),
            description: "Sign-in fails".into(),
            zero,
            moments: vec![ExpectedMoment {
                index: 0,
                at: "T+10m".into(),
                kind: "role".into(),
                expected: "commander assigned".into(),
                deadline: zero,
                outcome: "late".into(),
                describe: "late by 2m".into(),
                happened_at: Some(zero),
            }],
            action_items: vec!["Canary releases".into()],
        };
        let shown = text(&comparison);
        assert!(shown.contains("INC-3 started from login-outage"), "{shown}");
        assert!(shown.contains("commander assigned"), "{shown}");
        assert!(shown.contains("late by 2m"), "{shown}");
        assert!(shown.contains("- Canary releases"), "{shown}");
    }
}
