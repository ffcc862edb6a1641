//! Debian's nginx serving the exported site as static files: the ceiling
//! the status listener is read against. Its own processes (master and
//! `worker_processes auto`), in the foreground (`daemon off`) as our child,
//! stopped by its PID when the guard is dropped, on every path out.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long nginx has to start listening, and to stop.
const START_WITHIN: Duration = Duration::from_secs(10);
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// A running nginx; dropping it stops it.
pub struct Nginx {
    pub address: SocketAddr,
    child: Child,
}

/// Whether `binary` is there to run.
pub fn runnable(binary: &Path) -> bool {
    binary.is_file()
}

/// The configuration: loopback only, keep-alive as long as the benchmark
/// wants, no access log, every path nginx writes inside `work`.
fn config(work: &Path, root: &Path, address: SocketAddr) -> String {
    let (work, root) = (work.display(), root.display());
    format!(
        "worker_processes auto;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path {work}/tmp;
  proxy_temp_path {work}/tmp;
  fastcgi_temp_path {work}/tmp;
  uwsgi_temp_path {work}/tmp;
  scgi_temp_path {work}/tmp;
  types {{
    application/json json;
    text/html html;
    application/atom+xml atom;
    application/rss+xml rss;
  }}
  default_type application/octet-stream;
  server {{
    listen {address};
    root {root};
    index index.html;
  }}
}}
"
    )
}

/// A port free on loopback now (nginx binds it a moment later).
fn free_address() -> anyhow::Result<SocketAddr> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0")
        .context("cannot find a free port on 127.0.0.1")?;
    Ok(probe.local_addr()?)
}

impl Nginx {
    /// Starts `binary` serving `root`, with its pid, logs and temporary
    /// files in `work`; returns once it accepts connections.
    pub async fn start(binary: &Path, work: &Path, root: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(work.join("tmp"))
            .with_context(|| format!("cannot create {}", work.display()))?;
        let address = free_address()?;
        let conf: PathBuf = work.join("nginx.conf");
        std::fs::write(&conf, config(work, root, address))
            .with_context(|| format!("cannot write {}", conf.display()))?;
        let stderr_path = work.join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path)
            .with_context(|| format!("cannot create {}", stderr_path.display()))?;
        let child = Command::new(binary)
            .arg("-p")
            .arg(work)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut nginx = Self { address, child };
        let started = Instant::now();
        loop {
            if let Some(status) = nginx.child.try_wait()? {
                let said = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                let log = std::fs::read_to_string(work.join("error.log")).unwrap_or_default();
                bail!(
                    "nginx exited at start ({status}): {} {}",
                    said.trim(),
                    log.trim()
                );
            }
            if tokio::net::TcpStream::connect(address).await.is_ok() {
                return Ok(nginx);
            }
            if started.elapsed() > START_WITHIN {
                bail!("nginx did not listen on {address} within {START_WITHIN:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Nginx {
    /// SIGTERM to the master (by its PID) stops its workers with it; SIGKILL
    /// if it has not gone in a few seconds.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let asked = Instant::now();
            while asked.elapsed() < STOP_WITHIN {
                if !matches!(self.child.try_wait(), Ok(None)) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
