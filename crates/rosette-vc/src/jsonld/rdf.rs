//! RDF terms from JSON-LD values: JSON-LD 1.1 API
//! [§8.2 Object to RDF Conversion](https://www.w3.org/TR/json-ld11-api/#object-to-rdf-conversion)
//! and [§8.3 List Conversion](https://www.w3.org/TR/json-ld11-api/#list-to-rdf-conversion),
//! and the dataset being built.
//!
//! Numbers follow `jsonld.js` (`_objectToRDF` in `lib/toRdf.js`), the processor whose output
//! signatures are made over: a JSON number is an IEEE double; it is an `xsd:integer` when it is
//! integral and below 10^21, and otherwise an `xsd:double` written as JavaScript's
//! `toExponential(15)` with trailing zeros removed (`1.5E0`). Where `jsonld.js` departs from the
//! JSON-LD specification (and so from other processors), the value is refused rather than signed
//! in a form only one side would reproduce.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, Quad, Subject, Term};
use serde_json::{Number, Value};

/// `rdf:JSON`, the datatype of JSON literals.
pub(crate) const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";

/// The quads of one document, without duplicates (an RDF dataset is a set; `jsonld.js` merges
/// duplicates while building its node map), plus the blank node allocator.
pub(crate) struct QuadSink {
    quads: Vec<Quad>,
    /// Which quads state an empty list (`rdf:nil` as a property value): see [`Self::push_value`].
    empty_list: Vec<bool>,
    /// Keyed hash of each quad → index of the first quad with that hash.
    index: HashMap<u64, usize, BuildHasherDefault<PassThrough>>,
    seed: u64,
    next_blank: u128,
}

impl QuadSink {
    pub(crate) fn new(seed: u64) -> Self {
        Self { quads: Vec::new(), empty_list: Vec::new(), index: HashMap::default(), seed, next_blank: 0 }
    }

    pub(crate) fn fresh_blank(&mut self) -> BlankNode {
        self.next_blank += 1;
        BlankNode::new_from_unique_id(self.next_blank)
    }

    pub(crate) fn push(&mut self, subject: Subject, predicate: NamedNode, object: Term, graph: &GraphName) {
        // Only a value that is an empty list can fail.
        let _ = self.push_value(subject, predicate, object, graph, false);
    }

    /// Adds a statement; `empty_list` says its object is an empty list. `Err` when such a
    /// statement duplicates another: jsonld.js never merges list values, so it would write the
    /// line twice into the canonical N-Quads that are signed, while an RDF dataset (and
    /// RDFC-1.0 here) holds it once.
    pub(crate) fn push_value(
        &mut self,
        subject: Subject,
        predicate: NamedNode,
        object: Term,
        graph: &GraphName,
        empty_list: bool,
    ) -> Result<(), ()> {
        let quad = Quad::new(subject, predicate, object, graph.clone());
        let mut h = SeededHasher(self.seed);
        quad.hash(&mut h);
        let hash = h.finish();
        let existing = match self.index.get(&hash) {
            None => {
                self.index.insert(hash, self.quads.len());
                None
            }
            Some(&i) if self.quads.get(i) == Some(&quad) => Some(i),
            // A hash collision: rare enough to settle by a scan.
            Some(_) => self.quads.iter().position(|q| *q == quad),
        };
        match existing {
            None => {
                self.quads.push(quad);
                self.empty_list.push(empty_list);
                Ok(())
            }
            Some(i) if empty_list || self.empty_list.get(i).copied().unwrap_or(false) => Err(()),
            Some(_) => Ok(()),
        }
    }

    /// [List Conversion](https://www.w3.org/TR/json-ld11-api/#list-to-rdf-conversion): the head
    /// of an `rdf:first`/`rdf:rest` chain holding `items`, or `rdf:nil`.
    pub(crate) fn list(&mut self, items: Vec<Term>, graph: &GraphName) -> Term {
        let count = items.len();
        if count == 0 {
            return rdf::NIL.into_owned().into();
        }
        let head = self.fresh_blank();
        let mut subject = head.clone();
        for (i, item) in items.into_iter().enumerate() {
            self.push(subject.clone().into(), rdf::FIRST.into_owned(), item, graph);
            if i + 1 == count {
                self.push(
                    subject.clone().into(),
                    rdf::REST.into_owned(),
                    rdf::NIL.into_owned().into(),
                    graph,
                );
            } else {
                let next = self.fresh_blank();
                self.push(subject.into(), rdf::REST.into_owned(), next.clone().into(), graph);
                subject = next;
            }
        }
        head.into()
    }

    pub(crate) fn finish(self) -> Vec<Quad> {
        self.quads
    }
}

/// A random per-processor seed for the duplicate check.
pub(crate) fn random_seed() -> u64 {
    RandomState::new().hash_one(0x5eed_u64)
}

/// A fast seeded hash for the duplicate check (a folded 128-bit multiply per 16 bytes, as in
/// wyhash); the seed makes collisions impractical to arrange, and a collision only costs a scan.
struct SeededHasher(u64);

const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

fn fold(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// Eight bytes as a word (`bytes` has exactly eight; anything else reads as 0).
fn word(bytes: &[u8]) -> u64 {
    bytes.try_into().map_or(0, u64::from_le_bytes)
}

fn word4(bytes: &[u8]) -> u64 {
    bytes.try_into().map_or(0, |b| u64::from(u32::from_le_bytes(b)))
}

/// The last 1 to 15 bytes as two words, read without copying (wyhash's overlapping reads).
fn tail(rest: &[u8]) -> (u64, u64) {
    let n = rest.len();
    if n >= 8 {
        (word(&rest[..8]), word(&rest[n - 8..]))
    } else if n >= 4 {
        (word4(&rest[..4]), word4(&rest[n - 4..]))
    } else if n > 0 {
        ((u64::from(rest[0]) << 16) | (u64::from(rest[n / 2]) << 8) | u64::from(rest[n - 1]), 0)
    } else {
        (0, 0)
    }
}

impl Hasher for SeededHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(16);
        for chunk in &mut chunks {
            self.0 = fold(word(&chunk[..8]) ^ self.0, word(&chunk[8..]) ^ MIX);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let (lo, hi) = tail(rest);
            self.0 = fold(lo ^ self.0, hi ^ MIX ^ ((rest.len() as u64) << 56));
        }
    }

    // Enum tags and `str` terminators: cheap mixing, the strings carry the entropy.
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0 ^ u64::from(i)).rotate_left(29);
    }

    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0 ^ i as u64).rotate_left(29);
    }

    fn write_isize(&mut self, i: isize) {
        self.0 = (self.0 ^ i as u64).rotate_left(29);
    }

    fn finish(&self) -> u64 {
        fold(self.0, MIX)
    }
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The RDF literal for a JSON scalar with an optional datatype and language
/// ([§8.2 steps 9-13](https://www.w3.org/TR/json-ld11-api/#object-to-rdf-conversion)).
/// `Err` carries the reason rosette refuses the value.
pub(crate) fn literal(
    value: &Value,
    datatype: Option<&NamedNode>,
    language: Option<&str>,
) -> Result<Literal, String> {
    match value {
        Value::Bool(b) => Ok(typed(if *b { "true" } else { "false" }, datatype, xsd::BOOLEAN.into_owned())),
        Value::Number(n) => {
            let force_double = datatype.is_some_and(|d| d.as_ref() == xsd::DOUBLE);
            let (lexical, is_double) = number_lexical(n, force_double)?;
            let default = if is_double { xsd::DOUBLE } else { xsd::INTEGER };
            Ok(typed(lexical, datatype, default.into_owned()))
        }
        Value::String(s) => {
            if let Some(language) = language {
                return Ok(Literal::new_language_tagged_literal_unchecked(s.as_str(), language));
            }
            match datatype {
                // jsonld.js rewrites such a string as a double (`"1.5"` becomes `1.5E0`, and
                // `"abc"` becomes `NaN`); the specification and other processors keep it as is.
                Some(d) if d.as_ref() == xsd::DOUBLE => Err(format!(
                    "the string `{s}` typed xsd:double has different RDF forms in different JSON-LD processors; write it as a JSON number"
                )),
                Some(d) => Ok(Literal::new_typed_literal(s.as_str(), d.clone())),
                None => Ok(Literal::new_simple_literal(s.as_str())),
            }
        }
        Value::Null | Value::Array(_) | Value::Object(_) => Err(format!("{value} is not a scalar value")),
    }
}

fn typed(lexical: impl Into<String>, datatype: Option<&NamedNode>, default: NamedNode) -> Literal {
    Literal::new_typed_literal(lexical, datatype.cloned().unwrap_or(default))
}

/// A JSON literal: the value in canonical JSON (RFC 8785, as `jsonld.js` uses through the
/// `canonicalize` package), typed `rdf:JSON`.
pub(crate) fn json_literal(value: &Value) -> Result<Literal, String> {
    let text = serde_json_canonicalizer::to_string(value)
        .map_err(|e| format!("this JSON literal cannot be canonicalized: {e}"))?;
    Ok(Literal::new_typed_literal(text, NamedNode::new_unchecked(RDF_JSON)))
}

/// The lexical form of a JSON number and whether it is an `xsd:double`.
fn number_lexical(n: &Number, force_double: bool) -> Result<(String, bool), String> {
    // Integers that serde_json kept exactly: jsonld.js sees them as doubles, so one that a
    // double cannot hold would be signed as a different number than the document shows.
    let exact = n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
    if let Some(i) = exact {
        let v = i as f64;
        if v as i128 != i {
            return Err(format!(
                "the integer {n} cannot be represented exactly as a JSON-LD number (an IEEE double), so it would be signed as {}",
                v as i128
            ));
        }
        return Ok(if force_double { (double_lexical(v), true) } else { (i.to_string(), false) });
    }
    let Some(v) = n.as_f64().filter(|v| v.is_finite()) else {
        return Err(format!("the number {n} is not a finite double"));
    };
    let integral = v.fract() == 0.0;
    if force_double || v.abs() >= 1e21 {
        return Ok((double_lexical(v), true));
    }
    if integral {
        // Exact: |v| < 10^21 < 2^70. (`-0` becomes `0`, as JavaScript's toFixed(0) gives.)
        return Ok(((v as i128).to_string(), false));
    }
    // jsonld.js decides "double" by looking for a `.` in JavaScript's String(v), which writes
    // numbers below 1e-6 with one significant digit without one (`1e-7`): it would sign such a
    // number as the integer 0.
    if v.abs() < 1e-6 && !format!("{v:e}").contains('.') {
        return Err(format!(
            "the number {n} is too small for JSON-LD processors to agree on its RDF form (jsonld.js would sign it as 0)"
        ));
    }
    Ok((double_lexical(v), true))
}

/// The canonical `xsd:double` form JSON-LD uses: JavaScript's `v.toExponential(15)` (16
/// significant digits, ties rounded away from zero) with trailing zeros removed and `E`.
fn double_lexical(v: f64) -> String {
    let negative = v < 0.0;
    let a = v.abs();
    let (mut digits, mut exp) = split_exponential(&format!("{a:.15e}"));
    // Rust rounds an exact tie to even; JavaScript picks the larger candidate. A tie means the
    // exact value has a 5 in the 17th significant digit and nothing after it.
    let (digits17, _) = split_exponential(&format!("{a:.16e}"));
    if digits17.ends_with('5') {
        let (exact, exact_exp) = split_exponential(&format!("{a:.780e}"));
        let after = exact.get(16..).unwrap_or("");
        if after.starts_with('5') && after.bytes().skip(1).all(|b| b == b'0') {
            let (up, carried) = increment_digits(exact.get(..16).unwrap_or(""));
            digits = up;
            exp = exact_exp + i32::from(carried);
        }
    }
    let (first, rest) = digits.split_at(1.min(digits.len()));
    let rest = rest.trim_end_matches('0');
    let rest = if rest.is_empty() { "0" } else { rest };
    let sign = if negative { "-" } else { "" };
    format!("{sign}{first}.{rest}E{exp}")
}

/// `"1.2345e-7"` → (`"12345"`, -7).
fn split_exponential(s: &str) -> (String, i32) {
    let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
    (mantissa.replace('.', ""), exp.parse().unwrap_or(0))
}

/// Adds one to a decimal digit string; `true` when it carried out (`999` → `100`).
fn increment_digits(digits: &str) -> (String, bool) {
    let mut bytes = digits.as_bytes().to_vec();
    for b in bytes.iter_mut().rev() {
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            return (String::from_utf8_lossy(&bytes).into_owned(), false);
        }
    }
    let mut out = String::from("1");
    out.push_str(&String::from_utf8_lossy(&bytes[..bytes.len().saturating_sub(1)]));
    (out, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Number {
        serde_json::from_str(s).expect("a JSON number")
    }

    #[test]
    fn numbers_take_the_form_jsonld_js_gives_them() {
        // Expected values come from jsonld.js 9.0 (`toRDF`, see tests/fixtures/jsonld).
        for (input, want, double) in [
            ("42", "42", false),
            ("42.0", "42", false),
            ("-0.0", "0", false),
            ("1e20", "100000000000000000000", false),
            ("123456789012345680000", "123456789012345683968", false),
            ("0.1", "1.0E-1", true),
            ("1.5", "1.5E0", true),
            ("-2.25", "-2.25E0", true),
            ("1.2345678901234567", "1.234567890123457E0", true),
            ("1e21", "1.0E21", true),
            ("1.5e-7", "1.5E-7", true),
            ("9007199254740992", "9007199254740992", false),
        ] {
            assert_eq!(number_lexical(&num(input), false), Ok((want.to_owned(), double)), "{input}");
        }
        assert_eq!(number_lexical(&num("5"), true), Ok(("5.0E0".to_owned(), true)));
        assert_eq!(number_lexical(&num("0"), true), Ok(("0.0E0".to_owned(), true)));
    }

    #[test]
    fn numbers_processors_disagree_on_are_refused() {
        assert!(number_lexical(&num("1e-7"), false).is_err());
        assert!(number_lexical(&num("5e-324"), false).is_err());
        assert!(number_lexical(&num("12345678901234567890"), false).is_err());
        assert!(number_lexical(&num("9007199254740993"), false).is_err());
        // ...but not when the datatype is xsd:double, where they agree.
        assert_eq!(number_lexical(&num("1e-7"), true), Ok(("1.0E-7".to_owned(), true)));
    }

    #[test]
    fn ties_round_away_from_zero_like_javascript() {
        // 2^48 + 0.25 = 281474976710656.25 is exact and has 17 significant digits ending in 5:
        // a tie at 16 digits. Node: (281474976710656.25).toExponential(15) = "2.814749767106563e+14".
        assert_eq!(double_lexical(281_474_976_710_656.25), "2.814749767106563E14");
        assert_eq!(double_lexical(-281_474_976_710_656.25), "-2.814749767106563E14");
        assert_eq!(double_lexical(0.5625), "5.625E-1");
    }

    #[test]
    fn strings_typed_double_are_refused() {
        let d = xsd::DOUBLE.into_owned();
        assert!(literal(&Value::from("1.5"), Some(&d), None).is_err());
        let f = xsd::FLOAT.into_owned();
        assert_eq!(
            literal(&Value::from(3.5), Some(&f), None),
            Ok(Literal::new_typed_literal("3.5E0", f.clone()))
        );
        assert_eq!(literal(&Value::from(3), Some(&f), None), Ok(Literal::new_typed_literal("3", f)));
    }

    #[test]
    fn duplicate_quads_are_kept_once() {
        let mut sink = QuadSink::new(7);
        let s: Subject = NamedNode::new_unchecked("http://ex.org/s").into();
        let p = NamedNode::new_unchecked("http://ex.org/p");
        let o: Term = Literal::new_simple_literal("o").into();
        sink.push(s.clone(), p.clone(), o.clone(), &GraphName::DefaultGraph);
        sink.push(s, p, o, &GraphName::DefaultGraph);
        assert_eq!(sink.finish().len(), 1);
    }
}
