//! `muster update send INC-42 --template sev1-internal [--preview]`: an
//! update written from a template and sent to the stakeholder groups whose
//! policy wants news now; `--preview` shows the words and who would get
//! them, and sends nothing.

use clap::Subcommand;
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
    }
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
