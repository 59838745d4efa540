//! Active contexts and term definitions: JSON-LD 1.1 API
//! [§4.1 Context Processing](https://www.w3.org/TR/json-ld11-api/#context-processing-algorithm),
//! [§4.2 Create Term Definition](https://www.w3.org/TR/json-ld11-api/#create-term-definition) and
//! [§5.2 IRI Expansion](https://www.w3.org/TR/json-ld11-api/#iri-expansion).
//!
//! The algorithms follow `jsonld.js` (`lib/context.js`) step by step, including its order of
//! checks, because safe mode must reject exactly what it rejects. Processed contexts are
//! immutable and shared (`Arc`); [`store`](super::store) caches them so that a document whose
//! contexts were seen before costs almost no context work.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use oxrdf::NamedNode;
use serde_json::{Map, Value};

use super::error::{ContextError, SafeModeViolation};
use super::iri::{
    Kw, ends_with_gen_delim, has_keyword_form, is_absolute, is_bcp47, is_blank, is_keyword, named_node,
    resolve,
};
use super::store::{ContextObject, ContextStore, LocalContext};

/// How deeply contexts may nest (scoped contexts within scoped contexts, context URLs that
/// reference others). The embedded contexts nest two levels.
pub(crate) const MAX_CONTEXT_DEPTH: usize = 32;

/// How long a chain of term definitions that depend on each other may be (`a` defined through
/// `b:x`, `b` through `c:y`, ...), so that a hostile context cannot exhaust the stack.
const MAX_TERM_DEPENDENCY_DEPTH: usize = 128;

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

/// Processes one context object (a "resolved context" of §4.1.2 step 5) on top of `active`.
pub(crate) fn process_object(
    store: &ContextStore,
    active: &ActiveContext,
    obj: &ContextObject,
    override_protected: bool,
    depth: usize,
) -> Result<Arc<ActiveContext>, ContextError> {
    let mut result = active.derive(store.new_id());
    let original = &obj.map;
    let mut defined: HashMap<&str, bool> = HashMap::new();

    // @version (step 5.5)
    if let Some(v) = original.get("@version") {
        if v.as_f64() != Some(1.1) {
            return Err(ContextError::invalid(
                "invalid @version value",
                format!("unsupported JSON-LD version {v}"),
            ));
        }
        defined.insert("@version", true);
    }
    // @base (step 5.7): documents have no base IRI, so only an absolute @base means anything.
    if let Some(v) = original.get("@base") {
        match v {
            Value::Null => result.base = None,
            Value::String(s) if is_absolute(s) => result.base = Some(s.as_str().into()),
            Value::String(s) => match &result.base {
                Some(b) => result.base = Some(resolve(b, s).into()),
                None => {
                    return Err(ContextError::Unsupported(format!(
                        "@base `{s}` is relative and the document has no base IRI to resolve it against"
                    )));
                }
            },
            _ => {
                return Err(ContextError::invalid("invalid base IRI", "@base must be an IRI or null"));
            }
        }
        defined.insert("@base", true);
    }
    // @vocab (step 5.8)
    if let Some(v) = original.get("@vocab") {
        match v {
            Value::Null => result.vocab = None,
            Value::String(s) => {
                let vocab = result.expand_iri(s, true, true).map(Cow::into_owned).unwrap_or_default();
                if !is_absolute(&vocab) {
                    return Err(ContextError::Unsafe(SafeModeViolation::RelativeVocabReference(s.clone())));
                }
                result.vocab = Some(vocab.into());
            }
            _ => {
                return Err(ContextError::invalid(
                    "invalid vocab mapping",
                    "@vocab must be a string or null",
                ));
            }
        }
        defined.insert("@vocab", true);
    }
    // @language (step 5.9)
    if let Some(v) = original.get("@language") {
        match v {
            Value::Null => result.language = None,
            Value::String(s) if is_bcp47(s) => result.language = Some(s.to_lowercase().into()),
            Value::String(s) => {
                return Err(ContextError::Unsafe(SafeModeViolation::InvalidLanguage(s.clone())));
            }
            _ => {
                return Err(ContextError::invalid(
                    "invalid default language",
                    "@language must be a string or null",
                ));
            }
        }
        defined.insert("@language", true);
    }
    // @direction (step 5.10)
    if let Some(v) = original.get("@direction") {
        result.direction = match v {
            Value::Null => None,
            _ => Some(Direction::parse(v).ok_or_else(|| {
                ContextError::invalid(
                    "invalid base direction",
                    format!("@direction must be \"ltr\", \"rtl\" or null, not {v}"),
                )
            })?),
        };
        defined.insert("@direction", true);
    }
    // @propagate (step 5.11; its value was used by the caller)
    if let Some(v) = original.get("@propagate") {
        if !v.is_boolean() {
            return Err(ContextError::invalid(
                "invalid @propagate value",
                "@propagate must be true or false",
            ));
        }
        defined.insert("@propagate", true);
    }
    // @import (step 5.6, in jsonld.js order): the imported context's entries, under ours.
    let imported = match original.get("@import") {
        None => None,
        Some(Value::String(url)) => {
            defined.insert("@import", true);
            Some(store.import(url, depth)?)
        }
        Some(_) => {
            return Err(ContextError::invalid("invalid @import value", "@import must be a string"));
        }
    };
    let merged;
    let map: &Map<String, Value> = match &imported {
        None => original,
        Some(import) => {
            let mut m = original.clone();
            for (k, v) in &import.map {
                m.entry(k.clone()).or_insert_with(|| v.clone());
            }
            merged = m;
            &merged
        }
    };
    let scoped = |term: &str| {
        obj.scoped.get(term).or_else(|| imported.as_ref().and_then(|i| i.scoped.get(term))).cloned()
    };
    // @protected (step 5.12)
    let protected_default = match map.get("@protected") {
        None => false,
        Some(Value::Bool(b)) => {
            defined.insert("@protected", true);
            *b
        }
        Some(_) => {
            return Err(ContextError::invalid(
                "invalid @protected value",
                "@protected must be true or false",
            ));
        }
    };

    // Term definitions (step 5.13).
    let mut builder = TermBuilder {
        result: &mut result,
        local: map,
        scoped: &scoped,
        defined,
        override_protected,
        protected_default,
    };
    for term in map.keys() {
        builder.create(term, 0)?;
    }
    let defined_terms: Vec<&str> = builder.defined.keys().copied().collect();

    // Keep the keyword-alias list in step with the redefined terms.
    result.keyword_aliases.retain(|(term, _)| !defined_terms.contains(&&**term));
    for term in defined_terms {
        if let Some(kw) = result.terms.get(term).and_then(|d| d.keyword) {
            result.keyword_aliases.push((term.into(), kw));
        }
    }
    let result = Arc::new(result);

    // jsonld.js processes every scoped context once when its term is defined, so that an
    // invalid one is an error even if no node uses it. It does so against the context as built
    // so far; using the finished context differs only for contexts whose validity depends on
    // the order of their own keys.
    for (term, value) in map {
        if value.get("@context").is_some()
            && let Some(local) = scoped(term)
        {
            store.process(&result, &local, true, true, depth + 1).map_err(|e| match e {
                ContextError::Unknown(_) | ContextError::TooDeep => e,
                other => ContextError::invalid(
                    "invalid scoped context",
                    format!("the scoped context of term `{term}` is invalid: {}", describe(&other)),
                ),
            })?;
        }
    }
    Ok(result)
}

fn describe(e: &ContextError) -> String {
    match e {
        ContextError::Unknown(url) => format!("unknown context `{url}`"),
        ContextError::Unsafe(v) => v.to_string(),
        ContextError::Invalid(code, m) => format!("{m} ({code})"),
        ContextError::Unsupported(m) => m.clone(),
        ContextError::TooDeep => "contexts nest too deeply".into(),
    }
}

/// The state of §4.2 while one local context is processed.
struct TermBuilder<'m, 'r, F> {
    result: &'r mut ActiveContext,
    local: &'m Map<String, Value>,
    scoped: &'r F,
    /// `true` once a term is defined, `false` while it is being defined (to detect cycles).
    defined: HashMap<&'m str, bool>,
    override_protected: bool,
    protected_default: bool,
}

impl<'m, F: Fn(&str) -> Option<Arc<LocalContext>>> TermBuilder<'m, '_, F> {
    /// [Create Term Definition](https://www.w3.org/TR/json-ld11-api/#create-term-definition),
    /// as `jsonld.js` `createTermDefinition`.
    fn create(&mut self, term: &'m str, depth: usize) -> Result<(), ContextError> {
        if depth > MAX_TERM_DEPENDENCY_DEPTH {
            return Err(ContextError::TooDeep);
        }
        match self.defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => {
                return Err(ContextError::invalid(
                    "cyclic IRI mapping",
                    format!("the definition of term `{term}` depends on itself"),
                ));
            }
            None => {}
        }
        self.defined.insert(term, false);
        let value = self.local.get(term).unwrap_or(&Value::Null);

        // JSON-LD 1.1 lets a context declare `"@type": {"@container": "@set"}` (and protect it).
        let is_type_set = term == "@type"
            && value.as_object().is_some_and(|o| match o.get("@container") {
                None | Some(Value::Null) => true,
                Some(Value::String(c)) => c == "@set",
                Some(_) => false,
            });
        if is_type_set {
            let keys_ok = value.as_object().is_some_and(|o| {
                !o.is_empty() && o.keys().all(|k| matches!(k.as_str(), "@container" | "@id" | "@protected"))
            });
            if !keys_ok {
                return Err(keyword_redefinition(term));
            }
        } else if is_keyword(term) {
            return Err(keyword_redefinition(term));
        } else if has_keyword_form(term) {
            return Err(ContextError::Unsafe(SafeModeViolation::ReservedTerm(term.into())));
        } else if term.is_empty() {
            return Err(ContextError::invalid("invalid term definition", "a term cannot be an empty string"));
        }

        let previous = self.result.terms.remove(term);
        let simple = value.is_string() || value.is_null();
        if !simple && !value.is_object() {
            return Err(ContextError::invalid(
                "invalid term definition",
                format!("the definition of term `{term}` must be a string, an object or null"),
            ));
        }
        // A simple definition `"term": "iri"` (or null) means `{"@id": "iri"}`.
        let get = |k: &str| -> Option<&'m Value> {
            match value {
                Value::Object(m) => m.get(k),
                _ => (k == "@id").then_some(value),
            }
        };
        if let Value::Object(m) = value
            && let Some(k) = m.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "@container"
                        | "@id"
                        | "@language"
                        | "@reverse"
                        | "@type"
                        | "@context"
                        | "@direction"
                        | "@index"
                        | "@nest"
                        | "@prefix"
                        | "@protected"
                )
            })
        {
            return Err(ContextError::invalid(
                "invalid term definition",
                format!("the definition of term `{term}` must not contain `{k}`"),
            ));
        }

        let colon = term.find(':').filter(|&c| c > 0);
        let mut def = TermDefinition {
            iri: None,
            predicate: None,
            keyword: None,
            prefix: false,
            reverse: false,
            protected: false,
            type_mapping: None,
            container: Container::default(),
            language: None,
            direction: None,
            context: None,
            index: None,
            nest: None,
            has_colon: colon.is_some(),
        };
        // The IRI mapping (steps 13-20): `iri_set` distinguishes "mapped to null" from "not yet".
        let mut iri_set = false;
        if let Some(reverse) = get("@reverse") {
            if get("@id").is_some() || get("@nest").is_some() {
                return Err(ContextError::invalid(
                    "invalid reverse property",
                    format!("the @reverse term `{term}` must not also have @id or @nest"),
                ));
            }
            let Some(reverse) = reverse.as_str() else {
                return Err(ContextError::invalid(
                    "invalid IRI mapping",
                    format!("the @reverse of term `{term}` must be a string"),
                ));
            };
            if has_keyword_form(reverse) {
                return Err(ContextError::Unsafe(SafeModeViolation::ReservedReverseValue(reverse.into())));
            }
            let id = self.expand_iri(reverse, depth)?;
            match id {
                Some(id) if is_absolute(&id) => def.iri = Some(id.into()),
                _ => {
                    return Err(ContextError::invalid(
                        "invalid IRI mapping",
                        format!("the @reverse of term `{term}` must expand to an absolute IRI"),
                    ));
                }
            }
            def.reverse = true;
            iri_set = true;
        } else if let Some(id) = get("@id") {
            match id {
                Value::Null => iri_set = true,
                Value::String(id) if !is_keyword(id) && has_keyword_form(id) => {
                    return Err(ContextError::Unsafe(SafeModeViolation::ReservedIdValue(id.clone())));
                }
                Value::String(id) if id != term => {
                    let iri = self.expand_iri(id, depth)?.unwrap_or_default();
                    if !is_absolute(&iri) && !is_keyword(&iri) {
                        return Err(ContextError::invalid(
                            "invalid IRI mapping",
                            format!(
                                "term `{term}` must map to an absolute IRI, a blank node identifier or a keyword, not `{id}`"
                            ),
                        ));
                    }
                    // A term that looks like an IRI must expand to that IRI.
                    let looks_like_iri = term.contains('/')
                        || term
                            .char_indices()
                            .any(|(i, c)| c == ':' && term[i + 1..].chars().next().is_some_and(|n| n != ':'));
                    if looks_like_iri {
                        self.defined.insert(term, true);
                        let own = self.expand_iri(term, depth);
                        self.defined.insert(term, false);
                        if own?.as_deref() != Some(iri.as_str()) {
                            return Err(ContextError::invalid(
                                "invalid IRI mapping",
                                format!(
                                    "term `{term}` has the form of an IRI but maps to a different IRI `{iri}`"
                                ),
                            ));
                        }
                    }
                    def.prefix = simple && colon.is_none() && ends_with_gen_delim(&iri);
                    def.iri = Some(iri.into());
                    iri_set = true;
                }
                Value::String(_) => {}
                _ => {
                    return Err(ContextError::invalid(
                        "invalid IRI mapping",
                        format!("the @id of term `{term}` must be a string or null"),
                    ));
                }
            }
        }
        if !iri_set {
            if let Some(colon) = colon {
                // A compact IRI or an absolute IRI used as a term.
                let prefix = &term[..colon];
                if let Some((prefix_key, _)) = self.local.get_key_value(prefix) {
                    self.create(prefix_key, depth + 1)?;
                }
                def.iri = Some(match self.result.terms.get(prefix) {
                    Some(p) => match &p.iri {
                        Some(p) => format!("{p}{}", &term[colon + 1..]).into(),
                        None => {
                            return Err(ContextError::invalid(
                                "invalid IRI mapping",
                                format!("term `{term}` uses prefix `{prefix}`, which is mapped to null"),
                            ));
                        }
                    },
                    None => term.into(),
                });
            } else if term == "@type" {
                def.iri = Some("@type".into());
            } else if let Some(vocab) = &self.result.vocab {
                def.iri = Some(format!("{vocab}{term}").into());
            } else {
                return Err(ContextError::invalid(
                    "invalid IRI mapping",
                    format!("term `{term}` has no @id and there is no @vocab to derive one from"),
                ));
            }
        }

        // Protection (step 11).
        let protected_flag = get("@protected");
        if protected_flag == Some(&Value::Bool(true))
            || (self.protected_default && protected_flag != Some(&Value::Bool(false)))
        {
            def.protected = true;
            self.result.has_protected = true;
        }
        self.defined.insert(term, true);

        // @type (step 12)
        if let Some(t) = get("@type") {
            let Some(t) = t.as_str() else {
                return Err(ContextError::invalid(
                    "invalid type mapping",
                    format!("the @type of term `{term}` must be a string"),
                ));
            };
            def.type_mapping = Some(match t {
                "@id" => TypeMapping::Id,
                "@vocab" => TypeMapping::Vocab,
                "@json" => TypeMapping::Json,
                "@none" => TypeMapping::None,
                _ => {
                    let iri = self.expand_iri(t, depth)?.unwrap_or_default();
                    if !is_absolute(&iri) || is_blank(&iri) {
                        return Err(ContextError::invalid(
                            "invalid type mapping",
                            format!("the @type of term `{term}` must be an absolute IRI, not `{t}`"),
                        ));
                    }
                    let node = named_node(&iri);
                    TypeMapping::Datatype { iri: iri.into(), node }
                }
            });
        }
        // @container (step 19)
        if let Some(c) = get("@container") {
            let items: Vec<&Value> = match c {
                Value::Array(a) => a.iter().collect(),
                Value::Null => Vec::new(),
                v => vec![v],
            };
            let mut container = Container::default();
            for item in &items {
                let flag = item
                    .as_str()
                    .and_then(Container::parse)
                    .ok_or_else(|| invalid_container(term, format!("`{item}` is not a container type")))?;
                container.0 |= flag.0;
            }
            let has_set = container.has(Container::SET);
            if container.has(Container::LIST) {
                if items.len() != 1 {
                    return Err(invalid_container(term, "@list cannot be combined with other containers"));
                }
            } else if container.has(Container::GRAPH) {
                if container.0
                    & !(Container::GRAPH.0 | Container::ID.0 | Container::INDEX.0 | Container::SET.0)
                    != 0
                {
                    return Err(invalid_container(
                        term,
                        "@graph can only be combined with @id, @index and @set",
                    ));
                }
            } else if items.len() > if has_set { 2 } else { 1 } {
                return Err(invalid_container(term, "too many container types"));
            }
            if container.has(Container::TYPE) {
                match def.type_mapping {
                    None => def.type_mapping = Some(TypeMapping::Id),
                    Some(TypeMapping::Id | TypeMapping::Vocab) => {}
                    Some(_) => {
                        return Err(ContextError::invalid(
                            "invalid type mapping",
                            format!(
                                "term `{term}` has an @type container, so its @type must be @id or @vocab"
                            ),
                        ));
                    }
                }
            }
            if def.reverse && container.0 & !(Container::INDEX.0 | Container::SET.0) != 0 {
                return Err(ContextError::invalid(
                    "invalid reverse property",
                    format!("the @reverse term `{term}` can only have an @index or @set container"),
                ));
            }
            def.container = container;
        }
        // @index (step 20)
        if let Some(index) = get("@index") {
            match index.as_str() {
                Some(i) if def.container.has(Container::INDEX) && !i.starts_with('@') => {
                    def.index = Some(i.into());
                }
                _ => {
                    return Err(ContextError::invalid(
                        "invalid term definition",
                        format!(
                            "the @index of term `{term}` needs an @index container and must be a property name"
                        ),
                    ));
                }
            }
        }
        // @context (step 21): kept unprocessed; it was parsed with the local context.
        if get("@context").is_some() {
            def.context = (self.scoped)(term);
        }
        // @language (step 22), only when there is no @type.
        if get("@type").is_none()
            && let Some(language) = get("@language")
        {
            def.language = Some(match language {
                Value::Null => None,
                // jsonld.js does not check a term's language tag, but an ill-formed one would
                // make ill-formed N-Quads, so rosette refuses it.
                Value::String(l) if is_bcp47(l) => Some(l.to_lowercase().into()),
                Value::String(l) => {
                    return Err(ContextError::Unsafe(SafeModeViolation::InvalidLanguage(l.clone())));
                }
                _ => {
                    return Err(ContextError::invalid(
                        "invalid language mapping",
                        format!("the @language of term `{term}` must be a string or null"),
                    ));
                }
            });
        }
        // @prefix (step 23)
        if let Some(p) = get("@prefix") {
            if term.contains([':', '/']) {
                return Err(ContextError::invalid(
                    "invalid term definition",
                    format!("@prefix cannot be used on the compact IRI term `{term}`"),
                ));
            }
            if def.iri.as_deref().is_some_and(is_keyword) {
                return Err(ContextError::invalid(
                    "invalid term definition",
                    format!("the keyword alias `{term}` cannot be a prefix"),
                ));
            }
            def.prefix = p.as_bool().ok_or_else(|| {
                ContextError::invalid("invalid @prefix value", "@prefix must be true or false")
            })?;
        }
        // @direction (step 24)
        if let Some(d) = get("@direction") {
            def.direction = Some(match d {
                Value::Null => None,
                _ => Some(Direction::parse(d).ok_or_else(|| {
                    ContextError::invalid(
                        "invalid base direction",
                        format!("the @direction of term `{term}` must be \"ltr\", \"rtl\" or null"),
                    )
                })?),
            });
        }
        // @nest (step 25)
        if let Some(n) = get("@nest") {
            match n.as_str() {
                Some(n) if n == "@nest" || !n.starts_with('@') => def.nest = Some(n.into()),
                _ => {
                    return Err(ContextError::invalid(
                        "invalid @nest value",
                        format!("the @nest of term `{term}` must be @nest or a term"),
                    ));
                }
            }
        }
        if matches!(def.iri.as_deref(), Some("@context" | "@preserve")) {
            return Err(ContextError::invalid(
                "invalid keyword alias",
                format!("term `{term}` cannot alias @context or @preserve"),
            ));
        }
        // Redefining a protected term (step 27) is an error unless nothing changes.
        if let Some(previous) = previous.filter(|p| p.protected)
            && !self.override_protected
        {
            def.protected = true;
            self.result.has_protected = true;
            if !previous.same_as(&def) {
                return Err(ContextError::invalid(
                    "protected term redefinition",
                    format!("term `{term}` is protected by an earlier context and cannot be redefined"),
                ));
            }
        }

        def.keyword = def.iri.as_deref().and_then(Kw::parse);
        def.predicate = def.iri.as_deref().filter(|i| is_absolute(i) && !is_blank(i)).and_then(named_node);
        self.result.terms.insert(term.into(), Arc::new(def));
        Ok(())
    }

    /// IRI expansion during context processing (vocabulary-relative, no base), defining the terms
    /// of the local context that the value depends on first (§5.2 steps 3-4, 6.3).
    fn expand_iri(&mut self, value: &str, depth: usize) -> Result<Option<String>, ContextError> {
        if let Some((key, _)) = self.local.get_key_value(value)
            && self.defined.get(value) != Some(&true)
        {
            self.create(key, depth + 1)?;
        }
        if !self.result.terms.contains_key(value)
            && let Some(colon) = value.find(':').filter(|&c| c > 0)
        {
            let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
            if prefix != "_"
                && !suffix.starts_with("//")
                && let Some((key, _)) = self.local.get_key_value(prefix)
            {
                self.create(key, depth + 1)?;
            }
        }
        Ok(self.result.expand_iri(value, true, false).map(Cow::into_owned))
    }
}

fn keyword_redefinition(term: &str) -> ContextError {
    ContextError::invalid("keyword redefinition", format!("the keyword `{term}` cannot be redefined"))
}

fn invalid_container(term: &str, why: impl std::fmt::Display) -> ContextError {
    ContextError::invalid(
        "invalid container mapping",
        format!("the @container of term `{term}` is invalid: {why}"),
    )
}
