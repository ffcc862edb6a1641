//! The page's history as Atom and RSS feeds: one entry per public incident
//! and maintenance, newest first, its updates as the content.

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Text};
use jiff::Timestamp;

use crate::config::PageConfig;
use crate::statuspage::Incident;

fn fixed(at: Timestamp) -> FixedDateTime {
    chrono::DateTime::from_timestamp(at.as_second(), at.subsec_nanosecond().unsigned_abs())
        .unwrap_or_default()
        .fixed_offset()
}

fn content(item: &Incident) -> String {
    item.incident_updates
        .iter()
        .map(|u| format!("{} ({}): {}", u.status, u.display_at, u.body))
        .collect::<Vec<_>>()
        .join("\n\n")
}

pub(crate) fn atom(config: &PageConfig, items: &[Incident], updated: Timestamp) -> Vec<u8> {
    let entries = items
        .iter()
        .map(|item| Entry {
            title: Text::plain(item.name.clone()),
            id: format!("tag:muster,status:{}", item.id),
            updated: fixed(item.updated_at),
            published: Some(fixed(item.created_at)),
            links: vec![Link {
                href: item.shortlink.clone(),
                rel: "alternate".into(),
                ..Link::default()
            }],
            content: Some(Content {
                value: Some(content(item)),
                content_type: Some("text".into()),
                ..Content::default()
            }),
            ..Entry::default()
        })
        .collect();
    let feed = Feed {
        title: Text::plain(format!("{} status history", config.name)),
        id: format!("{}/history.atom", config.url),
        updated: fixed(updated),
        links: vec![
            Link {
                href: format!("{}/history.atom", config.url),
                rel: "self".into(),
                ..Link::default()
            },
            Link {
                href: format!("{}/", config.url),
                rel: "alternate".into(),
                ..Link::default()
            },
        ],
        entries,
        ..Feed::default()
    };
    feed.to_string().into_bytes()
}

pub(crate) fn rss(config: &PageConfig, items: &[Incident]) -> Vec<u8> {
    let items = items
        .iter()
        .map(|item| rss::Item {
            title: Some(item.name.clone()),
            link: Some(item.shortlink.clone()),
            description: Some(content(item)),
            guid: Some(rss::Guid {
                value: format!("tag:muster,status:{}", item.id),
                permalink: false,
            }),
            pub_date: Some(fixed(item.created_at).to_rfc2822()),
            ..rss::Item::default()
        })
        .collect();
    let channel = rss::Channel {
        title: format!("{} status history", config.name),
        link: format!("{}/", config.url),
        description: format!("Incidents and maintenance of {}", config.name),
        items,
        ..rss::Channel::default()
    };
    channel.to_string().into_bytes()
}
