//! Saved profiles (`profiles.toml`) and how the server and token are chosen.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::{ErrorKind, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Failure, RemoteOptions};

pub(crate) const DEFAULT_PROFILE: &str = "default";

const HEADER: &str = "# Written by `muster login`. It holds API tokens: keep it private.\n\n";

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct ProfileFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Profile {
    pub url: String,
    pub token: String,
    /// Lets `muster logout` revoke the token on the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<Uuid>,
}

/// The server to talk to and the token to present.
#[derive(Debug, PartialEq)]
pub(crate) struct Target {
    pub url: String,
    pub token: Option<String>,
}

pub(crate) struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    /// `$XDG_CONFIG_HOME/muster/profiles.toml`, else `$HOME/.config/muster/profiles.toml`.
    pub fn locate() -> Result<Self, Failure> {
        let path = profiles_path(
            std::env::var_os("XDG_CONFIG_HOME"),
            std::env::var_os("HOME"),
        )
        .ok_or_else(|| {
            Failure::usage("cannot find a config directory: set XDG_CONFIG_HOME or HOME")
        })?;
        Ok(Self { path })
    }

    #[cfg(test)]
    pub fn at(path: PathBuf) -> Self {
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved profiles; none when the file does not exist yet.
    pub fn load(&self) -> Result<ProfileFile, Failure> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(ProfileFile::default()),
            Err(e) => return Err(self.broken(&e.to_string())),
        };
        toml::from_str(&text).map_err(|e| self.broken(&e.to_string()))
    }

    pub fn get(&self, name: &str) -> Result<Option<Profile>, Failure> {
        Ok(self.load()?.profiles.remove(name))
    }

    pub fn put(&self, name: &str, profile: Profile) -> Result<(), Failure> {
        let mut file = self.load()?;
        file.profiles.insert(name.to_owned(), profile);
        self.save(&file)
    }

    /// Removes a profile and returns it; `None` if there was none of that name.
    pub fn remove(&self, name: &str) -> Result<Option<Profile>, Failure> {
        let mut file = self.load()?;
        let removed = file.profiles.remove(name);
        if removed.is_some() {
            self.save(&file)?;
        }
        Ok(removed)
    }

    /// Writes a sibling file readable only by the owner, then renames it over the old one,
    /// so the tokens are never world-readable and a crash never leaves half a file.
    pub fn save(&self, file: &ProfileFile) -> Result<(), Failure> {
        let body = toml::to_string(file).map_err(|e| self.unwritable(&e.to_string()))?;
        let dir = self
            .path
            .parent()
            .ok_or_else(|| self.unwritable("no parent directory"))?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| self.unwritable(&e.to_string()))?;
        let temp = dir.join(format!(".profiles.toml.{}.tmp", std::process::id()));
        let written = (|| {
            let mut out = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&temp)?;
            // `mode` only applies when the file is created; a leftover must be narrowed too.
            out.set_permissions(fs::Permissions::from_mode(0o600))?;
            out.write_all(HEADER.as_bytes())?;
            out.write_all(body.as_bytes())?;
            out.sync_all()?;
            fs::rename(&temp, &self.path)
        })();
        written.map_err(|e| {
            let _ = fs::remove_file(&temp);
            self.unwritable(&e.to_string())
        })
    }

    fn broken(&self, why: &str) -> Failure {
        Failure::usage(format!("cannot read {}: {why}", self.path.display()))
    }

    fn unwritable(&self, why: &str) -> Failure {
        Failure::usage(format!("cannot write {}: {why}", self.path.display()))
    }
}

/// XDG says a relative `XDG_CONFIG_HOME` is invalid and must be ignored.
pub(crate) fn profiles_path(xdg: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let absolute = |v: Option<OsString>| {
        v.map(PathBuf::from)
            .filter(|p| p.is_absolute() && !p.as_os_str().is_empty())
    };
    let config = absolute(xdg).or_else(|| absolute(home).map(|h| h.join(".config")))?;
    Some(config.join("muster").join("profiles.toml"))
}

pub(crate) fn profile_name(opts: &RemoteOptions) -> &str {
    opts.profile.as_deref().unwrap_or(DEFAULT_PROFILE)
}

/// Flags and environment win over the profile. The file is read only when something is
/// missing, so a broken file does not stop a fully specified command.
pub(crate) fn resolve_target(opts: &RemoteOptions) -> Result<Target, Failure> {
    let flags_complete = opts.url.is_some() && opts.token.is_some();
    let profile = if flags_complete {
        None
    } else {
        let name = profile_name(opts);
        let found = ProfileStore::locate()?.get(name)?;
        if found.is_none() && opts.profile.is_some() {
            return Err(Failure::usage(format!(
                "no profile named {name:?}: run `muster login --profile {name}`"
            )));
        }
        found
    };
    resolve(opts.url.as_deref(), opts.token.as_deref(), profile.as_ref())
}

/// The profile's token goes only to the profile's server: pointing `MUSTER_URL` elsewhere
/// must not hand that server a credential meant for another.
pub(crate) fn resolve(
    url: Option<&str>,
    token: Option<&str>,
    profile: Option<&Profile>,
) -> Result<Target, Failure> {
    let url = url
        .or(profile.map(|p| p.url.as_str()))
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| Failure::usage("no server: set MUSTER_URL or run `muster login`"))?;
    let token = match (token, profile) {
        (Some(token), _) => Some(token.to_owned()),
        (None, Some(p)) if same_server(&p.url, url) => Some(p.token.clone()),
        (None, _) => None,
    };
    Ok(Target {
        url: url.to_owned(),
        token: token.filter(|t| !t.is_empty()),
    })
}

fn same_server(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(url: &str, token: &str) -> Profile {
        Profile {
            url: url.into(),
            token: token.into(),
            token_id: None,
        }
    }

    #[test]
    fn finds_the_file_like_xdg_says() {
        assert_eq!(
            profiles_path(Some("/x".into()), Some("/home/a".into())),
            Some(PathBuf::from("/x/muster/profiles.toml"))
        );
        assert_eq!(
            profiles_path(Some("relative".into()), Some("/home/a".into())),
            Some(PathBuf::from("/home/a/.config/muster/profiles.toml"))
        );
        assert_eq!(
            profiles_path(Some("".into()), Some("/home/a".into())),
            Some(PathBuf::from("/home/a/.config/muster/profiles.toml"))
        );
        assert_eq!(profiles_path(None, None), None);
    }

    #[test]
    fn round_trips_profiles_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path().join("muster").join("profiles.toml"));
        assert_eq!(store.load().unwrap(), ProfileFile::default());
        assert_eq!(store.remove("default").unwrap(), None);

        let prod = Profile {
            url: "http://prod:8070".into(),
            token: "mst_prod".into(),
            token_id: Some(Uuid::nil()),
        };
        store.put("default", prod.clone()).unwrap();
        store
            .put("staging", profile("http://staging", "mst_s"))
            .unwrap();

        assert_eq!(store.get("default").unwrap(), Some(prod.clone()));
        assert_eq!(
            store.get("staging").unwrap(),
            Some(profile("http://staging", "mst_s"))
        );
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(store.path().parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o077, 0);

        assert_eq!(store.remove("default").unwrap(), Some(prod));
        assert_eq!(store.get("default").unwrap(), None);
        assert!(store.get("staging").unwrap().is_some());
        let leftovers: Vec<_> = fs::read_dir(store.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["profiles.toml"]);
    }

    #[test]
    fn narrows_a_file_that_was_too_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        fs::write(&path, "").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let store = ProfileStore::at(path.clone());
        store.put("default", profile("http://h", "t")).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_broken_file_is_a_config_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        fs::write(&path, "profiles = 3").unwrap();
        let failure = ProfileStore::at(path.clone()).load().unwrap_err();
        assert_eq!(failure.code, super::super::EXIT_USAGE);
        assert!(failure.message.contains(&path.display().to_string()));
    }

    #[test]
    fn flags_override_the_profile() {
        let saved = profile("http://prod:8070/", "mst_prod");
        assert_eq!(
            resolve(None, None, Some(&saved)).unwrap(),
            Target {
                url: "http://prod:8070/".into(),
                token: Some("mst_prod".into())
            }
        );
        assert_eq!(
            resolve(None, Some("mst_env"), Some(&saved)).unwrap().token,
            Some("mst_env".into())
        );
        // Same server spelt without the slash keeps the profile's token.
        assert_eq!(
            resolve(Some("http://prod:8070"), None, Some(&saved))
                .unwrap()
                .token,
            Some("mst_prod".into())
        );
        assert_eq!(
            resolve(Some("http://other"), None, Some(&saved)).unwrap(),
            Target {
                url: "http://other".into(),
                token: None
            }
        );
    }

    #[test]
    fn no_server_is_a_usage_error() {
        let failure = resolve(None, Some("t"), None).unwrap_err();
        assert_eq!(failure.code, super::super::EXIT_USAGE);
        assert_eq!(
            failure.message,
            "no server: set MUSTER_URL or run `muster login`"
        );
        assert!(resolve(Some(""), None, None).is_err());
    }
}
