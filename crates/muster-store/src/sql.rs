//! SQL text that both backends share verbatim, so filters behave identically.
//!
//! Only standard SQL that SQLite (3.44+) and PostgreSQL both accept lives here;
//! each backend binds the values and decodes the rows with its own types.

use std::collections::BTreeMap;

use muster_core::catalog::Criticality;
use muster_core::catalog::impact::IncidentImpact;
use muster_core::{Participant, RoleCode, Slug, Timestamp, UserId};
use uuid::Uuid;

use crate::{IncidentFilter, StoreError};

/// Selects incidents with their tags, roles and participants folded into
/// delimited text columns, so one round trip loads whole aggregates.
/// Tags, role codes and ids never contain `,` or `=` (validated in the core).
/// Expands to [`INCIDENT_SELECT`] as a literal, so backends can `concat!` a
/// `WHERE` clause onto it and keep a `&'static str` (which sqlx trusts as SQL).
#[macro_export]
macro_rules! incident_select {
    () => {
        "SELECT i.incident_id, i.number, i.title, i.description, i.impact, \
i.severity, i.drill, i.private, i.declared_by, i.started_at, i.detected_at, i.acknowledged_at, \
i.mitigated_at, i.resolved_at, i.closed_at, i.version, i.declared_at, i.updated_at, i.runbooks, \
(SELECT string_agg(t.tag, ',') FROM incident_tags t WHERE t.incident_id = i.incident_id) AS tags, \
(SELECT string_agg(r.role || '=' || CAST(r.user_id AS TEXT), ',') FROM incident_roles r \
WHERE r.incident_id = i.incident_id) AS roles, \
(SELECT string_agg(CAST(p.user_id AS TEXT) || '=' || CAST(p.joined_at AS TEXT), ',') \
FROM incident_participants p WHERE p.incident_id = i.incident_id) AS participants, \
(SELECT string_agg(a.kind || ':' || a.slug || ':' || COALESCE(a.criticality, ''), ',') \
FROM incident_affected a WHERE a.incident_id = i.incident_id) AS affected \
FROM incidents i"
    };
}

/// See [`incident_select!`].
pub const INCIDENT_SELECT: &str = incident_select!();

/// The milestone columns of `incidents`, in [`muster_core::Milestone::ALL`] order.
pub const MILESTONE_COLUMNS: [&str; 6] = [
    "started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
];

/// An incident's tags, roles and participants, unfolded from the text
/// columns of [`INCIDENT_SELECT`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    pub tags: Vec<String>,
    pub roles: BTreeMap<RoleCode, UserId>,
    pub participants: Vec<Participant>,
    pub affected: IncidentImpact,
}

fn corrupt(what: &str, raw: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {raw:?}"))
}

fn user_id(raw: &str) -> Result<UserId, StoreError> {
    Uuid::parse_str(raw)
        .map(UserId)
        .map_err(|_| corrupt("user id", raw))
}

/// Reads the `tags`, `roles` and `participants` columns back. `string_agg`
/// has no defined order, so tags are sorted and participants ordered by when
/// they joined: equal aggregates then compare equal.
pub fn unfold_members(
    tags: Option<&str>,
    roles: Option<&str>,
    participants: Option<&str>,
    affected: Option<&str>,
) -> Result<Members, StoreError> {
    let mut members = Members {
        tags: tags
            .map(|t| t.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        ..Members::default()
    };
    members.tags.sort();
    for pair in roles.iter().flat_map(|r| r.split(',')) {
        let (role, user) = pair
            .split_once('=')
            .ok_or_else(|| corrupt("role pair", pair))?;
        members.roles.insert(RoleCode::new(role), user_id(user)?);
    }
    for pair in participants.iter().flat_map(|r| r.split(',')) {
        let (user, joined) = pair
            .split_once('=')
            .ok_or_else(|| corrupt("participant pair", pair))?;
        let joined_at = joined
            .parse::<i64>()
            .ok()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok())
            .ok_or_else(|| corrupt("participant instant", joined))?;
        members.participants.push(Participant {
            user_id: user_id(user)?,
            joined_at,
        });
    }
    members
        .participants
        .sort_by_key(|p| (p.joined_at, p.user_id));
    for row in affected.iter().flat_map(|a| a.split(',')) {
        let mut parts = row.splitn(3, ':');
        let (Some(kind), Some(slug), Some(criticality)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(corrupt("affected entry", row));
        };
        let slug = Slug::parse("slug", slug).map_err(|_| corrupt("affected slug", row))?;
        let affected = &mut members.affected;
        match (kind, criticality) {
            ("service", _) => affected.services.push(slug),
            ("team", _) => affected.teams.push(slug),
            ("functionality", level) => affected.functionalities.push((
                slug,
                level
                    .parse::<Criticality>()
                    .map_err(|_| corrupt("affected criticality", row))?,
            )),
            _ => return Err(corrupt("affected kind", row)),
        }
    }
    members.affected.services.sort();
    members.affected.teams.sort();
    members.affected.functionalities.sort();
    Ok(members)
}

/// The rows of `incident_affected` for an incident: (kind, slug, criticality).
pub fn affected_rows(affected: &IncidentImpact) -> Vec<(&'static str, &str, Option<&'static str>)> {
    let services = affected
        .services
        .iter()
        .map(|s| ("service", s.as_str(), None));
    let functionalities = affected
        .functionalities
        .iter()
        .map(|(s, c)| ("functionality", s.as_str(), Some(c.as_str())));
    let teams = affected.teams.iter().map(|s| ("team", s.as_str(), None));
    services.chain(functionalities).chain(teams).collect()
}

/// How a backend writes the n-th bind parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholders {
    /// `?1`, `?2`, … (SQLite)
    QuestionNumbered,
    /// `$1`, `$2`, … (PostgreSQL)
    DollarNumbered,
    /// `?`, `?`, …: each value bound once, in order (SQLite). For
    /// statements with hundreds of values: sqlx finds a named parameter's
    /// value by asking SQLite for its name, which scans the statement's list
    /// of names, so binding numbered ones costs time quadratic in their count.
    Anonymous,
}

impl Placeholders {
    /// The `n`-th (from 1) bind parameter.
    pub fn nth(self, n: usize) -> String {
        match self {
            Self::QuestionNumbered => format!("?{n}"),
            Self::DollarNumbered => format!("${n}"),
            Self::Anonymous => "?".to_owned(),
        }
    }

    /// `rows` parenthesised rows of `columns` parameters each, numbered on
    /// from 1: the body of a multi-row `VALUES`.
    pub fn rows(self, rows: usize, columns: usize) -> String {
        (0..rows)
            .map(|r| format!("({})", self.run(r * columns + 1, columns)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Parameters `from`, `from + 1`, … (`count` of them), comma-separated.
    pub fn run(self, from: usize, count: usize) -> String {
        (from..from + count)
            .map(|n| self.nth(n))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A value to bind, in the order the placeholders appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    Text(String),
    Int(i64),
    Bool(bool),
    User(UserId),
    /// Any other id column (UUID on PostgreSQL, text on SQLite).
    Id(Uuid),
}

/// A statement and its bind values.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub values: Vec<SqlValue>,
}

struct Builder {
    style: Placeholders,
    sql: String,
    values: Vec<SqlValue>,
}

impl Builder {
    fn bind(&mut self, value: SqlValue) -> String {
        self.values.push(value);
        self.style.nth(self.values.len())
    }
}

/// The page query of `list_incidents`: newest first, one row beyond the limit
/// so the caller can tell whether more follow.
pub fn incident_page(filter: &IncidentFilter, style: Placeholders) -> Statement {
    let mut b = Builder {
        style,
        sql: String::from(INCIDENT_SELECT),
        values: Vec::new(),
    };
    let mut conditions: Vec<String> = Vec::new();
    if !filter.statuses.is_empty() {
        let list: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| b.bind(SqlValue::Text(s.as_str().to_owned())))
            .collect();
        conditions.push(format!("i.status IN ({})", list.join(", ")));
    }
    if !filter.severities.is_empty() {
        let list: Vec<String> = filter
            .severities
            .iter()
            .map(|s| b.bind(SqlValue::Text(s.clone())))
            .collect();
        conditions.push(format!("i.severity IN ({})", list.join(", ")));
    }
    if let Some(drill) = filter.drill {
        let p = b.bind(SqlValue::Bool(drill));
        conditions.push(format!("i.drill = {p}"));
    }
    if let Some(tag) = &filter.tag {
        let p = b.bind(SqlValue::Text(tag.clone()));
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM incident_tags t WHERE t.incident_id = i.incident_id AND t.tag = {p})"
        ));
    }
    if let Some(after) = filter.declared_after {
        let p = b.bind(SqlValue::Int(after.as_millisecond()));
        conditions.push(format!("i.declared_at >= {p}"));
    }
    if let Some(before) = filter.declared_before {
        let p = b.bind(SqlValue::Int(before.as_millisecond()));
        conditions.push(format!("i.declared_at < {p}"));
    }
    if let Some(user) = filter.visible_to {
        let p = b.bind(SqlValue::User(user));
        conditions.push(format!(
            "(i.private = FALSE OR i.declared_by = {p} \
             OR EXISTS (SELECT 1 FROM incident_participants p WHERE p.incident_id = i.incident_id AND p.user_id = {p}) \
             OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.incident_id AND r.user_id = {p}))",
        ));
    }
    if let Some(number) = filter.before_number {
        let p = b.bind(SqlValue::Int(i64::try_from(number).unwrap_or(i64::MAX)));
        conditions.push(format!("i.number < {p}"));
    }
    if !conditions.is_empty() {
        b.sql.push_str(" WHERE ");
        b.sql.push_str(&conditions.join(" AND "));
    }
    let limit = b.bind(SqlValue::Int(i64::from(filter.limit) + 1));
    b.sql
        .push_str(&format!(" ORDER BY i.number DESC LIMIT {limit}"));
    Statement {
        sql: b.sql,
        values: b.values,
    }
}

/// The query of `list_pages`: newest first, at most `filter.limit`.
pub fn page_list(filter: &crate::PageFilter, style: Placeholders) -> Statement {
    let mut b = Builder {
        style,
        sql: String::from(crate::page_select!()),
        values: Vec::new(),
    };
    let mut conditions: Vec<String> = Vec::new();
    if !filter.statuses.is_empty() {
        let list: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| b.bind(SqlValue::Text(s.as_str().to_owned())))
            .collect();
        conditions.push(format!("p.status IN ({})", list.join(", ")));
    }
    if let Some(incident) = filter.incident {
        let p = b.bind(SqlValue::Id(incident.as_uuid()));
        conditions.push(format!("p.incident_id = {p}"));
    }
    if let Some(recipient) = &filter.recipient {
        let p = b.bind(SqlValue::Text(recipient.to_lowercase()));
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM page_events e WHERE e.page_id = p.page_id AND e.recipient = {p})"
        ));
    }
    if let Some(number) = filter.before_number {
        let p = b.bind(SqlValue::Int(i64::try_from(number.0).unwrap_or(i64::MAX)));
        conditions.push(format!("p.number < {p}"));
    }
    if !conditions.is_empty() {
        b.sql.push_str(" WHERE ");
        b.sql.push_str(&conditions.join(" AND "));
    }
    let limit = b.bind(SqlValue::Int(i64::from(filter.limit.max(1))));
    b.sql
        .push_str(&format!(" ORDER BY p.number DESC LIMIT {limit}"));
    Statement {
        sql: b.sql,
        values: b.values,
    }
}

/// The `runbooks` column: the names attached, as a JSON list.
pub fn encode_runbooks(runbooks: &[muster_core::runbook::RunbookName]) -> String {
    let names: Vec<&str> = runbooks.iter().map(|r| r.as_str()).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| String::from("[]"))
}

fn decode_runbooks(raw: &str) -> Result<Vec<muster_core::runbook::RunbookName>, StoreError> {
    serde_json::from_str::<Vec<String>>(raw)
        .map(|names| {
            names
                .into_iter()
                .map(muster_core::runbook::RunbookName::new)
                .collect()
        })
        .map_err(|e| StoreError::Corrupt(format!("incident runbooks {raw:?}: {e}")))
}

/// Decodes a row of [`INCIDENT_SELECT`].
pub fn decode_incident<R: crate::StoredRow>(row: &R) -> Result<muster_core::Incident, StoreError> {
    let members = unfold_members(
        row.optional_text("tags")?.as_deref(),
        row.optional_text("roles")?.as_deref(),
        row.optional_text("participants")?.as_deref(),
        row.optional_text("affected")?.as_deref(),
    )?;
    let mut at = [None; 6];
    for (slot, column) in at.iter_mut().zip(MILESTONE_COLUMNS) {
        *slot = row.optional_instant(column)?;
    }
    Ok(muster_core::Incident {
        id: muster_core::IncidentId(row.id("incident_id")?),
        number: muster_core::IncidentNumber(row.natural("number")?),
        title: row.text("title")?,
        description: row.text("description")?,
        impact: row.text("impact")?,
        severity: muster_core::SeverityCode::new(row.text("severity")?),
        drill: row.flag("drill")?,
        private: row.flag("private")?,
        declared_by: UserId(row.id("declared_by")?),
        tags: members.tags,
        milestones: muster_core::Milestones::from_instants(at)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        roles: members.roles,
        participants: members.participants,
        affected: members.affected,
        runbooks: decode_runbooks(&row.text("runbooks")?)?,
        version: row.natural("version")?,
        declared_at: row.instant("declared_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_core::IncidentStatus;

    #[test]
    fn folded_members_unfold_in_a_stable_order_and_bad_text_is_corrupt() {
        let ada = "00000000-0000-0000-0000-000000000001";
        let bob = "00000000-0000-0000-0000-000000000002";
        let members = unfold_members(
            Some("db,checkout"),
            Some(&format!("commander={ada},scribe={bob}")),
            Some(&format!("{bob}=2000,{ada}=1000")),
            Some("team:payments:,functionality:login:hard,service:api:"),
        )
        .unwrap();
        assert_eq!(members.affected.functionalities.len(), 1);
        assert_eq!(members.affected.teams.len(), 1);
        assert!(matches!(
            unfold_members(None, None, None, Some("planet:x:")),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(members.tags, ["checkout", "db"]);
        assert_eq!(members.roles.len(), 2);
        assert_eq!(members.participants[0].user_id.to_string(), ada);
        assert_eq!(
            unfold_members(None, None, None, None).unwrap(),
            Members::default()
        );
        assert!(matches!(
            unfold_members(None, Some("commander"), None, None),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            unfold_members(None, None, Some(&format!("{ada}=soon")), None),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn filters_become_numbered_placeholders_in_order() {
        let filter = IncidentFilter {
            statuses: vec![IncidentStatus::Active, IncidentStatus::Mitigated],
            drill: Some(false),
            before_number: Some(10),
            limit: 20,
            ..Default::default()
        };
        let statement = incident_page(&filter, Placeholders::DollarNumbered);
        assert!(
            statement.sql.contains("i.status IN ($1, $2)"),
            "{}",
            statement.sql
        );
        assert!(statement.sql.contains("i.drill = $3"));
        assert!(statement.sql.contains("i.number < $4"));
        assert!(statement.sql.ends_with("ORDER BY i.number DESC LIMIT $5"));
        assert_eq!(statement.values.last(), Some(&SqlValue::Int(21)));
        let sqlite = incident_page(&filter, Placeholders::QuestionNumbered);
        assert!(sqlite.sql.contains("i.status IN (?1, ?2)"));
    }
}
