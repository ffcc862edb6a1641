//! How a user can be reached: the contact methods paging will notify.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::error::FieldError;
use crate::text;

/// At most this many contact methods per user; more is a mistake, not a need.
pub const CONTACT_METHODS_MAX: usize = 20;
/// Longest push or chat address (a device token or a chat handle / webhook URL).
pub const OPAQUE_ADDRESS_MAX: usize = 500;
/// Longest label, e.g. "Work phone".
pub const LABEL_MAX: usize = 100;

/// The channel a contact method reaches a person through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContactKind {
    Email,
    /// Text message to a phone number.
    Sms,
    /// Phone call to a phone number.
    Voice,
    /// Push notification to a device.
    Push,
    /// Direct message in a chat system.
    Chat,
}

impl ContactKind {
    pub const ALL: [ContactKind; 5] = [Self::Email, Self::Sms, Self::Voice, Self::Push, Self::Chat];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Voice => "voice",
            Self::Push => "push",
            Self::Chat => "chat",
        }
    }
}

impl fmt::Display for ContactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContactKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                format!("unknown contact kind {s:?}; expected email, sms, voice, push or chat")
            })
    }
}

/// One validated way to reach a user. A user's methods are ordered: paging
/// tries them in the order the user chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactMethod {
    pub kind: ContactKind,
    /// Normalised: a lowercase email, an E.164 number, or the opaque push/chat address.
    pub address: String,
    /// The user's own name for it; may be empty.
    pub label: String,
}

/// A contact method as typed, before validation. The kind stays text so that an
/// unknown kind is reported under its own field like every other mistake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactMethodDraft {
    pub kind: String,
    pub address: String,
    pub label: String,
}

/// Validates a whole list of contact methods, reporting every problem with
/// its field named `contact_methods[i].kind|address|label`.
pub fn contact_methods(
    drafts: &[ContactMethodDraft],
) -> Result<Vec<ContactMethod>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if drafts.len() > CONTACT_METHODS_MAX {
        errors.push(FieldError::new(
            "contact_methods",
            format!(
                "at most {CONTACT_METHODS_MAX} contact methods, got {}",
                drafts.len()
            ),
        ));
    }
    let mut methods = Vec::with_capacity(drafts.len());
    let mut seen = HashSet::new();
    for (index, draft) in drafts.iter().enumerate() {
        let field = |name: &str| format!("contact_methods[{index}].{name}");
        let kind = match draft.kind.parse::<ContactKind>() {
            Ok(kind) => Some(kind),
            Err(message) => {
                errors.push(FieldError::new(field("kind"), message));
                None
            }
        };
        let label = if draft.label.chars().any(char::is_control) {
            errors.push(FieldError::new(
                field("label"),
                "a label is one line of text, without control characters",
            ));
            None
        } else {
            text::bounded(&field("label"), draft.label.trim(), LABEL_MAX)
                .map_err(|e| errors.push(e))
                .ok()
        };
        let Some(kind) = kind else { continue };
        let address = match address(&field("address"), kind, &draft.address) {
            Ok(address) => address,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        if !seen.insert((kind, address.clone())) {
            errors.push(FieldError::new(
                field("address"),
                format!("{kind} {address:?} is listed twice"),
            ));
            continue;
        }
        if let Some(label) = label {
            methods.push(ContactMethod {
                kind,
                address,
                label,
            });
        }
    }
    if errors.is_empty() {
        Ok(methods)
    } else {
        Err(errors)
    }
}

/// Checks and normalises one address for its kind.
pub fn address(field: &str, kind: ContactKind, raw: &str) -> Result<String, FieldError> {
    match kind {
        ContactKind::Email => crate::user::email(field, raw),
        ContactKind::Sms | ContactKind::Voice => phone_number(field, raw),
        ContactKind::Push | ContactKind::Chat => {
            // Device tokens, chat handles and URLs never contain spaces; one
            // that does was mistyped, and would not survive being listed as
            // `kind:address label` in the console's form.
            let address = text::required(field, raw, OPAQUE_ADDRESS_MAX)?;
            if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(FieldError::new(
                    field,
                    format!("a {kind} address has no spaces or control characters, got {raw:?}"),
                ));
            }
            Ok(address)
        }
    }
}

/// An E.164 number: `+`, then 8-15 digits. Spaces, dashes, dots and
/// parentheses are dropped first, because people copy numbers formatted.
pub fn phone_number(field: &str, raw: &str) -> Result<String, FieldError> {
    let number: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let valid = number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
    });
    if valid {
        Ok(number)
    } else {
        Err(FieldError::new(
            field,
            format!("expected a phone number in E.164 form like +14155550123, got {raw:?}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_addresses_and_labels_are_one_clean_line() {
        let draft = |kind: &str, address: &str, label: &str| ContactMethodDraft {
            kind: kind.into(),
            address: address.into(),
            label: label.into(),
        };
        for bad in ["@ada smith", "tok\nen", "a\tb"] {
            let errors = contact_methods(&[draft("chat", bad, "")]).expect_err(bad);
            assert_eq!(errors[0].field, "contact_methods[0].address", "{bad:?}");
        }
        let errors = contact_methods(&[draft("push", "token", "my\nphone")]).expect_err("label");
        assert_eq!(errors[0].field, "contact_methods[0].label");
        assert!(contact_methods(&[draft("chat", " @ada ", "Slack DM")]).is_ok());
    }

    fn draft(kind: &str, address: &str) -> ContactMethodDraft {
        ContactMethodDraft {
            kind: kind.into(),
            address: address.into(),
            label: String::new(),
        }
    }

    fn fields(result: Result<Vec<ContactMethod>, Vec<FieldError>>) -> Vec<String> {
        result
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn addresses_are_normalised_and_order_is_kept() {
        let methods = contact_methods(&[
            ContactMethodDraft {
                label: " Work ".into(),
                ..draft("SMS", "+1 (415) 555-0123")
            },
            draft("email", "Ada@Example.com"),
            draft("push", "device-token"),
            draft("chat", "@ada"),
            draft("voice", "+14155550123"),
        ])
        .expect("valid");
        let pairs: Vec<_> = methods
            .iter()
            .map(|m| (m.kind.as_str(), m.address.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("sms", "+14155550123"),
                ("email", "ada@example.com"),
                ("push", "device-token"),
                ("chat", "@ada"),
                ("voice", "+14155550123"),
            ],
            "sms and voice to one number are two methods"
        );
        assert_eq!(methods[0].label, "Work");
    }

    #[test]
    fn phone_numbers_must_be_e164() {
        for bad in [
            "",
            "4155550123",
            "+1234567",
            "+1234567890123456",
            "+1415555012a",
        ] {
            assert!(phone_number("p", bad).is_err(), "{bad}");
        }
        assert!(phone_number("p", "+12345678").is_ok());
        assert!(phone_number("p", "+123456789012345").is_ok());
    }

    #[test]
    fn every_problem_names_its_field() {
        assert_eq!(
            fields(contact_methods(&[
                draft("email", "ada@example.com"),
                draft("sms", "555"),
                draft("pager", "x"),
                draft("push", "  "),
                draft("email", "ADA@example.com"),
                draft("chat", &"x".repeat(OPAQUE_ADDRESS_MAX + 1)),
            ])),
            [
                "contact_methods[1].address",
                "contact_methods[2].kind",
                "contact_methods[3].address",
                "contact_methods[4].address",
                "contact_methods[5].address",
            ]
        );
        let long_label = ContactMethodDraft {
            label: "l".repeat(LABEL_MAX + 1),
            ..draft("chat", "@ada")
        };
        assert_eq!(
            fields(contact_methods(&[long_label])),
            ["contact_methods[0].label"]
        );
    }

    #[test]
    fn at_most_twenty_methods() {
        let many: Vec<_> = (0..=CONTACT_METHODS_MAX)
            .map(|i| draft("chat", &format!("@user{i}")))
            .collect();
        assert_eq!(fields(contact_methods(&many)), ["contact_methods"]);
        assert!(contact_methods(&many[..CONTACT_METHODS_MAX]).is_ok());
    }
}
