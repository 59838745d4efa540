//! Achievements as data: one file per achievement under `achievements/`, either TOML
//! (`data-literacy.toml`) or Markdown with TOML front matter between `+++` lines, whose body
//! is the criteria narrative. `rosette award` turns one into the OB 3.0 `Achievement` object.
//!
//! Text may be given in several languages (`[name] en = "…" zh-Hans = "…"`). The credential
//! states it the way 1EdTech's Open Badges 3.0 JSON Schema accepts, where `name` and
//! `description` are strings: the achievement's text in one language, the site's when it is
//! given (its `inLanguage`), and each other language an OB 3.0 `Related` entry of `related`
//! with its `inLanguage`, `name` and `description` (the VC 2.0 context's schema.org terms, so
//! they are signed like the rest). A `Related` entry has no criteria or field of study: their
//! other languages are left out ([`Achievement::untranslated`]).

use crate::model::date::parse_date_time;
use crate::model::lang::{Tagged, best};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Text in one language, or in several (`[name] en = "…" zh-Hans = "…"`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Languages(BTreeMap<String, String>),
}

impl Text {
    /// Every text with its language tag (plain text has none).
    pub fn tagged(&self) -> Vec<Tagged> {
        match self {
            Text::Plain(s) => vec![Tagged { value: s.clone(), language: None }],
            Text::Languages(map) => {
                map.iter().map(|(l, s)| Tagged { value: s.clone(), language: Some(l.clone()) }).collect()
            }
        }
    }

    /// The text for `language`, as a page in that language would pick it
    /// ([`crate::model::lang::pick`]'s rule).
    pub fn in_language(&self, language: &str) -> String {
        best(&self.tagged(), language).map(|t| t.value.clone()).unwrap_or_default()
    }

    /// The text given in exactly `tag`.
    pub fn get(&self, tag: &str) -> Option<&str> {
        match self {
            Text::Plain(_) => None,
            Text::Languages(map) => map.get(tag).map(String::as_str),
        }
    }

    /// The languages it is given in (none for plain text).
    pub fn languages(&self) -> Vec<&str> {
        match self {
            Text::Plain(_) => Vec::new(),
            Text::Languages(map) => map.keys().map(String::as_str).collect(),
        }
    }

    /// The same text with each language tag in the form the 1EdTech schema's `inLanguage`
    /// accepts ([`language_tag`]).
    fn normalized(self, field: &str) -> Result<Self, String> {
        let Text::Languages(map) = self else { return Ok(self) };
        let mut out = BTreeMap::new();
        for (tag, text) in map {
            let canonical = language_tag(&tag).map_err(|e| format!("`{field}`: {e}"))?;
            if out.insert(canonical.clone(), text).is_some() {
                return Err(format!("`{field}` is given twice in `{canonical}`"));
            }
        }
        Ok(Text::Languages(out))
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Text::Plain(s) => s.trim().is_empty(),
            Text::Languages(m) => m.values().all(|s| s.trim().is_empty()),
        }
    }
}

/// One achievement file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AchievementFile {
    /// The achievement's name.
    pub name: Text,
    /// What earning it means.
    pub description: Text,
    /// The criteria narrative (Markdown). In a `.md` file, the body after the front matter.
    #[serde(default)]
    pub criteria: Option<Text>,
    /// A page with the full criteria (optional).
    #[serde(default)]
    pub criteria_url: Option<String>,
    /// The badge image: a file under `badges/` (published at the same path) or an https URL.
    #[serde(default)]
    pub image: Option<String>,
    /// The image's text alternative.
    #[serde(default)]
    pub image_caption: Option<String>,
    /// OB 3.0 `achievementType` (`Badge`, `Certificate`, `Course`, … or `ext:…`).
    #[serde(default)]
    pub achievement_type: Option<String>,
    /// Skills or keywords.
    #[serde(default)]
    pub tags: Vec<String>,
    /// A short code people use for it (`DLF-101`).
    #[serde(default)]
    pub human_code: Option<String>,
    #[serde(default)]
    pub field_of_study: Option<Text>,
    #[serde(default)]
    pub credits: Option<f64>,
    /// No longer awarded after this date; earlier awards stay valid.
    #[serde(default)]
    pub retired: Option<String>,
    #[serde(default)]
    pub alignments: Vec<AlignmentFile>,
    #[serde(default)]
    pub result_descriptions: Vec<ResultDescriptionFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlignmentFile {
    pub target_name: String,
    pub target_url: String,
    #[serde(default)]
    pub target_description: Option<String>,
    #[serde(default)]
    pub target_framework: Option<String>,
    #[serde(default)]
    pub target_code: Option<String>,
    #[serde(default)]
    pub target_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultDescriptionFile {
    /// Its fragment under the achievement id (`score` gives `…/achievements/x#score`).
    pub id: String,
    pub name: String,
    /// OB 3.0 `resultType` (`ScaledScore`, `LetterGrade`, `Status`, …).
    pub result_type: String,
    #[serde(default)]
    pub value_min: Option<String>,
    #[serde(default)]
    pub value_max: Option<String>,
}

/// `tag` as a BCP 47 language tag of the shape 1EdTech's schema gives `inLanguage` (a
/// language, then optionally a script and a region: `en`, `zh-Hans`, `en-GB`, `es-419`), in
/// its conventional case. Tags are case-insensitive, so `zh-hans` is `zh-Hans`; variants and
/// extensions (`de-CH-1996`) are refused, as the schema's pattern refuses them.
pub fn language_tag(tag: &str) -> Result<String, String> {
    let refuse = || {
        format!(
            "`{tag}` is not a language tag Open Badges accepts: a language, then optionally a script and a \
             region (`en`, `zh-Hans`, `en-GB`, `es-419`)"
        )
    };
    let alpha = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
    };
    let mut parts = tag.split('-').peekable();
    let language = parts.next().filter(|l| alpha(l, 2..=4)).ok_or_else(refuse)?;
    let mut out = language.to_ascii_lowercase();
    if let Some(script) = parts.next_if(|s| alpha(s, 4..=4)) {
        out.push('-');
        out.push_str(&script[..1].to_ascii_uppercase());
        out.push_str(&script[1..].to_ascii_lowercase());
    }
    if let Some(region) =
        parts.next_if(|r| alpha(r, 2..=2) || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit())))
    {
        out.push('-');
        out.push_str(&region.to_ascii_uppercase());
    }
    match parts.next() {
        None => Ok(out),
        Some(_) => Err(refuse()),
    }
}

/// A parsed achievement file with its slug (the file name without extension).
#[derive(Debug, Clone)]
pub struct Achievement {
    pub slug: String,
    pub file: AchievementFile,
    pub retired: Option<DateTime<Utc>>,
}

impl Achievement {
    /// Parses `text` of a file named `name` (`x.toml` or `x.md`).
    pub fn parse(name: &str, text: &str) -> Result<Self, String> {
        let (slug, front, body) = if let Some(slug) = name.strip_suffix(".md") {
            let rest = text
                .strip_prefix("+++\n")
                .or_else(|| text.strip_prefix("+++\r\n"))
                .ok_or("a Markdown achievement starts with a `+++` line, then TOML, then `+++`")?;
            let end = rest.find("\n+++").ok_or("the front matter has no closing `+++` line")?;
            let body = rest[end + 4..].trim_start_matches(['\r', '\n']).trim_end();
            (slug, &rest[..end], Some(body.to_string()))
        } else if let Some(slug) = name.strip_suffix(".toml") {
            (slug, text, None)
        } else {
            return Err("an achievement file ends in .toml or .md".into());
        };
        if crate::paths::OutPath::new(slug).is_err() || slug.contains('/') {
            return Err(format!("`{slug}` cannot be a page name: use letters, digits and `-`"));
        }
        let mut file: AchievementFile = toml::from_str(front).map_err(|e| {
            let pos = e.span().map(|s| crate::config::line_column(front, s.start));
            match pos {
                Some((l, c)) => format!("line {l}, column {c}: {}", e.message().trim_end()),
                None => e.message().trim_end().to_string(),
            }
        })?;
        if let Some(body) = body.filter(|b| !b.is_empty()) {
            if file.criteria.is_some() {
                return Err("the criteria are given twice: in `criteria` and as the Markdown body".into());
            }
            file.criteria = Some(Text::Plain(body));
        }
        if file.name.is_empty() || file.description.is_empty() {
            return Err("`name` and `description` must not be empty".into());
        }
        file.name = file.name.normalized("name")?;
        file.description = file.description.normalized("description")?;
        file.criteria = file.criteria.map(|c| c.normalized("criteria")).transpose()?;
        file.field_of_study = file.field_of_study.map(|f| f.normalized("field_of_study")).transpose()?;
        // A translation's id is `<achievement>#<language>`, a result description's
        // `<achievement>#<id>`: one node each.
        if let Some(r) = file.result_descriptions.iter().find(|r| {
            file.name.languages().contains(&r.id.as_str())
                || file.description.languages().contains(&r.id.as_str())
        }) {
            return Err(format!(
                "result description id `{}` is also a language of the achievement: choose another id",
                r.id
            ));
        }
        let retired = match &file.retired {
            None => None,
            Some(s) => {
                Some(parse_date_time(s).ok_or_else(|| format!("`retired` is not a date-time: `{s}`"))?)
            }
        };
        for url in file.alignments.iter().map(|a| &a.target_url).chain(file.criteria_url.iter()) {
            if !crate::markdown::is_safe_url(url) {
                return Err(format!("`{url}` is not an http(s) URL"));
            }
        }
        Ok(Achievement { slug: slug.to_string(), file, retired })
    }

    /// The language of the achievement's own text (its `inLanguage`): `site_language` when
    /// its name (or description) is given in it, else the nearest one given; `None` when both
    /// are plain text, whose language the file does not say.
    pub fn language(&self, site_language: &str) -> Option<String> {
        [&self.file.name, &self.file.description]
            .into_iter()
            .find_map(|t| best(&t.tagged(), site_language).and_then(|t| t.language.clone()))
    }

    /// The achievement's name in its own language: the credential's `name` too.
    pub fn name(&self, site_language: &str) -> String {
        self.file.name.in_language(&self.language(site_language).unwrap_or_else(|| site_language.into()))
    }

    /// The fields whose other languages the credential leaves out: OB 3.0's `Related` gives a
    /// translation a name and a description, nothing else (`criteria`, `field_of_study`).
    pub fn untranslated(&self, site_language: &str) -> Vec<&'static str> {
        let own = self.language(site_language);
        let f = &self.file;
        [("criteria", &f.criteria), ("field_of_study", &f.field_of_study)]
            .into_iter()
            .filter(|(_, t)| {
                t.as_ref().is_some_and(|t| t.languages().iter().any(|l| Some(*l) != own.as_deref()))
            })
            .map(|(field, _)| field)
            .collect()
    }

    /// The OB 3.0 `Achievement` object, with ids under `base_url`, its text in its own
    /// language ([`Achievement::language`]) and the other languages in `related`.
    pub fn to_json(&self, base_url: &str, site_language: &str) -> Value {
        let f = &self.file;
        let id = format!("{base_url}achievements/{}", self.slug);
        let own = self.language(site_language);
        let text = |t: &Text| Value::String(t.in_language(own.as_deref().unwrap_or(site_language)));
        let mut a = Map::new();
        a.insert("id".into(), id.clone().into());
        a.insert("type".into(), json!(["Achievement"]));
        a.insert("name".into(), text(&f.name));
        a.insert("description".into(), text(&f.description));
        if let Some(language) = &own {
            a.insert("inLanguage".into(), language.clone().into());
        }
        let mut criteria = Map::new();
        if let Some(url) = &f.criteria_url {
            criteria.insert("id".into(), url.clone().into());
        }
        if let Some(c) = &f.criteria {
            criteria.insert("narrative".into(), text(c));
        }
        if criteria.is_empty() {
            criteria.insert("id".into(), id.clone().into());
        }
        a.insert("criteria".into(), Value::Object(criteria));
        if let Some(image) = &f.image {
            let url = if image.contains("://") {
                image.clone()
            } else {
                format!("{base_url}{}", image.trim_start_matches('/'))
            };
            let mut img = json!({"id": url, "type": "Image"});
            if let Some(c) = &f.image_caption {
                img["caption"] = c.clone().into();
            }
            a.insert("image".into(), img);
        }
        if let Some(t) = &f.achievement_type {
            a.insert("achievementType".into(), t.clone().into());
        }
        if !f.tags.is_empty() {
            a.insert("tag".into(), json!(f.tags));
        }
        if let Some(c) = &f.human_code {
            a.insert("humanCode".into(), c.clone().into());
        }
        if let Some(fs) = &f.field_of_study {
            a.insert("fieldOfStudy".into(), text(fs));
        }
        if let Some(c) = f.credits {
            a.insert("creditsAvailable".into(), json!(c));
        }
        if !f.alignments.is_empty() {
            let list: Vec<Value> = f
                .alignments
                .iter()
                .map(|al| {
                    let mut o = json!({"type": ["Alignment"], "targetName": al.target_name, "targetUrl": al.target_url});
                    for (k, v) in [
                        ("targetDescription", &al.target_description),
                        ("targetFramework", &al.target_framework),
                        ("targetCode", &al.target_code),
                        ("targetType", &al.target_type),
                    ] {
                        if let Some(v) = v {
                            o[k] = v.clone().into();
                        }
                    }
                    o
                })
                .collect();
            a.insert("alignment".into(), Value::Array(list));
        }
        if !f.result_descriptions.is_empty() {
            let list: Vec<Value> = f
                .result_descriptions
                .iter()
                .map(|r| {
                    let mut o = json!({"id": format!("{id}#{}", r.id), "type": ["ResultDescription"], "name": r.name, "resultType": r.result_type});
                    if let Some(v) = &r.value_min {
                        o["valueMin"] = v.clone().into();
                    }
                    if let Some(v) = &r.value_max {
                        o["valueMax"] = v.clone().into();
                    }
                    o
                })
                .collect();
            a.insert("resultDescription".into(), Value::Array(list));
        }
        let mut others: Vec<&str> = f.name.languages();
        others.extend(f.description.languages());
        others.sort_unstable();
        others.dedup();
        let related: Vec<Value> = others
            .into_iter()
            .filter(|l| Some(*l) != own.as_deref())
            .map(|l| {
                let mut r = json!({"id": format!("{id}#{l}"), "type": ["Related"], "inLanguage": l});
                if let Some(n) = f.name.get(l) {
                    r["name"] = n.into();
                }
                if let Some(d) = f.description.get(l) {
                    r["description"] = d.into();
                }
                r
            })
            .collect();
        if !related.is_empty() {
            a.insert("related".into(), Value::Array(related));
        }
        Value::Object(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_front_matter_gives_the_criteria() {
        let text = "+++\nname = \"Data Literacy\"\ndescription = \"Reads data.\"\ntags = [\"data\"]\n+++\n\n## Criteria\n\n- read a chart\n";
        let a = Achievement::parse("data-literacy.md", text).expect("parses");
        let j = a.to_json("https://x.org/", "en");
        assert_eq!(j["id"], "https://x.org/achievements/data-literacy");
        assert_eq!(j["criteria"]["narrative"], "## Criteria\n\n- read a chart");
        assert_eq!(j["tag"], json!(["data"]));
    }

    /// Issue #19: text in several languages is a string in the site's language, with
    /// `inLanguage`, and a `Related` entry per other language, as 1EdTech's schema accepts.
    #[test]
    fn language_tables_become_related_translations() {
        let text = "[name]\nen = \"Data\"\nzh-hans = \"数据\"\n[description]\nen = \"d\"\nzh-Hans = \"数\"\n";
        let a = Achievement::parse("d.toml", text).expect("parses");
        let j = a.to_json("https://x.org/", "en");
        assert_eq!(j["name"], "Data");
        assert_eq!(j["description"], "d");
        assert_eq!(j["inLanguage"], "en");
        assert_eq!(
            j["related"],
            json!([{"id": "https://x.org/achievements/d#zh-Hans", "type": ["Related"], "inLanguage": "zh-Hans", "name": "数据", "description": "数"}])
        );
        // A Chinese site: the other way round.
        let zh = a.to_json("https://x.org/", "zh-Hans");
        assert_eq!((zh["name"].as_str(), zh["inLanguage"].as_str()), (Some("数据"), Some("zh-Hans")));
        assert_eq!(zh["related"][0]["inLanguage"], "en");
        assert_eq!(a.name("zh-Hans"), "数据");
        // A site language the file lacks: the nearest, here the first.
        assert_eq!(a.to_json("https://x.org/", "fr")["inLanguage"], "en");
        // Plain text claims no language and has no translations.
        let plain = Achievement::parse("p.toml", "name = \"P\"\ndescription = \"d\"\n").expect("parses");
        let p = plain.to_json("https://x.org/", "en");
        assert!(p.get("inLanguage").is_none() && p.get("related").is_none(), "{p}");
    }

    #[test]
    fn criteria_in_other_languages_are_named_as_left_out() {
        let text = "name = \"A\"\ndescription = \"d\"\n[criteria]\nen = \"Do it.\"\nzh-Hans = \"做。\"\n";
        let a = Achievement::parse("a.toml", text).expect("parses");
        assert_eq!(a.to_json("https://x.org/", "zh-Hans")["criteria"]["narrative"], "做。");
        assert_eq!(a.untranslated("zh-Hans"), vec!["criteria"]);
        let one = Achievement::parse("b.toml", "name = \"A\"\ndescription = \"d\"\n").expect("parses");
        assert!(one.untranslated("en").is_empty());
    }

    #[test]
    fn language_tags_take_the_schema_s_shape() {
        for (tag, want) in [("en", "en"), ("zh-hans", "zh-Hans"), ("EN-gb", "en-GB"), ("es-419", "es-419")] {
            assert_eq!(language_tag(tag).as_deref(), Ok(want), "{tag}");
        }
        for tag in ["", "e", "de-CH-1996", "en_GB", "zh-Hans-CN-x", "toolongtag"] {
            assert!(language_tag(tag).is_err(), "{tag}");
        }
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (
                "a.toml",
                "name = \"A\"\ndescription = \"d\"\ncolour = 1\n",
                "line 3, column 1: unknown field `colour`",
            ),
            ("a.md", "name = \"A\"", "starts with a `+++` line"),
            (
                "a.toml",
                "name = \"A\"\ndescription = \"d\"\nretired = \"soon\"\n",
                "`retired` is not a date-time",
            ),
            ("a b.toml", "name = \"A\"\ndescription = \"d\"\n", "cannot be a page name"),
            (
                "a.toml",
                "description = \"d\"\n[name]\nen-GB = \"A\"\nen-gb = \"B\"\n",
                "`name` is given twice in `en-GB`",
            ),
            (
                "a.toml",
                "description = \"d\"\n[name]\nde-CH-1996 = \"A\"\n",
                "`name`: `de-CH-1996` is not a language tag",
            ),
            (
                "a.toml",
                "description = \"d\"\n[name]\nen = \"A\"\nfr = \"B\"\n\
                 [[result_descriptions]]\nid = \"fr\"\nname = \"n\"\nresult_type = \"Status\"\n",
                "result description id `fr` is also a language of the achievement",
            ),
            (
                "a.toml",
                "name = \"A\"\ndescription = \"d\"\n[[alignments]]\ntarget_name = \"x\"\ntarget_url = \"javascript:alert(1)\"\n",
                "is not an http(s) URL",
            ),
        ];
        for (name, text, want) in cases {
            let err = Achievement::parse(name, text).expect_err(want);
            assert!(err.contains(want), "{err}");
        }
    }
}
