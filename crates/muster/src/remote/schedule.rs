//! `muster schedule ...`: the plan's on-call schedules, their shifts (as tables or
//! iCalendar) and overrides. Times are shown in the schedule's own zone unless `--tz`
//! says otherwise, and local times typed in are read in that same zone.

use std::path::PathBuf;

use jiff::Timestamp;
use muster_api_types::oncall::{
    NewOverride, Override, Schedule, ScheduleList, ScheduleShifts, ShiftsQuery,
};
use muster_client::Client;
use serde::Serialize;
use uuid::Uuid;

use super::output::{finish, new_table, print_json, print_text, section};
use super::when::{Zone, parse_zone};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(clap::Subcommand, Debug)]
pub enum ScheduleCommand {
    /// List the plan's schedules with who is on call now.
    List {
        /// Show times in this IANA time zone [default: each schedule's own].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
    /// Show a schedule's shifts over a window, with its gaps and overrides.
    Show {
        name: String,
        /// Start of the window: RFC 3339, or a local time read in --tz [default: now].
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// End of the window: RFC 3339, or a local time read in --tz [default: 14 days
        /// after --from].
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// Read local times, and show times, in this IANA time zone [default: the
        /// schedule's own].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
    /// Write a schedule's shifts as iCalendar (RFC 5545): one event per shift, in UTC.
    /// Without --file the calendar goes to standard output, whatever --output says.
    Export {
        name: String,
        /// Start of the window: RFC 3339, or a local time read in --tz [default: 7 days ago].
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// End of the window [default: 90 days from now, or 97 days after --from].
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// Write the calendar to this file (replacing it) instead of standard output.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Read local times in this IANA time zone [default: the schedule's own].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
    /// Someone covering a schedule (or one person's shifts on it) for a while.
    #[command(subcommand)]
    Override(OverrideCommand),
}

#[derive(clap::Subcommand, Debug)]
pub enum OverrideCommand {
    /// Put someone on call for a while, in place of whoever the rotation says.
    Add {
        /// The schedule's name.
        schedule: String,
        /// Who covers: an active user's email.
        #[arg(long, value_name = "EMAIL")]
        user: String,
        /// RFC 3339, or a local time read in --tz.
        #[arg(long, value_name = "TIME")]
        start: String,
        /// RFC 3339, or a local time read in --tz.
        #[arg(long, value_name = "TIME")]
        end: String,
        /// Cover only this person's shifts [default: whoever is on call].
        #[arg(long, value_name = "EMAIL")]
        replaces: Option<String>,
        /// Why, for the others on the rotation.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Read local times, and show times, in this IANA time zone [default: the
        /// schedule's own].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
    /// List a schedule's current and future overrides.
    List {
        schedule: String,
        /// Show times in this IANA time zone [default: the schedule's own].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
    /// Remove an override, by the id `override list` shows.
    Remove { id: Uuid },
}

pub(super) async fn run(cmd: ScheduleCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    match cmd {
        ScheduleCommand::List { tz } => {
            let list = client.list_schedules().await?;
            if json {
                return print_json(&list);
            }
            print_text(&schedule_list(&list, tz.as_ref()))
        }
        ScheduleCommand::Show { name, from, to, tz } => {
            let query = window(&client, &name, tz.as_ref(), from, to).await?;
            let shown = client.get_schedule(&name, &query).await?;
            if json {
                return print_json(&shown);
            }
            let zone = tz.unwrap_or_else(|| Zone::of_schedule(&shown.schedule.time_zone));
            print_text(&schedule_detail(&shown, &zone, Timestamp::now()))
        }
        ScheduleCommand::Export {
            name,
            from,
            to,
            file,
            tz,
        } => {
            let query = window(&client, &name, tz.as_ref(), from, to).await?;
            let calendar = client.schedule_ics(&name, &query).await?;
            export(&name, &calendar, file, json)
        }
        ScheduleCommand::Override(cmd) => run_override(&client, cmd, json).await,
    }
}

async fn run_override(client: &Client, cmd: OverrideCommand, json: bool) -> Result<(), Failure> {
    match cmd {
        OverrideCommand::Add {
            schedule,
            user,
            start,
            end,
            replaces,
            note,
            tz,
        } => {
            let zone = match tz {
                Some(zone) => zone,
                None => schedule_zone(client, &schedule).await?,
            };
            let read = |flag: &str, text: &str| -> Result<Timestamp, Failure> {
                zone.instant(text)
                    .map_err(|e| Failure::usage(format!("{flag}: {e}")))
            };
            let body = NewOverride {
                user,
                start: read("--start", &start)?,
                end: read("--end", &end)?,
                replaces,
                note: note.unwrap_or_default(),
            };
            let created = client.create_override(&schedule, &body).await?;
            if json {
                return print_json(&created);
            }
            print_text(&format!(
                "Override {} added to {schedule}: {} is on call from {} to {}{}.\n",
                created.id,
                created.user,
                zone.show(created.start),
                zone.show(created.end),
                covering(&created),
            ))
        }
        OverrideCommand::List { schedule, tz } => {
            let list = client.list_overrides(&schedule).await?;
            if json {
                return print_json(&list);
            }
            let zone = match tz {
                Some(zone) => zone,
                None => schedule_zone(client, &schedule).await?,
            };
            if list.overrides.is_empty() {
                return print_text(&format!("No current or future overrides on {schedule}.\n"));
            }
            let mut text = format!("Overrides on {schedule} (times in {}):\n", zone.name());
            text.push_str(&finish(&override_table(&list.overrides, &zone)));
            print_text(&text)
        }
        OverrideCommand::Remove { id } => {
            let removed = client.delete_override(id).await?;
            if json {
                return print_json(&removed);
            }
            print_text(&format!(
                "Override {} removed from {} ({} from {} to {}).\n",
                removed.id,
                removed.schedule,
                removed.user,
                Zone::utc().show(removed.start),
                Zone::utc().show(removed.end),
            ))
        }
    }
}

/// The schedule's zone, from the list (`GET /schedules/{name}` would lay out shifts too).
async fn schedule_zone(client: &Client, name: &str) -> Result<Zone, Failure> {
    let list = client.list_schedules().await?;
    list.schedules
        .iter()
        .find(|s| s.name == name)
        .map(|s| Zone::of_schedule(&s.time_zone))
        .ok_or_else(|| Failure::not_found(format!("schedule {name} not found")))
}

/// `--from`/`--to` as RFC 3339 for the query. Local times need a zone: `--tz`, else the
/// schedule's, which costs a request only when a local time was given.
async fn window(
    client: &Client,
    name: &str,
    tz: Option<&Zone>,
    from: Option<String>,
    to: Option<String>,
) -> Result<ShiftsQuery, Failure> {
    let exact = |text: &Option<String>| {
        text.as_deref()
            .is_none_or(|t| t.trim().parse::<Timestamp>().is_ok())
    };
    let zone = match tz {
        Some(zone) => zone.clone(),
        None if exact(&from) && exact(&to) => Zone::utc(),
        None => schedule_zone(client, name).await?,
    };
    let read = |flag: &str, text: Option<String>| -> Result<Option<String>, Failure> {
        text.map(|text| {
            zone.instant(&text)
                .map(|at| at.to_string())
                .map_err(|e| Failure::usage(format!("{flag}: {e}")))
        })
        .transpose()
    };
    Ok(ShiftsQuery {
        from: read("--from", from)?,
        to: read("--to", to)?,
    })
}

/// What `schedule export --file F --output json` prints.
#[derive(Serialize)]
struct Exported<'a> {
    schedule: &'a str,
    file: String,
    events: usize,
}

fn export(name: &str, calendar: &str, file: Option<PathBuf>, json: bool) -> Result<(), Failure> {
    let Some(file) = file else {
        return print_text(calendar);
    };
    std::fs::write(&file, calendar)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
    let events = calendar.matches("BEGIN:VEVENT").count();
    if json {
        return print_json(&Exported {
            schedule: name,
            file: file.display().to_string(),
            events,
        });
    }
    print_text(&format!(
        "Wrote {events} shifts of {name} to {}.\n",
        file.display()
    ))
}

fn covering(over: &Override) -> String {
    match &over.replaces {
        Some(replaced) => format!(", covering {replaced}'s shifts"),
        None => String::new(),
    }
}

fn schedule_list(list: &ScheduleList, tz: Option<&Zone>) -> String {
    if list.schedules.is_empty() {
        return "No schedules: the plan defines none.\n".to_owned();
    }
    let mut table = new_table(&["SCHEDULE", "TIME ZONE", "OWNER", "ON CALL NOW", "UNTIL"]);
    for schedule in &list.schedules {
        let zone = tz
            .cloned()
            .unwrap_or_else(|| Zone::of_schedule(&schedule.time_zone));
        table.add_row(vec![
            schedule.name.clone(),
            schedule.time_zone.clone(),
            schedule.owner.clone().unwrap_or_else(|| "-".to_owned()),
            schedule
                .on_call_now
                .clone()
                .unwrap_or_else(|| "nobody (a gap)".to_owned()),
            zone.show_opt(schedule.until),
        ]);
    }
    finish(&table)
}

fn layers(schedule: &Schedule) -> String {
    let mut table = new_table(&["LAYER", "PARTICIPANTS", "SHIFT", "FIRST HANDOFF", "ON DUTY"]);
    for layer in &schedule.layers {
        let windows: Vec<String> = layer
            .restrictions
            .iter()
            .map(|r| {
                let days = if r.days.is_empty() {
                    "every day".to_owned()
                } else {
                    r.days.join(",")
                };
                format!("{days} {}-{}", r.from, r.to)
            })
            .collect();
        table.add_row(vec![
            layer.name.clone(),
            layer.participants.join(", "),
            layer.shift.clone(),
            layer.first_handoff.clone(),
            if windows.is_empty() {
                "always".to_owned()
            } else {
                windows.join("; ")
            },
        ]);
    }
    finish(&table)
}

fn override_table(overrides: &[Override], zone: &Zone) -> comfy_table::Table {
    let mut table = new_table(&["ID", "PERSON", "REPLACES", "START", "END", "NOTE"]);
    for over in overrides {
        table.add_row(vec![
            over.id.to_string(),
            over.user.clone(),
            over.replaces
                .clone()
                .unwrap_or_else(|| "whoever is on call".to_owned()),
            zone.show(over.start),
            zone.show(over.end),
            if over.note.is_empty() {
                "-".to_owned()
            } else {
                over.note.clone()
            },
        ]);
    }
    table
}

/// `schedule show`: the definition, then the final shifts, the gaps and the overrides.
pub(crate) fn schedule_detail(shown: &ScheduleShifts, zone: &Zone, now: Timestamp) -> String {
    let schedule = &shown.schedule;
    let mut text = format!("Schedule {}", schedule.name);
    if let Some(owner) = &schedule.owner {
        text.push_str(&format!(" (owner {owner})"));
    }
    text.push_str(&format!(
        "; hands off in {}; times in {}\n",
        schedule.time_zone,
        zone.name()
    ));
    if !schedule.description.trim().is_empty() {
        text.push_str(&format!("{}\n", schedule.description.trim()));
    }
    // The answer's `until` is the end of the first shift in the window held by whoever is
    // on call now, which is another shift when the window does not start now; the shift
    // that holds `now`, when the window has it, is the one that ends their turn.
    let current = shown
        .shifts
        .iter()
        .find(|s| s.start <= now && now < s.end && s.user == schedule.on_call_now);
    let until = current
        .map(|s| format!(" until {}", zone.show(s.end)))
        .unwrap_or_default();
    let who = schedule
        .on_call_now
        .clone()
        .unwrap_or_else(|| "nobody (a gap)".to_owned());
    text.push_str(&format!("On call now: {who}{until}\n"));
    text.push('\n');
    text.push_str(&layers(schedule));

    let title = format!(
        "Shifts from {} to {}",
        zone.show(shown.from),
        zone.show(shown.to)
    );
    let shifts = (!shown.shifts.is_empty()).then(|| {
        let mut table = new_table(&["START", "END", "PERSON"]);
        for shift in &shown.shifts {
            let person = match &shift.user {
                Some(user) => {
                    let overridden = shown
                        .overrides
                        .iter()
                        .any(|o| &o.user == user && o.start <= shift.start && shift.end <= o.end);
                    if overridden {
                        format!("{user} (override)")
                    } else {
                        user.clone()
                    }
                }
                None => "nobody (a gap)".to_owned(),
            };
            table.add_row(vec![zone.show(shift.start), zone.show(shift.end), person]);
        }
        table
    });
    section(&mut text, &title, shifts.as_ref());

    let gaps = (!shown.gaps.is_empty()).then(|| {
        let mut table = new_table(&["START", "END"]);
        for gap in &shown.gaps {
            table.add_row(vec![zone.show(gap.start), zone.show(gap.end)]);
        }
        table
    });
    section(&mut text, "Gaps (nobody on call)", gaps.as_ref());

    let overrides = (!shown.overrides.is_empty()).then(|| override_table(&shown.overrides, zone));
    section(&mut text, "Overrides", overrides.as_ref());
    text
}

#[cfg(test)]
mod tests {
    use muster_api_types::oncall::{Layer, Shift};

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn shift(user: Option<&str>, start: &str, end: &str) -> Shift {
        Shift {
            user: user.map(str::to_owned),
            start: at(start),
            end: at(end),
        }
    }

    fn shown() -> ScheduleShifts {
        ScheduleShifts {
            schedule: Schedule {
                name: "identity-primary".into(),
                description: String::new(),
                owner: Some("identity".into()),
                time_zone: "Europe/Berlin".into(),
                layers: vec![Layer {
                    name: "1".into(),
                    participants: vec!["ana@example.com".into(), "bo@example.com".into()],
                    shift: "1d".into(),
                    first_handoff: "2026-10-01T09:00".into(),
                    restrictions: vec![],
                }],
                on_call_now: None,
                until: Some(at("2026-10-25T08:00:00Z")),
            },
            from: at("2026-10-24T00:00:00Z"),
            to: at("2026-10-27T00:00:00Z"),
            shifts: vec![
                shift(
                    Some("bo@example.com"),
                    "2026-10-24T07:00:00Z",
                    "2026-10-25T08:00:00Z",
                ),
                shift(None, "2026-10-25T08:00:00Z", "2026-10-25T12:00:00Z"),
                shift(
                    Some("cy@example.com"),
                    "2026-10-25T12:00:00Z",
                    "2026-10-26T08:00:00Z",
                ),
            ],
            layers: vec![],
            gaps: vec![shift(None, "2026-10-25T08:00:00Z", "2026-10-25T12:00:00Z")],
            overrides: vec![Override {
                id: Uuid::from_u128(7),
                schedule: "identity-primary".into(),
                user: "cy@example.com".into(),
                start: at("2026-10-25T12:00:00Z"),
                end: at("2026-10-26T08:00:00Z"),
                replaces: None,
                note: "swap".into(),
                created_by: Uuid::from_u128(1),
                created_at: at("2026-10-01T00:00:00Z"),
            }],
        }
    }

    #[test]
    fn shows_handoffs_in_the_schedule_zone_on_both_sides_of_dst() {
        let berlin = Zone::of_schedule("Europe/Berlin");
        let text = schedule_detail(&shown(), &berlin, at("2026-10-01T00:00:00Z"));
        for expected in [
            "times in Europe/Berlin",
            "bo@example.com",
            "nobody (a gap)",
            "cy@example.com (override)",
            "2026-10-25 13:00 CET",
            "swap",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(
            text.lines().any(|l| l.contains("2026-10-24 09:00 CEST")
                && l.contains("2026-10-25 09:00 CET")
                && l.contains("bo@example.com")),
            "{text}"
        );
        assert!(text.lines().all(|l| l == l.trim_end()), "{text}");
        // Outside the window nobody's turn is known to end at any shift shown.
        assert!(text.contains("On call now: nobody (a gap)\n"), "{text}");
        let utc = schedule_detail(&shown(), &Zone::utc(), at("2026-10-01T00:00:00Z"));
        assert!(utc.contains("2026-10-24 07:00 UTC") && utc.contains("times in UTC"));

        let mut now_in_window = shown();
        now_in_window.schedule.on_call_now = Some("bo@example.com".into());
        let text = schedule_detail(&now_in_window, &berlin, at("2026-10-24T12:00:00Z"));
        assert!(
            text.contains("On call now: bo@example.com until 2026-10-25 09:00 CET"),
            "{text}"
        );
    }

    #[test]
    fn lists_schedules_with_a_gap_said_plainly() {
        let list = ScheduleList {
            schedules: vec![shown().schedule],
        };
        let text = schedule_list(&list, None);
        assert!(text.contains("nobody (a gap)") && text.contains("2026-10-25 09:00 CET"));
        assert!(schedule_list(&ScheduleList { schedules: vec![] }, None).contains("No schedules"));
    }
}
