//! Server-rendered views of the console: askama templates, the view models
//! they print, and the static assets (CSS, vendored htmx) embedded in the binary.
//!
//! This crate renders; it never queries. The server loads domain values,
//! [`present`] shapes them into [`view`] models, and [`pages`] renders them.

pub mod graph;
pub mod pages;
pub mod present;
pub mod view;

use std::borrow::Cow;

/// Files under `assets/`, compiled into the binary so muster needs no CDN.
#[derive(rust_embed::Embed)]
#[folder = "assets/"]
struct Assets;

/// One embedded asset, ready to serve.
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Cow<'static, [u8]>,
    pub content_type: &'static str,
    /// A short content hash, for `ETag` and cache-busting URLs.
    pub hash: String,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "text/plain; charset=utf-8",
    }
}

fn short_hash(digest: [u8; 32]) -> String {
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The asset at `path` (relative to `assets/`), if there is one.
pub fn asset(path: &str) -> Option<Asset> {
    let file = Assets::get(path)?;
    Some(Asset {
        hash: short_hash(file.metadata.sha256_hash()),
        content_type: content_type(path),
        bytes: file.data,
    })
}

/// The URL of an asset, with its hash so a new release is never served stale.
pub fn asset_href(path: &str) -> String {
    match Assets::get(path) {
        Some(file) => format!(
            "/assets/{path}?v={}",
            short_hash(file.metadata.sha256_hash())
        ),
        None => format!("/assets/{path}"),
    }
}

#[cfg(test)]
mod tests;
