//! The whitespace trim of the pages made once per award.
//!
//! Site-wide pages go through minify-html, but at one page per award its full parse of every
//! element and attribute was a third of a build's CPU time (issue #18), for 2 KB a page that
//! the host's compression mostly takes back anyway. Award pages only lose the templates'
//! indentation and blank lines: a line break followed by spaces, tabs or more line breaks
//! becomes one line break, which a browser renders the same (white space collapses to one
//! space). The contents of `pre`, `textarea`, `script` and `style` are copied byte for byte:
//! there white space is text, and the credential a page embeds must stay exactly as signed.

/// `html` with each line break's following white space removed, outside the elements whose
/// text is kept as it is.
pub fn compact(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    // Where the copied run starts.
    let mut from = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\n' => {
                let mut end = at + 1;
                while end < bytes.len() && matches!(bytes[end], b' ' | b'\t' | b'\n' | b'\r') {
                    end += 1;
                }
                out.push_str(&html[from..=at]);
                at = end;
                from = end;
            }
            b'<' => match kept_element(&bytes[at + 1..]) {
                Some(name) => {
                    let end = closing(bytes, at + 1 + name.len(), name).unwrap_or(bytes.len());
                    out.push_str(&html[from..end]);
                    at = end;
                    from = end;
                }
                None => at += 1,
            },
            _ => at += 1,
        }
    }
    out.push_str(&html[from..]);
    out
}

/// The elements whose contents are copied as they are.
const KEPT: [&str; 4] = ["pre", "textarea", "script", "style"];

/// The name of the kept element whose start tag `rest` (what follows a `<`) begins, if any.
fn kept_element(rest: &[u8]) -> Option<&'static str> {
    KEPT.into_iter().find(|name| {
        rest.len() > name.len()
            && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && matches!(rest[name.len()], b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')
    })
}

/// The index just past the end tag `</name…>` found after `from`.
fn closing(bytes: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'<') {
        let start = at + offset;
        let rest = &bytes[start + 1..];
        if rest.len() > name.len()
            && rest[0] == b'/'
            && rest[1..=name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            let close = rest.iter().position(|&b| b == b'>')?;
            return Some(start + 1 + close + 1);
        }
        at = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn indentation_and_blank_lines_go() {
        let html = "<html>\n  <body>\n\n    <p>One\n       two</p>\n  </body>\n</html>\n";
        assert_eq!(compact(html), "<html>\n<body>\n<p>One\ntwo</p>\n</body>\n</html>\n");
    }

    #[test]
    fn text_that_is_kept_stays_byte_for_byte() {
        let json = "{\n  \"a\": 1,\n\n    \"b\": \"<\\/x>\"\n}";
        let html = format!(
            "<div>\n  <script type=\"application/ld+json\">{json}</script>\n  <PRE>  a\n    b</PRE>\n  \
             <textarea>\n  x</textarea>\n  <style>\n  p {{}}\n</style>\n</div>"
        );
        assert_eq!(
            compact(&html),
            format!(
                "<div>\n<script type=\"application/ld+json\">{json}</script>\n<PRE>  a\n    b</PRE>\n\
                 <textarea>\n  x</textarea>\n<style>\n  p {{}}\n</style>\n</div>"
            )
        );
    }

    #[test]
    fn names_that_only_begin_like_a_kept_element_are_trimmed() {
        assert_eq!(compact("<prefix>\n  a</prefix>\n  <scripts>\n b"), "<prefix>\na</prefix>\n<scripts>\nb");
    }

    #[test]
    fn an_unclosed_kept_element_keeps_the_rest() {
        assert_eq!(compact("<p>\n  a<pre>\n  b"), "<p>\na<pre>\n  b");
    }
}
