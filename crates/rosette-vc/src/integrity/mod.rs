//! Data Integrity proofs with EdDSA: [`eddsa-rdfc-2022` and `eddsa-jcs-2022`][vc-di-eddsa],
//! plus verification of the legacy `Ed25519Signature2020` proofs that older status lists carry.
//!
//! Both cryptosuites follow the same four steps, whose names this module keeps:
//! *transformation* of the unsecured document into canonical form, *proof configuration*
//! (the proof options, canonicalized the same way), *hashing* (SHA-256 of the proof
//! configuration ‖ SHA-256 of the transformed document, proof first) and *proof
//! serialization* (pure Ed25519 over the 64-byte hash data, `z` + base58btc).
//!
//! [vc-di-eddsa]: https://www.w3.org/TR/vc-di-eddsa/

use crate::canon::{self, CanonError};
use crate::jsonld::{JsonLdError, JsonLdProcessor};
use crate::keys::{self, PublicKey, SecretKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The proof purpose rosette creates and accepts: asserting a credential.
pub const ASSERTION_METHOD: &str = "assertionMethod";
/// The proof purpose of a presentation's proof: the holder proving who presents.
pub const AUTHENTICATION: &str = "authentication";

/// The ways a proof can be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cryptosuite {
    /// RDF Dataset Canonicalization over the JSON-LD document; the suite Open Badges 3.0 names.
    EddsaRdfc2022,
    /// JSON Canonicalization Scheme (RFC 8785) over the JSON document.
    EddsaJcs2022,
    /// The pre-Data-Integrity `Ed25519Signature2020` proof type (verify only).
    Ed25519Signature2020,
}

impl Cryptosuite {
    /// The name as written in a proof (`cryptosuite`, or `type` for the legacy suite).
    pub fn name(self) -> &'static str {
        match self {
            Cryptosuite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Cryptosuite::EddsaJcs2022 => "eddsa-jcs-2022",
            Cryptosuite::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }

    /// A suite rosette can sign with, by name.
    pub fn for_signing(name: &str) -> Option<Self> {
        match name {
            "eddsa-rdfc-2022" => Some(Cryptosuite::EddsaRdfc2022),
            "eddsa-jcs-2022" => Some(Cryptosuite::EddsaJcs2022),
            _ => None,
        }
    }

    /// The suite a proof says it uses.
    pub fn of_proof(proof: &Map<String, Value>) -> Result<Self, ProofError> {
        let kind = proof.get("type").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "DataIntegrityProof" => {
                let suite = proof.get("cryptosuite").and_then(Value::as_str).unwrap_or_default();
                Self::for_signing(suite).ok_or_else(|| ProofError::UnsupportedSuite(suite.to_string()))
            }
            "Ed25519Signature2020" => Ok(Cryptosuite::Ed25519Signature2020),
            "" => Err(ProofError::MissingField("type")),
            other => Err(ProofError::UnsupportedSuite(other.to_string())),
        }
    }

    /// Transformation: the canonical form of the unsecured document (no `proof`).
    pub fn transform(self, jsonld: &JsonLdProcessor, unsecured: &Value) -> Result<String, ProofError> {
        match self {
            Cryptosuite::EddsaJcs2022 => Ok(canon::jcs(unsecured)?),
            Cryptosuite::EddsaRdfc2022 | Cryptosuite::Ed25519Signature2020 => {
                Ok(canon::rdfc(&jsonld.to_rdf(unsecured)?)?)
            }
        }
    }

    /// Proof configuration: the canonical form of the proof options (the proof without
    /// `proofValue`), given the document's `@context`.
    pub fn configure(
        self,
        jsonld: &JsonLdProcessor,
        options: &Map<String, Value>,
        document_context: Option<&Value>,
    ) -> Result<String, ProofError> {
        let mut config = options.clone();
        config.remove("proofValue");
        match self {
            // The JCS suite signs the proof's own `@context`, if any (vc-di-eddsa §3.3.5).
            Cryptosuite::EddsaJcs2022 => Ok(canon::jcs(&Value::Object(config))?),
            // The RDFC suites process the proof options under the document's contexts
            // (vc-di-eddsa §3.2.5; jsonld-signatures for Ed25519Signature2020).
            Cryptosuite::EddsaRdfc2022 | Cryptosuite::Ed25519Signature2020 => {
                // eddsa-rdfc-2022 always takes the document's contexts; jsonld-signatures lets
                // a legacy proof's own `@context` win.
                let own = config.remove("@context");
                let context = match (self, own) {
                    (Cryptosuite::Ed25519Signature2020, Some(own)) => Some(own),
                    _ => document_context.cloned(),
                };
                let mut with_context = Map::new();
                if let Some(ctx) = context {
                    with_context.insert("@context".into(), ctx);
                }
                with_context.extend(config);
                Ok(canon::rdfc(&jsonld.to_rdf(&Value::Object(with_context))?)?)
            }
        }
    }
}

/// Hashing (vc-di-eddsa §3.2.4): SHA-256(proof configuration) ‖ SHA-256(transformed document).
pub fn hash_data(canonical_proof_config: &str, canonical_document: &str) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonical_proof_config.as_bytes()));
    out[32..].copy_from_slice(&Sha256::digest(canonical_document.as_bytes()));
    out
}

/// Why a proof could not be created or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The credential carries no proof at all.
    #[error("the credential has no `proof`")]
    MissingProof,
    /// `proof` holds something other than proof objects (a string in a proof set, say): such a
    /// proof set is malformed (VC Data Integrity §4.2), and no proof in it vouches for the
    /// document.
    #[error("`proof` holds something that is not a proof object")]
    NotAProof,
    /// The proof lacks a property it must have (`type`, `proofPurpose`, `verificationMethod`
    /// or `proofValue`), named by the field.
    #[error("the proof has no `{0}`")]
    MissingField(&'static str),
    /// The proof's `type` or `cryptosuite` (the field) names a suite rosette does not verify,
    /// or, when signing, one it only verifies (`Ed25519Signature2020`).
    #[error("unsupported proof suite `{0}`: rosette verifies eddsa-rdfc-2022 and eddsa-jcs-2022")]
    UnsupportedSuite(String),
    /// The proof's `proofPurpose` (the first field) is not the one the check needs (the
    /// second): `assertionMethod` for a credential, `authentication` for a presentation.
    #[error("proof purpose is `{0}`, expected `{1}`")]
    WrongPurpose(String, &'static str),
    /// The proof's `created`, or the one given to sign with, is not an XML Schema dateTime;
    /// the field is the value.
    #[error("proof `created` is not a date-time: `{0}`")]
    BadCreated(String),
    /// `proofValue` is not `z` + base58btc of a 64-byte Ed25519 signature.
    #[error("`proofValue` is not a base58btc Ed25519 signature")]
    BadProofValue,
    /// An `eddsa-jcs-2022` proof carries an `@context` that the credential's `@context` does
    /// not start with (vc-di-eddsa §3.3.2).
    #[error("the proof's `@context` does not match the start of the credential's `@context`")]
    ContextMismatch,
    /// The credential's `@context` has entries after those an `eddsa-jcs-2022` proof signed,
    /// and one is not a context URL or makes the credential invalid JSON-LD (the field says
    /// which): it would change what the credential means without the signature covering it.
    #[error("an entry of `@context` that the proof did not sign {0}")]
    UnsignedContext(String),
    /// A chained proof's `previousProof` names a proof id the document does not carry (VC
    /// Data Integrity §4.3).
    #[error("a chained proof names a `previousProof` that the credential does not carry")]
    MissingPreviousProof,
    /// The Ed25519 signature does not verify over the hash data: the document, the proof
    /// options or the key are not the ones that were signed.
    #[error("proof signature does not verify")]
    SignatureInvalid,
    /// Signing was refused: the document already carries a proof by this verification method
    /// (the field).
    #[error("the credential already has a proof by `{0}`")]
    AlreadySigned(String),
    /// The document or the proof options could not be turned into RDF for an RDFC suite: an
    /// unknown context, a term no context defines, invalid JSON-LD.
    #[error(transparent)]
    JsonLd(#[from] JsonLdError),
    /// RDFC-1.0 or JCS canonicalization failed.
    #[error(transparent)]
    Canon(#[from] CanonError),
}

/// What goes into a new proof.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    /// The cryptosuite to sign with: [`Cryptosuite::EddsaRdfc2022`] or
    /// [`Cryptosuite::EddsaJcs2022`].
    pub suite: Cryptosuite,
    /// The proof's `verificationMethod`: the id of the signing key as a verifier resolves it
    /// (`did:web:example.org#key-1`, `did:key:z6Mk…#z6Mk…`).
    pub verification_method: String,
    /// `created`, as an XML Schema dateTime (for example `2024-01-31T12:00:00Z`).
    pub created: Option<String>,
}

/// The proofs of a secured document, whether `proof` is one object or a set.
pub fn proofs(document: &Value) -> Vec<&Map<String, Value>> {
    match document.get("proof") {
        Some(Value::Object(p)) => vec![p],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// Whether `proof` holds anything but proof objects: a set with a string in it, say. Such a
/// proof set is malformed (VC Data Integrity §4.2: each proof is a map), and the proofs in
/// it that are maps must not vouch for it, since taking `proof` out before hashing would hide
/// whatever else it holds.
fn has_non_proof(document: &Value) -> bool {
    match document.get("proof") {
        Some(Value::Array(set)) => set.iter().any(|p| !p.is_object()),
        Some(Value::Object(_)) | None => false,
        Some(_) => true,
    }
}

/// The document without its `proof`.
pub fn unsecured(document: &Value) -> Value {
    let mut doc = document.clone();
    if let Value::Object(map) = &mut doc {
        map.remove("proof");
    }
    doc
}

/// Adds a proof to `document` (Create Proof, vc-di-eddsa §3.2.1 / §3.3.1) and returns the
/// secured document, whose `proof` is an array (a proof set, of one when it had none). A
/// document that already carries a proof by the same key is refused.
pub fn create_proof(
    jsonld: &JsonLdProcessor,
    document: &Value,
    options: &ProofOptions,
    key: &SecretKey,
) -> Result<Value, ProofError> {
    if options.suite == Cryptosuite::Ed25519Signature2020 {
        return Err(ProofError::UnsupportedSuite(options.suite.name().into()));
    }
    if proofs(document).iter().any(|p| {
        p.get("verificationMethod").and_then(Value::as_str) == Some(options.verification_method.as_str())
    }) {
        return Err(ProofError::AlreadySigned(options.verification_method.clone()));
    }
    let unsecured = unsecured(document);
    let mut proof = Map::new();
    proof.insert("type".into(), "DataIntegrityProof".into());
    proof.insert("cryptosuite".into(), options.suite.name().into());
    if let Some(created) = &options.created {
        check_created(created)?;
        proof.insert("created".into(), created.clone().into());
    }
    proof.insert("verificationMethod".into(), options.verification_method.clone().into());
    proof.insert("proofPurpose".into(), ASSERTION_METHOD.into());
    let context = unsecured.get("@context");
    if options.suite == Cryptosuite::EddsaJcs2022
        && let Some(ctx) = context
    {
        proof.insert("@context".into(), ctx.clone());
    }
    let config = options.suite.configure(jsonld, &proof, context)?;
    let transformed = options.suite.transform(jsonld, &unsecured)?;
    let signature = key.sign(&hash_data(&config, &transformed));
    proof.insert("proofValue".into(), keys::encode_signature(&signature).into());

    // Always a set, even of one: VC Data Integrity §2.1 allows a single object or a set,
    // and 1EdTech's Open Badges 3.0 JSON Schema accepts only the set (`proof` is
    // `{"type": "array"}` there), so one form serves every credential rosette signs.
    let mut secured = document.clone();
    if let Value::Object(map) = &mut secured {
        let mut set = match map.remove("proof") {
            None => Vec::new(),
            Some(Value::Array(set)) => set,
            Some(existing) => vec![existing],
        };
        set.push(Value::Object(proof));
        map.insert("proof".into(), Value::Array(set));
    }
    Ok(secured)
}

/// What a verified proof signed: its suite and the two canonical forms, which the build
/// publishes so that a browser can check the signature without a JSON-LD processor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The cryptosuite of the proof.
    pub suite: Cryptosuite,
    /// The proof configuration in canonical form (N-Quads for the RDFC suites, JSON text for
    /// JCS), whose SHA-256 is the first half of the signed hash data.
    pub canonical_proof_config: String,
    /// The transformed document in canonical form, whose SHA-256 is the second half.
    pub canonical_document: String,
}

/// Verifies one proof of `document` with `key` (Verify Proof, vc-di-eddsa §3.2.2 / §3.3.2).
/// The caller has found `key` from the proof's `verificationMethod`.
pub fn verify_proof(
    jsonld: &JsonLdProcessor,
    document: &Value,
    proof: &Map<String, Value>,
    key: &PublicKey,
) -> Result<Cryptosuite, ProofError> {
    verify_proof_detailed(jsonld, document, proof, key).map(|v| v.suite)
}

/// [`verify_proof`], returning the canonical forms that were signed.
pub fn verify_proof_detailed(
    jsonld: &JsonLdProcessor,
    document: &Value,
    proof: &Map<String, Value>,
    key: &PublicKey,
) -> Result<Verified, ProofError> {
    verify_proof_for(jsonld, document, proof, key, ASSERTION_METHOD)
}

/// [`verify_proof_detailed`] for a proof made for `purpose`: `assertionMethod` for a credential,
/// `authentication` for a presentation.
pub fn verify_proof_for(
    jsonld: &JsonLdProcessor,
    document: &Value,
    proof: &Map<String, Value>,
    key: &PublicKey,
    purpose: &'static str,
) -> Result<Verified, ProofError> {
    if has_non_proof(document) {
        return Err(ProofError::NotAProof);
    }
    let suite = Cryptosuite::of_proof(proof)?;
    let stated = proof.get("proofPurpose").and_then(Value::as_str).unwrap_or_default();
    if stated.is_empty() {
        return Err(ProofError::MissingField("proofPurpose"));
    }
    if stated != purpose {
        return Err(ProofError::WrongPurpose(stated.to_string(), purpose));
    }
    if proof.get("verificationMethod").and_then(Value::as_str).is_none() {
        return Err(ProofError::MissingField("verificationMethod"));
    }
    if let Some(created) = proof.get("created") {
        check_created(created.as_str().unwrap_or_default())?;
    }
    let proof_value =
        proof.get("proofValue").and_then(Value::as_str).ok_or(ProofError::MissingField("proofValue"))?;
    let signature = keys::decode_signature(proof_value).ok_or(ProofError::BadProofValue)?;

    let mut unsecured = unsecured(document);
    // A chained proof signs the document together with the proofs it names
    // (VC Data Integrity §4.3 Verify Proof Sets and Chains).
    if let Some(previous) = proof.get("previousProof") {
        let wanted = crate::model::credential::strings(Some(previous));
        let matching: Vec<Value> = proofs(document)
            .into_iter()
            .filter(|p| p.get("id").and_then(Value::as_str).is_some_and(|id| wanted.contains(&id)))
            .map(|p| Value::Object(p.clone()))
            .collect();
        if matching.len() != wanted.len() {
            return Err(ProofError::MissingPreviousProof);
        }
        if let Value::Object(map) = &mut unsecured {
            map.insert("proof".into(), Value::Array(matching));
        }
    }
    if suite == Cryptosuite::EddsaJcs2022
        && let Some(proof_context) = proof.get("@context")
    {
        // The document's @context must start with the proof's, in order (§3.3.2 step 4).
        let starts = starts_with(unsecured.get("@context"), proof_context);
        if !starts {
            return Err(ProofError::ContextMismatch);
        }
        // The suite hashes only the proof's contexts, so entries appended after signing are
        // not covered by the signature; but a JSON-LD reader applies them. An appended entry
        // that redefines a protected term, or that is not valid, would give the credential
        // another meaning (or none) than the one verified: refused (issue #19).
        // The badge page, which has no JSON-LD processor, holds them to the same rule: context
        // URLs only, each one rosette embeds.
        if unsecured.get("@context") != Some(proof_context) {
            let appended = appended_contexts(unsecured.get("@context"), proof_context);
            if appended.iter().any(|c| !c.is_string()) {
                return Err(ProofError::UnsignedContext("is not a context URL".into()));
            }
            jsonld.check_json_signed(&unsecured).map_err(|e| {
                ProofError::UnsignedContext(format!("makes the credential invalid JSON-LD: {e}"))
            })?;
        }
        if let Value::Object(map) = &mut unsecured {
            map.insert("@context".into(), proof_context.clone());
        }
    }
    let config = suite.configure(jsonld, proof, unsecured.get("@context"))?;
    let transformed = suite.transform(jsonld, &unsecured)?;
    if key.verify(&hash_data(&config, &transformed), &signature) {
        Ok(Verified { suite, canonical_proof_config: config, canonical_document: transformed })
    } else {
        Err(ProofError::SignatureInvalid)
    }
}

/// The entries of the document's `@context` after the proof's.
fn appended_contexts(document_context: Option<&Value>, proof_context: &Value) -> Vec<Value> {
    let count = |v: &Value| if let Value::Array(a) = v { a.len() } else { 1 };
    match document_context {
        Some(Value::Array(all)) => all.iter().skip(count(proof_context)).cloned().collect(),
        _ => Vec::new(),
    }
}

fn starts_with(document_context: Option<&Value>, proof_context: &Value) -> bool {
    let as_list = |v: &Value| match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let Some(doc) = document_context else {
        return false;
    };
    let doc = as_list(doc);
    let prefix = as_list(proof_context);
    doc.len() >= prefix.len() && doc[..prefix.len()] == prefix[..]
}

fn check_created(created: &str) -> Result<(), ProofError> {
    crate::model::date::parse_date_time(created)
        .map(|_| ())
        .ok_or_else(|| ProofError::BadCreated(created.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Issue #19: `proof` is a set even of one (1EdTech's OB 3.0 schema accepts nothing else),
    /// a second proof joins it, and a proof that was one object, as rosette wrote them before,
    /// still verifies, as a set does: taking the proof out is the same for both.
    #[test]
    fn proofs_are_written_as_a_set_and_read_in_either_form() {
        let jsonld = JsonLdProcessor::new();
        let (a, b) = (SecretKey::from_seed(&[1; 32]).expect("a"), SecretKey::from_seed(&[2; 32]).expect("b"));
        let doc = json!({
            "@context": [crate::contexts::VC_V2],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:ada"}
        });
        let options = |k: &SecretKey| ProofOptions {
            suite: Cryptosuite::EddsaJcs2022,
            verification_method: k.public_key().did_key_vm(),
            created: Some("2024-01-01T00:00:00Z".into()),
        };
        let one = create_proof(&jsonld, &doc, &options(&a), &a).expect("signs");
        assert_eq!(one["proof"].as_array().map(Vec::len), Some(1), "{}", one["proof"]);
        let proof = proofs(&one)[0].clone();
        verify_proof(&jsonld, &one, &proof, &a.public_key()).expect("the set verifies");

        let mut single = one.clone();
        single["proof"] = Value::Object(proof.clone());
        verify_proof(&jsonld, &single, &proof, &a.public_key()).expect("one object verifies");
        let two = create_proof(&jsonld, &single, &options(&b), &b).expect("signs again");
        assert_eq!(two["proof"][0], Value::Object(proof), "the first proof stays first");
        assert_eq!(proofs(&two).len(), 2);
    }
}
