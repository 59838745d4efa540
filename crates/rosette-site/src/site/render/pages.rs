//! Pages: the theme's tera templates, rendered with what every page's context shares (the
//! site, its interface strings, the way back to the root) and minified. A page of one award is
//! memoized under the hash of its template and its whole context.

use super::super::cache::{Cache, Key, Unit};
use super::super::output::Output;
use super::super::paths::OutPath;
use super::super::views::{self, SiteView};
use crate::config::Config;
use crate::error::SiteError;
use crate::templates::{Theme, tera_chain};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// The page-specific part of a template's context: names and values of any type.
pub(super) type Extra<'v> = [(&'v str, &'v dyn erased::Ser)];

/// The theme's templates, ready to render this site's pages.
pub(super) struct Pages<'a> {
    tera: tera::Tera,
    site: SiteView,
    /// The interface strings of the site's language.
    pub(super) t: BTreeMap<String, String>,
    /// The hash of what every page's context shares (the site and its strings).
    pub(super) shared: String,
    theme_hash: &'a str,
}

impl<'a> Pages<'a> {
    pub(super) fn new(theme: &Theme, config: &Config, theme_hash: &'a str) -> Pages<'a> {
        let mut tera = theme.tera.clone();
        tera.register_filter("local", local_filter(config.base_url.clone()));
        tera.register_filter("breakable", breakable_filter);
        let site = views::site(config);
        let t = theme.strings(&config.language);
        let mut key = Key::new("shared");
        key.add(&serde_json::to_vec(&site).unwrap_or_default());
        key.add(&serde_json::to_vec(&t).unwrap_or_default());
        Pages { tera, site, t, shared: key.finish(), theme_hash }
    }

    fn context(&self, at: &OutPath, extra: &Extra<'_>) -> tera::Context {
        let mut ctx = tera::Context::new();
        // Internal links are relative, so the site works from any host, path or folder.
        let depth = at.as_str().matches('/').count();
        ctx.insert("root", &if depth == 0 { "./".to_string() } else { "../".repeat(depth) });
        ctx.insert("site", &self.site);
        ctx.insert("t", &self.t);
        for (k, v) in extra {
            ctx.insert(*k, &erased::Wrap(*v));
        }
        ctx
    }

    fn render(&self, template: &str, ctx: &tera::Context, per_award: bool) -> Result<Vec<u8>, SiteError> {
        let html = self.tera.render(template, ctx).map_err(|e| {
            SiteError::invalid(format!("template `{template}` failed")).caused_by(tera_chain(&e))
        })?;
        // Once per site, the full minifier; once per award, the cheap trim (see compact.rs).
        Ok(if per_award {
            super::super::compact::compact(&html).into_bytes()
        } else {
            minify(html.as_bytes())
        })
    }

    /// A page of the site (not of one award), rendered and minified.
    pub(super) fn page(&self, template: &str, at: &OutPath, extra: &Extra<'_>) -> Result<Vec<u8>, SiteError> {
        self.render(template, &self.context(at, extra), false)
    }

    /// The hash of the page-specific part of a context, shared by an award's pages.
    pub(super) fn extra_key(extra: &Extra<'_>) -> String {
        let mut key = Key::new("extra");
        for (name, value) in extra {
            key.add(name.as_bytes()).add(&serde_json::to_vec(&erased::Wrap(*value)).unwrap_or_default());
        }
        key.finish()
    }

    /// A page of one award, written to `out`: the same template and context make the same
    /// bytes, so it is memoized under the hash of both. Returns its key and object hash when
    /// the memo keeps it.
    pub(super) fn award_page(
        &self,
        template: &str,
        at: &OutPath,
        extra: &Extra<'_>,
        extra_key: &str,
        out: &dyn Output,
        memo: &Cache,
    ) -> Result<Option<(String, String)>, SiteError> {
        if !memo.keeps() {
            out.write(at, &self.render(template, &self.context(at, extra), true)?)?;
            return Ok(None);
        }
        // The context is `root` (from the path), the shared part, and `extra`.
        let mut key = Key::new("page");
        key.add(self.theme_hash.as_bytes()).add(self.shared.as_bytes());
        key.add(template.as_bytes()).add(at.as_str().as_bytes()).add(extra_key.as_bytes());
        let key = key.finish();
        if let Some(unit) = memo.unit(&key)
            && let [(_, hash)] = unit.files.as_slice()
        {
            out.link(memo, at, hash)?;
            let hash = hash.clone();
            memo.put_unit(key.clone(), unit.clone());
            memo.stats.units_reused.fetch_add(1, Ordering::Relaxed);
            return Ok(Some((key, hash)));
        }
        memo.stats.rendered.fetch_add(1, Ordering::Relaxed);
        let stored = out.store(memo, at, &self.render(template, &self.context(at, extra), true)?)?;
        if let Some(hash) = &stored {
            // Named by its path, so that an award's unit can list it through its key alone.
            let files = vec![(at.as_str().to_string(), hash.clone())];
            memo.put_unit(key.clone(), Unit { files, ..Unit::default() });
        }
        Ok(stored.map(|hash| (key, hash)))
    }
}

/// The module of the browser check's interface strings, which `verify.js` imports: one file
/// for the whole site, rather than the same 12 KB inlined in every badge page.
pub(super) const VERIFY_STRINGS: &str = "verify-strings.js";

/// The `verify_…` strings of the site's language as a JavaScript module.
pub(super) fn verify_strings(t: &BTreeMap<String, String>) -> Result<Vec<u8>, SiteError> {
    let strings: BTreeMap<&str, &str> =
        t.iter().filter(|(k, _)| k.starts_with("verify_")).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let json = serde_json::to_string(&strings).map_err(|e| SiteError::invalid(e.to_string()))?;
    Ok(format!("// The badge check's interface strings in this site's language, written by `rosette build`.\nexport default {json};\n").into_bytes())
}

/// `{{ url | local(root=root) }}`: a URL under `base_url` becomes relative to the page, so
/// links and images work from any host and in a local preview; other URLs are unchanged.
fn local_filter(base: String) -> impl tera::Filter {
    move |value: &tera::Value, args: &std::collections::HashMap<String, tera::Value>| {
        let url = value.as_str().unwrap_or_default();
        let root = args.get("root").and_then(tera::Value::as_str).unwrap_or("");
        Ok(tera::Value::String(match url.strip_prefix(base.as_str()) {
            Some(rest) => format!("{root}{rest}"),
            None => url.to_string(),
        }))
    }
}

/// An identifier (URL, DID, key id) as escaped HTML with `<wbr>` break points after `/` and
/// `:` (not before a digit) and before `#`, so that a narrow screen wraps it between its parts, never inside a
/// domain name (`northfield.exampl|e`). Copying the text gives the identifier unchanged.
/// Used as `{{ id | breakable | safe }}`.
pub(super) fn breakable_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = value.as_str().unwrap_or_default();
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#' {
            out.push_str("<wbr>");
        }
        crate::templates::push_escaped(&mut out, c);
        // Not inside a time of day (`09:30`).
        if c == '/' || (c == ':' && !chars.peek().is_some_and(char::is_ascii_digit)) {
            out.push_str("<wbr>");
        }
    }
    Ok(tera::Value::String(out))
}

fn minify(html: &[u8]) -> Vec<u8> {
    let cfg = minify_html::Cfg {
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        minify_css: true,
        minify_js: false,
        ..minify_html::Cfg::default()
    };
    minify_html::minify(html, &cfg)
}

/// Lets templates receive views of different types through one slice.
pub(super) mod erased {
    pub trait Ser {
        fn ser(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn ser(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
    pub struct Wrap<'a>(pub &'a dyn Ser);
    impl serde::Serialize for Wrap<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.ser().serialize(s)
        }
    }
}
