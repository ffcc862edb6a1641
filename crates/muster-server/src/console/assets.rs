//! Static assets embedded in the binary (CSS, vendored htmx, the icon).

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::ConsoleQuery;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssetQuery {
    /// The content hash the page linked to (see `muster_ui::asset_href`).
    v: String,
}

pub async fn serve(
    Path(path): Path<String>,
    headers: HeaderMap,
    ConsoleQuery(query): ConsoleQuery<AssetQuery>,
) -> Response {
    let Some(asset) = muster_ui::asset(&path) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = format!("\"{}\"", asset.hash);
    // A URL naming this exact content never changes, so it may be cached for
    // good; any other URL must be revalidated.
    let cache = if query.v == asset.hash {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, asset.content_type)],
            asset.bytes.into_owned(),
        )
            .into_response()
    };
    let response_headers = response.headers_mut();
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    response
}
