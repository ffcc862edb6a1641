//! Integrations: where alerts come from, each with the URL its sender posts
//! to; the form that adds one; and the key, shown once.

use super::OptionView;

/// One integration in `/integrations`.
#[derive(Debug, Clone)]
pub struct IntegrationRow {
    /// An id-safe form of the name, for `id="integration-…"`.
    pub anchor: String,
    pub name: String,
    /// "Alertmanager", "Heartbeat".
    pub kind_label: String,
    /// "service checkout", "team identity".
    pub bound_to: String,
    pub bound_href: String,
    /// The URL a sender posts to, `<key>` standing for the key.
    pub url: String,
    /// `hand` or `plan`: a CSS modifier.
    pub origin: &'static str,
    pub origin_label: &'static str,
    /// "Retired Dec 1, 10:00 UTC": its key no longer works.
    pub retired: Option<String>,
    /// Kind-specific settings in words: "signed", "every 5m, 30s grace".
    pub settings: Vec<String>,
    /// A heartbeat's latest beat ("never" before the first).
    pub last_beat: Option<String>,
    pub created: String,
    /// Where "new key" posts, for a catalog editor and a live integration.
    pub rotate_href: Option<String>,
}

/// The new-integration form, as typed.
#[derive(Debug, Clone, Default)]
pub struct IntegrationForm {
    pub name: String,
    pub kind: String,
    /// `service:<slug>` or `team:<slug>`.
    pub bound: String,
    pub signing_secret: String,
    pub timestamp_header: String,
    pub interval: String,
    pub grace: String,
    /// A generic integration's mapping, as JSON; blank for muster's own format.
    pub mapping: String,
}

/// The choices the form offers, with the typed ones selected.
#[derive(Debug, Clone, Default)]
pub struct IntegrationChoices {
    pub kinds: Vec<OptionView>,
    pub services: Vec<OptionView>,
    pub teams: Vec<OptionView>,
}

/// A key just made or rotated: shown this once, with what to do with it.
#[derive(Debug, Clone)]
pub struct IssuedKeyView {
    pub name: String,
    pub kind_label: String,
    /// A new integration, or a new key for an existing one.
    pub rotated: bool,
    pub key: String,
    /// The URL with the key in it.
    pub url: String,
    /// How to point the sender at muster: a sentence and a snippet.
    pub how: String,
    pub snippet: String,
}
