//! The sinks against real servers (SMTP through aiosmtpd, Matrix through
//! Synapse) and faithful local fakes of the services that cannot run here
//! (Slack, Mattermost, Teams, ntfy, Twilio). Everything listens on 127.0.0.1.

mod chat;
mod email;
mod fake;
mod matrix;
mod ntfy;
mod programs;
mod synapse;
mod twilio;
mod webhook;

use muster_core::paging::{Destination, Notification, NotificationEvent, SinkKind};
use muster_core::{DeliveryId, IncidentNumber, PageId, PageNumber};
use muster_sinks::{Envelope, SinkConfig, Sinks};

pub fn delivery(n: u128) -> DeliveryId {
    DeliveryId(uuid::Uuid::from_u128(
        0x0190_a5c4_7e3b_7c4d_9a2b_0000_0000_0000 + n,
    ))
}

/// A page of an incident, with every link.
pub fn notification() -> Notification {
    Notification {
        event: NotificationEvent::PageTriggered,
        subject: "INC-42 SEV1 Login is down (P-7)".into(),
        body: "Login fails for every customer.\nPaged by Ada.".into(),
        page_id: Some(PageId(uuid::Uuid::from_u128(7))),
        page_number: Some(PageNumber(7)),
        summary: "Login is down".into(),
        incident_number: Some(IncidentNumber(42)),
        incident_title: Some("Login is down".into()),
        severity: Some("SEV1".into()),
        drill: false,
        link: Some("https://muster.example.com/pages/P-7".into()),
        ack_url: Some("https://muster.example.com/p/ack/tok1".into()),
        resolve_url: Some("https://muster.example.com/p/resolve/tok2".into()),
        unsubscribe_url: None,
    }
}

pub fn drill() -> Notification {
    let mut n = notification();
    n.drill = true;
    n.subject = format!("[DRILL] {}", n.subject);
    n
}

pub fn destination(sink: SinkKind, address: impl Into<String>) -> Destination {
    Destination {
        sink,
        address: address.into(),
    }
}

pub fn envelope<'a>(
    delivery_id: DeliveryId,
    destination: &'a Destination,
    notification: &'a Notification,
) -> Envelope<'a> {
    Envelope {
        delivery_id,
        recipient: "ada@example.com",
        destination,
        notification,
        signing_secret: None,
    }
}

pub fn sinks(config: &SinkConfig) -> Sinks {
    Sinks::build(config).expect("a valid sink configuration")
}

/// An address where nothing listens (a port that was just free).
pub fn closed_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
}
