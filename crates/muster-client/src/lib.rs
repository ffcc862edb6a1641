//! Typed async client for muster's HTTP API v1 (`/api/v1/...`, `/healthz`, `/readyz`).
//!
//! One method per route; bodies and answers are the types of `muster-api-types`. Every
//! non-2xx answer becomes [`ClientError::Api`] with the server's error code, message and
//! field errors.

mod alerts;
mod catalog;
mod oncall;
mod paging;
mod plan;
mod process;
mod silences;

use std::collections::BTreeMap;
use std::time::Duration;

use muster_api_types::{
    AddParticipant, ApiToken, ApiTokenList, AssignRole, CreatedApiToken, DeclareIncident,
    EditMilestone, ErrorBody, Incident, IncidentList, IncidentQuery, LoginRequest, MilestoneAction,
    NewApiToken, NewNote, NewTask, NewUser, RoleList, SeverityList, Task, TaskList, TimelineEntry,
    TimelinePage, UpdateIncident, UpdateTask, UpdateUser, User, UserList,
};
use reqwest::{Method, RequestBuilder, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

pub use muster_api_types as types;
pub use oncall::{on_call_query_pairs, shifts_query_pairs};
pub use paging::page_query_pairs;

/// How long one request may take, connect to last byte, before it is abandoned.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Sent as `User-Agent` so server logs tell CLI traffic apart from browsers.
pub const USER_AGENT: &str = concat!("muster-cli/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a non-2xx status.
    #[error("{message}")]
    Api {
        status: u16,
        /// The server's stable code (`not_found`, `version_conflict`, ...), or `http_<status>`
        /// when the body was not an error body (e.g. a proxy's HTML page).
        code: String,
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// The request never got an answer: refused, reset, timed out, DNS.
    #[error("{0}")]
    Transport(String),
    /// A 2xx answer whose body is not what the route promises.
    #[error("unexpected answer: {0}")]
    Decode(String),
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
}

impl ClientError {
    /// The HTTP status for [`ClientError::Api`], otherwise `None`.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A client bound to one server and, optionally, one API token.
#[derive(Clone)]
pub struct Client {
    base: Url,
    token: Option<String>,
    http: reqwest::Client,
}

/// Hand-written so that logging a client never prints its token.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl Client {
    /// `base_url` is the server's root, e.g. `http://127.0.0.1:8070` (a path prefix such as
    /// `http://host/muster/` is kept). `token` is sent as `Authorization: Bearer`.
    pub fn new(base_url: &str, token: Option<String>) -> Result<Self, ClientError> {
        let base = parse_base(base_url)?;
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| ClientError::Transport(format!("cannot set up HTTP client: {e}")))?;
        Ok(Self { base, token, http })
    }

    /// The server root this client talks to.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// The same server with another token (e.g. the one `login` just returned).
    pub fn with_token(&self, token: Option<String>) -> Self {
        Self {
            base: self.base.clone(),
            token,
            http: self.http.clone(),
        }
    }

    // Incidents

    pub async fn list_incidents(&self, query: &IncidentQuery) -> Result<IncidentList, ClientError> {
        let mut url = self.url(&["api", "v1", "incidents"])?;
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in incident_query_pairs(query) {
                pairs.append_pair(name, &value);
            }
        }
        strip_empty_query(&mut url);
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn declare_incident(&self, body: &DeclareIncident) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// `key` is `INC-42`, `42` or the incident's UUID.
    pub async fn get_incident(&self, key: &str) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn update_incident(
        &self,
        key: &str,
        body: &UpdateIncident,
    ) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key])?;
        self.call(Method::PATCH, url, Some(body)).await
    }

    pub async fn acknowledge(
        &self,
        key: &str,
        body: &MilestoneAction,
    ) -> Result<Incident, ClientError> {
        self.milestone_action(key, "acknowledge", body).await
    }

    pub async fn mitigate(
        &self,
        key: &str,
        body: &MilestoneAction,
    ) -> Result<Incident, ClientError> {
        self.milestone_action(key, "mitigate", body).await
    }

    pub async fn resolve(
        &self,
        key: &str,
        body: &MilestoneAction,
    ) -> Result<Incident, ClientError> {
        self.milestone_action(key, "resolve", body).await
    }

    pub async fn close(&self, key: &str, body: &MilestoneAction) -> Result<Incident, ClientError> {
        self.milestone_action(key, "close", body).await
    }

    async fn milestone_action(
        &self,
        key: &str,
        action: &str,
        body: &MilestoneAction,
    ) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, action])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// `milestone` is `started`, `detected`, `acknowledged`, `mitigated`, `resolved` or `closed`.
    pub async fn edit_milestone(
        &self,
        key: &str,
        milestone: &str,
        body: &EditMilestone,
    ) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "milestones", milestone])?;
        self.call(Method::PUT, url, Some(body)).await
    }

    pub async fn timeline(
        &self,
        key: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<TimelinePage, ClientError> {
        let mut url = self.url(&["api", "v1", "incidents", key, "timeline"])?;
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(cursor) = cursor {
                pairs.append_pair("cursor", cursor);
            }
            if let Some(limit) = limit {
                pairs.append_pair("limit", &limit.to_string());
            }
        }
        strip_empty_query(&mut url);
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn add_note(&self, key: &str, text: &str) -> Result<TimelineEntry, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "notes"])?;
        let body = NewNote {
            text: text.to_owned(),
        };
        self.call(Method::POST, url, Some(&body)).await
    }

    /// `user` is a user id or email address.
    pub async fn assign_role(
        &self,
        key: &str,
        role: &str,
        user: &str,
    ) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "roles", role])?;
        let body = AssignRole {
            user: user.to_owned(),
        };
        self.call(Method::PUT, url, Some(&body)).await
    }

    pub async fn unassign_role(&self, key: &str, role: &str) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "roles", role])?;
        self.call(Method::DELETE, url, None::<&()>).await
    }

    /// `user` is a user id or email address.
    pub async fn add_participant(&self, key: &str, user: &str) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "participants"])?;
        let body = AddParticipant {
            user: user.to_owned(),
        };
        self.call(Method::POST, url, Some(&body)).await
    }

    pub async fn remove_participant(&self, key: &str, user: &str) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "participants", user])?;
        self.call(Method::DELETE, url, None::<&()>).await
    }

    // Tasks

    pub async fn list_tasks(&self, key: &str) -> Result<TaskList, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "tasks"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn add_task(&self, key: &str, body: &NewTask) -> Result<Task, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "tasks"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    pub async fn update_task(
        &self,
        key: &str,
        task: Uuid,
        body: &UpdateTask,
    ) -> Result<Task, ClientError> {
        let task = task.to_string();
        let url = self.url(&["api", "v1", "incidents", key, "tasks", &task])?;
        self.call(Method::PATCH, url, Some(body)).await
    }

    // Reference data and accounts

    pub async fn severities(&self) -> Result<SeverityList, ClientError> {
        let url = self.url(&["api", "v1", "severities"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn roles(&self) -> Result<RoleList, ClientError> {
        let url = self.url(&["api", "v1", "roles"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn list_users(&self) -> Result<UserList, ClientError> {
        let url = self.url(&["api", "v1", "users"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Admins only.
    pub async fn create_user(&self, body: &NewUser) -> Result<User, ClientError> {
        let url = self.url(&["api", "v1", "users"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// A user by id or email.
    pub async fn get_user(&self, key: &str) -> Result<User, ClientError> {
        let url = self.url(&["api", "v1", "users", key])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Changes the fields given; admins may edit anyone, others only themselves.
    pub async fn update_user(&self, key: &str, body: &UpdateUser) -> Result<User, ClientError> {
        let url = self.url(&["api", "v1", "users", key])?;
        self.call(Method::PATCH, url, Some(body)).await
    }

    /// Admins only; answers with the deactivated user.
    pub async fn deactivate_user(&self, key: &str) -> Result<User, ClientError> {
        let url = self.url(&["api", "v1", "users", key])?;
        self.call(Method::DELETE, url, None::<&()>).await
    }

    pub async fn me(&self) -> Result<User, ClientError> {
        let url = self.url(&["api", "v1", "users", "me"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// `all` includes revoked tokens.
    pub async fn list_tokens(&self, all: bool) -> Result<ApiTokenList, ClientError> {
        let mut url = self.url(&["api", "v1", "tokens"])?;
        if all {
            url.query_pairs_mut().append_pair("all", "true");
        }
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn create_token(&self, name: &str) -> Result<CreatedApiToken, ClientError> {
        let url = self.url(&["api", "v1", "tokens"])?;
        let body = NewApiToken {
            name: name.to_owned(),
        };
        self.call(Method::POST, url, Some(&body)).await
    }

    pub async fn revoke_token(&self, id: Uuid) -> Result<ApiToken, ClientError> {
        let id = id.to_string();
        let url = self.url(&["api", "v1", "tokens", &id])?;
        self.call(Method::DELETE, url, None::<&()>).await
    }

    /// Exchanges a password for a new API token. Sent without the client's token, so that
    /// logging in as someone else never presents the previous identity.
    pub async fn login(&self, body: &LoginRequest) -> Result<CreatedApiToken, ClientError> {
        let url = self.url(&["api", "v1", "login"])?;
        let request = self.http.request(Method::POST, url.clone()).json(body);
        let bytes = self.send(request, &url).await?;
        decode(&bytes, &url)
    }

    // Health

    /// The body of `/healthz` (its shape is not part of the API contract).
    pub async fn healthz(&self) -> Result<String, ClientError> {
        self.probe("healthz").await
    }

    /// The body of `/readyz`; a 503 comes back as [`ClientError::Api`].
    pub async fn readyz(&self) -> Result<String, ClientError> {
        self.probe("readyz").await
    }

    async fn probe(&self, path: &str) -> Result<String, ClientError> {
        let url = self.url(&[path])?;
        let bytes = self
            .send(self.request(Method::GET, url.clone()), &url)
            .await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    // Plumbing

    /// The base URL with `segments` appended, each percent-encoded, so an incident key or
    /// user id can never add path levels or a query.
    fn url(&self, segments: &[&str]) -> Result<Url, ClientError> {
        // `url` drops "." and ".." segments silently, which would turn `GET incidents/..`
        // into `GET incidents`; an empty one would hit the collection route.
        if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
            return Err(ClientError::InvalidUrl(format!(
                "{bad:?} is not a valid path segment"
            )));
        }
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| ClientError::InvalidUrl(format!("{} cannot be a base", self.base)))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let request = self.http.request(method, url);
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let mut request = self.request(method, url.clone());
        if let Some(body) = body {
            request = request.json(body);
        }
        let bytes = self.send(request, &url).await?;
        decode(&bytes, &url)
    }

    /// Sends and returns the body of a 2xx answer; anything else becomes an error.
    async fn send(&self, request: RequestBuilder, url: &Url) -> Result<Vec<u8>, ClientError> {
        let response = request.send().await.map_err(|e| transport_error(&e, url))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(&e, url))?;
        if status.is_success() {
            Ok(bytes.to_vec())
        } else {
            Err(api_error(status, &bytes))
        }
    }
}

fn parse_base(base_url: &str) -> Result<Url, ClientError> {
    let trimmed = base_url.trim();
    let url =
        Url::parse(trimmed).map_err(|e| ClientError::InvalidUrl(format!("{trimmed}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ClientError::InvalidUrl(format!(
            "{trimmed}: the scheme must be http or https"
        )));
    }
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(ClientError::InvalidUrl(format!("{trimmed}: no host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ClientError::InvalidUrl(format!(
            "{trimmed}: a server URL has no query or fragment"
        )));
    }
    Ok(url)
}

/// The query pairs of `GET /api/v1/incidents`, in a fixed order; absent fields are left out.
pub fn incident_query_pairs(query: &IncidentQuery) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    let texts = [
        ("status", &query.status),
        ("severity", &query.severity),
        ("tag", &query.tag),
        ("declared_after", &query.declared_after),
        ("declared_before", &query.declared_before),
        ("cursor", &query.cursor),
    ];
    for (name, value) in texts {
        if let Some(value) = value {
            pairs.push((name, value.clone()));
        }
    }
    if let Some(drill) = query.drill {
        pairs.push(("drill", drill.to_string()));
    }
    if let Some(limit) = query.limit {
        pairs.push(("limit", limit.to_string()));
    }
    pairs
}

/// `query_pairs_mut` leaves a bare `?` behind when nothing was appended.
fn strip_empty_query(url: &mut Url) {
    if url.query() == Some("") {
        url.set_query(None);
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8], url: &Url) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| ClientError::Decode(format!("{url}: {e}")))
}

/// Reads the server's `ErrorBody`; a body that is not one (a proxy's page, an empty 502)
/// still yields a usable message.
fn api_error(status: reqwest::StatusCode, body: &[u8]) -> ClientError {
    if let Ok(ErrorBody { error }) = serde_json::from_slice::<ErrorBody>(body) {
        return ClientError::Api {
            status: status.as_u16(),
            code: error.code,
            message: error.message,
            fields: error.fields,
        };
    }
    let text = String::from_utf8_lossy(body).trim().to_owned();
    let message = if text.is_empty() {
        match status.canonical_reason() {
            Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
            None => format!("HTTP {}", status.as_u16()),
        }
    } else {
        text
    };
    ClientError::Api {
        status: status.as_u16(),
        code: format!("http_{}", status.as_u16()),
        message,
        fields: BTreeMap::new(),
    }
}

/// Names the URL and the innermost cause ("Connection refused"), which reqwest's own
/// message hides behind "error sending request".
fn transport_error(error: &reqwest::Error, url: &Url) -> ClientError {
    if error.is_timeout() {
        return ClientError::Transport(format!("{url}: no answer within {} s", TIMEOUT.as_secs()));
    }
    let mut cause = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if error.is_builder() {
        return ClientError::InvalidUrl(format!("{url}: {cause}"));
    }
    ClientError::Transport(format!("cannot reach {url}: {cause}"))
}

#[cfg(test)]
mod tests;
