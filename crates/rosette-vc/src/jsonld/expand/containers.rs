//! Values shaped by a term's container mapping (§5.1.2 steps 13.7-13.8): `@graph` containers,
//! and language, index, id and type maps.

use std::sync::Arc;

use oxrdf::GraphName;
use oxrdf::vocab::rdf;
use serde_json::Value;

use super::{Expanded, Expander, Id, Item, NodeKind, Position, Result, entries};
use crate::jsonld::context::{ActiveContext, Container, TermDefinition};
use crate::jsonld::error::{SafeModeViolation, Seg};
use crate::jsonld::iri::{Kw, cmp_utf16, is_absolute, is_bcp47, is_blank, named_node};
use crate::jsonld::rdf::literal;

impl<'d> Expander<'d, '_> {
    /// A `@graph` container (§5.1.2 step 13.8.3): each node goes into a graph of its own, named
    /// by a new blank node, which becomes the property's value.
    pub(super) fn graph_container(
        &mut self,
        term_ctx: &Arc<ActiveContext>,
        key: &'d str,
        value: &'d Value,
    ) -> Result<Expanded> {
        let elements: Vec<(Option<usize>, &'d Value)> = match value {
            Value::Null => return Ok(Expanded::Null),
            Value::Array(a) => a.iter().enumerate().map(|(i, v)| (Some(i), v)).collect(),
            v => vec![(None, v)],
        };
        let mut items = Vec::with_capacity(elements.len());
        for (i, element) in elements {
            if let Some(i) = i {
                self.path.push(Seg::Index(i));
            }
            match element {
                Value::Null => {}
                Value::Object(_) => {
                    let name = Id::Blank(self.sink.fresh_blank());
                    let expanded =
                        self.element(term_ctx, Some(key), element, Position::default(), &name.graph(), None)?;
                    match expanded.into_vec().as_slice() {
                        [Item::Node(_, NodeKind::Object)] => items.push(Item::Node(name, NodeKind::Graph)),
                        [Item::Node(_, NodeKind::Empty)] => {
                            return Err(self.unsafe_(SafeModeViolation::EmptyObject));
                        }
                        [Item::Node(_, NodeKind::Graph)] => {
                            return Err(self.unsupported(
                                "a graph object inside a @graph container has different RDF forms in different JSON-LD processors",
                            ));
                        }
                        [Item::Node(id, NodeKind::Reference)] => {
                            return Err(self.unsafe_(SafeModeViolation::ObjectWithOnlyId(id.display())));
                        }
                        [Item::Literal(_)] => {
                            return Err(self.unsafe_(SafeModeViolation::ObjectWithOnlyValue));
                        }
                        [Item::List(_)] => return Err(self.unsafe_(SafeModeViolation::ObjectWithOnlyList)),
                        _ => {
                            return Err(self.unsupported(
                                "a set inside a @graph container has different RDF forms in different JSON-LD processors",
                            ));
                        }
                    }
                }
                Value::Array(_) => {
                    return Err(self.unsupported("nested arrays in a @graph container are not supported"));
                }
                scalar => {
                    // A scalar expands to a value or a node reference, either of which the
                    // container drops.
                    return Err(match self.scalar(term_ctx, Some(key), scalar)? {
                        Item::Node(..) => {
                            self.unsafe_(SafeModeViolation::ObjectWithOnlyId(scalar.to_string()))
                        }
                        _ => self.unsafe_(SafeModeViolation::ObjectWithOnlyValue),
                    });
                }
            }
            if i.is_some() {
                self.path.pop();
            }
        }
        Ok(if items.is_empty() { Expanded::Null } else { Expanded::Many(items) })
    }

    /// A language map (`@container: @language`, §5.2.2 step 13.7).
    pub(super) fn language_map(
        &mut self,
        term_ctx: &ActiveContext,
        key: &str,
        value: &'d Value,
    ) -> Result<Expanded> {
        let Value::Object(map) = value else {
            return Ok(Expanded::Null);
        };
        let def = term_ctx.term(key);
        let direction = match def.and_then(|d| d.direction) {
            Some(d) => d,
            None => term_ctx.direction,
        };
        let mut items = Vec::new();
        for (lang, v) in entries(map, self.sorted) {
            self.path.push(Seg::Key(lang));
            let language = if term_ctx.keyword_of(lang) == Some(Kw::None) {
                None
            } else if is_bcp47(lang) {
                Some(lang.to_lowercase())
            } else {
                return Err(self.unsafe_(SafeModeViolation::InvalidLanguage(lang.clone())));
            };
            let strings: &[Value] = match v {
                Value::Array(a) => a,
                v => std::slice::from_ref(v),
            };
            for s in strings {
                match s {
                    Value::Null => {}
                    Value::String(_) => {
                        if direction.is_some() && !self.drop_direction {
                            return Err(self.unsafe_(SafeModeViolation::RdfDirectionNotSet(s.to_string())));
                        }
                        let lit = literal(s, None, language.as_deref()).map_err(|m| self.unsupported(m))?;
                        items.push(Item::Literal(lit));
                    }
                    _ => {
                        return Err(self.invalid(
                            "invalid language map value",
                            "the values of a language map must be strings",
                        ));
                    }
                }
            }
            self.path.pop();
        }
        Ok(Expanded::Many(items))
    }

    /// An index map with a property index (`@container: @index`, `@index: "prop"`): each key
    /// becomes a value of that property on the nodes under it. A plain index map is refused,
    /// since its keys are not part of the RDF dataset and would not be signed.
    pub(super) fn index_map(
        &mut self,
        active: &ActiveContext,
        term_ctx: &Arc<ActiveContext>,
        key: &'d str,
        def: Option<&TermDefinition>,
        value: &'d Value,
        graph: &GraphName,
    ) -> Result<Expanded> {
        let Value::Object(map) = value else {
            return Ok(Expanded::Null);
        };
        let Some(index_key) = def.and_then(|d| d.index.clone()) else {
            return Err(self.unsupported(format!(
                "the keys of the index map `{key}` are not part of the RDF dataset, so they would not be signed"
            )));
        };
        if def.is_some_and(|d| d.container.has(Container::GRAPH)) {
            return Err(self.unsupported("@graph index maps are not supported"));
        }
        let index_iri = match active.expand_iri(&index_key, true, false) {
            Some(iri) if is_blank(&iri) => {
                return Err(self.unsafe_(SafeModeViolation::BlankNodePredicate(index_key.to_string())));
            }
            Some(iri) if is_absolute(&iri) => iri.into_owned(),
            _ => {
                return Err(
                    self.unsafe_(SafeModeViolation::RelativePredicateReference(index_key.to_string()))
                );
            }
        };
        let predicate = named_node(&index_iri).ok_or_else(|| {
            self.unsupported(format!("property IRI `{index_iri}` is not a valid IRI (RFC 3987)"))
        })?;
        let position = Position { inside_index: true, ..Position::default() };
        let mut items = Vec::new();
        for (k, v) in entries(map, self.sorted) {
            self.path.push(Seg::Key(k));
            let expanded = self.element(term_ctx, Some(key), v, position, graph, None)?.into_vec();
            let index_value = if term_ctx.expand_iri(k, true, false).as_deref() == Some("@none") {
                None
            } else {
                Some(self.scalar(term_ctx, Some(&index_key), &Value::String(k.clone()))?)
            };
            for item in expanded {
                let Item::Node(id, kind) = item else {
                    return Err(self.invalid(
                        "invalid value object",
                        "the values of a property-indexed map must be nodes",
                    ));
                };
                if let Some(index_value) = &index_value {
                    let object = match index_value {
                        Item::Node(i, _) => i.term(),
                        Item::Literal(l) => l.clone().into(),
                        Item::List(_) => return Err(self.unsupported("a list cannot be an index value")),
                    };
                    self.emit(&id, predicate.clone(), object, graph);
                }
                items.push(Item::Node(id, kind));
            }
            self.path.pop();
        }
        Ok(Expanded::Many(items))
    }

    /// An id map (`@container: @id`, optionally with `@graph`): each key is the identifier of
    /// the nodes (or the name of the graph) under it.
    pub(super) fn id_map(
        &mut self,
        term_ctx: &Arc<ActiveContext>,
        key: &'d str,
        value: &'d Value,
        container: Container,
        graph: &GraphName,
    ) -> Result<Expanded> {
        let Value::Object(map) = value else {
            return Ok(Expanded::Null);
        };
        let position = Position { inside_index: true, ..Position::default() };
        let mut items = Vec::new();
        for (k, v) in entries(map, self.sorted) {
            self.path.push(Seg::Key(k));
            let id = if term_ctx.expand_iri(k, true, false).as_deref() == Some("@none") {
                None
            } else {
                let Some(iri) = term_ctx.expand_iri(k, false, true) else {
                    return Err(self.unsafe_(SafeModeViolation::ReservedIdValue(k.clone())));
                };
                Some(self.id_for(&iri, SafeModeViolation::RelativeObjectReference)?)
            };
            if container.has(Container::GRAPH) {
                let elements: &'d [Value] = match v {
                    Value::Array(a) => a,
                    v => std::slice::from_ref(v),
                };
                for element in elements {
                    if element
                        .as_object()
                        .is_some_and(|o| o.keys().any(|k| term_ctx.keyword_of(k) == Some(Kw::Graph)))
                    {
                        return Err(self.unsupported(
                            "a graph object inside a @graph container has different RDF forms in different JSON-LD processors",
                        ));
                    }
                    let name = match &id {
                        Some(id) => id.clone(),
                        None => Id::Blank(self.sink.fresh_blank()),
                    };
                    let expanded =
                        self.element(term_ctx, Some(key), element, position, &name.graph(), None)?;
                    match expanded.into_vec().as_slice() {
                        [] => {}
                        [Item::Node(_, NodeKind::Object | NodeKind::Graph)] => {
                            items.push(Item::Node(name, NodeKind::Graph));
                        }
                        [Item::Node(id, NodeKind::Reference)] => {
                            return Err(self.unsafe_(SafeModeViolation::ObjectWithOnlyId(id.display())));
                        }
                        [Item::Node(_, NodeKind::Empty)] => {
                            return Err(self.unsafe_(SafeModeViolation::EmptyObject));
                        }
                        [Item::Literal(_)] => {
                            return Err(self.unsafe_(SafeModeViolation::ObjectWithOnlyValue));
                        }
                        _ => {
                            return Err(
                                self.unsupported("only node objects can be the values of a @graph id map")
                            );
                        }
                    }
                }
            } else {
                let expanded = self.element(term_ctx, Some(key), v, position, graph, id.as_ref())?;
                for item in expanded.into_vec() {
                    match item {
                        Item::Node(node, NodeKind::Reference) if id.as_ref().is_some_and(|i| *i != node) => {
                            return Err(self.unsupported(
                                "this node's identifier differs from its key in the @id map, and JSON-LD would silently drop the key",
                            ));
                        }
                        Item::Node(..) => items.push(item),
                        Item::Literal(_) => {
                            return Err(self
                                .invalid("invalid value object", "the values of an @id map must be nodes"));
                        }
                        Item::List(_) => {
                            return Err(self.unsupported("a list in an @id map would lose its key"));
                        }
                    }
                }
            }
            self.path.pop();
        }
        Ok(Expanded::Many(items))
    }

    /// A type map (`@container: @type`): each key is a type of the nodes under it, and its
    /// type-scoped context applies to them (accumulating in key order, as in `jsonld.js`).
    pub(super) fn type_map(
        &mut self,
        term_ctx: &Arc<ActiveContext>,
        key: &'d str,
        value: &'d Value,
        graph: &GraphName,
    ) -> Result<Expanded> {
        let Value::Object(map) = value else {
            return Ok(Expanded::Null);
        };
        let mut ctx = term_ctx.previous.clone().unwrap_or_else(|| term_ctx.clone());
        let mut keys: Vec<(&'d String, &'d Value)> = map.iter().collect();
        keys.sort_by(|a, b| cmp_utf16(a.0, b.0));
        let position = Position { inside_index: true, ..Position::default() };
        let mut items = Vec::new();
        for (k, v) in keys {
            self.path.push(Seg::Key(k));
            if let Some(scoped) = ctx.term(k).and_then(|d| d.context.clone()) {
                ctx = self.process(&ctx, &scoped, false, false)?;
            }
            let type_term = match ctx.expand_iri(k, true, false) {
                Some(iri) if iri == "@none" => None,
                Some(iri) if is_absolute(&iri) => {
                    Some(self.id_for(&iri, SafeModeViolation::RelativeTypeReference)?.term())
                }
                _ => return Err(self.unsafe_(SafeModeViolation::RelativeTypeReference(k.clone()))),
            };
            let expanded = self.element(&ctx, Some(key), v, position, graph, None)?;
            for item in expanded.into_vec() {
                let Item::Node(id, _) = &item else {
                    return Err(self.unsupported("only nodes can be the values of a type map"));
                };
                if let Some(t) = &type_term {
                    self.emit(id, rdf::TYPE.into_owned(), t.clone(), graph);
                }
                items.push(item);
            }
            self.path.pop();
        }
        Ok(Expanded::Many(items))
    }
}
