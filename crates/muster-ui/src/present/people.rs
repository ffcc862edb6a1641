//! People: the list, a person's page and their profile form.

use muster_core::{ContactKind, ContactMethod, User, UserRole};

use super::short_time;
use crate::view::{ContactView, OptionView, UserForm, UserRow, UserView};

/// A person's page; by id, which never changes (an email may).
pub fn user_href(user: &User) -> String {
    format!("/people/{}", user.id)
}

pub(super) fn kind_label(kind: ContactKind) -> &'static str {
    match kind {
        ContactKind::Email => "Email",
        ContactKind::Sms => "SMS",
        ContactKind::Voice => "Voice call",
        ContactKind::Push => "Push",
        ContactKind::Chat => "Chat",
    }
}

fn role_label(role: UserRole) -> &'static str {
    match role {
        UserRole::Admin => "Admin",
        UserRole::Responder => "Responder",
        UserRole::Viewer => "Viewer",
    }
}

/// Active people first, each group by name.
pub fn user_rows(users: &[User]) -> Vec<UserRow> {
    let mut rows: Vec<UserRow> = users
        .iter()
        .map(|user| UserRow {
            href: user_href(user),
            name: user.name.clone(),
            email: user.email.clone(),
            role: role_label(user.role).to_owned(),
            time_zone: user.time_zone.clone(),
            contact_count: user.contact_methods.len(),
            active: user.is_active(),
        })
        .collect();
    rows.sort_by(|a, b| {
        (!a.active, a.name.to_lowercase(), &a.email).cmp(&(
            !b.active,
            b.name.to_lowercase(),
            &b.email,
        ))
    });
    rows
}

pub fn user_view(user: &User) -> UserView {
    UserView {
        href: user_href(user),
        name: user.name.clone(),
        email: user.email.clone(),
        role: role_label(user.role).to_owned(),
        time_zone: user.time_zone.clone(),
        created_at: short_time(user.created_at),
        deactivated_at: user.deactivated_at.map(short_time),
        contact_methods: user
            .contact_methods
            .iter()
            .map(|m| ContactView {
                kind: kind_label(m.kind).to_owned(),
                address: m.address.clone(),
                label: m.label.clone(),
            })
            .collect(),
    }
}

/// The contact methods as the form's text: one `kind:address label` per line.
pub fn contact_lines(methods: &[ContactMethod]) -> String {
    methods
        .iter()
        .map(|m| {
            if m.label.is_empty() {
                format!("{}:{}", m.kind, m.address)
            } else {
                format!("{}:{} {}", m.kind, m.address, m.label)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn user_form(user: &User) -> UserForm {
    UserForm {
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role.as_str().to_owned(),
        time_zone: user.time_zone.clone(),
        contact_methods: contact_lines(&user.contact_methods),
    }
}

pub fn role_options(selected: &str) -> Vec<OptionView> {
    UserRole::ALL
        .into_iter()
        .map(|role| OptionView {
            value: role.as_str().to_owned(),
            label: role_label(role).to_owned(),
            title: String::new(),
            selected: role.as_str() == selected,
        })
        .collect()
}
