//! The message that tells an earner about an award: RFC 5322, UTF-8, `multipart/alternative`
//! with a plain-text and an HTML part, both from the theme (`notify.txt`, `notify.html`,
//! and the `notify_*` strings of its `i18n/` catalogues), so that an issuer can reword it.
//!
//! Made at award time, the one moment rosette sees a plain address, and filed in the outbox
//! ([`super::outbox`]) with its envelope beside it. The HTML template is autoescaped like every
//! page: a recipient's name is text, never markup.

use crate::config::Config;
use crate::site::earner::linkedin_add_url;
use crate::site::views::{clean_text, human_date};
use crate::templates::{Theme, tera_chain};
use chrono::{DateTime, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use serde::Serialize;
use std::collections::BTreeMap;

/// The templates of the two parts, in the theme's `templates/`.
pub const HTML_TEMPLATE: &str = "notify.html";
pub const TEXT_TEMPLATE: &str = "notify.txt";

/// What one notice says, from the award as `award` makes it.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// The award's file name without `.json`: its page, its LinkedIn `certId`, the message's
    /// name in the outbox.
    pub slug: &'a str,
    /// The recipient's name, as the credential states it.
    pub recipient: &'a str,
    /// Where the notice goes. Used for the envelope and the `To` header only: never a template.
    pub address: &'a str,
    /// The achievement as the signed credential states it (its `name` in the credential's
    /// `achievement`, translations in `related`): the name its page and LinkedIn show.
    pub achievement: &'a serde_json::Value,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// A composed message: its bytes as sent, and its envelope, kept beside it so that sending
/// needs no MIME parsing.
#[derive(Debug, Clone)]
pub struct Composed {
    pub bytes: Vec<u8>,
    pub envelope: Envelope,
}

/// The SMTP envelope of a message (`MAIL FROM`, `RCPT TO`), and its subject for
/// `notify --dry-run` to show without decoding the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
}

/// What the templates see: plain strings (the HTML template escapes them), never an address.
#[derive(Debug, Serialize)]
struct NoticeView {
    recipient: String,
    achievement: String,
    issuer: String,
    issuer_url: Option<String>,
    site_title: String,
    domain: String,
    /// The badge page.
    page_url: String,
    /// LinkedIn "Add to profile", the very link of the badge page.
    linkedin_add: String,
    /// The signed credential file, when the site publishes one (`[output] credential_files`).
    credential_url: Option<String>,
    issued: Option<String>,
    expires: Option<String>,
    language: String,
}

/// Parses a sender (`badges@example.edu` or `Example Badges <badges@example.edu>`).
pub fn parse_sender(text: &str) -> Result<Mailbox, String> {
    text.trim().parse::<Mailbox>().map_err(|_| {
        format!(
            "`from`: `{text}` is not an e-mail address (`name@example.edu`, or `Name <name@example.edu>`)"
        )
    })
}

/// Whether `address` can be a message's recipient (RFC 5322 `addr-spec`, as lettre takes it).
pub fn is_deliverable(address: &str) -> bool {
    address.parse::<lettre::Address>().is_ok()
}

/// The sender of a site's notices: `[notify] from`, else `[issuer] email` with the issuer's
/// name; `None` when the site names neither.
pub fn sender(config: &Config) -> Option<Mailbox> {
    if let Some(from) = &config.notify.from {
        return parse_sender(from).ok();
    }
    let address = config.issuer.email.as_deref()?.parse::<lettre::Address>().ok()?;
    Some(Mailbox::new(Some(config.issuer.name.clone()), address))
}

/// Composes the notices of one site: the theme's templates and strings in the site's
/// language, and its sender.
pub struct Composer<'a> {
    tera: &'a tera::Tera,
    config: &'a Config,
    t: BTreeMap<String, String>,
    from: Mailbox,
}

impl<'a> Composer<'a> {
    /// A composer for `config`'s site with `theme`, or `None` when the site has no sender.
    pub fn new(theme: &'a Theme, config: &'a Config) -> Option<Self> {
        Some(Composer {
            tera: &theme.tera,
            config,
            t: theme.strings(&config.language),
            from: sender(config)?,
        })
    }

    /// The message of `notice`, dated `date`. An error is a template that fails or an address
    /// no message can carry; it names neither the address nor the recipient.
    pub fn compose(&self, notice: &Notice<'_>, date: DateTime<Utc>) -> Result<Composed, String> {
        let config = self.config;
        let lang = config.language.as_str();
        let view = self.view(notice);
        let mut ctx = tera::Context::new();
        ctx.insert("notice", &view);
        ctx.insert("t", &self.t);
        let render = |name: &str| {
            self.tera.render(name, &ctx).map_err(|e| format!("template `{name}` failed: {}", tera_chain(&e)))
        };
        // Without the blank lines a template's opening comment leaves.
        let (text, html) = (
            render(TEXT_TEMPLATE)?.trim_start().to_string(),
            render(HTML_TEMPLATE)?.trim_start().to_string(),
        );
        let subject = fill(
            self.t.get("notify_subject").map(String::as_str).unwrap_or("{achievement}"),
            &[("achievement", &view.achievement), ("issuer", &view.issuer), ("recipient", &view.recipient)],
        );
        let to_address: lettre::Address = notice
            .address
            .parse()
            .map_err(|_| "the e-mail address cannot be a message's recipient".to_string())?;
        let to = Mailbox::new(Some(view.recipient.clone()), to_address.clone());
        let domain =
            crate::config::base_url_host(&config.base_url).split(':').next().unwrap_or("rosette.invalid");
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(&subject))
            .date(date.into())
            // Stable and unique: a second submission of the same notice (`--resend-unconfirmed`)
            // carries the same id, which mail stores use to drop duplicates.
            .message_id(Some(format!("<{}@{domain}>", notice.slug)))
            .raw_header(HeaderValue::new(header("Content-Language"), lang.to_string()))
            // RFC 3834: an automatic notice; out-of-office replies are not to answer it.
            .raw_header(HeaderValue::new(header("Auto-Submitted"), "auto-generated".to_string()))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| format!("the message could not be made: {e}"))?;
        let envelope = Envelope {
            from: self.from.email.to_string(),
            to: vec![to_address.to_string()],
            subject: one_line(&subject),
        };
        Ok(Composed { bytes: message.formatted(), envelope })
    }

    fn view(&self, notice: &Notice<'_>) -> NoticeView {
        let config = self.config;
        let lang = config.language.as_str();
        // The name the badge page shows: the same choice among the credential's texts.
        let names = crate::model::lang::achievement_texts(notice.achievement, "name");
        let achievement = crate::model::lang::best(&names, lang)
            .map(|t| one_line(&clean_text(&t.value)))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Untitled achievement".into());
        let page_url = format!("{}awards/{}/", config.base_url, notice.slug);
        let (linkedin_add, _) = linkedin_add_url(
            &achievement,
            config,
            notice.valid_from,
            notice.valid_until,
            &page_url,
            notice.slug,
        );
        NoticeView {
            recipient: one_line(&clean_text(notice.recipient)),
            issuer: one_line(&clean_text(&config.issuer.name)),
            issuer_url: config.issuer.url.clone().filter(|u| crate::markdown::is_safe_url(u)),
            site_title: one_line(&clean_text(&config.title)),
            domain: config.domain().to_string(),
            credential_url: config
                .output
                .credential_files
                .then(|| format!("{}awards/{}.json", config.base_url, notice.slug)),
            issued: notice.valid_from.map(|d| human_date(d, lang)),
            expires: notice.valid_until.map(|d| human_date(d, lang)),
            language: lang.to_string(),
            achievement,
            page_url,
            linkedin_add,
        }
    }
}

fn header(name: &'static str) -> HeaderName {
    HeaderName::new_from_ascii_str(name)
}

/// `text` on one line: line breaks and tabs become spaces (a name is never a header's end).
fn one_line(text: &str) -> String {
    text.split(['\r', '\n', '\t']).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ").trim().to_string()
}

/// `{name}` in `template` replaced by its value, each once, in one pass: a value that holds
/// `{issuer}` stays as it is.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| {
            let name = &after[..close];
            values.iter().find(|(k, _)| *k == name).map(|(_, v)| (close, *v))
        }) {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "base_url = \"https://badges.example.edu/\"\ntitle = \"Badges\"\n\
        [issuer]\nname = \"Example University\"\nemail = \"badges@example.edu\"\n\
        [[keys]]\nid = \"key-1\"\npublic_key = \"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\"\n";

    fn theme() -> Theme {
        Theme::load(std::path::Path::new("/nonexistent"), "default").expect("the default theme")
    }

    fn notice<'a>(recipient: &'a str, achievement: &'a serde_json::Value) -> Notice<'a> {
        Notice {
            slug: "2026-abcdefghijklmnopqrst",
            recipient,
            address: "ada@example.org",
            achievement,
            valid_from: crate::model::date::parse_date_time("2026-03-01T10:00:00Z"),
            valid_until: None,
        }
    }

    fn text_of(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).expect("a message is ASCII once encoded")
    }

    #[test]
    fn placeholders_are_filled_once_and_unknown_ones_kept() {
        let values = [("achievement", "{issuer}"), ("issuer", "U")];
        assert_eq!(fill("{achievement} from {issuer} {other} {", &values), "{issuer} from U {other} {");
    }

    #[test]
    fn the_sender_is_notify_from_or_the_issuer_s_address_or_none() {
        let config = Config::parse(CONFIG).expect("config");
        assert_eq!(
            sender(&config).map(|m| m.to_string()).as_deref(),
            Some("Example University <badges@example.edu>")
        );
        let own = Config::parse(&format!("{CONFIG}[notify]\nfrom = \"Badges <noreply@example.edu>\"\n"))
            .expect("config");
        assert_eq!(sender(&own).map(|m| m.email.to_string()).as_deref(), Some("noreply@example.edu"));
        let none = Config::parse(&CONFIG.replace("email = \"badges@example.edu\"\n", "")).expect("config");
        assert!(sender(&none).is_none());
        let err =
            Config::parse(&format!("{CONFIG}[notify]\nfrom = \"not an address\"\n")).expect_err("bad from");
        assert!(
            err.to_string().contains("notify: `from`: `not an address` is not an e-mail address"),
            "{err}"
        );
    }

    #[test]
    fn a_notice_is_multipart_alternative_with_an_envelope_and_a_stable_id() {
        let config = Config::parse(CONFIG).expect("config");
        let theme = theme();
        let composer = Composer::new(&theme, &config).expect("a sender");
        let achievement = serde_json::json!({"name": "Data Literacy"});
        let date = crate::model::date::parse_date_time("2026-03-01T10:00:00Z").expect("date");
        let made = composer.compose(&notice("Ada Lovelace", &achievement), date).expect("composed");
        let text = text_of(&made.bytes);
        assert_eq!(
            made.envelope,
            Envelope {
                from: "badges@example.edu".into(),
                to: vec!["ada@example.org".into()],
                subject: "You have earned a badge: Data Literacy".into()
            }
        );
        for want in [
            "Content-Type: multipart/alternative",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Type: text/html; charset=utf-8",
            "Message-ID: <2026-abcdefghijklmnopqrst@badges.example.edu>",
            "Auto-Submitted: auto-generated",
            "Content-Language: en",
            "To: \"Ada Lovelace\" <ada@example.org>",
        ] {
            assert!(text.contains(want), "no `{want}` in\n{text}");
        }
        // The same award composed twice is the same message but for the MIME boundary.
        let again = composer.compose(&notice("Ada Lovelace", &achievement), date).expect("composed");
        assert_eq!(again.envelope, made.envelope);
    }

    #[test]
    fn an_address_no_message_can_carry_is_refused_without_being_named() {
        let config = Config::parse(CONFIG).expect("config");
        let theme = theme();
        let composer = Composer::new(&theme, &config).expect("a sender");
        let achievement = serde_json::json!({"name": "A"});
        let mut bad = notice("Ada", &achievement);
        bad.address = "ada@@example.org";
        let err = composer.compose(&bad, Utc::now()).expect_err("refused");
        assert!(!err.contains("ada@"), "{err}");
        assert!(!is_deliverable("ada@@example.org") && is_deliverable("ada@example.org"));
    }

    #[test]
    fn names_stay_on_one_line() {
        assert_eq!(one_line("Ada\r\nBcc: x@y\tz "), "Ada Bcc: x@y z");
    }
}
