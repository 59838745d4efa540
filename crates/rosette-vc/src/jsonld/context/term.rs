//! [§4.2 Create Term Definition](https://www.w3.org/TR/json-ld11-api/#create-term-definition),
//! as `jsonld.js` `createTermDefinition`: one function per group of the algorithm's steps.
//!
//! The groups run in `jsonld.js` order, which is not quite the specification's: the IRI mapping
//! (steps 13-18, in `iri_mapping.rs`) comes before protection (step 11) and the type mapping
//! (step 12). Which of several errors a context reports depends on it.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{ActiveContext, Container, Direction, TermDefinition, TypeMapping};
use crate::jsonld::error::{ContextError, SafeModeViolation};
use crate::jsonld::iri::{Kw, has_keyword_form, is_absolute, is_bcp47, is_blank, is_keyword, named_node};
use crate::jsonld::local::LocalContext;

/// How long a chain of term definitions that depend on each other may be (`a` defined through
/// `b:x`, `b` through `c:y`, ...), so that a hostile context cannot exhaust the stack.
const MAX_TERM_DEPENDENCY_DEPTH: usize = 128;

/// The state of §4.2 while one local context is processed.
pub(super) struct TermBuilder<'m, 'r, F> {
    pub(super) result: &'r mut ActiveContext,
    pub(super) local: &'m Map<String, Value>,
    pub(super) scoped: &'r F,
    /// `true` once a term is defined, `false` while it is being defined (to detect cycles).
    pub(super) defined: HashMap<&'m str, bool>,
    pub(super) override_protected: bool,
    pub(super) protected_default: bool,
}

/// A term's value in the local context, checked to be a string, an object or null.
#[derive(Clone, Copy)]
pub(super) struct Entry<'m> {
    value: &'m Value,
    /// A string or null: a simple term definition.
    pub(super) simple: bool,
}

impl<'m> Entry<'m> {
    /// Steps 8-10, and the check that the definition has no unknown keys.
    fn new(term: &str, value: &'m Value) -> Result<Self, ContextError> {
        let simple = value.is_string() || value.is_null();
        if !simple && !value.is_object() {
            return Err(ContextError::invalid(
                "invalid term definition",
                format!("the definition of term `{term}` must be a string, an object or null"),
            ));
        }
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
        Ok(Self { value, simple })
    }

    /// An entry of the definition. A simple definition `"term": "iri"` (or null) means
    /// `{"@id": "iri"}`.
    pub(super) fn get(self, key: &str) -> Option<&'m Value> {
        match self.value {
            Value::Object(m) => m.get(key),
            _ => (key == "@id").then_some(self.value),
        }
    }
}

impl<'m, F: Fn(&str) -> Option<Arc<LocalContext>>> TermBuilder<'m, '_, F> {
    /// [Create Term Definition](https://www.w3.org/TR/json-ld11-api/#create-term-definition),
    /// as `jsonld.js` `createTermDefinition`.
    pub(super) fn create(&mut self, term: &'m str, depth: usize) -> Result<(), ContextError> {
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
        check_term(term, value)?;

        let previous = self.result.terms.remove(term);
        let entry = Entry::new(term, value)?;
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
        self.iri_mapping(term, entry, colon, &mut def, depth)?;
        self.protection(entry, &mut def);
        self.defined.insert(term, true);
        self.type_mapping(term, entry, &mut def, depth)?;
        container_mapping(term, entry, &mut def)?;
        index_mapping(term, entry, &mut def)?;
        // @context (step 21): kept unprocessed; it was parsed with the local context.
        if entry.get("@context").is_some() {
            def.context = (self.scoped)(term);
        }
        language_mapping(term, entry, &mut def)?;
        prefix_flag(term, entry, &mut def)?;
        direction_mapping(term, entry, &mut def)?;
        nest_value(term, entry, &mut def)?;
        if matches!(def.iri.as_deref(), Some("@context" | "@preserve")) {
            return Err(ContextError::invalid(
                "invalid keyword alias",
                format!("term `{term}` cannot alias @context or @preserve"),
            ));
        }
        self.protected_redefinition(term, previous, &mut def)?;

        def.keyword = def.iri.as_deref().and_then(Kw::parse);
        def.predicate = def.iri.as_deref().filter(|i| is_absolute(i) && !is_blank(i)).and_then(named_node);
        self.result.terms.insert(term.into(), Arc::new(def));
        Ok(())
    }

    /// Protection (step 11).
    fn protection(&mut self, entry: Entry<'m>, def: &mut TermDefinition) {
        let protected_flag = entry.get("@protected");
        if protected_flag == Some(&Value::Bool(true))
            || (self.protected_default && protected_flag != Some(&Value::Bool(false)))
        {
            def.protected = true;
            self.result.has_protected = true;
        }
    }

    /// `@type` (step 12).
    fn type_mapping(
        &mut self,
        term: &str,
        entry: Entry<'m>,
        def: &mut TermDefinition,
        depth: usize,
    ) -> Result<(), ContextError> {
        let Some(t) = entry.get("@type") else {
            return Ok(());
        };
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
        Ok(())
    }

    /// Redefining a protected term (step 27) is an error unless nothing changes.
    fn protected_redefinition(
        &mut self,
        term: &str,
        previous: Option<Arc<TermDefinition>>,
        def: &mut TermDefinition,
    ) -> Result<(), ContextError> {
        if let Some(previous) = previous.filter(|p| p.protected)
            && !self.override_protected
        {
            def.protected = true;
            self.result.has_protected = true;
            if !previous.same_as(def) {
                return Err(ContextError::invalid(
                    "protected term redefinition",
                    format!("term `{term}` is protected by an earlier context and cannot be redefined"),
                ));
            }
        }
        Ok(())
    }
}

/// The term itself (steps 2 and 4-6): not empty, not a keyword (except `@type` given a
/// container), not of the form of a keyword.
fn check_term(term: &str, value: &Value) -> Result<(), ContextError> {
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
    Ok(())
}

/// `@container` (step 19).
fn container_mapping(term: &str, entry: Entry<'_>, def: &mut TermDefinition) -> Result<(), ContextError> {
    let Some(c) = entry.get("@container") else {
        return Ok(());
    };
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
        if container.0 & !(Container::GRAPH.0 | Container::ID.0 | Container::INDEX.0 | Container::SET.0) != 0
        {
            return Err(invalid_container(term, "@graph can only be combined with @id, @index and @set"));
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
                    format!("term `{term}` has an @type container, so its @type must be @id or @vocab"),
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
    Ok(())
}

/// `@index` (step 20).
fn index_mapping(term: &str, entry: Entry<'_>, def: &mut TermDefinition) -> Result<(), ContextError> {
    let Some(index) = entry.get("@index") else {
        return Ok(());
    };
    match index.as_str() {
        Some(i) if def.container.has(Container::INDEX) && !i.starts_with('@') => {
            def.index = Some(i.into());
            Ok(())
        }
        _ => Err(ContextError::invalid(
            "invalid term definition",
            format!("the @index of term `{term}` needs an @index container and must be a property name"),
        )),
    }
}

/// `@language` (step 22), only when there is no @type.
fn language_mapping(term: &str, entry: Entry<'_>, def: &mut TermDefinition) -> Result<(), ContextError> {
    if entry.get("@type").is_some() {
        return Ok(());
    }
    let Some(language) = entry.get("@language") else {
        return Ok(());
    };
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
    Ok(())
}

/// `@prefix` (step 23).
fn prefix_flag(term: &str, entry: Entry<'_>, def: &mut TermDefinition) -> Result<(), ContextError> {
    let Some(p) = entry.get("@prefix") else {
        return Ok(());
    };
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
    def.prefix = p
        .as_bool()
        .ok_or_else(|| ContextError::invalid("invalid @prefix value", "@prefix must be true or false"))?;
    Ok(())
}

/// `@direction` (step 24).
fn direction_mapping(term: &str, entry: Entry<'_>, def: &mut TermDefinition) -> Result<(), ContextError> {
    let Some(d) = entry.get("@direction") else {
        return Ok(());
    };
    def.direction = Some(match d {
        Value::Null => None,
        _ => Some(Direction::parse(d).ok_or_else(|| {
            ContextError::invalid(
                "invalid base direction",
                format!("the @direction of term `{term}` must be \"ltr\", \"rtl\" or null"),
            )
        })?),
    });
    Ok(())
}

/// `@nest` (step 25).
fn nest_value(term: &str, entry: Entry<'_>, def: &mut TermDefinition) -> Result<(), ContextError> {
    let Some(n) = entry.get("@nest") else {
        return Ok(());
    };
    match n.as_str() {
        Some(n) if n == "@nest" || !n.starts_with('@') => {
            def.nest = Some(n.into());
            Ok(())
        }
        _ => Err(ContextError::invalid(
            "invalid @nest value",
            format!("the @nest of term `{term}` must be @nest or a term"),
        )),
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
