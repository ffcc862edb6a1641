//! `muster user rules show|set` (a person's notification rules) and
//! `muster notifications health` (the server's notification sinks).

use muster_api_types::paging::{NotificationRule, NotificationRules, SinkHealth};

use super::output::{finish, new_table, print_json, print_text};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(clap::Subcommand, Debug)]
pub enum RulesCommand {
    /// Show which contact method is tried how many minutes after the person is paged.
    Show {
        /// Email or id.
        user: String,
    },
    /// Replace the person's rules, e.g. `push:0 sms:2 voice:5` (yours, or anyone's as
    /// admin); with no rules, clear them: every contact method is then tried at once.
    Set {
        /// Email or id.
        user: String,
        /// A contact method kind (email, sms, voice, push, chat) and the minutes after
        /// being paged (0-60) to try it.
        #[arg(value_name = "KIND:MINUTES", value_parser = parse_rule)]
        rules: Vec<NotificationRule>,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum NotificationsCommand {
    /// Whether each notification sink is configured and reachable (admins only).
    Health,
}

pub(super) async fn run_rules(cmd: RulesCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let (user, rules, headline) = match cmd {
        RulesCommand::Show { user } => {
            let rules = client.notification_rules(&user).await?;
            (user, rules, None)
        }
        RulesCommand::Set { user, rules } => {
            let rules = client
                .set_notification_rules(&user, &NotificationRules { rules })
                .await?;
            let headline = if rules.rules.is_empty() {
                format!("Notification rules of {user} cleared.")
            } else {
                format!("Notification rules of {user} set.")
            };
            (user, rules, Some(headline))
        }
    };
    if opts.output == OutputFormat::Json {
        return print_json(&rules);
    }
    let table = rule_table(&user, &rules.rules);
    match headline {
        Some(headline) => print_text(&format!("{headline}\n{table}")),
        None => print_text(&table),
    }
}

pub(super) async fn run_notifications(
    cmd: NotificationsCommand,
    opts: &RemoteOptions,
) -> Result<(), Failure> {
    let NotificationsCommand::Health = cmd;
    let client = connect(opts)?;
    let health = client.notification_health().await?;
    if opts.output == OutputFormat::Json {
        return print_json(&health);
    }
    print_text(&health_table(&health.sinks))
}

/// `KIND:MINUTES`. The kind is left for the server to check against the person's contact
/// methods, so that both mistakes (an unknown kind, a kind they have no method for) come
/// back naming the rule at fault.
fn parse_rule(text: &str) -> Result<NotificationRule, String> {
    let expected = || format!("expected KIND:MINUTES such as sms:2, got {text:?}");
    let (kind, minutes) = text.split_once(':').ok_or_else(expected)?;
    let kind = kind.trim();
    if kind.is_empty() {
        return Err(expected());
    }
    let after_minutes = minutes.trim().parse::<i64>().map_err(|_| {
        format!("expected whole minutes after the kind, such as {kind}:2, got {text:?}")
    })?;
    Ok(NotificationRule {
        kind: kind.to_lowercase(),
        after_minutes,
    })
}

fn after(minutes: i64) -> String {
    if minutes == 0 {
        "at once".to_owned()
    } else {
        format!("after {minutes} min")
    }
}

fn rule_table(user: &str, rules: &[NotificationRule]) -> String {
    if rules.is_empty() {
        return format!(
            "{user} has no notification rules: every contact method is tried at once.\n"
        );
    }
    let mut table = new_table(&["KIND", "TRIED"]);
    for rule in rules {
        table.add_row(vec![rule.kind.clone(), after(rule.after_minutes)]);
    }
    format!(
        "When {user} is paged (minutes after the page reaches them):\n{}",
        finish(&table)
    )
}

fn health_table(sinks: &[SinkHealth]) -> String {
    if sinks.is_empty() {
        return "No notification sinks on this server.\n".to_owned();
    }
    let mut table = new_table(&["SINK", "STATUS", "DETAIL"]);
    for sink in sinks {
        let status = match sink.status.as_str() {
            "not_configured" => "not configured".to_owned(),
            other => other.to_owned(),
        };
        table.add_row(vec![
            sink.sink.clone(),
            status,
            if sink.detail.is_empty() {
                "-".to_owned()
            } else {
                sink.detail.clone()
            },
        ]);
    }
    finish(&table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_kind_colon_minutes() {
        let rule = parse_rule("SMS:2").unwrap();
        assert_eq!((rule.kind.as_str(), rule.after_minutes), ("sms", 2));
        // An unknown kind or an out-of-range minute is the server's to name.
        assert_eq!(parse_rule("pager:90").unwrap().kind, "pager");
        assert_eq!(parse_rule("push:-1").unwrap().after_minutes, -1);
        for bad in ["sms", ":2", "sms:", "sms:two", "sms:2.5"] {
            let error = parse_rule(bad).unwrap_err();
            assert!(error.contains("sms:2"), "{bad}: {error}");
        }
    }

    #[test]
    fn tables_say_what_the_rules_mean() {
        let rules = [
            NotificationRule {
                kind: "push".into(),
                after_minutes: 0,
            },
            NotificationRule {
                kind: "voice".into(),
                after_minutes: 5,
            },
        ];
        let text = rule_table("ana@example.com", &rules);
        assert!(
            text.contains("at once") && text.contains("after 5 min"),
            "{text}"
        );
        assert!(rule_table("ana@example.com", &[]).contains("every contact method"));

        let sinks = [
            SinkHealth {
                sink: "email".into(),
                status: "failing".into(),
                detail: "connection refused".into(),
            },
            SinkHealth {
                sink: "slack".into(),
                status: "not_configured".into(),
                detail: String::new(),
            },
        ];
        let text = health_table(&sinks);
        assert!(text.contains("connection refused") && text.contains("not configured"));
        assert!(health_table(&[]).contains("No notification sinks"));
    }
}
