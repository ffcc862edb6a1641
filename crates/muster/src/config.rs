//! Configuration: built-in defaults < `muster.toml` < `MUSTER_*` environment
//! variables < command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment2::Figment;
use figment2::providers::{Env, Format, Serialized, Toml};
use muster_app::Settings;
use muster_core::{RoleCatalog, RoleCode, RoleDefinition, Severity, SeverityCode, SeverityScale};
use serde::{Deserialize, Serialize};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./muster-data/muster.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8070";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeverityConfig {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
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
        })
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
        assert_eq!(config.settings().unwrap().roles.all().len(), 5);
        let overrides = Overrides {
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            ..Default::default()
        };
        assert_eq!(
            Config::load(Some(&file), &overrides).unwrap().listen.port(),
            9100
        );

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
