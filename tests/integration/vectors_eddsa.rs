//! The W3C vc-di-eddsa test vectors and the 1EdTech Open Badges 3.0 signing vector, byte for
//! byte: canonical document, canonical proof configuration, both hashes, signature and
//! `proofValue`; then each signed vector verifies and the created proof equals the published one.

use crate::common;

use rosette::integrity::{self, Cryptosuite, ProofOptions, hash_data};
use rosette::jsonld::JsonLdProcessor;
use rosette::keys::{PublicKey, SecretKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

struct Vector {
    name: &'static str,
    suite: Cryptosuite,
    unsigned: PathBuf,
    proof_config: PathBuf,
    canon_doc: PathBuf,
    proof_canon: PathBuf,
    doc_hash: PathBuf,
    proof_hash: PathBuf,
    combined: PathBuf,
    sig_hex: PathBuf,
    proof_value: PathBuf,
    signed: PathBuf,
    secret: String,
}

fn text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&text(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// eddsa-jcs-2022 signs only the proof's contexts; an entry appended to the credential's
/// `@context` after signing must not change what a JSON-LD reader sees (issue #19: one that
/// redefined `name` verified).
#[test]
fn jcs_refuses_context_entries_that_change_the_meaning() {
    let Some(vectors) = vectors() else {
        return;
    };
    let v = vectors.iter().find(|v| v.name == "w3c eddsa-jcs-2022").expect("the JCS vector");
    let jsonld = JsonLdProcessor::new();
    let signed = json(&v.signed);
    let key = SecretKey::from_multibase(&v.secret).expect("key").public_key();
    let verify = |doc: &Value| {
        let proof: Map<String, Value> = doc["proof"].as_object().cloned().expect("proof");
        integrity::verify_proof(&jsonld, doc, &proof, &key).map(|_| ()).map_err(|e| e.to_string())
    };
    verify(&signed).expect("the untouched vector verifies");
    let appended = |entry: Value| {
        let mut doc = signed.clone();
        doc["@context"].as_array_mut().expect("contexts").push(entry);
        verify(&doc)
    };
    // Inline entries: the page cannot process them, so neither side accepts them.
    for inline in [
        serde_json::json!({"name": "https://evil.example/name"}),
        serde_json::json!({"shoeSize": "https://example.org/vocab#shoeSize"}),
    ] {
        let err = appended(inline).expect_err("an inline entry");
        assert_eq!(err, "an entry of `@context` that the proof did not sign is not a context URL");
    }
    let err = appended("https://evil.example/context.jsonld".into()).expect_err("unknown context");
    assert!(err.contains("makes the credential invalid JSON-LD") && err.contains("evil.example"), "{err}");
    // A context rosette embeds that redefines protected terms: the VC 1.1 base context.
    let err = appended("https://www.w3.org/2018/credentials/v1".into()).expect_err("a clashing context");
    assert!(err.contains("protected"), "{err}");
    // A context rosette embeds that redefines nothing is what the suite allows.
    appended("https://w3id.org/security/data-integrity/v2".into()).expect("a known context");
}

fn w3c(
    dir: &Path,
    sub: &str,
    suffix: &str,
    unsigned: &str,
    suite: Cryptosuite,
    name: &'static str,
) -> Vector {
    let d = dir.join(sub);
    let f = |stem: &str, ext: &str| d.join(format!("{stem}{suffix}.{ext}"));
    Vector {
        name,
        suite,
        unsigned: dir.join(unsigned),
        proof_config: f("proofConfig", "json"),
        canon_doc: f("canonDoc", "txt"),
        proof_canon: f("proofCanon", "txt"),
        doc_hash: f("docHash", "txt"),
        proof_hash: f("proofHash", "txt"),
        combined: f("combinedHash", "txt"),
        sig_hex: f("sigHex", "txt"),
        proof_value: f("sigBTC58", "txt"),
        signed: f("signed", "json"),
        secret: "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq".into(),
    }
}

fn vectors() -> Option<Vec<Vector>> {
    let w = common::shared_dir("vectors/vc-di-eddsa")?;
    let ob = common::shared_dir("vectors/ob3-examples/ldp-eddsa-rdfc-2022")?;
    let ob_key = json(&ob.join("key-pair.json"));
    Some(vec![
        w3c(
            &w,
            "eddsa-rdfc-2022",
            "DataInt",
            "unsigned.json",
            Cryptosuite::EddsaRdfc2022,
            "w3c eddsa-rdfc-2022",
        ),
        w3c(
            &w,
            "eddsa-rdfc-2022/employ",
            "DataInt",
            "employmentAuth.json",
            Cryptosuite::EddsaRdfc2022,
            "w3c eddsa-rdfc-2022 employ",
        ),
        w3c(&w, "eddsa-jcs-2022", "JCS", "unsigned.json", Cryptosuite::EddsaJcs2022, "w3c eddsa-jcs-2022"),
        w3c(
            &w,
            "Ed25519Signature2020",
            "EdSig",
            "unsigned.json",
            Cryptosuite::Ed25519Signature2020,
            "w3c Ed25519Signature2020",
        ),
        Vector {
            name: "1EdTech ob3 ldp-eddsa-rdfc-2022",
            suite: Cryptosuite::EddsaRdfc2022,
            unsigned: ob.join("unsigned-credential.json"),
            proof_config: ob.join("proof-options.json"),
            canon_doc: ob.join("document-canon.nq"),
            proof_canon: ob.join("proof-canon.nq"),
            doc_hash: ob.join("document-hash.hex"),
            proof_hash: ob.join("proof-hash.hex"),
            combined: ob.join("combined-hash.hex"),
            sig_hex: ob.join("signature.hex"),
            proof_value: ob.join("proof-value.txt"),
            signed: ob.join("signed-credential.json"),
            secret: ob_key["secretKeyMultibase"].as_str().unwrap_or_default().to_string(),
        },
    ])
}

#[test]
fn every_signing_vector_is_reproduced_byte_for_byte() {
    let Some(vectors) = vectors() else { return };
    let jsonld = JsonLdProcessor::new();
    let mut passed = 0;
    for v in &vectors {
        let unsigned = json(&v.unsigned);
        let config = json(&v.proof_config);
        let config = config.as_object().expect("proof config is an object");
        let key = SecretKey::from_multibase(&v.secret).expect("vector key");

        let canon_doc = v.suite.transform(&jsonld, &unsigned).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(canon_doc, text(&v.canon_doc), "{}: canonical document", v.name);
        let proof_canon = v
            .suite
            .configure(&jsonld, config, unsigned.get("@context"))
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(proof_canon, text(&v.proof_canon), "{}: canonical proof configuration", v.name);
        assert_eq!(hex(&Sha256::digest(&canon_doc)), text(&v.doc_hash).trim(), "{}: document hash", v.name);
        assert_eq!(hex(&Sha256::digest(&proof_canon)), text(&v.proof_hash).trim(), "{}: proof hash", v.name);
        let data = hash_data(&proof_canon, &canon_doc);
        assert_eq!(hex(&data), text(&v.combined).trim(), "{}: combined hash", v.name);
        let signature = key.sign(&data);
        assert_eq!(hex(&signature), text(&v.sig_hex).trim(), "{}: signature", v.name);
        assert_eq!(
            rosette::keys::encode_signature(&signature),
            text(&v.proof_value).trim(),
            "{}: proofValue",
            v.name
        );

        let signed = json(&v.signed);
        let proof = signed["proof"].as_object().expect("one proof");
        let public = key.public_key();
        integrity::verify_proof(&jsonld, &signed, proof, &public)
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));

        if v.suite != Cryptosuite::Ed25519Signature2020 {
            let options = ProofOptions {
                suite: v.suite,
                verification_method: config["verificationMethod"].as_str().expect("vm").to_string(),
                created: config.get("created").and_then(Value::as_str).map(str::to_string),
            };
            let created = integrity::create_proof(&jsonld, &unsigned, &options, &key).expect("create proof");
            // The vectors carry one proof as an object; rosette writes a set of one.
            assert_eq!(
                created["proof"],
                Value::Array(vec![signed["proof"].clone()]),
                "{}: created proof",
                v.name
            );
        }
        passed += 1;
    }
    assert_eq!(passed, 5);
    eprintln!("vc-di-eddsa + ob3: {passed} signing vectors reproduced byte for byte");
}

#[test]
fn proof_set_and_chain_vectors_verify() {
    let Some(dir) = common::shared_dir("vectors/vc-di-eddsa/proof-set-chain") else {
        return;
    };
    let jsonld = JsonLdProcessor::new();
    let mut count = 0;
    for name in
        ["signedProofSet1.json", "signedProofSet2.json", "signedProofChain1.json", "signedProofChain2.json"]
    {
        let doc = json(&dir.join(name));
        for proof in integrity::proofs(&doc) {
            let vm = proof["verificationMethod"].as_str().expect("vm");
            let mb = vm.split('#').nth(1).expect("fragment");
            let key = PublicKey::from_multibase(mb).expect("did:key");
            integrity::verify_proof(&jsonld, &doc, proof, &key)
                .unwrap_or_else(|e| panic!("{name} {vm}: {e}"));
            count += 1;
        }
    }
    assert!(count >= 8, "only {count} proofs checked");
    eprintln!("proof sets and chains: {count} proofs verified");
}

/// Changes one thing in a signed credential and checks that verification names the reason.
#[test]
fn one_defect_tampering_is_rejected_with_the_right_reason() {
    let Some(dir) = common::shared_dir("vectors/ob3-examples/ldp-eddsa-rdfc-2022") else {
        return;
    };
    let jsonld = JsonLdProcessor::new();
    let signed = json(&dir.join("signed-credential.json"));
    let key = SecretKey::from_multibase(
        json(&dir.join("key-pair.json"))["secretKeyMultibase"].as_str().expect("key"),
    )
    .expect("key")
    .public_key();
    let verify = |doc: &Value| {
        let proof: Map<String, Value> = doc["proof"].as_object().cloned().expect("proof");
        integrity::verify_proof(&jsonld, doc, &proof, &key).map(|_| ()).map_err(|e| e.to_string())
    };
    verify(&signed).expect("the untouched vector verifies");

    // One changed character in every signed string field, wherever it is.
    let mut paths = Vec::new();
    collect_strings(&signed, String::new(), &mut paths);
    let mut tried = 0;
    for path in paths.iter().filter(|p| !p.starts_with("/proof") && !p.starts_with("/@context")) {
        let mut doc = signed.clone();
        let s = doc.pointer_mut(path).expect("path");
        let original = s.as_str().expect("string").to_string();
        *s = Value::String(change_one_char(&original));
        let err = verify(&doc).expect_err(path);
        assert!(
            err == "proof signature does not verify" || err.contains("not defined") || err.contains("IRI"),
            "{path}: {err}"
        );
        tried += 1;
    }
    assert!(tried >= 10, "only {tried} fields tampered");

    let mut doc = signed.clone();
    let pv = doc["proof"]["proofValue"].as_str().expect("pv").to_string();
    doc["proof"]["proofValue"] = Value::String(change_one_char(&pv));
    let err = verify(&doc).expect_err("proofValue");
    assert!(err == "proof signature does not verify" || err.contains("proofValue"), "{err}");

    let mut doc = signed.clone();
    let vm = doc["proof"]["verificationMethod"].as_str().expect("vm").to_string();
    doc["proof"]["verificationMethod"] = Value::String(change_one_char(&vm));
    assert_eq!(verify(&doc).expect_err("vm"), "proof signature does not verify");

    // An added context that changes what a term means is caught: the VC and OB contexts are
    // protected. (One that changes nothing, such as a redundant data-integrity context, leaves
    // the signed RDF identical: for eddsa-rdfc-2022 that is not a change to what was signed.)
    let mut doc = signed.clone();
    doc["@context"]
        .as_array_mut()
        .expect("contexts")
        .push(serde_json::json!({"name": "https://evil.example/name"}));
    let err = verify(&doc).expect_err("added redefining context");
    assert!(err.contains("protected"), "{err}");
    let mut doc = signed.clone();
    doc["@context"].as_array_mut().expect("contexts").push("https://evil.example/context.jsonld".into());
    let err = verify(&doc).expect_err("added unknown context");
    assert!(err.contains("https://evil.example/context.jsonld"), "{err}");

    let mut doc = signed.clone();
    doc["@context"].as_array_mut().expect("contexts").pop();
    let err = verify(&doc).expect_err("removed context");
    assert!(err.contains("not defined") || err == "proof signature does not verify", "{err}");
    eprintln!("tamper: {tried} fields + proofValue + verificationMethod + @context added/removed rejected");
}

fn collect_strings(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::String(_) => out.push(path),
        Value::Array(a) => {
            a.iter().enumerate().for_each(|(i, x)| collect_strings(x, format!("{path}/{i}"), out))
        }
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            collect_strings(x, format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")), out)
        }),
        _ => {}
    }
}

/// Changes the last alphanumeric character, keeping the string's shape (an IRI stays an IRI).
fn change_one_char(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(i) = chars.iter().rposition(|c| c.is_ascii_alphanumeric()) {
        chars[i] = match chars[i] {
            'a' => 'b',
            '0' => '1',
            'z' | 'Z' | '9' => 'x',
            c => ((c as u8) - 1) as char,
        };
    } else {
        chars.push('x');
    }
    chars.into_iter().collect()
}
