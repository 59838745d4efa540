//! Property tests over everything that reads untrusted input: random mutations of signed
//! credentials never verify; the strict JSON reader, the config parser and the baked-image
//! readers never panic; rendered Markdown is always sanitized; output paths never leave
//! `public/`. Case counts keep the whole file well under a minute in the debug profile;
//! `PROPTEST_CASES` raises them for a longer run.

use crate::common;

use proptest::prelude::*;
use rosette::jsonld::JsonLdProcessor;
use rosette::model::Credential;
use rosette::verify::{Outcome, Verifier};
use serde_json::Value;
use std::sync::OnceLock;

fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(n);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

// --- credentials --------------------------------------------------------------------------

fn signed(name: &str) -> Value {
    let path = common::repo_root().join("tests/fixtures/cli").join(name);
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("json")
}

fn jsonld() -> &'static JsonLdProcessor {
    static P: OnceLock<JsonLdProcessor> = OnceLock::new();
    P.get_or_init(JsonLdProcessor::new)
}

/// Verified or verified with a warning: what would be published as genuine.
fn verifies(value: &Value) -> bool {
    let bytes = serde_json::to_vec(value).expect("json");
    let Ok(credential) = Credential::parse(&bytes) else { return false };
    let now = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").expect("date").to_utc();
    let verifier =
        Verifier { jsonld: jsonld(), source: &rosette::did::NoDocuments, now, require_open_badge: true };
    matches!(verifier.verify(&credential).outcome, Outcome::Verified | Outcome::Warning)
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Changes the value at a node: a string gains or loses a character, a number grows, a
    /// boolean flips, an array or object becomes a string.
    Change { node: usize, seed: u32 },
    /// Removes a key from an object or an element from an array.
    Delete { node: usize },
    /// Adds a key with a string value to an object, or a string to an array.
    Insert { node: usize, seed: u32 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u32>()).prop_map(|(node, seed)| Mutation::Change { node, seed }),
        any::<usize>().prop_map(|node| Mutation::Delete { node }),
        (any::<usize>(), any::<u32>()).prop_map(|(node, seed)| Mutation::Insert { node, seed }),
    ]
}

/// Every node below the root, as a path of keys and indexes.
fn nodes(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let children: Vec<(String, &Value)> = match v {
        Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(a) => a.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        _ => return,
    };
    for (key, child) in children {
        path.push(key);
        out.push(path.clone());
        nodes(child, path, out);
        path.pop();
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(a) => &mut a[k.parse::<usize>().expect("index")],
        other => &mut other[k.as_str()],
    })
}

/// Applies `m`; `None` when it would not change the document's meaning in any model (the
/// only such case here: removing one of two equal array elements).
fn apply(doc: &Value, m: &Mutation) -> Option<Value> {
    let mut all = Vec::new();
    nodes(doc, &mut Vec::new(), &mut all);
    let mut out = doc.clone();
    let pick = |n: usize| all[n % all.len()].clone();
    match *m {
        Mutation::Change { node, seed } => {
            let path = pick(node);
            let target = at(&mut out, &path);
            let c = char::from(b'a' + (seed % 26) as u8);
            *target = match target.clone() {
                Value::String(s) if seed % 3 == 0 && !s.is_empty() => {
                    Value::String(s.chars().take(s.chars().count() - 1).collect())
                }
                Value::String(s) if seed % 3 == 1 => Value::String(format!("{c}{s}")),
                Value::String(s) => Value::String(format!("{s}{c}")),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => Value::from(i + 1 + i64::from(seed % 5)),
                    None => Value::from(n.as_f64().unwrap_or(0.0) + 1.0),
                },
                Value::Bool(b) => Value::Bool(!b),
                Value::Null => Value::from("x"),
                Value::Array(_) | Value::Object(_) => Value::from(c.to_string()),
            };
        }
        Mutation::Delete { node } => {
            let path = pick(node);
            let (last, parent_path) = path.split_last().expect("below the root");
            match at(&mut out, parent_path) {
                Value::Object(o) => {
                    o.shift_remove(last);
                }
                Value::Array(a) => {
                    let i: usize = last.parse().expect("index");
                    let removed = a.remove(i);
                    if a.contains(&removed) {
                        return None;
                    }
                }
                _ => unreachable!("a parent is a container"),
            }
        }
        Mutation::Insert { node, seed } => {
            let mut path = pick(node);
            // Insert into the node, or into its parent when the node is a scalar.
            if !matches!(at(&mut out, &path), Value::Object(_) | Value::Array(_)) {
                path.pop();
            }
            let value = Value::from(format!("inserted-{seed}"));
            match at(&mut out, &path) {
                Value::Object(o) => {
                    let keys = ["name", "description", "id", "type", "url", "extra", "narrative"];
                    let key = keys[seed as usize % keys.len()];
                    if o.contains_key(key) {
                        o.insert(format!("{key}{seed}"), value);
                    } else {
                        o.insert(key.to_string(), value);
                    }
                }
                Value::Array(a) => a.insert(seed as usize % (a.len() + 1), value),
                _ => unreachable!("a container"),
            }
        }
    }
    Some(out)
}

#[test]
fn the_unmutated_fixtures_verify() {
    // Without this, "never verifies" below would hold for a broken verifier too.
    assert!(verifies(&signed("signed-rdfc.json")));
    assert!(verifies(&signed("signed-jcs.json")));
}

proptest! {
    #![proptest_config(cases(96))]

    #[test]
    fn a_mutated_rdfc_credential_never_verifies(m in mutation()) {
        let doc = signed("signed-rdfc.json");
        if let Some(mutated) = apply(&doc, &m) {
            prop_assert!(!verifies(&mutated), "{m:?} still verifies:\n{mutated:#}");
        }
    }

    #[test]
    fn a_mutated_jcs_credential_never_verifies(m in mutation()) {
        let doc = signed("signed-jcs.json");
        if let Some(mutated) = apply(&doc, &m) {
            prop_assert!(!verifies(&mutated), "{m:?} still verifies:\n{mutated:#}");
        }
    }

    #[test]
    fn mutated_credential_bytes_never_verify(i in any::<usize>(), b in any::<u8>()) {
        // Byte-level damage: whatever still parses must not verify, unless the byte changed
        // only whitespace or the order of nothing (same JSON value).
        let text = std::fs::read(common::repo_root().join("tests/fixtures/cli/signed-rdfc.json")).expect("r");
        let mut bytes = text.clone();
        let i = i % bytes.len();
        prop_assume!(bytes[i] != b);
        bytes[i] = b;
        if let Ok(c) = Credential::parse(&bytes) {
            let original: Value = serde_json::from_slice(&text).expect("json");
            prop_assume!(c.value != original);
            prop_assert!(!verifies(&c.value));
        }
    }
}

// --- strict JSON and config ------------------------------------------------------------------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z\"\\\\<>/\u{0}-\u{1f}\u{202e}é😀]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z@]{1,4}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn strict_json_agrees_with_serde_json_on_valid_documents(v in json_value()) {
        let text = serde_json::to_string_pretty(&v).expect("json");
        prop_assert_eq!(rosette::json::parse(text.as_bytes(), 120), Ok(v));
    }

    #[test]
    fn strict_json_never_panics_and_refuses_what_serde_json_refuses(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let strict = rosette::json::parse(&bytes, 64);
        if serde_json::from_slice::<Value>(&bytes).is_err() {
            prop_assert!(strict.is_err());
        }
    }

    #[test]
    fn nesting_is_refused_exactly_beyond_the_limit(depth in 1usize..200, max in 1usize..120) {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let result = rosette::json::parse(text.as_bytes(), max);
        prop_assert_eq!(result.is_ok(), depth <= max, "{:?}", result);
    }

    #[test]
    fn a_duplicated_key_is_always_refused(v in json_value(), key in "[a-z]{1,3}") {
        let text = format!("{{\"{key}\": {v}, \"{key}\": {v}}}");
        let is_duplicate = matches!(
            rosette::json::parse(text.as_bytes(), 120),
            Err(rosette::json::JsonError::DuplicateKey { .. })
        );
        prop_assert!(is_duplicate);
    }

    #[test]
    fn the_config_parser_never_panics(edit in (any::<usize>(), "[ -~\n\u{0}\u{202e}]{0,12}"), cut in any::<usize>()) {
        let good = std::fs::read_to_string(common::repo_root().join("rosette.toml")).expect("toml");
        let (at, insert) = edit;
        let mut text: Vec<char> = good.chars().collect();
        let at = at % (text.len() + 1);
        text.splice(at..at, insert.chars());
        let text: String = text.into_iter().collect();
        let _ = rosette::config::Config::parse(&text);
        let cut: String = good.chars().take(cut % (good.len() + 1)).collect();
        let _ = rosette::config::Config::parse(&cut);
    }

    #[test]
    fn unknown_config_fields_are_always_refused(key in "[a-z_]{1,12}") {
        prop_assume!(!["base_url", "title", "language", "theme", "issuer", "keys", "privacy", "linkedin", "status", "limits"].contains(&key.as_str()));
        let good = std::fs::read_to_string(common::repo_root().join("rosette.toml")).expect("toml");
        let text = format!("{key} = 1\n{good}");
        let err = rosette::config::Config::parse(&text).expect_err("unknown field");
        prop_assert!(err.to_string().contains(&format!("unknown field `{key}`")), "{}", err);
    }
}

// --- baked images ------------------------------------------------------------------------------

fn tiny_png() -> Vec<u8> {
    use common::png_chunk as chunk;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
    chunk(&mut png, b"IEND", &[]);
    png
}

const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="5"/></svg>"#;

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn baked_credentials_round_trip(credential in "[ -~\u{a0}-\u{2ff}\u{202e}<>&\"'\\]\\]>]{1,200}") {
        let png = rosette::bake::png::bake(&tiny_png(), &credential).expect("bake png");
        prop_assert_eq!(rosette::bake::unbake(&png).expect("unbake png"), Some(credential.clone()));
        let svg = rosette::bake::svg::bake(SVG, &credential).expect("bake svg");
        prop_assert_eq!(rosette::bake::unbake(svg.as_bytes()).expect("unbake svg"), Some(credential));
    }

    #[test]
    fn damaged_pngs_never_panic(flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let mut png = rosette::bake::png::bake(&tiny_png(), "{\"id\": \"urn:uuid:1\"}").expect("bake");
        for (i, b) in flips {
            let i = i % png.len();
            png[i] = b;
        }
        let _ = rosette::bake::unbake(&png);
        let _ = rosette::bake::unbake(&png[..cut % (png.len() + 1)]);
    }

    #[test]
    fn random_bytes_never_panic_the_image_readers(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = rosette::bake::unbake(&bytes);
        let mut png = rosette::bake::png::SIGNATURE.to_vec();
        png.extend_from_slice(&bytes);
        let _ = rosette::bake::unbake(&png);
    }

    #[test]
    fn damaged_svgs_never_panic(edit in (any::<usize>(), "[<>&;!\\[\\]\"'=/a-zA-Z :-]{0,30}"), cut in any::<usize>()) {
        let svg = rosette::bake::svg::bake(SVG, "{\"id\": \"urn:uuid:1\"}").expect("bake");
        let (at, insert) = edit;
        let mut chars: Vec<char> = svg.chars().collect();
        let at = at % (chars.len() + 1);
        chars.splice(at..at, insert.chars());
        let damaged: String = chars.into_iter().collect();
        let _ = rosette::bake::unbake(damaged.as_bytes());
        let cut: String = svg.chars().take(cut % (svg.len() + 1)).collect();
        let _ = rosette::bake::unbake(cut.as_bytes());
    }
}

// --- Markdown and URLs ---------------------------------------------------------------------------

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"vbscript:x\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<iframe src=https://evil.example></iframe>",
    "<svg onload=alert(1)>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<object data=x></object>",
    "<form action=javascript:alert(1)><input></form>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<!--",
    "-->",
    "</p>",
    "<p title=\"",
    "\"",
    "`code`",
    "```\n<script>\n```",
    "# h",
    "\n\n",
    "> quote",
    "| a | b |\n|---|---|\n| <script> | x |",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<https://example.org>",
    "<javascript:alert(1)>",
    "\u{202e}",
    "&lt;script&gt;",
];

fn markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![prop::sample::select(HOSTILE).prop_map(str::to_string), "[ -~]{0,10}"],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// Every start tag of sanitized HTML, checked: allowed elements only, no event handler, no
/// URL with a scheme other than http, https or mailto.
fn assert_sanitized(html: &str) -> Result<(), String> {
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').ok_or("an unclosed tag")?;
        let tag = &rest[..end];
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if [
            "script", "iframe", "object", "embed", "style", "svg", "math", "form", "input", "base", "meta",
            "link",
        ]
        .contains(&name.as_str())
        {
            return Err(format!("<{tag}>"));
        }
        // Attributes: name="value" (ammonia always quotes with ").
        let mut attrs = tag[name.len()..].trim_start();
        while !attrs.is_empty() {
            let (attr, after) = attrs.split_once('=').unwrap_or((attrs, ""));
            let attr = attr.trim();
            if attr.starts_with("on") {
                return Err(format!("event handler in <{tag}>"));
            }
            let Some(after) = after.strip_prefix('"') else { break };
            let (value, after) = after.split_once('"').ok_or("unclosed attribute")?;
            if ["href", "src", "cite", "action"].contains(&attr)
                && let Some((scheme, _)) = value.split_once(':')
                && !scheme.contains(['/', '?', '#'])
                && !["http", "https", "mailto"].contains(&scheme)
            {
                return Err(format!("URL scheme `{scheme}` in <{tag}>"));
            }
            attrs = after.trim_start();
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn rendered_markdown_is_always_sanitized(md in markdown()) {
        let html = rosette::markdown::to_safe_html(&md);
        prop_assert!(assert_sanitized(&html).is_ok(), "{:?} from {md:?}: {html}", assert_sanitized(&html));
    }

    #[test]
    fn safe_urls_are_web_urls(url in prop_oneof![
        "(https?|javascript|data|vbscript|HTTPS|JaVaScRiPt)?:?(//)?[ -~\t\n\u{0}\u{202e}]{0,20}",
        prop::sample::select(HOSTILE).prop_map(str::to_string),
    ]) {
        if rosette::markdown::is_safe_url(&url) {
            let lower = url.trim().to_ascii_lowercase();
            prop_assert!(lower.starts_with("https://") || lower.starts_with("http://"), "{url:?}");
            prop_assert!(!url.contains(['"', '<', '>']) && !url.chars().any(|c| c.is_control() || c.is_whitespace()), "{url:?}");
        }
    }
}

// --- output paths ----------------------------------------------------------------------------------

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn output_paths_never_leave_public(path in prop_oneof![
        "[a-zA-Z0-9./\\\\\u{0}:%~ -]{0,40}",
        prop::collection::vec(prop::sample::select(&["..", ".", "", "a", "/", "\\", "\u{0}", "C:", "~", ".well-known", ".git", "%2e%2e", "ü"][..]), 0..8)
            .prop_map(|s| s.join("/")),
    ]) {
        if let Ok(p) = rosette::site::paths::OutPath::new(&path) {
            let s = p.as_str();
            let base = std::path::Path::new("/srv/public");
            let joined = base.join(s);
            prop_assert!(!s.starts_with('/') && !s.contains(['\\', '\0', ':']), "{s:?}");
            for c in std::path::Path::new(s).components() {
                prop_assert!(matches!(c, std::path::Component::Normal(_)), "{s:?} has {c:?}");
            }
            prop_assert!(joined.starts_with(base));
            for segment in s.split('/') {
                prop_assert!(!segment.starts_with('.') || segment == ".well-known", "{s:?}");
            }
            let index = p.index();
            prop_assert!(index.as_str().starts_with(s));
        }
    }

    #[test]
    fn urls_under_the_base_become_safe_paths_or_errors(rest in "[a-z0-9./%#?\\\\\u{0}-]{0,30}") {
        let base = "https://badges.example.org/";
        if let Some(rel) = rosette::site::paths::under_base(&format!("{base}{rest}"), base)
            && let Ok(p) = rosette::site::paths::OutPath::new(&rel)
        {
            prop_assert!(std::path::Path::new(p.as_str()).components().all(|c| matches!(c, std::path::Component::Normal(_))));
        }
    }
}
