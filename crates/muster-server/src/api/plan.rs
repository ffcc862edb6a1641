//! `/api/v1/plan`: the incident plan as code. The server reads and validates
//! the uploaded files itself (a client's check is a courtesy, not a guard),
//! then applies the catalog and every other document in one transaction.

use std::collections::BTreeMap;
use std::path::PathBuf;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use muster_api_types::ErrorBody;
use muster_api_types::alerts::endpoint;
use muster_api_types::plan::{
    PlanApplyResult, PlanDocument, PlanFile, PlanFiles, PlanOverview, PlanRevision, PlanUpload,
    PlannedIntegration, StaleDocument, StaleDocuments, check_path,
};
use muster_app::AppError;
use muster_app::plan::PlanApply;
use muster_app::plan_integrations::IntegrationChange;
use muster_core::Permission;
use muster_plan::plan::{self as reader, Finding};

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

/// The largest plan upload: far beyond any company's process, well short of
/// what would hurt the server.
pub const PLAN_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Files per plan.
const MAX_PLAN_FILES: usize = 1_000;

/// Every problem of a plan as one 422, each finding under `file:line:col`.
fn findings_error(findings: &[Finding]) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_plan",
        format!("the plan has {} problem(s)", findings.len()),
    );
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for finding in findings {
        let at = format!(
            "{}:{}:{}",
            finding.file.display(),
            finding.line,
            finding.column
        );
        let text = format!("[{}] {}", finding.rule, finding.message);
        fields
            .entry(at)
            .and_modify(|existing| {
                existing.push_str("; ");
                existing.push_str(&text);
            })
            .or_insert(text);
    }
    error.fields = fields;
    error
}

/// Reads and validates the upload: the catalog and documents to apply.
fn read(upload: PlanUpload) -> Result<PlanApply, ApiError> {
    if upload.files.is_empty() {
        return Err(ApiError::invalid("files", "a plan needs at least one file"));
    }
    if upload.files.len() > MAX_PLAN_FILES {
        return Err(ApiError::invalid(
            "files",
            format!("a plan has at most {MAX_PLAN_FILES} files"),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, file) in upload.files.iter().enumerate() {
        check_path(&file.path).map_err(|m| ApiError::invalid(format!("files[{index}].path"), m))?;
        if !seen.insert(file.path.as_str()) {
            return Err(ApiError::invalid(
                format!("files[{index}].path"),
                format!("{} appears twice", file.path),
            ));
        }
    }
    let texts = upload
        .files
        .into_iter()
        .map(|f| (PathBuf::from(f.path), f.text))
        .collect();
    let plan = reader::Plan::from_texts(texts).map_err(|f| findings_error(&f))?;
    let findings = reader::validate(&plan);
    if !findings.is_empty() {
        return Err(findings_error(&findings));
    }
    // Only the secrets the plan names are kept; an apply needs all of them.
    let mut secrets = BTreeMap::new();
    let mut missing = Vec::new();
    for reference in reader::secret_references(&plan) {
        match upload.secrets.get(&reference.variable) {
            Some(secret) => {
                secrets.insert(reference.variable.clone(), secret.clone());
            }
            None if !upload.dry_run => missing.push(reference.unset(
                "was not sent with the plan (`secrets`); `muster plan apply` reads it from its environment",
            )),
            None => {}
        }
    }
    if !missing.is_empty() {
        return Err(findings_error(&missing));
    }
    Ok(PlanApply {
        catalog: plan.catalog(),
        documents: plan.stored_documents(),
        files: plan.files(),
        secrets,
        dry_run: upload.dry_run,
    })
}

/// The integration changes as the API shows them.
fn planned(changes: &[IntegrationChange]) -> Vec<PlannedIntegration> {
    changes
        .iter()
        .map(|c| PlannedIntegration {
            name: c.name.clone(),
            action: c.action.as_str().to_owned(),
            kind: c.kind.clone(),
            service: c.service.as_ref().map(|s| s.as_str().to_owned()),
            team: c.team.as_ref().map(|t| t.as_str().to_owned()),
            changed: c.changed.iter().map(|f| (*f).to_owned()).collect(),
            revived: c.revived,
            endpoint: endpoint(&c.kind),
            key: c.key.clone(),
        })
        .collect()
}

/// Check a plan folder against the server (`dry_run`) or apply it: the
/// catalog entries, every other document and the integrations the plan
/// declares, in one transaction. Created integrations' keys are in this
/// answer only.
#[utoipa::path(post, path = "/plan/apply", tag = "plan", request_body = PlanUpload,
    responses((status = 200, body = PlanApplyResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(upload): ApiJson<PlanUpload>,
) -> Result<Json<PlanApplyResult>, ApiError> {
    // Refuse before reading: parsing megabytes of YAML is not free.
    if !caller.actor.can(Permission::ManagePlan) {
        return Err(AppError::Forbidden("only admins may apply the plan".into()).into());
    }
    // Reading YAML is CPU work; keep it off the request threads.
    let apply = tokio::task::spawn_blocking(move || read(upload))
        .await
        .map_err(|e| ApiError::from(AppError::Internal(e.to_string())))??;
    let dry_run = apply.dry_run;
    let outcome = state.app.apply_plan(&caller.actor, apply).await?;
    Ok(Json(PlanApplyResult::of(
        &outcome.catalog,
        &outcome.documents,
        planned(&outcome.integrations),
        outcome.revision,
        outcome.changed,
        dry_run,
    )))
}

/// The running plan: the newest revision (when, by whom, what changed) and
/// every stored document with its review date.
#[utoipa::path(get, path = "/plan", tag = "plan", responses((status = 200, body = PlanOverview)))]
pub async fn overview(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<PlanOverview>, ApiError> {
    let overview = state.app.plan_overview(&caller.actor).await?;
    Ok(Json(PlanOverview {
        revision: overview.revision.as_ref().map(PlanRevision::from),
        documents: overview
            .documents
            .iter()
            .map(|d| PlanDocument::of(d, overview.today))
            .collect(),
    }))
}

/// The files of the newest revision, as they were applied.
#[utoipa::path(get, path = "/plan/source", tag = "plan", responses((status = 200, body = PlanFiles)))]
pub async fn source(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<PlanFiles>, ApiError> {
    let files = state
        .app
        .plan_source(&caller.actor)
        .await?
        .map(|r| r.files.iter().map(PlanFile::from).collect())
        .unwrap_or_default();
    Ok(Json(PlanFiles { files }))
}

/// The server's state as plan files (the catalog as it is now, whoever
/// edited it, and every stored document): applying them changes nothing.
#[utoipa::path(get, path = "/plan/export", tag = "plan", responses((status = 200, body = PlanFiles)))]
pub async fn export(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<PlanFiles>, ApiError> {
    let (catalog, documents) = state.app.plan_state(&caller.actor).await?;
    let files = reader::export(&catalog, &documents)
        .map_err(|e| ApiError::from(AppError::Internal(e.to_string())))?;
    Ok(Json(PlanFiles {
        files: files.iter().map(PlanFile::from).collect(),
    }))
}

/// Documents whose review is overdue, most overdue first, and whether their
/// owners were reminded.
#[utoipa::path(get, path = "/plan/stale", tag = "plan", responses((status = 200, body = StaleDocuments)))]
pub async fn stale(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<StaleDocuments>, ApiError> {
    let stale = state.app.stale_plan_documents(&caller.actor).await?;
    Ok(Json(StaleDocuments {
        documents: stale
            .into_iter()
            .map(|s| StaleDocument {
                kind: s.document.kind,
                name: s.document.name,
                file: s.document.file,
                owner: s.document.owner,
                last_reviewed: s.document.last_reviewed,
                review_every: s.document.review_every,
                due: s.due,
                reminded_at: s.reminded_at,
            })
            .collect(),
    }))
}
