//! The JSON-LD contexts rosette knows, embedded in the binary.
//!
//! rosette never fetches a context: a credential whose `@context` names a URL that is not in
//! this table is refused, and the error names the URL. The files are byte-for-byte copies of
//! the published contexts; `contexts/PROVENANCE.md` gives the source and SHA-256 of each.

/// One embedded context: the URL it is published at and its exact bytes.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedContext {
    /// The URL that names the context in an `@context` (for example
    /// `https://www.w3.org/ns/credentials/v2`).
    pub url: &'static str,
    /// The context document, as published at [`url`](Self::url).
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
    use std::collections::BTreeSet;

    /// The badge page's verifier, which keeps its own copies of the lists below: it runs in the
    /// visitor's browser, without this crate.
    const ROSETTE_CORE_JS: &str = include_str!("../../../themes/default/static/rosette-core.js");

    /// The right-hand side of `const NAME = …;` in rosette-core.js, as written.
    fn js_const(name: &str) -> &'static str {
        ROSETTE_CORE_JS
            .lines()
            .find_map(|line| line.trim_start_matches("export ").strip_prefix(&format!("const {name} = ")))
            .and_then(|rest| rest.strip_suffix(';'))
            .unwrap_or_else(|| panic!("rosette-core.js has no line `const {name} = …;`"))
    }

    /// A JavaScript string constant of rosette-core.js: a literal in single quotes, or the name
    /// of another such constant.
    fn js_string(expr: &str) -> String {
        match expr.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            Some(literal) if !literal.contains(['\\', '\'']) => literal.to_string(),
            Some(_) => panic!(
                "rosette-core.js: `{expr}` is not one plain string literal (one entry a line, no escapes)"
            ),
            None if expr.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') => {
                js_string(js_const(expr))
            }
            None => panic!("rosette-core.js: `{expr}` is neither a string literal nor a constant's name"),
        }
    }

    /// The URLs of rosette-core.js's `KNOWN_CONTEXTS = new Set([…])`, one entry a line.
    fn js_known_contexts() -> Vec<String> {
        let start = "export const KNOWN_CONTEXTS = new Set([";
        let from =
            ROSETTE_CORE_JS.find(start).expect("rosette-core.js has no `KNOWN_CONTEXTS` set") + start.len();
        let body = &ROSETTE_CORE_JS[from..];
        let body = &body[..body.find("]);").expect("`KNOWN_CONTEXTS` is not closed by `]);`")];
        body.lines()
            .map(|line| line.trim().trim_end_matches(','))
            .filter(|entry| !entry.is_empty() && !entry.starts_with("//"))
            .map(js_string)
            .collect()
    }

    /// The badge page refuses a credential whose context rosette would refuse, and accepts the
    /// others: `KNOWN_CONTEXTS` in rosette-core.js is [`CONTEXTS`], URL for URL (issue #20).
    #[test]
    fn the_browser_knows_the_contexts_rosette_embeds() {
        let js = js_known_contexts();
        let browser: BTreeSet<&str> = js.iter().map(String::as_str).collect();
        assert_eq!(browser.len(), js.len(), "`KNOWN_CONTEXTS` in rosette-core.js lists a URL twice");
        let embedded: BTreeSet<&str> = CONTEXTS.iter().map(|c| c.url).collect();
        assert_eq!(embedded.len(), CONTEXTS.len(), "`CONTEXTS` in src/contexts.rs lists a URL twice");
        let only_embedded: Vec<_> = embedded.difference(&browser).collect();
        let only_browser: Vec<_> = browser.difference(&embedded).collect();
        assert!(
            only_embedded.is_empty() && only_browser.is_empty(),
            "the contexts of src/contexts.rs and of `KNOWN_CONTEXTS` in \
             themes/default/static/rosette-core.js differ\n  \
             missing in rosette-core.js: {only_embedded:?}\n  \
             missing in src/contexts.rs: {only_browser:?}"
        );
    }

    /// The VC base contexts, which decide the data model version, are spelled the same.
    #[test]
    fn the_browser_names_the_same_base_contexts() {
        assert_eq!(js_string(js_const("VC_V2")), VC_V2, "`VC_V2` in rosette-core.js");
        assert_eq!(js_string(js_const("VC_V1")), VC_V1, "`VC_V1` in rosette-core.js");
    }

    /// rosette-core.js's `OB_CONTEXT`, the pattern of the Open Badges contexts, as written there.
    const JS_OB_CONTEXT: &str =
        r"/^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d+\.\d+)?\.json$/";

    /// Whether [`JS_OB_CONTEXT`] matches `url`, spelled out.
    fn js_ob_context_matches(url: &str) -> bool {
        let Some(version) = url
            .strip_prefix("https://purl.imsglobal.org/spec/ob/v3p0/context")
            .and_then(|rest| rest.strip_suffix(".json"))
        else {
            return false;
        };
        let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        version.is_empty()
            || version
                .strip_prefix("-3.")
                .and_then(|v| v.split_once('.'))
                .is_some_and(|(a, b)| number(a) && number(b))
    }

    /// The badge page and rosette agree on which embedded contexts make a credential an Open
    /// Badge (its second context): `OB_CONTEXT` in rosette-core.js and [`is_ob_v3p0`].
    #[test]
    fn the_browser_knows_the_same_open_badges_contexts() {
        assert_eq!(
            js_const("OB_CONTEXT"),
            JS_OB_CONTEXT,
            "`OB_CONTEXT` in rosette-core.js changed: update `js_ob_context_matches` here to match it"
        );
        for c in CONTEXTS {
            assert_eq!(
                js_ob_context_matches(c.url),
                is_ob_v3p0(c.url),
                "{}: rosette-core.js says otherwise",
                c.url
            );
        }
        // What the pattern means, read as a JavaScript RegExp.
        let ob = "https://purl.imsglobal.org/spec/ob/v3p0/";
        for (file, matches) in [
            ("context.json", true),
            ("context-3.0.3.json", true),
            ("context-3.10.0.json", true),
            ("context-3.0.json", false),
            ("context-4.0.0.json", false),
            ("context-3.0.3.jsonld", false),
            ("extensions.json", false),
        ] {
            assert_eq!(js_ob_context_matches(&format!("{ob}{file}")), matches, "{file}");
        }
    }

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
