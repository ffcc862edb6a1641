//! The email sink against a real SMTP server: Python's aiosmtpd, started on
//! a free 127.0.0.1 port for each test.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use muster_core::paging::SinkKind;
use muster_sinks::{EmailConfig, Health, SendError, SinkConfig, Sinks};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::programs::{python_with, skip};
use crate::{closed_port, delivery, destination, drill, envelope, notification, sinks};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sinks/smtp_server.py");

/// A running aiosmtpd; stops when dropped (its standard input closes).
struct SmtpServer {
    port: u16,
    outdir: tempfile::TempDir,
    _stdin: ChildStdin,
    _child: Child,
}

impl SmtpServer {
    /// Starts a server, requiring AUTH when `login` is given; `None` (with a
    /// note) when Python's aiosmtpd is not installed.
    async fn start(login: Option<(&str, &str)>) -> Option<Self> {
        let Some(python) = python_with("aiosmtpd", "MUSTER_TEST_PYTHON").await else {
            skip("python3 with aiosmtpd is not installed (python3 -m pip install aiosmtpd)");
            return None;
        };
        let outdir = tempfile::tempdir().expect("a temporary directory");
        let port = crate::closed_port().port();
        let mut command = Command::new(python);
        command.arg(SCRIPT).arg(port.to_string()).arg(outdir.path());
        if let Some((user, password)) = login {
            command.args([user, password]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP server");
        let stdin = child.stdin.take().expect("its stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("its stdout")).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the SMTP server is ready within 30 s")
            .expect("its stdout is readable");
        assert_eq!(
            ready.as_deref(),
            Some("ready"),
            "the SMTP server did not start"
        );
        Some(Self {
            port,
            outdir,
            _stdin: stdin,
            _child: child,
        })
    }

    /// The raw message number `n` (1-based) and its envelope as received.
    fn received(&self, n: usize) -> (String, serde_json::Value) {
        let base: PathBuf = self.outdir.path().join(format!("{n:03}"));
        let raw = std::fs::read_to_string(base.with_extension("eml")).expect("the message");
        let meta = std::fs::read_to_string(base.with_extension("json")).expect("its envelope");
        (raw, serde_json::from_str(&meta).expect("JSON"))
    }

    fn count(&self) -> usize {
        std::fs::read_dir(self.outdir.path())
            .expect("the outdir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml"))
            })
            .count()
    }
}

fn email_sinks(url: String) -> Sinks {
    sinks(&SinkConfig {
        email: Some(EmailConfig {
            url,
            from: "Muster <muster@example.com>".into(),
        }),
        ..SinkConfig::default()
    })
}

/// The value of a header in a raw message (first occurrence, unfolded).
fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let head = raw.split("\r\n\r\n").next()?;
    head.split("\r\n")
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
}

#[tokio::test]
async fn a_page_arrives_with_its_subject_links_and_message_id() {
    let Some(server) = SmtpServer::start(None).await else {
        return;
    };
    let sinks = email_sinks(format!("smtp://127.0.0.1:{}", server.port));
    assert!(matches!(
        sinks.get(SinkKind::Email).expect("email").health().await,
        Health::Ok(_)
    ));
    let mut n = drill();
    n.body = "Login fails for every customer: ünïcode and a line long enough to need \
              soft line breaks in quoted-printable, well past seventy-six characters.\nPaged by Ada."
        .into();
    let d = destination(SinkKind::Email, "Ada Lovelace <ada@example.com>");
    sinks
        .send(&envelope(delivery(1), &d, &n))
        .await
        .expect("sent");

    let (raw, meta) = server.received(1);
    assert_eq!(
        header(&raw, "Subject"),
        Some("[DRILL] INC-42 SEV1 Login is down (P-7)")
    );
    assert_eq!(
        header(&raw, "To"),
        Some("\"Ada Lovelace\" <ada@example.com>")
    );
    assert_eq!(header(&raw, "From"), Some("Muster <muster@example.com>"));
    let id = delivery(1);
    assert_eq!(
        header(&raw, "Message-ID"),
        Some(format!("<{id}@muster>").as_str())
    );
    assert_eq!(
        header(&raw, "X-Muster-Delivery"),
        Some(id.to_string().as_str())
    );
    assert_eq!(meta["subject"], "[DRILL] INC-42 SEV1 Login is down (P-7)");
    assert_eq!(meta["content_type"], "multipart/alternative");
    assert_eq!(
        meta["parts"]["text/plain"]
            .as_str()
            .map(|t| t.replace("\r\n", "\n")),
        Some(muster_sinks::email::text(&n))
    );
    assert_eq!(
        meta["parts"]["text/html"]
            .as_str()
            .map(|t| t.replace("\r\n", "\n")),
        Some(muster_sinks::email::html(&n))
    );
    let text = meta["parts"]["text/plain"].as_str().expect("a text part");
    assert!(text.contains("Acknowledge: https://muster.example.com/p/ack/tok1"));
    assert!(text.contains("Resolve: https://muster.example.com/p/resolve/tok2"));
    let html = meta["parts"]["text/html"].as_str().expect("an HTML part");
    assert!(html.contains(
        "<a href=\"https://muster.example.com/p/ack/tok1\"><strong>Acknowledge</strong></a>"
    ));
    assert_eq!(meta["mail_from"], "muster@example.com");
    assert_eq!(meta["rcpt_tos"], serde_json::json!(["ada@example.com"]));
    assert_eq!(meta["login"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_url_credentials_log_in() {
    let Some(server) = SmtpServer::start(Some(("mailer", "s3cr3t"))).await else {
        return;
    };
    let sinks = email_sinks(format!("smtp://mailer:s3cr3t@127.0.0.1:{}", server.port));
    let email = sinks.get(SinkKind::Email).expect("email");
    assert!(matches!(email.health().await, Health::Ok(_)));
    let n = notification();
    let d = destination(SinkKind::Email, "ada@example.com");
    sinks
        .send(&envelope(delivery(2), &d, &n))
        .await
        .expect("sent");
    let (raw, meta) = server.received(1);
    assert_eq!(meta["login"], "mailer");
    assert_eq!(
        header(&raw, "Subject"),
        Some("INC-42 SEV1 Login is down (P-7)")
    );

    // A wrong password is refused with 535: permanent, and unhealthy.
    let wrong = email_sinks(format!("smtp://mailer:wrong@127.0.0.1:{}", server.port));
    let error = wrong
        .send(&envelope(delivery(3), &d, &n))
        .await
        .expect_err("refused");
    assert!(!error.is_retryable(), "{error:?}");
    assert!(error.reason().contains("535"), "{error:?}");
    assert!(matches!(
        wrong.get(SinkKind::Email).expect("email").health().await,
        Health::Failing(_)
    ));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn smtp_replies_decide_between_retry_and_give_up() {
    let Some(server) = SmtpServer::start(None).await else {
        return;
    };
    let sinks = email_sinks(format!("smtp://127.0.0.1:{}", server.port));
    let n = notification();

    let rejected = destination(SinkKind::Email, "reject@example.com");
    let error = sinks
        .send(&envelope(delivery(4), &rejected, &n))
        .await
        .expect_err("550");
    assert!(
        matches!(&error, SendError::Permanent { reason } if reason.contains("550")),
        "{error:?}"
    );

    let later = destination(SinkKind::Email, "later@example.com");
    let error = sinks
        .send(&envelope(delivery(5), &later, &n))
        .await
        .expect_err("451");
    assert!(
        matches!(&error, SendError::Retryable { reason, .. } if reason.contains("451")),
        "{error:?}"
    );

    let invalid = destination(SinkKind::Email, "ada at example dot com");
    let error = sinks
        .send(&envelope(delivery(6), &invalid, &n))
        .await
        .expect_err("not a mailbox");
    assert!(!error.is_retryable());
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn an_smtp_server_that_is_not_listening_is_retryable() {
    let sinks = email_sinks(format!("smtp://127.0.0.1:{}", closed_port().port()));
    let n = notification();
    let d = destination(SinkKind::Email, "ada@example.com");
    let error = sinks
        .send(&envelope(delivery(7), &d, &n))
        .await
        .expect_err("nobody listens");
    assert!(error.is_retryable(), "{error:?}");
    assert!(matches!(
        sinks.get(SinkKind::Email).expect("email").health().await,
        Health::Failing(_)
    ));
}
