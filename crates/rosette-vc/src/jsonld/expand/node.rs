//! Node objects: their subject, their `rdf:type` statements and their keyword keys (§5.1.2
//! step 13), `@nest` (step 14), and the safe-mode rules for nodes that would be dropped.

use std::sync::Arc;

use oxrdf::vocab::rdf;
use oxrdf::{GraphName, Term};
use serde_json::{Map, Value};

use super::{Error, Expanded, Expander, Id, Item, NodeKind, Position, Result, entries};
use crate::jsonld::context::ActiveContext;
use crate::jsonld::error::{SafeModeViolation, Seg};
use crate::jsonld::iri::{Kw, is_absolute, is_bcp47, is_blank};

impl<'d> Expander<'d, '_> {
    /// A node object (§5.1.2 step 13 for its keys), its statements emitted as they are found.
    pub(super) fn node_object(
        &mut self,
        active: &Arc<ActiveContext>,
        type_scoped: &ActiveContext,
        m: &'d Map<String, Value>,
        type_keys: &[&'d str],
        ap: Option<&'d str>,
        place: NodePlace<'_>,
    ) -> Result<Expanded> {
        let mut node = self.node_start(active, type_scoped, m, type_keys, &place)?;
        for (k, v) in entries(m, self.sorted) {
            if k == "@context" {
                continue;
            }
            self.path.push(Seg::Key(k));
            node.count += match active.keyword_of(k) {
                None => usize::from(self.property(active, &node.subject, k, v, place.graph, false)?),
                Some(kw) => self.node_keyword(active, ap, m, k, v, kw, &mut node, place.graph)?,
            };
            self.path.pop();
        }
        self.node_end(active, node, &place)
    }

    /// A node's subject and `rdf:type` statements, before its other keys.
    fn node_start(
        &mut self,
        active: &ActiveContext,
        type_scoped: &ActiveContext,
        m: &'d Map<String, Value>,
        type_keys: &[&'d str],
        place: &NodePlace<'_>,
    ) -> Result<NodeState<'d>> {
        // The subject: @id, the key of an @id map, or a new blank node.
        let mut id_entry: Option<(&'d str, &'d Value)> = None;
        let mut graph_key: Option<&'d str> = None;
        for (k, v) in m {
            match active.keyword_of(k) {
                Some(Kw::Id) if id_entry.is_some() => {
                    self.path.push(Seg::Key(k));
                    return Err(self.invalid("colliding keywords", "@id is given twice"));
                }
                Some(Kw::Id) => id_entry = Some((k, v)),
                Some(Kw::Graph) => graph_key = Some(k),
                _ => {}
            }
        }
        // The top-level `{"@context": ..., "@graph": [...]}` wraps the default graph
        // (`jsonld.expand`: "optimize away @graph with no other properties").
        let only_graph = place.top_level
            && graph_key.is_some()
            && m.iter().all(|(k, v)| k == "@context" || Some(k.as_str()) == graph_key || v.is_null());
        // In sorted mode (see `Expander::sorted`) an error in @id or @type is held back until the
        // key loop reaches its key, so that the error reported is the one jsonld.js meets first.
        let mut held: Vec<(&'d str, Error)> = Vec::new();
        let subject = match id_entry {
            Some((k, v)) => {
                self.path.push(Seg::Key(k));
                let id = self.subject_id(active, v, place.default_id);
                self.path.pop();
                match id {
                    Ok(id) => id,
                    Err(e) if self.sorted => {
                        held.push((k, e));
                        Id::Blank(self.sink.fresh_blank())
                    }
                    Err(e) => return Err(e),
                }
            }
            None => match place.default_id {
                Some(id) => id.clone(),
                None => Id::Blank(self.sink.fresh_blank()),
            },
        };
        // How many entries the expanded object would have (`count` in jsonld.js), for the rules
        // that drop empty objects and bare references.
        let mut count = usize::from(id_entry.is_some());
        // @type (step 13.4.4): rdf:type statements.
        let mut has_type = false;
        for key in type_keys {
            self.path.push(Seg::Key(key));
            match self.types(type_scoped, &subject, m.get(*key).unwrap_or(&Value::Null), place.graph) {
                Ok(any) => has_type |= any,
                Err(e) if self.sorted => held.push((key, e)),
                Err(e) => return Err(e),
            }
            self.path.pop();
        }
        count += usize::from(has_type);
        // Where the node's @graph content goes.
        let content_graph = if only_graph { place.graph.clone() } else { subject.graph() };
        Ok(NodeState {
            subject,
            id_entry,
            has_graph: graph_key.is_some(),
            only_graph,
            content_graph,
            count,
            held,
            nests: Vec::new(),
        })
    }

    /// A keyword key of a node object other than @id and @type; returns how many entries it
    /// adds to the expanded node.
    #[allow(clippy::too_many_arguments, reason = "the state of the key loop of `node_object`")]
    fn node_keyword(
        &mut self,
        active: &Arc<ActiveContext>,
        ap: Option<&'d str>,
        m: &'d Map<String, Value>,
        k: &'d str,
        v: &'d Value,
        kw: Kw,
        node: &mut NodeState<'d>,
        graph: &GraphName,
    ) -> Result<usize> {
        match kw {
            Kw::Id | Kw::Type | Kw::Context => {
                if let Some(i) = node.held.iter().position(|(key, _)| *key == k) {
                    return Err(node.held.swap_remove(i).1);
                }
                Ok(0)
            }
            Kw::Graph => {
                if !(v.is_object() || v.is_array()) {
                    return Err(self.invalid("invalid @graph value", "@graph must be an object or an array"));
                }
                let content_graph = node.content_graph.clone();
                self.element(active, Some(k), v, Position::default(), &content_graph, None)?;
                Ok(1)
            }
            Kw::Reverse => Ok(usize::from(self.reverse_map(active, &node.subject, v, graph)?)),
            Kw::Included => {
                self.included(active, ap, v, graph)?;
                Ok(1)
            }
            Kw::Nest => {
                node.nests.push((k, v));
                Ok(0)
            }
            Kw::Index => {
                if !v.is_string() {
                    return Err(self.invalid("invalid @index value", "@index must be a string"));
                }
                Err(self
                    .unsupported("@index is not part of the RDF dataset, so its value would not be signed"))
            }
            Kw::Language if v.is_null() => Ok(0),
            Kw::Language => {
                let Value::String(l) = v else {
                    return Err(self.invalid("invalid language-tagged string", "@language must be a string"));
                };
                if !is_bcp47(l) {
                    return Err(self.unsafe_(SafeModeViolation::InvalidLanguage(l.clone())));
                }
                let alone = m.iter().all(|(k2, v2)| k2 == k || k2 == "@context" || v2.is_null());
                Err(if alone {
                    self.unsafe_(SafeModeViolation::ObjectWithOnlyLanguage)
                } else {
                    self.unsupported(
                        "@language applies to values, not to nodes: here it would be dropped and not signed",
                    )
                })
            }
            _ => Err(self.unsupported(format!(
                "the keyword `{k}` ({kw:?}) has no meaning in a node object, so its value would not be signed"
            ))),
        }
    }

    /// After a node's keys: held errors, `@nest`, and the rules that drop empty nodes.
    fn node_end(
        &mut self,
        active: &Arc<ActiveContext>,
        mut node: NodeState<'d>,
        place: &NodePlace<'_>,
    ) -> Result<Expanded> {
        if let Some((_, e)) = node.held.pop() {
            return Err(e);
        }
        for (k, v) in std::mem::take(&mut node.nests) {
            self.path.push(Seg::Key(k));
            node.count += self.nest(active, &node.subject, v, place.graph)?;
            self.path.pop();
        }
        if node.only_graph {
            return Ok(Expanded::Null);
        }
        let (count, has_id) = (node.count, node.id_entry.is_some());
        if place.drop_position {
            if count == 0 {
                return Err(self.unsafe_(SafeModeViolation::EmptyObject));
            }
            if count == 1
                && let Some((_, id)) = node.id_entry
            {
                return Err(self.unsafe_(SafeModeViolation::ObjectWithOnlyId(
                    id.as_str().unwrap_or_default().to_owned(),
                )));
            }
        }
        let kind = if node.has_graph {
            NodeKind::Graph
        } else if count == 0 {
            NodeKind::Empty
        } else if count == 1 && has_id {
            NodeKind::Reference
        } else {
            NodeKind::Object
        };
        Ok(Expanded::One(Item::Node(node.subject, kind)))
    }

    /// A node's identifier from its `@id` value.
    fn subject_id(&mut self, active: &ActiveContext, v: &Value, default_id: Option<&Id>) -> Result<Id> {
        let Value::String(s) = v else {
            return Err(self.invalid("invalid @id value", "@id must be a string"));
        };
        let Some(iri) = active.expand_iri(s, false, true) else {
            return Err(self.unsafe_(SafeModeViolation::ReservedIdValue(s.clone())));
        };
        if !is_blank(&iri) && !is_absolute(&iri) {
            return Err(self.unsafe_(SafeModeViolation::RelativeIdReference(s.clone())));
        }
        let id = self.id_for(&iri, SafeModeViolation::RelativeIdReference)?;
        if default_id.is_some_and(|d| *d != id) {
            return Err(self.unsupported(
                "this node's @id differs from its key in the @id map, and JSON-LD would silently drop the key",
            ));
        }
        Ok(id)
    }

    /// The `rdf:type` statements for one `@type` entry; whether there was any type.
    fn types(
        &mut self,
        type_scoped: &ActiveContext,
        subject: &Id,
        value: &Value,
        graph: &GraphName,
    ) -> Result<bool> {
        let types: &[Value] = match value {
            Value::Array(a) if a.iter().all(Value::is_string) => a,
            Value::String(_) => std::slice::from_ref(value),
            _ => {
                return Err(
                    self.invalid("invalid type value", "@type must be a string or an array of strings")
                );
            }
        };
        for t in types.iter().filter_map(Value::as_str) {
            let object = self.type_term(type_scoped, t)?;
            self.emit(subject, rdf::TYPE.into_owned(), object, graph);
        }
        Ok(!types.is_empty())
    }

    /// The object of an `rdf:type` statement for a type name (expanded in the type-scoped
    /// context, vocabulary-relative).
    fn type_term(&mut self, type_scoped: &ActiveContext, t: &str) -> Result<Term> {
        // Fast path: a term whose IRI was validated when its context was processed.
        if let Some(node) = type_scoped.term(t).and_then(|d| d.predicate.clone()) {
            return Ok(node.into());
        }
        match type_scoped.expand_iri(t, true, true) {
            Some(iri) if is_absolute(&iri) => {
                Ok(self.id_for(&iri, SafeModeViolation::RelativeTypeReference)?.term())
            }
            _ => Err(self.unsafe_(SafeModeViolation::RelativeTypeReference(t.to_owned()))),
        }
    }

    /// The `@reverse` keyword (§5.1.2 step 13.4.13): its properties point at this node.
    fn reverse_map(
        &mut self,
        active: &Arc<ActiveContext>,
        subject: &Id,
        value: &'d Value,
        graph: &GraphName,
    ) -> Result<bool> {
        let Value::Object(map) = value else {
            return Err(self.invalid("invalid @reverse value", "@reverse must be an object"));
        };
        self.enter()?;
        let ctx = self.enter_node(active, Some("@reverse"), map, false)?;
        let mut any = false;
        for (k, v) in entries(map, self.sorted) {
            if k == "@context" {
                continue;
            }
            self.path.push(Seg::Key(k));
            if ctx.keyword_of(k).is_some() {
                return Err(self.invalid(
                    "invalid reverse property map",
                    format!("the keyword `{k}` cannot be used in @reverse"),
                ));
            }
            any |= self.property(&ctx, subject, k, v, graph, true)?;
            self.path.pop();
        }
        self.depth -= 1;
        Ok(any)
    }

    /// `@included` (§5.1.2 step 13.4.6): nodes listed beside this one.
    fn included(
        &mut self,
        active: &Arc<ActiveContext>,
        ap: Option<&'d str>,
        value: &'d Value,
        graph: &GraphName,
    ) -> Result<()> {
        let expanded = self.element(active, ap, value, Position::default(), graph, None)?;
        if let Expanded::Null = expanded {
            return Err(self.invalid("invalid @included value", "@included must contain node objects"));
        }
        for item in expanded.into_vec() {
            if !matches!(item, Item::Node(_, NodeKind::Object | NodeKind::Graph | NodeKind::Empty)) {
                return Err(self.invalid("invalid @included value", "@included must contain node objects"));
            }
        }
        Ok(())
    }

    /// `@nest` (§5.1.2 step 14): the properties of the nested objects belong to this node.
    /// Returns how many keys they add.
    fn nest(
        &mut self,
        active: &Arc<ActiveContext>,
        subject: &Id,
        value: &'d Value,
        graph: &GraphName,
    ) -> Result<usize> {
        self.enter()?;
        let objects: &'d [Value] = match value {
            Value::Array(a) => a,
            v => std::slice::from_ref(v),
        };
        let mut count = 0;
        for (i, object) in objects.iter().enumerate() {
            if value.is_array() {
                self.path.push(Seg::Index(i));
            }
            let Value::Object(map) = object else {
                return Err(self.invalid("invalid @nest value", "@nest must contain objects"));
            };
            if map.keys().any(|k| active.keyword_of(k) == Some(Kw::Value)) {
                return Err(self.invalid("invalid @nest value", "a nested object cannot be a value"));
            }
            for (k, v) in entries(map, self.sorted) {
                self.path.push(Seg::Key(k));
                match active.keyword_of(k) {
                    None => count += usize::from(self.property(active, subject, k, v, graph, false)?),
                    Some(Kw::Nest) => count += self.nest(active, subject, v, graph)?,
                    Some(_) => {
                        return Err(self.unsupported(format!(
                            "the keyword `{k}` inside @nest is not supported (a processor would ignore or misplace it)"
                        )));
                    }
                }
                self.path.pop();
            }
            if value.is_array() {
                self.path.pop();
            }
        }
        self.depth -= 1;
        Ok(count)
    }
}

/// A node object while its keys are processed.
struct NodeState<'d> {
    subject: Id,
    id_entry: Option<(&'d str, &'d Value)>,
    has_graph: bool,
    only_graph: bool,
    content_graph: GraphName,
    /// Entries of the expanded node so far.
    count: usize,
    /// Errors held back in sorted mode, by key.
    held: Vec<(&'d str, Error)>,
    nests: Vec<(&'d str, &'d Value)>,
}

/// Where a node object stands.
pub(super) struct NodePlace<'a> {
    pub(super) drop_position: bool,
    pub(super) top_level: bool,
    pub(super) graph: &'a GraphName,
    pub(super) default_id: Option<&'a Id>,
}
