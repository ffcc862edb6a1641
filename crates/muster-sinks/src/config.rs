//! What the sinks need to know, as plain data. The composition root fills it
//! from `muster.toml` and `MUSTER_*`; [`crate::Sinks::build`] validates it.
//! Secrets never appear in `Debug` output.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::Url;

const REDACTED: &str = "<redacted>";

/// Every sink's settings. Slack, Mattermost and Teams need none: the
/// destination's address is the whole webhook URL.
#[derive(Clone)]
pub struct SinkConfig {
    /// SMTP; without it the email sink is absent.
    pub email: Option<EmailConfig>,
    /// Signing of the generic webhook.
    pub webhook: WebhookConfig,
    /// Without it the matrix sink is absent.
    pub matrix: Option<MatrixConfig>,
    /// The ntfy server for bare topic names.
    pub ntfy: NtfyConfig,
    /// Without it the twilio_sms and twilio_voice sinks are absent.
    pub twilio: Option<TwilioConfig>,
    /// How long one HTTP request may take, connecting included.
    pub http_timeout: Duration,
}

impl Default for SinkConfig {
    fn default() -> Self {
        Self {
            email: None,
            webhook: WebhookConfig::default(),
            matrix: None,
            ntfy: NtfyConfig::default(),
            twilio: None,
            http_timeout: Duration::from_secs(10),
        }
    }
}

impl fmt::Debug for SinkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SinkConfig")
            .field("email", &self.email)
            .field("webhook", &self.webhook)
            .field("matrix", &self.matrix)
            .field("ntfy", &self.ntfy)
            .field("twilio", &self.twilio)
            .field("http_timeout", &self.http_timeout)
            .finish()
    }
}

/// SMTP submission.
#[derive(Clone, Default)]
pub struct EmailConfig {
    /// `smtp://user:pass@host:2525` (no TLS), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465` (implicit TLS). The user
    /// and password are percent-decoded.
    pub url: String,
    /// The From mailbox (`MUSTER_SMTP_FROM`): `muster@example.com` or
    /// `Muster <muster@example.com>`.
    pub from: String,
}

impl fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailConfig")
            .field("url", &redact_url(&self.url))
            .field("from", &self.from)
            .finish()
    }
}

/// Signing of the generic webhook.
#[derive(Clone, Default)]
pub struct WebhookConfig {
    /// Signs every webhook without a secret of its own; none: unsigned.
    pub default_secret: Option<String>,
    /// Secrets for particular webhook URLs (exact match), overriding the default.
    pub secrets_by_url: BTreeMap<String, String>,
}

impl WebhookConfig {
    /// The secret that signs requests to `url`, if any.
    pub fn secret_for(&self, url: &str) -> Option<&str> {
        self.secrets_by_url
            .get(url.trim())
            .or(self.default_secret.as_ref())
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URLs themselves may carry tokens, so only their number shows.
        f.debug_struct("WebhookConfig")
            .field(
                "default_secret",
                &self.default_secret.as_ref().map(|_| REDACTED),
            )
            .field(
                "secrets_by_url",
                &format_args!("<{} redacted>", self.secrets_by_url.len()),
            )
            .finish()
    }
}

/// A Matrix account that posts into rooms it has joined.
#[derive(Clone, Default)]
pub struct MatrixConfig {
    /// The client-server API base, e.g. `https://matrix.example.org`.
    pub homeserver: String,
    /// The account's access token (`syt_...`); it must have joined the rooms.
    pub access_token: String,
}

impl fmt::Debug for MatrixConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatrixConfig")
            .field("homeserver", &self.homeserver)
            .field("access_token", &REDACTED)
            .finish()
    }
}

/// The ntfy server that bare topic names are published to.
#[derive(Clone)]
pub struct NtfyConfig {
    /// The server, `https://ntfy.sh` by default.
    pub base_url: String,
    /// An access token (`tk_...`), sent only to `base_url`'s own server.
    pub token: Option<String>,
}

impl Default for NtfyConfig {
    fn default() -> Self {
        Self {
            base_url: "https://ntfy.sh".into(),
            token: None,
        }
    }
}

impl fmt::Debug for NtfyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtfyConfig")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| REDACTED))
            .finish()
    }
}

/// A Twilio (or Twilio-compatible) account for text messages and calls.
#[derive(Clone)]
pub struct TwilioConfig {
    /// The API, `https://api.twilio.com` by default.
    pub base_url: String,
    /// The account (`AC...`): the Basic auth user and part of every path.
    pub account_sid: String,
    /// The Basic auth password.
    pub auth_token: String,
    /// The sending number (E.164) or sender id.
    pub from: String,
}

impl Default for TwilioConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.twilio.com".into(),
            account_sid: String::new(),
            auth_token: String::new(),
            from: String::new(),
        }
    }
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &REDACTED)
            .field("from", &self.from)
            .finish()
    }
}

/// A setting that cannot work, named as in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sink setting {setting}: {message}")]
pub struct ConfigError {
    /// The setting's path, such as `email.from` or `twilio.base_url`.
    pub setting: &'static str,
    /// What was expected and what came.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

/// An http(s) base URL without query or fragment; returned without a
/// trailing slash so paths can be appended.
pub(crate) fn base_url(setting: &'static str, raw: &str) -> Result<String, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        ConfigError::new(
            setting,
            format!("expected an http(s) URL, got {:?} ({e})", redact_url(raw)),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::new(
            setting,
            format!("expected an http(s) URL, got {:?}", redact_url(raw)),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(
            setting,
            "expected a base URL without query or fragment",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A non-empty setting.
pub(crate) fn required<'a>(setting: &'static str, raw: &'a str) -> Result<&'a str, ConfigError> {
    let value = raw.trim();
    if value.is_empty() {
        Err(ConfigError::new(setting, "must not be empty"))
    } else {
        Ok(value)
    }
}

/// The URL with its password (if any) hidden.
fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            // Cannot fail: a URL with a password has a host.
            let _ = url.set_password(Some("redacted"));
            url.to_string()
        }
        Ok(_) => raw.to_owned(),
        Err(_) if raw.contains('@') => REDACTED.to_owned(),
        Err(_) => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let config = SinkConfig {
            email: Some(EmailConfig {
                url: "smtps://mailer:hunter2@smtp.example.com:465".into(),
                from: "muster@example.com".into(),
            }),
            webhook: WebhookConfig {
                default_secret: Some("whsec-default".into()),
                secrets_by_url: [("https://h.example.com/t0ken".into(), "whsec-2".into())].into(),
            },
            matrix: Some(MatrixConfig {
                homeserver: "https://matrix.example.org".into(),
                access_token: "syt_secret".into(),
            }),
            ntfy: NtfyConfig {
                base_url: "https://ntfy.sh".into(),
                token: Some("tk_secret".into()),
            },
            twilio: Some(TwilioConfig {
                auth_token: "twilio-secret".into(),
                ..TwilioConfig::default()
            }),
            ..SinkConfig::default()
        };
        let printed = format!("{config:?}");
        for secret in [
            "hunter2",
            "whsec",
            "t0ken",
            "syt_secret",
            "tk_secret",
            "twilio-secret",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("smtps://mailer:redacted@smtp.example.com:465"));
    }

    #[test]
    fn webhook_secrets_fall_back_to_the_default() {
        let config = WebhookConfig {
            default_secret: Some("d".into()),
            secrets_by_url: [("https://a.example/x".into(), "a".into())].into(),
        };
        assert_eq!(config.secret_for("https://a.example/x"), Some("a"));
        assert_eq!(config.secret_for("https://b.example/x"), Some("d"));
        assert_eq!(WebhookConfig::default().secret_for("https://a"), None);
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(
            base_url("ntfy.base_url", "https://ntfy.sh/"),
            Ok("https://ntfy.sh".into())
        );
        assert_eq!(
            base_url("x", "http://127.0.0.1:8080/prefix/"),
            Ok("http://127.0.0.1:8080/prefix".into())
        );
        let error = base_url("twilio.base_url", "ftp://example.com").expect_err("not http");
        assert_eq!(error.setting, "twilio.base_url");
        assert_eq!(
            error.to_string(),
            "invalid sink setting twilio.base_url: expected an http(s) URL, got \"ftp://example.com\""
        );
        assert!(base_url("x", "not a url").is_err());
        assert!(base_url("x", "https://a.example/?q=1").is_err());
    }
}
