//! Internal links of rendered pages, for `rosette check`: every `href` and `src` that stays on
//! the site must name a file the build writes (or copies from `badges/`).

use std::collections::{BTreeMap, BTreeSet};

/// The path part of `base_url` (`https://x.org/badges/` → `/badges/`).
pub fn url_path(base: &str) -> String {
    let after = base.split_once("://").map_or(base, |(_, r)| r);
    match after.find('/') {
        Some(i) => after[i..].to_string(),
        None => "/".into(),
    }
}

/// Internal links of `pages` (path, HTML) whose target is not in `published`, as target →
/// the pages that link to it. Internal means relative, site-absolute (`/…`, under the path of
/// `base_url`) or under `base_url`; other schemes and hosts are not checked.
pub fn broken_links<'a, S: AsRef<str>>(
    pages: impl Iterator<Item = (&'a str, S)>,
    published: &BTreeSet<String>,
    base_url: &str,
    base_path: &str,
) -> BTreeMap<String, Vec<String>> {
    let mut broken: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (page, html) in pages {
        let dir = match page.rfind('/') {
            Some(i) => &page[..=i],
            None => "",
        };
        for link in links(html.as_ref()) {
            let link = link.split(['#', '?']).next().unwrap_or_default();
            let resolved = if let Some(rest) = link.strip_prefix(base_url) {
                Some(rest.to_string())
            } else if link.is_empty() || link.starts_with("//") || link.contains(':') {
                continue;
            } else if let Some(abs) = link.strip_prefix('/') {
                format!("/{abs}").strip_prefix(base_path).map(str::to_string)
            } else {
                normalize(&format!("{dir}{link}"))
            };
            let exists = resolved.as_deref().is_some_and(|t| {
                let t = t.trim_start_matches('/');
                published.contains(t)
                    || ((t.is_empty() || t.ends_with('/')) && published.contains(&format!("{t}index.html")))
                    || published.contains(&format!("{t}/index.html"))
            });
            if !exists {
                let target = resolved.unwrap_or_else(|| link.to_string());
                let from = broken.entry(target).or_default();
                if from.last().is_none_or(|p| p != page) {
                    from.push(page.to_string());
                }
            }
        }
    }
    broken
}

/// `a/b/../c/./d` → `a/c/d`; `None` when it climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    let trailing =
        path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..") || path == "." || path == "..";
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    let mut joined = out.join("/");
    if trailing && !joined.is_empty() {
        joined.push('/');
    }
    Some(joined)
}

/// The values of `href` and `src` attributes in `html`, outside scripts, styles and comments.
fn links(html: &str) -> Vec<String> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<') {
        i += lt + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        let name_end = html[i..]
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .map_or(bytes.len(), |e| i + e);
        let name = html[i..name_end].to_ascii_lowercase();
        let mut j = name_end;
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                j += 1;
                break;
            }
            let start = j;
            while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !b"=>/".contains(&bytes[j]) {
                j += 1;
            }
            let attr = html[start..j].to_ascii_lowercase();
            if j >= bytes.len() || bytes[j] != b'=' {
                continue;
            }
            j += 1;
            let value = match bytes.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end = html[j + 1..].find(q as char).map_or(bytes.len(), |e| j + 1 + e);
                    let v = &html[j + 1..end];
                    j = (end + 1).min(bytes.len());
                    v
                }
                _ => {
                    let start = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    &html[start..j]
                }
            };
            if attr == "href" || attr == "src" {
                out.push(value.replace("&amp;", "&"));
            }
        }
        i = j.min(bytes.len());
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = html[i..].to_ascii_lowercase().find(&close).map_or(bytes.len(), |e| i + e);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_read_from_quoted_and_bare_attributes_but_not_scripts() {
        let html = r#"<a href="../x/">x</a><img src=../../i.svg alt=y><a HREF='/a?b=1&amp;c'>
            <script>var s = '<a href="nope">';</script><!-- <a href="no"> --><link rel=icon href=f.png>"#;
        assert_eq!(links(html), ["../x/", "../../i.svg", "/a?b=1&c", "f.png"]);
    }

    #[test]
    fn relative_paths_are_normalized() {
        assert_eq!(normalize("awards/x/../../images/a.svg").as_deref(), Some("images/a.svg"));
        assert_eq!(normalize("awards/x/./").as_deref(), Some("awards/x/"));
        assert_eq!(normalize("awards/../.."), None);
    }

    #[test]
    fn broken_links_are_grouped_by_target() {
        let published: BTreeSet<String> =
            ["index.html", "awards/a/index.html", "images/a.svg"].iter().map(|s| s.to_string()).collect();
        let pages = [
            ("index.html", r#"<a href="awards/a/">a</a><a href="awards/b/">b</a><img src="images/a.svg">"#),
            (
                "awards/a/index.html",
                r#"<a href="../../">home</a><a href="../b/">b</a><a href="https://e.org/x">"#,
            ),
            (
                "awards/a/embed.html",
                r#"<a href="/site/missing.png">m</a><a href="https://s.org/site/nope">n</a>"#,
            ),
        ];
        let broken = broken_links(pages.into_iter(), &published, "https://s.org/site/", "/site/");
        let got: Vec<(&str, Vec<&str>)> =
            broken.iter().map(|(t, f)| (t.as_str(), f.iter().map(String::as_str).collect())).collect();
        assert_eq!(
            got,
            [
                ("awards/b/", vec!["index.html", "awards/a/index.html"]),
                ("missing.png", vec!["awards/a/embed.html"]),
                ("nope", vec!["awards/a/embed.html"]),
            ]
        );
    }
}
