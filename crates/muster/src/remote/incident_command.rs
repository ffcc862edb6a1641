//! The arguments of `muster incident ...` and `muster incident task ...`.

use jiff::Timestamp;

use super::parse_timestamp;

#[derive(clap::Subcommand, Debug)]
pub enum IncidentCommand {
    /// Declare a new incident.
    Declare {
        title: String,
        /// Severity code, e.g. SEV1 [default: the server's default severity].
        #[arg(long)]
        severity: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Who or what is affected.
        #[arg(long)]
        impact: Option<String>,
        /// A tag; repeat for several.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// A practice run: labelled, kept out of customer channels and metrics.
        #[arg(long)]
        drill: bool,
        /// Visible only to participants and admins.
        #[arg(long)]
        private: bool,
        /// When the problem started (RFC 3339).
        #[arg(long, value_parser = parse_timestamp)]
        started_at: Option<Timestamp>,
        /// When the problem was detected (RFC 3339).
        #[arg(long, value_parser = parse_timestamp)]
        detected_at: Option<Timestamp>,
        /// A service it is on; its blast radius and owners are recorded. Repeatable.
        #[arg(long = "service", value_name = "SERVICE")]
        services: Vec<String>,
        /// A functionality it is on, by name or in customers' words
        /// ("can't log in" finds Login); its owner is recorded. Repeatable.
        #[arg(long = "functionality", value_name = "WORDS")]
        functionalities: Vec<String>,
        /// Start it from a scenario of the plan: its runbooks attach at once and
        /// `muster incident scenario` compares what happens with its timeline.
        #[arg(long)]
        scenario: Option<String>,
    },
    /// List incidents, newest first.
    List {
        /// Only these statuses (comma-separated or repeated): active, acknowledged,
        /// mitigated, resolved, closed.
        #[arg(long, value_delimiter = ',')]
        status: Vec<String>,
        /// Only these severities (comma-separated or repeated), e.g. SEV1,SEV2.
        #[arg(long, value_delimiter = ',')]
        severity: Vec<String>,
        /// Only drills (`--drill`) or only real incidents (`--drill=false`).
        #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
        drill: Option<bool>,
        /// Only incidents with this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Only incidents declared at or after this instant (RFC 3339).
        #[arg(long, value_parser = parse_timestamp)]
        since: Option<Timestamp>,
        /// Only incidents declared before this instant (RFC 3339).
        #[arg(long, value_parser = parse_timestamp)]
        until: Option<Timestamp>,
        /// Incidents per page, 1-200 [default: the server's, 50].
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=200))]
        limit: Option<u32>,
        /// Follow the pages to the end instead of showing the first one.
        #[arg(long)]
        all: bool,
    },
    /// Show an incident with its roles, participants, milestones, tasks and timeline.
    Show {
        /// INC-42, 42 or the incident's id.
        incident: String,
    },
    /// The scenario an incident was started from: each expected moment on
    /// time, late, missing or pending. `--done N` marks action N done.
    Scenario {
        /// INC-42, 42 or the incident's id.
        incident: String,
        /// Mark the action at this position (the # column) done, now.
        #[arg(long, value_name = "N")]
        done: Option<usize>,
    },
    /// Change an incident's fields; fails if someone else changed it meanwhile.
    Update {
        incident: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        severity: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        impact: Option<String>,
        /// Replaces all tags; repeat for several.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Removes all tags.
        #[arg(long, conflicts_with = "tags")]
        clear_tags: bool,
        #[arg(long, conflicts_with = "public")]
        private: bool,
        #[arg(long)]
        public: bool,
    },
    /// Add a note to the timeline.
    Note { incident: String, text: String },
    /// Acknowledge an incident.
    Ack {
        incident: String,
        /// When it happened (RFC 3339) [default: now].
        #[arg(long, value_parser = parse_timestamp)]
        at: Option<Timestamp>,
    },
    /// Mark an incident mitigated.
    Mitigate {
        incident: String,
        /// When it happened (RFC 3339) [default: now].
        #[arg(long, value_parser = parse_timestamp)]
        at: Option<Timestamp>,
    },
    /// Mark an incident resolved.
    Resolve {
        incident: String,
        /// When it happened (RFC 3339) [default: now].
        #[arg(long, value_parser = parse_timestamp)]
        at: Option<Timestamp>,
    },
    /// Close an incident.
    Close {
        incident: String,
        /// When it happened (RFC 3339) [default: now].
        #[arg(long, value_parser = parse_timestamp)]
        at: Option<Timestamp>,
    },
    /// Give a role (commander, communications, scribe, operations, ...) to a user.
    Assign {
        incident: String,
        role: String,
        /// A user id or email address.
        user: String,
    },
    /// Work on an incident's tasks.
    #[command(subcommand)]
    Task(TaskCommand),
}

/// `task` is a task's number in `task list`, its id, or a unique start of its id.
#[derive(clap::Subcommand, Debug)]
pub enum TaskCommand {
    /// Add a task.
    Add {
        incident: String,
        title: String,
        /// A user id or email address.
        #[arg(long)]
        assignee: Option<String>,
    },
    /// List an incident's tasks.
    List { incident: String },
    /// Mark a task done.
    Done { incident: String, task: String },
    /// Mark a done task as not done.
    Reopen { incident: String, task: String },
    /// Give a task to a user (id or email address).
    Assign {
        incident: String,
        task: String,
        user: String,
    },
}
