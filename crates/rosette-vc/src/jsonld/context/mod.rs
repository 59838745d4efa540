//! Active contexts and term definitions: JSON-LD 1.1 API
//! [§4.1 Context Processing](https://www.w3.org/TR/json-ld11-api/#context-processing-algorithm)
//! (`process.rs`),
//! [§4.2 Create Term Definition](https://www.w3.org/TR/json-ld11-api/#create-term-definition)
//! (`term.rs`, its IRI mapping in `iri_mapping.rs`) and
//! [§5.2 IRI Expansion](https://www.w3.org/TR/json-ld11-api/#iri-expansion) (here, on the
//! finished [`ActiveContext`]).
//!
//! The algorithms follow `jsonld.js` (`lib/context.js`) step by step, including its order of
//! checks, because safe mode must reject exactly what it rejects. Processed contexts are
//! immutable and shared (`Arc`); [`store`](super::store) caches them so that a document whose
//! contexts were seen before costs almost no context work.

mod iri_mapping;
mod process;
mod term;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use oxrdf::NamedNode;
use serde_json::Value;

use super::error::ContextError;
use super::iri::{Kw, has_keyword_form, is_absolute, is_keyword, resolve};
use super::local::{ContextObject, LocalContext};

pub(crate) use process::process_object;

/// What context processing needs beyond the context object at hand: fresh ids for the
/// contexts it derives, the context an `@import` names, and the (cached) processing of scoped
/// contexts, which recurses into §4.1 Context Processing. The
/// [`ContextStore`](super::store::ContextStore) implements it, so that processing goes
/// through its caches; this module does not depend on the store.
pub(crate) trait Contexts {
    /// An id never handed out before, for a new active context.
    fn new_id(&self) -> u64;

    /// The single context object an `@import` names (§4.1.2 step 5.6).
    fn import(&self, url: &str, depth: usize) -> Result<Arc<ContextObject>, ContextError>;

    /// [Context Processing](https://www.w3.org/TR/json-ld11-api/#context-processing-algorithm)
    /// of `local` on top of `active`, at nesting depth `depth`.
    fn process(
        &self,
        active: &Arc<ActiveContext>,
        local: &Arc<LocalContext>,
        propagate: bool,
        override_protected: bool,
        depth: usize,
    ) -> Result<Arc<ActiveContext>, ContextError>;
}

/// The `@container` mapping of a term, as a set of flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Container(u8);

impl Container {
    pub(crate) const LIST: Self = Self(1);
    pub(crate) const SET: Self = Self(2);
    pub(crate) const GRAPH: Self = Self(4);
    pub(crate) const LANGUAGE: Self = Self(8);
    pub(crate) const INDEX: Self = Self(16);
    pub(crate) const ID: Self = Self(32);
    pub(crate) const TYPE: Self = Self(64);

    pub(crate) fn has(self, flag: Self) -> bool {
        self.0 & flag.0 != 0
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "@list" => Self::LIST,
            "@set" => Self::SET,
            "@graph" => Self::GRAPH,
            "@language" => Self::LANGUAGE,
            "@index" => Self::INDEX,
            "@id" => Self::ID,
            "@type" => Self::TYPE,
            _ => return None,
        })
    }
}

/// A base direction (`@direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Ltr,
    Rtl,
}

impl Direction {
    fn parse(v: &Value) -> Option<Self> {
        match v.as_str() {
            Some("ltr") => Some(Self::Ltr),
            Some("rtl") => Some(Self::Rtl),
            _ => None,
        }
    }
}

/// The `@type` mapping of a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeMapping {
    Id,
    Vocab,
    Json,
    None,
    /// A datatype IRI; `node` is `None` when it is not a valid RFC 3987 IRI (an error only
    /// when a value actually uses it).
    Datatype {
        iri: Arc<str>,
        node: Option<NamedNode>,
    },
}

/// A term definition ([§4.2](https://www.w3.org/TR/json-ld11-api/#create-term-definition)).
#[derive(Debug, Clone)]
pub(crate) struct TermDefinition {
    /// The IRI mapping: an IRI, a blank node identifier or a keyword; `None` for a term mapped to
    /// `null`, which expands to nothing.
    pub(crate) iri: Option<Arc<str>>,
    /// `iri` as a predicate, when it is an absolute, valid, non-blank IRI.
    pub(crate) predicate: Option<NamedNode>,
    /// The keyword `iri` names, when the term is a keyword alias such as `type` → `@type`.
    pub(crate) keyword: Option<Kw>,
    pub(crate) prefix: bool,
    pub(crate) reverse: bool,
    pub(crate) protected: bool,
    pub(crate) type_mapping: Option<TypeMapping>,
    pub(crate) container: Container,
    /// `Some(None)` is an explicit `"@language": null`.
    pub(crate) language: Option<Option<Arc<str>>>,
    pub(crate) direction: Option<Option<Direction>>,
    /// The scoped context (`@context` in the definition).
    pub(crate) context: Option<Arc<LocalContext>>,
    pub(crate) index: Option<Arc<str>>,
    pub(crate) nest: Option<Arc<str>>,
    has_colon: bool,
}

impl TermDefinition {
    /// Whether a redefinition of a protected term changes nothing (`_deepCompare` in
    /// `jsonld.js`); the `protected` flag itself is not compared.
    fn same_as(&self, other: &Self) -> bool {
        self.iri == other.iri
            && self.prefix == other.prefix
            && self.reverse == other.reverse
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && self.language == other.language
            && self.direction == other.direction
            && self.context.as_ref().map(|c| &c.value) == other.context.as_ref().map(|c| &c.value)
            && self.index == other.index
            && self.nest == other.nest
            && self.has_colon == other.has_colon
    }
}

/// An active context. Immutable once built; derived contexts get a fresh `id`, which keys the
/// processed-context cache.
#[derive(Debug)]
pub(crate) struct ActiveContext {
    pub(crate) id: u64,
    pub(crate) terms: HashMap<Arc<str>, Arc<TermDefinition>>,
    pub(crate) vocab: Option<Arc<str>>,
    /// The base IRI set by `@base`; documents themselves have none.
    pub(crate) base: Option<Arc<str>>,
    pub(crate) language: Option<Arc<str>>,
    pub(crate) direction: Option<Direction>,
    /// The context to revert to when expansion enters a new node object, set by a non-propagated
    /// (type-scoped) context ([§4.1.2 step 3](https://www.w3.org/TR/json-ld11-api/#algorithm)).
    pub(crate) previous: Option<Arc<ActiveContext>>,
    /// Whether any term was ever protected; `null` may then only reset the context from a
    /// property-scoped context.
    pub(crate) has_protected: bool,
    /// Terms that alias a keyword (`id` → `@id`), so that a node's keywords can be found without
    /// expanding every key.
    pub(crate) keyword_aliases: Vec<(Arc<str>, Kw)>,
}

impl ActiveContext {
    pub(crate) fn initial(id: u64) -> Self {
        Self {
            id,
            terms: HashMap::new(),
            vocab: None,
            base: None,
            language: None,
            direction: None,
            previous: None,
            has_protected: false,
            keyword_aliases: Vec::new(),
        }
    }

    /// A copy to be modified, with a new identity.
    pub(crate) fn derive(&self, id: u64) -> Self {
        Self {
            id,
            terms: self.terms.clone(),
            vocab: self.vocab.clone(),
            base: self.base.clone(),
            language: self.language.clone(),
            direction: self.direction,
            previous: self.previous.clone(),
            has_protected: self.has_protected,
            keyword_aliases: self.keyword_aliases.clone(),
        }
    }

    pub(crate) fn term(&self, key: &str) -> Option<&Arc<TermDefinition>> {
        self.terms.get(key)
    }

    /// The keyword `key` expands to, if any: what `expandIri(ctx, key, {vocab: true})` would
    /// return when it returns a keyword.
    pub(crate) fn keyword_of(&self, key: &str) -> Option<Kw> {
        if key.starts_with('@') {
            return Kw::parse(key);
        }
        self.keyword_aliases.iter().find(|(term, _)| &**term == key).map(|(_, kw)| *kw)
    }

    /// [IRI expansion](https://www.w3.org/TR/json-ld11-api/#iri-expansion) as `jsonld.js`
    /// `_expandIri` does it: `None` when the value expands to nothing (a term mapped to `null`,
    /// or a string that has the form of a keyword). The result may be relative.
    pub(crate) fn expand_iri<'a>(&'a self, value: &'a str, vocab: bool, base: bool) -> Option<Cow<'a, str>> {
        if is_keyword(value) {
            return Some(Cow::Borrowed(value));
        }
        if has_keyword_form(value) {
            return None;
        }
        if vocab && let Some(def) = self.terms.get(value) {
            return def.iri.as_deref().map(Cow::Borrowed);
        }
        if let Some(colon) = value.find(':').filter(|&c| c > 0) {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix == "_" || suffix.starts_with("//") {
                return Some(Cow::Borrowed(value));
            }
            if let Some(def) = self.terms.get(prefix).filter(|d| d.prefix) {
                return def.iri.as_deref().map(|iri| Cow::Owned(format!("{iri}{suffix}")));
            }
            if is_absolute(value) {
                return Some(Cow::Borrowed(value));
            }
        }
        if vocab && let Some(v) = &self.vocab {
            return Some(Cow::Owned(format!("{v}{value}")));
        }
        if base && let Some(b) = &self.base {
            return Some(Cow::Owned(resolve(b, value)));
        }
        Some(Cow::Borrowed(value))
    }
}
