//! The lexical checks JSON-LD processing needs: keywords, absolute IRIs, language tags, and
//! IRI reference resolution.
//!
//! The first three deliberately reproduce Digital Bazaar's `jsonld.js` (the processor that
//! `@digitalbazaar/vc` signs and verifies with), not a stricter reading of the RFCs: what counts
//! as "absolute" decides which inputs safe mode rejects, and rosette must reject the same ones.
//! Where an IRI passes these checks but is not a valid RFC 3987 IRI, [`named_node`] refuses it,
//! because it would have no well-formed N-Quads form to sign.

use oxrdf::{NamedNode, NamedNodeRef};

/// A JSON-LD keyword, as `jsonld.js` knows them (`isKeyword` in `lib/context.js`): the JSON-LD 1.1
/// keywords of [§1.7](https://www.w3.org/TR/json-ld11/#keywords) plus the framing keywords.
/// (`@import` and `@propagate` only occur inside contexts, where they are handled by name.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    Base,
    Container,
    Context,
    Default,
    Direction,
    Embed,
    Explicit,
    Graph,
    Id,
    Included,
    Index,
    Json,
    Language,
    List,
    Nest,
    None,
    OmitDefault,
    Prefix,
    Preserve,
    Protected,
    RequireAll,
    Reverse,
    Set,
    Type,
    Value,
    Version,
    Vocab,
}

impl Kw {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "@base" => Self::Base,
            "@container" => Self::Container,
            "@context" => Self::Context,
            "@default" => Self::Default,
            "@direction" => Self::Direction,
            "@embed" => Self::Embed,
            "@explicit" => Self::Explicit,
            "@graph" => Self::Graph,
            "@id" => Self::Id,
            "@included" => Self::Included,
            "@index" => Self::Index,
            "@json" => Self::Json,
            "@language" => Self::Language,
            "@list" => Self::List,
            "@nest" => Self::Nest,
            "@none" => Self::None,
            "@omitDefault" => Self::OmitDefault,
            "@prefix" => Self::Prefix,
            "@preserve" => Self::Preserve,
            "@protected" => Self::Protected,
            "@requireAll" => Self::RequireAll,
            "@reverse" => Self::Reverse,
            "@set" => Self::Set,
            "@type" => Self::Type,
            "@value" => Self::Value,
            "@version" => Self::Version,
            "@vocab" => Self::Vocab,
            _ => return None,
        })
    }
}

/// Whether `s` is a keyword `jsonld.js` knows.
pub(crate) fn is_keyword(s: &str) -> bool {
    s.starts_with('@') && Kw::parse(s).is_some()
}

/// Whether `s` has the form of a keyword (`@` followed by ASCII letters only), which JSON-LD 1.1
/// reserves for future keywords: such terms and identifiers are dropped, so safe mode refuses
/// them ([§9.1](https://www.w3.org/TR/json-ld11/#terms)).
pub(crate) fn has_keyword_form(s: &str) -> bool {
    s.len() > 1 && s.starts_with('@') && s.bytes().skip(1).all(|b| b.is_ascii_alphabetic())
}

/// `jsonld.js` `isAbsolute`: `^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$`, i.e. a scheme (or `_` for a
/// blank node identifier), a colon, and no whitespace. The character class `+-.` is a range in
/// JavaScript, so it also admits `,`.
pub(crate) fn is_absolute(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s[..colon];
    let is_scheme = !scheme.is_empty()
        && scheme.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_alphabetic() || (i > 0 && (b.is_ascii_digit() || (b'+'..=b'.').contains(&b)))
        });
    (is_scheme || scheme == "_") && !has_js_whitespace(&s[colon + 1..])
}

/// Whether `s` contains a character JavaScript's `\s` matches; ASCII is checked byte by byte,
/// since this runs on every IRI.
fn has_js_whitespace(s: &str) -> bool {
    let bytes = s.as_bytes();
    match bytes.iter().position(|b| !b.is_ascii()) {
        None => bytes.iter().any(|b| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')),
        Some(i) => {
            bytes[..i].iter().any(|b| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '))
                || s[i..].chars().any(is_js_whitespace)
        }
    }
}

/// Whether `s` is a blank node identifier (`_:` prefix).
pub(crate) fn is_blank(s: &str) -> bool {
    s.starts_with("_:")
}

/// The characters JavaScript's `\s` matches (ECMA-262 WhiteSpace and LineTerminator).
fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// `jsonld.js` `REGEX_BCP47`: `^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`. Looser than BCP 47 itself,
/// but every tag it accepts is a valid N-Quads `LANGTAG`.
pub(crate) fn is_bcp47(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Whether a term's IRI may serve as the prefix of a compact IRI: a simple term definition whose
/// IRI ends with a URI gen-delim character ([§4.2.2 step 14.2.3](https://www.w3.org/TR/json-ld11-api/#create-term-definition),
/// as `jsonld.js` implements it).
pub(crate) fn ends_with_gen_delim(iri: &str) -> bool {
    iri.ends_with([':', '/', '?', '#', '[', ']', '@'])
}

/// Whether `iri` is a valid RFC 3987 IRI, so that it can be written as N-Quads.
pub(crate) fn is_valid_iri(iri: &str) -> bool {
    NamedNodeRef::new(iri).is_ok()
}

/// `iri` as an RDF named node, if it is a valid RFC 3987 IRI.
pub(crate) fn named_node(iri: &str) -> Option<NamedNode> {
    is_valid_iri(iri).then(|| NamedNode::new_unchecked(iri))
}

/// Resolves `reference` against the absolute IRI `base` ([RFC 3986 §5.2](https://www.rfc-editor.org/rfc/rfc3986#section-5.2)),
/// except that, like `jsonld.js` `prependBase`, a reference that is already absolute is returned
/// unchanged.
pub(crate) fn resolve(base: &str, reference: &str) -> String {
    if is_absolute(reference) {
        return reference.to_owned();
    }
    let b = UriParts::parse(base, true);
    // Not absolute by the test above, so the reference has no scheme even if it has a colon.
    let r = UriParts::parse(reference, false);
    let mut out = String::with_capacity(base.len() + reference.len());
    if let Some(scheme) = b.scheme {
        out.push_str(scheme);
        out.push(':');
    }
    let (authority, path, query) = if r.authority.is_some() {
        (r.authority, remove_dot_segments(r.path), r.query)
    } else if r.path.is_empty() {
        (b.authority, b.path.to_owned(), r.query.or(b.query))
    } else if r.path.starts_with('/') {
        (b.authority, remove_dot_segments(r.path), r.query)
    } else {
        // Merge (RFC 3986 §5.2.3): the base path up to its last `/`, then the reference.
        let merged = if b.authority.is_some() && b.path.is_empty() {
            format!("/{}", r.path)
        } else {
            let dir = b.path.rfind('/').map_or("", |i| &b.path[..=i]);
            format!("{dir}{}", r.path)
        };
        (b.authority, remove_dot_segments(&merged), r.query)
    };
    if let Some(authority) = authority {
        out.push_str("//");
        out.push_str(authority);
    }
    out.push_str(&path);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = r.fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// The five components of a URI reference ([RFC 3986 Appendix B](https://www.rfc-editor.org/rfc/rfc3986#appendix-B)).
struct UriParts<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

impl<'a> UriParts<'a> {
    fn parse(s: &'a str, with_scheme: bool) -> Self {
        let (s, fragment) = match s.split_once('#') {
            Some((a, f)) => (a, Some(f)),
            None => (s, None),
        };
        let (s, query) = match s.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (s, None),
        };
        let (scheme, s) = match s.find([':', '/']) {
            Some(i) if with_scheme && i > 0 && s.as_bytes().get(i) == Some(&b':') => {
                (Some(&s[..i]), &s[i + 1..])
            }
            _ => (None, s),
        };
        let (authority, path) = match s.strip_prefix("//") {
            Some(rest) => {
                let end = rest.find('/').unwrap_or(rest.len());
                (Some(&rest[..end]), &rest[end..])
            }
            None => (None, s),
        };
        Self { scheme, authority, path, query, fragment }
    }
}

/// [RFC 3986 §5.2.4](https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4).
fn remove_dot_segments(path: &str) -> String {
    let mut output: Vec<&str> = Vec::new();
    let mut input = path;
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../") {
            input = rest;
        } else if let Some(rest) = input.strip_prefix("./") {
            input = rest;
        } else if input.starts_with("/./") {
            input = &input[2..];
        } else if input == "/." {
            input = "/";
        } else if input.starts_with("/../") {
            input = &input[3..];
            output.pop();
        } else if input == "/.." {
            input = "/";
            output.pop();
        } else if input == "." || input == ".." {
            input = "";
        } else {
            // Move the first segment (with its leading `/`, if any) to the output.
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| i + start);
            output.push(&input[..end]);
            input = &input[end..];
        }
    }
    output.concat()
}

/// Orders strings by UTF-16 code units, as JavaScript's `Array.prototype.sort` does; `jsonld.js`
/// applies type-scoped contexts in this order, and the order can matter.
pub(crate) fn cmp_utf16(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_iris_follow_jsonld_js() {
        for yes in ["http://example.com/a", "did:example:123", "urn:uuid:1", "_:b0", "a+b,c-d.e:x", "ex:"] {
            assert!(is_absolute(yes), "{yes}");
        }
        for no in ["foo", "/a/b", ":foo", "1a:b", "http://example.com/a b", "http://example.com/\u{feff}", ""]
        {
            assert!(!is_absolute(no), "{no}");
        }
    }

    #[test]
    fn keyword_form_and_language_tags() {
        assert!(has_keyword_form("@foo"));
        assert!(!has_keyword_form("@"));
        assert!(!has_keyword_form("@foo1"));
        assert!(is_bcp47("en"));
        assert!(is_bcp47("en-US"));
        assert!(is_bcp47("zh-Hant-TW"));
        assert!(!is_bcp47("en_US"));
        assert!(!is_bcp47("toolongtag"));
        assert!(!is_bcp47("en-"));
        assert!(!is_bcp47(""));
    }

    #[test]
    fn resolution_follows_rfc_3986_examples() {
        let base = "http://a/b/c/d;p?q";
        for (r, want) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../../g", "http://a/g"),
            ("g;x=1/../y", "http://a/b/c/y"),
        ] {
            assert_eq!(resolve(base, r), want, "{r}");
        }
        assert_eq!(resolve("http://base.org/a/b", "../c"), "http://base.org/c");
    }

    #[test]
    fn utf16_order_differs_from_utf8_order_above_the_bmp() {
        use std::cmp::Ordering;
        // U+1F600 sorts after U+FF21 in UTF-8 byte order but before it in UTF-16 (a surrogate pair).
        assert_eq!(cmp_utf16("\u{1F600}", "\u{FF21}"), Ordering::Less);
        assert_eq!("\u{1F600}".cmp("\u{FF21}"), Ordering::Greater);
        assert_eq!(cmp_utf16("a", "b"), Ordering::Less);
    }
}
