//! The public status listener (`--status-listen`): its own socket, serving
//! only the public site from an in-memory snapshot, and the subscription
//! endpoints. Nothing of the API or the console is routed here.
//!
//! The snapshot is rebuilt when this node publishes something (the app
//! wakes it), when the page's revision in the store moves (another node
//! published: polled every second), when a maintenance window starts or
//! ends, and once a minute regardless, so the day's history bar rolls over.
//! A request never touches the database.

mod subscribe;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use muster_app::App;
use muster_status::{Asset, PageConfig, Site};

use crate::ratelimit::SubscribeLimiter;

/// How often other nodes' publications are looked for.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// The snapshot is rebuilt at least this often.
pub const REBUILD_AT_LEAST_EVERY: Duration = Duration::from_secs(60);

/// Why the site could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    App(#[from] muster_app::AppError),
    #[error(transparent)]
    Render(#[from] muster_status::site::RenderError),
}

/// The public listener's state: the snapshot and what rebuilds it.
#[derive(Clone)]
pub struct StatusSite {
    pub app: App,
    pub config: Arc<PageConfig>,
    snapshot: Arc<RwLock<Arc<Site>>>,
    limiter: Arc<SubscribeLimiter>,
}

impl StatusSite {
    pub fn new(app: App, config: PageConfig) -> Self {
        Self {
            app,
            config: Arc::new(config),
            snapshot: Arc::default(),
            limiter: Arc::new(SubscribeLimiter::new()),
        }
    }

    /// The site as served now.
    pub fn snapshot(&self) -> Arc<Site> {
        self.snapshot
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Renders the site afresh from the published projection and swaps it
    /// in; returns when the page next changes by the clock alone (a
    /// maintenance window starting or ending).
    pub async fn rebuild(&self) -> Result<Option<jiff::Timestamp>, BuildError> {
        let now = self.app.now();
        let projection = self.app.public_projection().await?;
        let site = Arc::new(Site::build(&projection, &self.config, now)?);
        match self.snapshot.write() {
            Ok(mut current) => *current = site,
            Err(poisoned) => *poisoned.into_inner() = site,
        }
        Ok(projection.next_change(now))
    }

    /// Keeps the snapshot fresh until `shutdown` resolves.
    pub async fn refresh(self, shutdown: impl std::future::Future<Output = ()>) {
        let changes = self.app.status_changes();
        let mut seen = None;
        let mut built_at = tokio::time::Instant::now();
        let mut next_change = None;
        tokio::pin!(shutdown);
        loop {
            let woken = tokio::select! {
                () = &mut shutdown => return,
                () = changes.notified() => true,
                () = tokio::time::sleep(POLL_EVERY) => false,
            };
            let revision = match self.app.status_revision().await {
                Ok(revision) => Some(revision),
                Err(error) => {
                    // Keep serving the last snapshot: the page stays up
                    // while the database is away.
                    tracing::warn!(%error, "status page: cannot read the revision");
                    continue;
                }
            };
            let now = self.app.now();
            let due = woken
                || revision != seen
                || next_change.is_some_and(|at| now >= at)
                || built_at.elapsed() >= REBUILD_AT_LEAST_EVERY;
            if !due {
                continue;
            }
            match self.rebuild().await {
                Ok(next) => {
                    next_change = next;
                    seen = revision;
                    built_at = tokio::time::Instant::now();
                }
                // Keep serving the last snapshot.
                Err(error) => tracing::warn!(%error, "status page: cannot rebuild"),
            }
        }
    }
}

/// Headers every public response carries: no script may run, no frame may
/// hold the page, and only styles inline in the page apply.
pub(crate) fn harden(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; \
             form-action 'self' https: http:; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

fn asset_response(asset: &Asset, request: &HeaderMap, method: &Method) -> Response {
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == asset.etag)
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else if method == Method::HEAD {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(asset.body.clone()))
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        headers.insert(header::ETAG, etag);
    }
    // Short, so a published update is seen within seconds; stale copies may
    // be served by a cache while muster is unreachable.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=5, stale-if-error=86400"),
    );
    if !fresh {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
    }
    if asset.content_type == muster_status::site::JSON {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    harden(headers);
    response
}

async fn serve_asset(
    State(site): State<StatusSite>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let snapshot = site.snapshot();
    match snapshot.get(uri.path()) {
        Some(asset) => asset_response(asset, &headers, &method),
        None => {
            let mut response = (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Not found. The current status is at /.\n",
            )
                .into_response();
            harden(response.headers_mut());
            response
        }
    }
}

/// The public listener's routes: the site, and the subscription flow.
pub fn router(site: StatusSite) -> Router {
    Router::new()
        .route("/subscribe", post(subscribe::subscribe))
        .route(
            "/subscriptions/confirm",
            get(subscribe::confirm_page).post(subscribe::confirm),
        )
        .route(
            "/unsubscribe",
            get(subscribe::unsubscribe_page).post(subscribe::unsubscribe),
        )
        .fallback(get(serve_asset))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(16 * 1024))
        .with_state(site)
}

/// Serves the public site on `listener` until `shutdown`, rebuilding the
/// snapshot in the background.
pub async fn serve(
    listener: tokio::net::TcpListener,
    site: StatusSite,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(error) = site.rebuild().await {
        tracing::error!(%error, "status page: the first build failed; serving an empty page until the next");
    }
    let (stop_refresh, refresh_stopped) = tokio::sync::oneshot::channel::<()>();
    let refresher = tokio::spawn(site.clone().refresh(async {
        let _ = refresh_stopped.await;
    }));
    let app = router(site).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_refresh.send(());
    let _ = refresher.await;
    served
}
