//! Behaviour of [`JsonLdProcessor`] on small documents. Expected N-Quads were checked against
//! jsonld.js 9 (`safe: true`); `tests/integration/jsonld_differential.rs` compares whole credentials.

use serde_json::{Value, json};

use super::*;

const V2: &str = "https://www.w3.org/ns/credentials/v2";
const OB: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

/// The canonical N-Quads of `doc`, or the error.
fn nquads(doc: &Value) -> Result<String, JsonLdError> {
    let quads = JsonLdProcessor::new().to_rdf(doc)?;
    Ok(rdf_canon::canonicalize_quads(&quads).expect("canonicalizable"))
}

fn ok(doc: Value) -> String {
    nquads(&doc).unwrap_or_else(|e| panic!("refused: {e}"))
}

fn err(doc: Value) -> JsonLdError {
    match nquads(&doc) {
        Ok(n) => panic!("accepted:\n{n}"),
        Err(e) => e,
    }
}

/// A document with an inline `@vocab`, plus `extra` context entries.
fn vocab(extra: Value, body: Value) -> Value {
    let mut ctx = json!({"@vocab": "http://ex.org/", "xsd": XSD});
    if let (Some(c), Some(e)) = (ctx.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    let mut doc = json!({"@context": ctx});
    if let (Some(d), Some(b)) = (doc.as_object_mut(), body.as_object()) {
        d.extend(b.clone());
    }
    doc
}

fn credential(subject: Value) -> Value {
    json!({
        "@context": [V2, OB],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "https://example.com/issuer",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": subject
    })
}

// --- conversion --------------------------------------------------------------------------

#[test]
fn an_ob3_credential_converts() {
    let n = ok(credential(json!({
        "id": "did:example:1",
        "type": "AchievementSubject",
        "achievement": {"id": "https://example.com/a", "type": "Achievement", "name": "A", "criteria": {"narrative": "n"}}
    })));
    for line in [
        "<urn:uuid:1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential> .",
        "<urn:uuid:1> <https://www.w3.org/2018/credentials#issuer> <https://example.com/issuer> .",
        "<urn:uuid:1> <https://www.w3.org/2018/credentials#validFrom> \"2024-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> .",
        "<did:example:1> <https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievement> <https://example.com/a> .",
        "<https://example.com/a> <https://purl.imsglobal.org/spec/vc/ob/vocab.html#Criteria> _:c14n0 .",
        "_:c14n0 <https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative> \"n\" .",
    ] {
        assert!(n.contains(line), "missing {line} in\n{n}");
    }
    assert_eq!(n.lines().count(), 11);
}

#[test]
fn list_containers_and_list_objects_become_rdf_lists() {
    let n = ok(vocab(
        json!({"l": {"@id": "http://ex.org/l", "@container": "@list"}}),
        json!({"@id": "http://ex.org/s", "l": ["a", ["b"]], "m": {"@list": []}}),
    ));
    assert_eq!(
        n,
        "<http://ex.org/s> <http://ex.org/l> _:c14n1 .\n\
         <http://ex.org/s> <http://ex.org/m> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n\
         _:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> _:c14n2 .\n\
         _:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n\
         _:c14n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> \"a\" .\n\
         _:c14n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:c14n0 .\n\
         _:c14n2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> \"b\" .\n\
         _:c14n2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n"
    );
}

#[test]
fn graph_containers_make_blank_named_graphs() {
    let n = ok(json!({
        "@context": [V2],
        "id": "urn:uuid:1",
        "type": "VerifiableCredential",
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z1"}
    }));
    assert_eq!(
        n,
        "<urn:uuid:1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://www.w3.org/2018/credentials#VerifiableCredential> .\n\
         <urn:uuid:1> <https://w3id.org/security#proof> _:c14n1 .\n\
         _:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> _:c14n1 .\n\
         _:c14n0 <https://w3id.org/security#cryptosuite> \"eddsa-rdfc-2022\"^^<https://w3id.org/security#cryptosuiteString> _:c14n1 .\n\
         _:c14n0 <https://w3id.org/security#proofValue> \"z1\"^^<https://w3id.org/security#multibase> _:c14n1 .\n"
    );
}

#[test]
fn top_level_graph_is_the_default_graph_and_named_graphs_keep_their_name() {
    assert_eq!(
        ok(vocab(json!({}), json!({"@graph": [{"@id": "http://ex.org/a", "p": 1}]}))),
        "<http://ex.org/a> <http://ex.org/p> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
    );
    assert_eq!(
        ok(vocab(
            json!({}),
            json!({"@id": "http://ex.org/g", "@graph": {"@id": "http://ex.org/a", "p": "x"}})
        )),
        "<http://ex.org/a> <http://ex.org/p> \"x\" <http://ex.org/g> .\n"
    );
}

#[test]
fn json_literals_are_canonical_json() {
    let n = ok(vocab(
        json!({"j": {"@id": "http://ex.org/j", "@type": "@json"}}),
        json!({"@id": "http://ex.org/s", "j": {"b": [1.0, 1e30, null], "a": "é"}}),
    ));
    assert_eq!(
        n,
        "<http://ex.org/s> <http://ex.org/j> \"{\\\"a\\\":\\\"é\\\",\\\"b\\\":[1,1e+30,null]}\"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .\n"
    );
}

#[test]
fn numbers_follow_the_json_ld_number_model() {
    let n = ok(vocab(
        json!({"f": {"@id": "http://ex.org/f", "@type": "xsd:float"}, "d": {"@id": "http://ex.org/d", "@type": "xsd:double"}}),
        json!({"@id": "http://ex.org/s", "i": [42, 42.0], "x": 1.5, "f": [3, 3.5], "d": 5, "b": true}),
    ));
    for line in [
        "<http://ex.org/i> \"42\"^^<http://www.w3.org/2001/XMLSchema#integer>",
        "<http://ex.org/x> \"1.5E0\"^^<http://www.w3.org/2001/XMLSchema#double>",
        "<http://ex.org/f> \"3\"^^<http://www.w3.org/2001/XMLSchema#float>",
        "<http://ex.org/f> \"3.5E0\"^^<http://www.w3.org/2001/XMLSchema#float>",
        "<http://ex.org/d> \"5.0E0\"^^<http://www.w3.org/2001/XMLSchema#double>",
        "<http://ex.org/b> \"true\"^^<http://www.w3.org/2001/XMLSchema#boolean>",
    ] {
        assert!(n.contains(line), "missing {line} in\n{n}");
    }
    // `42` and `42.0` are the same number: one statement.
    assert_eq!(n.lines().count(), 6);
}

#[test]
fn language_tags_are_lower_cased_and_defaults_apply_to_strings_only() {
    let n = ok(vocab(
        json!({"@language": "en-GB", "plain": {"@id": "http://ex.org/plain", "@language": null}}),
        json!({"@id": "http://ex.org/s", "a": "colour", "b": {"@value": "Farbe", "@language": "DE-ch"}, "plain": "x", "n": 1}),
    ));
    assert!(n.contains("<http://ex.org/a> \"colour\"@en-gb ."), "{n}");
    assert!(n.contains("<http://ex.org/b> \"Farbe\"@de-ch ."), "{n}");
    assert!(n.contains("<http://ex.org/plain> \"x\" ."), "{n}");
    assert!(n.contains("<http://ex.org/n> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> ."), "{n}");
}

#[test]
fn duplicate_statements_are_merged() {
    let n = ok(vocab(
        json!({}),
        json!({"@id": "http://ex.org/s", "@type": ["T", "T"], "p": ["v", {"@value": "v"}], "q": {"@id": "http://ex.org/s", "p": "v"}}),
    ));
    assert_eq!(n.lines().count(), 3, "{n}");
}

#[test]
fn type_scoped_contexts_do_not_propagate_into_nested_nodes() {
    // `validFrom` is defined by the VerifiableCredential type-scoped context: usable on the
    // credential, not on the subject.
    let e = err(credential(json!({"id": "did:example:1", "validFrom": "2024-01-01T00:00:00Z"})));
    assert_eq!(e.code(), "invalid property");
    assert_eq!(e.path(), Some("credentialSubject.validFrom"));
    // ... unless the scoped context says `@propagate: true`.
    let ctx = json!({"T": {"@id": "http://ex.org/T", "@context": {"@propagate": true, "deep": "http://ex.org/deep"}}});
    let n = ok(vocab(ctx.clone(), json!({"@id": "http://ex.org/s", "@type": "T", "c": {"deep": 1}})));
    assert!(n.contains("<http://ex.org/deep>"), "{n}");
    let ctx = json!({"T": {"@id": "http://ex.org/T", "@context": {"deep": "http://other.org/deep"}}});
    let n = ok(vocab(ctx, json!({"@id": "http://ex.org/s", "@type": "T", "deep": 1, "c": {"deep": 2}})));
    assert!(n.contains("<http://ex.org/s> <http://other.org/deep> \"1\""), "{n}");
    assert!(n.contains("<http://ex.org/deep> \"2\""), "reverted to @vocab in the nested node:\n{n}");
}

#[test]
fn property_scoped_null_context_resets_for_embedded_credentials() {
    // VC 2.0 `verifiableCredential` has `@context: null`: the embedded credential needs its own.
    let vp =
        |vc: Value| json!({"@context": [V2], "type": "VerifiablePresentation", "verifiableCredential": vc});
    let e = err(vp(json!({"type": "VerifiableCredential", "credentialSubject": {"id": "did:example:1"}})));
    assert_eq!(e.code(), "invalid property");
    ok(vp(
        json!({"@context": [V2], "type": "VerifiableCredential", "credentialSubject": {"id": "did:example:1"}}),
    ));
}

#[test]
fn protected_terms_cannot_be_redefined() {
    let e = err(json!({"@context": [V2, {"name": "http://ex.org/name"}], "id": "urn:uuid:1", "name": "x"}));
    assert_eq!(e.code(), "protected term redefinition");
    assert!(e.to_string().contains("term `name` is protected"), "{e}");
    assert_eq!(e.path(), Some("@context"));
    // The same definition again is fine; so is a property-scoped override.
    ok(
        json!({"@context": [V2, {"name": "https://schema.org/name"}], "id": "urn:uuid:1", "type": "VerifiableCredential", "name": "x"}),
    );
    ok(json!({
        "@context": [V2, {"w": {"@id": "http://ex.org/w", "@context": {"name": "http://ex.org/name"}}}],
        "id": "urn:uuid:1", "type": "VerifiableCredential", "w": {"name": "mine"}
    }));
    let e = err(json!({"@context": [V2, null], "@id": "urn:uuid:1"}));
    assert_eq!(e.code(), "invalid context nullification");
}

#[test]
fn unknown_contexts_are_named() {
    let e = err(json!({"@context": [V2, "https://example.com/ctx.jsonld"], "id": "urn:uuid:1"}));
    assert_eq!(e, JsonLdError::UnknownContext("https://example.com/ctx.jsonld".into()));
    assert!(e.to_string().contains("`https://example.com/ctx.jsonld`"));
    let e = err(vocab(
        json!({"@import": "https://example.com/import.jsonld"}),
        json!({"@id": "http://ex.org/s", "p": 1}),
    ));
    assert_eq!(e, JsonLdError::UnknownContext("https://example.com/import.jsonld".into()));
}

// --- safe mode -----------------------------------------------------------------------------

/// One document per jsonld.js safe-mode event code, with the path the error names.
#[test]
fn every_safe_mode_event_is_an_error() {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "invalid property",
            credential(
                json!({"id": "did:example:1", "type": "AchievementSubject", "achievement": {"type": "Achievement", "foo": 1}}),
            ),
            "credentialSubject.achievement.foo",
        ),
        (
            "invalid property",
            vocab(json!({"nothing": null}), json!({"@id": "http://ex.org/s", "nothing": 1})),
            "nothing",
        ),
        (
            "relative @type reference",
            json!({"@context": [V2], "id": "urn:uuid:1", "type": ["VerifiableCredential", "Mine"]}),
            "type",
        ),
        (
            "relative @id reference",
            json!({"@context": [V2], "id": "credentials/1", "type": "VerifiableCredential"}),
            "id",
        ),
        (
            "relative @vocab reference",
            json!({"@context": {"@vocab": "ex/"}, "@id": "http://ex.org/s", "p": 1}),
            "@context",
        ),
        (
            "invalid @language value",
            vocab(json!({}), json!({"@id": "http://ex.org/s", "p": {"@value": "x", "@language": "en_GB"}})),
            "p.@language",
        ),
        (
            "reserved term",
            vocab(json!({"@term": "http://ex.org/t"}), json!({"@id": "http://ex.org/s", "p": 1})),
            "@context",
        ),
        ("reserved @id value", vocab(json!({}), json!({"@id": "@foo", "p": 1})), "@id"),
        (
            "reserved @reverse value",
            vocab(json!({"r": {"@reverse": "@foo"}}), json!({"@id": "http://ex.org/s", "p": 1})),
            "@context",
        ),
        ("empty object", json!({"@context": [V2]}), ""),
        (
            "empty object",
            json!({"@context": [V2], "id": "urn:uuid:1", "type": "VerifiableCredential", "proof": {}}),
            "proof",
        ),
        ("free-floating scalar", vocab(json!({}), json!({"@graph": ["x"]})), "@graph[0]"),
        (
            "object with only @id",
            vocab(json!({}), json!({"@graph": [{"@id": "http://ex.org/a"}]})),
            "@graph[0]",
        ),
        ("object with only @value", vocab(json!({}), json!({"@graph": [{"@value": "x"}]})), "@graph[0]"),
        (
            "object with only @list",
            vocab(json!({}), json!({"@graph": [{"@list": [{"@id": "http://ex.org/a", "p": 1}]}]})),
            "@graph[0]",
        ),
        (
            "object with only @language",
            vocab(json!({}), json!({"@id": "http://ex.org/s", "p": {"@language": "en"}})),
            "p.@language",
        ),
        (
            "null @value value",
            vocab(json!({}), json!({"@id": "http://ex.org/s", "p": {"@value": null}})),
            "p",
        ),
        ("blank node predicate", vocab(json!({"b": "_:b"}), json!({"@id": "http://ex.org/s", "b": 1})), "b"),
        (
            "relative object reference",
            json!({"@context": [V2], "id": "urn:uuid:1", "type": "VerifiableCredential", "issuer": "issuer/1"}),
            "issuer",
        ),
        (
            "rdfDirection not set",
            vocab(json!({}), json!({"@id": "http://ex.org/s", "p": {"@value": "x", "@direction": "rtl"}})),
            "p",
        ),
        (
            "rdfDirection not set",
            vocab(json!({"@direction": "ltr"}), json!({"@id": "http://ex.org/s", "p": "x"})),
            "p",
        ),
    ];
    for (code, doc, path) in cases {
        let e = err(doc);
        assert_eq!(e.code(), code, "{e}");
        assert_eq!(e.path(), Some(path), "{e}");
        assert!(matches!(e, JsonLdError::Unsafe { .. }), "{e:?}");
    }
}

#[test]
fn undefined_property_message_names_term_and_path() {
    let e = err(credential(
        json!({"id": "did:example:1", "type": "AchievementSubject", "achievement": {"type": "Achievement", "foo": 1}}),
    ));
    assert_eq!(
        e.to_string(),
        "`credentialSubject.achievement.foo`: property `foo` is not defined by any @context, so it would not be signed"
    );
}

#[test]
fn the_error_reported_is_the_one_jsonld_js_meets_first() {
    // jsonld.js visits keys in sorted order: `alpha` before `zulu`, whatever the JSON order.
    let doc =
        vocab(json!({"alpha": null, "zulu": null}), json!({"@id": "http://ex.org/s", "zulu": 1, "alpha": 2}));
    assert_eq!(err(doc).path(), Some("alpha"));
}

#[test]
fn data_that_would_not_be_signed_is_refused() {
    for doc in [
        vocab(json!({}), json!({"@id": "http://ex.org/s", "p": 1, "@index": "hidden"})),
        vocab(
            json!({"m": {"@id": "http://ex.org/m", "@container": "@index"}}),
            json!({"@id": "http://ex.org/s", "m": {"k": {"p": 1}}}),
        ),
        vocab(json!({}), json!({"@id": "http://ex.org/s", "@explicit": true, "p": 1})),
        vocab(json!({}), json!({"@id": "http://ex.org/s", "p": {"@value": "1.5", "@type": "xsd:double"}})),
        vocab(json!({}), json!({"@id": "http://ex.org/s", "p": 1e-7})),
        vocab(json!({}), json!({"@id": "http://ex.org/s", "p": 12_345_678_901_234_567_890_u64})),
        vocab(json!({}), json!({"@id": "http://ex.org/a>b", "p": 1})),
    ] {
        assert_eq!(err(doc).code(), "rosette: unsupported");
    }
}

#[test]
fn invalid_json_ld_is_an_error_with_its_code() {
    for (code, doc) in [
        ("invalid @id value", vocab(json!({}), json!({"@id": 1, "p": 1}))),
        (
            "colliding keywords",
            vocab(json!({"id": "@id"}), json!({"@id": "http://ex.org/a", "id": "http://ex.org/b", "p": 1})),
        ),
        (
            "invalid value object",
            vocab(
                json!({}),
                json!({"@id": "http://ex.org/s", "p": {"@value": "x", "@type": "xsd:string", "@language": "en"}}),
            ),
        ),
        ("keyword redefinition", json!({"@context": {"@id": "http://ex.org/id"}, "@id": "http://ex.org/s"})),
        (
            "invalid IRI mapping",
            json!({"@context": {"t": {"@type": "@id"}}, "@id": "http://ex.org/s", "t": "http://ex.org/o"}),
        ),
        (
            "cyclic IRI mapping",
            json!({"@context": {"a": "b:x", "b": "a:y"}, "@id": "http://ex.org/s", "a": 1}),
        ),
    ] {
        assert_eq!(err(doc).code(), code);
    }
}

// --- bounds and robustness -----------------------------------------------------------------

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut doc = json!("leaf");
    for _ in 0..1000 {
        doc = json!({"p": doc});
    }
    doc["@context"] = json!({"@vocab": "http://ex.org/"});
    let e = err(doc);
    assert!(matches!(e, JsonLdError::TooDeep { .. }), "{e:?}");
    let mut arrays = json!(1);
    for _ in 0..1000 {
        arrays = json!([arrays]);
    }
    assert!(matches!(
        err(vocab(json!({}), json!({"@id": "http://ex.org/s", "p": arrays}))),
        JsonLdError::TooDeep { .. }
    ));
}

#[test]
fn deeply_nested_and_long_dependent_contexts_are_bounded() {
    let mut ctx = json!({"x": "http://ex.org/x"});
    for _ in 0..100 {
        ctx = json!({"t": {"@id": "http://ex.org/t", "@context": ctx}});
    }
    assert!(matches!(
        err(json!({"@context": ctx, "@id": "http://ex.org/s", "t": 1})),
        JsonLdError::TooDeep { .. }
    ));
    // a0 depends on a1, which depends on a2, ... a chain of 1000 term definitions.
    let mut terms = serde_json::Map::new();
    for i in 0..1000 {
        terms.insert(format!("a{i:04}"), json!(format!("a{:04}:x", i + 1)));
    }
    terms.insert("a1000".into(), json!("http://ex.org/"));
    assert!(matches!(err(json!({"@context": terms, "@id": "http://ex.org/s"})), JsonLdError::TooDeep { .. }));
}

#[test]
fn deep_json_in_contexts_and_json_literals_is_bounded() {
    let mut deep = json!(1);
    for _ in 0..1000 {
        deep = json!([deep]);
    }
    let e = err(
        json!({"@context": {"@vocab": "http://ex.org/", "junk": {"@id": "http://ex.org/j", "@context": {"x": deep.clone()}}}, "@id": "http://ex.org/s", "p": 1}),
    );
    assert!(matches!(e, JsonLdError::TooDeep { .. }), "{e:?}");
    let e = err(vocab(
        json!({"j": {"@id": "http://ex.org/j", "@type": "@json"}}),
        json!({"@id": "http://ex.org/s", "j": deep}),
    ));
    assert!(matches!(e, JsonLdError::TooDeep { .. }), "{e:?}");
}

/// Random damage to valid documents must give errors or quads, never a panic.
#[test]
fn mangled_documents_never_panic() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("../../../../tests/fixtures/jsonld/cases.json"))
            .expect("cases.json");
    let processor = JsonLdProcessor::new();
    let mut seed = 0x1234_5678_9abc_def1_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let replacements = [
        json!(null),
        json!(true),
        json!(-1.5e300),
        json!(""),
        json!("@id"),
        json!("_:b"),
        json!("http://ex.org/x"),
        json!([]),
        json!({}),
        json!([null, {"@id": 1}]),
        json!({"@value": {"@list": 1}}),
        json!({"@context": null}),
        json!({"@context": [null, 1]}),
        json!({"@type": {}}),
        json!({"@reverse": 1}),
        json!({"@graph": 1}),
    ];
    for case in &cases {
        for _ in 0..20 {
            let mut doc = case["input"].clone();
            for _ in 0..3 {
                mangle(&mut doc, &mut next, &replacements);
            }
            let _ = processor.to_rdf(&doc);
        }
    }
}

fn mangle(doc: &mut Value, next: &mut impl FnMut() -> u64, replacements: &[Value]) {
    let mut node = doc;
    loop {
        let children = match node {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if children == 0 || next().is_multiple_of(3) {
            break;
        }
        let i = (next() % children as u64) as usize;
        node = match node {
            Value::Object(m) => match m.values_mut().nth(i) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => &mut a[i],
            _ => return,
        };
    }
    *node = replacements[(next() % replacements.len() as u64) as usize].clone();
}

// --- the processor ---------------------------------------------------------------------------

#[test]
fn the_processor_is_send_and_sync_and_agrees_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<JsonLdProcessor>();
    let processor = JsonLdProcessor::new();
    let doc = credential(
        json!({"id": "did:example:1", "type": "AchievementSubject", "achievement": {"type": "Achievement", "name": "A"}}),
    );
    let canonical = |p: &JsonLdProcessor| {
        rdf_canon::canonicalize_quads(&p.to_rdf(&doc).expect("valid")).expect("canonical")
    };
    let results: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| canonical(&processor))).collect();
        handles.into_iter().map(|h| h.join().expect("no panic")).collect()
    });
    assert!(results.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn a_second_document_with_the_same_contexts_reuses_every_processed_context() {
    let processor = JsonLdProcessor::new();
    let doc = |name: &str| {
        credential(json!({
            "id": "did:example:1",
            "type": "AchievementSubject",
            "achievement": {"type": "Achievement", "name": name, "alignment": [{"type": "Alignment", "targetName": "t", "targetUrl": "https://example.com/t"}]}
        }))
    };
    processor.to_rdf(&doc("first")).expect("valid");
    let cached = processor.store.cached_count();
    assert!(cached > 0);
    processor.to_rdf(&doc("second")).expect("valid");
    assert_eq!(processor.store.cached_count(), cached, "the second document processed a context");
}
