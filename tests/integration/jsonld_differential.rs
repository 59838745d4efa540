//! Differential tests of rosette's JSON-LD to RDF conversion (`rosette::jsonld`), compared as
//! RDFC-1.0 canonical N-Quads with
//!
//! - Digital Bazaar's `jsonld.js` in safe mode, the processor `@digitalbazaar/vc` signs and
//!   verifies with: its results for `tests/fixtures/jsonld/cases.json` and for the generated
//!   variants are recorded in `expected-jsonld-js.json` and `variants-jsonld-js.json` by
//!   `regen.mjs` (see there to regenerate);
//! - `oxjsonld` 0.2.7 (oxigraph), run here on every shared vector, fixture and variant.
//!
//! A document rosette refuses must be listed as an expected refusal, with its error code.

use crate::common;
use crate::common::Rng;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rosette::jsonld::{JsonLdError, JsonLdProcessor};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Vectors rosette refuses (oxjsonld accepts them, silently dropping data), with the error code.
/// `jsonld.js` in safe mode refuses them too.
const EXPECTED_VECTOR_REFUSALS: &[(&str, &str)] = &[
    // A DID document under the VC and OB 3.0 contexts: `publicKeyMultibase` (and the type
    // `Profile` of the DID subject) are not defined there.
    ("dcc-vc-test-fixtures/dids/oidf/did.json", "invalid property"),
];

/// Where oxjsonld 0.2.7 differs from jsonld.js (and rosette, which matches jsonld.js), and why.
/// Fixture case names and vector paths.
const OXJSONLD_DIFFERS: &[(&str, &str)] = &[
    (
        "citizenship-two-type-scopes",
        "oxjsonld drops the nested node's statements and the link to it when its parent has two \
         types that both have type-scoped contexts",
    ),
    ("vc-di-eddsa/employmentAuth.json", "the same two-type-scopes case (Person, EmployablePerson)"),
    (
        "vc-di-eddsa/eddsa-rdfc-2022/employ/signedDataInt.json",
        "the same two-type-scopes case (Person, EmployablePerson)",
    ),
    (
        "inline-numbers-16-digits",
        "oxjsonld keeps every digit JSON wrote (17 significant digits, exponent form); jsonld.js \
         writes doubles as JavaScript's toExponential(15) and an integral double below 1e21 as an \
         integer",
    ),
    ("inline-nulls-dropped", "oxjsonld rejects `\"@language\": null` in a value object"),
    ("inline-type-map", "oxjsonld's streaming parser rejects nodes that a @type map gives types"),
];

/// The directories of `../shared/vectors` whose documents are compared.
const VECTOR_DIRS: &[&str] =
    &["vc-di-eddsa", "ob3-examples", "dcc-vc-test-fixtures", "bitstring-status-list", "baking"];

fn fixtures() -> PathBuf {
    common::repo_root().join("tests/fixtures/jsonld")
}

// --- the two processors ----------------------------------------------------------------------

fn canonical(quads: &[oxrdf::Quad]) -> String {
    rdf_canon::canonicalize_quads(quads).expect("RDFC-1.0 canonicalization")
}

fn ours(processor: &JsonLdProcessor, doc: &Value) -> Result<String, JsonLdError> {
    processor.to_rdf(doc).map(|quads| canonical(&quads))
}

/// oxjsonld's canonical N-Quads, or its error.
fn oxjsonld(doc: &Value) -> Result<String, String> {
    let bytes = serde_json::to_vec(doc).expect("serializable");
    let parser =
        oxjsonld::JsonLdParser::new().for_slice(&bytes).with_load_document_callback(|url, _options| {
            match rosette::contexts::get(url) {
                Some(text) => Ok(oxjsonld::JsonLdRemoteDocument {
                    document: text.as_bytes().to_vec(),
                    document_url: url.to_owned(),
                }),
                None => Err(format!("unknown context {url}").into()),
            }
        });
    let mut quads = Vec::new();
    for quad in parser {
        quads.push(seam::quad(quad.map_err(|e| e.to_string())?));
    }
    Ok(canonical(&quads))
}

/// oxjsonld builds on oxrdf 0.3, rdf-canon and rosette on oxrdf 0.2: convert term by term.
mod seam {
    use oxrdf03 as new;

    fn named(n: new::NamedNode) -> oxrdf::NamedNode {
        oxrdf::NamedNode::new_unchecked(n.into_string())
    }

    fn blank(b: new::BlankNode) -> oxrdf::BlankNode {
        oxrdf::BlankNode::new_unchecked(b.into_string())
    }

    pub(super) fn quad(q: new::Quad) -> oxrdf::Quad {
        let subject: oxrdf::Subject = match q.subject {
            new::NamedOrBlankNode::NamedNode(n) => named(n).into(),
            new::NamedOrBlankNode::BlankNode(b) => blank(b).into(),
        };
        let object: oxrdf::Term = match q.object {
            new::Term::NamedNode(n) => named(n).into(),
            new::Term::BlankNode(b) => blank(b).into(),
            new::Term::Literal(l) => match l.destruct() {
                // jsonld.js and rosette lower-case language tags (JSON-LD 1.1 allows either);
                // oxjsonld keeps them as written.
                (value, _, Some(language)) => {
                    oxrdf::Literal::new_language_tagged_literal_unchecked(value, language.to_lowercase())
                }
                (value, Some(datatype), None) => oxrdf::Literal::new_typed_literal(value, named(datatype)),
                (value, None, None) => oxrdf::Literal::new_simple_literal(value),
            }
            .into(),
        };
        let graph = match q.graph_name {
            new::GraphName::NamedNode(n) => named(n).into(),
            new::GraphName::BlankNode(b) => blank(b).into(),
            new::GraphName::DefaultGraph => oxrdf::GraphName::DefaultGraph,
        };
        oxrdf::Quad::new(subject, named(q.predicate), object, graph)
    }
}

// --- the shared vectors ----------------------------------------------------------------------

/// Every JSON document under `dir` with a top-level `@context` whose context URLs rosette
/// embeds, by path relative to `dir`.
fn documents_with_embedded_contexts(dir: &Path) -> Vec<(String, Value)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).expect("readable vectors").flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json" || e == "jsonld") {
                out.push(path);
            }
        }
    }
    fn urls_embedded(context: &Value) -> bool {
        match context {
            Value::String(url) => rosette::contexts::get(url).is_some(),
            Value::Array(items) => items.iter().all(urls_embedded),
            _ => true,
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut docs = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let Ok(doc) = serde_json::from_str::<Value>(&text) else { continue };
        let Some(context) = doc.get("@context") else { continue };
        if urls_embedded(context) {
            let rel = file.strip_prefix(dir).unwrap_or(&file);
            let rel = rel.iter().map(|c| c.to_string_lossy()).collect::<Vec<_>>().join("/");
            docs.push((rel, doc));
        }
    }
    docs
}

#[test]
fn shared_vectors_match_jsonld_js_and_oxjsonld() {
    let Some(vectors) = common::shared_dir("vectors") else { return };
    let recorded: BTreeMap<String, String> = read_json(&fixtures().join("vectors-jsonld-js.json"));
    let processor = JsonLdProcessor::new();
    let mut docs = Vec::new();
    for dir in VECTOR_DIRS {
        for (name, doc) in documents_with_embedded_contexts(&vectors.join(dir)) {
            docs.push((format!("{dir}/{name}"), doc));
        }
    }
    let (mut equal, mut ox_equal, mut refused) = (0, 0, 0);
    let mut failures = Vec::new();
    for (name, doc) in &docs {
        let js = recorded.get(name.as_str());
        let expected_refusal = EXPECTED_VECTOR_REFUSALS.iter().find(|(n, _)| n == name);
        match (ours(&processor, doc), expected_refusal) {
            (Ok(got), None) => {
                match js {
                    Some(js) if *js == hex(&Sha256::digest(got.as_bytes())) => equal += 1,
                    Some(js) => {
                        failures.push(format!("{name}: differs from jsonld.js (recorded {js})\n{got}"))
                    }
                    None => failures
                        .push(format!("{name}: no jsonld.js result; run tests/fixtures/jsonld/regen.mjs")),
                }
                let ox_known = OXJSONLD_DIFFERS.iter().any(|(n, _)| n == name);
                match oxjsonld(doc) {
                    Ok(want) if want == got => {
                        ox_equal += 1;
                        if ox_known {
                            failures.push(format!("{name}: listed in OXJSONLD_DIFFERS but equal"));
                        }
                    }
                    _ if ox_known => {}
                    Ok(want) => failures.push(format!(
                        "{name}: differs from oxjsonld\n--- rosette\n{got}--- oxjsonld\n{want}"
                    )),
                    Err(e) => failures.push(format!("{name}: oxjsonld fails ({e}) but rosette accepts")),
                }
            }
            (Err(e), Some((_, code))) if e.code() == *code => {
                if js.is_some_and(|js| js.starts_with("error: ")) {
                    refused += 1;
                } else {
                    failures.push(format!("{name}: rosette refuses ({e}), jsonld.js does not ({js:?})"));
                }
            }
            (Err(e), _) => failures.push(format!("{name}: rosette refuses: {e} [{}]", e.code())),
            (Ok(_), Some((_, code))) => {
                failures.push(format!("{name}: expected refusal `{code}`, but accepted"))
            }
        }
    }
    eprintln!(
        "shared vectors: {equal} equal to jsonld.js ({ox_equal} also to oxjsonld), {refused} refused as expected, of {}",
        docs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(equal >= 50, "only {equal} vectors compared: is ../shared/vectors complete?");
    assert_eq!(refused, EXPECTED_VECTOR_REFUSALS.len(), "an expected refusal was not seen");
    assert_eq!(recorded.len(), docs.len(), "vectors-jsonld-js.json is stale: run regen.mjs");
}

// --- the fixtures --------------------------------------------------------------------------

#[test]
fn fixtures_match_jsonld_js_and_oxjsonld() {
    let cases: Vec<Value> = read_json(&fixtures().join("cases.json"));
    let expected: BTreeMap<String, Value> = read_json(&fixtures().join("expected-jsonld-js.json"));
    let processor = JsonLdProcessor::new();
    let mut failures = Vec::new();
    let (mut equal, mut refused, mut ox_equal) = (0, 0, 0);
    for case in &cases {
        let name = case["name"].as_str().expect("case name");
        let input = &case["input"];
        let Some(js) = expected.get(name) else {
            failures.push(format!("{name}: no jsonld.js result; run tests/fixtures/jsonld/regen.mjs"));
            continue;
        };
        let rosette_code = case.pointer("/rosette/code").and_then(Value::as_str);
        let want_code = rosette_code.or_else(|| js.get("code").and_then(Value::as_str));
        match (ours(&processor, input), want_code) {
            (Ok(got), None) => {
                let want = js["canonical"].as_str().unwrap_or_default();
                if got == want {
                    equal += 1;
                } else {
                    failures.push(format!(
                        "{name}: differs from jsonld.js\n--- rosette\n{got}--- jsonld.js\n{want}"
                    ));
                }
                let ox_known = OXJSONLD_DIFFERS.iter().any(|(n, _)| *n == name);
                match oxjsonld(input) {
                    Ok(ox) if ox == got => {
                        ox_equal += 1;
                        if ox_known {
                            failures.push(format!("{name}: listed in OXJSONLD_DIFFERS but equal"));
                        }
                    }
                    _ if ox_known => {}
                    Ok(ox) => failures
                        .push(format!("{name}: differs from oxjsonld\n--- rosette\n{got}--- oxjsonld\n{ox}")),
                    Err(e) => failures.push(format!("{name}: oxjsonld fails: {e}")),
                }
            }
            (Ok(_), Some(code)) => failures.push(format!("{name}: accepted, but expected `{code}`")),
            (Err(e), None) => failures.push(format!("{name}: refused ({e}) but jsonld.js accepts")),
            (Err(e), Some(code)) => {
                if e.code() != code {
                    failures.push(format!("{name}: error code `{}` ({e}), expected `{code}`", e.code()));
                } else if let Some(path) = case.pointer("/rosette/path").and_then(Value::as_str)
                    && e.path() != Some(path)
                {
                    failures.push(format!("{name}: error at {:?} ({e}), expected at `{path}`", e.path()));
                } else {
                    refused += 1;
                }
                if rosette_code.is_some() && js["ok"] != json!(true) && js["code"].as_str() != rosette_code {
                    // rosette's own code for a case jsonld.js also rejects: fine, but say so.
                    eprintln!("{name}: jsonld.js rejects it as `{}`, rosette as `{}`", js["code"], e.code());
                }
            }
        }
    }
    eprintln!(
        "fixtures: {equal} equal to jsonld.js ({ox_equal} also to oxjsonld), {refused} refused as expected, of {}",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(equal + refused, cases.len());
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// --- generated variants --------------------------------------------------------------------

/// How many variants of the base credential are generated.
const VARIANTS: usize = 300;

/// Generates the variants, compares each with oxjsonld and with the recorded jsonld.js hash.
/// `ROSETTE_WRITE_VARIANTS=DIR` writes them to DIR for `regen.mjs`.
#[test]
fn generated_variants_match_oxjsonld_and_jsonld_js() {
    let variants = generate_variants(VARIANTS);
    if let Some(dir) = std::env::var_os("ROSETTE_WRITE_VARIANTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("variants directory");
        for (name, doc) in &variants {
            let text = serde_json::to_string_pretty(doc).expect("serializable");
            std::fs::write(dir.join(format!("{name}.json")), text).expect("write variant");
        }
    }
    let recorded: BTreeMap<String, String> = read_json(&fixtures().join("variants-jsonld-js.json"));
    let processor = JsonLdProcessor::new();
    let mut failures = Vec::new();
    let (mut equal, mut refused) = (0, 0);
    for (name, doc) in &variants {
        let Some(js) = recorded.get(name) else {
            failures.push(format!(
                "{name}: no jsonld.js result recorded; regenerate with ROSETTE_WRITE_VARIANTS=DIR and regen.mjs"
            ));
            continue;
        };
        // Some mutations combine into documents that safe mode rejects (a term missing from an
        // older OB context): rosette must reject them for the same reason.
        if let Some(code) = js.strip_prefix("error: ") {
            match ours(&processor, doc) {
                Err(e) if e.code() == code => refused += 1,
                Err(e) => failures
                    .push(format!("{name}: rosette refuses as `{}` ({e}), jsonld.js as `{code}`", e.code())),
                Ok(_) => failures.push(format!("{name}: accepted, but jsonld.js refuses it as `{code}`")),
            }
            continue;
        }
        let got = match ours(&processor, doc) {
            Ok(got) => got,
            Err(e) => {
                failures.push(format!("{name}: rosette refuses: {e}\n{doc:#}"));
                continue;
            }
        };
        if *js == hex(&Sha256::digest(got.as_bytes())) {
            equal += 1;
        } else {
            failures.push(format!("{name}: differs from jsonld.js (recorded {js})\n{doc:#}"));
        }
        match oxjsonld(doc) {
            Ok(want) if want == got => {}
            Ok(want) => failures
                .push(format!("{name}: differs from oxjsonld\n--- rosette\n{got}--- oxjsonld\n{want}")),
            Err(e) => failures.push(format!("{name}: oxjsonld fails: {e}")),
        }
    }
    eprintln!(
        "variants: {equal} equal to jsonld.js and oxjsonld, {refused} refused as jsonld.js does, of {}",
        variants.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} variants fail:\n{}",
        failures.len(),
        variants.len(),
        failures.join("\n\n")
    );
    assert_eq!(recorded.len(), variants.len(), "variants-jsonld-js.json is stale: regenerate it");
    assert!(equal >= VARIANTS * 9 / 10, "too few variants are valid credentials ({equal})");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
const OB_303: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

fn base_credential() -> Value {
    json!({
        "@context": [VC_V2, OB_303],
        "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork Badge",
        "issuer": {
            "id": "https://example.edu/issuers/565049",
            "type": ["Profile"],
            "name": "Example University",
            "url": "https://example.edu"
        },
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/teamwork",
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": "Teamwork",
                "description": "This badge recognizes the development of the capacity to collaborate.",
                "criteria": {"narrative": "Team members are nominated for this badge by their peers."},
                "image": {"id": "https://example.com/achievements/teamwork.png", "type": "Image"}
            }
        }
    })
}

type Mutation = fn(&mut Value, &mut Rng);

/// The (first) credential subject.
fn subject(d: &mut Value) -> &mut Value {
    let s = &mut d["credentialSubject"];
    if s.is_array() { &mut s[0] } else { s }
}

/// The (first) subject's achievement.
fn ach(d: &mut Value) -> &mut Value {
    &mut subject(d)["achievement"]
}

/// The mutations variants are made of: optional properties added or removed, single values
/// versus arrays, nested achievements, results and alignments, language-tagged values, numbers.
const MUTATIONS: &[Mutation] = &[
    |d, r| {
        let lang = *r.pick(&["en", "en-US", "fr-CA", "de", "EN-gb"]);
        d["name"] = json!({"@value": "Teamwork Badge", "@language": lang});
    },
    |d, _| {
        ach(d)["description"] = json!([
            {"@value": "Recognizes collaboration.", "@language": "en"},
            {"@value": "Reconnaît la collaboration.", "@language": "fr"}
        ]);
    },
    |d, r| {
        if r.chance(50) {
            ach(d)["type"] = json!("Achievement");
        } else if d["issuer"].is_object() {
            d["issuer"]["type"] = json!("Profile");
        }
    },
    |d, _| {
        if let Some(s) = subject(d).as_object_mut() {
            s.remove("id");
        }
    },
    |d, _| d["issuer"] = json!("https://example.edu/issuers/565049"),
    |d, r| {
        let n = 1 + r.below(3);
        let alignments: Vec<Value> = (0..n)
            .map(|i| {
                let mut a = json!({
                    "type": ["Alignment"],
                    "targetName": format!("Competency {i}"),
                    "targetUrl": format!("https://example.com/frameworks/c{i}")
                });
                if r.chance(50) {
                    a["targetDescription"] = json!("A competency from the framework.");
                }
                if r.chance(50) {
                    a["targetFramework"] = json!("Example Framework");
                    a["targetCode"] = json!(format!("C-{i}"));
                }
                if r.chance(30) {
                    a["targetType"] = json!(*r.pick(&["ceasn:Competency", "CFItem", "ext:Custom"]));
                }
                a
            })
            .collect();
        ach(d)["alignment"] =
            if n == 1 && r.chance(50) { alignments[0].clone() } else { Value::Array(alignments) };
    },
    |d, r| {
        let len = r.below(5);
        let grades = ["A", "B", "C", "D", "E"];
        let mut rd = json!({
            "id": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c",
            "type": ["ResultDescription"],
            "name": "Final grade",
            "resultType": "LetterGrade",
            "allowedValue": grades[..len],
        });
        if r.chance(50) {
            rd["requiredValue"] = json!("C");
        }
        if r.chance(40) {
            rd["rubricCriterionLevel"] = json!([
                {"id": "urn:uuid:1", "type": ["RubricCriterionLevel"], "name": "Good", "level": "2", "points": "5"},
                {"id": "urn:uuid:2", "type": "RubricCriterionLevel", "name": "Poor"}
            ]);
            rd["requiredLevel"] = json!("urn:uuid:1");
        }
        if r.chance(30) {
            rd["valueMin"] = json!("0");
            rd["valueMax"] = json!("100");
        }
        ach(d)["resultDescription"] = json!([rd]);
        if r.chance(70) {
            let mut result = json!({"type": ["Result"], "resultDescription": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c", "value": "B"});
            if r.chance(50) {
                result["status"] = json!("Completed");
            }
            if r.chance(30) {
                result["achievedLevel"] = json!("urn:uuid:1");
            }
            subject(d)["result"] = json!([result]);
        }
    },
    |d, r| {
        let credits = [
            json!(1),
            json!(2.5),
            json!(3.0),
            json!(0.75),
            json!(10),
            json!(120.5),
            json!(1e3),
            json!(0.1),
            json!(-1.25),
        ];
        ach(d)["creditsAvailable"] = r.pick(&credits).clone();
        if r.chance(60) {
            subject(d)["creditsEarned"] = r.pick(&credits).clone();
        }
    },
    |d, r| {
        ach(d)["tag"] = if r.chance(40) {
            json!("collaboration")
        } else {
            json!(["collaboration", "soft skills", "teamwork", "collaboration"])
        };
    },
    |d, r| {
        subject(d)["activityStartDate"] = json!("2023-09-01");
        if r.chance(60) {
            subject(d)["activityEndDate"] = json!("2023-12-15");
        }
        if r.chance(50) {
            d["validUntil"] = json!("2030-01-01T00:00:00Z");
        }
        if r.chance(50) {
            d["awardedDate"] = json!("2024-01-02T10:00:00Z");
        }
    },
    |d, r| {
        let hashed = r.chance(50);
        subject(d)["identifier"] = json!([{
            "type": "IdentityObject",
            "identityHash": if hashed { "sha256$28d4080a2c5a7e4e6e1dfbe5e8ee3a1a4b1b0c0b2b4f4e4e3e2e1e0e1e2e3e4e5e" } else { "student@example.edu" },
            "identityType": "emailAddress",
            "hashed": hashed,
            "salt": "not-so-random"
        }]);
    },
    |d, r| {
        let n = 1 + r.below(2);
        d["evidence"] = Value::Array(
            (0..n)
                .map(|i| {
                    json!({
                        "id": format!("https://example.com/evidence/{i}"),
                        "type": ["Evidence"],
                        "name": format!("Project {i}"),
                        "narrative": "A project the learner led.",
                        "genre": "Project",
                        "audience": "Employers"
                    })
                })
                .collect(),
        );
    },
    |d, _| {
        d["credentialStatus"] = json!({
            "id": "https://example.edu/status/3#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://example.edu/status/3"
        });
    },
    |d, _| {
        d["credentialSchema"] = json!([{
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "JsonSchema"
        }]);
    },
    |d, r| {
        let proof = |value: &str| {
            json!({
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": "2024-01-02T10:00:00Z",
                "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
                "proofPurpose": "assertionMethod",
                "proofValue": value
            })
        };
        d["proof"] = if r.chance(70) {
            proof("z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKxZkPNW5wXb3HWxHEA")
        } else {
            json!([proof("z1"), proof("z2")])
        };
    },
    |d, r| {
        d["issuer"] = json!({
            "id": "https://example.edu/issuers/565049",
            "type": "Profile",
            "name": "Example University",
            "email": "badges@example.edu",
            "phone": "+1-555-0100",
            "address": {
                "type": ["Address"],
                "addressCountry": "USA",
                "addressLocality": "Springfield",
                "postalCode": "12345",
                "geo": {"type": "GeoCoordinates", "latitude": 44.0462, "longitude": -123.0220}
            }
        });
        if r.chance(50) {
            d["issuer"]["otherIdentifier"] =
                json!([{"type": "IdentifierEntry", "identifier": "12345", "identifierType": "sourcedId"}]);
        }
        if r.chance(50) {
            d["issuer"]["parentOrg"] =
                json!({"id": "https://example.edu", "type": "Profile", "name": "Example System"});
        }
    },
    |d, r| {
        ach(d)["related"] = json!([{
            "id": "https://example.com/achievements/teamwork-fr",
            "type": ["Related"],
            "inLanguage": "fr",
            "version": format!("1.{}", r.below(5))
        }]);
        ach(d)["inLanguage"] = json!("en");
        ach(d)["version"] = json!("1.0");
    },
    |d, _| {
        ach(d)["creator"] = json!({
            "id": "https://example.edu/issuers/565049",
            "type": ["Profile"],
            "name": "Example University",
            "image": {"id": "https://example.edu/logo.png", "type": "Image", "caption": "Logo"}
        });
    },
    |d, _| {
        if d["credentialSubject"].is_object() {
            let second = json!({
                "id": "did:example:second-learner",
                "type": "AchievementSubject",
                "achievement": {
                    "id": "https://example.com/achievements/leadership",
                    "type": "Achievement",
                    "name": "Leadership",
                    "description": "Leads a team.",
                    "criteria": {"narrative": "Led a team project."}
                }
            });
            d["credentialSubject"] = json!([d["credentialSubject"].clone(), second]);
        }
    },
    |d, _| {
        ach(d)["endorsement"] = json!([{
            "id": "urn:uuid:e1d2c3b4-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": "Endorsement of Teamwork",
            "issuer": {"id": "https://example.org/endorsers/1", "type": "Profile", "name": "Endorser"},
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "https://example.com/achievements/teamwork",
                "type": "EndorsementSubject",
                "endorsementComment": "A well-designed badge."
            }
        }]);
    },
    |d, r| match r.below(3) {
        0 => {
            if let Some(a) = ach(d).as_object_mut() {
                a.remove("image");
            }
        }
        1 => ach(d)["criteria"] = json!({"id": "https://example.com/criteria/teamwork"}),
        _ => ach(d)["criteria"] = json!("https://example.com/criteria/teamwork"),
    },
    |d, _| {
        subject(d)["source"] =
            json!({"id": "https://example.edu/departments/cs", "type": "Profile", "name": "CS"});
        subject(d)["role"] = json!("Team lead");
        subject(d)["term"] = json!("Fall 2023");
        subject(d)["licenseNumber"] = json!("A-123");
    },
    |d, r| {
        ach(d)["otherIdentifier"] = json!([
            {"type": "IdentifierEntry", "identifier": format!("TW-{}", r.below(100)), "identifierType": "identifier"}
        ]);
        ach(d)["humanCode"] = json!("TW101");
        ach(d)["fieldOfStudy"] = json!("Soft skills");
        ach(d)["specialization"] = json!("Remote teams");
    },
    |d, _| {
        d["image"] = json!({"id": "https://example.com/credentials/image.png", "type": "Image", "caption": "The badge"});
        d["description"] =
            json!("Line one\nLine two with \"quotes\", a tab\t, and an emoji \u{1F600} — and é.");
    },
    |d, r| {
        // Another OB 3.0 context version.
        let ob = *r.pick(&[
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ]);
        d["@context"] = json!([VC_V2, ob]);
    },
    |d, _| {
        d["type"] = json!(["VerifiableCredential", "AchievementCredential"]);
    },
];

fn generate_variants(count: usize) -> Vec<(String, Value)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..count)
        .map(|i| {
            let mut doc = base_credential();
            let steps = 1 + rng.below(6);
            for _ in 0..steps {
                let mutation = *rng.pick(MUTATIONS);
                mutation(&mut doc, &mut rng);
            }
            (format!("variant-{i:03}"), doc)
        })
        .collect()
}
