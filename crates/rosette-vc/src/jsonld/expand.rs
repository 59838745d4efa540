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

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use oxrdf::vocab::rdf;
use oxrdf::{BlankNode, GraphName, NamedNode, Subject, Term};
use serde_json::{Map, Value};

use super::context::{ActiveContext, Container, TermDefinition, TypeMapping};
use super::error::{JsonLdError, SafeModeViolation, Seg, format_path};
use super::iri::{Kw, cmp_utf16, has_keyword_form, is_absolute, is_bcp47, is_blank, named_node};
use super::rdf::{QuadSink, json_literal, literal};
use super::store::{ContextStore, LocalContext};

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

    // --- errors --------------------------------------------------------------------------

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

    /// A JSON literal, after checking that the value nests no deeper than the rest of the
    /// document may (it is canonicalized recursively).
    fn json_literal(&self, value: &Value) -> Result<oxrdf::Literal> {
        fn within(v: &Value, budget: usize) -> bool {
            match v {
                Value::Array(a) => budget > 0 && a.iter().all(|x| within(x, budget - 1)),
                Value::Object(m) => budget > 0 && m.values().all(|x| within(x, budget - 1)),
                _ => true,
            }
        }
        if !within(value, MAX_DEPTH.saturating_sub(self.depth)) {
            return Err(Box::new(JsonLdError::TooDeep {
                path: self.path(),
                what: "objects and arrays",
                limit: MAX_DEPTH,
            }));
        }
        json_literal(value).map_err(|m| self.unsupported(m))
    }

    // --- identifiers -----------------------------------------------------------------------

    /// The node for an expanded identifier; `relative` names the safe-mode event a relative
    /// IRI raises in this role.
    fn id_for(&mut self, iri: &str, relative: fn(String) -> SafeModeViolation) -> Result<Id> {
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

    /// A value that names a node (`@type: @id` or `@vocab` terms, §5.3.2 steps 1-2).
    fn node_reference(&mut self, active: &ActiveContext, s: &str, vocab: bool) -> Result<Item> {
        let Some(iri) = active.expand_iri(s, vocab, true) else {
            return Err(if has_keyword_form(s) {
                self.unsafe_(SafeModeViolation::ReservedIdValue(s.to_owned()))
            } else {
                self.unsupported(format!("`{s}` names a term that is mapped to null, so it names no node"))
            });
        };
        let id = self.id_for(&iri, SafeModeViolation::RelativeObjectReference)?;
        Ok(Item::Node(id, NodeKind::Reference))
    }

    // --- emitting --------------------------------------------------------------------------

    fn emit(&mut self, subject: &Id, predicate: NamedNode, object: Term, graph: &GraphName) {
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

    // --- the expansion algorithm -----------------------------------------------------------

    /// `api.expand` for any JSON value, as the value of `ap` (the active property's key; `None`
    /// at the top level). `default_id` is the identifier an `@id` map gives its nodes.
    fn element(
        &mut self,
        ctx: &Arc<ActiveContext>,
        ap: Option<&'d str>,
        element: &'d Value,
        position: Position,
        graph: &GraphName,
        default_id: Option<&Id>,
    ) -> Result<Expanded> {
        match element {
            Value::Null => Ok(Expanded::Null),
            Value::Object(m) => self.object(ctx, ap, m, position, graph, default_id),
            Value::Array(a) => {
                self.enter()?;
                let container = ap.and_then(|k| ctx.term(k)).map(|d| d.container).unwrap_or_default();
                let inside_list = position.inside_list || container.has(Container::LIST);
                let child = Position { inside_index: position.inside_index, ..Position::default() };
                let mut items = Vec::with_capacity(a.len());
                for (i, e) in a.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    match self.element(ctx, ap, e, child, graph, default_id)? {
                        Expanded::Null => {}
                        Expanded::One(item) => items.push(item),
                        // An array in a list is a list of its own (JSON-LD 1.1 lists of lists).
                        Expanded::Many(inner) if inside_list => items.push(Item::List(inner)),
                        Expanded::Many(inner) => items.extend(inner),
                    }
                    self.path.pop();
                }
                self.depth -= 1;
                Ok(Expanded::Many(items))
            }
            _ => {
                let ap_is_graph = ap.is_some_and(|k| ctx.keyword_of(k) == Some(Kw::Graph));
                if !position.inside_list && (ap.is_none() || ap_is_graph) {
                    return Err(self.unsafe_(SafeModeViolation::FreeFloatingScalar(element.to_string())));
                }
                Ok(Expanded::One(self.scalar(ctx, ap, element)?))
            }
        }
    }

    /// [Value Expansion](https://www.w3.org/TR/json-ld11-api/#value-expansion) (§5.3) of a
    /// scalar, as `jsonld.js` `_expandValue`, straight to its RDF term.
    fn scalar(&mut self, ctx: &Arc<ActiveContext>, ap: Option<&str>, value: &Value) -> Result<Item> {
        if let Some(kw) = ap.and_then(|k| ctx.keyword_of(k)) {
            return Err(self
                .unsupported(format!("a value of `{kw:?}` here would not become part of the signed data")));
        }
        let def = ap.and_then(|k| ctx.term(k));
        let type_mapping = def.and_then(|d| d.type_mapping.as_ref());
        if let Value::String(s) = value {
            match type_mapping {
                Some(TypeMapping::Id) => return self.node_reference(ctx, s, false),
                Some(TypeMapping::Vocab) => return self.node_reference(ctx, s, true),
                _ => {}
            }
        }
        let lit = match type_mapping {
            Some(TypeMapping::Datatype { iri, node }) => {
                let Some(node) = node else {
                    return Err(self.unsupported(format!(
                        "datatype `{iri}` is not a valid IRI (RFC 3987), so it has no canonical N-Quads form"
                    )));
                };
                literal(value, Some(node), None)
            }
            Some(TypeMapping::Json) => return self.json_literal(value).map(Item::Literal),
            _ => {
                let mut language = None;
                if value.is_string() {
                    language = match def.and_then(|d| d.language.as_ref()) {
                        Some(l) => l.as_deref(),
                        None => ctx.language.as_deref(),
                    };
                    let direction = match def.and_then(|d| d.direction) {
                        Some(d) => d,
                        None => ctx.direction,
                    };
                    if direction.is_some() && !self.drop_direction {
                        return Err(self.unsafe_(SafeModeViolation::RdfDirectionNotSet(value.to_string())));
                    }
                }
                literal(value, None, language)
            }
        };
        lit.map(Item::Literal).map_err(|m| self.unsupported(m))
    }

    /// `api.expand` for an object: context handling (§5.1.2 steps 7-11), then a value, list, set
    /// or node object.
    fn object(
        &mut self,
        ctx: &Arc<ActiveContext>,
        ap: Option<&'d str>,
        m: &'d Map<String, Value>,
        position: Position,
        graph: &GraphName,
        default_id: Option<&Id>,
    ) -> Result<Expanded> {
        self.enter()?;
        let result = self.object_inner(ctx, ap, m, position, graph, default_id);
        self.depth -= 1;
        result
    }

    // The functions on the recursive path (`object_inner`, `node_object`, `property`,
    // `element`) keep their own work small and leave the rest, and every error, to helpers: in
    // an unoptimized build each local and temporary gets its own stack slot, and a deeply nested
    // document must not exhaust a 2 MiB thread stack.

    fn object_inner(
        &mut self,
        ctx: &Arc<ActiveContext>,
        ap: Option<&'d str>,
        m: &'d Map<String, Value>,
        position: Position,
        graph: &GraphName,
        default_id: Option<&Id>,
    ) -> Result<Expanded> {
        let ap_is_graph = ap.is_some_and(|k| ctx.keyword_of(k) == Some(Kw::Graph));
        let type_scoped = self.enter_node(ctx, ap, m, position.inside_index)?;
        let (active, type_keys) = self.apply_type_scopes(&type_scoped, m)?;
        // Objects in these positions are dropped when they carry nothing (`_dropUnsafeObject`).
        let drop_position = !position.inside_list
            && (ap.is_none()
                || ap_is_graph
                || ap.and_then(|k| active.term(k)).is_some_and(|d| d.container.has(Container::GRAPH)));
        match classify(&active, m) {
            ObjectKind::Value => self.value_item(&active, &type_scoped, m, drop_position),
            ObjectKind::List => self.list_item(&active, ap, ap_is_graph, m, drop_position, graph),
            ObjectKind::Set => {
                Ok(Expanded::Many(self.list_or_set(&active, ap, ap_is_graph, m, false, graph)?))
            }
            ObjectKind::Node => self.node_object(
                &active,
                &type_scoped,
                m,
                &type_keys,
                ap,
                NodePlace { drop_position, top_level: position.top_level, graph, default_id },
            ),
        }
    }

    /// Type-scoped contexts (§5.1.2 step 11): for each key that expands to @type, the contexts of
    /// its values, in JavaScript sort order. Returns the context for the object's keys and its
    /// type keys, sorted. (Types themselves expand in the context before these are applied.)
    fn apply_type_scopes(
        &mut self,
        type_scoped: &Arc<ActiveContext>,
        m: &'d Map<String, Value>,
    ) -> Result<(Arc<ActiveContext>, Vec<&'d str>)> {
        let mut active = type_scoped.clone();
        let mut type_keys: Vec<&'d str> =
            m.keys().filter(|k| type_scoped.keyword_of(k) == Some(Kw::Type)).map(String::as_str).collect();
        type_keys.sort_by(|a, b| cmp_utf16(a, b));
        for key in &type_keys {
            self.path.push(Seg::Key(key));
            let mut types: Vec<&str> = match m.get(*key) {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            types.sort_by(|a, b| cmp_utf16(a, b));
            for t in types {
                if let Some(scoped) = type_scoped.term(t).and_then(|d| d.context.clone()) {
                    active = self.process(&active, &scoped, false, false)?;
                }
            }
            self.path.pop();
        }
        Ok((active, type_keys))
    }

    fn value_item(
        &mut self,
        active: &ActiveContext,
        type_scoped: &ActiveContext,
        m: &'d Map<String, Value>,
        drop_position: bool,
    ) -> Result<Expanded> {
        let literal = self.value_object(active, type_scoped, m)?;
        if drop_position {
            return Err(self.unsafe_(SafeModeViolation::ObjectWithOnlyValue));
        }
        Ok(Expanded::One(Item::Literal(literal)))
    }

    fn list_item(
        &mut self,
        active: &Arc<ActiveContext>,
        ap: Option<&'d str>,
        ap_is_graph: bool,
        m: &'d Map<String, Value>,
        drop_position: bool,
        graph: &GraphName,
    ) -> Result<Expanded> {
        let items = self.list_or_set(active, ap, ap_is_graph, m, true, graph)?;
        if drop_position {
            return Err(self.unsafe_(SafeModeViolation::ObjectWithOnlyList));
        }
        Ok(Expanded::One(Item::List(items)))
    }

    /// The active context for an object's content: revert a type-scoped context, then apply the
    /// active property's scoped context and the object's own `@context` (§5.1.2 steps 7-9).
    fn enter_node(
        &mut self,
        ctx: &Arc<ActiveContext>,
        ap: Option<&str>,
        m: &'d Map<String, Value>,
        inside_index: bool,
    ) -> Result<Arc<ActiveContext>> {
        let property_scoped = ap.and_then(|k| ctx.term(k)).and_then(|d| d.context.clone());
        let mut active = ctx.clone();
        // A type-scoped context does not propagate into a new node object, but does into a value
        // object or a bare node reference.
        if !inside_index && let Some(previous) = &ctx.previous {
            let mut revert = true;
            if m.len() <= 2 && !m.contains_key("@context") {
                for k in m.keys() {
                    match ctx.keyword_of(k) {
                        Some(Kw::Value) => {
                            revert = false;
                            break;
                        }
                        Some(Kw::Id) if m.len() == 1 => {
                            revert = false;
                            break;
                        }
                        _ => {}
                    }
                }
            }
            if revert {
                active = previous.clone();
            }
        }
        if let Some(scoped) = property_scoped {
            active = self.process(&active, &scoped, true, true)?;
        }
        if let Some(local) = m.get("@context") {
            self.path.push(Seg::Key("@context"));
            let local = self.store.intern(local).map_err(|e| Box::new(e.at(self.path())))?;
            active = self.process(&active, &local, true, false)?;
            self.path.pop();
        }
        Ok(active)
    }

    /// A value object (§5.1.2 step 15), as an RDF literal (§8.2).
    fn value_object(
        &mut self,
        active: &ActiveContext,
        type_scoped: &ActiveContext,
        m: &'d Map<String, Value>,
    ) -> Result<oxrdf::Literal> {
        let mut value = None;
        let mut types: Vec<&'d Value> = Vec::new();
        let mut language: Option<String> = None;
        let mut direction = false;
        let mut index = false;
        for (k, v) in entries(m, self.sorted) {
            if k == "@context" {
                continue;
            }
            self.path.push(Seg::Key(k));
            match active.keyword_of(k) {
                Some(Kw::Value) => {
                    if value.replace(v).is_some() {
                        return Err(self.invalid("colliding keywords", "@value is given twice"));
                    }
                }
                Some(Kw::Type) => types.push(v),
                Some(Kw::Language) => match v {
                    Value::Null => {}
                    Value::String(l) if is_bcp47(l) => language = Some(l.to_lowercase()),
                    Value::String(l) => {
                        return Err(self.unsafe_(SafeModeViolation::InvalidLanguage(l.clone())));
                    }
                    _ => {
                        return Err(
                            self.invalid("invalid language-tagged string", "@language must be a string")
                        );
                    }
                },
                Some(Kw::Direction) => match v.as_str() {
                    Some("ltr" | "rtl") => direction = true,
                    _ => {
                        return Err(
                            self.invalid("invalid base direction", "@direction must be \"ltr\" or \"rtl\"")
                        );
                    }
                },
                Some(Kw::Index) => {
                    if !v.is_string() {
                        return Err(self.invalid("invalid @index value", "@index must be a string"));
                    }
                    index = true;
                }
                Some(kw) => {
                    return Err(self.invalid(
                        "invalid value object",
                        format!("a value object cannot contain `{k}` ({kw:?})"),
                    ));
                }
                None => {
                    self.property_iri(active, k)?;
                    return Err(self.invalid(
                        "invalid value object",
                        format!("a value object cannot have the property `{k}`"),
                    ));
                }
            }
            self.path.pop();
        }
        let value = value.unwrap_or(&Value::Null);

        // The datatype, expanded like any @type (relative ones are unsafe).
        let mut flat: Vec<&str> = Vec::new();
        for t in &types {
            match t {
                Value::String(s) => flat.push(s),
                Value::Array(a) if a.iter().all(Value::is_string) => {
                    flat.extend(a.iter().filter_map(Value::as_str));
                }
                _ => {
                    return Err(
                        self.invalid("invalid type value", "@type must be a string or an array of strings")
                    );
                }
            }
        }
        enum Datatype {
            Json,
            Iri(NamedNode),
        }
        let datatype = match flat.as_slice() {
            [] => None,
            [t] => match type_scoped.expand_iri(t, true, true) {
                Some(iri) if iri == "@json" => Some(Datatype::Json),
                Some(iri) if is_absolute(&iri) && !is_blank(&iri) => {
                    let node = named_node(&iri).ok_or_else(|| {
                        self.unsupported(format!(
                            "datatype `{iri}` is not a valid IRI (RFC 3987), so it has no canonical N-Quads form"
                        ))
                    })?;
                    Some(Datatype::Iri(node))
                }
                Some(iri) if is_blank(&iri) => {
                    return Err(self.invalid(
                        "invalid typed value",
                        format!("the datatype `{t}` must be an IRI, not a blank node identifier"),
                    ));
                }
                _ => return Err(self.unsafe_(SafeModeViolation::RelativeTypeReference((*t).to_owned()))),
            },
            _ => {
                return Err(self.unsupported("a value with more than one datatype has no RDF form"));
            }
        };
        if datatype.is_some() && (language.is_some() || direction) {
            return Err(self.invalid(
                "invalid value object",
                "a value cannot have both @type and @language or @direction",
            ));
        }
        if let Some(Datatype::Json) = datatype {
            return self.json_literal(value);
        }
        match value {
            Value::Null => return Err(self.unsafe_(SafeModeViolation::NullValue)),
            Value::Array(_) | Value::Object(_) => {
                return Err(self.invalid(
                    "invalid value object value",
                    "@value must be a string, number or boolean unless @type is @json",
                ));
            }
            _ => {}
        }
        if language.is_some() && !value.is_string() {
            return Err(self.invalid("invalid language-tagged value", "only strings can have a @language"));
        }
        if direction && !self.drop_direction {
            return Err(self.unsafe_(SafeModeViolation::RdfDirectionNotSet(value.to_string())));
        }
        if index {
            return Err(
                self.unsupported("@index is not part of the RDF dataset, so its value would not be signed")
            );
        }
        let datatype = match &datatype {
            Some(Datatype::Iri(n)) => Some(n),
            _ => None,
        };
        literal(value, datatype, language.as_deref()).map_err(|m| self.unsupported(m))
    }

    /// The items of a list object (`@list`) or set object (`@set`) (§5.1.2 step 13.4.5).
    fn list_or_set(
        &mut self,
        active: &Arc<ActiveContext>,
        ap: Option<&'d str>,
        ap_is_graph: bool,
        m: &'d Map<String, Value>,
        is_list: bool,
        graph: &GraphName,
    ) -> Result<Vec<Item>> {
        let want = if is_list { Kw::List } else { Kw::Set };
        let mut content = None;
        for (k, v) in entries(m, self.sorted) {
            if k == "@context" {
                continue;
            }
            self.path.push(Seg::Key(k));
            match active.keyword_of(k) {
                Some(kw) if kw == want => {
                    if content.replace((k.as_str(), v)).is_some() {
                        return Err(self.invalid("colliding keywords", format!("{kw:?} is given twice")));
                    }
                }
                Some(Kw::Index) => {
                    if !v.is_string() {
                        return Err(self.invalid("invalid @index value", "@index must be a string"));
                    }
                    return Err(self.unsupported(
                        "@index is not part of the RDF dataset, so its value would not be signed",
                    ));
                }
                kw => {
                    if kw.is_none() {
                        self.property_iri(active, k)?;
                    }
                    return Err(self.invalid(
                        "invalid set or list object",
                        format!("an object with @list or @set cannot also contain `{k}`"),
                    ));
                }
            }
            self.path.pop();
        }
        let Some((key, value)) = content else {
            return Ok(Vec::new());
        };
        self.path.push(Seg::Key(key));
        // A list's items are expanded with the enclosing property (none directly under @graph).
        let item_ap = if is_list && ap_is_graph { None } else { ap };
        let position = Position { inside_list: is_list, ..Position::default() };
        let items = self.element(active, item_ap, value, position, graph, None)?;
        if let Expanded::Null = items {
            // jsonld.js turns `{"@list": null}` into an empty node, other processors into
            // nothing: refuse rather than sign one reading.
            return Err(self.unsupported(
                "a null @list or @set has different RDF forms in different JSON-LD processors",
            ));
        }
        self.path.pop();
        Ok(items.into_vec())
    }

    /// A node object (§5.1.2 step 13 for its keys), its statements emitted as they are found.
    fn node_object(
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

    /// A property's IRI (vocabulary-relative), which must be absolute.
    fn property_iri<'a>(&self, active: &'a ActiveContext, key: &'a str) -> Result<Cow<'a, str>> {
        match active.expand_iri(key, true, false) {
            Some(iri) if is_absolute(&iri) => Ok(iri),
            _ => Err(self.unsafe_(SafeModeViolation::InvalidProperty(key.to_owned()))),
        }
    }

    /// One property of a node (§5.1.2 step 13 for a non-keyword key) and its statements. Returns
    /// whether the expanded node keeps the key (`false` when the value expands to nothing).
    /// `in_reverse_map` is set for the keys of an `@reverse` object.
    fn property(
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

    /// The statements of one property once its value is expanded.
    fn property_statements(
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

    /// A `@graph` container (§5.1.2 step 13.8.3): each node goes into a graph of its own, named
    /// by a new blank node, which becomes the property's value.
    fn graph_container(
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
    fn language_map(&mut self, term_ctx: &ActiveContext, key: &str, value: &'d Value) -> Result<Expanded> {
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
    fn index_map(
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
    fn id_map(
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
    fn type_map(
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

/// What kind of object an object is, by its keys (§5.1.2 steps 14-15).
enum ObjectKind {
    Value,
    List,
    Set,
    Node,
}

fn classify(active: &ActiveContext, m: &Map<String, Value>) -> ObjectKind {
    let (mut list, mut set) = (false, false);
    for k in m.keys() {
        match active.keyword_of(k) {
            Some(Kw::Value) => return ObjectKind::Value,
            Some(Kw::List) => list = true,
            Some(Kw::Set) => set = true,
            _ => {}
        }
    }
    if list {
        ObjectKind::List
    } else if set {
        ObjectKind::Set
    } else {
        ObjectKind::Node
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

/// A property key's meaning.
struct PropertySetup {
    def: Option<Arc<TermDefinition>>,
    /// The expanded IRI, when the definition has no validated predicate.
    iri: Option<String>,
    /// The context for the value: the active one with the term's scoped context applied.
    term_ctx: Arc<ActiveContext>,
}

impl PropertySetup {
    fn container(&self) -> Container {
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

/// Where a node object stands.
struct NodePlace<'a> {
    drop_position: bool,
    top_level: bool,
    graph: &'a GraphName,
    default_id: Option<&'a Id>,
}
