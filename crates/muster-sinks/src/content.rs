//! What every rendering says, whatever the sink: the subject with its drill
//! marker, the body, and the labelled links.

use std::borrow::Cow;

use muster_core::paging::{Notification, NotificationEvent};

/// Starts the subject of every drill notification, in every rendering, so
/// nobody mistakes practice for the real thing at 3 a.m.
pub const DRILL_PREFIX: &str = "[DRILL] ";

/// The subject line, on one line, with the drill marker first for drills
/// (the engine writes it already; this keeps a renderer from ever losing it).
pub(crate) fn subject(notification: &Notification) -> Cow<'_, str> {
    let one_line = if notification.subject.contains(['\r', '\n']) {
        Cow::Owned(notification.subject.replace(['\r', '\n'], " "))
    } else {
        Cow::Borrowed(notification.subject.as_str())
    };
    if notification.drill && !one_line.starts_with(DRILL_PREFIX.trim_end()) {
        Cow::Owned(format!("{DRILL_PREFIX}{one_line}"))
    } else {
        one_line
    }
}

/// The body, or the page's summary when the body is empty.
pub(crate) fn body(notification: &Notification) -> &str {
    let body = notification.body.trim();
    if body.is_empty() {
        notification.summary.trim()
    } else {
        body
    }
}

/// Whether someone is asked to act now (and so is woken up), rather than told.
pub(crate) fn urgent(notification: &Notification) -> bool {
    matches!(
        notification.event,
        NotificationEvent::PageTriggered | NotificationEvent::PageEscalated
    )
}

/// One labelled link of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link<'a> {
    pub label: &'static str,
    pub url: &'a str,
}

pub(crate) const ACKNOWLEDGE: &str = "Acknowledge";
pub(crate) const RESOLVE: &str = "Resolve";
pub(crate) const OPEN: &str = "Open";
pub(crate) const UNSUBSCRIBE: &str = "Unsubscribe";

/// The links present, in the order people should see them: acknowledge
/// first (the one thing a page asks for), then resolve, then the console.
pub(crate) fn links(notification: &Notification) -> Vec<Link<'_>> {
    [
        (ACKNOWLEDGE, &notification.ack_url),
        (RESOLVE, &notification.resolve_url),
        (OPEN, &notification.link),
        (UNSUBSCRIBE, &notification.unsubscribe_url),
    ]
    .into_iter()
    .filter_map(|(label, url)| {
        url.as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(|url| Link { label, url })
    })
    .collect()
}

/// Escapes text for HTML and XML content and attribute values.
pub(crate) fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// HTML for plain text of a few lines.
pub(crate) fn html_lines(text: &str) -> String {
    text.lines()
        .map(escape_markup)
        .collect::<Vec<_>>()
        .join("<br>")
}

/// At most `max` characters, the last one an ellipsis when cut; cuts keep
/// the start, so the drill marker always survives.
pub(crate) fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    Cow::Owned(format!("{}…", kept.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn drills_keep_their_marker_even_when_the_subject_lost_it() {
        let mut n = testing::drill();
        assert_eq!(subject(&n), "[DRILL] INC-42 SEV1 Login is down (P-7)");
        n.subject = "INC-42 SEV1 Login is down".into();
        assert_eq!(subject(&n), "[DRILL] INC-42 SEV1 Login is down");
        n.subject = "two\nlines".into();
        assert_eq!(subject(&n), "[DRILL] two lines");
    }

    #[test]
    fn links_come_in_a_fixed_order_and_only_when_present() {
        let n = testing::notification();
        let labels: Vec<_> = links(&n).iter().map(|l| l.label).collect();
        assert_eq!(labels, ["Acknowledge", "Resolve", "Open"]);
        assert!(links(&testing::bare()).is_empty());
    }

    #[test]
    fn markup_is_escaped_and_long_text_cut_at_the_end() {
        assert_eq!(
            escape_markup(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(html_lines("a<b\nc"), "a&lt;b<br>c");
        assert_eq!(truncate("[DRILL] abcdef", 10), "[DRILL] a…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("ééééé", 4), "ééé…");
    }
}
