//! Update templates: the words of an internal update or a status-page draft,
//! written as minijinja templates over an incident's fields. Undefined fields
//! are errors, so a typo fails its step visibly instead of sending a blank.
//!
//! Fields: `incident` (INC-42), `title`, `severity`, `status`, `impact`,
//! `commander`, `next_update` (when the next update is due, or empty),
//! `link` (the incident in the console) and `drill`.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// The template a `post_update` step uses when it names none.
pub const DEFAULT_INTERNAL: &str = "internal";
/// The template a `draft_status_update` step uses.
pub const DEFAULT_STATUS: &str = "status-page";

/// Templates every plan has.
const BUILTIN: [(&str, &str); 2] = [
    (
        DEFAULT_INTERNAL,
        "{% if drill %}[DRILL] {% endif %}{{ incident }} {{ severity }} {{ status }}: {{ title }}\n\
         {% if impact %}Impact: {{ impact }}\n{% endif %}\
         {% if commander %}Commander: {{ commander }}\n{% endif %}\
         {% if next_update %}Next update by {{ next_update }}.\n{% endif %}\
         {{ link }}",
    ),
    (
        DEFAULT_STATUS,
        "{% if status == \"resolved\" or status == \"closed\" %}This incident has been resolved.\
         {% elif status == \"mitigated\" %}A fix is in place and we are watching the results.\
         {% else %}We are investigating reports of problems: {{ title }}.{% endif %}\
         {% if impact %} {{ impact }}{% endif %}",
    ),
];

/// What a template may say about an incident.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateFields {
    pub incident: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub impact: String,
    pub commander: String,
    pub next_update: String,
    pub link: String,
    pub drill: bool,
}

/// A built-in template by name.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(known, _)| *known == name.trim())
        .map(|(_, source)| *source)
}

/// The built-in templates' names.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(name, _)| *name)
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

/// Renders `source` over `fields`; trims the result.
pub fn render(source: &str, fields: &UpdateFields) -> Result<String, String> {
    let env = environment();
    let template = env.template_from_str(source).map_err(|e| describe(&e))?;
    template
        .render(fields)
        .map(|text| text.trim().to_owned())
        .map_err(|e| describe(&e))
}

/// Whether `source` parses and renders, both over an incident with every
/// field filled and over a drill with the optional fields empty, so a typo
/// in a field name in either branch of a condition is found when the plan
/// is validated, not at 3 a.m.
pub fn check(source: &str) -> Result<(), String> {
    let filled = UpdateFields {
        incident: "INC-1".into(),
        title: "Title".into(),
        severity: "SEV1".into(),
        status: "investigating".into(),
        impact: "Impact".into(),
        commander: "Commander".into(),
        next_update: "12:00 UTC".into(),
        link: "https://muster.example/incidents/1".into(),
        drill: false,
    };
    let sparse = UpdateFields {
        incident: "INC-1".into(),
        title: "Title".into(),
        severity: "SEV1".into(),
        status: "resolved".into(),
        drill: true,
        ..UpdateFields::default()
    };
    render(source, &filled)?;
    render(source, &sparse)?;
    Ok(())
}

fn describe(error: &minijinja::Error) -> String {
    let mut text = error.detail().unwrap_or("").to_owned();
    if text.is_empty() {
        text = error.kind().to_string();
    }
    match error.line() {
        Some(line) => format!("{text} (template line {line})"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> UpdateFields {
        UpdateFields {
            incident: "INC-42".into(),
            title: "Customers cannot sign in".into(),
            severity: "SEV1".into(),
            status: "investigating".into(),
            impact: "All logins fail".into(),
            commander: "Ada".into(),
            next_update: "14:30 UTC".into(),
            link: "https://muster.example/incidents/42".into(),
            drill: false,
        }
    }

    #[test]
    fn the_builtin_templates_say_what_matters() {
        let internal = render(builtin(DEFAULT_INTERNAL).unwrap(), &fields()).unwrap();
        assert_eq!(
            internal,
            "INC-42 SEV1 investigating: Customers cannot sign in\nImpact: All logins fail\n\
             Commander: Ada\nNext update by 14:30 UTC.\nhttps://muster.example/incidents/42"
        );
        let drill = UpdateFields {
            drill: true,
            commander: String::new(),
            ..fields()
        };
        assert!(
            render(builtin(DEFAULT_INTERNAL).unwrap(), &drill)
                .unwrap()
                .starts_with("[DRILL] INC-42")
        );
        let status = render(builtin(DEFAULT_STATUS).unwrap(), &fields()).unwrap();
        assert_eq!(
            status,
            "We are investigating reports of problems: Customers cannot sign in. All logins fail"
        );
        assert_eq!(builtin_names().count(), 2);
    }

    #[test]
    fn broken_templates_and_unknown_fields_are_errors_with_their_line() {
        let error = render("Line one\n{% if %}", &fields()).unwrap_err();
        assert!(error.contains("line 2"), "{error}");
        let error = render("{{ incident }} {{ sevrity }}", &fields()).unwrap_err();
        assert!(error.contains("undefined"), "{error}");
        assert_eq!(render("{{ incident }}", &fields()).unwrap(), "INC-42");
    }
}
