//! `muster silence create|list|show|expire`: keep known alerts quiet for a
//! while (a deploy, a migration) or on a weekly maintenance window. Alerts a
//! silence holds are stored and shown, and page no one.

use clap::Subcommand;
use muster_api_types::silences::{NewSilence, Silence, SilenceWindow};

use super::output::{finish, new_table, print_json, print_text, short_time};
use super::when::{Zone, parse_span};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(Subcommand, Debug)]
pub enum SilenceCommand {
    /// Silence the alerts whose labels match every --match, from now (or
    /// --start) for --duration or until --until. With --window, only inside
    /// those weekly local-time windows (a maintenance window), read in
    /// --time-zone.
    ///
    /// muster silence create --match 'job="backup"' --duration 2h --comment "restore test"
    /// muster silence create --match 'service="billing"' --until 2027-03-01T00:00:00Z \
    ///     --time-zone Europe/Berlin --window 'sat,sun 22:00-06:00' --comment "weekend batch"
    #[command(verbatim_doc_comment)]
    Create {
        /// An Alertmanager-style matcher over labels: name="value",
        /// name!="value", name=~"regex" or name!~"regex". Repeat for several;
        /// all must hold.
        #[arg(long = "match", value_name = "MATCHER", required = true)]
        matchers: Vec<String>,
        /// How long it holds from its start, e.g. 30m, 2h, 7d.
        #[arg(long, value_parser = parse_span, conflicts_with = "until", required_unless_present = "until")]
        duration: Option<i64>,
        /// When it ends: RFC 3339, or a local time read in --time-zone (UTC
        /// without one).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// When it starts [default: now]; RFC 3339 or local, as --until.
        #[arg(long, value_name = "TIME")]
        start: Option<String>,
        /// Why: the next person on call will want to know.
        #[arg(long)]
        comment: String,
        /// The IANA zone of --window (and of local --start/--until times).
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
        /// A weekly local-time window: days and HH:MM-HH:MM, such as
        /// 'sat,sun 22:00-06:00', or '03:00-04:00' for every day. A window
        /// ending before it starts runs overnight. Repeat for several.
        #[arg(long = "window", value_name = "WINDOW")]
        windows: Vec<String>,
    },
    /// Current silences (not ended), newest first.
    List {
        /// Also the silences that ended.
        #[arg(long)]
        all: bool,
    },
    /// Show one silence.
    Show {
        /// The silence's id (the ID column of `muster silence list`).
        id: String,
    },
    /// End a silence now; the open alerts it held are routed at once.
    Expire {
        /// The silence's id.
        id: String,
    },
}

/// `sat,sun 22:00-06:00` or `22:00-06:00`. Day names and times are the
/// server's to check, so every problem comes back named by its field.
fn parse_window(text: &str) -> Result<SilenceWindow, Failure> {
    let expected = || {
        Failure::usage(format!(
            "--window: expected days and local times such as 'sat,sun 22:00-06:00' or \
             '03:00-04:00', got {text:?}"
        ))
    };
    let text = text.trim();
    let (days, times) = match text.rsplit_once(char::is_whitespace) {
        Some((days, times)) => (days.trim(), times),
        None => ("", text),
    };
    let (from, to) = times.split_once('-').ok_or_else(expected)?;
    if from.is_empty() || to.is_empty() {
        return Err(expected());
    }
    Ok(SilenceWindow {
        days: days
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        from: from.to_owned(),
        to: to.to_owned(),
    })
}

fn zone(time_zone: Option<&str>) -> Result<Zone, Failure> {
    time_zone
        .map(Zone::named)
        .transpose()
        .map_err(|e| Failure::usage(format!("--time-zone: {e}")))
        .map(|z| z.unwrap_or_else(Zone::utc))
}

fn windows_text(s: &Silence) -> String {
    if s.windows.is_empty() {
        return "always".to_owned();
    }
    let windows: Vec<String> = s
        .windows
        .iter()
        .map(|w| {
            let days = if w.days.is_empty() {
                "daily".to_owned()
            } else {
                w.days
                    .iter()
                    .map(|d| d.chars().take(3).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            format!("{days} {}-{}", w.from, w.to)
        })
        .collect();
    format!(
        "{} ({})",
        windows.join("; "),
        s.time_zone.as_deref().unwrap_or("UTC")
    )
}

fn detail(s: &Silence) -> String {
    let mut table = new_table(&[]);
    let mut row = |key: &str, value: String| {
        table.add_row(vec![key.to_owned(), value]);
    };
    row("Silence", s.id.to_string());
    row("State", s.state.clone());
    row("Matches", s.matchers.join(", "));
    row("Starts", short_time(s.starts_at));
    row("Ends", short_time(s.ends_at));
    row("When", windows_text(s));
    row("Comment", s.comment.clone());
    row("Created", short_time(s.created_at));
    finish(&table)
}

pub(super) async fn run(cmd: SilenceCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let json = opts.output == OutputFormat::Json;
    match cmd {
        SilenceCommand::Create {
            matchers,
            duration,
            until,
            start,
            comment,
            time_zone,
            windows,
        } => {
            let local = zone(time_zone.as_deref())?;
            let instant = |flag: &str, text: Option<String>| {
                text.map(|t| local.instant(&t))
                    .transpose()
                    .map_err(|e| Failure::usage(format!("{flag}: {e}")))
            };
            let duration_minutes = match duration {
                Some(seconds) if seconds % 60 != 0 => {
                    return Err(Failure::usage(format!(
                        "--duration: a silence lasts whole minutes, got {seconds} seconds"
                    )));
                }
                other => other.map(|s| s / 60),
            };
            let body = NewSilence {
                matchers,
                starts_at: instant("--start", start)?,
                ends_at: instant("--until", until)?,
                duration_minutes,
                comment,
                time_zone: if windows.is_empty() {
                    None
                } else {
                    Some(local.name().to_owned())
                },
                windows: windows
                    .iter()
                    .map(|w| parse_window(w))
                    .collect::<Result<_, _>>()?,
            };
            let client = connect(opts)?;
            let created = client.create_silence(&body).await?;
            if json {
                return print_json(&created);
            }
            print_text(&format!(
                "Created silence {} ({}), until {}.\n",
                created.id,
                created.state,
                short_time(created.ends_at)
            ))
        }
        SilenceCommand::List { all } => {
            let list = connect(opts)?.list_silences(all).await?;
            if json {
                return print_json(&list);
            }
            if list.silences.is_empty() {
                let what = if all {
                    "No silences."
                } else {
                    "No current silences."
                };
                return print_text(&format!("{what}\n"));
            }
            let mut table = new_table(&["ID", "STATE", "MATCHES", "ENDS", "WHEN", "COMMENT"]);
            for s in &list.silences {
                table.add_row(vec![
                    s.id.to_string(),
                    s.state.clone(),
                    s.matchers.join(", "),
                    short_time(s.ends_at),
                    windows_text(s),
                    s.comment.clone(),
                ]);
            }
            print_text(&finish(&table))
        }
        SilenceCommand::Show { id } => {
            let found = connect(opts)?.get_silence(&id).await?;
            if json {
                return print_json(&found);
            }
            print_text(&detail(&found))
        }
        SilenceCommand::Expire { id } => {
            let ended = connect(opts)?.expire_silence(&id).await?;
            if json {
                return print_json(&ended);
            }
            print_text(&format!(
                "Silence {} expired at {}; the alerts it held are routed now.\n",
                ended.id,
                short_time(ended.ends_at)
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_days_and_local_times() {
        let w = parse_window("sat,sun 22:00-06:00").unwrap();
        assert_eq!(
            (w.days, w.from.as_str(), w.to.as_str()),
            (vec!["sat".to_owned(), "sun".to_owned()], "22:00", "06:00")
        );
        let daily = parse_window(" 03:00-04:00 ").unwrap();
        assert!(daily.days.is_empty());
        for bad in ["sat,sun", "22:00", "sat 22:00-", ""] {
            let error = parse_window(bad).unwrap_err();
            assert!(
                error.message.contains("--window"),
                "{bad}: {}",
                error.message
            );
        }
    }
}
