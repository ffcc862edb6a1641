//! `muster oncall now|at` (who is on call) and `muster policy list` (escalation policies).

use muster_api_types::oncall::{EscalationPolicy, OnCallList, OnCallQuery, PolicyTarget};

use super::output::{finish, new_table, print_json, print_text};
use super::when::{Zone, parse_zone, wait};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(clap::Subcommand, Debug)]
pub enum OncallCommand {
    /// Who is on call now, level by level: for a schedule, or a team, service or
    /// functionality through its escalation policy; without NAME, on every schedule.
    Now {
        /// A schedule, team, service or functionality (looked up in that order)
        /// [default: every schedule].
        name: Option<String>,
        /// Show times in this IANA time zone, e.g. Europe/Berlin [default: UTC].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
    /// Who is (or was, or will be) on call at an instant.
    At {
        /// RFC 3339 (2026-12-05T09:00:00Z), or a local 2026-12-05T09:00 or
        /// "2026-12-05 09:00" read in --tz.
        time: String,
        /// A schedule, team, service or functionality (looked up in that order)
        /// [default: every schedule].
        name: Option<String>,
        /// Read a local TIME, and show times, in this IANA time zone [default: UTC].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum PolicyCommand {
    /// List the plan's escalation policies: each step's targets and the wait after it.
    List,
}

pub(super) async fn run_oncall(cmd: OncallCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let (at, name, zone) = match cmd {
        OncallCommand::Now { name, tz } => (None, name, tz.unwrap_or_else(Zone::utc)),
        OncallCommand::At { time, name, tz } => {
            let zone = tz.unwrap_or_else(Zone::utc);
            let at = zone
                .instant(&time)
                .map_err(|e| Failure::usage(format!("TIME: {e}")))?;
            (Some(at), name, zone)
        }
    };
    let client = connect(opts)?;
    let query = OnCallQuery {
        target: name.clone(),
        at: at.map(|at| at.to_string()),
    };
    let list = client.on_call(&query).await?;
    if opts.output == OutputFormat::Json {
        return print_json(&list);
    }
    print_text(&on_call_table(&list, name.as_deref(), &zone))
}

pub(super) async fn run_policy(cmd: PolicyCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let PolicyCommand::List = cmd;
    let client = connect(opts)?;
    let list = client.list_policies().await?;
    if opts.output == OutputFormat::Json {
        return print_json(&list);
    }
    print_text(&policy_table(&list.policies))
}

/// Who is on call, one row per level and schedule; a gap says "nobody" in so many words.
pub(crate) fn on_call_table(list: &OnCallList, name: Option<&str>, zone: &Zone) -> String {
    let scope = match name {
        Some(name) => format!("for {name}"),
        None => "on every schedule".to_owned(),
    };
    let through = list
        .on_call
        .iter()
        .find_map(|entry| entry.policy.as_deref())
        .map(|policy| format!(" through escalation policy {policy}"))
        .unwrap_or_default();
    let mut text = format!(
        "On call {scope}{through} at {} (times in {}):\n",
        zone.show(list.at),
        zone.name()
    );
    if list.on_call.is_empty() {
        text.push_str("  nobody: no schedule or escalation policy leads to anyone\n");
        return text;
    }
    let mut table = new_table(&["LEVEL", "SCHEDULE", "PERSON", "SINCE", "UNTIL"]);
    for entry in &list.on_call {
        table.add_row(vec![
            entry.level.to_string(),
            entry.schedule.clone().unwrap_or_else(|| "-".to_owned()),
            entry
                .user
                .clone()
                .unwrap_or_else(|| "nobody (a gap)".to_owned()),
            zone.show_opt(entry.since),
            zone.show_opt(entry.until),
        ]);
    }
    text.push_str(&finish(&table));
    text
}

fn target(target: &PolicyTarget) -> String {
    format!("{} {}", target.kind, target.name)
}

fn policy_table(policies: &[EscalationPolicy]) -> String {
    if policies.is_empty() {
        return "No escalation policies: the plan defines none.\n".to_owned();
    }
    let mut table = new_table(&[
        "POLICY",
        "OWNER",
        "REPEATS",
        "STEP",
        "NOTIFIES",
        "THEN WAIT",
    ]);
    for policy in policies {
        let mut first = true;
        for (index, step) in policy.steps.iter().enumerate() {
            let (name, owner, repeat) = if first {
                (
                    policy.name.clone(),
                    policy.owner.clone().unwrap_or_else(|| "-".to_owned()),
                    policy.repeat.to_string(),
                )
            } else {
                (String::new(), String::new(), String::new())
            };
            first = false;
            let targets: Vec<String> = step.targets.iter().map(target).collect();
            table.add_row(vec![
                name,
                owner,
                repeat,
                (index + 1).to_string(),
                targets.join(", "),
                wait(step.delay_seconds),
            ]);
        }
        if policy.steps.is_empty() {
            table.add_row(vec![
                policy.name.clone(),
                policy.owner.clone().unwrap_or_else(|| "-".to_owned()),
                policy.repeat.to_string(),
                "-".to_owned(),
                "nobody: no steps".to_owned(),
                "-".to_owned(),
            ]);
        }
    }
    let mut text = finish(&table);
    text.push_str(
        "REPEATS: how many more times the whole policy runs while nobody acknowledges.\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use muster_api_types::oncall::{OnCall, PolicyStep};

    use super::*;

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn on_call_rows_show_levels_gaps_and_the_zone() {
        let list = OnCallList {
            at: at("2026-10-26T07:30:00Z"),
            on_call: vec![
                OnCall {
                    schedule: Some("identity-primary".into()),
                    policy: Some("identity-oncall".into()),
                    level: 1,
                    user: Some("ana@example.com".into()),
                    since: Some(at("2026-10-25T08:00:00Z")),
                    until: Some(at("2026-10-26T08:00:00Z")),
                },
                OnCall {
                    schedule: Some("daytime".into()),
                    policy: Some("identity-oncall".into()),
                    level: 1,
                    user: None,
                    since: Some(at("2026-10-25T16:00:00Z")),
                    until: Some(at("2026-10-26T08:00:00Z")),
                },
                OnCall {
                    schedule: None,
                    policy: Some("identity-oncall".into()),
                    level: 2,
                    user: Some("cy@example.com".into()),
                    since: None,
                    until: None,
                },
            ],
        };
        let zone = Zone::named("Europe/Berlin").unwrap();
        let text = on_call_table(&list, Some("identity"), &zone);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("for identity through escalation policy identity-oncall"));
        assert!(lines[0].contains("2026-10-26 08:30 CET") && lines[0].contains("Europe/Berlin"));
        assert!(lines[2].contains("ana@example.com") && lines[2].contains("2026-10-25 09:00 CET"));
        assert!(lines[3].contains("nobody"), "{text}");
        assert!(lines[4].trim_start().starts_with('2') && lines[4].contains("cy@example.com"));
        let empty = OnCallList {
            at: list.at,
            on_call: vec![],
        };
        assert!(on_call_table(&empty, None, &Zone::utc()).contains("nobody"));
    }

    #[test]
    fn policies_list_every_step() {
        let policy = EscalationPolicy {
            name: "identity-oncall".into(),
            description: String::new(),
            owner: Some("identity".into()),
            repeat: 2,
            steps: vec![
                PolicyStep {
                    targets: vec![PolicyTarget {
                        kind: "schedule".into(),
                        name: "identity-primary".into(),
                    }],
                    delay_seconds: 900,
                },
                PolicyStep {
                    targets: vec![
                        PolicyTarget {
                            kind: "user".into(),
                            name: "ana@example.com".into(),
                        },
                        PolicyTarget {
                            kind: "team".into(),
                            name: "platform".into(),
                        },
                    ],
                    delay_seconds: 0,
                },
            ],
        };
        let text = policy_table(&[policy]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].contains("identity-oncall") && lines[1].contains("schedule identity-primary")
        );
        assert!(lines[1].contains("15 min"));
        assert!(
            lines[2].contains("user ana@example.com, team platform") && lines[2].contains("none")
        );
        assert!(policy_table(&[]).contains("No escalation policies"));
    }
}
