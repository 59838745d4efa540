//! Strict JSON for signed documents: UTF-8 only, no duplicate keys, bounded nesting.
//!
//! serde_json keeps the last of two equal keys, other parsers keep the first or fail: a signed
//! credential with a duplicate key means different things to different verifiers, so it is
//! refused (RFC 8259 §4 leaves the behaviour undefined; RFC 8785 §3.1 and I-JSON, RFC 7493
//! §2.3, forbid it). Nesting is checked by a flat scan before parsing, so a hostile file nested
//! 100,000 deep gets a clear error instead of serde_json's "recursion limit exceeded" or a
//! stack overflow further down the pipeline.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The deepest nesting anyone may configure: serde_json itself stops at 128, and the JSON-LD
/// processor recurses once per level.
pub const MAX_DEPTH_CEILING: usize = 120;

/// Why bytes are not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// The text is not JSON (RFC 8259), or has something after the value.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// The line of the error, from 1.
        line: usize,
        /// The column of the error, from 1.
        column: usize,
        /// What serde_json says is wrong, without its position.
        message: String,
    },
    /// The bytes are not UTF-8, the only encoding JSON may be exchanged in (RFC 8259 §8.1).
    #[error("the file is not valid UTF-8: invalid byte at offset {offset} (line {line})")]
    NotUtf8 {
        /// The offset of the first invalid byte.
        offset: usize,
        /// The line it is on, from 1.
        line: usize,
    },
    /// An object has the same key twice.
    #[error(
        "duplicate key `{key}` at line {line}, column {column}: a signed document with two equal keys means different things to different verifiers"
    )]
    DuplicateKey {
        /// The key, escaped and cut to 60 characters.
        key: String,
        /// The line of its second occurrence, from 1.
        line: usize,
        /// The column of its second occurrence, from 1.
        column: usize,
    },
    /// Arrays and objects nest deeper than the limit.
    #[error(
        "JSON nested deeper than {max} levels at line {line}, column {column} (the limit is `max_json_depth` in rosette.toml's [limits])"
    )]
    TooDeep {
        /// The limit: the one asked for, at most [`MAX_DEPTH_CEILING`].
        max: usize,
        /// The line of the first `[` or `{` beyond it, from 1.
        line: usize,
        /// Its column, from 1.
        column: usize,
    },
}

/// Parses `bytes` as strict JSON with at most `max_depth` levels of arrays and objects.
pub fn parse(bytes: &[u8], max_depth: usize) -> Result<Value, JsonError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        JsonError::NotUtf8 { offset, line }
    })?;
    check_depth(text, max_depth.min(MAX_DEPTH_CEILING))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = StrictValue.deserialize(&mut de).and_then(|v| de.end().map(|()| v)).map_err(|e| {
        let message = message_without_position(&e);
        match message.strip_prefix(DUPLICATE) {
            Some(key) => DuplicateKey { key: key.to_string(), line: e.line(), column: e.column() }.into(),
            None => JsonError::Syntax { line: e.line(), column: e.column(), message },
        }
    })?;
    Ok(value)
}

struct DuplicateKey {
    key: String,
    line: usize,
    column: usize,
}

impl From<DuplicateKey> for JsonError {
    fn from(d: DuplicateKey) -> Self {
        // Keys can be long and hostile: show them escaped and shortened.
        let mut key: String = d.key.chars().take(60).collect::<String>().escape_debug().to_string();
        if d.key.chars().count() > 60 {
            key.push('…');
        }
        JsonError::DuplicateKey { key, line: d.line, column: d.column }
    }
}

/// Marks our own error among serde_json's messages.
const DUPLICATE: &str = "rosette-duplicate-key:";

/// Counts `[`/`{` outside strings; fails at the first one beyond `max`.
fn check_depth(text: &str, max: usize) -> Result<(), JsonError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    let (line, column) = line_column(text, i);
                    return Err(JsonError::TooDeep { max, line, column });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn message_without_position(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

/// Builds a `serde_json::Value`, failing on the second occurrence of a key in an object.
struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{key}")));
            }
            let value = map.next_value_seed(StrictValue)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// 1-based line and column (in characters) of byte offset `at`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut end = at.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_json_parses_exactly_as_serde_json_does() {
        let text = r#"{"a": [1, 2.5, -3, true, null, "x\"y"], "b": {"c": {}}, "big": 18446744073709551615}"#;
        let want: Value = serde_json::from_str(text).expect("json");
        assert_eq!(parse(text.as_bytes(), 64), Ok(want));
    }

    #[test]
    fn duplicate_keys_are_named_with_their_position() {
        let err = parse(b"{\n  \"name\": \"Alice\",\n  \"name\": \"Mallory\"\n}", 64).expect_err("dup");
        assert_eq!(err, JsonError::DuplicateKey { key: "name".into(), line: 3, column: 8 }, "{err}");
        // Nested objects too; equal keys in different objects are fine.
        assert!(parse(br#"{"a": {"b": 1}, "c": {"b": 2}}"#, 64).is_ok());
        let err = parse(br#"{"a": [{"b": 1, "b": 1}]}"#, 64).expect_err("nested dup");
        assert!(matches!(err, JsonError::DuplicateKey { ref key, .. } if key == "b"), "{err}");
        // Escapes that spell the same key are the same key.
        assert!(parse(br#"{"a": 1, "\u0061": 2}"#, 64).is_err());
    }

    #[test]
    fn invalid_utf8_names_the_byte_offset() {
        let err = parse(b"{\"a\":\n \"\xff\"}", 64).expect_err("utf8");
        assert_eq!(err, JsonError::NotUtf8 { offset: 8, line: 2 });
        assert_eq!(err.to_string(), "the file is not valid UTF-8: invalid byte at offset 8 (line 2)");
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_clearly() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse(deep.as_bytes(), 64).expect_err("deep");
        assert_eq!(err, JsonError::TooDeep { max: 64, line: 1, column: 65 });
        assert!(err.to_string().contains("max_json_depth"), "{err}");
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(ok.as_bytes(), 64).is_ok());
        // Brackets inside strings do not count.
        assert!(parse(br#"{"a": "[[[[[[[[[[\"[[[["}"#, 2).is_ok());
        // The ceiling holds whatever is configured.
        let over = format!("{}{}", "[".repeat(MAX_DEPTH_CEILING + 1), "]".repeat(MAX_DEPTH_CEILING + 1));
        assert!(matches!(parse(over.as_bytes(), usize::MAX), Err(JsonError::TooDeep { .. })));
    }

    #[test]
    fn syntax_errors_keep_line_and_column() {
        let err = parse(b"{\n  \"a\": 1,\n  \"b\" 2\n}", 64).expect_err("bad");
        assert_eq!(err.to_string(), "invalid JSON at line 3, column 7: expected `:`");
        let err = parse(b"{} x", 64).expect_err("trailing");
        assert_eq!(err.to_string(), "invalid JSON at line 1, column 4: trailing characters");
    }
}
