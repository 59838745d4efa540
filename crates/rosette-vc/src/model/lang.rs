//! Language-tagged text. VC 2.0 §Names and Descriptions lets `name` and `description` be a
//! plain string, a value object (`{"@value": "…", "@language": "zh-Hans"}`) or an array of
//! them; rosette picks the best match for a page's language.
//!
//! An Open Badges 3.0 `Achievement` can say the same in the form 1EdTech's JSON Schema accepts
//! (where `name` and `description` are strings): its text in one language, named by its
//! `inLanguage`, and each translation a `Related` entry of `related` with its own
//! `inLanguage`, `name` and `description` ([`achievement_texts`]). rosette writes that form
//! and reads both.

use serde_json::Value;

/// One text in one (or no) language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tagged {
    /// The text.
    pub value: String,
    /// Its language tag (`@language`, or an achievement's `inLanguage`), as written; `None`
    /// when nothing names one.
    pub language: Option<String>,
}

/// Every text a value carries, in document order.
pub fn texts(v: Option<&Value>) -> Vec<Tagged> {
    let mut out = Vec::new();
    collect(v, &mut out);
    out
}

fn collect(v: Option<&Value>, out: &mut Vec<Tagged>) {
    match v {
        Some(Value::String(s)) => out.push(Tagged { value: s.clone(), language: None }),
        Some(Value::Object(o)) => {
            if let Some(s) = o.get("@value").and_then(Value::as_str) {
                out.push(Tagged {
                    value: s.to_string(),
                    language: o.get("@language").and_then(Value::as_str).map(str::to_string),
                });
            }
        }
        Some(Value::Array(a)) => a.iter().for_each(|x| collect(Some(x), out)),
        _ => {}
    }
}

/// The text for `language` (`zh-Hans`, `en`…): an exact tag, then the same primary language,
/// then an untagged text, then the first one.
pub fn pick(v: Option<&Value>, language: &str) -> Option<String> {
    best(&texts(v), language).map(|t| t.value.clone())
}

/// The text of `all` for `language`, by [`pick`]'s rule.
pub fn best<'a>(all: &'a [Tagged], language: &str) -> Option<&'a Tagged> {
    let want = primary(language);
    all.iter()
        .find(|t| t.language.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(language)))
        .or_else(|| all.iter().find(|t| t.language.as_deref().is_some_and(|l| primary(l) == want)))
        .or_else(|| all.iter().find(|t| t.language.is_none()))
        .or_else(|| all.first())
}

/// The primary language subtag, lower-cased: `zh` of `zh-Hans`.
pub fn primary(tag: &str) -> String {
    tag.split('-').next().unwrap_or(tag).to_ascii_lowercase()
}

/// Every text an OB 3.0 `Achievement` gives for `field` (`name` or `description`), in order:
/// its own (a plain string is in the achievement's `inLanguage`, when it says one), then
/// each translation in `related` (OB 3.0 `Related`: "the language of the related
/// achievement", with the text in that language). Language value objects, as rosette wrote
/// before it followed the 1EdTech schema, keep their own tags.
pub fn achievement_texts(achievement: &Value, field: &str) -> Vec<Tagged> {
    let mut all = in_achievement_language(achievement, texts(achievement.get(field)));
    for related in crate::model::credential::values(achievement.get("related")) {
        let Some(language) = related.get("inLanguage").and_then(Value::as_str) else { continue };
        for t in texts(related.get(field)) {
            all.push(Tagged { language: Some(t.language.unwrap_or_else(|| language.to_string())), ..t });
        }
    }
    all
}

/// `all` with each untagged text tagged with the achievement's `inLanguage`, when it says one:
/// the language of its own text (its name, description, criteria).
pub fn in_achievement_language(achievement: &Value, mut all: Vec<Tagged>) -> Vec<Tagged> {
    let own = achievement.get("inLanguage").and_then(Value::as_str);
    for t in &mut all {
        if t.language.is_none() {
            t.language = own.map(str::to_string);
        }
    }
    all
}

/// The JSON pointers of the members that hold language value objects (`{"@value": …}`, or an
/// array with one), in document order: text that 1EdTech's Open Badges 3.0 JSON Schema, which
/// types every text as a string, does not accept.
pub fn value_object_members(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

fn walk(v: &Value, at: String, out: &mut Vec<String>) {
    let is_value_object = |x: &Value| x.as_object().is_some_and(|o| o.contains_key("@value"));
    match v {
        Value::Object(o) => {
            for (key, member) in o {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                let holds = is_value_object(member)
                    || member.as_array().is_some_and(|a| a.iter().any(is_value_object));
                if holds {
                    out.push(pointer);
                } else {
                    walk(member, pointer, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                walk(item, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn picks_the_best_language() {
        let v = json!([
            {"@value": "Data Literacy", "@language": "en"},
            {"@value": "数据素养", "@language": "zh-Hans"}
        ]);
        assert_eq!(pick(Some(&v), "zh-Hans").as_deref(), Some("数据素养"));
        assert_eq!(pick(Some(&v), "zh-CN").as_deref(), Some("数据素养"));
        assert_eq!(pick(Some(&v), "en-GB").as_deref(), Some("Data Literacy"));
        assert_eq!(pick(Some(&v), "fr").as_deref(), Some("Data Literacy"));
        assert_eq!(pick(Some(&json!("plain")), "zh").as_deref(), Some("plain"));
        assert_eq!(pick(None, "en"), None);
    }

    #[test]
    fn members_with_value_objects_are_found_by_pointer() {
        let v = json!({
            "name": [{"@value": "A", "@language": "en"}],
            "credentialSubject": {"achievement": {"description": {"@value": "d", "@language": "en"}, "name": "plain"}},
            "a/b": [{"c~": {"@value": "x"}}]
        });
        assert_eq!(
            value_object_members(&v),
            vec!["/name", "/credentialSubject/achievement/description", "/a~1b/0/c~0"]
        );
        assert!(value_object_members(&json!({"name": "A"})).is_empty());
    }

    #[test]
    fn an_achievement_s_translations_are_its_related_entries() {
        let a = json!({
            "name": "Data Literacy",
            "inLanguage": "en",
            "related": [
                {"id": "https://x.org/a#zh-Hans", "type": ["Related"], "inLanguage": "zh-Hans", "name": "数据素养"},
                {"id": "https://x.org/other", "type": ["Related"]}
            ]
        });
        let all = achievement_texts(&a, "name");
        assert_eq!(best(&all, "zh-CN").map(|t| t.value.as_str()), Some("数据素养"));
        assert_eq!(best(&all, "en").and_then(|t| t.language.as_deref()), Some("en"));
        assert_eq!(best(&all, "fr").map(|t| t.value.as_str()), Some("Data Literacy"), "the first");
        assert!(achievement_texts(&a, "description").is_empty());
        // Without inLanguage the achievement's own text says no language.
        let plain = json!({"name": "Data Literacy"});
        assert_eq!(
            achievement_texts(&plain, "name"),
            vec![Tagged { value: "Data Literacy".into(), language: None }]
        );
        // Language value objects, as older awards have them.
        let older = json!({"name": [{"@value": "Data", "@language": "en"}, {"@value": "数据", "@language": "zh-Hans"}]});
        assert_eq!(
            best(&achievement_texts(&older, "name"), "zh-Hans").map(|t| t.value.as_str()),
            Some("数据")
        );
    }
}
