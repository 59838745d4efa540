//! Achievements as data: one file per achievement under `achievements/`, either TOML
//! (`data-literacy.toml`) or Markdown with TOML front matter between `+++` lines, whose body
//! is the criteria narrative. `rosette award` turns one into the OB 3.0 `Achievement` object.

use crate::model::date::parse_date_time;
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
    /// The JSON-LD value: a string, or language value objects (VC 2.0 §Names and Descriptions).
    pub fn to_json(&self) -> Value {
        match self {
            Text::Plain(s) => Value::String(s.clone()),
            Text::Languages(map) => {
                Value::Array(map.iter().map(|(lang, s)| json!({"@value": s, "@language": lang})).collect())
            }
        }
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
        if crate::site::paths::OutPath::new(slug).is_err() || slug.contains('/') {
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

    /// The OB 3.0 `Achievement` object, with ids under `base_url`.
    pub fn to_json(&self, base_url: &str) -> Value {
        let f = &self.file;
        let id = format!("{base_url}achievements/{}", self.slug);
        let mut a = Map::new();
        a.insert("id".into(), id.clone().into());
        a.insert("type".into(), json!(["Achievement"]));
        a.insert("name".into(), f.name.to_json());
        a.insert("description".into(), f.description.to_json());
        let mut criteria = Map::new();
        if let Some(url) = &f.criteria_url {
            criteria.insert("id".into(), url.clone().into());
        }
        if let Some(c) = &f.criteria {
            criteria.insert("narrative".into(), c.to_json());
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
            a.insert("fieldOfStudy".into(), fs.to_json());
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
        let j = a.to_json("https://x.org/");
        assert_eq!(j["id"], "https://x.org/achievements/data-literacy");
        assert_eq!(j["criteria"]["narrative"], "## Criteria\n\n- read a chart");
        assert_eq!(j["tag"], json!(["data"]));
    }

    #[test]
    fn language_tables_become_value_objects() {
        let text = "[name]\nen = \"Data\"\nzh-Hans = \"数据\"\n[description]\nen = \"d\"\n";
        let a = Achievement::parse("d.toml", text).expect("parses");
        assert_eq!(
            a.to_json("https://x.org/")["name"],
            json!([{"@value": "Data", "@language": "en"}, {"@value": "数据", "@language": "zh-Hans"}])
        );
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
