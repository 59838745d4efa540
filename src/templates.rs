//! The theme: tera templates, static files and interface strings. The default theme
//! (`themes/default`) is embedded in the binary; a site's `themes/<name>/` overrides it file
//! by file.

use crate::error::CliError;
use std::collections::BTreeMap;
use std::path::Path;

macro_rules! embedded_theme {
    (templates: [$($t:literal),*], statics: [$($s:literal),*], languages: [$($l:literal),*]) => {
        const TEMPLATES: &[(&str, &str)] = &[$(($t, include_str!(concat!("../themes/default/templates/", $t)))),*];
        const STATICS: &[(&str, &[u8])] = &[$(($s, include_bytes!(concat!("../themes/default/static/", $s)))),*];
        const LANGUAGES: &[(&str, &str)] = &[$(($l, include_str!(concat!("../themes/default/i18n/", $l, ".toml")))),*];
    };
}

embedded_theme! {
    templates: ["base.html", "badge.html", "achievement.html", "issuer.html", "index.html", "404.html"],
    statics: ["style.css"],
    languages: ["en", "zh-Hans"]
}

/// A loaded theme.
pub struct Theme {
    pub tera: tera::Tera,
    /// Files copied to `assets/`.
    pub statics: BTreeMap<String, Vec<u8>>,
    /// Interface strings by language, then by key.
    pub messages: BTreeMap<String, BTreeMap<String, String>>,
}

impl Theme {
    /// The embedded default theme, overridden by the files of `root/themes/<name>/`.
    pub fn load(root: &Path, name: &str) -> Result<Self, CliError> {
        let mut templates: BTreeMap<String, String> =
            TEMPLATES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        let mut statics: BTreeMap<String, Vec<u8>> =
            STATICS.iter().map(|(n, b)| (n.to_string(), b.to_vec())).collect();
        let mut catalogues: BTreeMap<String, String> =
            LANGUAGES.iter().map(|(l, t)| (l.to_string(), t.to_string())).collect();
        let dir = root.join("themes").join(name);
        if name != "default" && !dir.is_dir() {
            return Err(CliError::invalid(format!(
                "theme `{name}` not found: there is no `{}`",
                dir.display()
            )));
        }
        read_dir_into(&dir.join("templates"), &mut |n, bytes| {
            templates.insert(n, String::from_utf8_lossy(&bytes).into_owned());
        })?;
        read_dir_into(&dir.join("static"), &mut |n, bytes| {
            statics.insert(n, bytes);
        })?;
        read_dir_into(&dir.join("i18n"), &mut |n, bytes| {
            if let Some(lang) = n.strip_suffix(".toml") {
                catalogues.insert(lang.to_string(), String::from_utf8_lossy(&bytes).into_owned());
            }
        })?;
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| CliError::invalid("a theme template is not valid").caused_by(tera_chain(&e)))?;
        let mut messages = BTreeMap::new();
        for (lang, text) in catalogues {
            let table: BTreeMap<String, String> = toml::from_str(&text).map_err(|e| {
                CliError::invalid(format!("theme messages `i18n/{lang}.toml` are not valid"))
                    .caused_by(e.message())
            })?;
            messages.insert(lang, table);
        }
        Ok(Theme { tera, statics, messages })
    }

    /// The interface strings for `lang`, English filling any gap.
    pub fn strings(&self, lang: &str) -> BTreeMap<String, String> {
        let mut out = self.messages.get("en").cloned().unwrap_or_default();
        if let Some(own) = self.messages.get(lang) {
            out.extend(own.clone());
        }
        out
    }
}

fn read_dir_into(dir: &Path, put: &mut dyn FnMut(String, Vec<u8>)) -> Result<(), CliError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut names: Vec<_> =
        entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    names.sort();
    for path in names {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        put(name, crate::fs::read(&path)?);
    }
    Ok(())
}

/// A tera error with its causes, which hold the useful part (line, unknown variable).
pub fn tera_chain(e: &tera::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
