//! Output paths. They never come raw from input: every segment is checked, so no `..`, no
//! absolute path, no hidden file, nothing outside `public/`.

/// A relative path inside the output directory, `/`-separated, always safe.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutPath(String);

impl OutPath {
    /// Checks a `/`-separated relative path.
    pub fn new(path: &str) -> Result<Self, String> {
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            return Err("an empty path".into());
        }
        for segment in trimmed.split('/') {
            check_segment(segment)?;
        }
        Ok(OutPath(trimmed.to_string()))
    }

    /// A fixed path rosette itself chooses (for example `.well-known/did.json`).
    pub fn fixed(path: &'static str) -> Self {
        OutPath(path.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `dir/index.html` for a page whose URL is `dir/`.
    pub fn index(&self) -> OutPath {
        OutPath(format!("{}/index.html", self.0))
    }

    pub fn with_suffix(&self, suffix: &str) -> OutPath {
        OutPath(format!("{}{suffix}", self.0))
    }
}

fn check_segment(segment: &str) -> Result<(), String> {
    if segment.is_empty() || segment == "." || segment == ".." {
        return Err(format!("the path segment `{segment}` is not allowed"));
    }
    if segment.starts_with('.') && segment != ".well-known" {
        return Err(format!("`{segment}` would be a hidden file"));
    }
    if segment.len() > 120 {
        return Err("a path segment is longer than 120 characters".into());
    }
    if !segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        return Err(format!(
            "`{}` has characters other than letters, digits, `-`, `_` and `.`",
            segment.escape_default()
        ));
    }
    Ok(())
}

/// The site path of a URL under `base_url` (`https://x/awards/a` → `awards/a`).
pub fn under_base(url: &str, base_url: &str) -> Option<String> {
    let rest = url.strip_prefix(base_url)?;
    let rest = rest.split(['#', '?']).next().unwrap_or(rest);
    Some(rest.trim_end_matches('/').to_string()).filter(|r| !r.is_empty())
}

/// A path segment from free text: lower-case ASCII letters and digits joined by `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let out: String = out.chars().take(80).collect();
    if out.is_empty() { "item".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_paths_are_refused() {
        for bad in ["..", "a/../b", "/etc/passwd/..", ".git/config", "a\\b", "a/\0b", "a b", "ü", "a//b"] {
            assert!(OutPath::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(OutPath::new("/awards/2024-0001/").map(|p| p.0), Ok("awards/2024-0001".into()));
        assert_eq!(OutPath::fixed(".well-known/did.json").as_str(), ".well-known/did.json");
    }

    #[test]
    fn urls_under_the_base_become_paths() {
        assert_eq!(under_base("https://x.org/awards/a#frag", "https://x.org/").as_deref(), Some("awards/a"));
        assert_eq!(under_base("https://y.org/awards/a", "https://x.org/"), None);
        assert_eq!(under_base("https://x.org/", "https://x.org/"), None);
    }

    #[test]
    fn slugs_are_plain() {
        assert_eq!(slugify("Data Literacy: Foundations!"), "data-literacy-foundations");
        assert_eq!(slugify("数据"), "item");
    }
}
