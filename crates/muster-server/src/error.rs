//! The one mapping from failures to HTTP answers:
//! `{"error":{"code","message","fields"}}` with a fitting status.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use muster_api_types::{ErrorBody, ErrorDetail};
use muster_app::AppError;
use muster_app::alerts::IngestError;
use muster_ingest::pagerduty::{Refused, Rejection};

/// An error on its way to becoming a JSON response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after: None,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut error = Self::new(StatusCode::BAD_REQUEST, "invalid_input", message.clone());
        error.fields.insert(field.into(), message);
        error
    }

    pub fn rate_limited(wait: Duration) -> Self {
        Self {
            retry_after: Some(wait),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many attempts; retry in {} s", wait.as_secs().max(1)),
            )
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid(fields) => {
                let message = fields
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut api = Self::new(StatusCode::BAD_REQUEST, "invalid_input", message);
                api.fields = fields.into_iter().map(|f| (f.field, f.message)).collect();
                api
            }
            AppError::NotFound { .. } => {
                Self::new(StatusCode::NOT_FOUND, "not_found", error.to_string())
            }
            AppError::Unauthenticated(message) => {
                Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
            }
            AppError::Forbidden(message) => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            AppError::Conflict { code, message } => Self::new(StatusCode::CONFLICT, code, message),
            AppError::ConflictOn {
                code,
                field,
                message,
            } => {
                let mut api = Self::new(StatusCode::CONFLICT, code, message.clone());
                api.fields.insert(field.to_owned(), message);
                api
            }
            AppError::Taken { field, message } => {
                let mut api = Self::new(StatusCode::CONFLICT, "duplicate", message.clone());
                api.fields.insert(field.to_owned(), message);
                api
            }
            AppError::Unavailable(message) => {
                tracing::warn!(%message, "store unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; retry shortly",
                )
            }
            AppError::Internal(message) => {
                tracing::error!(%message, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(wait) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Unknown routes answer in the same JSON shape.
pub async fn not_found_fallback() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// A panic is a bug, but the client still gets JSON and the server lives on.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; see the server log",
    )
    .into_response()
}

impl From<IngestError> for ApiError {
    fn from(error: IngestError) -> Self {
        match error {
            IngestError::UnknownKey => Self::new(
                StatusCode::NOT_FOUND,
                "unknown_key",
                "no integration of this kind has this key",
            ),
            IngestError::Malformed(parse) => {
                let mut api = Self::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_payload",
                    format!("nothing was stored: {parse}"),
                );
                api.fields.insert(parse.field, parse.message);
                api
            }
            IngestError::PagerDuty(rejection) => {
                let refused = Refused::from(rejection);
                Self::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_payload",
                    refused.errors.join("; "),
                )
            }
            IngestError::Unsigned(why) => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_signature",
                format!("nothing was stored: {why}"),
            ),
            IngestError::App(app) => app.into(),
        }
    }
}

/// An answer on the PagerDuty-compatible endpoints: PagerDuty's own body
/// shapes (`status`, `message`, `errors`) and status codes.
#[derive(Debug)]
pub struct PagerDutyError {
    pub status: StatusCode,
    pub body: Refused,
    pub retry_after: Option<Duration>,
}

impl PagerDutyError {
    pub fn too_large() -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            body: Refused {
                status: "Request too large".into(),
                message: "Event object is too large".into(),
                errors: vec![format!(
                    "the body is over {} KB",
                    muster_ingest::MAX_BODY / 1024
                )],
            },
            retry_after: None,
        }
    }

    pub fn rate_limited(wait: Duration) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: Refused {
                status: "throttle exceeded".into(),
                message: "Requests for this service are arriving too quickly. Please retry later."
                    .into(),
                errors: vec!["Enhance Your Calm.".into()],
            },
            retry_after: Some(wait),
        }
    }
}

impl From<IngestError> for PagerDutyError {
    fn from(error: IngestError) -> Self {
        match error {
            IngestError::PagerDuty(rejection) => Self {
                status: StatusCode::BAD_REQUEST,
                body: Refused::from(rejection),
                retry_after: None,
            },
            IngestError::UnknownKey => Self {
                status: StatusCode::NOT_FOUND,
                body: Refused {
                    status: "invalid event".into(),
                    message: "Event object is invalid".into(),
                    errors: vec!["no integration has this routing_key".into()],
                },
                retry_after: None,
            },
            IngestError::Malformed(parse) => Self {
                status: StatusCode::BAD_REQUEST,
                body: Refused::from(Rejection::Invalid(vec![parse.to_string()])),
                retry_after: None,
            },
            // Only signed webhooks are refused so; PagerDuty's events are not.
            IngestError::Unsigned(why) => Self {
                status: StatusCode::UNAUTHORIZED,
                body: Refused {
                    status: "unauthorized".into(),
                    message: why.to_string(),
                    errors: Vec::new(),
                },
                retry_after: None,
            },
            IngestError::App(AppError::Invalid(fields)) => Self {
                status: StatusCode::BAD_REQUEST,
                body: Refused::from(Rejection::Invalid(
                    fields
                        .iter()
                        .map(|f| format!("'{}' {}", f.field, f.message))
                        .collect(),
                )),
                retry_after: None,
            },
            IngestError::App(app) => {
                let api = ApiError::from(app);
                Self {
                    status: api.status,
                    body: Refused {
                        status: "error".into(),
                        message: api.message,
                        errors: Vec::new(),
                    },
                    retry_after: None,
                }
            }
        }
    }
}

impl IntoResponse for PagerDutyError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(wait) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
