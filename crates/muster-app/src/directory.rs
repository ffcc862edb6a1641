//! Who can be reached and how, loaded once per engine cycle for the core's
//! firing decisions: schedules with their overrides, teams' policies and
//! channels, active people with their contact methods and rules, and the
//! configured channels.

use std::collections::{BTreeMap, HashMap};

use muster_core::contact::{ContactKind, ContactMethod};
use muster_core::oncall::Schedule;
use muster_core::oncall::escalation::EscalationPolicy;
use muster_core::paging::{Destination, Directory, Recipient, SinkKind};

/// The directory of one cycle.
#[derive(Debug, Default)]
pub(crate) struct CycleDirectory {
    pub schedules: BTreeMap<String, Schedule>,
    /// By team slug.
    pub team_policies: HashMap<String, EscalationPolicy>,
    /// By team slug: the team's `contact_channel`, when it names a channel.
    pub team_channels: HashMap<String, String>,
    /// By lowercase email.
    pub recipients: HashMap<String, Recipient>,
    pub channels: BTreeMap<String, Destination>,
    pub available: std::collections::BTreeSet<SinkKind>,
}

/// The sinks a chat address may name directly, as `kind:address`.
const CHAT_SINKS: [SinkKind; 6] = [
    SinkKind::Slack,
    SinkKind::Mattermost,
    SinkKind::Teams,
    SinkKind::Matrix,
    SinkKind::Webhook,
    SinkKind::Ntfy,
];

/// Where a chat contact method's address leads: a configured channel (by
/// name, with or without `#`), or `slack:URL`, `mattermost:URL`,
/// `teams:URL`, `webhook:URL`, `matrix:!room:server`, `ntfy:topic`.
pub(crate) fn chat_destination(
    channels: &BTreeMap<String, Destination>,
    address: &str,
) -> Option<Destination> {
    if let Some(found) = channel(channels, address) {
        return Some(found);
    }
    let (kind, rest) = address.split_once(':')?;
    let sink = CHAT_SINKS
        .into_iter()
        .find(|s| s.as_str() == kind.to_lowercase())?;
    if sink.addressed_by_url() && !(rest.starts_with("https://") || rest.starts_with("http://")) {
        return None;
    }
    (!rest.is_empty()).then(|| Destination {
        sink,
        address: rest.to_owned(),
    })
}

/// A configured channel by name; `#team-identity` and `team-identity` are one.
pub(crate) fn channel(channels: &BTreeMap<String, Destination>, name: &str) -> Option<Destination> {
    let bare = name.trim().trim_start_matches('#');
    channels
        .iter()
        .find(|(key, _)| key.trim_start_matches('#') == bare)
        .map(|(_, destination)| destination.clone())
}

/// A person's methods as paging uses them: their own list, with the
/// account's email added first when they listed no email method (an email
/// address is a contact method by default).
pub(crate) fn methods_of(email: &str, methods: &[ContactMethod]) -> Vec<ContactMethod> {
    let mut out = methods.to_vec();
    if !out.iter().any(|m| m.kind == ContactKind::Email) {
        out.insert(
            0,
            ContactMethod {
                kind: ContactKind::Email,
                address: email.to_owned(),
                label: "account email".into(),
            },
        );
    }
    out
}

impl Directory for CycleDirectory {
    fn schedule(&self, name: &str) -> Option<&Schedule> {
        self.schedules.get(name)
    }

    fn team_policy(&self, team: &str) -> Option<&EscalationPolicy> {
        self.team_policies.get(team)
    }

    fn recipient(&self, email: &str) -> Option<&Recipient> {
        self.recipients.get(&email.to_lowercase())
    }

    fn chat_destination(&self, address: &str) -> Option<Destination> {
        chat_destination(&self.channels, address)
    }

    fn team_channel(&self, team: &str) -> Option<(String, Destination)> {
        let name = self.team_channels.get(team)?;
        channel(&self.channels, name).map(|d| (name.clone(), d))
    }

    fn can_send(&self, sink: SinkKind) -> bool {
        self.available.contains(&sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_addresses_lead_to_channels_or_named_sinks() {
        let mut channels = BTreeMap::new();
        channels.insert(
            "#team-identity".to_owned(),
            Destination {
                sink: SinkKind::Slack,
                address: "https://hooks.slack.example/T1".into(),
            },
        );
        assert_eq!(
            chat_destination(&channels, "team-identity").map(|d| d.sink),
            Some(SinkKind::Slack)
        );
        assert_eq!(
            chat_destination(&channels, "teams:https://example.webhook.office.com/x"),
            Some(Destination {
                sink: SinkKind::Teams,
                address: "https://example.webhook.office.com/x".into()
            })
        );
        assert_eq!(
            chat_destination(&channels, "matrix:!abc:example.org").map(|d| d.address),
            Some("!abc:example.org".into())
        );
        for nowhere in [
            "@ada",
            "slack:not-a-url",
            "pager:123",
            "webhook:",
            "#unknown",
        ] {
            assert_eq!(chat_destination(&channels, nowhere), None, "{nowhere}");
        }
    }

    #[test]
    fn the_account_email_is_a_method_unless_another_email_is_listed() {
        let sms = ContactMethod {
            kind: ContactKind::Sms,
            address: "+14155550100".into(),
            label: String::new(),
        };
        let with_default = methods_of("ana@example.com", std::slice::from_ref(&sms));
        assert_eq!(with_default[0].address, "ana@example.com");
        assert_eq!(with_default.len(), 2);
        let work = ContactMethod {
            kind: ContactKind::Email,
            address: "ana@work.example".into(),
            label: String::new(),
        };
        assert_eq!(
            methods_of("ana@example.com", std::slice::from_ref(&work)),
            vec![work]
        );
    }
}
