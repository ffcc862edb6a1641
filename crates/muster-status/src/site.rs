//! The whole public site as bytes: every page, JSON document and feed,
//! rendered once from the projection. The listener serves from it and the
//! static export writes it out, so both are the same bytes; each carries a
//! strong ETag (a digest of its bytes), so nodes serving the same
//! projection agree on it.

use std::collections::HashMap;

use askama::Template;
use bytes::Bytes;
use jiff::Timestamp;
use muster_core::status_page::projection::Projection;
use sha2::{Digest, Sha256};

use crate::config::PageConfig;
use crate::html::{Frame, Html, MessagePage, StoryPage};
use crate::json::{Json, LIST_LIMIT};

pub const HTML: &str = "text/html; charset=utf-8";
pub const JSON: &str = "application/json";
pub const ATOM: &str = "application/atom+xml; charset=utf-8";
pub const RSS: &str = "application/rss+xml; charset=utf-8";

/// One response: its bytes, type and validator.
#[derive(Debug, Clone)]
pub struct Asset {
    pub body: Bytes,
    pub content_type: &'static str,
    pub etag: String,
}

impl Asset {
    pub fn new(body: Vec<u8>, content_type: &'static str) -> Self {
        let digest = Sha256::digest(&body);
        Self {
            etag: format!("\"{}\"", hex::encode(&digest[..16])),
            body: Bytes::from(body),
            content_type,
        }
    }
}

/// A page that could not be rendered (a template bug, never input).
#[derive(Debug, thiserror::Error)]
#[error("the status page {page} did not render: {message}")]
pub struct RenderError {
    pub page: String,
    pub message: String,
}

fn render(page: &str, template: &impl Template) -> Result<Vec<u8>, RenderError> {
    template
        .render()
        .map(String::into_bytes)
        .map_err(|e| RenderError {
            page: page.to_owned(),
            message: e.to_string(),
        })
}

#[derive(Debug, Clone, Default)]
pub struct Site {
    /// By request path: `/`, `/history/`, `/incidents/{id}/`,
    /// `/api/v2/summary.json`, `/history.atom`, …
    assets: HashMap<String, Asset>,
}

impl Site {
    pub fn build(
        projection: &Projection,
        config: &PageConfig,
        now: Timestamp,
    ) -> Result<Self, RenderError> {
        let mut assets = HashMap::new();
        let json = Json {
            projection,
            config,
            now,
        };
        for (path, body) in json.documents() {
            assets.insert(path.to_owned(), Asset::new(body, JSON));
        }
        let html = Html {
            projection,
            config,
            now,
        };
        assets.insert(
            "/".to_owned(),
            Asset::new(render("/", &html.index())?, HTML),
        );
        assets.insert(
            "/history/".to_owned(),
            Asset::new(render("/history/", &html.history())?, HTML),
        );
        for incident in &projection.incidents {
            let path = format!("/incidents/{}/", incident.id);
            let page = StoryPage {
                frame: Frame::of(config),
                story: html.incident_story(incident),
            };
            assets.insert(path.clone(), Asset::new(render(&path, &page)?, HTML));
        }
        for maintenance in &projection.maintenances {
            let path = format!("/incidents/{}/", maintenance.id);
            let page = StoryPage {
                frame: Frame::of(config),
                story: html.maintenance_story(maintenance),
            };
            assets.insert(path.clone(), Asset::new(render(&path, &page)?, HTML));
        }
        let mut items: Vec<_> = projection
            .incidents
            .iter()
            .map(|i| json.incident(i))
            .chain(projection.maintenances.iter().map(|m| json.maintenance(m)))
            .collect();
        items.sort_by_key(|i| std::cmp::Reverse(i.created_at));
        items.truncate(LIST_LIMIT);
        let updated = projection
            .updated_at()
            .unwrap_or_else(|| crate::json::never_changed(now));
        assets.insert(
            "/history.atom".to_owned(),
            Asset::new(crate::feeds::atom(config, &items, updated), ATOM),
        );
        assets.insert(
            "/history.rss".to_owned(),
            Asset::new(crate::feeds::rss(config, &items), RSS),
        );
        Ok(Self { assets })
    }

    /// The asset a request path names; `/history` and `/history/` alike.
    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.assets.get(path).or_else(|| {
            if path.ends_with('/') {
                None
            } else {
                self.assets.get(&format!("{path}/"))
            }
        })
    }

    /// Every asset with the file a static host serves it from: a page at
    /// `/x/` is `x/index.html`.
    pub fn files(&self) -> Vec<(String, &Asset)> {
        let mut files: Vec<(String, &Asset)> = self
            .assets
            .iter()
            .map(|(path, asset)| {
                let relative = path.trim_start_matches('/');
                let file = if relative.is_empty() || relative.ends_with('/') {
                    format!("{relative}index.html")
                } else {
                    relative.to_owned()
                };
                (file, asset)
            })
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.assets.keys().map(String::as_str)
    }
}

/// A page of the subscription flow, in the page's frame.
pub fn message_page(
    config: &PageConfig,
    title: &str,
    paragraphs: &[String],
    form: Option<(String, String)>,
) -> Result<String, RenderError> {
    MessagePage {
        frame: Frame::of(config),
        title: title.to_owned(),
        paragraphs: paragraphs.to_vec(),
        form,
    }
    .render()
    .map_err(|e| RenderError {
        page: title.to_owned(),
        message: e.to_string(),
    })
}
