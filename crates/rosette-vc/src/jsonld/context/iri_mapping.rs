//! The IRI mapping of a term definition
//! ([§4.2](https://www.w3.org/TR/json-ld11-api/#create-term-definition) steps 13-18) and the
//! [§5.2 IRI Expansion](https://www.w3.org/TR/json-ld11-api/#iri-expansion) it uses while the
//! local context is processed, which defines the terms a value depends on first.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use super::TermDefinition;
use super::term::{Entry, TermBuilder};
use crate::jsonld::error::{ContextError, SafeModeViolation};
use crate::jsonld::iri::{ends_with_gen_delim, has_keyword_form, is_absolute, is_keyword};
use crate::jsonld::local::LocalContext;

impl<'m, F: Fn(&str) -> Option<Arc<LocalContext>>> TermBuilder<'m, '_, F> {
    /// The IRI mapping (steps 13-18): from `@reverse`, from `@id`, or from the term itself.
    pub(super) fn iri_mapping(
        &mut self,
        term: &'m str,
        entry: Entry<'m>,
        colon: Option<usize>,
        def: &mut TermDefinition,
        depth: usize,
    ) -> Result<(), ContextError> {
        // `iri_set` distinguishes "mapped to null" from "not yet".
        let iri_set = if let Some(reverse) = entry.get("@reverse") {
            self.reverse_mapping(term, entry, reverse, def, depth)?;
            true
        } else if let Some(id) = entry.get("@id") {
            self.id_mapping(term, entry, id, colon, def, depth)?
        } else {
            false
        };
        if !iri_set {
            self.iri_from_term(term, colon, def, depth)?;
        }
        Ok(())
    }

    /// `@reverse` (step 13).
    fn reverse_mapping(
        &mut self,
        term: &str,
        entry: Entry<'m>,
        reverse: &Value,
        def: &mut TermDefinition,
        depth: usize,
    ) -> Result<(), ContextError> {
        if entry.get("@id").is_some() || entry.get("@nest").is_some() {
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
        Ok(())
    }

    /// `@id` (step 14); whether it set the IRI mapping (an `@id` equal to the term does not).
    fn id_mapping(
        &mut self,
        term: &'m str,
        entry: Entry<'m>,
        id: &Value,
        colon: Option<usize>,
        def: &mut TermDefinition,
        depth: usize,
    ) -> Result<bool, ContextError> {
        match id {
            Value::Null => Ok(true),
            Value::String(id) if !is_keyword(id) && has_keyword_form(id) => {
                Err(ContextError::Unsafe(SafeModeViolation::ReservedIdValue(id.clone())))
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
                self.check_iri_like_term(term, &iri, depth)?;
                def.prefix = entry.simple && colon.is_none() && ends_with_gen_delim(&iri);
                def.iri = Some(iri.into());
                Ok(true)
            }
            Value::String(_) => Ok(false),
            _ => Err(ContextError::invalid(
                "invalid IRI mapping",
                format!("the @id of term `{term}` must be a string or null"),
            )),
        }
    }

    /// A term that looks like an IRI must expand to that IRI (step 14.2.4).
    fn check_iri_like_term(&mut self, term: &'m str, iri: &str, depth: usize) -> Result<(), ContextError> {
        let looks_like_iri = term.contains('/')
            || term
                .char_indices()
                .any(|(i, c)| c == ':' && term[i + 1..].chars().next().is_some_and(|n| n != ':'));
        if looks_like_iri {
            self.defined.insert(term, true);
            let own = self.expand_iri(term, depth);
            self.defined.insert(term, false);
            if own?.as_deref() != Some(iri) {
                return Err(ContextError::invalid(
                    "invalid IRI mapping",
                    format!("term `{term}` has the form of an IRI but maps to a different IRI `{iri}`"),
                ));
            }
        }
        Ok(())
    }

    /// The IRI mapping of a term without one of its own (steps 15-18): a compact IRI or an
    /// absolute IRI used as a term, `@type`, or the term appended to `@vocab`.
    fn iri_from_term(
        &mut self,
        term: &'m str,
        colon: Option<usize>,
        def: &mut TermDefinition,
        depth: usize,
    ) -> Result<(), ContextError> {
        if let Some(colon) = colon {
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
        Ok(())
    }

    /// IRI expansion during context processing (vocabulary-relative, no base), defining the terms
    /// of the local context that the value depends on first (§5.2 steps 3-4, 6.3).
    pub(super) fn expand_iri(&mut self, value: &str, depth: usize) -> Result<Option<String>, ContextError> {
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
