//! The page under test: a fresh SQLite store, a plan with the status page's
//! components, incidents published over the last three months (so the
//! 90-day bars and the incident list are filled), and the public listener
//! on 127.0.0.1:0. Also the static copy nginx serves, and the publisher
//! that keeps incidents moving during the last phase.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use jiff::{SignedDuration, Timestamp};
use muster_app::incidents::IncidentKey;
use muster_app::plan::PlanApply;
use muster_app::status_page::publish::StatusPublication;
use muster_app::{App, Clock, Settings, SystemClock};
use muster_core::{Actor, NewIncident, UserRole};
use muster_server::status_site::{self, StatusSite};
use muster_status::{PageConfig, Site};

use super::load::Window;
use crate::store;

/// The page's components, five to a group.
const GROUPS: [(&str, [&str; 5]); 4] = [
    (
        "Shopping",
        ["storefront", "search", "catalog", "cart", "checkout"],
    ),
    (
        "Payments",
        ["payments", "invoices", "refunds", "payouts", "fraud-checks"],
    ),
    (
        "Your account",
        [
            "login",
            "signup",
            "profile",
            "notifications",
            "support-chat",
        ],
    ),
    (
        "Platform",
        [
            "public-api",
            "webhooks",
            "mobile-app",
            "cdn",
            "status-emails",
        ],
    ),
];

/// Incidents in the history, the last few still open.
pub const INCIDENTS: usize = 50;
const UNRESOLVED: usize = 3;

/// The application's clock, set back while the history is written so each
/// incident is published on its own day, then the real time again.
#[derive(Debug, Default)]
struct BenchClock {
    behind_ms: AtomicI64,
}

impl BenchClock {
    fn set_behind(&self, by: SignedDuration) {
        self.behind_ms
            .store(i64::try_from(by.as_millis()).unwrap_or(0), Ordering::SeqCst);
    }
}

impl Clock for BenchClock {
    fn now(&self) -> Timestamp {
        let now = SystemClock.now();
        let behind = SignedDuration::from_millis(self.behind_ms.load(Ordering::SeqCst));
        now.checked_sub(behind).unwrap_or(now)
    }
}

fn components() -> impl Iterator<Item = (&'static str, &'static str)> {
    GROUPS
        .iter()
        .flat_map(|(group, names)| names.iter().map(move |name| (*group, *name)))
}

fn component(n: usize) -> &'static str {
    let all: Vec<&'static str> = components().map(|(_, name)| name).collect();
    all[n % all.len()]
}

fn title(name: &str) -> String {
    let mut words = Vec::new();
    for word in name.split('-') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            words.push(first.to_uppercase().chain(chars).collect::<String>());
        }
    }
    words.join(" ")
}

/// A team to own the documents, and the 20 components in 4 groups.
fn plan_text() -> String {
    let today = Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let mut text = String::from("kind: Team\nname: status-bench\ntitle: Status bench\n");
    for (position, (group, name)) in components().enumerate() {
        let _ = write!(
            text,
            "---\nkind: StatusPageComponent\nname: {name}\ntitle: {title}\n\
             description: \"{title}, as customers use it.\"\ngroup: {group}\n\
             position: {position}\nowner: status-bench\nreview_every: 1y\n\
             last_reviewed: {today}\n",
            title = title(name),
        );
    }
    text
}

/// The status listener on a seeded store, and what keeps it alive.
pub struct Muster {
    pub address: SocketAddr,
    pub site: StatusSite,
    app: App,
    actor: Actor,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _opened: store::OpenStore,
    _dir: tempfile::TempDir,
}

impl Muster {
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("status.db").display());
        let opened = store::open(&url, true).await?;
        let clock = Arc::new(BenchClock::default());
        let app = App::new(opened.store.clone(), clock.clone(), Settings::default());
        let (admin, _) = app
            .issue_admin_token("bench@example.com", UserRole::Admin, "bench")
            .await
            .map_err(|e| anyhow!("cannot make the bench admin: {e}"))?;
        let actor = Actor {
            user_id: admin.id,
            role: UserRole::Admin,
        };
        apply_plan(&app, &actor).await?;
        seed(&app, &actor, &clock).await?;
        clock.set_behind(SignedDuration::ZERO);

        let page = PageConfig::new(
            "Bench status",
            "https://status.example.com",
            None,
            "#0b6bcb",
            "UTC",
        )?;
        let site = StatusSite::new(app.clone(), page);
        site.rebuild()
            .await
            .map_err(|e| anyhow!("cannot build the status page: {e}"))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(status_site::serve(listener, site.clone(), async {
            let _ = stopped.await;
        }));
        Ok(Self {
            address,
            site,
            app,
            actor,
            stop: Some(stop),
            server: Some(server),
            _opened: opened,
            _dir: dir,
        })
    }

    /// Stops the listener and closes the store.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .context("the status listener's task failed")?
                .context("the status listener failed")?;
        }
        Ok(())
    }

    /// Publishes an incident update every `every` until `window` ends: a
    /// new incident's first update (investigating), then its resolution, and
    /// so on. Each changes `summary.json` and rebuilds the snapshot, while
    /// the summary stays the same size (an open incident's updates are all
    /// in it, so updating one incident again and again would grow it).
    /// Returns how many were published and how many new snapshots were seen
    /// in the measured part of the window.
    pub async fn keep_updating(
        &self,
        every: Duration,
        window: Window,
    ) -> anyhow::Result<Publications> {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut seen = summary_etag(&self.site);
        let mut counts = Publications::default();
        let mut open: Option<(IncidentKey, &'static str)> = None;
        let mut n = 0usize;
        loop {
            ticks.tick().await;
            let now = std::time::Instant::now();
            if now >= window.deadline {
                break;
            }
            let etag = summary_etag(&self.site);
            if etag != seen {
                seen = etag;
                if window.contains(now) {
                    counts.snapshots += 1;
                }
            }
            n += 1;
            let (key, component, status, body) = match open.take() {
                Some((key, component)) => (
                    key,
                    component,
                    "resolved",
                    format!("{} works normally again.", title(component)),
                ),
                None => {
                    let component = component(n * 3);
                    let incident = self
                        .app
                        .declare_incident(
                            &self.actor,
                            NewIncident {
                                title: format!("{} slow (update {n})", title(component)),
                                ..NewIncident::default()
                            },
                        )
                        .await
                        .map_err(|e| anyhow!("cannot declare incident {n}: {e}"))?;
                    let key = IncidentKey::Id(incident.id);
                    open = Some((key, component));
                    (
                        key,
                        component,
                        "investigating",
                        format!("{} is slow for some customers.", title(component)),
                    )
                }
            };
            let publication = StatusPublication {
                status: status.to_owned(),
                body: Some(body),
                template: None,
                components: vec![(component.to_owned(), "degraded_performance".to_owned())],
                name: None,
                impact: None,
                preview: false,
            };
            self.app
                .publish_status_update(&self.actor, key, publication)
                .await
                .map_err(|e| anyhow!("cannot publish update {n}: {e}"))?;
            if window.contains(now) {
                counts.published += 1;
            }
        }
        Ok(counts)
    }
}

impl Drop for Muster {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// What the publisher did during a measured window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Publications {
    pub published: u64,
    /// Times the served `summary.json` changed.
    pub snapshots: u64,
}

fn summary_etag(site: &StatusSite) -> Option<String> {
    site.snapshot()
        .get("/api/v2/summary.json")
        .map(|asset| asset.etag.clone())
}

async fn apply_plan(app: &App, actor: &Actor) -> anyhow::Result<()> {
    let plan =
        muster_plan::plan::Plan::from_texts(vec![(PathBuf::from("status.yaml"), plan_text())])
            .map_err(|f| anyhow!("bench plan: {:?}", f.first()))?;
    let findings = muster_plan::plan::validate(&plan);
    if !findings.is_empty() {
        bail!("bench plan: {:?}", &findings[..findings.len().min(3)]);
    }
    app.apply_plan(
        actor,
        PlanApply {
            catalog: plan.catalog(),
            documents: plan.stored_documents(),
            files: plan.files(),
            secrets: Default::default(),
            dry_run: false,
        },
    )
    .await
    .map_err(|e| anyhow!("cannot apply the bench plan: {e}"))?;
    Ok(())
}

/// Declares and publishes the history, oldest first: each resolved
/// incident on its own day over the last 88 days with two or three
/// updates, the last few still open today.
async fn seed(app: &App, actor: &Actor, clock: &BenchClock) -> anyhow::Result<()> {
    let resolved = INCIDENTS - UNRESOLVED;
    for n in 0..INCIDENTS {
        let open = n >= resolved;
        let declared_behind = if open {
            SignedDuration::from_hours((INCIDENTS - n) as i64)
        } else {
            let days = 88 - (n * 86 / resolved) as i64;
            SignedDuration::from_hours(days * 24 - (n % 20) as i64)
        };
        let affected = component(n * 7);
        let also = n.is_multiple_of(3).then(|| component(n * 11 + 3));
        let status = match n % 5 {
            0 => "major_outage",
            1 | 2 => "partial_outage",
            _ => "degraded_performance",
        };
        let components: Vec<(String, String)> = std::iter::once(affected)
            .chain(also.filter(|c| *c != affected))
            .map(|c| (c.to_owned(), status.to_owned()))
            .collect();
        let name = title(affected);

        clock.set_behind(declared_behind);
        let incident = app
            .declare_incident(
                actor,
                NewIncident {
                    title: format!("{name} errors (#{n})"),
                    description: format!("Customers see errors on {name}."),
                    impact: format!("Some customers cannot use {name}."),
                    ..NewIncident::default()
                },
            )
            .await
            .map_err(|e| anyhow!("cannot declare incident {n}: {e}"))?;
        let key = IncidentKey::Id(incident.id);
        let mut updates = vec![(
            5,
            "investigating",
            format!("We are investigating errors on {name}."),
        )];
        if open || n.is_multiple_of(2) {
            updates.push((
                35,
                "identified",
                format!("We found the cause of the {name} errors and are fixing it."),
            ));
        }
        if !open {
            updates.push((
                90 + 30 * (n % 5) as i64,
                "resolved",
                format!("{name} works normally again."),
            ));
        }
        for (minutes, status, body) in updates {
            clock.set_behind(declared_behind - SignedDuration::from_mins(minutes));
            app.publish_status_update(
                actor,
                key,
                StatusPublication {
                    status: status.to_owned(),
                    body: Some(body),
                    template: None,
                    components: components.clone(),
                    name: None,
                    impact: None,
                    preview: false,
                },
            )
            .await
            .map_err(|e| anyhow!("cannot publish on incident {n}: {e}"))?;
        }
    }
    Ok(())
}

/// Writes the snapshot's files under `root`, as `muster status export`:
/// each beside its final name, then renamed into place.
pub fn export(site: &Site, root: &Path) -> anyhow::Result<()> {
    for (file, asset) in site.files() {
        let target = root.join(&file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let partial = target.with_extension("partial");
        std::fs::write(&partial, &asset.body)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, &target)
            .with_context(|| format!("cannot move {} into place", target.display()))?;
    }
    Ok(())
}
