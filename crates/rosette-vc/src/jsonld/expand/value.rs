//! Values: [§5.3 Value Expansion](https://www.w3.org/TR/json-ld11-api/#value-expansion) of
//! scalars, and value objects (§5.1.2 step 15), straight to RDF literals (§8.2) or node
//! references.

use std::sync::Arc;

use oxrdf::NamedNode;
use serde_json::{Map, Value};

use super::{Expanded, Expander, Item, MAX_DEPTH, NodeKind, Result, entries};
use crate::jsonld::context::{ActiveContext, TypeMapping};
use crate::jsonld::error::{JsonLdError, SafeModeViolation, Seg};
use crate::jsonld::iri::{Kw, has_keyword_form, is_absolute, is_bcp47, is_blank, named_node};
use crate::jsonld::rdf::{json_literal, literal};

impl<'d> Expander<'d, '_> {
    /// [Value Expansion](https://www.w3.org/TR/json-ld11-api/#value-expansion) (§5.3) of a
    /// scalar, as `jsonld.js` `_expandValue`, straight to its RDF term.
    pub(super) fn scalar(
        &mut self,
        ctx: &Arc<ActiveContext>,
        ap: Option<&str>,
        value: &Value,
    ) -> Result<Item> {
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

    /// A JSON literal, after checking that the value nests no deeper than the rest of the
    /// document may (it is canonicalized recursively).
    pub(super) fn json_literal(&self, value: &Value) -> Result<oxrdf::Literal> {
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

    pub(super) fn value_item(
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

    /// A value object (§5.1.2 step 15), as an RDF literal (§8.2).
    fn value_object(
        &mut self,
        active: &ActiveContext,
        type_scoped: &ActiveContext,
        m: &'d Map<String, Value>,
    ) -> Result<oxrdf::Literal> {
        let found = self.value_entries(active, m)?;
        let value = found.value.unwrap_or(&Value::Null);
        let datatype = self.value_datatype(type_scoped, &found.types)?;
        if datatype.is_some() && (found.language.is_some() || found.direction) {
            return Err(self.invalid(
                "invalid value object",
                "a value cannot have both @type and @language or @direction",
            ));
        }
        let datatype = match datatype {
            Some(Datatype::Json) => return self.json_literal(value),
            Some(Datatype::Iri(n)) => Some(n),
            None => None,
        };
        self.check_literal_value(value, &found)?;
        literal(value, datatype.as_ref(), found.language.as_deref()).map_err(|m| self.unsupported(m))
    }

    /// The entries of a value object, each checked as it is visited.
    fn value_entries(
        &mut self,
        active: &ActiveContext,
        m: &'d Map<String, Value>,
    ) -> Result<ValueEntries<'d>> {
        let mut found = ValueEntries::default();
        for (k, v) in entries(m, self.sorted) {
            if k == "@context" {
                continue;
            }
            self.path.push(Seg::Key(k));
            match active.keyword_of(k) {
                Some(Kw::Value) => {
                    if found.value.replace(v).is_some() {
                        return Err(self.invalid("colliding keywords", "@value is given twice"));
                    }
                }
                Some(Kw::Type) => found.types.push(v),
                Some(Kw::Language) => match v {
                    Value::Null => {}
                    Value::String(l) if is_bcp47(l) => found.language = Some(l.to_lowercase()),
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
                    Some("ltr" | "rtl") => found.direction = true,
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
                    found.index = true;
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
        Ok(found)
    }

    /// The datatype of a value object, expanded like any @type (relative ones are unsafe).
    fn value_datatype(&self, type_scoped: &ActiveContext, types: &[&Value]) -> Result<Option<Datatype>> {
        let mut flat: Vec<&str> = Vec::new();
        for t in types {
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
        match flat.as_slice() {
            [] => Ok(None),
            [t] => match type_scoped.expand_iri(t, true, true) {
                Some(iri) if iri == "@json" => Ok(Some(Datatype::Json)),
                Some(iri) if is_absolute(&iri) && !is_blank(&iri) => {
                    let node = named_node(&iri).ok_or_else(|| {
                        self.unsupported(format!(
                            "datatype `{iri}` is not a valid IRI (RFC 3987), so it has no canonical N-Quads form"
                        ))
                    })?;
                    Ok(Some(Datatype::Iri(node)))
                }
                Some(iri) if is_blank(&iri) => Err(self.invalid(
                    "invalid typed value",
                    format!("the datatype `{t}` must be an IRI, not a blank node identifier"),
                )),
                _ => Err(self.unsafe_(SafeModeViolation::RelativeTypeReference((*t).to_owned()))),
            },
            _ => Err(self.unsupported("a value with more than one datatype has no RDF form")),
        }
    }

    /// The checks on a value that is not JSON: it must be a scalar, only a string may have a
    /// language, and a direction or an index would not be signed.
    fn check_literal_value(&self, value: &Value, found: &ValueEntries<'_>) -> Result<()> {
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
        if found.language.is_some() && !value.is_string() {
            return Err(self.invalid("invalid language-tagged value", "only strings can have a @language"));
        }
        if found.direction && !self.drop_direction {
            return Err(self.unsafe_(SafeModeViolation::RdfDirectionNotSet(value.to_string())));
        }
        if found.index {
            return Err(
                self.unsupported("@index is not part of the RDF dataset, so its value would not be signed")
            );
        }
        Ok(())
    }
}

/// The entries of a value object.
#[derive(Default)]
struct ValueEntries<'d> {
    value: Option<&'d Value>,
    /// The values of the keys that expand to `@type`.
    types: Vec<&'d Value>,
    language: Option<String>,
    direction: bool,
    index: bool,
}

/// The datatype of a value object.
enum Datatype {
    Json,
    Iri(NamedNode),
}
