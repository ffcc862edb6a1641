//! Catalog pages: the overview, a team, a service (with its blast radius and
//! neighbourhood graph), a functionality; and the forms that create, edit
//! and delete them. Forms post plain fields; list fields are one entry per
//! line. A refused form comes back with what was typed and the reasons
//! beside the fields.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_core::catalog::changes::EntryKind;
use muster_core::catalog::{
    Catalog, Criticality, Functionality, Lifecycle, Link, Service, Team, TeamMember,
};
use muster_core::{FieldError, Permission, Slug};
use muster_ui::pages::{
    CatalogPage, FormFrame, FunctionalityFormPage, FunctionalityPage, ServiceFormPage, ServicePage,
    TeamFormPage, TeamPage,
};
use muster_ui::present;
use muster_ui::view::{FieldMessage, Flash, FunctionalityForm, ServiceForm, TeamForm};
use serde::Deserialize;

use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, describe, render};
use crate::state::AppState;

fn kind_label(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Team => "Team",
        EntryKind::Service => "Service",
        EntryKind::Functionality => "Functionality",
    }
}

/// The collection an entry lives in, as in paths and validation fields.
fn collection(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Team => "teams",
        EntryKind::Service => "services",
        EntryKind::Functionality => "functionalities",
    }
}

/// A slug in a path; anything that is not one names nothing.
fn path_slug(kind: EntryKind, raw: &str) -> Result<Slug, ConsoleError> {
    Slug::parse("slug", raw)
        .map_err(|_| ConsoleError::not_found(&format!("{} {raw:?}", kind_label(kind))))
}

fn not_found(kind: EntryKind, slug: &Slug) -> ConsoleError {
    ConsoleError::not_found(&format!("{} {slug}", kind_label(kind)))
}

async fn load(state: &AppState, user: &ConsoleUser) -> Result<Catalog, ConsoleError> {
    state
        .app
        .catalog(&user.principal.actor)
        .await
        .map_err(|e| user.fail(e))
}

/// Editing forms are offered to those who may edit; the use cases check again.
fn require_editor(user: &ConsoleUser) -> Result<(), ConsoleError> {
    if user.principal.actor.can(Permission::ManageCatalog) {
        Ok(())
    } else {
        Err(user.fail(ConsoleError::page(
            StatusCode::FORBIDDEN,
            "Your role may read the catalog but not change it.",
        )))
    }
}

// ---------- pages ----------

pub async fn overview(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    let catalog = load(&state, &user).await?;
    Ok(render(
        StatusCode::OK,
        &CatalogPage {
            chrome: user.chrome(),
            flash: None,
            catalog: present::catalog_overview(&catalog),
        },
    ))
}

pub async fn team(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    let slug = path_slug(EntryKind::Team, &raw).map_err(|e| user.fail(e))?;
    let catalog = load(&state, &user).await?;
    let team = present::team_view(&catalog, &slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Team, &slug)))?;
    Ok(render(
        StatusCode::OK,
        &TeamPage {
            chrome: user.chrome(),
            flash: None,
            team,
        },
    ))
}

pub async fn service(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    let slug = path_slug(EntryKind::Service, &raw).map_err(|e| user.fail(e))?;
    let catalog = load(&state, &user).await?;
    let service = present::service_view(&catalog, &slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Service, &slug)))?;
    Ok(render(
        StatusCode::OK,
        &ServicePage {
            chrome: user.chrome(),
            flash: None,
            service,
        },
    ))
}

pub async fn functionality(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    let slug = path_slug(EntryKind::Functionality, &raw).map_err(|e| user.fail(e))?;
    let catalog = load(&state, &user).await?;
    let functionality = present::functionality_view(&catalog, &slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Functionality, &slug)))?;
    Ok(render(
        StatusCode::OK,
        &FunctionalityPage {
            chrome: user.chrome(),
            flash: None,
            functionality,
        },
    ))
}

// ---------- parsing what forms send ----------

fn lines(raw: &str) -> impl Iterator<Item = (usize, &str)> {
    raw.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
}

fn optional_slug(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<Slug> {
    match raw.trim() {
        "" => None,
        raw => Slug::parse(field, raw).map_err(|e| errors.push(e)).ok(),
    }
}

/// `email:role` lines; the role defaults to `member`.
fn parse_members(raw: &str, errors: &mut Vec<FieldError>) -> Vec<TeamMember> {
    lines(raw)
        .filter_map(|(index, line)| {
            let (email, role) = line.split_once(':').unwrap_or((line, "member"));
            match muster_core::user::email(&format!("members[{index}].email"), email) {
                Ok(email) => Some(TeamMember {
                    email,
                    role: role.trim().to_owned(),
                }),
                Err(error) => {
                    errors.push(error);
                    None
                }
            }
        })
        .collect()
}

/// `service:hard|soft` lines; the criticality defaults to hard.
fn parse_dependencies(raw: &str, errors: &mut Vec<FieldError>) -> Vec<(Slug, Criticality)> {
    lines(raw)
        .filter_map(|(index, line)| {
            let field = format!("depends_on[{index}]");
            let (target, criticality) = line.split_once(':').unwrap_or((line, "hard"));
            let target = Slug::parse(&field, target).map_err(|e| errors.push(e)).ok();
            let criticality = criticality
                .trim()
                .to_lowercase()
                .parse::<Criticality>()
                .map_err(|m| errors.push(FieldError::new(field.clone(), m)))
                .ok();
            Some((target?, criticality?))
        })
        .collect()
}

/// `title url` lines (the URL last; a bare URL is its own title).
fn parse_links(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Vec<Link> {
    lines(raw)
        .filter_map(|(index, line)| {
            let (title, url) = line.rsplit_once(char::is_whitespace).unwrap_or(("", line));
            Link::new(&format!("{field}[{index}]"), title, url)
                .map_err(|e| errors.push(e))
                .ok()
        })
        .collect()
}

fn parse_slugs(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Vec<Slug> {
    lines(raw)
        .filter_map(|(index, line)| {
            Slug::parse(&format!("{field}[{index}]"), line)
                .map_err(|e| errors.push(e))
                .ok()
        })
        .collect()
}

fn finish<T>(value: Option<T>, errors: Vec<FieldError>) -> Result<T, AppError> {
    match value {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(AppError::Invalid(errors)),
    }
}

fn parse_team(form: &TeamInput) -> Result<Team, AppError> {
    let mut errors = Vec::new();
    let slug = Slug::parse("slug", &form.slug)
        .map_err(|e| errors.push(e))
        .ok();
    let escalation_policy =
        optional_slug("escalation_policy", &form.escalation_policy, &mut errors);
    let members = parse_members(&form.members, &mut errors);
    let team = slug.map(|slug| Team {
        slug,
        name: form.name.trim().to_owned(),
        description: form.description.trim().to_owned(),
        contact_channel: form.contact_channel.trim().to_owned(),
        escalation_policy,
        members,
    });
    finish(team, errors)
}

fn parse_service(form: &ServiceInput) -> Result<Service, AppError> {
    let mut errors = Vec::new();
    let slug = Slug::parse("slug", &form.slug)
        .map_err(|e| errors.push(e))
        .ok();
    let owner_team = optional_slug("owner_team", &form.owner_team, &mut errors);
    let tier = form
        .tier
        .trim()
        .parse::<u8>()
        .map_err(|_| {
            errors.push(FieldError::new(
                "tier",
                format!("expected a number, got {:?}", form.tier),
            ))
        })
        .ok();
    let lifecycle = form
        .lifecycle
        .parse::<Lifecycle>()
        .map_err(|m| errors.push(FieldError::new("lifecycle", m)))
        .ok();
    let depends_on = parse_dependencies(&form.depends_on, &mut errors);
    let links = parse_links("links", &form.links, &mut errors);
    let runbooks = parse_links("runbooks", &form.runbooks, &mut errors);
    let kind = match form.kind.trim() {
        "" => String::from("service"),
        kind => kind.to_owned(),
    };
    let service = match (slug, tier, lifecycle) {
        (Some(slug), Some(tier), Some(lifecycle)) => Some(Service {
            slug,
            name: form.name.trim().to_owned(),
            description: form.description.trim().to_owned(),
            owner_team,
            tier,
            lifecycle,
            kind,
            links,
            runbooks,
            rollback_plan: form.rollback_plan.trim().to_owned(),
            tags: super::incidents::split_tags(&form.tags),
            depends_on,
        }),
        _ => None,
    };
    finish(service, errors)
}

fn parse_functionality(form: &FunctionalityInput) -> Result<Functionality, AppError> {
    let mut errors = Vec::new();
    let slug = Slug::parse("slug", &form.slug)
        .map_err(|e| errors.push(e))
        .ok();
    let owner_team = optional_slug("owner_team", &form.owner_team, &mut errors);
    let services = parse_slugs("services", &form.services, &mut errors);
    let functionality = slug.map(|slug| Functionality {
        slug,
        name: form.name.trim().to_owned(),
        description: form.description.trim().to_owned(),
        aliases: lines(&form.aliases).map(|(_, a)| a.to_owned()).collect(),
        owner_team,
        services,
    });
    finish(functionality, errors)
}

/// Splits validation errors into those of this form's fields and the rest.
/// `services[api].depends_on[2]` (or `depends_on[2]`) is the third line of
/// the `depends_on` field; errors about other entries are not this form's.
fn field_messages(
    kind: EntryKind,
    slug: &str,
    errors: Vec<FieldError>,
) -> (Vec<FieldMessage>, Vec<String>) {
    let prefix = format!("{}[{slug}].", collection(kind));
    let mut fields: Vec<FieldMessage> = Vec::new();
    let mut others = Vec::new();
    for error in errors {
        let other_entry = ["teams[", "services[", "functionalities["]
            .iter()
            .any(|c| error.field.starts_with(c));
        let path = match error.field.strip_prefix(&prefix) {
            Some(path) => Some(path),
            None if other_entry => None,
            None => Some(error.field.as_str()),
        };
        let Some(path) = path else {
            others.push(format!("{}: {}", error.field, error.message));
            continue;
        };
        let name_end = path.find(['[', '.']).unwrap_or(path.len());
        let (name, rest) = path.split_at(name_end);
        let message = match rest
            .strip_prefix('[')
            .and_then(|r| r.split(']').next())
            .and_then(|i| i.parse::<usize>().ok())
        {
            Some(index) => format!("line {}: {}", index + 1, error.message),
            None => error.message,
        };
        match fields.iter_mut().find(|f| f.field == name) {
            Some(existing) => {
                existing.message.push_str("; ");
                existing.message.push_str(&message);
            }
            None => fields.push(FieldMessage {
                field: name.to_owned(),
                message,
            }),
        }
    }
    (fields, others)
}

/// What a refused form says on top, naming errors no field shows.
fn refusal(what: &str, others: &[String], message: Option<String>) -> Flash {
    let mut text = message.unwrap_or_else(|| {
        format!("The {what} was not saved: please fix the fields marked below.")
    });
    for other in others {
        text.push(' ');
        text.push_str(other);
        text.push('.');
    }
    Flash::error(text)
}

fn frame(kind: EntryKind, slug: Option<&str>) -> FormFrame {
    let base = collection(kind);
    match slug {
        None => FormFrame {
            creating: true,
            action: format!("/{base}"),
            cancel_href: String::from("/catalog"),
            delete_href: None,
        },
        Some(slug) => FormFrame {
            creating: false,
            action: format!("/{base}/{slug}"),
            cancel_href: format!("/{base}/{slug}"),
            delete_href: Some(format!("/{base}/{slug}/delete")),
        },
    }
}

fn known_services(catalog: &Catalog) -> Vec<String> {
    let mut slugs: Vec<String> = catalog
        .services
        .iter()
        .map(|s| s.slug.to_string())
        .collect();
    slugs.sort();
    slugs
}

/// How a form page is shown: fresh, or refused with reasons.
struct Outcome {
    status: StatusCode,
    flash: Option<Flash>,
    errors: Vec<FieldMessage>,
}

impl Outcome {
    fn fresh() -> Self {
        Self {
            status: StatusCode::OK,
            flash: None,
            errors: Vec::new(),
        }
    }

    /// A refusal from a use case (or from parsing the form).
    fn refused(kind: EntryKind, slug: &str, error: AppError) -> Self {
        let what = kind.as_str();
        match error {
            AppError::Invalid(fields) => {
                let (errors, others) = field_messages(kind, slug, fields);
                Self {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    flash: Some(refusal(what, &others, None)),
                    errors,
                }
            }
            error => {
                let (status, message) = describe(error);
                Self {
                    status,
                    flash: Some(Flash::error(message)),
                    errors: Vec::new(),
                }
            }
        }
    }
}

fn team_form_page(
    user: &ConsoleUser,
    editing: Option<&str>,
    form: TeamForm,
    outcome: Outcome,
) -> Response {
    render(
        outcome.status,
        &TeamFormPage {
            chrome: user.chrome(),
            flash: outcome.flash,
            frame: frame(EntryKind::Team, editing),
            form,
            errors: outcome.errors,
        },
    )
}

fn service_form_page(
    user: &ConsoleUser,
    catalog: &Catalog,
    editing: Option<&str>,
    form: ServiceForm,
    outcome: Outcome,
) -> Response {
    render(
        outcome.status,
        &ServiceFormPage {
            chrome: user.chrome(),
            flash: outcome.flash,
            frame: frame(EntryKind::Service, editing),
            owners: present::team_options(catalog, &form.owner_team),
            tiers: present::tier_options(&form.tier),
            lifecycles: present::lifecycle_options(&form.lifecycle),
            known_services: known_services(catalog),
            form,
            errors: outcome.errors,
        },
    )
}

fn functionality_form_page(
    user: &ConsoleUser,
    catalog: &Catalog,
    editing: Option<&str>,
    form: FunctionalityForm,
    outcome: Outcome,
) -> Response {
    render(
        outcome.status,
        &FunctionalityFormPage {
            chrome: user.chrome(),
            flash: outcome.flash,
            frame: frame(EntryKind::Functionality, editing),
            owners: present::team_options(catalog, &form.owner_team),
            known_services: known_services(catalog),
            form,
            errors: outcome.errors,
        },
    )
}

// ---------- the forms' fields ----------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TeamInput {
    slug: String,
    name: String,
    description: String,
    contact_channel: String,
    escalation_policy: String,
    members: String,
}

impl TeamInput {
    fn echo(self) -> TeamForm {
        TeamForm {
            slug: self.slug,
            name: self.name,
            description: self.description,
            contact_channel: self.contact_channel,
            escalation_policy: self.escalation_policy,
            members: self.members,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ServiceInput {
    slug: String,
    name: String,
    description: String,
    owner_team: String,
    tier: String,
    lifecycle: String,
    kind: String,
    rollback_plan: String,
    depends_on: String,
    links: String,
    runbooks: String,
    tags: String,
}

impl ServiceInput {
    fn echo(self) -> ServiceForm {
        ServiceForm {
            slug: self.slug,
            name: self.name,
            description: self.description,
            owner_team: self.owner_team,
            tier: self.tier,
            lifecycle: self.lifecycle,
            kind: self.kind,
            rollback_plan: self.rollback_plan,
            depends_on: self.depends_on,
            links: self.links,
            runbooks: self.runbooks,
            tags: self.tags,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FunctionalityInput {
    slug: String,
    name: String,
    description: String,
    aliases: String,
    owner_team: String,
    services: String,
}

impl FunctionalityInput {
    fn echo(self) -> FunctionalityForm {
        FunctionalityForm {
            slug: self.slug,
            name: self.name,
            description: self.description,
            aliases: self.aliases,
            owner_team: self.owner_team,
            services: self.services,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteInput {
    /// The confirmation box: `yes` when ticked.
    confirm: String,
}

/// Refuses to create over an existing entry (editing has its own URL).
fn taken(kind: EntryKind, exists: bool, slug: &str) -> Result<(), AppError> {
    if exists {
        Err(AppError::invalid(
            "slug",
            format!(
                "a {} named {slug} already exists; edit it instead",
                kind.as_str()
            ),
        ))
    } else {
        Ok(())
    }
}

/// The slug a form edits: the path's, whatever the form says.
fn editing_slug(kind: EntryKind, raw: &str, user: &ConsoleUser) -> Result<Slug, ConsoleError> {
    path_slug(kind, raw).map_err(|e| user.fail(e))
}

fn saved(kind: EntryKind, slug: &Slug) -> Response {
    Redirect::to(&format!("/{}/{slug}", collection(kind))).into_response()
}

// ---------- teams ----------

pub async fn new_team(user: ConsoleUser) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    Ok(team_form_page(
        &user,
        None,
        TeamForm::default(),
        Outcome::fresh(),
    ))
}

pub async fn edit_team(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let slug = editing_slug(EntryKind::Team, &raw, &user)?;
    let catalog = load(&state, &user).await?;
    let team = catalog
        .team(&slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Team, &slug)))?;
    Ok(team_form_page(
        &user,
        Some(slug.as_str()),
        present::team_form(team),
        Outcome::fresh(),
    ))
}

async fn save_team(
    state: &AppState,
    user: &ConsoleUser,
    editing: Option<Slug>,
    mut input: TeamInput,
) -> Result<Response, ConsoleError> {
    if let Some(slug) = &editing {
        input.slug = slug.to_string();
    }
    let outcome = match parse_team(&input) {
        Ok(team) => {
            let catalog = load(state, user).await?;
            match taken(
                EntryKind::Team,
                editing.is_none() && catalog.team(&team.slug).is_some(),
                team.slug.as_str(),
            ) {
                Ok(()) => state.app.put_team(&user.principal.actor, team).await,
                Err(error) => Err(error),
            }
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(team) => Ok(saved(EntryKind::Team, &team.slug)),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            Err(user.fail(error))
        }
        Err(error) => {
            let slug = input.slug.trim().to_lowercase();
            let outcome = Outcome::refused(EntryKind::Team, &slug, error);
            let editing = editing.as_ref().map(Slug::as_str);
            Ok(team_form_page(user, editing, input.echo(), outcome))
        }
    }
}

pub async fn create_team(
    State(state): State<AppState>,
    Verified(user, input): Verified<TeamInput>,
) -> Result<Response, ConsoleError> {
    save_team(&state, &user, None, input).await
}

pub async fn update_team(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<TeamInput>,
) -> Result<Response, ConsoleError> {
    let slug = editing_slug(EntryKind::Team, &raw, &user)?;
    save_team(&state, &user, Some(slug), input).await
}

// ---------- services ----------

pub async fn new_service(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let catalog = load(&state, &user).await?;
    let form = ServiceForm {
        tier: String::from("2"),
        lifecycle: String::from("production"),
        kind: String::from("service"),
        ..ServiceForm::default()
    };
    Ok(service_form_page(
        &user,
        &catalog,
        None,
        form,
        Outcome::fresh(),
    ))
}

pub async fn edit_service(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let slug = editing_slug(EntryKind::Service, &raw, &user)?;
    let catalog = load(&state, &user).await?;
    let service = catalog
        .service(&slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Service, &slug)))?;
    let form = present::service_form(service);
    Ok(service_form_page(
        &user,
        &catalog,
        Some(slug.as_str()),
        form,
        Outcome::fresh(),
    ))
}

async fn save_service(
    state: &AppState,
    user: &ConsoleUser,
    editing: Option<Slug>,
    mut input: ServiceInput,
) -> Result<Response, ConsoleError> {
    if let Some(slug) = &editing {
        input.slug = slug.to_string();
    }
    let catalog = load(state, user).await?;
    let outcome = match parse_service(&input) {
        Ok(service) => match taken(
            EntryKind::Service,
            editing.is_none() && catalog.service(&service.slug).is_some(),
            service.slug.as_str(),
        ) {
            Ok(()) => state.app.put_service(&user.principal.actor, service).await,
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    match outcome {
        Ok(service) => Ok(saved(EntryKind::Service, &service.slug)),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            Err(user.fail(error))
        }
        Err(error) => {
            let slug = input.slug.trim().to_lowercase();
            let outcome = Outcome::refused(EntryKind::Service, &slug, error);
            let editing = editing.as_ref().map(Slug::as_str);
            Ok(service_form_page(
                user,
                &catalog,
                editing,
                input.echo(),
                outcome,
            ))
        }
    }
}

pub async fn create_service(
    State(state): State<AppState>,
    Verified(user, input): Verified<ServiceInput>,
) -> Result<Response, ConsoleError> {
    save_service(&state, &user, None, input).await
}

pub async fn update_service(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<ServiceInput>,
) -> Result<Response, ConsoleError> {
    let slug = editing_slug(EntryKind::Service, &raw, &user)?;
    save_service(&state, &user, Some(slug), input).await
}

// ---------- functionalities ----------

pub async fn new_functionality(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let catalog = load(&state, &user).await?;
    Ok(functionality_form_page(
        &user,
        &catalog,
        None,
        FunctionalityForm::default(),
        Outcome::fresh(),
    ))
}

pub async fn edit_functionality(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let slug = editing_slug(EntryKind::Functionality, &raw, &user)?;
    let catalog = load(&state, &user).await?;
    let functionality = catalog
        .functionality(&slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Functionality, &slug)))?;
    let form = present::functionality_form(functionality);
    Ok(functionality_form_page(
        &user,
        &catalog,
        Some(slug.as_str()),
        form,
        Outcome::fresh(),
    ))
}

async fn save_functionality(
    state: &AppState,
    user: &ConsoleUser,
    editing: Option<Slug>,
    mut input: FunctionalityInput,
) -> Result<Response, ConsoleError> {
    if let Some(slug) = &editing {
        input.slug = slug.to_string();
    }
    let catalog = load(state, user).await?;
    let outcome = match parse_functionality(&input) {
        Ok(functionality) => match taken(
            EntryKind::Functionality,
            editing.is_none() && catalog.functionality(&functionality.slug).is_some(),
            functionality.slug.as_str(),
        ) {
            Ok(()) => {
                state
                    .app
                    .put_functionality(&user.principal.actor, functionality)
                    .await
            }
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    match outcome {
        Ok(functionality) => Ok(saved(EntryKind::Functionality, &functionality.slug)),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            Err(user.fail(error))
        }
        Err(error) => {
            let slug = input.slug.trim().to_lowercase();
            let outcome = Outcome::refused(EntryKind::Functionality, &slug, error);
            let editing = editing.as_ref().map(Slug::as_str);
            Ok(functionality_form_page(
                user,
                &catalog,
                editing,
                input.echo(),
                outcome,
            ))
        }
    }
}

pub async fn create_functionality(
    State(state): State<AppState>,
    Verified(user, input): Verified<FunctionalityInput>,
) -> Result<Response, ConsoleError> {
    save_functionality(&state, &user, None, input).await
}

pub async fn update_functionality(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<FunctionalityInput>,
) -> Result<Response, ConsoleError> {
    let slug = editing_slug(EntryKind::Functionality, &raw, &user)?;
    save_functionality(&state, &user, Some(slug), input).await
}

// ---------- deleting ----------

/// Deletes after the confirmation box was ticked; a refusal (still
/// referenced, unconfirmed) shows the edit form again with the reason.
async fn delete(
    state: &AppState,
    user: &ConsoleUser,
    kind: EntryKind,
    raw: &str,
    input: DeleteInput,
) -> Result<Response, ConsoleError> {
    let slug = editing_slug(kind, raw, user)?;
    let outcome = if input.confirm == "yes" {
        state
            .app
            .delete_catalog_entry(&user.principal.actor, kind, &slug)
            .await
    } else {
        Err(AppError::Conflict {
            code: "unconfirmed",
            message: format!(
                "Tick the confirmation box to delete {} {slug}.",
                kind.as_str()
            ),
        })
    };
    let error = match outcome {
        Ok(()) => return Ok(Redirect::to("/catalog").into_response()),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            return Err(user.fail(error));
        }
        Err(error) => error,
    };
    let catalog = load(state, user).await?;
    let outcome = Outcome::refused(kind, slug.as_str(), error);
    let editing = Some(slug.as_str());
    let missing = || user.fail(not_found(kind, &slug));
    Ok(match kind {
        EntryKind::Team => {
            let team = catalog.team(&slug).ok_or_else(missing)?;
            team_form_page(user, editing, present::team_form(team), outcome)
        }
        EntryKind::Service => {
            let service = catalog.service(&slug).ok_or_else(missing)?;
            let form = present::service_form(service);
            service_form_page(user, &catalog, editing, form, outcome)
        }
        EntryKind::Functionality => {
            let functionality = catalog.functionality(&slug).ok_or_else(missing)?;
            let form = present::functionality_form(functionality);
            functionality_form_page(user, &catalog, editing, form, outcome)
        }
    })
}

pub async fn delete_team(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<DeleteInput>,
) -> Result<Response, ConsoleError> {
    delete(&state, &user, EntryKind::Team, &raw, input).await
}

pub async fn delete_service(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<DeleteInput>,
) -> Result<Response, ConsoleError> {
    delete(&state, &user, EntryKind::Service, &raw, input).await
}

pub async fn delete_functionality(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<DeleteInput>,
) -> Result<Response, ConsoleError> {
    delete(&state, &user, EntryKind::Functionality, &raw, input).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_fields_are_parsed_line_by_line() {
        let mut errors = Vec::new();
        let members = parse_members(
            "ada@example.com:lead\n\n  grace@example.com \nnot-an-email",
            &mut errors,
        );
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].role, "lead");
        assert_eq!(members[1].role, "member");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "members[3].email");

        let mut errors = Vec::new();
        let deps = parse_dependencies("db:hard\ncache : soft\nsearch\nx:maybe", &mut errors);
        assert_eq!(
            deps.iter()
                .map(|(s, c)| format!("{s}:{c}"))
                .collect::<Vec<_>>(),
            ["db:hard", "cache:soft", "search:hard"]
        );
        assert_eq!(errors[0].field, "depends_on[3]");

        let mut errors = Vec::new();
        let links = parse_links(
            "links",
            "Main dashboard https://grafana.example.com/d/1\nhttps://x.example\nbad ftp://x",
            &mut errors,
        );
        assert_eq!(links[0].title, "Main dashboard");
        assert_eq!(links[1].title, "https://x.example");
        assert_eq!(errors[0].field, "links[2]");
    }

    #[test]
    fn validation_fields_land_on_the_form_fields() {
        let errors = vec![
            FieldError::new("services[api].owner_team", "no team named x"),
            FieldError::new("services[api].depends_on[1]", "no service named y"),
            FieldError::new("depends_on[2]", "expected hard or soft"),
            FieldError::new("slug", "bad"),
            FieldError::new("services[web].depends_on[0]", "no service named api"),
        ];
        let (fields, others) = field_messages(EntryKind::Service, "api", errors);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|f| (f.field.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("owner_team", "no team named x"),
                (
                    "depends_on",
                    "line 2: no service named y; line 3: expected hard or soft"
                ),
                ("slug", "bad"),
            ]
        );
        assert_eq!(
            others,
            ["services[web].depends_on[0]: no service named api"]
        );
    }
}
