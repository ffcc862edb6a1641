//! How the page looks and where it lives: its name, logo, accent colour,
//! public address and time zone, checked once at start.

use jiff::tz::TimeZone;

/// A setting that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("status page {setting}: {message}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct PageConfig {
    /// The page id Statuspage consumers see.
    pub id: String,
    pub name: String,
    /// Where customers reach the page, without a trailing slash.
    pub url: String,
    pub logo_url: Option<String>,
    /// A CSS colour: `#rgb` or `#rrggbb`.
    pub accent: String,
    pub time_zone: TimeZone,
    pub time_zone_name: String,
}

fn error(setting: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        message: message.into(),
    }
}

impl PageConfig {
    pub fn new(
        name: &str,
        url: &str,
        logo_url: Option<&str>,
        accent: &str,
        time_zone: &str,
    ) -> Result<Self, ConfigError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(error("name", "a name of 1 to 100 characters"));
        }
        let url = url.trim().trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(error(
                "url",
                format!("expected an http:// or https:// address, got {url:?}"),
            ));
        }
        let logo_url = logo_url.map(str::trim).filter(|l| !l.is_empty());
        if let Some(logo) = logo_url {
            let fine = (logo.starts_with("https://")
                || logo.starts_with("http://")
                || logo.starts_with('/'))
                && !logo.contains(['"', '<', '>', ' ']);
            if !fine {
                return Err(error(
                    "logo_url",
                    format!("expected an http(s) address or a path, got {logo:?}"),
                ));
            }
        }
        let accent = accent.trim();
        let hex = accent.strip_prefix('#').unwrap_or_default();
        if !(matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())) {
            return Err(error(
                "accent",
                format!("expected a colour like #0b6bcb, got {accent:?}"),
            ));
        }
        let zone = TimeZone::get(time_zone.trim()).map_err(|e| {
            error(
                "time_zone",
                format!("expected an IANA zone like Europe/Amsterdam, got {time_zone:?}: {e}"),
            )
        })?;
        Ok(Self {
            id: "muster".to_owned(),
            name: name.to_owned(),
            url: url.to_owned(),
            logo_url: logo_url.map(str::to_owned),
            accent: accent.to_owned(),
            time_zone: zone,
            time_zone_name: time_zone.trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_one_by_one() {
        let ok = PageConfig::new("Acme", "https://status.acme.test/", None, "#0b6bcb", "UTC");
        assert_eq!(
            ok.map(|c| c.url).ok().as_deref(),
            Some("https://status.acme.test")
        );
        let bad = |name, url, logo, accent, tz| {
            PageConfig::new(name, url, logo, accent, tz)
                .err()
                .map(|e| e.setting)
        };
        assert_eq!(bad("", "https://x.test", None, "#fff", "UTC"), Some("name"));
        assert_eq!(bad("A", "x.test", None, "#fff", "UTC"), Some("url"));
        assert_eq!(
            bad("A", "https://x.test", Some("javascript:x"), "#fff", "UTC"),
            Some("logo_url")
        );
        assert_eq!(
            bad("A", "https://x.test", None, "red;}", "UTC"),
            Some("accent")
        );
        assert_eq!(
            bad("A", "https://x.test", None, "#fff", "Mars/Base"),
            Some("time_zone")
        );
    }
}
