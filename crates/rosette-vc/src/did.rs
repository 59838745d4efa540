//! DIDs and verification methods: `did:key` (computed) and `did:web` (a published `did.json`,
//! read through a [`DocumentSource`]: a local site, or HTTPS in `crate::net`; this module itself
//! never touches the network).
//!
//! [did:web §Read](https://w3c-ccg.github.io/did-method-web/#read-resolve) maps
//! `did:web:example.org` to `https://example.org/.well-known/did.json` and
//! `did:web:example.org:a:b` to `https://example.org/a/b/did.json`; a port is written `%3A`.
//! [CID 1.0 §Retrieve Verification Method](https://www.w3.org/TR/cid-1.0/#retrieve-verification-method)
//! then requires the document `id` to equal the DID, the method's `id` to equal the URL asked
//! for, and the method to be listed under the proof purpose (`assertionMethod`).

use crate::keys::PublicKey;
use serde_json::Value;

/// Why a verification method could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DidError {
    /// The document could not be had at all: "could not check", never "invalid".
    #[error("could not resolve `{id}`: {reason}")]
    Unresolvable {
        /// The verification method asked for.
        id: String,
        /// Why its document could not be had (a method rosette does not resolve, a fetch that
        /// failed, a document not available offline).
        reason: String,
    },
    /// The document was had and says no: the method is not in it, not of a type rosette reads,
    /// controlled by someone else, or not allowed the proof's purpose. The field says which.
    #[error("{0}")]
    Invalid(String),
}

impl DidError {
    fn invalid(msg: impl Into<String>) -> Self {
        DidError::Invalid(msg.into())
    }
    /// Whether this is [`DidError::Unresolvable`]: "could not check", not "invalid".
    pub fn is_unresolvable(&self) -> bool {
        matches!(self, DidError::Unresolvable { .. })
    }
}

/// A verification method that was found in its controller's document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationMethod {
    /// The method's id, a DID URL with a fragment (`did:web:example.org#key-1`).
    pub id: String,
    /// The DID (or https URL) of the document that publishes the method; the method's own
    /// `controller` must equal it.
    pub controller: String,
    /// Its Ed25519 key, read from `publicKeyMultibase`.
    pub public_key: PublicKey,
    /// Whether the controller lists it under `assertionMethod`, that is, lets it sign
    /// credentials.
    pub assertion: bool,
    /// Whether the controller lists it under `authentication`, that is, lets it prove who is
    /// presenting (the proof of a verifiable presentation).
    pub authentication: bool,
}

/// A source of published documents by URL (for example a site directory). Returns `None`
/// when the URL is not served by this source.
pub trait DocumentSource: Sync {
    /// The bytes published at `url`: `None` when this source does not serve that URL,
    /// `Some(Err(reason))` when it does but could not get them (a fetch that failed). The
    /// verifier takes neither for "invalid": a key or status list it cannot have is "could not
    /// check".
    fn get(&self, url: &str) -> Option<Result<Vec<u8>, String>>;
}

/// A source that serves nothing: only `did:key` resolves.
pub struct NoDocuments;

impl DocumentSource for NoDocuments {
    fn get(&self, _url: &str) -> Option<Result<Vec<u8>, String>> {
        None
    }
}

/// The `did:web` DID for a site published at `base_url`
/// (`https://example.org/badges/` → `did:web:example.org:badges`).
pub fn did_web_for_base_url(base_url: &str) -> Result<String, String> {
    let rest = base_url
        .strip_prefix("https://")
        .ok_or_else(|| format!("`{base_url}` is not an https URL; did:web needs https"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    if host.is_empty() || host.contains(['@', '?', '#']) {
        return Err(format!("`{base_url}` has no usable host name"));
    }
    let mut did = format!("did:web:{}", host.replace(':', "%3A"));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment.contains([':', '?', '#', '%']) || segment == ".." || segment == "." {
            return Err(format!("`{base_url}` has a path segment did:web cannot carry: `{segment}`"));
        }
        did.push(':');
        did.push_str(segment);
    }
    Ok(did)
}

/// The https URL of the DID document of a `did:web` DID.
pub fn did_web_document_url(did: &str) -> Result<String, String> {
    let msid = did.strip_prefix("did:web:").ok_or_else(|| format!("`{did}` is not a did:web DID"))?;
    let mut parts = msid.split(':');
    let host = parts.next().unwrap_or_default().replace("%3A", ":").replace("%3a", ":");
    if host.is_empty() {
        return Err(format!("`{did}` has no host"));
    }
    let path: Vec<&str> = parts.collect();
    if path.iter().any(|p| p.is_empty() || *p == ".." || *p == ".") {
        return Err(format!("`{did}` has an empty or relative path segment"));
    }
    Ok(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

/// The key history rosette publishes beside a did:web document (`…/keys.json` beside
/// `…/did.json`): each key's status and dates, read by rosette's verifier and the badge page.
pub fn key_history_url(did_document_url: &str) -> Option<String> {
    did_document_url.strip_suffix("did.json").map(|dir| format!("{dir}keys.json"))
}

/// Resolves verification method ids to keys, checking they may assert credentials.
pub struct Resolver<'a> {
    source: &'a dyn DocumentSource,
}

impl<'a> Resolver<'a> {
    /// A resolver that reads did:web and https controller documents from `source`; did:key
    /// methods are computed and need none.
    pub fn new(source: &'a dyn DocumentSource) -> Self {
        Resolver { source }
    }

    /// Finds the verification method `vm_id` in its controller's document.
    pub fn method(&self, vm_id: &str) -> Result<VerificationMethod, DidError> {
        let (controller, _fragment) = vm_id
            .split_once('#')
            .ok_or_else(|| DidError::invalid(format!("verification method `{vm_id}` has no `#fragment`")))?;
        if let Some(mb) = controller.strip_prefix("did:key:") {
            return did_key_method(vm_id, controller, mb);
        }
        let url = if controller.starts_with("did:web:") {
            did_web_document_url(controller).map_err(DidError::Invalid)?
        } else if controller.starts_with("https://") {
            controller.to_string()
        } else {
            return Err(DidError::Unresolvable {
                id: vm_id.to_string(),
                reason: "only did:key, did:web and https key documents are supported".into(),
            });
        };
        let bytes = match self.source.get(&url) {
            Some(Ok(bytes)) => bytes,
            Some(Err(reason)) => {
                return Err(DidError::Unresolvable { id: vm_id.to_string(), reason });
            }
            None => {
                return Err(DidError::Unresolvable {
                    id: vm_id.to_string(),
                    reason: format!(
                        "`{url}` is not available offline (give the site with --site and --base-url)"
                    ),
                });
            }
        };
        let doc: Value = serde_json::from_slice(&bytes)
            .map_err(|e| DidError::invalid(format!("`{url}` is not valid JSON: {e}")))?;
        find_method(&doc, controller, vm_id)
    }

    /// Finds `vm_id` and requires that it may sign credentials.
    pub fn assertion_method(&self, vm_id: &str) -> Result<VerificationMethod, DidError> {
        let method = self.method(vm_id)?;
        if !method.assertion {
            return Err(DidError::invalid(format!(
                "key `{vm_id}` is not listed under `assertionMethod` of `{}`",
                method.controller
            )));
        }
        Ok(method)
    }
}

fn did_key_method(vm_id: &str, did: &str, mb: &str) -> Result<VerificationMethod, DidError> {
    let key = PublicKey::from_multibase(mb)
        .map_err(|e| DidError::invalid(format!("`{did}` is not an Ed25519 did:key: {e}")))?;
    // A did:key document has exactly one method, whose fragment is the key itself.
    if vm_id != key.did_key_vm() {
        return Err(DidError::invalid(format!(
            "`{vm_id}` is not the verification method of `{did}` (expected `{}`)",
            key.did_key_vm()
        )));
    }
    Ok(VerificationMethod {
        id: vm_id.to_string(),
        controller: did.to_string(),
        public_key: key,
        assertion: true,
        authentication: true,
    })
}

/// Checks a controller document (a DID document, or an https key document) per CID 1.0 and
/// returns the method `vm_id`, saying whether it is listed under `assertionMethod`.
pub fn find_method(doc: &Value, controller: &str, vm_id: &str) -> Result<VerificationMethod, DidError> {
    let doc_id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    if doc_id != controller {
        return Err(DidError::invalid(format!(
            "the document for `{controller}` has id `{doc_id}`; they must be equal"
        )));
    }
    let listed = |v: &Value| match v {
        Value::String(s) => s == vm_id,
        Value::Object(o) => o.get("id").and_then(Value::as_str) == Some(vm_id),
        _ => false,
    };
    let assertion = as_array(doc.get("assertionMethod"));
    let listed_for_assertion = assertion.iter().any(listed);
    let authentication = as_array(doc.get("authentication"));
    let listed_for_authentication = authentication.iter().any(listed);
    // The method itself is embedded in a relationship or in verificationMethod.
    let described = as_array(doc.get("verificationMethod"));
    let method = assertion
        .iter()
        .chain(authentication.iter())
        .chain(described.iter())
        .filter_map(Value::as_object)
        .find(|m| m.get("id").and_then(Value::as_str) == Some(vm_id))
        .ok_or_else(|| DidError::invalid(format!("key `{vm_id}` is not published in `{controller}`")))?;
    let kind = method.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind != "Multikey" && kind != "Ed25519VerificationKey2020" {
        return Err(DidError::invalid(format!(
            "key `{vm_id}` has type `{kind}`; rosette reads Ed25519 keys of type `Multikey`"
        )));
    }
    let method_controller = method.get("controller").and_then(Value::as_str).unwrap_or_default();
    if method_controller != controller {
        return Err(DidError::invalid(format!(
            "key `{vm_id}` has controller `{method_controller}`, not `{controller}`"
        )));
    }
    let mb = method
        .get("publicKeyMultibase")
        .and_then(Value::as_str)
        .ok_or_else(|| DidError::invalid(format!("key `{vm_id}` has no `publicKeyMultibase`")))?;
    let public_key =
        PublicKey::from_multibase(mb).map_err(|e| DidError::invalid(format!("key `{vm_id}`: {e}")))?;
    Ok(VerificationMethod {
        id: vm_id.to_string(),
        controller: controller.to_string(),
        public_key,
        assertion: listed_for_assertion,
        authentication: listed_for_authentication,
    })
}

fn as_array(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// Builds the DID document rosette publishes: one Multikey method per key, all listed under
/// `assertionMethod`, with absolute ids (relative ones are not resolved by Digital Bazaar's
/// verifier).
pub fn did_document(did: &str, keys: &[(String, PublicKey)]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|(fragment, key)| {
            serde_json::json!({
                "id": format!("{did}#{fragment}"),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.to_multibase(),
            })
        })
        .collect();
    let ids: Vec<Value> =
        keys.iter().map(|(fragment, _)| Value::String(format!("{did}#{fragment}"))).collect();
    serde_json::json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<String, Vec<u8>>);
    impl DocumentSource for Map {
        fn get(&self, url: &str) -> Option<Result<Vec<u8>, String>> {
            self.0.get(url).cloned().map(Ok)
        }
    }

    #[test]
    fn did_web_maps_both_ways() {
        let cases = [
            ("https://example.org/", "did:web:example.org", "https://example.org/.well-known/did.json"),
            ("https://example.org", "did:web:example.org", "https://example.org/.well-known/did.json"),
            (
                "https://u.github.io/badges/",
                "did:web:u.github.io:badges",
                "https://u.github.io/badges/did.json",
            ),
            (
                "https://example.org:8443/a/b",
                "did:web:example.org%3A8443:a:b",
                "https://example.org:8443/a/b/did.json",
            ),
        ];
        for (base, did, url) in cases {
            assert_eq!(did_web_for_base_url(base).as_deref(), Ok(did), "{base}");
            assert_eq!(did_web_document_url(did).as_deref(), Ok(url), "{did}");
        }
        assert!(did_web_for_base_url("http://example.org/").is_err());
        assert!(did_web_for_base_url("https://example.org/../x").is_err());
    }

    fn key() -> PublicKey {
        PublicKey::from_multibase("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").expect("key")
    }

    #[test]
    fn did_key_resolves_only_its_own_fragment() {
        let none = NoDocuments;
        let r = Resolver::new(&none);
        let vm = r.assertion_method(&key().did_key_vm()).expect("did:key");
        assert_eq!(vm.controller, key().did_key());
        let wrong = format!("{}#key-1", key().did_key());
        assert!(matches!(r.assertion_method(&wrong), Err(DidError::Invalid(_))));
    }

    #[test]
    fn published_did_web_document_round_trips() {
        let did = "did:web:example.org";
        let doc = did_document(did, &[("key-1".into(), key())]);
        let src = Map(HashMap::from([(
            "https://example.org/.well-known/did.json".to_string(),
            serde_json::to_vec(&doc).expect("json"),
        )]));
        let r = Resolver::new(&src);
        let vm = r.assertion_method("did:web:example.org#key-1").expect("listed key");
        assert_eq!(vm.public_key, key());
        let err = r.assertion_method("did:web:example.org#key-2").expect_err("unlisted key");
        assert_eq!(
            err.to_string(),
            "key `did:web:example.org#key-2` is not published in `did:web:example.org`"
        );
        let mut unlisted = doc.clone();
        unlisted["assertionMethod"] = serde_json::json!([]);
        let vm = find_method(&unlisted, did, "did:web:example.org#key-1").expect("described");
        assert!(!vm.assertion);
        let missing = r.assertion_method("did:web:other.org#key-1").expect_err("no document");
        assert!(missing.is_unresolvable());
    }

    #[test]
    fn document_id_must_equal_the_did() {
        let doc = did_document("did:web:evil.org", &[("key-1".into(), key())]);
        let err =
            find_method(&doc, "did:web:example.org", "did:web:evil.org#key-1").expect_err("mismatched id");
        assert!(err.to_string().contains("must be equal"), "{err}");
    }
}
