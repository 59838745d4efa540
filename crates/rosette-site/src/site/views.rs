//! Views: the small structs templates receive. Built from the library; never a domain type
//! with everything in it, never a key. Every string here is plain text (tera escapes it),
//! except fields named `*_html`, which come from the sanitizing Markdown renderer.

use super::library::{Achievement, Award, Library, Source};
use crate::config::Config;
use crate::markdown::{is_safe_url, to_safe_html};
use crate::model::lang::{Tagged, achievement_texts, best, in_achievement_language, pick, primary, texts};
use crate::model::ob;
use crate::verify::{CheckName, State};
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Serialize)]
pub struct SiteView {
    pub title: String,
    pub base_url: String,
    pub language: String,
    pub did: String,
    /// The host of `base_url` (with its port, if any): the domain whose did.json vouches for
    /// the site's badges, which a visitor compares with the address bar. `https://` and it is
    /// the one other origin a page's check may read from.
    pub domain: String,
    /// `[privacy] list_recipients`: lists name recipients only when the issuer opts in.
    pub list_recipients: bool,
    pub issuer: IssuerView,
}

#[derive(Debug, Serialize)]
pub struct IssuerView {
    pub name: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub image: Option<String>,
    pub description_html: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImageView {
    pub url: String,
    pub alt: String,
}

#[derive(Debug, Serialize)]
pub struct LinkView {
    pub name: String,
    pub url: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct EvidenceView {
    pub name: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub narrative_html: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AchievementView {
    pub name: String,
    pub url: String,
    pub path: String,
    pub description: String,
    pub criteria_html: Option<String>,
    pub criteria_url: Option<String>,
    pub image: Option<ImageView>,
    pub kind: Option<String>,
    /// The OB 3.0 `achievementType` itself (`MicroCredential`), for a translated label.
    pub kind_key: Option<String>,
    pub human_code: Option<String>,
    pub field_of_study: Option<String>,
    pub credits: Option<String>,
    pub tags: Vec<String>,
    pub alignments: Vec<LinkView>,
    /// How many awards of it there are: on the index, issuer and achievement pages only.
    /// Badge pages do not get it, so that adding an award re-renders none of its siblings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award_count: Option<usize>,
    /// The language of `name`, `description` and the criteria when the credential tags them
    /// with another language than the page's (a `lang` attribute); `None` otherwise.
    pub name_lang: Option<String>,
    pub description_lang: Option<String>,
    pub criteria_lang: Option<String>,
    /// The date the achievement was retired (its file says `retired = …`), written for the
    /// page's language: earlier awards stay valid, no new ones are made.
    pub retired: Option<String>,
    /// The bake bases the site publishes for its image (site-relative: `achievements/<slug>/
    /// bake.png`, `…/bake.svg`), which the badge page's downloads bake the credential into.
    /// Set by the renderer, and on a badge page only when the award states that same image.
    pub bake_png: Option<String>,
    pub bake_svg: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CheckView {
    pub name: &'static str,
    pub state: State,
    /// The interface string naming the state (`state_passed` …).
    pub state_key: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct StatusListView {
    pub url: String,
    pub nquads: bool,
}

#[derive(Debug, Serialize)]
pub struct AwardView {
    pub url: String,
    pub path: String,
    pub json_url: String,
    pub title: String,
    pub recipient: String,
    pub achievement: AchievementView,
    pub issued: Option<String>,
    pub issued_iso: Option<String>,
    pub expires: Option<String>,
    pub expires_iso: Option<String>,
    pub expired: bool,
    pub description: Option<String>,
    pub narrative_html: Option<String>,
    pub evidence: Vec<EvidenceView>,
    pub results: Vec<LinkView>,
    pub credential_id: String,
    pub suite: String,
    pub key_id: String,
    /// The signed credential for a `<script type="application/ld+json">` element: its bytes as
    /// signed when they have no `<`; else escaped (see [`script_json`]), with `jsonld_exact`.
    pub jsonld: String,
    /// The base64 of the credential's exact bytes, when `jsonld` had to be escaped: what
    /// "Download credential" and browser baking use.
    pub jsonld_exact: Option<String>,
    /// Whether `json_url` is published (`[output] credential_files`); else the page's JSON-LD
    /// is the credential.
    pub credential_file: bool,
    /// For `eddsa-rdfc-2022`: what was signed (the canonical document and proof configuration
    /// N-Quads), compressed and in base64 (see `render::canonical_blob`), so that the browser
    /// checks the signature without a request per award.
    pub rdfc: Option<String>,
    pub build_checks: Vec<CheckView>,
    /// `revoked` or `suspended` when the issuer withdrew it (the page stays, and says so).
    pub withdrawn: Option<&'static str>,
    /// The issuer's name as the credential signed it.
    pub issuer_name: Option<String>,
    /// The status lists the credential points to (`nquads`: published with `.nq` files).
    pub status_lists: Vec<StatusListView>,
    pub withdrawn_reason: Option<String>,
    /// The language of the recipient's name and of the credential's description, when tagged
    /// with another language than the page's.
    pub recipient_lang: Option<String>,
    pub description_lang: Option<String>,
}

/// Builds the site-wide view.
pub fn site(config: &Config) -> SiteView {
    SiteView {
        title: config.title.clone(),
        base_url: config.base_url.clone(),
        language: config.language.clone(),
        did: config.did(),
        domain: config.domain().to_string(),
        list_recipients: config.privacy.list_recipients,
        issuer: IssuerView {
            name: config.issuer.name.clone(),
            url: config.issuer.url.clone().filter(|u| is_safe_url(u)),
            email: config.issuer.email.clone(),
            image: config
                .issuer
                .image
                .as_ref()
                .map(|i| absolute(i, &config.base_url))
                .filter(|u| is_safe_url(u)),
            description_html: config.issuer.description.as_deref().map(to_safe_html),
        },
    }
}

fn absolute(url_or_path: &str, base: &str) -> String {
    if url_or_path.contains("://") {
        url_or_path.to_string()
    } else {
        format!("{base}{}", url_or_path.trim_start_matches('/'))
    }
}

/// The language tag of the text [`pick`] chooses for a page in `lang`, when it is tagged and
/// its primary language differs from the page's: what a `lang` attribute must then say.
/// Untagged text gets `None`: its language is not known, so none is claimed.
pub fn other_language(v: Option<&Value>, lang: &str) -> Option<String> {
    other_language_of(&texts(v), lang)
}

/// [`other_language`] among texts already gathered (an achievement's, with its translations).
fn other_language_of(all: &[Tagged], lang: &str) -> Option<String> {
    let tag = best(all, lang)?.language.clone()?;
    (primary(&tag) != primary(lang)).then_some(tag)
}

fn text(v: Option<&Value>, lang: &str) -> Option<String> {
    text_of(&texts(v), lang)
}

fn text_of(all: &[Tagged], lang: &str) -> Option<String> {
    best(all, lang).map(|t| clean_text(&t.value)).filter(|s| !s.is_empty())
}

/// Removes bidirectional-override and other invisible control characters that could make
/// displayed text read differently from what was signed (Trojan Source style).
pub fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !matches!(*c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
                && (!c.is_control() || *c == '\n' || *c == '\t')
        })
        .collect()
}

fn image(image: Option<ob::Image<'_>>, fallback_alt: &str) -> Option<ImageView> {
    let image = image?;
    let url = image.id().filter(|u| is_safe_url(u))?.to_string();
    let alt = image.caption().and_then(|c| pick(Some(c), "en")).unwrap_or_else(|| fallback_alt.to_string());
    Some(ImageView { url, alt: clean_text(&alt) })
}

fn safe_url(url: Option<&str>) -> Option<String> {
    url.filter(|u| is_safe_url(u)).map(str::to_string)
}

/// A date for people: `31 January 2024` in English, `2024年1月31日` in Chinese.
pub fn human_date(d: DateTime<Utc>, lang: &str) -> String {
    if lang.starts_with("zh") {
        format!("{}年{}月{}日", d.year(), d.month(), d.day())
    } else {
        d.format("%-d %B %Y").to_string()
    }
}

pub fn achievement(a: &Achievement, base: &str, lang: &str) -> AchievementView {
    AchievementView { award_count: Some(a.awards.len()), ..achievement_as_stated(a, &a.value, base, lang) }
}

/// The achievement as one credential states it (an older award may word it differently from
/// the newest), with the achievement page's address.
pub fn achievement_as_stated(a: &Achievement, v: &Value, base: &str, lang: &str) -> AchievementView {
    // Its name and description in the page's language: its own text, or a translation from
    // `related` (OB 3.0 `Related` with `inLanguage`), or language value objects in older awards.
    let names = achievement_texts(v, "name");
    let descriptions = achievement_texts(v, "description");
    let name = text_of(&names, lang).unwrap_or_else(|| "Untitled achievement".into());
    let stated = ob::Achievement::new(v);
    let criteria = stated.criteria();
    // The criteria are in the achievement's language too (`inLanguage`), unless tagged.
    let narratives = in_achievement_language(v, texts(criteria.and_then(|c| c.narrative())));
    AchievementView {
        url: format!("{base}{}/", a.page.as_str()),
        path: format!("{}/", a.page.as_str()),
        description: text_of(&descriptions, lang).unwrap_or_default(),
        criteria_html: best(&narratives, lang).map(|n| to_safe_html(&n.value)),
        criteria_url: safe_url(criteria.and_then(|c| c.id())),
        image: image(stated.image(), &name),
        kind: stated.achievement_type().map(split_camel),
        kind_key: stated
            .achievement_type()
            .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric()))
            .map(str::to_string),
        human_code: text(stated.human_code(), lang),
        field_of_study: text(stated.field_of_study(), lang),
        credits: stated.credits_available().map(|c| format!("{c}")),
        tags: stated.tags().into_iter().map(clean_text).collect(),
        alignments: stated
            .alignments()
            .into_iter()
            .map(|al| LinkView {
                name: text(al.target_name(), lang).unwrap_or_default(),
                url: safe_url(al.target_url()),
                detail: [text(al.target_framework(), lang), text(al.target_code(), lang)]
                    .into_iter()
                    .flatten()
                    .reduce(|a, b| format!("{a} · {b}")),
            })
            .collect(),
        award_count: None,
        name_lang: other_language_of(&names, lang),
        description_lang: other_language_of(&descriptions, lang),
        criteria_lang: other_language_of(&narratives, lang),
        bake_png: None,
        bake_svg: None,
        retired: a.retired.map(|d| human_date(d, lang)),
        name,
    }
}

fn split_camel(s: &str) -> String {
    let s = s.strip_prefix("ext:").unwrap_or(s);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    clean_text(&out)
}

/// The view of one award, from its credential as read again for rendering.
pub fn award(
    award: &Award<'_>,
    source: &Source,
    library: &Library<'_>,
    config: &Config,
    now: DateTime<Utc>,
) -> AwardView {
    let lang = config.language.as_str();
    let base = config.base_url.as_str();
    let c = &source.credential.value;
    let credential = ob::AchievementCredential::new(c);
    let subject = credential.subject();
    // A badge page shows what its own credential signed, never another award's wording.
    let achievement = library
        .achievements
        .get(&award.achievement)
        .map(|a| achievement_as_stated(a, subject.achievement().json(), base, lang))
        .unwrap_or_else(|| unreachable_achievement(base));
    let issuer_name = text(credential.issuer_name(), lang);
    let status_lists = credential
        .status_list_urls()
        .into_iter()
        .map(|url| StatusListView {
            url: url.to_string(),
            nquads: library.status_lists.iter().any(|l| {
                l.signed.as_ref().is_some_and(|s| s.suite == crate::integrity::Cryptosuite::EddsaRdfc2022)
                    && url == format!("{base}{}", l.path.as_str())
            }),
        })
        .collect();
    let recipient = text(subject.name(), lang).unwrap_or_else(|| "the recipient".into());
    let until = award.valid_until;
    let proof = crate::integrity::proofs(c).into_iter().next();
    let proof_str =
        |k: &str| proof.and_then(|p| p.get(k)).and_then(Value::as_str).unwrap_or_default().to_string();
    AwardView {
        url: format!("{base}{}/", award.page.as_str()),
        path: format!("{}/", award.page.as_str()),
        json_url: format!("{base}{}", award.json().as_str()),
        title: format!("{recipient} — {}", achievement.name),
        issued: award.valid_from.map(|d| human_date(d, lang)),
        issued_iso: award.valid_from.map(crate::model::date::format_date_time),
        expires: until.map(|d| human_date(d, lang)),
        expires_iso: until.map(crate::model::date::format_date_time),
        expired: until.is_some_and(|u| u < now),
        description: text(credential.description(), lang),
        narrative_html: pick(subject.narrative(), lang).map(|n| to_safe_html(&n)),
        evidence: credential
            .evidence()
            .into_iter()
            .map(|e| EvidenceView {
                name: text(e.name(), lang),
                url: safe_url(e.id()),
                description: text(e.description(), lang),
                narrative_html: pick(e.narrative(), lang).map(|n| to_safe_html(&n)),
            })
            .collect(),
        results: subject
            .results()
            .into_iter()
            .map(|r| LinkView {
                name: text(r.value(), lang).or_else(|| text(r.status(), lang)).unwrap_or_default(),
                url: None,
                // The name of the ResultDescription the result points to, if the achievement has it.
                detail: r
                    .result_description()
                    .and_then(|id| subject.achievement().result_description(id))
                    .and_then(|d| text(d.name(), "en")),
            })
            .collect(),
        credential_id: source.credential.id().unwrap_or_default().to_string(),
        suite: if proof_str("cryptosuite").is_empty() { proof_str("type") } else { proof_str("cryptosuite") },
        key_id: proof_str("verificationMethod"),
        jsonld: script_json(&source.bytes).0,
        jsonld_exact: script_json(&source.bytes).1,
        credential_file: config.output.credential_files,
        rdfc: None,
        build_checks: award
            .verdict
            .checks
            .iter()
            .filter(|ch| ch.check != CheckName::Format)
            .map(|ch| CheckView {
                name: ch.check.label(),
                state: ch.state,
                state_key: format!(
                    "state_{}",
                    serde_json::to_value(ch.state)
                        .ok()
                        .and_then(|v| v.as_str().map(|s| s.replace('-', "_")))
                        .unwrap_or_default()
                ),
                message: ch.message.replace('`', ""),
            })
            .collect(),
        withdrawn: award.withdrawn.as_ref().map(|w| w.why.as_str()),
        issuer_name,
        status_lists,
        withdrawn_reason: award.withdrawn.as_ref().and_then(|w| w.reason.as_deref()).map(clean_text),
        recipient_lang: other_language(subject.name(), lang),
        description_lang: other_language(credential.description(), lang),
        recipient,
        achievement,
    }
}

fn unreachable_achievement(base: &str) -> AchievementView {
    AchievementView {
        name: String::new(),
        url: base.to_string(),
        path: String::new(),
        description: String::new(),
        criteria_html: None,
        criteria_url: None,
        image: None,
        kind: None,
        kind_key: None,
        human_code: None,
        field_of_study: None,
        credits: None,
        tags: Vec::new(),
        alignments: Vec::new(),
        award_count: None,
        name_lang: None,
        description_lang: None,
        criteria_lang: None,
        retired: None,
        bake_png: None,
        bake_svg: None,
    }
}

/// The credential's bytes made safe inside `<script type="application/ld+json">`: every `<`
/// (which JSON only allows inside strings) becomes `\u003c`, so `</script>` and `<!--` cannot
/// end or alter the element, and `JSON.parse` gives back exactly the signed value.
pub fn script_safe_json(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().replace('<', "\\u003c")
}

/// The credential for the page's `<script type="application/ld+json">`, and the base64 of its
/// exact bytes when the text is not them. Without a `<` the bytes are embedded as signed (an
/// HTML parser gives them back unchanged in `textContent`), so the page itself carries the
/// credential file; with one, the escaped text parses to the same value and the exact bytes
/// ride along.
pub fn script_json(bytes: &[u8]) -> (String, Option<String>) {
    use base64::Engine as _;
    // An HTML parser turns CR LF into LF in the element's text: such bytes ride along too.
    if bytes.iter().any(|b| *b == b'<' || *b == b'\r') {
        (script_safe_json(bytes), Some(base64::engine::general_purpose::STANDARD.encode(bytes)))
    } else {
        (String::from_utf8_lossy(bytes).into_owned(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_json_parses_to_the_same_value() {
        let raw = br#"{"name": "</script><script>alert(1)</script><!-- x", "n": 1}"#;
        let safe = script_safe_json(raw);
        assert!(!safe.contains("</script") && !safe.contains("<!--"));
        let a: Value = serde_json::from_slice(raw).expect("raw");
        let b: Value = serde_json::from_str(&safe).expect("safe");
        assert_eq!(a, b);
    }

    #[test]
    fn bidi_overrides_are_removed_from_displayed_text() {
        assert_eq!(clean_text("Alice\u{202E}evil\u{202C} Smith"), "Aliceevil Smith");
    }

    #[test]
    fn dates_read_naturally() {
        let d = crate::model::date::parse_date_time("2024-01-31T23:30:00Z").expect("date");
        assert_eq!(human_date(d, "en"), "31 January 2024");
        assert_eq!(human_date(d, "zh-Hans"), "2024年1月31日");
    }

    #[test]
    fn text_in_another_language_says_which() {
        let both = serde_json::json!([
            {"@value": "Data Literacy", "@language": "en"},
            {"@value": "数据素养", "@language": "zh-Hans"}
        ]);
        assert_eq!(other_language(Some(&both), "en"), None, "the page's own language");
        assert_eq!(other_language(Some(&both), "zh-Hans"), None);
        let chinese_only = serde_json::json!({"@value": "数据素养", "@language": "zh-Hans"});
        assert_eq!(other_language(Some(&chinese_only), "en").as_deref(), Some("zh-Hans"));
        assert_eq!(other_language(Some(&chinese_only), "zh-CN"), None, "same primary language");
        let english_only = serde_json::json!([{"@value": "Data Literacy", "@language": "en-GB"}]);
        assert_eq!(other_language(Some(&english_only), "zh-Hans").as_deref(), Some("en-GB"));
        assert_eq!(other_language(Some(&serde_json::json!("李思远")), "en"), None, "untagged: not known");
    }
}
