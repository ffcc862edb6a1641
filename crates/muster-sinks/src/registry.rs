//! The one list of every sink, built from the configuration.

use std::collections::BTreeMap;

use muster_core::paging::SinkKind;

use crate::config::{ConfigError, SinkConfig};
use crate::email::EmailSink;
use crate::matrix::MatrixSink;
use crate::mattermost::MattermostSink;
use crate::ntfy::NtfySink;
use crate::slack::SlackSink;
use crate::teams::TeamsSink;
use crate::twilio::{TwilioAccount, TwilioSmsSink, TwilioVoiceSink};
use crate::webhook::WebhookSink;
use crate::{Envelope, Health, SendError, Sink, http};

/// Every sink muster can send through, at most one per kind.
pub struct Sinks {
    sinks: BTreeMap<SinkKind, Box<dyn Sink>>,
}

impl std::fmt::Debug for Sinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.sinks.keys()).finish()
    }
}

impl Sinks {
    /// Builds every sink the configuration allows. Sinks that need settings
    /// (email, matrix, twilio) are absent without them; the others are
    /// always there. Nothing connects yet: [`Sinks::health`] does.
    pub fn build(config: &SinkConfig) -> Result<Self, ConfigError> {
        let client = http::client(config.http_timeout)?;
        let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
        if let Some(email) = &config.email {
            sinks.push(Box::new(EmailSink::new(email)?));
        }
        sinks.push(Box::new(WebhookSink::new(client.clone(), &config.webhook)?));
        sinks.push(Box::new(SlackSink::new(client.clone())));
        sinks.push(Box::new(MattermostSink::new(client.clone())));
        sinks.push(Box::new(TeamsSink::new(client.clone())));
        if let Some(matrix) = &config.matrix {
            sinks.push(Box::new(MatrixSink::new(client.clone(), matrix)?));
        }
        sinks.push(Box::new(NtfySink::new(client.clone(), &config.ntfy)?));
        if let Some(twilio) = &config.twilio {
            let account = TwilioAccount::new(client, twilio)?;
            sinks.push(Box::new(TwilioSmsSink::new(account.clone())));
            sinks.push(Box::new(TwilioVoiceSink::new(account)));
        }
        Ok(Self::from_sinks(sinks))
    }

    /// A registry of exactly these sinks (tests hand in capturing ones); of
    /// two sinks of one kind, the later wins.
    pub fn from_sinks(sinks: impl IntoIterator<Item = Box<dyn Sink>>) -> Self {
        Self {
            sinks: sinks.into_iter().map(|s| (s.kind(), s)).collect(),
        }
    }

    /// The kinds that can be sent through.
    pub fn kinds(&self) -> impl Iterator<Item = SinkKind> + '_ {
        self.sinks.keys().copied()
    }

    /// The sink of a kind, if it is configured.
    pub fn get(&self, kind: SinkKind) -> Option<&dyn Sink> {
        self.sinks.get(&kind).map(|s| s.as_ref())
    }

    /// Sends through the destination's sink; a sink that is not configured
    /// is a permanent error (no retry will configure it).
    pub async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let kind = envelope.destination.sink;
        let Some(sink) = self.get(kind) else {
            return Err(SendError::permanent(format!(
                "the {kind} sink is not configured"
            )));
        };
        // Addresses stay out of the logs: webhook URLs are secrets.
        let result = sink.send(envelope).await;
        match &result {
            Ok(()) => tracing::debug!(delivery = %envelope.delivery_id, sink = %kind, "sent"),
            Err(e) => tracing::info!(
                delivery = %envelope.delivery_id,
                sink = %kind,
                retryable = e.is_retryable(),
                reason = e.reason(),
                "send failed"
            ),
        }
        result
    }

    /// The health of every kind, in [`SinkKind::ALL`] order, checked at once.
    pub async fn health(&self) -> Vec<(SinkKind, Health)> {
        let checks = SinkKind::ALL.map(|kind| async move {
            match self.get(kind) {
                Some(sink) => (kind, sink.health().await),
                None => (kind, Health::NotConfigured),
            }
        });
        futures::future::join_all(checks).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EmailConfig, MatrixConfig, TwilioConfig};
    use crate::testing;

    #[test]
    fn the_defaults_give_the_sinks_that_need_no_settings() {
        let sinks = Sinks::build(&SinkConfig::default()).expect("built");
        assert_eq!(
            sinks.kinds().collect::<Vec<_>>(),
            [
                SinkKind::Webhook,
                SinkKind::Slack,
                SinkKind::Mattermost,
                SinkKind::Teams,
                SinkKind::Ntfy
            ]
        );
        let full = SinkConfig {
            email: Some(EmailConfig {
                url: "smtp://127.0.0.1:2525".into(),
                from: "muster@example.com".into(),
            }),
            matrix: Some(MatrixConfig {
                homeserver: "http://127.0.0.1:8008".into(),
                access_token: "syt_x".into(),
            }),
            twilio: Some(TwilioConfig {
                account_sid: "AC1".into(),
                auth_token: "t".into(),
                from: "+14155550100".into(),
                ..TwilioConfig::default()
            }),
            ..SinkConfig::default()
        };
        let sinks = Sinks::build(&full).expect("built");
        assert_eq!(sinks.kinds().collect::<Vec<_>>(), SinkKind::ALL);
        for kind in SinkKind::ALL {
            assert_eq!(sinks.get(kind).map(|s| s.kind()), Some(kind));
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let named = |config: SinkConfig| Sinks::build(&config).expect_err("invalid").setting;
        assert_eq!(
            named(SinkConfig {
                matrix: Some(MatrixConfig {
                    homeserver: "matrix.example.org".into(),
                    access_token: "x".into(),
                }),
                ..SinkConfig::default()
            }),
            "matrix.homeserver"
        );
        assert_eq!(
            named(SinkConfig {
                matrix: Some(MatrixConfig {
                    homeserver: "https://matrix.example.org".into(),
                    access_token: " ".into(),
                }),
                ..SinkConfig::default()
            }),
            "matrix.access_token"
        );
        let twilio = TwilioConfig {
            account_sid: "AC1".into(),
            auth_token: "t".into(),
            from: "+1".into(),
            ..TwilioConfig::default()
        };
        assert_eq!(
            named(SinkConfig {
                twilio: Some(twilio.clone()),
                ..SinkConfig::default()
            }),
            "twilio.from"
        );
        assert_eq!(
            named(SinkConfig {
                twilio: Some(TwilioConfig {
                    base_url: "api.twilio.com".into(),
                    ..twilio
                }),
                ..SinkConfig::default()
            }),
            "twilio.base_url"
        );
        let mut config = SinkConfig::default();
        config.ntfy.base_url = "ntfy".into();
        assert_eq!(named(config), "ntfy.base_url");
        let mut config = SinkConfig::default();
        config
            .webhook
            .secrets_by_url
            .insert("not a url".into(), "s".into());
        assert_eq!(named(config), "webhook.secrets_by_url");
    }

    #[tokio::test]
    async fn an_unconfigured_sink_is_a_permanent_error_and_not_configured_in_health() {
        // A port that was just free: nothing listens there.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let mut config = SinkConfig::default();
        config.ntfy.base_url = format!("http://{closed}");
        let sinks = Sinks::build(&config).expect("built");
        let n = testing::notification();
        let d = testing::destination(SinkKind::TwilioSms, "+14155550123");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada@example.com",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        assert_eq!(
            sinks.send(&envelope).await,
            Err(SendError::permanent(
                "the twilio_sms sink is not configured"
            ))
        );
        let health = sinks.health().await;
        assert_eq!(
            health.iter().map(|(kind, _)| *kind).collect::<Vec<_>>(),
            SinkKind::ALL
        );
        for (kind, health) in health {
            match kind {
                SinkKind::Webhook | SinkKind::Slack | SinkKind::Mattermost | SinkKind::Teams => {
                    assert!(matches!(health, Health::Ok(_)), "{kind}: {health:?}");
                }
                SinkKind::Ntfy => assert!(matches!(health, Health::Failing(_)), "{health:?}"),
                _ => assert_eq!(health, Health::NotConfigured, "{kind}"),
            }
        }
    }
}
