//! Configuration: built-in defaults < `muster.toml` < `MUSTER_*` environment
//! variables < command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use figment2::Figment;
use figment2::providers::{Env, Format, Serialized, Toml};
use muster_app::Settings;
use muster_core::paging::{Destination, SinkKind};
use muster_core::{RoleCatalog, RoleCode, RoleDefinition, Severity, SeverityCode, SeverityScale};
use muster_sinks::{
    EmailConfig, MatrixConfig, NtfyConfig, SinkConfig, TwilioConfig, WebhookConfig,
};
use serde::{Deserialize, Serialize};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./muster-data/muster.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8070";
pub const DEFAULT_STATUS_LISTEN: &str = "127.0.0.1:8071";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeverityConfig {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// A named notification channel: a team's `contact_channel` and people's
/// chat contact methods name it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// As teams name it, e.g. `#team-identity`.
    pub name: String,
    /// `slack`, `mattermost`, `teams`, `matrix`, `webhook` or `ntfy`.
    pub kind: String,
    /// The incoming-webhook URL, Matrix room or ntfy topic.
    pub address: String,
    /// For `webhook`: signs this channel's requests instead of the default secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl std::fmt::Debug for ChannelConfig {
    // Incoming-webhook URLs are secrets too.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleConfig {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Everything `muster serve` reads at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address of the console + API listener.
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// The address people reach muster at; used in links muster prints.
    pub public_url: Option<String>,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// Console sessions last this many hours.
    pub session_hours: u64,
    /// Severities, most severe first; empty means SEV1-SEV5.
    pub severities: Vec<SeverityConfig>,
    pub default_severity: Option<String>,
    /// Roles beyond commander, communications, scribe and operations.
    pub roles: Vec<RoleConfig>,
    /// Mark cookies `Secure` (when muster is behind HTTPS).
    pub secure_cookies: bool,
    /// SMTP for email notifications: `smtp://user:pass@host:2525`,
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtps://…` (TLS).
    pub smtp_url: Option<String>,
    /// The From address of notification emails.
    pub smtp_from: Option<String>,
    /// Signs generic webhook deliveries (`X-Muster-Signature`).
    pub webhook_secret: Option<String>,
    /// The ntfy server for push notifications to bare topics.
    pub ntfy_url: String,
    pub ntfy_token: Option<String>,
    /// The Matrix homeserver and the access token muster posts with.
    pub matrix_homeserver: Option<String>,
    pub matrix_token: Option<String>,
    /// A Twilio-compatible API for SMS and voice.
    pub twilio_url: String,
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<String>,
    /// The number texts and calls come from (E.164).
    pub twilio_from: Option<String>,
    pub channels: Vec<ChannelConfig>,
    /// How long a node's claim on a delivery lasts before another node
    /// redoes it (after a crash): far longer than a send takes.
    pub engine_lease_seconds: u64,
    /// Ingest requests one integration key may make per second before it
    /// gets 429 (a webhook of many alerts counts once; bursts of a second's
    /// worth more pass). At least 1.
    pub ingest_rate_limit: u32,
    /// Address of the public status page's own listener.
    pub status_listen: SocketAddr,
    /// Where customers reach the status page (links in its mails and
    /// feeds); `http://{status_listen}` by default.
    pub status_url: Option<String>,
    /// The status page's name, e.g. "Fernbrook Status".
    pub status_name: String,
    /// A logo shown instead of the name (an http(s) URL).
    pub status_logo_url: Option<String>,
    /// The accent colour of links and buttons, `#rrggbb`.
    pub status_accent: String,
    /// The zone the page's times and daily history bars are in.
    pub status_time_zone: String,
    /// How long before a maintenance window subscribers are reminded.
    pub status_maintenance_reminder_hours: u32,
    /// A webhook subscriber failing every delivery this long is disabled.
    pub status_webhook_disable_after_days: u32,
    /// Let subscribers' webhooks call loopback and private addresses (never
    /// on a page the internet can reach).
    pub status_allow_private_webhooks: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8070))),
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            public_url: None,
            log_format: "text".to_owned(),
            session_hours: 12,
            severities: Vec::new(),
            default_severity: None,
            roles: Vec::new(),
            secure_cookies: false,
            smtp_url: None,
            smtp_from: None,
            webhook_secret: None,
            ntfy_url: "https://ntfy.sh".to_owned(),
            ntfy_token: None,
            matrix_homeserver: None,
            matrix_token: None,
            twilio_url: "https://api.twilio.com".to_owned(),
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            channels: Vec::new(),
            engine_lease_seconds: 60,
            ingest_rate_limit: muster_server::ratelimit::INGEST_PER_KEY_PER_SECOND,
            status_listen: DEFAULT_STATUS_LISTEN
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8071))),
            status_url: None,
            status_name: "Status".to_owned(),
            status_logo_url: None,
            status_accent: "#0b6bcb".to_owned(),
            status_time_zone: "UTC".to_owned(),
            status_maintenance_reminder_hours: 24,
            status_webhook_disable_after_days: 3,
            status_allow_private_webhooks: false,
        }
    }
}

/// Values given on the command line, which win over everything else.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingest_rate_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_listen: Option<SocketAddr>,
}

impl Config {
    /// Loads the layers. A named config file must exist; the default
    /// `./muster.toml` is optional.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let path: PathBuf = match file {
            Some(path) if !path.exists() => bail!("config file {} does not exist", path.display()),
            Some(path) => path.to_path_buf(),
            None => PathBuf::from("muster.toml"),
        };
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(&path))
            .merge(Env::prefixed("MUSTER_").only(&[
                "listen",
                "database_url",
                "public_url",
                "log_format",
                "session_hours",
                "secure_cookies",
                "default_severity",
                "smtp_url",
                "smtp_from",
                "webhook_secret",
                "ntfy_url",
                "ntfy_token",
                "matrix_homeserver",
                "matrix_token",
                "twilio_url",
                "twilio_account_sid",
                "twilio_auth_token",
                "twilio_from",
                "engine_lease_seconds",
                "ingest_rate_limit",
                "status_listen",
                "status_url",
                "status_name",
                "status_logo_url",
                "status_accent",
                "status_time_zone",
                "status_maintenance_reminder_hours",
                "status_webhook_disable_after_days",
                "status_allow_private_webhooks",
            ]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .with_context(|| {
                format!(
                    "invalid configuration (from {}, MUSTER_* variables or flags)",
                    path.display()
                )
            })
    }

    /// The rules the application enforces, validated.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let severities = if self.severities.is_empty() {
            match &self.default_severity {
                None => SeverityScale::standard(),
                Some(default) => {
                    SeverityScale::new(SeverityScale::standard().all().to_vec(), Some(default))?
                }
            }
        } else {
            let list = self
                .severities
                .iter()
                .map(|s| Severity {
                    code: SeverityCode::new(s.code.clone()),
                    name: s.name.clone(),
                    description: s.description.clone(),
                })
                .collect();
            SeverityScale::new(list, self.default_severity.as_deref())?
        };
        let roles = RoleCatalog::with_custom(
            self.roles
                .iter()
                .map(|r| RoleDefinition {
                    code: RoleCode::new(r.code.clone()),
                    name: r.name.clone(),
                    description: r.description.clone(),
                })
                .collect(),
        )?;
        Ok(Settings {
            severities,
            roles,
            session_lifetime: std::time::Duration::from_secs(
                self.session_hours.clamp(1, 24 * 30) * 3600,
            ),
            public_url: self.public_url(),
            channels: self.channels()?,
            status_page: muster_app::StatusPageSettings {
                name: self.status_name.trim().to_owned(),
                public_url: self.status_url(),
                maintenance_reminder: jiff::SignedDuration::from_hours(i64::from(
                    self.status_maintenance_reminder_hours.clamp(1, 24 * 14),
                )),
                disable_failing_webhooks_after: jiff::SignedDuration::from_hours(
                    24 * i64::from(self.status_webhook_disable_after_days.clamp(1, 90)),
                ),
                allow_private_webhooks: self.status_allow_private_webhooks,
            },
            ..Settings::default()
        })
    }

    /// Where customers reach the status page.
    pub fn status_url(&self) -> String {
        self.status_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.status_listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// The status page's look, validated.
    pub fn status_page(&self) -> anyhow::Result<muster_status::PageConfig> {
        Ok(muster_status::PageConfig::new(
            &self.status_name,
            &self.status_url(),
            self.status_logo_url.as_deref(),
            &self.status_accent,
            &self.status_time_zone,
        )?)
    }

    /// Where people reach muster, for the links notifications carry.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    fn channels(&self) -> anyhow::Result<BTreeMap<String, Destination>> {
        let mut out = BTreeMap::new();
        for (index, channel) in self.channels.iter().enumerate() {
            let sink: SinkKind = channel
                .kind
                .parse()
                .map_err(|e: String| anyhow::anyhow!("channels[{index}].kind: {e}"))?;
            if sink.addressed_by_url()
                && !(channel.address.starts_with("https://")
                    || channel.address.starts_with("http://"))
            {
                bail!("channels[{index}].address: a {sink} channel's address is its webhook URL");
            }
            if channel.name.trim().is_empty() {
                bail!("channels[{index}].name: a channel needs a name");
            }
            out.insert(
                channel.name.trim().to_owned(),
                Destination {
                    sink,
                    address: channel.address.trim().to_owned(),
                },
            );
        }
        Ok(out)
    }

    /// What the notification sinks need, from the same settings.
    pub fn sinks(&self) -> SinkConfig {
        let mut secrets_by_url = BTreeMap::new();
        for channel in &self.channels {
            if let Some(secret) = &channel.secret {
                secrets_by_url.insert(channel.address.trim().to_owned(), secret.clone());
            }
        }
        SinkConfig {
            email: self.smtp_url.as_ref().map(|url| EmailConfig {
                url: url.clone(),
                from: self
                    .smtp_from
                    .clone()
                    .unwrap_or_else(|| "muster@localhost".to_owned()),
            }),
            webhook: WebhookConfig {
                default_secret: self.webhook_secret.clone(),
                secrets_by_url,
            },
            matrix: match (&self.matrix_homeserver, &self.matrix_token) {
                (Some(homeserver), Some(token)) => Some(MatrixConfig {
                    homeserver: homeserver.clone(),
                    access_token: token.clone(),
                }),
                _ => None,
            },
            ntfy: NtfyConfig {
                base_url: self.ntfy_url.clone(),
                token: self.ntfy_token.clone(),
            },
            twilio: match (
                &self.twilio_account_sid,
                &self.twilio_auth_token,
                &self.twilio_from,
            ) {
                (Some(sid), Some(token), Some(from)) => Some(TwilioConfig {
                    base_url: self.twilio_url.clone(),
                    account_sid: sid.clone(),
                    auth_token: token.clone(),
                    from: from.clone(),
                }),
                _ => None,
            },
            ..SinkConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_flags_override_defaults_and_bad_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("muster.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[[roles]]\ncode = \"liaison\"\nname = \"Customer liaison\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), &Overrides::default()).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.ingest_rate_limit, 5_000, "the default is unchanged");
        assert_eq!(config.settings().unwrap().roles.all().len(), 5);
        let overrides = Overrides {
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            ingest_rate_limit: Some(100_000),
            ..Default::default()
        };
        let overridden = Config::load(Some(&file), &overrides).unwrap();
        assert_eq!(overridden.listen.port(), 9100);
        assert_eq!(overridden.ingest_rate_limit, 100_000);

        std::fs::write(&file, "listen = \"nowhere\"\n").unwrap();
        assert!(Config::load(Some(&file), &Overrides::default()).is_err());
        std::fs::write(&file, "bogus = 1\n").unwrap();
        assert!(Config::load(Some(&file), &Overrides::default()).is_err());
        assert!(
            Config::load(
                Some(&dir.path().join("missing.toml")),
                &Overrides::default()
            )
            .is_err()
        );
    }
}
