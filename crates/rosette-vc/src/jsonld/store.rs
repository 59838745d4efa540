//! What a [`JsonLdProcessor`](super::JsonLdProcessor) remembers between documents: the embedded
//! contexts, parsed once; document contexts, interned by content; and processed active
//! contexts, keyed by (parent active context, local context, options).
//!
//! Every local context and every active context has an id that is never reused, so the cache
//! key is four integers and a hit costs one hash lookup. Verifying a credential processes the
//! same few context lists and the same type- and property-scoped contexts over and over; after
//! the first document, context processing is a handful of lookups per document.
//!
//! The caches are bounded: when one grows past its limit it is cleared (a hostile stream of
//! distinct inline contexts cannot grow memory without bound; the regular working set refills
//! it at once). Clearing is always safe because ids are never reused.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use serde_json::{Map, Value};

use super::context::{ActiveContext, Contexts, process_object};
use super::error::{ContextError, MAX_CONTEXT_DEPTH};
use super::local::{ContextObject, Entry, LocalContext};
use crate::contexts;

/// How many processed contexts are kept before the cache is cleared. A site with a few context
/// lists needs well under a hundred.
const MAX_PROCESSED: usize = 2048;
/// How much inline-context JSON (approximate bytes) is kept interned before it is cleared.
const MAX_INTERNED_WEIGHT: usize = 8 << 20;

/// A context after URLs are replaced by what they name: §4.1.2 step 5's "resolved context".
enum Resolved {
    Null,
    Object(Arc<ContextObject>),
}

/// Ids are sequential integers the processor hands out, not input, so a cheap multiplicative
/// hash serves (SipHash showed in profiles).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct CacheKey {
    active: u64,
    local: u64,
    /// bit 0: a whole local context (else one context object); bit 1: propagate;
    /// bit 2: override protected.
    flags: u8,
}

/// An embedded context, parsed (or why it could not be).
type Parsed = Result<Arc<LocalContext>, ContextError>;

#[derive(Default)]
struct Interned {
    by_hash: HashMap<u64, Vec<Arc<LocalContext>>>,
    weight: usize,
}

/// The context store of one processor. `Send + Sync`: shared by reference across threads.
pub(crate) struct ContextStore {
    next_id: AtomicU64,
    pub(crate) initial: Arc<ActiveContext>,
    /// The embedded contexts, by their index in [`contexts::CONTEXTS`], parsed on first use.
    embedded: Box<[OnceLock<Parsed>]>,
    interned: RwLock<Interned>,
    processed: RwLock<IdMap<CacheKey, Arc<ActiveContext>>>,
    hash_state: RandomState,
}

impl ContextStore {
    pub(crate) fn new() -> Self {
        Self {
            next_id: AtomicU64::new(1),
            initial: Arc::new(ActiveContext::initial(0)),
            embedded: contexts::CONTEXTS.iter().map(|_| OnceLock::new()).collect(),
            interned: RwLock::default(),
            processed: RwLock::default(),
            hash_state: RandomState::new(),
        }
    }

    /// The local context for a document's `@context` value, shared with every earlier document
    /// whose `@context` was equal, so that its processing is cached across documents.
    pub(crate) fn intern(&self, value: &Value) -> Result<Arc<LocalContext>, ContextError> {
        let mut hasher = self.hash_state.build_hasher();
        let weight = hash_json(value, &mut hasher, &self.hash_state, 0).ok_or(ContextError::TooDeep)?;
        let hash = hasher.finish();
        {
            let interned = self.interned.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(hit) =
                interned.by_hash.get(&hash).and_then(|bucket| bucket.iter().find(|lc| lc.value == *value))
            {
                return Ok(hit.clone());
            }
        }
        let local = self.build_local(value, 0)?;
        let mut interned = self.interned.write().unwrap_or_else(PoisonError::into_inner);
        if interned.weight + weight > MAX_INTERNED_WEIGHT {
            *interned = Interned::default();
        }
        interned.weight += weight;
        interned.by_hash.entry(hash).or_default().push(local.clone());
        Ok(local)
    }

    /// How many processed contexts are cached (for tests of the cache).
    #[cfg(test)]
    pub(crate) fn cached_count(&self) -> usize {
        self.processed.read().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn cached(&self, key: &CacheKey) -> Option<Arc<ActiveContext>> {
        self.processed.read().unwrap_or_else(PoisonError::into_inner).get(key).cloned()
    }

    fn remember(&self, key: CacheKey, ctx: Arc<ActiveContext>) {
        let mut processed = self.processed.write().unwrap_or_else(PoisonError::into_inner);
        if processed.len() >= MAX_PROCESSED {
            processed.clear();
        }
        processed.insert(key, ctx);
    }

    /// Replaces context URLs by the embedded contexts they name (`ContextResolver.resolve`).
    fn resolve(
        &self,
        local: &LocalContext,
        out: &mut Vec<Resolved>,
        depth: usize,
    ) -> Result<(), ContextError> {
        if depth > MAX_CONTEXT_DEPTH {
            return Err(ContextError::TooDeep);
        }
        for entry in local.entries() {
            match entry {
                Entry::Null => out.push(Resolved::Null),
                Entry::Object(obj) => out.push(Resolved::Object(obj.clone())),
                Entry::Url(url) => self.resolve(&*self.embedded(url)?, out, depth + 1)?,
                Entry::Invalid(v) => {
                    return Err(ContextError::invalid(
                        "invalid local context",
                        format!("a context must be an object, a URL or null, not {v}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The embedded context published at `url`, parsed on first use.
    fn embedded(&self, url: &str) -> Result<Arc<LocalContext>, ContextError> {
        let index = contexts::CONTEXTS
            .iter()
            .position(|c| c.url == url)
            .ok_or_else(|| ContextError::Unknown(url.to_owned()))?;
        let slot = self.embedded.get(index).ok_or_else(|| ContextError::Unknown(url.to_owned()))?;
        slot.get_or_init(|| {
            let text = contexts::CONTEXTS.get(index).map_or("", |c| c.text);
            let doc: Value = serde_json::from_str(text).map_err(|e| {
                ContextError::invalid(
                    "loading remote context failed",
                    format!("the embedded context `{url}` is not JSON: {e}"),
                )
            })?;
            // A context document without `@context` is an empty context (jsonld.js).
            let value = doc.get("@context").cloned().unwrap_or_else(|| Value::Object(Map::new()));
            self.build_local(&value, 0)
        })
        .clone()
    }

    fn build_local(&self, value: &Value, depth: usize) -> Result<Arc<LocalContext>, ContextError> {
        if depth > MAX_CONTEXT_DEPTH {
            return Err(ContextError::TooDeep);
        }
        let mut entries = Vec::new();
        self.push_entries(value, &mut entries, depth, true)?;
        Ok(Arc::new(LocalContext::new(self.new_id(), value.clone(), entries)))
    }

    fn push_entries(
        &self,
        value: &Value,
        entries: &mut Vec<Entry>,
        depth: usize,
        top: bool,
    ) -> Result<(), ContextError> {
        match value {
            Value::Null => entries.push(Entry::Null),
            Value::String(url) => entries.push(Entry::Url(url.clone())),
            Value::Array(items) if top => {
                for item in items {
                    self.push_entries(item, entries, depth, false)?;
                }
            }
            // `{"@context": ...}` stands for its content.
            Value::Object(m) if m.contains_key("@context") => {
                if depth > MAX_CONTEXT_DEPTH {
                    return Err(ContextError::TooDeep);
                }
                let inner = m.get("@context").unwrap_or(&Value::Null);
                self.push_entries(inner, entries, depth + 1, top)?;
            }
            Value::Object(m) => {
                let mut scoped = HashMap::new();
                for (term, def) in m {
                    if let Some(c) = def.as_object().and_then(|d| d.get("@context")) {
                        scoped.insert(term.clone(), self.build_local(c, depth + 1)?);
                    }
                }
                entries.push(Entry::Object(Arc::new(ContextObject {
                    id: self.new_id(),
                    map: m.clone(),
                    scoped,
                })));
            }
            other => entries.push(Entry::Invalid(other.to_string())),
        }
        Ok(())
    }
}

/// Context processing ([`process_object`]) reaches the store through this trait, which is
/// where the store's processing (memoized) and `@import` are.
impl Contexts for ContextStore {
    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The single context object an `@import` names.
    fn import(&self, url: &str, depth: usize) -> Result<Arc<ContextObject>, ContextError> {
        let local = self.embedded(url)?;
        let mut resolved = Vec::new();
        self.resolve(&local, &mut resolved, depth + 1)?;
        match resolved.as_slice() {
            [Resolved::Object(obj)] if !obj.map.contains_key("@import") => Ok(obj.clone()),
            [Resolved::Object(_)] => Err(ContextError::invalid(
                "invalid context entry",
                format!("the context `{url}` is imported, so it must not itself use @import"),
            )),
            _ => Err(ContextError::invalid(
                "invalid remote context",
                format!("@import must name a single context object, and `{url}` does not"),
            )),
        }
    }

    /// [Context Processing](https://www.w3.org/TR/json-ld11-api/#context-processing-algorithm)
    /// of `local` on top of `active`, cached.
    fn process(
        &self,
        active: &Arc<ActiveContext>,
        local: &Arc<LocalContext>,
        propagate: bool,
        override_protected: bool,
        depth: usize,
    ) -> Result<Arc<ActiveContext>, ContextError> {
        let key = CacheKey {
            active: active.id,
            local: local.id,
            flags: 1 | (u8::from(propagate) << 1) | (u8::from(override_protected) << 2),
        };
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        if depth > MAX_CONTEXT_DEPTH {
            return Err(ContextError::TooDeep);
        }
        let mut resolved = Vec::new();
        self.resolve(local, &mut resolved, depth)?;
        if resolved.is_empty() {
            // `[]` changes nothing, not even what a type-scoped context would revert to.
            return Ok(active.clone());
        }
        // Step 4: a context whose first entry says `@propagate` decides for itself.
        let propagate = match resolved.first() {
            Some(Resolved::Object(o)) => {
                o.map.get("@propagate").and_then(Value::as_bool).unwrap_or(propagate)
            }
            _ => propagate,
        };
        let mut result = active.clone();
        // Step 3: remember what to revert to when this context must not propagate.
        if !propagate && result.previous.is_none() {
            let mut derived = active.derive(self.new_id());
            derived.previous = Some(active.clone());
            result = Arc::new(derived);
        }
        for r in resolved {
            result = match r {
                Resolved::Null => {
                    if !override_protected && result.has_protected {
                        return Err(ContextError::invalid(
                            "invalid context nullification",
                            "a context with protected terms cannot be reset with null here",
                        ));
                    }
                    self.initial.clone()
                }
                Resolved::Object(obj) => {
                    let key = CacheKey {
                        active: result.id,
                        local: obj.id,
                        flags: u8::from(override_protected) << 2,
                    };
                    match self.cached(&key) {
                        Some(hit) => hit,
                        None => {
                            let processed = process_object(self, &result, &obj, override_protected, depth)?;
                            self.remember(key, processed.clone());
                            processed
                        }
                    }
                }
            };
        }
        self.remember(key, result.clone());
        Ok(result)
    }
}

/// How deeply the JSON of an inline context may nest.
const MAX_JSON_DEPTH: usize = 128;

/// Feeds a structural hash of `value` to `h` and returns its approximate size in bytes; `None`
/// when it nests deeper than [`MAX_JSON_DEPTH`].
fn hash_json(value: &Value, h: &mut impl Hasher, state: &RandomState, depth: usize) -> Option<usize> {
    if depth > MAX_JSON_DEPTH {
        return None;
    }
    Some(match value {
        Value::Null => {
            h.write_u8(0);
            8
        }
        Value::Bool(b) => {
            h.write_u8(1);
            b.hash(h);
            8
        }
        Value::Number(n) => {
            h.write_u8(2);
            n.hash(h);
            16
        }
        Value::String(s) => {
            h.write_u8(3);
            s.hash(h);
            24 + s.len()
        }
        Value::Array(a) => {
            h.write_u8(4);
            h.write_usize(a.len());
            let mut weight = 24;
            for v in a {
                weight += hash_json(v, h, state, depth + 1)?;
            }
            weight
        }
        Value::Object(m) => {
            // Key order does not matter for equality, so combine entries order-independently.
            h.write_u8(5);
            h.write_usize(m.len());
            let mut weight = 48;
            let mut acc = 0u64;
            for (k, v) in m {
                let mut entry = state.build_hasher();
                k.hash(&mut entry);
                weight += 24 + k.len() + hash_json(v, &mut entry, state, depth + 1)?;
                acc = acc.wrapping_add(entry.finish());
            }
            h.write_u64(acc);
            weight
        }
    })
}
