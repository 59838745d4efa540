//! [Bitstring Status List v1.0](https://www.w3.org/TR/vc-bitstring-status-list/): revocation
//! and suspension as one bit per credential in a signed, gzip-compressed list.

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde_json::{Map, Value};
use std::io::{Read, Write};

/// The smallest list the spec allows (§Validate: minimumNumberOfEntries), 16 KiB of bits.
pub const MIN_ENTRIES: usize = 131_072;
/// A decoded list larger than this is refused, so a small file cannot inflate into gigabytes.
pub const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;

/// Why a status could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// The `credentialStatus` entry's `type` (the field) is not `BitstringStatusListEntry`, the
    /// only kind rosette reads.
    #[error("`credentialStatus` is not a BitstringStatusListEntry (type `{0}`)")]
    UnsupportedType(String),
    /// The entry has no `statusPurpose`, `statusListIndex` or `statusListCredential` (or not as
    /// a string), or the list no `encodedList`; the field names which.
    #[error("`credentialStatus` has no `{0}`")]
    Missing(&'static str),
    /// `statusListIndex` is not a non-negative base-10 integer written as a string, or
    /// `statusSize` is not an integer from 1 to 8; the field is what was found.
    #[error("`statusListIndex` must be a non-negative integer written as a string, got {0}")]
    BadIndex(String),
    /// `encodedList` does not start with `u`, the multibase prefix of base64url.
    #[error("`encodedList` is not multibase base64url (it must start with `u`)")]
    NotMultibase,
    /// `encodedList`, after its `u`, is not base64url.
    #[error("`encodedList` is not valid base64url")]
    BadBase64,
    /// The decoded `encodedList` is not GZIP data.
    #[error("`encodedList` is not valid gzip data")]
    BadGzip,
    /// `encodedList` inflates to more than [`MAX_LIST_BYTES`], and is refused.
    #[error("`encodedList` expands to more than {MAX_LIST_BYTES} bytes")]
    TooLarge,
    /// An entry (or, for [`Bitstring::set`], a bit) is beyond the end of the list.
    #[error("status list index {index} is beyond the list's {len} entries")]
    OutOfRange {
        /// The index asked for.
        index: u64,
        /// How many entries (or bits) the list holds.
        len: u64,
    },
    /// The list's `statusPurpose` does not include the entry's, so its bits say nothing about
    /// the entry.
    #[error("the status list is for `{list}`, not `{entry}`")]
    PurposeMismatch {
        /// The entry's `statusPurpose`.
        entry: String,
        /// The list's purposes, comma-separated.
        list: String,
    },
    /// The credential at `statusListCredential` is not of type `BitstringStatusListCredential`,
    /// or has no `credentialSubject`.
    #[error("the status list credential is not a BitstringStatusListCredential")]
    NotAList,
}

/// One `credentialStatus` entry of type `BitstringStatusListEntry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// `statusPurpose`: `revocation`, `suspension`, or another purpose the issuer names.
    pub purpose: String,
    /// `statusListIndex`: the entry's position in the list, counted in entries of
    /// [`size`](Self::size) bits.
    pub index: u64,
    /// `statusListCredential`: the URL of the status list credential.
    pub list_url: String,
    /// Bits per entry (`statusSize`, default 1).
    pub size: u32,
}

impl StatusEntry {
    /// Reads a `credentialStatus` entry (Bitstring Status List §BitstringStatusListEntry).
    pub fn parse(entry: &Map<String, Value>) -> Result<Self, StatusError> {
        let kind = entry.get("type").and_then(Value::as_str).unwrap_or_default();
        if kind != "BitstringStatusListEntry" {
            return Err(StatusError::UnsupportedType(kind.to_string()));
        }
        let text = |key: &'static str| {
            entry.get(key).and_then(Value::as_str).map(str::to_string).ok_or(StatusError::Missing(key))
        };
        let raw_index = entry.get("statusListIndex").ok_or(StatusError::Missing("statusListIndex"))?;
        let index = raw_index
            .as_str()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| StatusError::BadIndex(raw_index.to_string()))?;
        let size = match entry.get("statusSize") {
            None => 1,
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=8).contains(n))
                .map(|n| n as u32)
                .ok_or_else(|| StatusError::BadIndex(format!("statusSize {v}")))?,
        };
        Ok(StatusEntry {
            purpose: text("statusPurpose")?,
            index,
            list_url: text("statusListCredential")?,
            size,
        })
    }
}

/// A decoded list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl Bitstring {
    /// An all-zero list of `entries` bits (rounded up to whole bytes).
    pub fn new(entries: usize) -> Self {
        Bitstring { bytes: vec![0; entries.div_ceil(8)] }
    }

    /// The length of the list, in bits.
    pub fn len_bits(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// Bit `i`, where bit 0 is the most significant bit of the first byte (§Bitstring
    /// Encoding).
    pub fn get(&self, i: u64) -> Option<bool> {
        let byte = self.bytes.get(usize::try_from(i / 8).ok()?)?;
        Some((byte >> (7 - (i % 8))) & 1 == 1)
    }

    /// Sets bit `i`, numbered as in [`get`](Self::get), to `value`; a bit beyond the list is
    /// [`StatusError::OutOfRange`].
    pub fn set(&mut self, i: u64, value: bool) -> Result<(), StatusError> {
        let len = self.len_bits();
        let byte = usize::try_from(i / 8)
            .ok()
            .and_then(|b| self.bytes.get_mut(b))
            .ok_or(StatusError::OutOfRange { index: i, len })?;
        let mask = 1u8 << (7 - (i % 8));
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        Ok(())
    }

    /// The status value of entry `index` with `size` bits per entry.
    pub fn status(&self, index: u64, size: u32) -> Result<u64, StatusError> {
        let len = self.len_bits() / u64::from(size);
        if index >= len {
            return Err(StatusError::OutOfRange { index, len });
        }
        let mut value = 0;
        for k in 0..u64::from(size) {
            let bit = self.get(index * u64::from(size) + k).unwrap_or(false);
            value = (value << 1) | u64::from(bit);
        }
        Ok(value)
    }

    /// `encodedList`: multibase base64url (no padding) of the GZIP-compressed bits.
    pub fn encode(&self) -> String {
        use base64::Engine as _;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        // Writing to a Vec cannot fail.
        let _ = gz.write_all(&self.bytes);
        let compressed = gz.finish().unwrap_or_default();
        format!("u{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Reads an `encodedList`, refusing lists that inflate beyond [`MAX_LIST_BYTES`].
    pub fn decode(encoded: &str) -> Result<Self, StatusError> {
        use base64::Engine as _;
        let body = encoded.strip_prefix('u').ok_or(StatusError::NotMultibase)?;
        let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body.trim_end_matches('='))
            .map_err(|_| StatusError::BadBase64)?;
        let mut bytes = Vec::new();
        GzDecoder::new(&compressed[..])
            .take(MAX_LIST_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| StatusError::BadGzip)?;
        if bytes.len() > MAX_LIST_BYTES {
            return Err(StatusError::TooLarge);
        }
        Ok(Bitstring { bytes })
    }
}

/// What a status list says about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReading {
    /// The entry's status value: 0 = not revoked / not suspended.
    pub value: u64,
    /// Set when the list is shorter than the spec's minimum (read anyway, with a warning).
    pub short_list: Option<u64>,
}

/// Reads the status of `entry` from a status list credential (whose proof the caller has
/// verified), following §Validate.
pub fn read_status(entry: &StatusEntry, list: &Value) -> Result<StatusReading, StatusError> {
    let is_list =
        crate::model::credential::strings(list.get("type")).contains(&"BitstringStatusListCredential");
    if !is_list {
        return Err(StatusError::NotAList);
    }
    let subject = list.get("credentialSubject").ok_or(StatusError::NotAList)?;
    let purposes = crate::model::credential::strings(subject.get("statusPurpose"));
    if !purposes.contains(&entry.purpose.as_str()) {
        return Err(StatusError::PurposeMismatch { entry: entry.purpose.clone(), list: purposes.join(", ") });
    }
    let encoded =
        subject.get("encodedList").and_then(Value::as_str).ok_or(StatusError::Missing("encodedList"))?;
    let bits = Bitstring::decode(encoded)?;
    let entries = bits.len_bits() / u64::from(entry.size);
    Ok(StatusReading {
        value: bits.status(entry.index, entry.size)?,
        short_list: (entries < MIN_ENTRIES as u64).then_some(entries),
    })
}

/// Why an award no longer stands: the purpose of the status list whose bit is set for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Withdrawal {
    /// Its bit is set in a `revocation` list: withdrawn for good.
    Revoked,
    /// Its bit is set in a `suspension` list: withdrawn until the issuer clears it.
    Suspended,
}

impl Withdrawal {
    /// Both withdrawals, revocation first.
    pub const ALL: [Withdrawal; 2] = [Withdrawal::Revoked, Withdrawal::Suspended];

    /// The withdrawal a set bit of a list with this `statusPurpose` means, if any.
    pub fn of_purpose(purpose: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.purpose() == purpose)
    }

    /// The status purpose (Bitstring Status List `statusPurpose`).
    pub fn purpose(self) -> &'static str {
        match self {
            Withdrawal::Revoked => "revocation",
            Withdrawal::Suspended => "suspension",
        }
    }

    /// The word for it, as verdicts and templates say it (`revoked`, `suspended`).
    pub fn as_str(self) -> &'static str {
        match self {
            Withdrawal::Revoked => "revoked",
            Withdrawal::Suspended => "suspended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The badge page reads status lists too (themes/default/static/rosette-core.js), with the
    /// same limits: `MIN_STATUS_ENTRIES` is [`MIN_ENTRIES`], `MAX_LIST_BYTES` is [`MAX_LIST_BYTES`].
    #[test]
    fn the_browser_reads_status_lists_within_the_same_limits() {
        let js = include_str!("../../../themes/default/static/rosette-core.js");
        // `const NAME = 16 * 1024 * 1024;`: a product of integers.
        let value = |name: &str| -> usize {
            let expr = js
                .lines()
                .find_map(|line| line.trim_start_matches("export ").strip_prefix(&format!("const {name} = ")))
                .and_then(|rest| rest.strip_suffix(';'))
                .unwrap_or_else(|| panic!("rosette-core.js has no line `const {name} = …;`"));
            expr.split('*')
                .map(|n| {
                    n.trim().parse::<usize>().unwrap_or_else(|_| {
                        panic!("rosette-core.js: `{name} = {expr}` is not a product of integers")
                    })
                })
                .product()
        };
        assert_eq!(value("MIN_STATUS_ENTRIES"), MIN_ENTRIES, "`MIN_STATUS_ENTRIES` in rosette-core.js");
        assert_eq!(value("MAX_LIST_BYTES"), MAX_LIST_BYTES, "`MAX_LIST_BYTES` in rosette-core.js");
    }

    #[test]
    fn spec_sample_list_is_all_zero_and_minimum_size() {
        let bits = Bitstring::decode("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
            .expect("spec sample");
        assert_eq!(bits.len_bits(), MIN_ENTRIES as u64);
        assert_eq!(bits.status(0, 1), Ok(0));
        assert_eq!(bits.status(131_071, 1), Ok(0));
        assert!(bits.status(131_072, 1).is_err());
    }

    #[test]
    fn bits_round_trip_most_significant_first() {
        let mut bits = Bitstring::new(MIN_ENTRIES);
        bits.set(0, true).expect("in range");
        bits.set(9, true).expect("in range");
        assert_eq!(bits.bytes[0], 0b1000_0000);
        assert_eq!(bits.bytes[1], 0b0100_0000);
        let back = Bitstring::decode(&bits.encode()).expect("round trip");
        assert_eq!(back, bits);
        assert_eq!(back.status(9, 1), Ok(1));
        assert_eq!(back.status(4, 2), Ok(0b01));
    }

    #[test]
    fn decompression_bombs_are_refused() {
        use base64::Engine as _;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&vec![0u8; MAX_LIST_BYTES + 1]).expect("gzip");
        let encoded = format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz.finish().expect("gzip"))
        );
        assert_eq!(Bitstring::decode(&encoded), Err(StatusError::TooLarge));
    }

    #[test]
    fn entries_parse_strictly() {
        let ok = json!({"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": "94567", "statusListCredential": "https://example.org/status/1"});
        let entry = StatusEntry::parse(ok.as_object().expect("object")).expect("entry");
        assert_eq!(entry.index, 94567);
        let mut bad = ok.clone();
        bad["statusListIndex"] = json!(94567);
        assert!(matches!(
            StatusEntry::parse(bad.as_object().expect("object")),
            Err(StatusError::BadIndex(_))
        ));
    }
}
