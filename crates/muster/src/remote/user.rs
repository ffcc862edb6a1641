//! `muster user ...`: people, their time zone, contact methods and notification rules.

use muster_api_types::{ContactMethod, NewUser, UpdateUser, User};
use muster_core::ContactKind;
use muster_core::contact;

use super::output::{finish, new_table, opt_time, print_json, print_text, section};
use super::rules::{RulesCommand, run_rules};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// List everyone, deactivated users included.
    List,
    /// Show a user with their time zone and contact methods.
    Show {
        /// Email or id.
        user: String,
    },
    /// Create a user (admins only).
    Create {
        email: String,
        /// Display name [default: the part of the email before '@'].
        #[arg(long)]
        name: Option<String>,
        /// admin, responder or viewer [default: responder].
        #[arg(long)]
        role: Option<String>,
        /// IANA time zone, e.g. Europe/Paris [default: UTC].
        #[arg(long, value_name = "TZ")]
        time_zone: Option<String>,
        /// A contact method, as KIND:ADDRESS[:LABEL] (kind: email, sms, voice, push or chat).
        /// Repeat for several; they are tried in the order given.
        #[arg(long = "contact", value_name = "KIND:ADDRESS[:LABEL]", value_parser = parse_contact)]
        contacts: Vec<ContactMethod>,
    },
    /// Change the fields given and keep the others. Everyone may edit their own name, time
    /// zone and contact methods; only admins may edit others, roles and emails.
    Update {
        /// Email or id.
        user: String,
        #[arg(long)]
        name: Option<String>,
        /// A new email address (admins only).
        #[arg(long)]
        email: Option<String>,
        /// admin, responder or viewer (admins only).
        #[arg(long)]
        role: Option<String>,
        /// IANA time zone, e.g. America/New_York.
        #[arg(long, value_name = "TZ")]
        time_zone: Option<String>,
        /// Appends a contact method, as KIND:ADDRESS[:LABEL]; repeatable.
        #[arg(long = "add-contact", value_name = "KIND:ADDRESS[:LABEL]", value_parser = parse_contact)]
        add_contacts: Vec<ContactMethod>,
        /// Removes a contact method, as KIND:ADDRESS; repeatable.
        #[arg(long = "remove-contact", value_name = "KIND:ADDRESS", value_parser = parse_contact_key)]
        remove_contacts: Vec<(ContactKind, String)>,
    },
    /// Deactivate a user (admins only): they can no longer sign in or use their tokens.
    Deactivate {
        /// Email or id.
        user: String,
    },
    /// Show or set a person's notification rules: which contact method is tried how many
    /// minutes after they are paged.
    #[command(subcommand)]
    Rules(RulesCommand),
}

pub(super) async fn run(cmd: UserCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    let (user, headline) = match cmd {
        UserCommand::List => {
            let list = client.list_users().await?;
            return if json {
                print_json(&list)
            } else {
                print_text(&user_list(&list.users))
            };
        }
        UserCommand::Show { user } => (client.get_user(&user).await?, None),
        UserCommand::Create {
            email,
            name,
            role,
            time_zone,
            contacts,
        } => {
            let body = NewUser {
                email,
                name,
                role,
                password: None,
                time_zone,
                contact_methods: contacts,
            };
            let user = client.create_user(&body).await?;
            let headline = format!("User {} created.", user.email);
            (user, Some(headline))
        }
        UserCommand::Update {
            user,
            name,
            email,
            role,
            time_zone,
            add_contacts,
            remove_contacts,
        } => {
            let contact_methods = if add_contacts.is_empty() && remove_contacts.is_empty() {
                None
            } else {
                let current = client.get_user(&user).await?;
                Some(edit_contacts(&current, add_contacts, &remove_contacts)?)
            };
            let body = UpdateUser {
                name,
                email,
                role,
                time_zone,
                contact_methods,
            };
            let user = client.update_user(&user, &body).await?;
            let headline = format!("User {} updated.", user.email);
            (user, Some(headline))
        }
        UserCommand::Deactivate { user } => {
            let user = client.deactivate_user(&user).await?;
            let headline = format!("User {} deactivated.", user.email);
            (user, Some(headline))
        }
        UserCommand::Rules(cmd) => return run_rules(cmd, opts).await,
    };
    if json {
        return print_json(&user);
    }
    match headline {
        Some(headline) => print_text(&format!("{headline}\n\n{}", user_detail(&user))),
        None => print_text(&user_detail(&user)),
    }
}

/// The user's contact methods without `remove`, then `add` appended. A removal
/// that matches nothing is an error: a typo must not look like success.
fn edit_contacts(
    user: &User,
    add: Vec<ContactMethod>,
    remove: &[(ContactKind, String)],
) -> Result<Vec<ContactMethod>, Failure> {
    let mut methods = user.contact_methods.clone();
    for (kind, address) in remove {
        let before = methods.len();
        methods.retain(|m| !(m.kind == kind.as_str() && &m.address == address));
        if methods.len() == before {
            return Err(Failure::not_found(format!(
                "{} has no {kind} contact {address:?}",
                user.email
            )));
        }
    }
    methods.extend(add);
    Ok(methods)
}

/// `KIND:ADDRESS[:LABEL]`. Email and phone addresses never hold ':', so a
/// further ':' starts the label; push and chat addresses may (URLs, handles),
/// so for them everything after the kind is the address.
fn parse_contact(text: &str) -> Result<ContactMethod, String> {
    let (kind, rest) = split_kind(text)?;
    let (address, label) = match kind {
        ContactKind::Email | ContactKind::Sms | ContactKind::Voice => match rest.split_once(':') {
            Some((address, label)) => (address, label),
            None => (rest, ""),
        },
        ContactKind::Push | ContactKind::Chat => (rest, ""),
    };
    if address.trim().is_empty() {
        return Err(format!("the address after '{kind}:' is empty in {text:?}"));
    }
    Ok(ContactMethod {
        kind: kind.to_string(),
        address: address.trim().to_owned(),
        label: label.trim().to_owned(),
    })
}

/// `KIND:ADDRESS`, normalised as the server stores it (so `+1 415 555 0123`
/// finds `+14155550123`).
fn parse_contact_key(text: &str) -> Result<(ContactKind, String), String> {
    let (kind, rest) = split_kind(text)?;
    let address = contact::address("address", kind, rest).map_err(|e| e.message)?;
    Ok((kind, address))
}

fn split_kind(text: &str) -> Result<(ContactKind, &str), String> {
    let Some((kind, rest)) = text.split_once(':') else {
        return Err(format!(
            "expected KIND:ADDRESS with kind email, sms, voice, push or chat, got {text:?}"
        ));
    };
    Ok((kind.parse::<ContactKind>()?, rest))
}

fn status(user: &User) -> String {
    match user.deactivated_at {
        Some(_) => "deactivated".to_owned(),
        None => "active".to_owned(),
    }
}

fn user_list(users: &[User]) -> String {
    if users.is_empty() {
        return "No users.\n".to_owned();
    }
    let mut table = new_table(&["EMAIL", "NAME", "ROLE", "TIME ZONE", "CONTACTS", "STATUS"]);
    for user in users {
        table.add_row(vec![
            user.email.clone(),
            user.name.clone(),
            user.role.clone(),
            user.time_zone.clone(),
            user.contact_methods.len().to_string(),
            status(user),
        ]);
    }
    finish(&table)
}

fn user_detail(user: &User) -> String {
    let mut table = new_table(&[]);
    let mut row = |key: &str, value: String| {
        table.add_row(vec![key.to_owned(), value]);
    };
    row("User", user.email.clone());
    row("Name", user.name.clone());
    row("Role", user.role.clone());
    row("Time zone", user.time_zone.clone());
    row("Status", status(user));
    if user.deactivated_at.is_some() {
        row("Deactivated", opt_time(user.deactivated_at));
    }
    row("Id", user.id.to_string());
    let mut text = finish(&table);
    let contacts = (!user.contact_methods.is_empty()).then(|| {
        let mut table = new_table(&["KIND", "ADDRESS", "LABEL"]);
        for method in &user.contact_methods {
            table.add_row(vec![
                method.kind.clone(),
                method.address.clone(),
                if method.label.is_empty() {
                    "-".to_owned()
                } else {
                    method.label.clone()
                },
            ]);
        }
        table
    });
    section(&mut text, "Contact methods", contacts.as_ref());
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_flags_split_kind_address_and_label() {
        let sms = parse_contact("sms:+14155550123:Work phone").unwrap();
        assert_eq!(
            (sms.kind.as_str(), sms.address.as_str(), sms.label.as_str()),
            ("sms", "+14155550123", "Work phone")
        );
        let chat = parse_contact("chat:https://chat.example/hooks/1").unwrap();
        assert_eq!(chat.address, "https://chat.example/hooks/1");
        assert_eq!(chat.label, "");
        for bad in ["sms", "pager:123", "email:", ":x"] {
            assert!(parse_contact(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_contact_key("voice:+1 415 555 0123").unwrap(),
            (ContactKind::Voice, "+14155550123".to_owned())
        );
    }

    #[test]
    fn removing_a_missing_contact_is_an_error() {
        let user: User = serde_json::from_value(serde_json::json!({
            "id": "00000000-0000-0000-0000-000000000001",
            "email": "ada@example.com",
            "name": "Ada",
            "role": "responder",
            "time_zone": "UTC",
            "contact_methods": [{"kind": "sms", "address": "+14155550123", "label": ""}],
            "created_at": "2026-01-01T00:00:00Z",
            "deactivated_at": null
        }))
        .unwrap();
        let kept = edit_contacts(
            &user,
            vec![parse_contact("email:ada@work.example").unwrap()],
            &[(ContactKind::Sms, "+14155550123".to_owned())],
        )
        .unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].kind, "email");
        assert!(edit_contacts(&user, vec![], &[(ContactKind::Chat, "@ada".to_owned())]).is_err());
    }
}
