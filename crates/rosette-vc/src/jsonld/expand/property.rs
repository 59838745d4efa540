//! One property of a node object (§5.1.2 step 13 for a key that is not a keyword): what its key
//! means, and its value, expanded plainly or shaped by a container or the `@json` type.

use std::borrow::Cow;
use std::sync::Arc;

use oxrdf::GraphName;
use serde_json::Value;

use super::{Expanded, Expander, Id, Item, Position, Result};
use crate::jsonld::context::{ActiveContext, Container, TermDefinition, TypeMapping};
use crate::jsonld::error::SafeModeViolation;
use crate::jsonld::iri::is_absolute;

impl<'d> Expander<'d, '_> {
    /// One property of a node (§5.1.2 step 13 for a non-keyword key) and its statements. Returns
    /// whether the expanded node keeps the key (`false` when the value expands to nothing).
    /// `in_reverse_map` is set for the keys of an `@reverse` object.
    pub(super) fn property(
        &mut self,
        active: &Arc<ActiveContext>,
        subject: &Id,
        key: &'d str,
        value: &'d Value,
        graph: &GraphName,
        in_reverse_map: bool,
    ) -> Result<bool> {
        let prop = self.property_setup(active, key)?;
        let expanded = if prop.is_special(value) {
            self.special_value(active, &prop, key, value, graph)?
        } else {
            self.element(&prop.term_ctx, Some(key), value, Position::default(), graph, None)?
        };
        self.property_statements(prop, subject, key, expanded, graph, in_reverse_map)
    }

    /// What a property's key means: its definition, IRI and the context for its value.
    fn property_setup(&mut self, active: &Arc<ActiveContext>, key: &str) -> Result<PropertySetup> {
        let def = active.term(key).cloned();
        // A term whose predicate was validated with its context needs no further checks.
        let iri = match &def {
            Some(d) if d.predicate.is_some() => None,
            _ => Some(self.property_iri(active, key)?.into_owned()),
        };
        let term_ctx = match def.as_ref().and_then(|d| d.context.as_ref()) {
            Some(scoped) => self.process(active, scoped, true, true)?,
            None => active.clone(),
        };
        Ok(PropertySetup { def, iri, term_ctx })
    }

    /// A property's IRI (vocabulary-relative), which must be absolute.
    pub(super) fn property_iri<'a>(&self, active: &'a ActiveContext, key: &'a str) -> Result<Cow<'a, str>> {
        match active.expand_iri(key, true, false) {
            Some(iri) if is_absolute(&iri) => Ok(iri),
            _ => Err(self.unsafe_(SafeModeViolation::InvalidProperty(key.to_owned()))),
        }
    }

    /// A value that a container or the `@json` type shapes (§5.1.2 steps 13.7-13.9).
    fn special_value(
        &mut self,
        active: &Arc<ActiveContext>,
        prop: &PropertySetup,
        key: &'d str,
        value: &'d Value,
        graph: &GraphName,
    ) -> Result<Expanded> {
        let container = prop.container();
        let term_ctx = &prop.term_ctx;
        if container.has(Container::LANGUAGE) && value.is_object() {
            self.language_map(term_ctx, key, value)
        } else if container.has(Container::INDEX) && value.is_object() {
            self.index_map(active, term_ctx, key, prop.def.as_deref(), value, graph)
        } else if container.has(Container::ID) && value.is_object() {
            self.id_map(term_ctx, key, value, container, graph)
        } else if container.has(Container::TYPE) && value.is_object() {
            self.type_map(term_ctx, key, value, graph)
        } else if prop.is_json() {
            let literal = self.json_literal(value)?;
            Ok(Expanded::One(Item::Literal(literal)))
        } else {
            self.graph_container(term_ctx, key, value)
        }
    }
}

/// A property key's meaning.
pub(super) struct PropertySetup {
    pub(super) def: Option<Arc<TermDefinition>>,
    /// The expanded IRI, when the definition has no validated predicate.
    pub(super) iri: Option<String>,
    /// The context for the value: the active one with the term's scoped context applied.
    pub(super) term_ctx: Arc<ActiveContext>,
}

impl PropertySetup {
    pub(super) fn container(&self) -> Container {
        self.def.as_ref().map(|d| d.container).unwrap_or_default()
    }

    fn is_json(&self) -> bool {
        matches!(self.def.as_ref().and_then(|d| d.type_mapping.as_ref()), Some(TypeMapping::Json))
    }

    /// Whether the value needs [`Expander::special_value`] rather than plain expansion.
    fn is_special(&self, value: &Value) -> bool {
        let c = self.container();
        (value.is_object()
            && (c.has(Container::LANGUAGE)
                || c.has(Container::INDEX)
                || c.has(Container::ID)
                || c.has(Container::TYPE)))
            || self.is_json()
            || (c.has(Container::GRAPH) && !c.has(Container::ID) && !c.has(Container::INDEX))
    }
}
