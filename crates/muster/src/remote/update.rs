//! `muster update send INC-42 --template sev1-internal [--preview]`: an
//! update written from a template and sent to the stakeholder groups whose
//! policy wants news now; `--preview` shows the words and who would get
//! them, and sends nothing. `muster update publish INC-42 --status
//! identified --component payments=major_outage --message "…"` does the
//! same for the public status page and its subscribers.

use clap::Subcommand;
use muster_api_types::status_page::{ComponentImpact, PublishStatusUpdate, StatusPublished};
use muster_api_types::updates::{SendUpdate, UpdateSent};

use super::output::{hint, print_json, print_text};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(Subcommand, Debug)]
pub enum UpdateCommand {
    /// Write an update from a template and send it (or preview it).
    Send {
        /// INC-42.
        incident: String,
        /// An UpdateTemplate of the plan, or `internal`; the severity's
        /// default when left out.
        #[arg(long)]
        template: Option<String>,
        /// Show the text and who would get it; send nothing.
        #[arg(long)]
        preview: bool,
    },
    /// Publish an update of the incident on the public status page (or preview it).
    Publish {
        /// INC-42.
        incident: String,
        /// investigating, identified, monitoring, resolved or postmortem.
        #[arg(long)]
        status: String,
        /// What customers read; the plan's `status-page` template when left out.
        #[arg(long)]
        message: Option<String>,
        /// An UpdateTemplate of the plan to write the message from.
        #[arg(long, conflicts_with = "message")]
        template: Option<String>,
        /// COMPONENT=STATUS, e.g. payments=major_outage; repeat for each.
        #[arg(long = "component", value_parser = parse_component)]
        components: Vec<ComponentImpact>,
        /// The public name (the incident's title on its first update).
        #[arg(long)]
        name: Option<String>,
        /// none, minor, major or critical; else the worst of the components.
        #[arg(long)]
        impact: Option<String>,
        /// Show what would be published; publish nothing.
        #[arg(long)]
        preview: bool,
    },
}

fn parse_component(raw: &str) -> Result<ComponentImpact, String> {
    match raw.split_once('=') {
        Some((component, status)) if !component.trim().is_empty() && !status.trim().is_empty() => {
            Ok(ComponentImpact {
                component: component.trim().to_owned(),
                status: status.trim().to_owned(),
            })
        }
        _ => Err(format!(
            "expected COMPONENT=STATUS like payments=major_outage, got {raw:?}"
        )),
    }
}

pub(crate) async fn run(cmd: UpdateCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    match cmd {
        UpdateCommand::Send {
            incident,
            template,
            preview,
        } => {
            let sent = client
                .send_update(&incident, &SendUpdate { template, preview })
                .await?;
            if opts.output == OutputFormat::Json {
                return print_json(&sent);
            }
            print_text(&format!("{}\n", text(&sent)))?;
            if sent.preview {
                hint("a preview: nothing was sent. Run again without --preview to send it.");
            }
            Ok(())
        }
        UpdateCommand::Publish {
            incident,
            status,
            message,
            template,
            components,
            name,
            impact,
            preview,
        } => {
            let published = client
                .publish_status(
                    &incident,
                    &PublishStatusUpdate {
                        status,
                        body: message,
                        template,
                        components,
                        name,
                        impact,
                        preview,
                    },
                )
                .await?;
            if opts.output == OutputFormat::Json {
                return print_json(&published);
            }
            print_text(&format!("{}\n", published_text(&published)))?;
            if published.preview {
                hint(
                    "a preview: nothing was published. Run again without --preview to publish it.",
                );
            }
            Ok(())
        }
    }
}

fn published_text(published: &StatusPublished) -> String {
    let incident = &published.incident;
    let mut out = format!(
        "{} · {} · impact {}\n",
        incident.name, incident.status, incident.impact
    );
    if let Some(update) = incident.updates.last() {
        out.push_str(&format!("\n{}\n", update.body));
        if !update.components.is_empty() {
            let named: Vec<String> = update
                .components
                .iter()
                .map(|c| format!("{} {}", c.component, c.status))
                .collect();
            out.push_str(&format!("\nComponents: {}\n", named.join(", ")));
        }
    }
    if published.preview {
        out.push_str("\nWould be published on the status page.");
    } else {
        out.push_str(&format!(
            "\nPublished; {} subscribers told.",
            published.notified
        ));
    }
    out
}

fn text(sent: &UpdateSent) -> String {
    let mut out = format!("Template: {}\n\n{}\n\n", sent.template, sent.text);
    let verb = if sent.preview {
        "Would go to"
    } else {
        "Sent to"
    };
    if sent.sent_to.is_empty() {
        out.push_str(&format!("{verb}: no stakeholder group wants news now.\n"));
    } else {
        out.push_str(&format!(
            "{verb}: {} ({} messages)\n",
            sent.sent_to.join(", "),
            sent.messages
        ));
    }
    for skipped in &sent.skipped {
        out.push_str(&format!("Not now: {skipped}\n"));
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_says_who_would_hear_and_who_not() {
        let sent = UpdateSent {
            template: "sev1-internal".into(),
            text: "INC-4 (SEV1) is investigating".into(),
            preview: true,
            sent_to: vec!["leadership".into(), "marketing".into()],
            skipped: vec!["legal: reads the next-business-morning digest instead".into()],
            messages: 4,
        };
        let shown = text(&sent);
        assert!(shown.contains("Template: sev1-internal"), "{shown}");
        assert!(shown.contains("INC-4 (SEV1) is investigating"), "{shown}");
        assert!(
            shown.contains("Would go to: leadership, marketing (4 messages)"),
            "{shown}"
        );
        assert!(shown.contains("Not now: legal: reads"), "{shown}");
        let none = UpdateSent {
            preview: false,
            sent_to: vec![],
            skipped: vec![],
            ..sent
        };
        assert!(text(&none).contains("Sent to: no stakeholder group"));
    }
}
