//! List objects (`@list`) and set objects (`@set`). A list's items become an RDF list when its
//! statement is written ([`Expander::object_term`]).

use std::sync::Arc;

use oxrdf::GraphName;
use serde_json::{Map, Value};

use super::{Expanded, Expander, Item, Position, Result, entries};
use crate::jsonld::context::ActiveContext;
use crate::jsonld::error::{SafeModeViolation, Seg};
use crate::jsonld::iri::Kw;

impl<'d> Expander<'d, '_> {
    pub(super) fn list_item(
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

    /// The items of a list object (`@list`) or set object (`@set`) (§5.1.2 step 13.4.5).
    pub(super) fn list_or_set(
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
}
