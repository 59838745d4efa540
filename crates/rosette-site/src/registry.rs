//! The issuer's status registry: which Bitstring Status List entry each award holds, and which
//! are set. It is never published (the build skips `.toml` files).
//!
//! It is kept in parts, so that a command reads and writes only what it touches: one file of a
//! million awards' entries was 180 MB, which `revoke` read and wrote whole for one bit.
//!
//! - `status/registry.toml`: the lists, and the entries that are set (revoked or suspended)
//!   with their reasons. `build` and `bake` read only this, and `revoke` changes only this.
//! - `status/<purpose>-N.toml`, beside each list: which award holds each of its indexes (the
//!   list's *holdings*). `award` reads those of the newest list of each purpose, to draw free
//!   indexes; `revoke` reads the one list an award's credential names, to confirm it.
//!
//! A registry written before the split (every entry in `registry.toml`) is read as it is, and
//! written in parts by the next command that changes it.
//!
//! Indexes are drawn at random from the whole list, so a published list reveals nothing about
//! how many awards were made or in which order (Bitstring Status List §Privacy).

use crate::error::SiteError;
use crate::status::{Bitstring, MIN_ENTRIES};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Where the registry lives, relative to `badges/`.
pub const REGISTRY_PATH: &str = "status/registry.toml";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    #[serde(default)]
    pub lists: Vec<ListInfo>,
    /// The entries that are set, with their reasons. (A registry from before the split lists
    /// every entry here; [`Registry::parse`] moves those that are not set to their holdings.)
    #[serde(default)]
    pub entries: Vec<Entry>,
    /// The holdings read or changed so far, by list id.
    #[serde(skip)]
    holdings: HashMap<String, BTreeMap<u64, String>>,
    /// The lists whose holdings changed (and are written by [`Registry::write`]).
    #[serde(skip)]
    changed: BTreeSet<String>,
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
    /// How many of its entries are held by awards, as its holdings file records them. Absent
    /// in a registry from before the split, whose holdings are its `entries`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<u64>,
}

impl ListInfo {
    /// Its holdings file under `badges/`: `status/revocation-1.toml` beside
    /// `status/revocation-1.json`.
    pub fn holdings_file(&self) -> String {
        let stem = self.file.strip_suffix(".json").unwrap_or(&self.file);
        format!("{stem}.toml")
    }
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

/// A holdings file as written: the list it belongs to, and the award holding each index
/// (TOML keys are strings: the indexes, in decimal).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldingsFile {
    list: String,
    #[serde(default)]
    held: BTreeMap<String, String>,
}

impl Registry {
    /// Parses `registry.toml`. The entries of a list without a `held` count (a registry from
    /// before the split) become that list's holdings, to be written in parts.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut r: Registry = toml::from_str(text).map_err(|e| e.message().trim_end().to_string())?;
        for e in &r.entries {
            let Some(list) = r.lists.iter().find(|l| l.id == e.list) else {
                return Err(format!("entry of `{}` names an unknown list `{}`", e.credential, e.list));
            };
            if e.index >= list.entries {
                return Err(format!("entry of `{}` has index {} beyond the list", e.credential, e.index));
            }
        }
        for list in r.lists.iter_mut().filter(|l| l.held.is_none()) {
            let held: BTreeMap<u64, String> = r
                .entries
                .iter()
                .filter(|e| e.list == list.id)
                .map(|e| (e.index, e.credential.clone()))
                .collect();
            list.held = Some(held.len() as u64);
            r.changed.insert(list.id.clone());
            r.holdings.insert(list.id.clone(), held);
        }
        r.entries.retain(|e| e.set);
        Ok(r)
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# Managed by rosette (award, revoke, suspend, reinstate): the status lists, and the\n\
             # entries revoked or suspended. Which award holds each entry is in the file beside\n\
             # each list (status/revocation-1.toml, ...). Never published. Edit only through rosette.\n\n{body}"
        )
    }

    /// Reads the registry under `badges` (`registry.toml` only: holdings are read when
    /// needed), or an empty one when there is none. One that cannot be read is an error, not
    /// "no registry": revocation reasons would silently go.
    pub fn read(badges: &Path) -> Result<Registry, SiteError> {
        let path = badges.join(REGISTRY_PATH);
        match std::fs::read_to_string(&path) {
            Ok(text) => Registry::parse(&text).map_err(|e| {
                SiteError::invalid(format!("`badges/{REGISTRY_PATH}` is not valid"))
                    .caused_by(e)
                    .hint("it is managed by rosette; restore it from version control")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Registry::default()),
            Err(e) => Err(SiteError::io_at(&path, "read", &e)),
        }
    }

    /// Which award holds each index of `list`, read from its holdings file the first time.
    pub fn holdings(&mut self, badges: &Path, list: &ListInfo) -> Result<&BTreeMap<u64, String>, SiteError> {
        if !self.holdings.contains_key(&list.id) {
            let held = read_holdings(badges, list)?;
            self.holdings.insert(list.id.clone(), held);
        }
        Ok(&self.holdings[&list.id])
    }

    /// Every entry held in every list, read from every holdings file: (list id, index,
    /// credential), in list order then index order.
    pub fn all_holdings(&mut self, badges: &Path) -> Result<Vec<(String, u64, String)>, SiteError> {
        let mut all = Vec::new();
        for list in self.lists.clone() {
            let held = self.holdings(badges, &list)?;
            all.extend(held.iter().map(|(i, c)| (list.id.clone(), *i, c.clone())));
        }
        Ok(all)
    }

    /// Writes what changed: the holdings files of the lists that gained entries, then
    /// `registry.toml` with their counts. In that order, so that a command killed between
    /// the two leaves holdings ahead of the registry (indexes recorded that no award carries,
    /// which are never handed out again), never an index in use that is not recorded.
    pub fn write(&mut self, badges: &Path) -> Result<(), SiteError> {
        for id in std::mem::take(&mut self.changed) {
            let (Some(list), Some(held)) =
                (self.lists.iter_mut().find(|l| l.id == id), self.holdings.get(&id))
            else {
                continue;
            };
            list.held = Some(held.len() as u64);
            let path = badges.join(list.holdings_file());
            crate::fs::write_atomic(&path, holdings_toml(list, held).as_bytes())?;
        }
        crate::fs::write_atomic(&badges.join(REGISTRY_PATH), self.to_toml().as_bytes())
    }

    /// The lists of `purpose`, oldest first.
    pub fn lists_of<'a>(&'a self, purpose: &'a str) -> impl Iterator<Item = &'a ListInfo> + 'a {
        self.lists.iter().filter(move |l| l.purpose == purpose)
    }

    /// Where `credential` holds an entry for `purpose`: its list and index. `claimed` is what
    /// the credential itself says (its `statusListCredential` and `statusListIndex`), which
    /// one holdings file confirms; without it every list of the purpose is searched.
    pub fn locate(
        &mut self,
        badges: &Path,
        credential: &str,
        purpose: &str,
        claimed: Option<(&str, u64)>,
    ) -> Result<Option<(ListInfo, u64)>, SiteError> {
        let lists: Vec<ListInfo> = self.lists_of(purpose).cloned().collect();
        if let Some((list_id, index)) = claimed
            && let Some(list) = lists.iter().find(|l| l.id == list_id)
            && self.holdings(badges, list)?.get(&index).is_some_and(|c| c == credential)
        {
            return Ok(Some((list.clone(), index)));
        }
        for list in lists {
            let found = self.holdings(badges, &list)?.iter().find(|(_, c)| *c == credential).map(|(i, _)| *i);
            if let Some(index) = found {
                return Ok(Some((list, index)));
            }
        }
        Ok(None)
    }

    /// The entry of `credential` for `purpose` when it is set (revoked, or suspended).
    pub fn entry(&self, credential: &str, purpose: &str) -> Option<&Entry> {
        let lists: Vec<&str> = self.lists_of(purpose).map(|l| l.id.as_str()).collect();
        self.entries.iter().find(|e| e.credential == credential && lists.contains(&e.list.as_str()))
    }

    /// Sets the entry `index` of `list`, held by `credential`, with `reason`.
    pub fn set(&mut self, list: &ListInfo, index: u64, credential: &str, reason: Option<String>) {
        self.entries.retain(|e| !(e.list == list.id && e.index == index));
        self.entries.push(Entry {
            credential: credential.to_string(),
            list: list.id.clone(),
            index,
            set: true,
            reason,
        });
    }

    /// Clears the entry of `credential` for `purpose`; whether it was set.
    pub fn unset(&mut self, credential: &str, purpose: &str) -> bool {
        let lists: Vec<String> = self.lists_of(purpose).map(|l| l.id.clone()).collect();
        let before = self.entries.len();
        self.entries.retain(|e| !(e.credential == credential && lists.contains(&e.list)));
        self.entries.len() != before
    }

    /// An allocator of status entries. It draws from the newest list of each purpose, whose
    /// holdings must have been read ([`Registry::load_newest`]); a list whose holdings were
    /// not read is taken as full, so an index is never handed out twice. `capacity` is how
    /// many entries a list takes before the next one is started ([`DEFAULT_CAPACITY`]).
    pub fn allocator(&mut self, base_url: &str, capacity: u64) -> Allocator<'_> {
        Allocator { registry: self, base_url: base_url.to_string(), capacity }
    }

    /// Reads the holdings of the newest list of each purpose, which [`Allocator`] draws from.
    pub fn load_newest(&mut self, badges: &Path) -> Result<(), SiteError> {
        let mut newest: BTreeMap<&str, &ListInfo> = BTreeMap::new();
        for list in &self.lists {
            newest.insert(&list.purpose, list);
        }
        let newest: Vec<ListInfo> = newest.into_values().cloned().collect();
        for list in &newest {
            self.holdings(badges, list)?;
        }
        Ok(())
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

/// The holdings of `list` from its file under `badges`, checked against the registry: a
/// file that is missing or holds fewer entries than the registry counts has lost some, and
/// drawing from it could hand out an index an award already carries.
fn read_holdings(badges: &Path, list: &ListInfo) -> Result<BTreeMap<u64, String>, SiteError> {
    let rel = list.holdings_file();
    let path = badges.join(&rel);
    let expected = list.held.unwrap_or(0);
    let restore = "it is managed by rosette; restore it from version control";
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && expected == 0 => return Ok(BTreeMap::new()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SiteError::invalid(format!(
                "`badges/{rel}` is missing, and the status registry counts {expected} awards in that list"
            ))
            .hint(restore));
        }
        Err(e) => return Err(SiteError::io_at(&path, "read", &e)),
    };
    let invalid =
        |why: String| SiteError::invalid(format!("`badges/{rel}` is not valid")).caused_by(why).hint(restore);
    let file: HoldingsFile =
        toml::from_str(&text).map_err(|e| invalid(e.message().trim_end().to_string()))?;
    if file.list != list.id {
        return Err(invalid(format!("it is the holdings of `{}`, not of `{}`", file.list, list.id)));
    }
    let mut held = BTreeMap::new();
    for (index, credential) in file.held {
        let index = index
            .parse::<u64>()
            .ok()
            .filter(|i| *i < list.entries)
            .ok_or_else(|| invalid(format!("`{index}` is not an index of the list")))?;
        held.insert(index, credential);
    }
    // More than counted is what an award killed between this file and registry.toml leaves.
    if (held.len() as u64) < expected {
        return Err(invalid(format!(
            "it holds {} entries, and the status registry counts {expected}",
            held.len()
        )));
    }
    Ok(held)
}

/// A holdings file's text: one line per held index, in index order.
fn holdings_toml(list: &ListInfo, held: &BTreeMap<u64, String>) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = format!(
        "# Managed by rosette: the award that holds each entry of {}. Never published.\n\n\
         list = {}\n\n[held]\n",
        list.file,
        quote(&list.id)
    );
    for (index, credential) in held {
        out.push_str(&format!("{index} = {}\n", quote(credential)));
    }
    out
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
        let held = self.registry.holdings.entry(list.id.clone()).or_default();
        loop {
            let index = random() % list.entries;
            if let std::collections::btree_map::Entry::Vacant(slot) = held.entry(index) {
                slot.insert(credential.to_string());
                self.registry.changed.insert(list.id.clone());
                return (list, index);
            }
        }
    }

    /// The newest list of `purpose` if it has room, else the record (not the file) of a new one.
    fn list_with_room(&mut self, purpose: &str) -> ListInfo {
        let lists = &self.registry.lists;
        if let Some(l) = lists.iter().rev().find(|l| l.purpose == purpose)
            && let Some(held) = self.registry.holdings.get(&l.id)
            && (held.len() as u64) < self.capacity.min(l.entries / 2).max(1)
        {
            return l.clone();
        }
        let n = lists.iter().filter(|l| l.purpose == purpose).count() + 1;
        let file = format!("status/{purpose}-{n}.json");
        let info = ListInfo {
            purpose: purpose.to_string(),
            id: format!("{}{file}", self.base_url),
            file,
            entries: MIN_ENTRIES as u64,
            held: Some(0),
        };
        self.registry.holdings.insert(info.id.clone(), BTreeMap::new());
        self.registry.changed.insert(info.id.clone());
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

    /// Draws `step`, `2 * step`, …: predictable "random" indexes.
    fn counting_by(step: u64) -> impl FnMut() -> u64 {
        let mut n = 0;
        move || {
            n += step;
            n
        }
    }

    #[test]
    fn allocation_is_random_unique_and_written_in_parts() {
        let dir = tempfile::tempdir().expect("dir");
        let mut r = Registry::default();
        let mut seq = [5u64, 5, 131_077, 9].into_iter();
        let mut random = || seq.next().unwrap_or(1);
        let mut allocator = r.allocator("https://x.org/", DEFAULT_CAPACITY);
        assert_eq!(allocator.allocate("revocation", "urn:a", &mut random).1, 5);
        // 5 is taken, so the next draw is used; 131077 wraps to 5 too.
        assert_eq!(allocator.allocate("revocation", "urn:b", &mut random).1, 9);
        r.write(dir.path()).expect("write");
        let text = std::fs::read_to_string(dir.path().join(REGISTRY_PATH)).expect("registry");
        assert!(!text.contains("urn:a"), "who holds an entry is not in registry.toml:\n{text}");
        let held = std::fs::read_to_string(dir.path().join("status/revocation-1.toml")).expect("holdings");
        assert!(held.contains("\n5 = \"urn:a\"\n9 = \"urn:b\"\n"), "{held}");
        let mut back = Registry::read(dir.path()).expect("read");
        assert_eq!(back.lists[0].held, Some(2));
        let found = back.locate(dir.path(), "urn:b", "revocation", None).expect("read holdings");
        assert_eq!(found.map(|(l, i)| (l.file, i)), Some(("status/revocation-1.json".to_string(), 9)));
    }

    #[test]
    fn set_bits_appear_in_the_list_and_only_set_entries_stay_in_the_registry() {
        let mut r = Registry::default();
        let mut random = || 42;
        let (list, index) =
            r.allocator("https://x.org/", DEFAULT_CAPACITY).allocate("revocation", "urn:a", &mut random);
        assert!(r.entry("urn:a", "revocation").is_none(), "allocated, not set");
        r.set(&list, index, "urn:a", Some("withdrawn".into()));
        assert_eq!(r.entry("urn:a", "revocation").and_then(|e| e.reason.as_deref()), Some("withdrawn"));
        let cred = r.list_credential(&list, "did:web:x.org", "2026-01-01T00:00:00Z");
        let bits = Bitstring::decode(cred["credentialSubject"]["encodedList"].as_str().expect("list"))
            .expect("decode");
        assert_eq!(bits.status(42, 1), Ok(1));
        assert_eq!(bits.status(41, 1), Ok(0));
        assert!(r.unset("urn:a", "revocation"));
        assert!(!r.unset("urn:a", "revocation"));
        assert!(r.entries.is_empty());
    }

    #[test]
    fn a_full_list_is_followed_by_the_next_and_entries_are_found_in_either() {
        let dir = tempfile::tempdir().expect("dir");
        let mut r = Registry::default();
        let mut random = counting_by(7);
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
        r.write(dir.path()).expect("write");
        let mut back = Registry::read(dir.path()).expect("read");
        assert_eq!(back.lists.len(), 3);
        // Found by what the credential claims, or by searching when it claims nothing.
        let claimed = Some((made[3].0.id.as_str(), made[3].1));
        let at = back.locate(dir.path(), "urn:3", "revocation", claimed).expect("read");
        assert_eq!(at.map(|(l, _)| l.file), Some("status/revocation-2.json".to_string()));
        let wrong = Some((made[0].0.id.as_str(), made[0].1));
        let at = back.locate(dir.path(), "urn:3", "revocation", wrong).expect("read");
        assert_eq!(at.map(|(_, i)| i), Some(made[3].1), "a wrong claim falls back to a search");
        assert!(back.locate(dir.path(), "urn:3", "suspension", None).expect("read").is_none());
        // A registry read again continues in the newest list, with its indexes taken.
        let mut back = Registry::read(dir.path()).expect("read");
        back.load_newest(dir.path()).expect("newest");
        let mut seq = [35u64, 36].into_iter();
        let mut random = || seq.next().unwrap_or(1);
        let (list, index) = back.allocator("https://x.org/", 2).allocate("revocation", "urn:5", &mut random);
        assert_eq!(list.file, "status/revocation-3.json");
        assert_eq!(index, 36, "35 is taken in that list");
        // Without its holdings read, the newest list counts as full: never an index twice.
        let mut unread = Registry::read(dir.path()).expect("read");
        let (list, _) = unread.allocator("https://x.org/", 2).allocate("revocation", "urn:6", &mut random);
        assert_eq!(list.file, "status/revocation-4.json");
    }

    #[test]
    fn a_registry_from_before_the_split_is_read_and_written_in_parts() {
        let dir = tempfile::tempdir().expect("dir");
        let old = "[[lists]]\npurpose = \"revocation\"\nid = \"https://x.org/status/revocation-1.json\"\n\
                   file = \"status/revocation-1.json\"\nentries = 131072\n\n\
                   [[entries]]\ncredential = \"urn:a\"\nlist = \"https://x.org/status/revocation-1.json\"\nindex = 3\n\n\
                   [[entries]]\ncredential = \"urn:b\"\nlist = \"https://x.org/status/revocation-1.json\"\nindex = 8\n\
                   set = true\nreason = \"fraud\"\n";
        let mut r = Registry::parse(old).expect("parses");
        assert_eq!(r.entries.len(), 1, "only the set entry stays");
        assert_eq!(r.entry("urn:b", "revocation").and_then(|e| e.reason.as_deref()), Some("fraud"));
        r.write(dir.path()).expect("write");
        let mut back = Registry::read(dir.path()).expect("read");
        let all = back.all_holdings(dir.path()).expect("holdings");
        let url = "https://x.org/status/revocation-1.json".to_string();
        assert_eq!(all, [(url.clone(), 3, "urn:a".to_string()), (url, 8, "urn:b".to_string())]);
    }

    #[test]
    fn holdings_that_lost_entries_are_an_error_and_extra_ones_are_not() {
        let dir = tempfile::tempdir().expect("dir");
        let mut r = Registry::default();
        let mut random = counting_by(1);
        let mut allocator = r.allocator("https://x.org/", DEFAULT_CAPACITY);
        allocator.allocate("revocation", "urn:a", &mut random);
        allocator.allocate("revocation", "urn:b", &mut random);
        r.write(dir.path()).expect("write");
        let path = dir.path().join("status/revocation-1.toml");
        let full = std::fs::read_to_string(&path).expect("holdings");
        // One more than counted: an award killed before registry.toml was written.
        std::fs::write(&path, format!("{full}3 = \"urn:c\"\n")).expect("write");
        let mut back = Registry::read(dir.path()).expect("read");
        back.load_newest(dir.path()).expect("extra entries are fine");
        std::fs::write(&path, full.replace("2 = \"urn:b\"\n", "")).expect("write");
        let mut back = Registry::read(dir.path()).expect("read");
        let err = back.load_newest(dir.path()).expect_err("a lost entry");
        assert!(err.to_string().contains("holds 1 entries, and the status registry counts 2"), "{err}");
        std::fs::remove_file(&path).expect("remove");
        let err = Registry::read(dir.path()).expect("read").load_newest(dir.path()).expect_err("missing");
        assert!(err.to_string().contains("`badges/status/revocation-1.toml` is missing"), "{err}");
    }
}
