//! [RFC 8785](https://www.rfc-editor.org/rfc/rfc8785): the JSON Canonicalization Scheme (JCS),
//! through `serde_json_canonicalizer`.

use serde_json::Value;

use super::CanonError;

/// The RFC 8785 canonical text of `value`
/// ([§3.2](https://www.rfc-editor.org/rfc/rfc8785#section-3.2)): no whitespace, object members
/// sorted by the UTF-16 code units of their names
/// ([§3.2.3](https://www.rfc-editor.org/rfc/rfc8785#section-3.2.3)), strings with the minimal
/// escapes and numbers written as ECMAScript writes an IEEE-754 double
/// ([§3.2.2](https://www.rfc-editor.org/rfc/rfc8785#section-3.2.2)).
///
/// RFC 8785 canonicalizes I-JSON: an integer beyond ±2^53 is written as the nearest double, as
/// JavaScript would (`18446744073709551615` → `18446744073709552000`). Duplicate member names are
/// already gone once the text is a [`Value`]: rejecting them is the parser's job.
///
/// # Errors
/// [`CanonError::Json`] if the canonicalizer refuses a number; a `Value` built by `serde_json`
/// holds only finite numbers, so in practice this does not fail.
pub fn jcs(value: &Value) -> Result<String, CanonError> {
    serde_json_canonicalizer::to_string(value).map_err(CanonError::Json)
}

/// [`jcs`] as UTF-8 bytes, ready to hash.
///
/// # Errors
/// As [`jcs`].
pub fn jcs_bytes(value: &Value) -> Result<Vec<u8>, CanonError> {
    serde_json_canonicalizer::to_vec(value).map_err(CanonError::Json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(text: &str) -> String {
        jcs(&serde_json::from_str(text).expect("test JSON parses")).expect("canonicalizes")
    }

    #[test]
    fn whitespace_goes_and_members_are_sorted_recursively() {
        assert_eq!(
            canon(r#"{ "b": [ 3, { "z": 1, "a": 2 } ], "a": "x" }"#),
            r#"{"a":"x","b":[3,{"a":2,"z":1}]}"#
        );
    }

    #[test]
    fn member_names_sort_by_utf16_code_units_not_code_points() {
        // U+1F602 is the surrogate pair D83D DE02, which sorts before U+FB33 in UTF-16
        // although its code point is larger (RFC 8785 §3.2.3).
        assert_eq!(
            canon(r#"{"\ufb33": 2, "\ud83d\ude02": 1, "\u00f6": 0}"#),
            "{\"\u{f6}\":0,\"\u{1F602}\":1,\"\u{FB33}\":2}"
        );
    }

    #[test]
    fn strings_use_minimal_escapes() {
        assert_eq!(
            canon(r#""\u20ac\u0024\u000f\u000aA\u0027\u0042\u0022\u005c\\\"\/""#),
            "\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\""
        );
    }

    /// RFC 8785 Appendix B: IEEE-754 bits → canonical number text (checked against node's
    /// `JSON.stringify` as well).
    #[test]
    fn numbers_follow_rfc8785_appendix_b() {
        let table: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        let mut failures = Vec::new();
        for &(bits, expected) in table {
            let value = json!(f64::from_bits(bits));
            let got = jcs(&value).expect("finite numbers canonicalize");
            if got != expected {
                failures.push(format!("{bits:016x}: expected {expected}, got {got}"));
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn integers_are_written_as_doubles() {
        assert_eq!(canon("[1.0, 1e2, -0, 18446744073709551615]"), "[1,100,0,18446744073709552000]");
    }

    #[test]
    fn bytes_equal_text() {
        let value = json!({"b": "é", "a": [true, null, 0.5]});
        let text = jcs(&value).expect("text");
        assert_eq!(jcs_bytes(&value).expect("bytes"), text.as_bytes());
        assert_eq!(text, "{\"a\":[true,null,0.5],\"b\":\"é\"}");
    }
}
