//! The load generator: `connections` keep-alive HTTP/1.1 connections, each
//! a task sending its next GET as soon as the last answer is read whole
//! (closed loop, as `wrk`). The client is a few lines over a `TcpStream`
//! rather than a general HTTP client, so that what is measured is the
//! server and not the client's bookkeeping; it reads only responses with a
//! `Content-Length`, which both muster and nginx send for these files.

use std::net::SocketAddr;
use std::ops::Range;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Handle;

/// A request not answered in this long counts as an error and its
/// connection is replaced.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest response head read.
const MAX_HEAD: usize = 64 * 1024;

/// When a phase warms up and when it is measured.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Requests sent before this are warm-up and not recorded.
    pub measure_from: Instant,
    /// No request is sent after this.
    pub deadline: Instant,
}

impl Window {
    pub fn starting_now(warmup: Duration, measured: Duration) -> Self {
        let measure_from = Instant::now() + warmup;
        Self {
            measure_from,
            deadline: measure_from + measured,
        }
    }

    pub fn contains(&self, at: Instant) -> bool {
        at >= self.measure_from && at < self.deadline
    }
}

/// One measured phase on one target.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// 200 answers per second over the measured window.
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// 200 answers in the measured window.
    pub ok: u64,
    /// Non-200 answers, broken connections and timeouts, warm-up included.
    pub errors: u64,
}

/// What one answer was.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Where the body is in the connection's buffer, until the next request.
    body: Range<usize>,
    /// The server will close the connection after this answer.
    close: bool,
}

/// One keep-alive connection and what it has read.
pub struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Bytes of `buf` read from the socket.
    filled: usize,
    /// Bytes of `buf` belonging to the last answer, dropped before the next.
    used: usize,
}

impl Connection {
    pub async fn open(address: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: vec![0; 16 * 1024],
            filled: 0,
            used: 0,
        })
    }

    /// Sends `request` (a whole GET) and reads the answer whole.
    pub async fn send(&mut self, request: &[u8]) -> anyhow::Result<Answer> {
        // Anything after the last answer (nothing, without pipelining) stays.
        self.buf.copy_within(self.used..self.filled, 0);
        self.filled -= self.used;
        self.used = 0;
        self.stream.write_all(request).await?;
        let head = loop {
            if let Some(end) = find(&self.buf[..self.filled], b"\r\n\r\n") {
                break end + 4;
            }
            if self.filled >= MAX_HEAD {
                bail!("a response head over {MAX_HEAD} bytes");
            }
            self.read_more().await?;
        };
        let (status, length, close) = parse_head(&self.buf[..head])?;
        let end = head + length;
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        while self.filled < end {
            self.read_more().await?;
        }
        self.used = end;
        Ok(Answer {
            status,
            body: head..end,
            close,
        })
    }

    pub fn body(&self, answer: &Answer) -> &[u8] {
        self.buf.get(answer.body.clone()).unwrap_or_default()
    }

    async fn read_more(&mut self) -> anyhow::Result<()> {
        if self.filled == self.buf.len() {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        let read = self.stream.read(&mut self.buf[self.filled..]).await?;
        if read == 0 {
            bail!("the server closed the connection mid-answer");
        }
        self.filled += read;
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The status, the body's length and whether the connection closes after.
fn parse_head(head: &[u8]) -> anyhow::Result<(u16, usize, bool)> {
    let text = std::str::from_utf8(head).context("a response head that is not UTF-8")?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        bail!("not an HTTP/1 response: {status_line:?}");
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no status in {status_line:?}"))?;
    let mut length = None;
    let mut close = version == "HTTP/1.0";
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .with_context(|| format!("a Content-Length of {value:?}"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            bail!("a {value} response; the load generator reads sized bodies only");
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    let length = match length {
        Some(length) => length,
        None if status == 204 || status == 304 || status < 200 => 0,
        None => bail!("a {status} response without Content-Length"),
    };
    Ok((status, length, close))
}

/// `GET path` on a keep-alive connection to `address`.
pub fn request(address: SocketAddr, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nUser-Agent: muster-bench\r\nAccept: */*\r\n\r\n"
    )
    .into_bytes()
}

/// One GET on a fresh connection: the status and the body.
pub async fn fetch(address: SocketAddr, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut connection = Connection::open(address)
        .await
        .with_context(|| format!("cannot connect to {address}"))?;
    let answer = tokio::time::timeout(REQUEST_TIMEOUT, connection.send(&request(address, path)))
        .await
        .with_context(|| format!("no answer from {address} in {REQUEST_TIMEOUT:?}"))??;
    Ok((answer.status, connection.body(&answer).to_vec()))
}

/// What one connection's task saw.
#[derive(Debug, Default)]
struct Tally {
    /// Microseconds per 200 answer sent in the measured window.
    latencies_us: Vec<u32>,
    errors: u64,
    /// When the last measured answer arrived.
    last_done: Option<Instant>,
}

async fn connection_task(address: SocketAddr, request: Vec<u8>, window: Window) -> Tally {
    let mut tally = Tally {
        latencies_us: Vec::with_capacity(64 * 1024),
        ..Tally::default()
    };
    let mut connection: Option<Connection> = None;
    loop {
        let sent = Instant::now();
        if sent >= window.deadline {
            break;
        }
        let open = match connection.as_mut() {
            Some(open) => open,
            None => match Connection::open(address).await {
                Ok(open) => connection.insert(open),
                Err(_) => {
                    tally.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, open.send(&request)).await {
            Ok(Ok(answer)) => {
                let done = Instant::now();
                if answer.status != 200 {
                    tally.errors += 1;
                } else if window.contains(sent) {
                    let micros = done.duration_since(sent).as_micros();
                    tally
                        .latencies_us
                        .push(u32::try_from(micros).unwrap_or(u32::MAX));
                    tally.last_done = Some(done);
                }
                if answer.close {
                    connection = None;
                }
            }
            Ok(Err(_)) | Err(_) => {
                tally.errors += 1;
                connection = None;
            }
        }
    }
    tally
}

fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let index = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted_us[index.min(sorted_us.len() - 1)]) / 1000.0
}

/// GETs `path` from `address` over `connections` connections, whose tasks
/// run on `client` (the load generator's own runtime), through `window`.
pub async fn run(
    client: &Handle,
    address: SocketAddr,
    path: &str,
    connections: usize,
    window: Window,
) -> anyhow::Result<Sample> {
    let request = request(address, path);
    let tasks: Vec<_> = (0..connections.max(1))
        .map(|_| client.spawn(connection_task(address, request.clone(), window)))
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut last_done = window.measure_from;
    for task in tasks {
        let tally = task.await.context("a load generator task failed")?;
        latencies.extend_from_slice(&tally.latencies_us);
        errors += tally.errors;
        if let Some(done) = tally.last_done {
            last_done = last_done.max(done);
        }
    }
    latencies.sort_unstable();
    let seconds = last_done
        .duration_since(window.measure_from)
        .as_secs_f64()
        .max(1e-9);
    Ok(Sample {
        per_second: latencies.len() as f64 / seconds,
        p50_ms: percentile_ms(&latencies, 0.50),
        p99_ms: percentile_ms(&latencies, 0.99),
        ok: latencies.len() as u64,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_for_status_length_and_close() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\ncontent-type: x\r\n\r\n";
        assert_eq!(parse_head(head).ok(), Some((200, 12, false)));
        let head = b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nConnection: close\r\n\r\n";
        assert_eq!(parse_head(head).ok(), Some((404, 3, true)));
        let head = b"HTTP/1.1 304 Not Modified\r\n\r\n";
        assert_eq!(parse_head(head).ok(), Some((304, 0, false)));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
        assert!(parse_head(b"SSH-2.0\r\n\r\n").is_err());
    }

    #[test]
    fn percentiles_are_read_from_sorted_micros() {
        let sorted: Vec<u32> = (1..=100).collect();
        assert!((percentile_ms(&sorted, 0.5) - 0.051).abs() < 1e-9);
        assert!((percentile_ms(&sorted, 0.99) - 0.099).abs() < 1e-9);
        assert_eq!(percentile_ms(&[], 0.99), 0.0);
    }
}
