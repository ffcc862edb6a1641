//! Rendering helpers shared by the catalog commands' text output.

use comfy_table::{ContentArrangement, Table, presets};
use muster_api_types::catalog::ImpactedService;

pub(super) fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    // Tests must not wrap to the width of whatever terminal runs them.
    #[cfg(test)]
    table.force_no_tty();
    if !header.is_empty() {
        table.set_header(header.iter().copied());
    }
    table
}

/// comfy-table pads every cell; the right edge of a borderless table is only blanks.
pub(super) fn render(table: &Table) -> String {
    let mut text = String::new();
    for line in table.to_string().lines() {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

pub(super) fn section(text: &mut String, title: &str, table: Option<&Table>) {
    text.push('\n');
    text.push_str(title);
    text.push('\n');
    match table {
        Some(table) => text.push_str(&render(table)),
        None => text.push_str("  none\n"),
    }
}

/// A section of free text, indented, or "none".
pub(super) fn text_section(text: &mut String, title: &str, body: &str) {
    text.push('\n');
    text.push_str(title);
    text.push('\n');
    if body.trim().is_empty() {
        text.push_str("  none\n");
        return;
    }
    for line in body.lines() {
        text.push_str(format!("  {line}").trim_end());
        text.push('\n');
    }
}

/// An entry's name, or its slug when it has none (as the server treats it).
pub(super) fn name_or_slug(name: &str, slug: &str) -> String {
    if name.trim().is_empty() {
        slug.to_owned()
    } else {
        name.to_owned()
    }
}

pub(super) fn or_dash(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() => v.to_owned(),
        _ => "-".to_owned(),
    }
}

/// Criticality as the API says it, with what it means for the thing it describes.
pub(super) fn effect(criticality: &str, hard: &str, soft: &str) -> String {
    match criticality {
        "hard" => format!("hard ({hard})"),
        "soft" => format!("soft ({soft})"),
        other => other.to_owned(),
    }
}

/// `words`: what `hard` and `soft` mean in this table.
pub(super) fn impacted_table(services: &[ImpactedService], words: (&str, &str)) -> Option<Table> {
    (!services.is_empty()).then(|| {
        let mut table = new_table(&["SERVICE", "OWNER", "CRITICALITY", "DISTANCE"]);
        for s in services {
            table.add_row(vec![
                s.service.clone(),
                or_dash(s.owner_team.as_deref()),
                effect(&s.criticality, words.0, words.1),
                s.distance.to_string(),
            ]);
        }
        table
    })
}
