//! [§4.1 Context Processing](https://www.w3.org/TR/json-ld11-api/#context-processing-algorithm)
//! of one context object: its keywords (§4.1.2 steps 5.5-5.12), then its term definitions
//! (step 5.13), then its scoped contexts.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::term::TermBuilder;
use super::{ActiveContext, Contexts, Direction};
use crate::jsonld::error::{ContextError, SafeModeViolation};
use crate::jsonld::iri::{is_absolute, is_bcp47, resolve};
use crate::jsonld::local::{ContextObject, LocalContext};

/// Processes one context object (a "resolved context" of §4.1.2 step 5) on top of `active`.
pub(crate) fn process_object(
    store: &impl Contexts,
    active: &ActiveContext,
    obj: &ContextObject,
    override_protected: bool,
    depth: usize,
) -> Result<Arc<ActiveContext>, ContextError> {
    let mut result = active.derive(store.new_id());
    let original = &obj.map;
    let mut defined: HashMap<&str, bool> = HashMap::new();

    context_keywords(&mut result, original, &mut defined)?;
    let imported = import(store, original, &mut defined, depth)?;
    let map = merge_import(original, imported.as_deref());
    let map: &Map<String, Value> = &map;
    let scoped = |term: &str| {
        obj.scoped.get(term).or_else(|| imported.as_ref().and_then(|i| i.scoped.get(term))).cloned()
    };
    let protected_default = protected_default(map, &mut defined)?;

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
    update_keyword_aliases(&mut result, defined_terms);
    let result = Arc::new(result);
    check_scoped_contexts(store, &result, map, &scoped, depth)?;
    Ok(result)
}

/// A step that sets one of the context's own keywords (`@base`, `@vocab`, ...).
type KeywordStep = fn(&mut ActiveContext, &Value) -> Result<(), ContextError>;

/// Steps 5.5 and 5.7-5.11, in `jsonld.js` order: the keywords that set the active context's
/// version, base IRI, vocabulary mapping, default language and direction.
fn context_keywords(
    result: &mut ActiveContext,
    original: &Map<String, Value>,
    defined: &mut HashMap<&str, bool>,
) -> Result<(), ContextError> {
    let steps: [(&'static str, KeywordStep); 6] = [
        ("@version", version),
        ("@base", base),
        ("@vocab", vocab),
        ("@language", language),
        ("@direction", direction),
        ("@propagate", propagate),
    ];
    for (keyword, step) in steps {
        if let Some(v) = original.get(keyword) {
            step(result, v)?;
            defined.insert(keyword, true);
        }
    }
    Ok(())
}

/// `@version` (step 5.5).
fn version(_: &mut ActiveContext, v: &Value) -> Result<(), ContextError> {
    if v.as_f64() != Some(1.1) {
        return Err(ContextError::invalid(
            "invalid @version value",
            format!("unsupported JSON-LD version {v}"),
        ));
    }
    Ok(())
}

/// `@base` (step 5.7): documents have no base IRI, so only an absolute @base means anything.
fn base(result: &mut ActiveContext, v: &Value) -> Result<(), ContextError> {
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
    Ok(())
}

/// `@vocab` (step 5.8).
fn vocab(result: &mut ActiveContext, v: &Value) -> Result<(), ContextError> {
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
            return Err(ContextError::invalid("invalid vocab mapping", "@vocab must be a string or null"));
        }
    }
    Ok(())
}

/// `@language` (step 5.9).
fn language(result: &mut ActiveContext, v: &Value) -> Result<(), ContextError> {
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
    Ok(())
}

/// `@direction` (step 5.10).
fn direction(result: &mut ActiveContext, v: &Value) -> Result<(), ContextError> {
    result.direction = match v {
        Value::Null => None,
        _ => Some(Direction::parse(v).ok_or_else(|| {
            ContextError::invalid(
                "invalid base direction",
                format!("@direction must be \"ltr\", \"rtl\" or null, not {v}"),
            )
        })?),
    };
    Ok(())
}

/// `@propagate` (step 5.11; its value was used by the caller).
fn propagate(_: &mut ActiveContext, v: &Value) -> Result<(), ContextError> {
    if !v.is_boolean() {
        return Err(ContextError::invalid("invalid @propagate value", "@propagate must be true or false"));
    }
    Ok(())
}

/// `@import` (step 5.6, in `jsonld.js` order): the imported context, if any.
fn import(
    store: &impl Contexts,
    original: &Map<String, Value>,
    defined: &mut HashMap<&str, bool>,
    depth: usize,
) -> Result<Option<Arc<ContextObject>>, ContextError> {
    match original.get("@import") {
        None => Ok(None),
        Some(Value::String(url)) => {
            defined.insert("@import", true);
            Ok(Some(store.import(url, depth)?))
        }
        Some(_) => Err(ContextError::invalid("invalid @import value", "@import must be a string")),
    }
}

/// The context's entries with the imported context's entries under them (step 5.6).
fn merge_import<'a>(
    original: &'a Map<String, Value>,
    imported: Option<&ContextObject>,
) -> Cow<'a, Map<String, Value>> {
    match imported {
        None => Cow::Borrowed(original),
        Some(import) => {
            let mut m = original.clone();
            for (k, v) in &import.map {
                m.entry(k.clone()).or_insert_with(|| v.clone());
            }
            Cow::Owned(m)
        }
    }
}

/// `@protected` (step 5.12): whether the context's terms are protected by default.
fn protected_default(
    map: &Map<String, Value>,
    defined: &mut HashMap<&str, bool>,
) -> Result<bool, ContextError> {
    match map.get("@protected") {
        None => Ok(false),
        Some(Value::Bool(b)) => {
            defined.insert("@protected", true);
            Ok(*b)
        }
        Some(_) => Err(ContextError::invalid("invalid @protected value", "@protected must be true or false")),
    }
}

/// Keeps the keyword-alias list in step with the redefined terms.
fn update_keyword_aliases(result: &mut ActiveContext, defined_terms: Vec<&str>) {
    result.keyword_aliases.retain(|(term, _)| !defined_terms.contains(&&**term));
    for term in defined_terms {
        if let Some(kw) = result.terms.get(term).and_then(|d| d.keyword) {
            result.keyword_aliases.push((term.into(), kw));
        }
    }
}

/// jsonld.js processes every scoped context once when its term is defined, so that an
/// invalid one is an error even if no node uses it. It does so against the context as built
/// so far; using the finished context differs only for contexts whose validity depends on
/// the order of their own keys.
fn check_scoped_contexts(
    store: &impl Contexts,
    result: &Arc<ActiveContext>,
    map: &Map<String, Value>,
    scoped: &impl Fn(&str) -> Option<Arc<LocalContext>>,
    depth: usize,
) -> Result<(), ContextError> {
    for (term, value) in map {
        if value.get("@context").is_some()
            && let Some(local) = scoped(term)
        {
            store.process(result, &local, true, true, depth + 1).map_err(|e| match e {
                ContextError::Unknown(_) | ContextError::TooDeep => e,
                other => ContextError::invalid(
                    "invalid scoped context",
                    format!("the scoped context of term `{term}` is invalid: {}", describe(&other)),
                ),
            })?;
        }
    }
    Ok(())
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
