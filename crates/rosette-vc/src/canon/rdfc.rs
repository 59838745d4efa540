//! [RDFC-1.0](https://www.w3.org/TR/rdf-canon/): RDF Dataset Canonicalization, through `rdf-canon`.

use std::collections::BTreeMap;

use oxrdf::Quad;
use rdf_canon::{CanonicalizationError, CanonicalizationOptions};
use sha2::{Sha256, Sha384};

use super::CanonError;

/// How many calls of [Hash N-Degree Quads](https://www.w3.org/TR/rdf-canon/#hash-nd-quads-algorithm)
/// one canonicalization may make before it gives up with [`CanonError::TooComplex`].
///
/// RDFC-1.0 [§4.4.3](https://www.w3.org/TR/rdf-canon/#canon-algo-algo) says implementations MUST
/// terminate early on [poison datasets](https://www.w3.org/TR/rdf-canon/#dataset-poisoning): the
/// step is recursive and permutes blank nodes that look alike, so its cost can grow factorially.
/// `rdf-canon` counts calls over the whole run; we fix the number here so it is visible and tested.
///
/// Why 4 000 (measured with `rdf-canon` 0.15.3, release build, on the 2-core project machine):
/// - Real credentials need none: every blank node of the W3C `vc-di-eddsa` and 1EdTech OB 3.0
///   vectors has a unique first-degree hash, so the step never runs (0 calls).
/// - The hardest poison graphs the W3C suite still expects to be canonicalized
///   (test044–046, "computable given defined limits") need 468 calls; a degenerate but legal
///   OB 3.0 `allowedValue` list of 50 identical entries needs 2 304; a blank node with 5
///   identical blank children, each with 5 identical blank children of their own, needs 3 005.
/// - The W3C negative test (test074, a 10-node clique) is refused after about 0.1 s, a 40-node
///   clique (1 600 quads) after about 1.2 s.
///
/// It is also `rdf-canon`'s own default, so no caller of the crate sees a different answer.
pub const HASH_N_DEGREE_QUADS_CALL_LIMIT: usize = 4_000;

/// The [hash algorithm](https://www.w3.org/TR/rdf-canon/#dfn-hash-algorithm) RDFC-1.0 uses for
/// blank-node hashes. The spec requires both; cryptosuites use SHA-256.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256, the RDFC-1.0 default (and what `eddsa-rdfc-2022` uses).
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
}

/// The canonical N-Quads of `quads` ([RDFC-1.0 §4.4](https://www.w3.org/TR/rdf-canon/#canon-algorithm)
/// with SHA-256, serialized as in [§4.9](https://www.w3.org/TR/rdf-canon/#serialization)): one
/// line per distinct quad, sorted, each ending in `\n`, blank nodes relabelled `_:c14n0`, `_:c14n1`, …
///
/// Duplicate quads count once: the input is a dataset, which is a set.
///
/// # Errors
/// [`CanonError::TooComplex`] when the blank nodes need more than
/// [`HASH_N_DEGREE_QUADS_CALL_LIMIT`] steps to tell apart (a poison graph).
pub fn rdfc(quads: &[Quad]) -> Result<String, CanonError> {
    rdfc_with(quads, HashAlgorithm::Sha256)
}

/// [`rdfc`] with a chosen [`HashAlgorithm`].
///
/// # Errors
/// As [`rdfc`].
pub fn rdfc_with(quads: &[Quad], hash: HashAlgorithm) -> Result<String, CanonError> {
    let options = options();
    match hash {
        HashAlgorithm::Sha256 => rdf_canon::canonicalize_quads_with::<Sha256>(quads, &options),
        HashAlgorithm::Sha384 => rdf_canon::canonicalize_quads_with::<Sha384>(quads, &options),
    }
    .map_err(canon_error)
}

/// The [issued identifiers map](https://www.w3.org/TR/rdf-canon/#dfn-issued-identifiers-map) of
/// [RDFC-1.0 §4.4.3 step 7](https://www.w3.org/TR/rdf-canon/#ca.7): each input blank node
/// identifier (without `_:`) → its canonical identifier (`c14nN`).
///
/// # Errors
/// As [`rdfc`].
pub fn rdfc_issued_identifiers(
    quads: &[Quad],
    hash: HashAlgorithm,
) -> Result<BTreeMap<String, String>, CanonError> {
    let options = options();
    let map = match hash {
        HashAlgorithm::Sha256 => rdf_canon::issue_quads_with::<Sha256>(quads, &options),
        HashAlgorithm::Sha384 => rdf_canon::issue_quads_with::<Sha384>(quads, &options),
    }
    .map_err(canon_error)?;
    Ok(map.into_iter().collect())
}

fn options() -> CanonicalizationOptions {
    CanonicalizationOptions { hndq_call_limit: Some(HASH_N_DEGREE_QUADS_CALL_LIMIT) }
}

fn canon_error(error: CanonicalizationError) -> CanonError {
    match error {
        CanonicalizationError::HndqCallLimitExceeded(limit) => CanonError::TooComplex { limit },
        other => CanonError::Rdf(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quads(nquads: &str) -> Vec<Quad> {
        oxttl::NQuadsParser::new()
            .for_slice(nquads.as_bytes())
            .collect::<Result<_, _>>()
            .expect("test N-Quads parse")
    }

    /// A three-node cycle in a named graph: every blank node looks alike at first degree.
    const CYCLE: &str = "\
_:e0 <http://example.org/vocab#next> _:e1 _:g .
_:e0 <http://example.org/vocab#prev> _:e2 _:g .
_:e1 <http://example.org/vocab#next> _:e2 _:g .
_:e1 <http://example.org/vocab#prev> _:e0 _:g .
_:e2 <http://example.org/vocab#next> _:e0 _:g .
_:e2 <http://example.org/vocab#prev> _:e1 _:g .
<urn:ex:s> <urn:ex:p> \"\\u0008\\u0009\\u000a\\u000b\\u000c\\u000d\\u0022\\u005c\\u007f\" _:g .
";

    #[test]
    fn canonical_nquads_relabel_sort_and_escape() {
        let expected = "\
<urn:ex:s> <urn:ex:p> \"\\b\\t\\n\\u000B\\f\\r\\\"\\\\\\u007F\" _:c14n0 .
_:c14n1 <http://example.org/vocab#next> _:c14n2 _:c14n0 .
_:c14n1 <http://example.org/vocab#prev> _:c14n3 _:c14n0 .
_:c14n2 <http://example.org/vocab#next> _:c14n3 _:c14n0 .
_:c14n2 <http://example.org/vocab#prev> _:c14n1 _:c14n0 .
_:c14n3 <http://example.org/vocab#next> _:c14n1 _:c14n0 .
_:c14n3 <http://example.org/vocab#prev> _:c14n2 _:c14n0 .
";
        assert_eq!(rdfc(&quads(CYCLE)).expect("canonicalizes"), expected);
    }

    #[test]
    fn sha384_changes_the_labels_not_the_quads() {
        let expected = "\
<urn:ex:s> <urn:ex:p> \"\\b\\t\\n\\u000B\\f\\r\\\"\\\\\\u007F\" _:c14n0 .
_:c14n1 <http://example.org/vocab#next> _:c14n3 _:c14n0 .
_:c14n1 <http://example.org/vocab#prev> _:c14n2 _:c14n0 .
_:c14n2 <http://example.org/vocab#next> _:c14n1 _:c14n0 .
_:c14n2 <http://example.org/vocab#prev> _:c14n3 _:c14n0 .
_:c14n3 <http://example.org/vocab#next> _:c14n2 _:c14n0 .
_:c14n3 <http://example.org/vocab#prev> _:c14n1 _:c14n0 .
";
        let got = rdfc_with(&quads(CYCLE), HashAlgorithm::Sha384).expect("canonicalizes");
        assert_eq!(got, expected);
    }

    #[test]
    fn issued_identifiers_map_input_labels_to_canonical_ones() {
        let map = rdfc_issued_identifiers(&quads(CYCLE), HashAlgorithm::Sha256).expect("issues");
        let expected: BTreeMap<String, String> =
            [("e0", "c14n1"), ("e1", "c14n2"), ("e2", "c14n3"), ("g", "c14n0")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        assert_eq!(map, expected);
    }

    #[test]
    fn input_labels_and_order_do_not_matter_and_duplicates_collapse() {
        let a = "\
_:x <urn:ex:p> \"1\" .
<urn:ex:s> <urn:ex:q> _:x .
";
        let b = "\
<urn:ex:s> <urn:ex:q> _:c14n7 .
_:c14n7 <urn:ex:p> \"1\" .
<urn:ex:s> <urn:ex:q> _:c14n7 .
";
        let expected = "<urn:ex:s> <urn:ex:q> _:c14n0 .\n_:c14n0 <urn:ex:p> \"1\" .\n";
        assert_eq!(rdfc(&quads(a)).expect("a"), expected);
        assert_eq!(rdfc(&quads(b)).expect("b"), expected);
    }

    #[test]
    fn canonical_output_is_a_fixed_point() {
        let once = rdfc(&quads(CYCLE)).expect("once");
        assert_eq!(rdfc(&quads(&once)).expect("twice"), once);
    }

    #[test]
    fn empty_dataset_is_empty_text() {
        assert_eq!(rdfc(&[]).expect("empty"), "");
    }

    /// Every blank node linked to every other: the W3C suite's negative test (test074) in small.
    fn clique(n: usize) -> String {
        let mut out = String::new();
        for a in 0..n {
            for b in 0..n {
                out.push_str(&format!("_:e{a} <http://example.com/p> _:e{b} .\n"));
            }
        }
        out
    }

    #[test]
    fn poison_graph_fails_with_the_call_limit() {
        let err = rdfc(&quads(&clique(10))).expect_err("a 10-clique is a poison graph");
        assert!(
            matches!(err, CanonError::TooComplex { limit } if limit == HASH_N_DEGREE_QUADS_CALL_LIMIT),
            "{err:?}"
        );
        let err = rdfc_issued_identifiers(&quads(&clique(7)), HashAlgorithm::Sha384)
            .expect_err("also when only the map is asked for");
        assert!(matches!(err, CanonError::TooComplex { .. }), "{err:?}");
    }

    #[test]
    fn poison_graph_message_is_plain_english() {
        let err = CanonError::TooComplex { limit: 4000 };
        assert_eq!(
            err.to_string(),
            "RDF canonicalization gave up: the credential's blank nodes are too interconnected \
             (possible poison graph; more than 4000 Hash N-Degree Quads steps)"
        );
    }

    #[test]
    fn small_symmetric_graphs_stay_under_the_limit() {
        // A 4-clique needs permutations but stays far below the limit.
        let out = rdfc(&quads(&clique(4))).expect("a 4-clique is fine");
        assert_eq!(out.lines().count(), 16);
    }
}
