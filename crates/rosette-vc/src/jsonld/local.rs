//! Local contexts as parsed: the value of an `@context` entry, split into its entries, before
//! URLs are resolved and before any processing. The [store](super::store) builds them (it
//! hands out their ids and parses the embedded contexts); context processing reads them.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

/// A local context: the value of an `@context` entry (null, a URL, an object, or an array of
/// these), parsed into entries, with the scoped contexts of its term definitions parsed too so
/// that they have stable ids.
#[derive(Debug)]
pub(crate) struct LocalContext {
    pub(crate) id: u64,
    /// The JSON it was parsed from; compared when a protected term is redefined.
    pub(crate) value: Value,
    entries: Vec<Entry>,
}

impl LocalContext {
    /// The local context with id `id`, parsed from `value` into `entries`.
    pub(crate) fn new(id: u64, value: Value, entries: Vec<Entry>) -> Self {
        Self { id, value, entries }
    }

    /// Its entries, in order.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// One entry of a local context.
#[derive(Debug)]
pub(crate) enum Entry {
    Null,
    Url(String),
    Object(Arc<ContextObject>),
    /// Anything else, as JSON text: an error when the context is processed.
    Invalid(String),
}

/// One context definition object.
#[derive(Debug)]
pub(crate) struct ContextObject {
    pub(crate) id: u64,
    pub(crate) map: Map<String, Value>,
    /// The scoped context of each term definition that has one.
    pub(crate) scoped: HashMap<String, Arc<LocalContext>>,
}
