//! The [Expansion Algorithm](https://www.w3.org/TR/json-ld11-api/#expansion-algorithm) (§5.1.2)
//! for one JSON value: arrays, scalars, and objects, whose active context (steps 7-11) is settled
//! here before they go on as a value, list, set or node object.

use std::sync::Arc;

use oxrdf::GraphName;
use serde_json::{Map, Value};

use super::node::NodePlace;
use super::{Expanded, Expander, Id, Item, Position, Result};
use crate::jsonld::context::{ActiveContext, Container};
use crate::jsonld::error::{SafeModeViolation, Seg};
use crate::jsonld::iri::{Kw, cmp_utf16};

impl<'d> Expander<'d, '_> {
    /// `api.expand` for any JSON value, as the value of `ap` (the active property's key; `None`
    /// at the top level). `default_id` is the identifier an `@id` map gives its nodes.
    pub(super) fn element(
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

    /// `api.expand` for an object: context handling (§5.1.2 steps 7-11), then a value, list, set
    /// or node object.
    pub(super) fn object(
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

    /// The active context for an object's content: revert a type-scoped context, then apply the
    /// active property's scoped context and the object's own `@context` (§5.1.2 steps 7-9).
    pub(super) fn enter_node(
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
