//! The issuer's status registry, `badges/status/registry.toml`: which Bitstring Status List
//! entry each award uses, and which are set. It is read by the signing commands and by the
//! build (for revocation reasons); it is never published (the build skips `.toml` files).
//!
//! Indexes are drawn at random from the whole list, so a published list reveals nothing about
//! how many awards were made or in which order (Bitstring Status List §Privacy).

use crate::status::{Bitstring, MIN_ENTRIES};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Where the registry lives, relative to `badges/`.
pub const REGISTRY_PATH: &str = "status/registry.toml";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    #[serde(default)]
    pub lists: Vec<ListInfo>,
    #[serde(default)]
    pub entries: Vec<Entry>,
}

/// One status list credential.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ListInfo {
    /// `revocation` or `suspension`.
    pub purpose: String,
    /// The list credential's URL (its `id`, and each entry's `statusListCredential`).
    pub id: String,
    /// The list's file under `badges/`.
    pub file: String,
    /// Entries in the list (at least 131,072).
    pub entries: u64,
}

/// One award's entry in one list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The award's credential id.
    pub credential: String,
    /// The list's URL.
    pub list: String,
    pub index: u64,
    /// Whether the bit is set (revoked, or suspended).
    #[serde(default)]
    pub set: bool,
    /// Why it was revoked, shown on the badge page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Registry {
    pub fn parse(text: &str) -> Result<Self, String> {
        let r: Registry = toml::from_str(text).map_err(|e| e.message().trim_end().to_string())?;
        for e in &r.entries {
            let Some(list) = r.lists.iter().find(|l| l.id == e.list) else {
                return Err(format!("entry of `{}` names an unknown list `{}`", e.credential, e.list));
            };
            if e.index >= list.entries {
                return Err(format!("entry of `{}` has index {} beyond the list", e.credential, e.index));
            }
        }
        Ok(r)
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# Managed by rosette (award, revoke, suspend, reinstate): which status list entry each\n\
             # award uses. Never published. Edit only through rosette.\n\n{body}"
        )
    }

    /// The list of `purpose`, creating its record (not its file) when there is none yet.
    pub fn list_for(&mut self, purpose: &str, base_url: &str) -> ListInfo {
        if let Some(l) = self.lists.iter().find(|l| l.purpose == purpose) {
            return l.clone();
        }
        let n = self.lists.iter().filter(|l| l.purpose == purpose).count() + 1;
        let file = format!("status/{purpose}-{n}.json");
        let info = ListInfo {
            purpose: purpose.to_string(),
            id: format!("{base_url}{file}"),
            file,
            entries: MIN_ENTRIES as u64,
        };
        self.lists.push(info.clone());
        info
    }

    /// Allocates a random free index in `list` for `credential`, drawing with `random`.
    pub fn allocate(
        &mut self,
        list: &ListInfo,
        credential: &str,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<u64, String> {
        let used: std::collections::HashSet<u64> =
            self.entries.iter().filter(|e| e.list == list.id).map(|e| e.index).collect();
        if used.len() as u64 >= list.entries / 2 {
            return Err(format!(
                "status list `{}` is half full; rosette does not yet add a second list",
                list.id
            ));
        }
        loop {
            let index = random() % list.entries;
            if !used.contains(&index) {
                self.entries.push(Entry {
                    credential: credential.to_string(),
                    list: list.id.clone(),
                    index,
                    set: false,
                    reason: None,
                });
                return Ok(index);
            }
        }
    }

    /// The entry of `credential` for `purpose`.
    pub fn entry_mut(&mut self, credential: &str, purpose: &str) -> Option<&mut Entry> {
        let list = self.lists.iter().find(|l| l.purpose == purpose)?.id.clone();
        self.entries.iter_mut().find(|e| e.credential == credential && e.list == list)
    }

    pub fn entry(&self, credential: &str, purpose: &str) -> Option<&Entry> {
        let list = self.lists.iter().find(|l| l.purpose == purpose)?;
        self.entries.iter().find(|e| e.credential == credential && e.list == list.id)
    }

    /// The unsigned status list credential of `list`, with the bits now set.
    pub fn list_credential(&self, list: &ListInfo, issuer: &str, valid_from: &str) -> Value {
        let mut bits = Bitstring::new(list.entries as usize);
        for e in self.entries.iter().filter(|e| e.list == list.id && e.set) {
            // Indexes were checked against the list size when parsed.
            let _ = bits.set(e.index, true);
        }
        json!({
            "@context": [crate::contexts::VC_V2],
            "id": list.id,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer,
            "validFrom": valid_from,
            "credentialSubject": {
                "id": format!("{}#list", list.id),
                "type": "BitstringStatusList",
                "statusPurpose": list.purpose,
                "encodedList": bits.encode(),
            }
        })
    }
}

/// The `credentialStatus` entry for an allocated index.
pub fn status_entry(list: &ListInfo, index: u64) -> Value {
    json!({
        "id": format!("{}#{index}", list.id),
        "type": "BitstringStatusListEntry",
        "statusPurpose": list.purpose,
        "statusListIndex": index.to_string(),
        "statusListCredential": list.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_random_unique_and_round_trips() {
        let mut r = Registry::default();
        let list = r.list_for("revocation", "https://x.org/");
        let mut seq = [5u64, 5, 131_077, 9].into_iter();
        let mut random = || seq.next().unwrap_or(1);
        assert_eq!(r.allocate(&list, "urn:a", &mut random), Ok(5));
        // 5 is taken, so the next draw is used; 131077 wraps to 5 too.
        assert_eq!(r.allocate(&list, "urn:b", &mut random), Ok(9));
        let back = Registry::parse(&r.to_toml()).expect("round trip");
        assert_eq!(back, r);
        assert_eq!(back.entry("urn:b", "revocation").map(|e| e.index), Some(9));
    }

    #[test]
    fn set_bits_appear_in_the_list() {
        let mut r = Registry::default();
        let list = r.list_for("revocation", "https://x.org/");
        let mut random = || 42;
        r.allocate(&list, "urn:a", &mut random).expect("allocate");
        r.entry_mut("urn:a", "revocation").expect("entry").set = true;
        let cred = r.list_credential(&list, "did:web:x.org", "2026-01-01T00:00:00Z");
        let bits = Bitstring::decode(cred["credentialSubject"]["encodedList"].as_str().expect("list"))
            .expect("decode");
        assert_eq!(bits.status(42, 1), Ok(1));
        assert_eq!(bits.status(41, 1), Ok(0));
    }
}
