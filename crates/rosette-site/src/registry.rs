//! The issuer's status registry, `badges/status/registry.toml`: which Bitstring Status List
//! entry each award uses, and which are set. It is read by the signing commands and by the
//! build (for revocation reasons); it is never published (the build skips `.toml` files).
//!
//! Indexes are drawn at random from the whole list, so a published list reveals nothing about
//! how many awards were made or in which order (Bitstring Status List §Privacy).

use crate::status::{Bitstring, MIN_ENTRIES};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

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

    /// An allocator of status entries, which reads the registry's entries once: allocating
    /// stays constant-time per award however many the registry holds (it used to rescan them
    /// all for each award, quadratic over a large CSV). `capacity` is how many entries a list
    /// takes before the next one is started ([`DEFAULT_CAPACITY`]).
    pub fn allocator(&mut self, base_url: &str, capacity: u64) -> Allocator<'_> {
        let mut used: HashMap<String, HashSet<u64>> = HashMap::new();
        for e in &self.entries {
            used.entry(e.list.clone()).or_default().insert(e.index);
        }
        Allocator { registry: self, used, base_url: base_url.to_string(), capacity }
    }

    /// The entry of `credential` for `purpose`, in whichever list of that purpose holds it.
    pub fn entry_mut(&mut self, credential: &str, purpose: &str) -> Option<&mut Entry> {
        let lists = self.lists_of(purpose);
        self.entries.iter_mut().find(|e| e.credential == credential && lists.contains(&e.list))
    }

    /// The entry of `credential` for `purpose`, in whichever list of that purpose holds it.
    pub fn entry(&self, credential: &str, purpose: &str) -> Option<&Entry> {
        let lists = self.lists_of(purpose);
        self.entries.iter().find(|e| e.credential == credential && lists.contains(&e.list))
    }

    /// The ids of the lists of `purpose`.
    fn lists_of(&self, purpose: &str) -> Vec<String> {
        self.lists.iter().filter(|l| l.purpose == purpose).map(|l| l.id.clone()).collect()
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

/// How many entries a list takes before the next list of its purpose is started: half its
/// size, so that a random free index is found in two draws on average, and an issuer's
/// awards stay spread over at least twice as many positions as there are of them (the group
/// privacy Bitstring Status List §Privacy asks of a list).
pub const DEFAULT_CAPACITY: u64 = MIN_ENTRIES as u64 / 2;

/// Hands out status entries: a random free index in the newest list of a purpose, starting
/// the next list (`revocation-2.json`, …) when that one is at capacity.
pub struct Allocator<'r> {
    registry: &'r mut Registry,
    /// The indexes taken in each list, by list id.
    used: HashMap<String, HashSet<u64>>,
    base_url: String,
    capacity: u64,
}

impl Allocator<'_> {
    /// Allocates a random free index for `credential` in a list of `purpose`, drawing with
    /// `random`; returns the list and the index.
    pub fn allocate(
        &mut self,
        purpose: &str,
        credential: &str,
        random: &mut dyn FnMut() -> u64,
    ) -> (ListInfo, u64) {
        let list = self.list_with_room(purpose);
        let used = self.used.entry(list.id.clone()).or_default();
        loop {
            let index = random() % list.entries;
            if used.insert(index) {
                self.registry.entries.push(Entry {
                    credential: credential.to_string(),
                    list: list.id.clone(),
                    index,
                    set: false,
                    reason: None,
                });
                return (list, index);
            }
        }
    }

    /// The newest list of `purpose` if it has room, else the record (not the file) of a new one.
    fn list_with_room(&mut self, purpose: &str) -> ListInfo {
        let lists = &self.registry.lists;
        let newest = lists.iter().rev().find(|l| l.purpose == purpose);
        if let Some(l) = newest {
            let taken = self.used.get(&l.id).map_or(0, |u| u.len() as u64);
            if taken < self.capacity.min(l.entries / 2).max(1) {
                return l.clone();
            }
        }
        let n = lists.iter().filter(|l| l.purpose == purpose).count() + 1;
        let file = format!("status/{purpose}-{n}.json");
        let info = ListInfo {
            purpose: purpose.to_string(),
            id: format!("{}{file}", self.base_url),
            file,
            entries: MIN_ENTRIES as u64,
        };
        self.registry.lists.push(info.clone());
        info
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
        let mut seq = [5u64, 5, 131_077, 9].into_iter();
        let mut random = || seq.next().unwrap_or(1);
        let mut allocator = r.allocator("https://x.org/", DEFAULT_CAPACITY);
        assert_eq!(allocator.allocate("revocation", "urn:a", &mut random).1, 5);
        // 5 is taken, so the next draw is used; 131077 wraps to 5 too.
        assert_eq!(allocator.allocate("revocation", "urn:b", &mut random).1, 9);
        let back = Registry::parse(&r.to_toml()).expect("round trip");
        assert_eq!(back, r);
        assert_eq!(back.entry("urn:b", "revocation").map(|e| e.index), Some(9));
    }

    #[test]
    fn set_bits_appear_in_the_list() {
        let mut r = Registry::default();
        let mut random = || 42;
        let (list, _) =
            r.allocator("https://x.org/", DEFAULT_CAPACITY).allocate("revocation", "urn:a", &mut random);
        r.entry_mut("urn:a", "revocation").expect("entry").set = true;
        let cred = r.list_credential(&list, "did:web:x.org", "2026-01-01T00:00:00Z");
        let bits = Bitstring::decode(cred["credentialSubject"]["encodedList"].as_str().expect("list"))
            .expect("decode");
        assert_eq!(bits.status(42, 1), Ok(1));
        assert_eq!(bits.status(41, 1), Ok(0));
    }

    #[test]
    fn a_full_list_is_followed_by_the_next_and_entries_are_found_in_either() {
        let mut r = Registry::default();
        let mut n = 0u64;
        let mut random = || {
            n += 7;
            n
        };
        let mut allocator = r.allocator("https://x.org/", 2);
        let made: Vec<(ListInfo, u64)> =
            (0..5).map(|i| allocator.allocate("revocation", &format!("urn:{i}"), &mut random)).collect();
        let files: Vec<&str> = made.iter().map(|(l, _)| l.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "status/revocation-1.json",
                "status/revocation-1.json",
                "status/revocation-2.json",
                "status/revocation-2.json",
                "status/revocation-3.json"
            ]
        );
        assert_eq!(r.lists.len(), 3);
        r.entry_mut("urn:3", "revocation").expect("in the second list").set = true;
        assert_eq!(
            r.entry("urn:3", "revocation").map(|e| e.list.as_str()),
            Some("https://x.org/status/revocation-2.json")
        );
        assert!(r.entry("urn:3", "suspension").is_none());
        // A registry read again continues in the newest list, with its indexes taken.
        let mut back = Registry::parse(&r.to_toml()).expect("round trip");
        let mut seq = [35u64, 36].into_iter();
        let mut random = || seq.next().unwrap_or(1);
        let (list, index) = back.allocator("https://x.org/", 2).allocate("revocation", "urn:5", &mut random);
        assert_eq!(list.file, "status/revocation-3.json");
        assert_eq!(index, 36, "35 is taken in that list");
    }
}
