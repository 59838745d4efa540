//! Markdown (criteria narratives, descriptions) to safe HTML: pulldown-cmark renders, then
//! ammonia sanitizes, always. Credentials are untrusted input even when validly signed.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown to sanitized HTML: no scripts, no event handlers, no `javascript:` or
/// `data:` links; links get `rel="noopener noreferrer nofollow"`.
pub fn to_safe_html(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["https", "http", "mailto"].into())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// Whether a URL from a credential may be used as a link or image source.
pub fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace() || c == '"' || c == '<' || c == '>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let html = to_safe_html("# Criteria\n\n- *one*\n- [two](https://example.org)");
        assert!(html.contains("<h1>Criteria</h1>"), "{html}");
        assert!(html.contains("<em>one</em>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.org" rel="noopener noreferrer nofollow">two</a>"#),
            "{html}"
        );
    }

    #[test]
    fn hostile_markdown_is_inert() {
        let cases = [
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "<iframe src=https://evil.example></iframe>",
            "<svg onload=alert(1)>",
        ];
        for case in cases {
            let html = to_safe_html(case);
            let lower = html.to_ascii_lowercase();
            for bad in ["<script", "javascript:", "onerror", "onload", "<iframe", "data:text"] {
                assert!(!lower.contains(bad), "{case} gave {html}");
            }
        }
    }

    #[test]
    fn only_web_urls_are_safe() {
        assert!(is_safe_url("https://example.org/a.png"));
        for bad in [
            "javascript:alert(1)",
            "data:image/svg+xml,<svg>",
            " https://x.org/\"onload",
            "vbscript:x",
            "//evil",
        ] {
            assert!(!is_safe_url(bad), "{bad}");
        }
    }
}
