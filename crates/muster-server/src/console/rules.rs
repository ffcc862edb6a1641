//! The notification rules editor on a person's page, without JavaScript:
//! rows are `kind_<n>` and `after_<n>` fields, the last one blank to add
//! with; a row's "Remove" button posts the form without that row, and "Add
//! another row" shows the form again with one more blank row, saving nothing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_app::paging::RuleDraft;
use muster_core::FieldError;
use muster_ui::present::{self, RuleInput};
use muster_ui::view::Flash;

use super::ConsoleError;
use super::oncall::field_messages;
use super::people::{Extras, find, person_page};
use super::session::Verified;
use crate::state::AppState;

/// The editor's rows in order, blank rows and the removed one left out.
fn rows_of(pairs: &[(String, String)]) -> Vec<RuleInput> {
    let removed = pairs
        .iter()
        .find(|(k, _)| k == "remove")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let mut indexed: Vec<(usize, RuleInput)> = Vec::new();
    for (key, value) in pairs {
        let (index, is_kind) = match (key.strip_prefix("kind_"), key.strip_prefix("after_")) {
            (Some(n), _) => (n, true),
            (_, Some(n)) => (n, false),
            _ => continue,
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let position = match indexed.iter().position(|(i, _)| *i == index) {
            Some(position) => position,
            None => {
                indexed.push((index, RuleInput::default()));
                indexed.len() - 1
            }
        };
        let row = &mut indexed[position].1;
        if is_kind {
            row.kind = value.trim().to_owned();
        } else {
            row.after = value.trim().to_owned();
        }
    }
    indexed.sort_by_key(|(i, _)| *i);
    indexed
        .into_iter()
        .filter(|(i, row)| Some(*i) != removed && !(row.kind.is_empty() && row.after.is_empty()))
        .map(|(_, row)| row)
        .collect()
}

/// Drafts for the use case, or what is wrong with the rows as typed
/// (field names by row, as the use case names them).
fn drafts_of(rows: &[RuleInput]) -> Result<Vec<RuleDraft>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if row.kind.is_empty() {
            errors.push(FieldError::new(
                format!("rules[{index}].kind"),
                "choose a contact method",
            ));
        }
        let after = if row.after.is_empty() {
            Ok(0)
        } else {
            row.after.parse::<i64>().map_err(|_| {
                FieldError::new(
                    format!("rules[{index}].after_minutes"),
                    format!("expected whole minutes, got {:?}", row.after),
                )
            })
        };
        match after {
            Ok(after_minutes) => drafts.push(RuleDraft {
                kind: row.kind.clone(),
                after_minutes,
            }),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(drafts)
    } else {
        Err(errors)
    }
}

pub async fn save(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Verified(user, pairs): Verified<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let target = find(&state, &user, &key).await?;
    let rows = rows_of(&pairs);
    let action = format!("{}/notification-rules", present::user_href(&target));
    let stored = state
        .app
        .notification_rules(&user.principal.actor, &target)
        .await
        .map_err(|e| user.fail(e))?;
    if pairs.iter().any(|(k, _)| k == "add") {
        let rules = present::rules_view(&stored, &rows, &[], action);
        return Ok(person_page(
            &state,
            &user,
            &target,
            Extras::rules(StatusCode::OK, None, rules),
        )
        .await);
    }
    let outcome = match drafts_of(&rows) {
        Ok(drafts) => {
            state
                .app
                .set_notification_rules(&user.principal.actor, &target, &drafts)
                .await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&present::user_href(&target)).into_response()),
        Err(AppError::Invalid(fields)) => {
            let errors = field_messages(fields);
            let rules = present::rules_view(&stored, &rows, &errors, action);
            let flash = Flash::error("The rules were not saved: please fix the rows marked below.");
            Ok(person_page(
                &state,
                &user,
                &target,
                Extras::rules(StatusCode::UNPROCESSABLE_ENTITY, Some(flash), rules),
            )
            .await)
        }
        Err(error) => Err(user.fail(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rows_come_in_order_without_blanks_or_the_removed_one() {
        let rows = rows_of(&pairs(&[
            ("csrf_token", "x"),
            ("kind_1", "sms"),
            ("after_1", "5"),
            ("kind_0", "email"),
            ("after_0", ""),
            ("kind_2", ""),
            ("after_2", ""),
            ("kind_3", "voice"),
            ("after_3", "10"),
            ("remove", "3"),
        ]));
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["email", "sms"]);
        let drafts = drafts_of(&rows).unwrap_or_default();
        assert_eq!(drafts[0].after_minutes, 0, "blank minutes: at once");
        let bad = drafts_of(&[RuleInput {
            kind: String::new(),
            after: "soon".into(),
        }])
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = bad.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rules[0].kind", "rules[0].after_minutes"]);
    }
}
