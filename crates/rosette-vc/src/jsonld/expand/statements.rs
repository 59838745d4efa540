//! The RDF side of the single pass
//! ([§8.1](https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm)): node
//! identifiers, and the statements written to the [`QuadSink`](crate::jsonld::rdf::QuadSink) as
//! soon as subject, predicate and object are known.

use oxrdf::{BlankNode, GraphName, NamedNode, Term};

use super::property::PropertySetup;
use super::{Expanded, Expander, Id, Item, Result};
use crate::jsonld::context::Container;
use crate::jsonld::error::SafeModeViolation;
use crate::jsonld::iri::{is_absolute, is_blank, named_node};

impl<'d> Expander<'d, '_> {
    /// The node for an expanded identifier; `relative` names the safe-mode event a relative
    /// IRI raises in this role.
    pub(super) fn id_for(&mut self, iri: &str, relative: fn(String) -> SafeModeViolation) -> Result<Id> {
        if let Some(label) = iri.strip_prefix("_:") {
            return Ok(Id::Blank(self.label(label)));
        }
        if !is_absolute(iri) {
            return Err(self.unsafe_(relative(iri.to_owned())));
        }
        match named_node(iri) {
            Some(n) => Ok(Id::Named(n)),
            None => Err(self.unsupported(format!(
                "`{iri}` is not a valid IRI (RFC 3987), so it has no canonical N-Quads form to sign"
            ))),
        }
    }

    fn label(&mut self, label: &str) -> BlankNode {
        if let Some(b) = self.labels.get(label) {
            return b.clone();
        }
        let b = self.sink.fresh_blank();
        self.labels.insert(label.to_owned(), b.clone());
        b
    }

    pub(super) fn emit(&mut self, subject: &Id, predicate: NamedNode, object: Term, graph: &GraphName) {
        self.sink.push(subject.subject(), predicate, object, graph);
    }

    /// The RDF term for an item; lists become `rdf:first`/`rdf:rest` chains in `graph`.
    fn object_term(&mut self, item: Item, graph: &GraphName) -> Term {
        match item {
            Item::Node(id, _) => id.term(),
            Item::Literal(l) => l.into(),
            Item::List(items) => {
                let terms = items.into_iter().map(|i| self.object_term(i, graph)).collect();
                self.sink.list(terms, graph)
            }
        }
    }

    /// The statements of one property once its value is expanded.
    pub(super) fn property_statements(
        &mut self,
        prop: PropertySetup,
        subject: &Id,
        key: &str,
        expanded: Expanded,
        graph: &GraphName,
        in_reverse_map: bool,
    ) -> Result<bool> {
        let container = prop.container();
        let items = match expanded {
            Expanded::Null => return Ok(false),
            Expanded::One(Item::List(l)) if container.has(Container::LIST) => vec![Item::List(l)],
            e if container.has(Container::LIST) => vec![Item::List(e.into_vec())],
            e => e.into_vec(),
        };
        if items.is_empty() {
            return Ok(true);
        }
        let predicate = match (prop.def.as_ref().and_then(|d| d.predicate.clone()), &prop.iri) {
            (Some(p), _) => p,
            (None, Some(iri)) if is_blank(iri) => {
                return Err(self.unsafe_(SafeModeViolation::BlankNodePredicate(key.to_owned())));
            }
            (None, iri) => {
                let iri = iri.as_deref().unwrap_or_default();
                named_node(iri).ok_or_else(|| {
                    self.unsupported(format!(
                        "property IRI `{iri}` is not a valid IRI (RFC 3987), so it has no canonical N-Quads form"
                    ))
                })?
            }
        };
        let is_reverse_term = prop.def.as_ref().is_some_and(|d| d.reverse);
        // In an @reverse object a reverse term points forward again.
        let reverse = is_reverse_term != in_reverse_map;
        for item in items {
            if is_reverse_term || in_reverse_map {
                let Item::Node(id, _) = item else {
                    return Err(self.invalid(
                        "invalid reverse property value",
                        "the value of a reverse property must be a node",
                    ));
                };
                if reverse {
                    self.emit(&id, predicate.clone(), subject.term(), graph);
                } else {
                    self.emit(subject, predicate.clone(), id.term(), graph);
                }
            } else {
                let empty_list = matches!(&item, Item::List(l) if l.is_empty());
                let object = self.object_term(item, graph);
                if self
                    .sink
                    .push_value(subject.subject(), predicate.clone(), object, graph, empty_list)
                    .is_err()
                {
                    return Err(self.unsupported(
                        "this empty list repeats a statement made elsewhere; jsonld.js would sign the statement twice and other processors once",
                    ));
                }
            }
        }
        Ok(true)
    }
}
