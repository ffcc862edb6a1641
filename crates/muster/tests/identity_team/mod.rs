//! The world of the on-call and paging CLI tests: a real server on a fresh SQLite file
//! with a plan applied by `muster plan apply` (team identity, its daily rotation in
//! Europe/Berlin handing off at 09:00, a weekday-daytime schedule with gaps, and a
//! two-step escalation policy), and the people it names created by `muster user create`.
#![allow(dead_code)]

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::common::{Cli, Server, admin_token, start};

/// `ana` and `bo` take turns, a day each, from Thursday 2026-10-01 09:00 Berlin time (ana
/// first); `cy` covers weekdays 09:00-17:00 on the daytime schedule, and is the policy's
/// second step.
pub const PLAN: &str = r##"kind: Team
name: identity
title: Identity
contact_channel: "#team-identity"
escalation_policy: identity-oncall
members:
  - {email: ana@example.com, role: lead}
  - {email: bo@example.com, role: member}
---
kind: Schedule
name: identity-primary
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
time_zone: Europe/Berlin
rotations:
  - {participants: [ana@example.com, bo@example.com], shift: 1d, handoff: "09:00", start: 2026-10-01}
---
kind: Schedule
name: identity-daytime
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
time_zone: Europe/Berlin
rotations:
  - participants: [cy@example.com]
    shift: 1w
    handoff: "09:00"
    start: 2026-10-05
    restrictions:
      - {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}
---
kind: EscalationPolicy
name: identity-oncall
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
repeat: 1
steps:
  - targets: [{schedule: identity-primary}]
    delay_minutes: 5
  - targets: [{user: cy@example.com}]
    delay_minutes: 5
"##;

pub struct World {
    pub cli: Cli,
    /// A viewer's token: reads, never changes.
    pub viewer: String,
    pub server: Server,
    pub dir: tempfile::TempDir,
}

impl World {
    /// The same CLI with another token.
    pub fn as_token(&self, token: &str) -> Cli {
        Cli {
            url: self.cli.url.clone(),
            token: token.to_owned(),
            home: tempfile::tempdir().expect("home"),
        }
    }
}

pub fn world() -> World {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "root@example.com", "admin");
    let viewer = admin_token(&database, "val@example.com", "viewer");
    let server = start(&database);
    let cli = Cli {
        url: server.base.clone(),
        token,
        home: tempfile::tempdir().expect("home"),
    };
    let plan = dir.path().join("plan");
    std::fs::create_dir(&plan).expect("plan folder");
    std::fs::write(plan.join("oncall.yaml"), PLAN).expect("plan file");
    cli.ok(&["plan", "apply", &plan.display().to_string()]);
    cli.ok(&[
        "user",
        "create",
        "ana@example.com",
        "--name",
        "Ana",
        "--time-zone",
        "Europe/Berlin",
        "--contact",
        "sms:+4915112345678",
        "--contact",
        "push:https://ntfy.example/ana",
    ]);
    cli.ok(&["user", "create", "bo@example.com", "--name", "Bo"]);
    cli.ok(&["user", "create", "cy@example.com", "--name", "Cy"]);
    World {
        cli,
        viewer,
        server,
        dir,
    }
}

pub fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("Europe/Berlin")
}

/// Who the plan puts on call on identity-primary at `at`: the shift that holds `at` began
/// at the latest 09:00 Berlin time at or before it, on a day counted from 2026-10-01.
pub fn primary_at(at: Timestamp) -> &'static str {
    let local = at.to_zoned_datetime(berlin());
    let mut day = local.date();
    if local.hour() < 9 {
        day = day.yesterday().expect("a day before");
    }
    let first = Date::new(2026, 10, 1).expect("a date");
    let days = (day - first).get_days();
    if days % 2 == 0 {
        "ana@example.com"
    } else {
        "bo@example.com"
    }
}

/// `days` days from now, at 09:00 Berlin time, as a local `YYYY-MM-DD 09:00`.
pub fn berlin_nine_in(days: i64) -> String {
    let soon = Timestamp::now()
        .checked_add(SignedDuration::from_hours(24 * days))
        .expect("in range");
    format!("{} 09:00", soon.to_zoned_datetime(berlin()).date())
}

/// Polls `check` until it holds or 30 seconds pass: the engine inside `muster serve` fires
/// a page's first step within a second, but the test must not depend on when.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
