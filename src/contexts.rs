//! The JSON-LD contexts rosette knows, embedded in the binary.
//!
//! rosette never fetches a context: a credential whose `@context` names a URL that is not in
//! this table is refused, and the error names the URL. The files are byte-for-byte copies of
//! the published contexts; `contexts/PROVENANCE.md` gives the source and SHA-256 of each.

/// One embedded context: the URL it is published at and its exact bytes.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedContext {
    pub url: &'static str,
    pub text: &'static str,
}

macro_rules! embedded {
    ($($url:literal => $file:literal,)*) => {
        /// Every context rosette can process, in no particular order.
        pub const CONTEXTS: &[EmbeddedContext] = &[
            $(EmbeddedContext { url: $url, text: include_str!(concat!("../contexts/", $file)) },)*
        ];
    };
}

embedded! {
    "https://www.w3.org/ns/credentials/v2" => "credentials-v2.jsonld",
    "https://www.w3.org/2018/credentials/v1" => "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2" => "credentials-examples-v2.jsonld",
    "https://www.w3.org/ns/credentials/undefined-terms/v2" => "credentials-undefined-terms-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json" => "ob-v3p0-context-3.0.0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json" => "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json" => "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" => "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json" => "ob-v3p0-extensions.json",
    "https://w3id.org/security/data-integrity/v2" => "data-integrity-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1" => "data-integrity-v1.jsonld",
    "https://w3id.org/security/multikey/v1" => "multikey-v1.jsonld",
    "https://w3id.org/security/jwk/v1" => "jwk-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1" => "ed25519-signature-2020-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1" => "bitstring-status-list-v1.jsonld",
    "https://www.w3.org/ns/did/v1" => "did-v1.jsonld",
    "https://www.w3.org/ns/cid/v1" => "cid-v1.jsonld",
    "https://w3id.org/citizenship/v4rc1" => "citizenship-v4rc1.jsonld",
}

/// The VC Data Model 2.0 base context; it must come first in a VC 2.0 credential.
pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The VC Data Model 1.1 base context, accepted when verifying older badges.
pub const VC_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// The Data Integrity context, which defines the proof terms for documents whose own contexts
/// do not (VC 1.1).
pub const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
/// The newest Open Badges 3.0 context; what rosette signs with.
pub const OB_V3P0: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// The text of the context published at `url`, or `None` when rosette does not embed it.
pub fn get(url: &str) -> Option<&'static str> {
    CONTEXTS.iter().find(|c| c.url == url).map(|c| c.text)
}

/// Whether `url` is one of the Open Badges 3.0 contexts (3.0.0 to 3.0.3).
pub fn is_ob_v3p0(url: &str) -> bool {
    url.starts_with("https://purl.imsglobal.org/spec/ob/v3p0/context") && get(url).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_context_is_json_with_a_context() {
        for c in CONTEXTS {
            let v: serde_json::Value =
                serde_json::from_str(c.text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", c.url));
            assert!(v.get("@context").is_some(), "{} has no @context", c.url);
        }
    }

    #[test]
    fn unknown_urls_are_not_served() {
        assert!(get("https://example.com/context.json").is_none());
        assert!(get(VC_V2).is_some());
        assert!(is_ob_v3p0(OB_V3P0));
        assert!(!is_ob_v3p0("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"));
    }
}
