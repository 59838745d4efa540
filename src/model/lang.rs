//! Language-tagged text. VC 2.0 §Names and Descriptions lets `name` and `description` be a
//! plain string, a value object (`{"@value": "…", "@language": "zh-Hans"}`) or an array of
//! them; rosette picks the best match for a page's language.

use serde_json::Value;

/// One text in one (or no) language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tagged {
    pub value: String,
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
    let all = texts(v);
    let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    let want = primary(language);
    all.iter()
        .find(|t| t.language.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(language)))
        .or_else(|| all.iter().find(|t| t.language.as_deref().is_some_and(|l| primary(l) == want)))
        .or_else(|| all.iter().find(|t| t.language.is_none()))
        .or_else(|| all.first())
        .map(|t| t.value.clone())
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
}
