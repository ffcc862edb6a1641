//! Small builders for the schema's pieces.

use serde_json::{Map, Value, json};

use crate::plan::{Kind, PeriodUnit};

/// One property of an object: its key, its schema, and whether the
/// validator requires it.
pub(super) struct Field {
    pub(super) key: &'static str,
    schema: Value,
    required: bool,
}

pub(super) fn field(key: &'static str, required: bool, schema: Value) -> Field {
    Field {
        key,
        schema,
        required,
    }
}

pub(super) fn req(key: &'static str, schema: Value) -> Field {
    field(key, true, schema)
}

pub(super) fn opt(key: &'static str, schema: Value) -> Field {
    field(key, false, schema)
}

/// An object with these fields; optional ones also accept null (see the
/// module docs).
pub(super) fn object(description: &str, fields: Vec<Field>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        if field.required {
            required.push(field.key);
            properties.insert(field.key.to_owned(), field.schema);
        } else {
            properties.insert(field.key.to_owned(), nullable(field.schema));
        }
    }
    let mut schema = json!({
        "description": description,
        "type": "object",
        "properties": properties,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

/// The same schema, also accepting null.
fn nullable(mut schema: Value) -> Value {
    let Some(object) = schema.as_object_mut() else {
        return schema;
    };
    if let Some(Value::Array(words)) = object.get_mut("enum") {
        words.push(Value::Null);
    }
    match object.get_mut("type") {
        Some(Value::String(single)) => {
            let single = std::mem::take(single);
            object.insert("type".into(), json!([single, "null"]));
        }
        Some(Value::Array(types)) => types.push(json!("null")),
        _ => {
            if let Some(target) = object.remove("$ref") {
                object.insert("anyOf".into(), json!([{"$ref": target}, {"type": "null"}]));
            }
        }
    }
    schema
}

/// Adds keywords (`allOf`, `minItems`, …) to an object schema.
pub(super) fn with(mut schema: Value, extra: Value) -> Value {
    if let (Some(schema), Value::Object(extra)) = (schema.as_object_mut(), extra) {
        schema.extend(extra);
    }
    schema
}

pub(super) fn text(description: &str) -> Value {
    json!({"description": description, "type": "string"})
}

pub(super) fn bounded(description: &str, max: usize) -> Value {
    json!({"description": description, "type": "string", "maxLength": max})
}

/// A string naming another document of `kind`.
pub(super) fn reference(kind: Kind, description: &str) -> Value {
    text(&format!("{description} (the name of a {kind})"))
}

pub(super) fn words(description: &str, allowed: &[&str]) -> Value {
    json!({"description": description, "type": "string", "enum": allowed})
}

pub(super) fn integer(description: &str, (minimum, maximum): (i64, i64)) -> Value {
    json!({"description": description, "type": "integer", "minimum": minimum, "maximum": maximum})
}

pub(super) fn list(description: &str, items: Value) -> Value {
    json!({"description": description, "type": "array", "items": items})
}

/// A list the validator wants at least one item in.
pub(super) fn nonempty(description: &str, items: Value) -> Value {
    with(list(description, items), json!({"minItems": 1}))
}

/// A shared definition, with the description of this use of it.
pub(super) fn def(name: &str, description: &str) -> Value {
    json!({"$ref": format!("#/$defs/{name}"), "description": description})
}

/// The key is there as a string with something in it: the validator treats
/// an empty string like a missing key when it counts alternatives.
pub(super) fn present(key: &str) -> Value {
    json!({"required": [key], "properties": {key: {"type": "string", "pattern": "\\S"}}})
}

/// The key is there and not null.
pub(super) fn given(key: &str) -> Value {
    json!({"required": [key], "properties": {key: {"not": {"type": "null"}}}})
}

/// `^<n><unit>$` for a [`Period`] in these units (`n >= 1`, leading zeros
/// allowed as [`Period::parse`] allows them).
pub(super) fn period_pattern(units: &[PeriodUnit]) -> String {
    format!("^{}$", period_core(units))
}

pub(super) fn period_core(units: &[PeriodUnit]) -> String {
    let letters: String = units.iter().map(|unit| unit.suffix()).collect();
    format!("0*[1-9][0-9]*[{letters}]")
}
