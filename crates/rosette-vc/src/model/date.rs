//! XML Schema `dateTime` values, as VC 2.0 `validFrom`/`validUntil` and proof `created` use.
//!
//! VC 2.0 §Representing Time: a value without a time zone offset is read as UTC.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Parses an XML Schema 1.1 `dateTimeStamp`, the grammar VC 2.0 gives for `validFrom`,
/// `validUntil` and proof `created` (§Representing Time):
///
/// ```text
/// -?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])
/// T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))
/// (Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))
/// ```
///
/// with the day within its month, `24:00:00` as the first instant of the next day, and years
/// of more than four digits (past chrono's range, the latest or earliest instant it holds). A
/// value without an offset is read as UTC, as VC 2.0 says a verifier must ("time values that
/// are incorrectly serialized without an offset MUST be interpreted as UTC"). Everything else
/// is `None`: a lower-case `z` or `t`, a leap second (`:60`), a date alone, a space.
pub fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    let mut p = Lexer(text.as_bytes());
    let negative = p.eat(b'-');
    let year_digits = p.digits();
    if year_digits.len() < 4 || (year_digits.len() > 4 && year_digits[0] == b'0') {
        return None;
    }
    let year = number(year_digits).map(|y| if negative { -y } else { y });
    p.expect(b'-')?;
    let month = p.two_digits()?;
    p.expect(b'-')?;
    let day = p.two_digits()?;
    p.expect(b'T')?;
    let hour = p.two_digits()?;
    p.expect(b':')?;
    let minute = p.two_digits()?;
    p.expect(b':')?;
    let second = p.two_digits()?;
    let fraction = if p.eat(b'.') {
        let digits = p.digits();
        if digits.is_empty() {
            return None;
        }
        Some(digits)
    } else {
        None
    };
    let offset_minutes = match p.next() {
        None => 0,
        Some(b'Z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let h = p.two_digits()?;
            p.expect(b':')?;
            let m = p.two_digits()?;
            if !(h <= 13 && m <= 59 || h == 14 && m == 0) {
                return None;
            }
            let minutes = i64::from(h) * 60 + i64::from(m);
            if sign == b'-' { -minutes } else { minutes }
        }
        Some(_) => return None,
    };
    if !p.0.is_empty() || !(1..=12).contains(&month) || day == 0 || minute > 59 || second > 59 {
        return None;
    }
    let end_of_day = hour == 24;
    if end_of_day && (minute != 0 || second != 0 || fraction.is_some_and(|f| f.iter().any(|&d| d != b'0'))) {
        return None;
    }
    if hour > 24 {
        return None;
    }
    let nanos = fraction.map_or(0, |f| {
        // Nanosecond precision; further digits are dropped.
        f.iter().chain(std::iter::repeat(&b'0')).take(9).fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    });
    // A year chrono cannot hold is still a valid value: the far past or future.
    let Some(year) = year.filter(|y| NaiveDate::from_ymd_opt(*y, 1, 1).is_some()) else {
        return Some(if negative { DateTime::<Utc>::MIN_UTC } else { DateTime::<Utc>::MAX_UTC });
    };
    let date = NaiveDate::from_ymd_opt(year, u32::from(month), u32::from(day))?;
    let time =
        NaiveTime::from_hms_nano_opt(u32::from(hour % 24), u32::from(minute), u32::from(second), nanos)?;
    let local = NaiveDateTime::new(date, time) + Duration::days(i64::from(end_of_day));
    let utc = local.checked_sub_signed(Duration::minutes(offset_minutes))?;
    Some(utc.and_utc())
}

/// The bytes of a value being read, front first.
struct Lexer<'a>(&'a [u8]);

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.0.first() == Some(&byte);
        if hit {
            self.0 = &self.0[1..];
        }
        hit
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    fn digits(&mut self) -> &'a [u8] {
        let n = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        let (digits, rest) = self.0.split_at(n);
        self.0 = rest;
        digits
    }

    fn two_digits(&mut self) -> Option<u8> {
        match self.0 {
            [a, b, rest @ ..] if a.is_ascii_digit() && b.is_ascii_digit() => {
                self.0 = rest;
                Some((a - b'0') * 10 + (b - b'0'))
            }
            _ => None,
        }
    }
}

/// A run of ASCII digits as a number, `None` past `i32`.
fn number(digits: &[u8]) -> Option<i32> {
    digits.iter().try_fold(0i32, |n, d| n.checked_mul(10)?.checked_add(i32::from(d - b'0')))
}

/// Formats an instant the way rosette writes dates into credentials: `2024-01-31T12:00:00Z`.
pub fn format_date_time(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grammar's edge cases (issue #19), from the table the badge page's check is tested
    /// against too: each value, and the UTC instant it is or `None`.
    #[test]
    fn follows_the_date_time_stamp_grammar() {
        #[derive(serde::Deserialize)]
        struct Table {
            cases: Vec<(String, Option<String>)>,
        }
        let table: Table =
            serde_json::from_str(include_str!("../../../../tests/fixtures/date-times.json")).expect("table");
        assert!(table.cases.len() >= 30);
        let cases: Vec<(&str, Option<&str>)> =
            table.cases.iter().map(|(t, u)| (t.as_str(), u.as_deref())).collect();
        for (text, utc) in cases {
            let got = parse_date_time(text).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            assert_eq!(got.as_deref(), utc, "{text:?}");
        }
    }

    #[test]
    fn years_past_chronos_range_are_the_far_future_or_past() {
        assert_eq!(parse_date_time("999999999-01-01T00:00:00Z"), Some(DateTime::<Utc>::MAX_UTC));
        assert_eq!(parse_date_time("-999999999-01-01T00:00:00Z"), Some(DateTime::<Utc>::MIN_UTC));
    }

    #[test]
    fn fractions_keep_nanoseconds() {
        let d = parse_date_time("2024-01-31T23:30:00.123456789Z").expect("parses");
        assert_eq!(d.timestamp_subsec_nanos(), 123_456_789);
    }
}
