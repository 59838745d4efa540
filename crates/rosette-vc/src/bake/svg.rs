//! Baking into SVG: an `<openbadges:credential>` element right after the `<svg>` start tag.
//!
//! Follows [Open Badges 3.0 §Baked Badge, SVG][baking]: the root gets
//! `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`, and the credential (embedded
//! proof, no `verify` attribute) goes in the element's body as CDATA. The VC-JWT form,
//! `<openbadges:credential verify="JWS"/>`, is recognised and refused ([`BakeError::JwtProof`]).
//!
//! The SVG is read with `quick-xml`, a streaming parser that resolves namespaces but never reads
//! a DTD or resolves an entity other than XML's five predefined ones and character
//! references. A DOCTYPE with an internal subset (where `<!ENTITY … SYSTEM "file:…">` would
//! live) is refused outright ([`BakeError::Dtd`]); a DOCTYPE that only names an external DTD is
//! ignored, never fetched. Input is bounded by [`MAX_SVG_LEN`]. Baking edits the text in place:
//! everything outside the root start tag and the credential element is kept byte for byte.
//!
//! [baking]: https://www.imsglobal.org/spec/ob/v3p0/#baked-badge

use std::ops::Range;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{BakeError, MAX_SVG_LEN, OB2_NAMESPACE, OB3_NAMESPACE};

/// The SVG namespace the root element must be in.
const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// Why an SVG must not be published as it is, if it must not: what would run or load when
/// someone opens the image itself (not through `<img>`, where SVG is inert) on the site's
/// origin. Scripts, event handlers, `javascript:` URLs, HTML islands (`<foreignObject>`),
/// resources from other sites, entity declarations, and anything that is not well-formed XML
/// (a browser's parser and this one could disagree about it).
pub fn active_content(svg: &str) -> Option<String> {
    use quick_xml::reader::Reader;
    let mut reader = Reader::from_str(svg);
    let mut in_style = false;
    let local = |name: &[u8]| {
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        name.rsplit(':').next().unwrap_or_default().to_string()
    };
    let url_of = |value: &str| -> String {
        value
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let external = |url: &str| url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//");
    let scripted = |url: &str| {
        ["javascript:", "vbscript:", "data:text", "data:application"].iter().any(|s| url.starts_with(s))
    };
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Some(format!("it is not well-formed XML ({e})")),
        };
        match event {
            Event::Eof => return None,
            Event::DocType(t) if t.contains(&b'[') => {
                return Some("a DOCTYPE that declares entities".into());
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = local(e.name().as_ref());
                if ["script", "foreignobject", "iframe", "embed", "object", "handler", "listener"]
                    .contains(&name.as_str())
                {
                    return Some(format!("a `<{}>` element", String::from_utf8_lossy(e.name().as_ref())));
                }
                in_style = name == "style" && matches!(event, Event::Start(_));
                for attr in e.attributes().with_checks(false) {
                    let Ok(attr) = attr else { return Some("an attribute that cannot be read".into()) };
                    let key = local(attr.key.as_ref());
                    let Ok(value) = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) else {
                        return Some(format!("an attribute `{key}` that cannot be read"));
                    };
                    let url = url_of(&value);
                    if key.starts_with("on") {
                        return Some(format!("an event handler `{key}`"));
                    }
                    if scripted(&url)
                        || (key == "style" && (url.contains("javascript:") || url.contains("expression(")))
                    {
                        return Some(format!("a script URL in `{key}`"));
                    }
                    if (["href", "src"].contains(&key.as_str()) && external(&url) && name != "a")
                        || (url.contains("url(")
                            && (url.contains("url(http")
                                || url.contains("url(//")
                                || url.contains("url('http")
                                || url.contains("url(\"http")))
                    {
                        return Some(format!("a reference to another site in `{key}` of `<{name}>`"));
                    }
                }
            }
            Event::Text(_) | Event::CData(_) if in_style => {
                let raw: &[u8] = match &event {
                    Event::Text(t) => t,
                    Event::CData(c) => c,
                    _ => &[],
                };
                let css = url_of(&String::from_utf8_lossy(raw));
                if css.contains("@import")
                    || css.contains("javascript:")
                    || css.contains("url(http")
                    || css.contains("url(//")
                    || css.contains("url('http")
                    || css.contains("url(\"http")
                    || css.contains("expression(")
                {
                    return Some("a style sheet that imports or loads from another site".into());
                }
            }
            Event::End(_) => in_style = false,
            _ => {}
        }
    }
}

/// Bakes `credential` into `svg`: adds the `openbadges` namespace to the root and, directly
/// after the `<svg …>` start tag, `<openbadges:credential><![CDATA[…]]></openbadges:credential>`.
///
/// A `]]>` inside the credential is split across two CDATA sections (`]]]]><![CDATA[>`), which
/// every XML parser joins back. An Open Badges 3.0 credential element already in the SVG is
/// removed (whatever its prefix); an SVG carrying an Open Badges 2.0 assertion is refused.
/// Characters XML cannot carry are refused; a carriage return reads back as a line feed, as
/// XML's end-of-line rule wants (JSON keeps none inside strings, so the credential is unchanged).
pub fn bake(svg: &str, credential: &str) -> Result<String, BakeError> {
    if credential.is_empty() {
        return Err(BakeError::EmptyCredential);
    }
    if let Some(c) = credential.chars().find(|&c| !is_xml_char(c)) {
        return Err(BakeError::NotXmlChar(u32::from(c)));
    }
    let scan = scan(svg)?;
    if scan.ob2 {
        return Err(BakeError::AlreadyBakedOb2("an SVG `openbadges:assertion` element"));
    }
    let declare = match scan.openbadges_prefix.as_deref() {
        None => true,
        Some(OB3_NAMESPACE) => false,
        Some(other) => return Err(BakeError::PrefixTaken(other.to_string())),
    };

    // The scan's ranges start at `<` and end after `>`, so they are on character boundaries;
    // `get` and the checks keep it an error, never a panic or a garbled image, if that ever
    // did not hold.
    let part = |range: Range<usize>| {
        svg.get(range.clone()).ok_or_else(|| ill_formed(range.start, "a tag is not where the scan found it"))
    };
    let markup = |range: Range<usize>| {
        part(range.clone())
            .ok()
            .filter(|text| text.starts_with('<') && text.ends_with('>'))
            .ok_or_else(|| ill_formed(range.start, "a tag is not where the scan found it"))
    };
    for old in &scan.credentials {
        markup(old.clone())?;
    }
    let tag = markup(scan.root_tag.clone())?;
    let tag_body = match scan.root_empty {
        true => tag.strip_suffix("/>"),
        false => tag.strip_suffix('>'),
    }
    .unwrap_or(tag);
    let mut out = String::with_capacity(svg.len() + credential.len() + 128);
    out.push_str(part(0..scan.root_tag.start)?);
    out.push_str(tag_body);
    if declare {
        out.push_str(" xmlns:openbadges=\"");
        out.push_str(OB3_NAMESPACE);
        out.push('"');
    }
    out.push_str("><openbadges:credential><![CDATA[");
    out.push_str(&credential.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]></openbadges:credential>");
    if scan.root_empty {
        out.push_str("</svg>");
    }
    let mut from = scan.root_tag.end;
    for old in &scan.credentials {
        out.push_str(part(from..old.start)?);
        from = old.end;
    }
    out.push_str(part(from..svg.len())?);
    if out.len() > MAX_SVG_LEN {
        return Err(BakeError::SvgTooLarge { len: out.len() });
    }
    Ok(out)
}

/// Reads the credential baked into `svg`: the content of the first element `credential` in the
/// namespace `https://purl.imsglobal.org/ob/v3p0`, whatever prefix is bound to it.
///
/// CDATA sections are joined and whitespace around them dropped; without CDATA the
/// (entity-decoded) text is returned. `Ok(None)` means no credential is baked in; an SVG with
/// only an Open Badges 2.0 `assertion` is [`BakeError::OpenBadges2`]. The whole document must
/// be well-formed, even past the credential.
pub fn unbake(svg: &str) -> Result<Option<String>, BakeError> {
    let scan = scan(svg)?;
    match scan.first {
        Some(content) => content.map(Some),
        None if scan.ob2 => Err(BakeError::OpenBadges2("an SVG `openbadges:assertion` element")),
        None => Ok(None),
    }
}

/// What one pass over the SVG found.
struct Scan {
    /// The root element's start tag (`<svg …>` or `<svg …/>`).
    root_tag: Range<usize>,
    root_empty: bool,
    /// The value of `xmlns:openbadges` on the root, if declared there.
    openbadges_prefix: Option<String>,
    /// Every Open Badges 3.0 credential element (outermost ones), in document order.
    credentials: Vec<Range<usize>>,
    /// The content of the first of them, or why it cannot be read.
    first: Option<Result<String, BakeError>>,
    /// Whether an Open Badges 2.0 assertion element was seen.
    ob2: bool,
}

/// The namespaces that matter here.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ns {
    Svg,
    Ob3,
    Ob2,
    Other,
}

impl Ns {
    fn of(resolved: &ResolveResult<'_>) -> Ns {
        match resolved {
            ResolveResult::Bound(ns) if ns.as_ref() == SVG_NAMESPACE.as_bytes() => Ns::Svg,
            ResolveResult::Bound(ns) if ns.as_ref() == OB3_NAMESPACE.as_bytes() => Ns::Ob3,
            ResolveResult::Bound(ns) if ns.as_ref() == OB2_NAMESPACE.as_bytes() => Ns::Ob2,
            _ => Ns::Other,
        }
    }
}

/// The content of the first credential element, collected while the scan is inside it.
#[derive(Default)]
struct Content {
    cdata: String,
    has_cdata: bool,
    text: String,
    error: Option<BakeError>,
}

impl Content {
    fn fail(&mut self, error: BakeError) {
        self.error.get_or_insert(error);
    }

    /// An entity or character reference in the content.
    fn reference(
        &mut self,
        reader: &NsReader<&[u8]>,
        base: usize,
        r: &BytesRef<'_>,
    ) -> Result<(), BakeError> {
        match r.resolve_char_ref() {
            Ok(Some(c)) => self.text.push(c),
            Err(err) => self.fail(xml_error(reader, base, &err)),
            Ok(None) => {
                let name = r.decode().map_err(|err| xml_error(reader, base, &err))?;
                match quick_xml::escape::resolve_predefined_entity(&name) {
                    Some(value) => self.text.push_str(value),
                    None => self.fail(BakeError::UndefinedEntity(name.into_owned())),
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<String, BakeError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.has_cdata {
            if !is_xml_space(&self.text) {
                return Err(BakeError::TextOutsideCdata);
            }
            return match self.cdata.is_empty() {
                true => Err(BakeError::EmptyElement),
                false => Ok(self.cdata),
            };
        }
        match is_xml_space(&self.text) {
            true => Err(BakeError::EmptyElement),
            false => Ok(self.text),
        }
    }
}

/// One pass over the document: checks that it is well-formed XML with an SVG root and no
/// internal DTD subset, and finds the credential elements.
fn scan(svg: &str) -> Result<Scan, BakeError> {
    if svg.len() > MAX_SVG_LEN {
        return Err(BakeError::SvgTooLarge { len: svg.len() });
    }
    // quick-xml skips a byte order mark and counts positions after it.
    let body = svg.strip_prefix('\u{feff}').unwrap_or(svg);
    let base = svg.len() - body.len();
    let offset = |reader: &NsReader<&[u8]>| {
        usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX).saturating_add(base)
    };
    let mut reader = NsReader::from_str(body);
    let mut state = ScanState::default();
    loop {
        let start = offset(&reader);
        let event = reader.read_event().map_err(|err| xml_error(&reader, base, &err))?;
        let end = offset(&reader);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                state.element_start(&reader, base, e, start..end, is_empty)?;
            }
            Event::End(_) => state.element_end(end),
            Event::Text(ref t) => {
                let text = t.xml10_content().map_err(|err| xml_error(&reader, base, &err))?;
                if state.depth == 0 && !is_xml_space(text.trim_start_matches('\u{feff}')) {
                    return Err(ill_formed(start, "text outside the root element"));
                }
                if let Some(content) = state.collecting.as_mut() {
                    content.text.push_str(&text);
                }
            }
            Event::CData(ref c) => {
                if state.depth == 0 {
                    return Err(ill_formed(start, "CDATA outside the root element"));
                }
                if let Some(content) = state.collecting.as_mut() {
                    content.cdata.push_str(&c.xml10_content().map_err(|err| xml_error(&reader, base, &err))?);
                    content.has_cdata = true;
                }
            }
            Event::GeneralRef(ref r) => {
                if state.depth == 0 {
                    return Err(ill_formed(start, "an entity reference outside the root element"));
                }
                if let Some(content) = state.collecting.as_mut() {
                    content.reference(&reader, base, r)?;
                }
            }
            Event::DocType(ref d) => {
                // Entities are declared in the internal subset: refuse it rather than parse it.
                // An external DTD named without a subset is never fetched, so it is harmless.
                if d.contains(&b'[') {
                    return Err(BakeError::Dtd);
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    state.finish(svg.len())
}

/// What [`scan`] knows between two events.
#[derive(Default)]
struct ScanState {
    /// The root's start tag, whether it is empty, and its `xmlns:openbadges`.
    root: Option<(Range<usize>, bool, Option<String>)>,
    /// Open elements; the root is depth 1.
    depth: usize,
    credentials: Vec<Range<usize>>,
    /// The outermost credential element we are inside: where it starts and its depth.
    open: Option<(usize, usize)>,
    /// The first credential's content while we are inside it, then its result.
    collecting: Option<Content>,
    first: Option<Result<String, BakeError>>,
    ob2: bool,
}

impl ScanState {
    /// A start tag (`tag` is where it is) or an empty-element tag.
    fn element_start(
        &mut self,
        reader: &NsReader<&[u8]>,
        base: usize,
        e: &BytesStart<'_>,
        tag: Range<usize>,
        is_empty: bool,
    ) -> Result<(), BakeError> {
        let (resolved, local) = reader.resolver().resolve_element(e.name());
        let ns = Ns::of(&resolved);
        let is_credential = ns == Ns::Ob3 && local.as_ref() == b"credential";
        if self.depth == 0 {
            if self.root.is_some() {
                return Err(ill_formed(tag.start, "a second root element"));
            }
            if ns != Ns::Svg || local.as_ref() != b"svg" {
                return Err(BakeError::NotSvg(qname(e)));
            }
            let prefix = openbadges_prefix(e).map_err(|err| xml_error(reader, base, &err))?;
            self.root = Some((tag, is_empty, prefix));
        } else if let Some(content) = self.collecting.as_mut() {
            content.fail(BakeError::MarkupInCredential(qname(e)));
        } else if self.open.is_none() && is_credential {
            let mut content = Content::default();
            if e.try_get_attribute("verify").map_err(|err| xml_error(reader, base, &err))?.is_some() {
                content.fail(BakeError::JwtProof);
            }
            if is_empty {
                self.credentials.push(tag);
                self.first.get_or_insert_with(|| content.finish());
            } else {
                self.open = Some((tag.start, self.depth + 1));
                if self.first.is_none() {
                    self.collecting = Some(content);
                }
            }
        } else if ns == Ns::Ob2 && local.as_ref() == b"assertion" {
            self.ob2 = true;
        }
        if !is_empty {
            self.depth += 1;
        }
        Ok(())
    }

    /// An end tag, ending at byte `end`.
    fn element_end(&mut self, end: usize) {
        // The end of the credential element we are inside (not of one nested in it).
        if let Some((cred_start, _)) = self.open.filter(|&(_, d)| d == self.depth) {
            self.credentials.push(cred_start..end);
            self.open = None;
            if let Some(content) = self.collecting.take() {
                self.first = Some(content.finish());
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// What the scan found, once the document of `len` bytes has ended.
    fn finish(self, len: usize) -> Result<Scan, BakeError> {
        let Some((root_tag, root_empty, openbadges_prefix)) = self.root else {
            return Err(ill_formed(len, "there is no root element"));
        };
        if self.depth != 0 {
            return Err(ill_formed(len, "the document ends before its root element is closed"));
        }
        Ok(Scan {
            root_tag,
            root_empty,
            openbadges_prefix,
            credentials: self.credentials,
            first: self.first,
            ob2: self.ob2,
        })
    }
}

/// An error of the XML reader, where it found it.
/// (`base` is the length of a byte order mark the reader skipped.)
fn xml_error(reader: &NsReader<&[u8]>, base: usize, err: &dyn std::fmt::Display) -> BakeError {
    BakeError::Xml { position: reader.error_position().saturating_add(base as u64), message: err.to_string() }
}

/// A well-formedness rule the scan checks itself, broken at byte `position`.
fn ill_formed(position: usize, message: &str) -> BakeError {
    BakeError::Xml { position: position as u64, message: message.to_string() }
}

/// An element's name as written, for messages.
fn qname(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

/// The value of `xmlns:openbadges` on this element, if it declares it.
fn openbadges_prefix(e: &BytesStart<'_>) -> Result<Option<String>, quick_xml::Error> {
    for attr in e.attributes() {
        let attr = attr?;
        if attr.key.as_ref() == b"xmlns:openbadges" {
            return Ok(Some(attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)?.into_owned()));
        }
    }
    Ok(None)
}

/// XML 1.0 white space (`S`: space, tab, CR, LF) only.
fn is_xml_space(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// A character XML 1.0 can carry (`Char`, §2.2); a `&str` holds no surrogates.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_and_prolog_are_kept() {
        let svg = "\u{feff}<?xml version=\"1.0\"?>\n<!-- badge -->\n<svg xmlns=\"http://www.w3.org/2000/svg\">é</svg>\n";
        let baked = bake(svg, "{\"é\":1}").expect("bakes");
        assert!(baked.starts_with("\u{feff}<?xml version=\"1.0\"?>\n<!-- badge -->\n<svg "), "{baked}");
        assert!(baked.ends_with("</openbadges:credential>é</svg>\n"), "{baked}");
        assert_eq!(unbake(&baked), Ok(Some("{\"é\":1}".to_string())));
    }

    #[test]
    fn only_the_outermost_credential_elements_are_replaced() {
        let svg = concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">"#,
            r#"<g><openbadges:credential verify="x.y.z"/></g>"#,
            r#"<openbadges:credential><![CDATA[{"old":1}]]></openbadges:credential></svg>"#,
        );
        let baked = bake(svg, "{}").expect("bakes");
        assert_eq!(
            baked,
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">"#,
                r#"<openbadges:credential><![CDATA[{}]]></openbadges:credential><g></g></svg>"#,
            )
        );
    }

    #[test]
    fn the_first_credential_is_read_and_the_rest_ignored() {
        let svg = concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">"#,
            r#"<openbadges:credential><![CDATA[{"first":1}]]></openbadges:credential>"#,
            r#"<openbadges:credential verify="x.y.z"/></svg>"#,
        );
        assert_eq!(unbake(svg), Ok(Some(r#"{"first":1}"#.to_string())));
    }

    #[test]
    fn active_content_is_named() {
        let plain = r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><style>.a{fill:red}</style><a xlink:href="https://example.org/"><circle class="a" r="5"/></a><image href="data:image/png;base64,AAAA"/></svg>"#;
        assert_eq!(active_content(plain), None);
        let cases = [
            ("<svg><script>alert(1)</script></svg>", "a `<script>` element"),
            ("<svg><svg:script/></svg>", "a `<svg:script>` element"),
            ("<svg onload='alert(1)'/>", "an event handler `onload`"),
            ("<svg><a xlink:href=' java&#115;cript:alert(1)'>x</a></svg>", "a script URL in `href`"),
            ("<svg><foreignObject><div/></foreignObject></svg>", "a `<foreignObject>` element"),
            (
                "<svg><image href='https://evil.example/t.png'/></svg>",
                "a reference to another site in `href` of `<image>`",
            ),
            (
                "<svg><style>@import url(https://evil.example/a.css);</style></svg>",
                "a style sheet that imports",
            ),
            (
                "<svg><rect style='fill:url(https://evil.example/x)'/></svg>",
                "a reference to another site in `style`",
            ),
            (
                "<!DOCTYPE svg [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><svg>&x;</svg>",
                "a DOCTYPE that declares entities",
            ),
            ("<svg><g></svg>", "it is not well-formed XML"),
        ];
        for (svg, want) in cases {
            let got = active_content(svg).unwrap_or_default();
            assert!(got.starts_with(want), "{svg}: {got}");
        }
    }
}
