//! Extractors: JSON bodies whose errors name the field, bearer-token callers,
//! and incident references in paths.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use muster_app::accounts::Principal;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// Like `axum::Json`, but a malformed body is a 400 that names the offending
/// field (e.g. `severity: invalid type: integer, expected a string`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let is_json = content_type.starts_with("application/json") || content_type.is_empty();
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        format!(
                            "the request body is larger than {} bytes",
                            crate::BODY_LIMIT
                        ),
                    )
                } else {
                    ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
                }
            })?;
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("expected Content-Type application/json, got {content_type:?}"),
            ));
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, reporting the path of the first bad field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();
        // serde names a missing field in its message, not in the path.
        let field = match (path.as_str(), message.strip_prefix("missing field `")) {
            // Broken JSON is the body's fault, wherever the parser stopped.
            _ if inner.is_syntax() || inner.is_eof() => "body".to_owned(),
            (".", Some(rest)) => rest.split('`').next().unwrap_or("body").to_owned(),
            (".", None) => message
                .split("unknown field `")
                .nth(1)
                .and_then(|rest| rest.split('`').next())
                .unwrap_or("body")
                .to_owned(),
            (path, _) => path.to_owned(),
        };
        ApiError::invalid(field, message)
    })
}

/// The authenticated caller of an API request (`Authorization: Bearer …`).
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "missing Authorization header; send `Authorization: Bearer <token>`",
                )
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "expected `Authorization: Bearer <token>`",
                )
            })?;
        let principal = state.app.authenticate_token(token).await?;
        Ok(Caller(principal))
    }
}

/// A comma-separated query parameter's items, blanks dropped.
pub fn list_of(raw: Option<&str>) -> Vec<String> {
    raw.map(|r| {
        r.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// A comma-separated query parameter of words `T` reads (statuses); the
/// first it cannot read is refused, naming `field`.
pub fn parse_list<T: std::str::FromStr<Err = String>>(
    field: &str,
    raw: Option<&str>,
) -> Result<Vec<T>, ApiError> {
    list_of(raw)
        .iter()
        .map(|item| item.parse::<T>().map_err(|m| ApiError::invalid(field, m)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_api_types::DeclareIncident;

    fn field_of(body: &str) -> String {
        let error = parse_json::<DeclareIncident>(body.as_bytes())
            .err()
            .unwrap();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        error.fields.keys().next().cloned().unwrap()
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(field_of(r#"{"severity":"SEV1"}"#), "title");
        assert_eq!(field_of(r#"{"title":"x","severity":5}"#), "severity");
        assert_eq!(field_of(r#"{"title":"x","tags":["a",1]}"#), "tags[1]");
        assert_eq!(field_of(r#"{"title":"x","bogus":1}"#), "bogus");
        assert_eq!(field_of(r#"{"title":"#), "body");
        assert_eq!(
            field_of(r#"{"title":"x","started_at":"yesterday"}"#),
            "started_at"
        );
    }
}
