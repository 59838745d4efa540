//! XML Schema `dateTime` values, as VC 2.0 `validFrom`/`validUntil` and proof `created` use.
//!
//! VC 2.0 §Representing Time: a value without a time zone offset is read as UTC.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Parses an XML Schema 1.1 `dateTime` (`2024-01-31T23:30:00-05:00`, `…Z`, fractional
/// seconds, or no offset = UTC). Returns `None` for anything else, including date-only values.
pub fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    // The lexical form is strict: four-digit year, `T`, two-digit fields.
    if bytes.len() < 19 || bytes.get(10) != Some(&b'T') || bytes.get(4) != Some(&b'-') {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    // RFC 3339 wants an offset; XML Schema does not (lower-case `z` is not XML Schema).
    if text.ends_with(['z', 'Z']) {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc())
}

/// Formats an instant the way rosette writes dates into credentials: `2024-01-31T12:00:00Z`.
pub fn format_date_time(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_xml_schema_date_times() {
        let cases = [
            ("2024-01-31T23:30:00-05:00", "2024-02-01T04:30:00Z"),
            ("2024-01-31T23:30:00Z", "2024-01-31T23:30:00Z"),
            ("2024-01-31T23:30:00.123Z", "2024-01-31T23:30:00Z"),
            ("2024-01-31T23:30:00", "2024-01-31T23:30:00Z"),
        ];
        for (input, utc) in cases {
            let parsed = parse_date_time(input).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(format_date_time(parsed), utc, "{input}");
        }
    }

    #[test]
    fn refuses_other_forms() {
        for bad in ["2024-01-31", "31/01/2024", "2024-01-31 23:30:00Z", "", "2024-13-01T00:00:00Z"] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
    }
}
