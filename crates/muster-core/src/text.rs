//! Limits on free text, so one request cannot store megabytes in a title.

use crate::error::FieldError;

pub const TITLE_MAX: usize = 200;
pub const LONG_TEXT_MAX: usize = 20_000;
pub const TAG_MAX: usize = 64;
pub const TAGS_MAX: usize = 32;

/// Trims `value` and checks it is non-empty and at most `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    bounded(field, trimmed, max)
}

/// Checks `value` is at most `max` characters; keeps inner whitespace as typed.
pub fn bounded(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let count = value.chars().count();
    if count > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters, got {count}"),
        ));
    }
    Ok(value.to_owned())
}

/// Normalises tags: trimmed, lowercase, de-duplicated, sorted; `key:value` allowed.
pub fn tags(field: &str, raw: &[String]) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > TAG_MAX {
            return Err(FieldError::new(
                field,
                format!("each tag must be 1-{TAG_MAX} characters, got {tag:?}"),
            ));
        }
        if !tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.' | '/'))
        {
            return Err(FieldError::new(
                field,
                format!("tags may hold letters, digits and - _ : . / only, got {tag:?}"),
            ));
        }
        tags.push(tag);
    }
    tags.sort();
    tags.dedup();
    if tags.len() > TAGS_MAX {
        return Err(FieldError::new(
            field,
            format!("at most {TAGS_MAX} tags, got {}", tags.len()),
        ));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("title", "  Down  ", 10).unwrap(), "Down");
        assert!(required("title", "   ", 10).is_err());
        assert!(required("title", &"x".repeat(11), 10).is_err());
    }

    #[test]
    fn tags_are_normalised() {
        let raw = vec!["DB".into(), " db ".into(), "team:payments".into()];
        assert_eq!(tags("tags", &raw).unwrap(), vec!["db", "team:payments"]);
        assert!(tags("tags", &["bad tag".into()]).is_err());
        assert!(tags("tags", &["".into()]).is_err());
    }
}
