//! [Expansion](https://www.w3.org/TR/json-ld11-api/#expansion-algorithm) (JSON-LD 1.1 API §5.1)
//! and [Deserialize JSON-LD to RDF](https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm)
//! (§8.1) in a single pass.
//!
//! The specification expands the whole document, flattens it into a node map, and only then
//! writes quads. This walker writes each node's quads as soon as its identifier is known, which
//! avoids building two intermediate trees. That is possible because, in safe mode, everything the
//! two later steps would drop is an error anyway; what they do merge (duplicate statements) the
//! [`QuadSink`] merges too.
//!
//! The walk mirrors `jsonld.js` `api.expand` / `_expandObject` (`lib/expand.js`) step by step,
//! including the places where safe mode raises an event: those are the errors here, located by
//! the JSON path of the offending value. Valid JSON-LD that `jsonld.js` would accept but that
//! would lose data or that processors disagree on is refused with
//! [`JsonLdError::Unsupported`].
//!
//! # Module map
//!
//! - `element.rs`: one JSON value, and the active context of an object;
//! - `node.rs`: node objects and their keywords;
//! - `property.rs`: the other keys of a node object, its properties;
//! - `containers.rs`: `@graph` containers, and language, index, id and type maps;
//! - `list.rs`: list and set objects;
//! - `value.rs`: value expansion (§5.3) and value objects;
//! - `statements.rs`: node identifiers and statements (§8.1).

mod containers;
mod element;
mod list;
mod node;
mod property;
mod statements;
mod value;

use std::collections::HashMap;
use std::sync::Arc;

use oxrdf::{BlankNode, GraphName, NamedNode, Subject, Term};
use serde_json::{Map, Value};

use super::context::{ActiveContext, Contexts};
use super::error::{JsonLdError, SafeModeViolation, Seg, format_path};
use super::iri::cmp_utf16;
use super::local::LocalContext;
use super::rdf::QuadSink;
use super::store::ContextStore;

/// How deeply a document may nest (objects and arrays together). Credentials nest well under
/// twenty levels, and serde_json does not parse JSON nested deeper than 128 levels, so this
/// only refuses documents built in memory; it keeps the recursion within a small fraction of a
/// 2 MiB thread stack (about 7 KiB per level in a debug build, 3 KiB in release).
pub(crate) const MAX_DEPTH: usize = 128;

/// Errors are boxed inside the walker: a small `Result` keeps the recursive frames small.
type Error = Box<JsonLdError>;
type Result<T> = std::result::Result<T, Error>;

/// A node identifier: a subject, an object, or a graph name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Id {
    Named(NamedNode),
    Blank(BlankNode),
}

impl Id {
    /// The identifier as written in N-Quads-like form, for messages.
    fn display(&self) -> String {
        match self {
            Self::Named(n) => n.as_str().to_owned(),
            Self::Blank(b) => format!("_:{}", b.as_str()),
        }
    }

    fn subject(&self) -> Subject {
        match self {
            Self::Named(n) => n.clone().into(),
            Self::Blank(b) => b.clone().into(),
        }
    }

    fn term(&self) -> Term {
        match self {
            Self::Named(n) => n.clone().into(),
            Self::Blank(b) => b.clone().into(),
        }
    }

    fn graph(&self) -> GraphName {
        match self {
            Self::Named(n) => n.clone().into(),
            Self::Blank(b) => b.clone().into(),
        }
    }
}

/// What a node object expanded to, for the checks that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    /// Only an `@id`: a reference to a node described elsewhere.
    Reference,
    /// A node with statements.
    Object,
    /// A node with nothing at all (`{}`), which a `@graph` container drops.
    Empty,
    /// A node with an `@graph`.
    Graph,
}

/// One expanded value, about to become the object of a statement.
#[derive(Debug)]
enum Item {
    Node(Id, NodeKind),
    Literal(oxrdf::Literal),
    List(Vec<Item>),
}

/// The result of expanding one JSON value: nothing (`null`), one item, or an array's items.
/// The distinction matters for `@list` containers, which wrap anything but a single list.
enum Expanded {
    Null,
    One(Item),
    Many(Vec<Item>),
}

impl Expanded {
    fn into_vec(self) -> Vec<Item> {
        match self {
            Self::Null => Vec::new(),
            Self::One(item) => vec![item],
            Self::Many(items) => items,
        }
    }
}

/// Where an object stands, for the rules that depend on it.
#[derive(Clone, Copy, Default)]
struct Position {
    inside_list: bool,
    inside_index: bool,
    /// The document's own top-level object.
    top_level: bool,
}

/// The state of one document's conversion.
pub(crate) struct Expander<'d, 's> {
    store: &'s ContextStore,
    sink: QuadSink,
    /// The document's blank node labels, each mapped to a fresh blank node.
    labels: HashMap<String, BlankNode>,
    path: Vec<Seg<'d>>,
    depth: usize,
    /// Visit object keys in JavaScript sort order, as `jsonld.js` does, rather than in map order.
    /// The result is the same either way; only which of several errors is found first differs,
    /// so [`to_rdf`](super::JsonLdProcessor::to_rdf) re-runs a failed document sorted, to report
    /// the error `jsonld.js` reports whatever order serde_json keeps keys in.
    sorted: bool,
    /// Let a text direction go unconverted, as JSON-LD does without `rdfDirection`, instead of
    /// refusing it: for a document whose JSON, not its RDF, is signed (`eddsa-jcs-2022`).
    drop_direction: bool,
}

impl<'d, 's> Expander<'d, 's> {
    pub(crate) fn new(store: &'s ContextStore, seed: u64, sorted: bool) -> Self {
        Self {
            store,
            sink: QuadSink::new(seed),
            labels: HashMap::new(),
            path: Vec::new(),
            depth: 0,
            sorted,
            drop_direction: false,
        }
    }

    /// See [`Expander::drop_direction`].
    pub(crate) fn dropping_direction(mut self) -> Self {
        self.drop_direction = true;
        self
    }

    /// Converts a whole document.
    pub(crate) fn document(self, document: &'d Value) -> std::result::Result<Vec<oxrdf::Quad>, JsonLdError> {
        self.document_inner(document).map_err(|e| *e)
    }

    fn document_inner(mut self, document: &'d Value) -> Result<Vec<oxrdf::Quad>> {
        let initial = self.store.initial.clone();
        let default_graph = GraphName::DefaultGraph;
        match document {
            Value::Object(m) => {
                let position = Position { top_level: true, ..Position::default() };
                self.object(&initial, None, m, position, &default_graph, None)?;
            }
            _ => {
                self.element(&initial, None, document, Position::default(), &default_graph, None)?;
            }
        }
        Ok(self.sink.finish())
    }

    fn path(&self) -> String {
        format_path(&self.path)
    }

    fn unsafe_(&self, violation: SafeModeViolation) -> Error {
        Box::new(JsonLdError::Unsafe { path: self.path(), violation })
    }

    fn invalid(&self, code: &'static str, message: impl Into<String>) -> Error {
        Box::new(JsonLdError::Invalid { path: self.path(), code, message: message.into() })
    }

    fn unsupported(&self, message: impl Into<String>) -> Error {
        Box::new(JsonLdError::Unsupported { path: self.path(), message: message.into() })
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Box::new(JsonLdError::TooDeep {
                path: self.path(),
                what: "objects and arrays",
                limit: MAX_DEPTH,
            }));
        }
        Ok(())
    }

    fn process(
        &self,
        active: &Arc<ActiveContext>,
        local: &Arc<LocalContext>,
        propagate: bool,
        override_protected: bool,
    ) -> Result<Arc<ActiveContext>> {
        self.store
            .process(active, local, propagate, override_protected, 0)
            .map_err(|e| Box::new(e.at(self.path())))
    }
}

/// The entries of an object, in map order or in JavaScript sort order.
fn entries(m: &Map<String, Value>, sorted: bool) -> Entries<'_> {
    if sorted {
        let mut v: Vec<(&String, &Value)> = m.iter().collect();
        v.sort_by(|a, b| cmp_utf16(a.0, b.0));
        Entries::Sorted(v.into_iter())
    } else {
        Entries::Map(m.iter())
    }
}

enum Entries<'m> {
    Map(serde_json::map::Iter<'m>),
    Sorted(std::vec::IntoIter<(&'m String, &'m Value)>),
}

impl<'m> Iterator for Entries<'m> {
    type Item = (&'m String, &'m Value);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Map(it) => it.next(),
            Self::Sorted(it) => it.next(),
        }
    }
}
