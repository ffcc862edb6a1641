//! Parsing and applying the catalog commands' flag values.

use muster_api_types::catalog::{Dependency, Link, TeamMember};

/// `--member EMAIL[:ROLE]`; clap prefixes the message with the flag's name.
pub(super) fn parse_member(text: &str) -> Result<TeamMember, String> {
    let (email, role) = match text.split_once(':') {
        Some((email, role)) => (email.trim(), role.trim()),
        None => (text.trim(), "member"),
    };
    if email.is_empty() || !email.contains('@') {
        return Err(format!("expected EMAIL or EMAIL:ROLE, got {text:?}"));
    }
    if role.is_empty() {
        return Err(format!("the role after ':' is empty in {text:?}"));
    }
    Ok(TeamMember {
        email: email.to_owned(),
        role: role.to_owned(),
    })
}

/// `--link TITLE=URL` or a bare URL. A URL may hold `=` itself, so the text is only split
/// when what comes before the first `=` is not already the start of a URL.
pub(super) fn parse_link(text: &str) -> Result<Link, String> {
    let (title, url) = match text.split_once('=') {
        Some((title, url)) if !title.contains("://") => (title.trim(), url.trim()),
        _ => ("", text.trim()),
    };
    let lower = url.to_ascii_lowercase();
    let web = ["http://", "https://"]
        .iter()
        .any(|scheme| lower.len() > scheme.len() && lower.starts_with(scheme));
    if !web {
        return Err(format!(
            "expected TITLE=URL or URL with an http(s) URL, got {text:?}"
        ));
    }
    Ok(Link {
        title: title.to_owned(),
        url: url.to_owned(),
    })
}

/// `--depends-on SERVICE[:hard|soft]`.
pub(super) fn parse_dependency(text: &str) -> Result<Dependency, String> {
    let (service, criticality) = match text.split_once(':') {
        Some((service, criticality)) => (service.trim(), criticality.trim().to_ascii_lowercase()),
        None => (text.trim(), "hard".to_owned()),
    };
    if service.is_empty() {
        return Err(format!(
            "expected SERVICE or SERVICE:hard|soft, got {text:?}"
        ));
    }
    if !matches!(criticality.as_str(), "hard" | "soft") {
        return Err(format!(
            "the criticality after ':' must be hard or soft, got {criticality:?}"
        ));
    }
    Ok(Dependency {
        service: service.to_owned(),
        criticality,
    })
}

/// A list flag's new value: cleared, replaced (given at least once), or kept.
pub(super) fn replace_list<T>(current: &mut Vec<T>, given: Vec<T>, clear: bool) {
    if clear {
        current.clear();
    } else if !given.is_empty() {
        *current = given;
    }
}

/// `--owner ""` removes the owner.
pub(super) fn optional_slug(value: String) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_members_links_and_dependencies() {
        assert_eq!(
            parse_member("Ada@Example.com:lead").unwrap(),
            TeamMember {
                email: "Ada@Example.com".into(),
                role: "lead".into()
            }
        );
        assert_eq!(parse_member("bob@example.com").unwrap().role, "member");
        assert!(parse_member("bob").is_err());
        assert!(parse_member("bob@example.com:").is_err());

        let link = parse_link("Grafana=https://grafana.example/d?a=b").unwrap();
        assert_eq!(link.title, "Grafana");
        assert_eq!(link.url, "https://grafana.example/d?a=b");
        let bare = parse_link("https://x.example/search?q=1").unwrap();
        assert_eq!(bare.title, "");
        assert_eq!(bare.url, "https://x.example/search?q=1");
        assert!(parse_link("Docs=ftp://x").is_err());
        assert!(parse_link("Docs=").is_err());
        assert!(parse_link("https://").is_err());

        let dependency = parse_dependency("db").unwrap();
        assert_eq!(
            (dependency.service.as_str(), dependency.criticality.as_str()),
            ("db", "hard")
        );
        assert_eq!(parse_dependency("mail:SOFT").unwrap().criticality, "soft");
        assert!(parse_dependency("x:sometimes").is_err());
        assert!(parse_dependency(":soft").is_err());
    }

    #[test]
    fn list_flags_replace_clear_or_keep() {
        let mut list = vec![1, 2];
        replace_list(&mut list, vec![], false);
        assert_eq!(list, [1, 2]);
        replace_list(&mut list, vec![3], false);
        assert_eq!(list, [3]);
        replace_list(&mut list, vec![], true);
        assert!(list.is_empty());
        assert_eq!(optional_slug("  ".into()), None);
        assert_eq!(optional_slug(" payments ".into()), Some("payments".into()));
    }
}
