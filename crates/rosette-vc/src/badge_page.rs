//! The credential of a published badge page, for `rosette verify URL` given a page.
//!
//! A rosette badge page embeds its signed credential as
//! `<script type="application/ld+json" id="rosette-credential">` and links the credential file
//! with `<link rel="alternate" type="application/ld+json" href=…>`. This reads either out of
//! the HTML as the minifier leaves it (attribute values quoted or not); it is no HTML parser,
//! and need not be: whatever it finds is verified like any other credential, so a page can
//! only make verification fail, never pass.

/// The text of the page's `<script id="rosette-credential">` element, if it has one.
pub fn embedded_credential(html: &str) -> Option<&str> {
    let mut tags = Tags { html, pos: 0 };
    while let Some(tag) = tags.next() {
        if tag.name != "script" {
            continue;
        }
        let body_start = tag.end;
        let body_end = find_ascii_ci(html, body_start, "</script").unwrap_or(html.len());
        if tag.attr("id").as_deref() == Some("rosette-credential") {
            return Some(&html[body_start..body_end]);
        }
        // Another script's text is not markup: skip it.
        tags.pos = body_end;
    }
    None
}

/// The `href` of the page's `<link rel="alternate" type="application/ld+json">`, if any.
pub fn alternate_credential_link(html: &str) -> Option<String> {
    let mut tags = Tags { html, pos: 0 };
    while let Some(tag) = tags.next() {
        match tag.name.as_str() {
            "script" | "style" => {
                let close = if tag.name == "script" { "</script" } else { "</style" };
                tags.pos = find_ascii_ci(html, tag.end, close).unwrap_or(html.len());
            }
            "link" => {
                let rel = tag.attr("rel").unwrap_or_default().to_ascii_lowercase();
                let kind = tag.attr("type").unwrap_or_default().to_ascii_lowercase();
                if rel.split_ascii_whitespace().any(|r| r == "alternate") && kind == "application/ld+json" {
                    return tag.attr("href");
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether `body` looks like an HTML document rather than JSON or an image.
pub fn looks_like_html(body: &[u8]) -> bool {
    let start = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let head: Vec<u8> =
        start.iter().skip_while(|b| b.is_ascii_whitespace()).take(15).map(u8::to_ascii_lowercase).collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

/// One start tag: its lower-case name, its raw attribute text, and where its `>` ends.
struct Tag<'a> {
    name: String,
    attrs: &'a str,
    end: usize,
}

impl Tag<'_> {
    /// The value of attribute `name` (quoted or not), with `&amp;`-style references decoded.
    fn attr(&self, name: &str) -> Option<String> {
        let mut rest = self.attrs;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if rest.is_empty() {
                return None;
            }
            let name_end =
                rest.find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/').unwrap_or(rest.len());
            let attr_name = &rest[..name_end];
            rest = rest[name_end..].trim_start();
            let value = if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                let (value, tail) = match after.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let inner = &after[1..];
                        let close = inner.find(q).unwrap_or(inner.len());
                        (&inner[..close], inner.get(close + 1..).unwrap_or(""))
                    }
                    _ => {
                        let end = after.find(|c: char| c.is_ascii_whitespace()).unwrap_or(after.len());
                        (&after[..end], &after[end..])
                    }
                };
                rest = tail;
                value
            } else {
                ""
            };
            if attr_name.eq_ignore_ascii_case(name) {
                return Some(decode_references(value));
            }
        }
    }
}

/// The start tags of a document in order, skipping comments, end tags and declarations.
struct Tags<'a> {
    html: &'a str,
    pos: usize,
}

impl<'a> Tags<'a> {
    fn next(&mut self) -> Option<Tag<'a>> {
        loop {
            let lt = self.pos + self.html.get(self.pos..)?.find('<')?;
            let rest = &self.html[lt + 1..];
            if rest.starts_with("!--") {
                self.pos = self.html[lt..].find("-->").map_or(self.html.len(), |i| lt + i + 3);
                continue;
            }
            let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
            if name_len == 0 || !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                self.pos = lt + 1;
                continue;
            }
            let attrs_start = lt + 1 + name_len;
            let gt = attrs_start + tag_end(&self.html[attrs_start..]);
            self.pos = (gt + 1).min(self.html.len());
            return Some(Tag {
                name: rest[..name_len].to_ascii_lowercase(),
                attrs: &self.html[attrs_start..gt],
                end: self.pos,
            });
        }
    }
}

/// The offset of the `>` that ends a start tag's attributes, skipping quoted values.
fn tag_end(attrs: &str) -> usize {
    let mut quote = None;
    for (i, c) in attrs.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    attrs.len()
}

/// The first `needle` (ASCII, lower case) at or after `from`, in any letter case.
fn find_ascii_ci(haystack: &str, from: usize, needle: &str) -> Option<usize> {
    let bytes = haystack.as_bytes();
    let n = needle.len();
    (from..bytes.len().saturating_sub(n - 1))
        .find(|&i| bytes[i..i + n].eq_ignore_ascii_case(needle.as_bytes()))
}

/// The few character references an attribute value of ours can hold.
fn decode_references(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    value
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html lang=en><head><meta charset=utf-8>
<link rel=alternate type=application/ld+json href=/awards/a1.json>
<!-- <script id=rosette-credential>{"not": "this"}</script> -->
<script>var s = "<script id=rosette-credential>nor this";</script>
<script type=application/ld+json id=rosette-credential data-file=../a1.json>{"id":"x","name":"a \u003c b"}</script>
</head><body><svg><path d="M0 0"/></svg></body></html>"#;

    #[test]
    fn the_embedded_credential_is_found_past_comments_and_other_scripts() {
        assert_eq!(embedded_credential(PAGE), Some(r#"{"id":"x","name":"a \u003c b"}"#));
        assert_eq!(alternate_credential_link(PAGE).as_deref(), Some("/awards/a1.json"));
        assert!(looks_like_html(PAGE.as_bytes()));
    }

    #[test]
    fn quoted_attributes_and_upper_case_are_read() {
        let page = r#"<HTML><LINK HREF="a.json?x=1&amp;y=2" TYPE='application/ld+json' REL="Alternate">
<SCRIPT ID="rosette-credential" type="application/ld+json">{}</SCRIPT>"#;
        assert_eq!(embedded_credential(page), Some("{}"));
        assert_eq!(alternate_credential_link(page).as_deref(), Some("a.json?x=1&y=2"));
    }

    #[test]
    fn pages_without_a_credential_have_none() {
        let page =
            "<!DOCTYPE html><title>Not a badge</title><link rel=stylesheet href=a.css><script>x</script>";
        assert_eq!(embedded_credential(page), None);
        assert_eq!(alternate_credential_link(page), None);
        assert!(!looks_like_html(br#"{"@context": []}"#));
        assert!(!looks_like_html(b"<svg xmlns='http://www.w3.org/2000/svg'/>"));
        // Unfinished markup ends the search instead of panicking.
        for cut in ["<", "<script id=rosette-credential", "<link rel=\"alternate", "<!-- x"] {
            let _ = (embedded_credential(cut), alternate_credential_link(cut));
        }
    }
}
