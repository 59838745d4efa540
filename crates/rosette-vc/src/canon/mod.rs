//! Canonicalization: the two ways a credential becomes the exact bytes that are hashed and signed.
//!
//! - [`rdfc`] — RDF Dataset Canonicalization, [RDFC-1.0](https://www.w3.org/TR/rdf-canon/), used by
//!   the `eddsa-rdfc-2022` cryptosuite: the credential's quads (from the JSON-LD layer) become
//!   canonical N-Quads. A thin wrapper over the `rdf-canon` crate that fixes the resource limit
//!   the spec requires against [poison datasets](https://www.w3.org/TR/rdf-canon/#dataset-poisoning).
//! - [`jcs`] — the JSON Canonicalization Scheme, [RFC 8785](https://www.rfc-editor.org/rfc/rfc8785),
//!   used by the `eddsa-jcs-2022` cryptosuite: a JSON value becomes its canonical text. A thin
//!   wrapper over the `serde_json_canonicalizer` crate.
//!
//! Neither algorithm is implemented here: both crates are checked byte-for-byte against the
//! official test suites (`tests/integration/vectors_rdf_canon.rs`, `tests/integration/vectors_jcs.rs`).

mod jcs;
mod rdfc;

pub use jcs::{jcs, jcs_bytes};
pub use rdfc::{HASH_N_DEGREE_QUADS_CALL_LIMIT, HashAlgorithm, rdfc, rdfc_issued_identifiers, rdfc_with};

/// Why a credential could not be canonicalized.
#[derive(Debug, thiserror::Error)]
pub enum CanonError {
    /// RDFC-1.0 stopped after [`HASH_N_DEGREE_QUADS_CALL_LIMIT`] calls of the
    /// [Hash N-Degree Quads](https://www.w3.org/TR/rdf-canon/#hash-nd-quads-algorithm) algorithm,
    /// as the spec requires for [poison datasets](https://www.w3.org/TR/rdf-canon/#dataset-poisoning).
    #[error(
        "RDF canonicalization gave up: the credential's blank nodes are too interconnected \
         (possible poison graph; more than {limit} Hash N-Degree Quads steps)"
    )]
    TooComplex {
        /// The call limit that was exceeded.
        limit: usize,
    },

    /// `rdf-canon` reported an inconsistency of its own state. Valid input never causes this.
    #[error("RDF canonicalization failed unexpectedly (a bug in rosette or in rdf-canon)")]
    Rdf(#[source] rdf_canon::CanonicalizationError),

    /// The JSON value could not be written as RFC 8785 JSON.
    #[error("JSON canonicalization (RFC 8785) failed")]
    Json(#[source] serde_json::Error),
}
