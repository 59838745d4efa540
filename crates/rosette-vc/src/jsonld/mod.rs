//! JSON-LD 1.1 to RDF, in safe mode, over the embedded contexts only.
//!
//! [`JsonLdProcessor::to_rdf`] implements the JSON-LD 1.1 API's
//! [toRdf](https://www.w3.org/TR/json-ld11-api/#dom-jsonldprocessor-tordf) for the documents
//! rosette signs and verifies (Verifiable Credentials, Data Integrity proof configurations):
//! [§4.1 Context Processing](https://www.w3.org/TR/json-ld11-api/#context-processing-algorithms),
//! [§5.1 Expansion](https://www.w3.org/TR/json-ld11-api/#expansion-algorithm) and
//! [§8.1 Deserialize JSON-LD to RDF](https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm).
//! Its quads are what RDFC-1.0 canonicalizes for `eddsa-rdfc-2022`.
//!
//! # Safe mode
//!
//! Plain JSON-LD silently drops what it cannot interpret: a property no context defines, a
//! relative type, an empty object. A page that renders the JSON would show such data although
//! the signature does not cover it, which makes every dropped term a forgery channel. Like
//! Digital Bazaar's `jsonld.js` with `safe: true` (what `@digitalbazaar/vc` signs and verifies
//! with), every such event is an error here: a [`JsonLdError::Unsafe`] whose
//! [`SafeModeViolation`] has the `jsonld.js` event code, with the JSON path of the value. When a
//! document has several problems, the one reported is the one `jsonld.js` meets first.
//!
//! Beyond `jsonld.js`, rosette also refuses ([`JsonLdError::Unsupported`]) valid JSON-LD
//!
//! - whose data would not be signed: `@index` values and plain index-map keys; keywords with no
//!   meaning in a node object (`@explicit`, `@language`, ...), which JSON-LD drops; an `@id`-map
//!   key that the node's own `@id` overrides;
//! - whose RDF form JSON-LD processors disagree on, so that a signature made by one would not
//!   verify with the other: strings typed `xsd:double` (`jsonld.js` rewrites them as doubles),
//!   non-integers below 1e-6 written with one digit (`jsonld.js` signs `1e-7` as `0`), integers
//!   an IEEE double cannot hold, `{"@list": null}`, a graph object as the value of a `@graph`
//!   container, and a statement with an empty list repeated (`jsonld.js` signs it twice);
//! - that has no well-formed N-Quads form: IRIs that are not RFC 3987 IRIs, ill-formed language
//!   tags in term definitions, and a relative `@base` (documents have no base IRI).
//!
//! Text direction (`@direction`) is refused: `eddsa-rdfc-2022` sets no `rdfDirection`, so it
//! would not be signed. [`JsonLdProcessor::check_json_signed`] lets it through, for documents
//! whose JSON is signed (`eddsa-jcs-2022`).
//!
//! # Numbers
//!
//! As in `jsonld.js`: a JSON number is an IEEE double; integral and below 10^21 it is an
//! `xsd:integer` (`42.0` gives `"42"`), otherwise an `xsd:double` in JavaScript's
//! `toExponential(15)` form without trailing zeros (`"1.5E0"`). A term typed `xsd:float` (OB's
//! `creditsAvailable`) keeps its datatype with the same lexical forms (`"3"`, `"3.5E0"`).
//!
//! # Contexts
//!
//! Contexts come only from [`crate::contexts`]: any other URL is
//! [`JsonLdError::UnknownContext`], never a fetch. Inline contexts work as usual. A processor
//! caches every context it processes, keyed by the active context it was applied to, including
//! type- and property-scoped contexts, so converting a document whose contexts were seen before
//! does almost no context work. Keep one processor for a whole run; it is `Send + Sync`.
//!
//! # Module map
//!
//! - `context/`: active contexts and IRI expansion (§5.2) in `mod.rs`, context processing (§4.1)
//!   in `process.rs`, Create Term Definition (§4.2) in `term.rs` and `iri_mapping.rs`;
//! - `local.rs`: local contexts (`@context` values) as parsed, before processing;
//! - `store.rs`: the embedded contexts and the caches, through which context processing goes
//!   (it reaches them through a trait, `context::Contexts`, so that `context/` does not depend
//!   on the store);
//! - `expand/`: expansion and deserialization to RDF in one pass (§5.1, §8.1), by kind of
//!   value (elements, nodes, properties, containers, lists, values) and the statements written;
//! - `rdf.rs`: literals, numbers, lists, and the deduplicated quad set (§8.2, §8.3);
//! - `iri.rs`: keywords, absolute-IRI and language-tag checks, IRI resolution;
//! - `error.rs`: [`JsonLdError`] and [`SafeModeViolation`].

mod context;
mod error;
mod expand;
mod iri;
mod local;
mod rdf;
mod store;

pub use error::{JsonLdError, SafeModeViolation};
pub use oxrdf::Quad;

/// Turns JSON-LD documents into RDF quads, caching processed contexts across documents.
pub struct JsonLdProcessor {
    store: store::ContextStore,
    seed: u64,
}

impl Default for JsonLdProcessor {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonLdProcessor {
    /// A processor over the embedded contexts, each processed once, when first used, and kept.
    pub fn new() -> Self {
        Self { store: store::ContextStore::new(), seed: rdf::random_seed() }
    }

    /// The RDF dataset of `document` (JSON-LD 1.1 toRdf), with no duplicate quads. Blank nodes
    /// get arbitrary labels; canonicalize before comparing or hashing.
    ///
    /// When the document has several problems, the error is the one `jsonld.js` reports first.
    pub fn to_rdf(&self, document: &serde_json::Value) -> Result<Vec<Quad>, JsonLdError> {
        expand::Expander::new(&self.store, self.seed, false).document(document).map_err(|first| {
            // Errors are rare: find the one jsonld.js meets first by visiting keys in its order.
            match expand::Expander::new(&self.store, self.seed, true).document(document) {
                Err(e) => e,
                Ok(_) => first,
            }
        })
    }
}

impl JsonLdProcessor {
    /// Checks that `document` is JSON-LD that [`to_rdf`](Self::to_rdf) takes, except that a
    /// text direction is let through: for a document whose JSON is what is signed
    /// (`eddsa-jcs-2022`), where the direction is signed with the rest.
    pub fn check_json_signed(&self, document: &serde_json::Value) -> Result<(), JsonLdError> {
        expand::Expander::new(&self.store, self.seed, true)
            .dropping_direction()
            .document(document)
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests;
