//! What an earner takes away from a badge page: the badge image with the credential baked in
//! (PNG and SVG), a link-preview card, a QR code, LinkedIn "Add to profile" and share links,
//! and embed snippets.
//!
//! The award page is the unit: by default an award makes no file here. The QR code is inlined
//! in its page, the preview card is its achievement's (or the shared card of withdrawn awards),
//! and baked images are made from its achievement's image in the visitor's browser. Only the
//! opt-in per-award card (`[preview] per_award`) is a file, named by its content hash.
//!
//! Baked images are not published per award either: each achievement publishes its bake
//! bases once ([`BakeBases`]), which the badge page's downloads and `rosette bake` fill with
//! the award's credential (`crate::bake::base`).

use super::library::Award;
use super::paths::OutPath;
use super::views::AchievementView;
use crate::bake::BakeError;
use crate::card::Withdrawal;
use crate::config::Config;
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

/// Files made for one award, and the view of them for the template.
pub struct EarnerFiles {
    /// Each file's path and bytes, and its content hash when making it took one.
    pub files: Vec<(OutPath, Vec<u8>, Option<String>)>,
    pub view: EarnerView,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct EarnerView {
    pub card_url: Option<String>,
    pub card_alt: String,
    /// The QR code of the page's URL, inlined in the page.
    pub qr: Option<crate::qr::QrPath>,
    pub linkedin_add: String,
    pub linkedin_fields: Vec<(String, String)>,
    pub share_linkedin: String,
    pub share_x: String,
    pub share_facebook: String,
    pub share_email: String,
    pub embed_html: String,
    pub embed_markdown: String,
    pub embed_iframe: String,
}

/// Percent-encoding for query values (RFC 3986 unreserved characters kept).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// LinkedIn's "Add to profile" link. Months are 1–12 and taken in UTC, so a badge issued at
/// 23:30 on 31 January in New York shows February, as the credential's instant is.
pub fn linkedin_add_url(
    name: &str,
    config: &Config,
    issued: Option<chrono::DateTime<chrono::Utc>>,
    expires: Option<chrono::DateTime<chrono::Utc>>,
    cert_url: &str,
    cert_id: &str,
) -> (String, Vec<(String, String)>) {
    let mut fields: Vec<(String, String)> =
        vec![("startTask".into(), "CERTIFICATION_NAME".into()), ("name".into(), name.into())];
    match &config.linkedin.organization_id {
        Some(id) => fields.push(("organizationId".into(), id.clone())),
        None => fields.push(("organizationName".into(), config.issuer.name.clone())),
    }
    if let Some(d) = issued {
        fields.push(("issueYear".into(), d.year().to_string()));
        fields.push(("issueMonth".into(), d.month().to_string()));
    }
    if let Some(d) = expires {
        fields.push(("expirationYear".into(), d.year().to_string()));
        fields.push(("expirationMonth".into(), d.month().to_string()));
    }
    fields.push(("certUrl".into(), cert_url.into()));
    fields.push(("certId".into(), cert_id.into()));
    let query: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
    (format!("https://www.linkedin.com/profile/add?{}", query.join("&")), fields)
}

/// The URL of an achievement's image (`image` or `image.id`), as the credential states it.
pub fn image_url(achievement: &serde_json::Value) -> Option<&str> {
    achievement.get("image").and_then(|i| i.get("id").or(Some(i))).and_then(serde_json::Value::as_str)
}

/// An achievement image made ready once per build for every award that shows it: the PNG to
/// bake (an SVG rasterized once, not once per award) and the preview card's background.
pub struct PreparedImage {
    /// The image as published, when it is an SVG (baked as SVG too).
    pub svg: Option<Vec<u8>>,
    /// The PNG to bake.
    pub png: Option<Vec<u8>>,
    /// The card background with this image, when it renders.
    pub background: Option<crate::card::Background>,
    /// The hash of the image's bytes (part of cache keys).
    pub hash: String,
}

impl PreparedImage {
    /// Prepares `image` (the achievement image's bytes when this site publishes it).
    pub fn new(image: Option<&[u8]>) -> PreparedImage {
        let format = image.and_then(crate::bake::ImageFormat::sniff);
        let (svg, png) = match (image, format) {
            (Some(bytes), Some(crate::bake::ImageFormat::Svg)) => {
                (Some(bytes.to_vec()), crate::card::svg_to_png(bytes, 600).ok())
            }
            (Some(bytes), Some(crate::bake::ImageFormat::Png)) => (None, Some(bytes.to_vec())),
            _ => (None, None),
        };
        let background =
            crate::card::Background::new(None, png.as_deref().map(|b| (b, crate::card::ImageKind::Png))).ok();
        PreparedImage { svg, png, background, hash: super::cache::hash(image.unwrap_or_default()) }
    }

    /// The PNG bake base (`crate::bake::base::png_base`) of this image, when it has a PNG form.
    pub fn png_base(&self) -> Option<Result<Vec<u8>, BakeError>> {
        self.png.as_deref().map(crate::bake::base::png_base)
    }

    /// The SVG bake template (`crate::bake::base::svg_template`), when the image is an SVG.
    pub fn svg_template(&self) -> Option<Result<String, BakeError>> {
        let svg = self.svg.as_deref()?;
        Some(
            std::str::from_utf8(svg)
                .map_err(|_| BakeError::SvgNotUtf8)
                .and_then(crate::bake::base::svg_template),
        )
    }
}

/// An achievement's bake bases, made once per build from its prepared image and published in
/// its page's directory: `bake.png` and, for an SVG image, `bake.svg`.
pub struct BakeBases {
    /// The URL of the image they are made from.
    pub image_url: String,
    pub png: Option<(OutPath, Vec<u8>)>,
    pub svg: Option<(OutPath, String)>,
}

impl BakeBases {
    /// The bases of the achievement whose page is `page` (`achievements/<slug>`) and whose
    /// image, at `image_url`, is `image`. An image that cannot be baked (an Open Badges 2.0
    /// image, say) gets no base, and its awards no download, as before it got no baked file.
    pub fn new(page: &OutPath, image_url: &str, image: &PreparedImage) -> BakeBases {
        let path = |name: &str| OutPath::new(&format!("{}/{name}", page.as_str())).ok();
        BakeBases {
            image_url: image_url.to_string(),
            png: image.png_base().and_then(Result::ok).and_then(|b| Some((path("bake.png")?, b))),
            svg: image.svg_template().and_then(Result::ok).and_then(|t| Some((path("bake.svg")?, t))),
        }
    }

    /// The files to publish: path and bytes.
    pub fn files(&self) -> impl Iterator<Item = (&OutPath, &[u8])> {
        let png = self.png.iter().map(|(p, b)| (p, b.as_slice()));
        png.chain(self.svg.iter().map(|(p, t)| (p, t.as_bytes())))
    }

    /// Names the bases in `view` when it shows the image they are made from: an older award
    /// that states another image gets no download rather than a badge of the wrong picture.
    pub fn show(&self, view: &mut AchievementView) {
        if view.image.as_ref().is_some_and(|i| i.url == self.image_url) {
            view.bake_png = self.png.as_ref().map(|(p, _)| p.as_str().to_string());
            view.bake_svg = self.svg.as_ref().map(|(p, _)| p.as_str().to_string());
        }
    }
}

/// Everything an award's earner files and links are made from, besides the site's
/// configuration and its achievement's prepared image (each hashed whole). The memo keys the
/// files by the hash of exactly this, and [`make`] and [`view`] read nothing else of the
/// award: an input added here is in the key, so a new per-award output cannot be reused stale.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Inputs<'a> {
    /// The award's directory (`awards/2024-0001`), where its files go.
    pub dir: &'a str,
    #[serde(serialize_with = "date_time")]
    pub valid_from: Option<DateTime<Utc>>,
    #[serde(serialize_with = "date_time")]
    pub valid_until: Option<DateTime<Utc>>,
    /// Revoked or suspended: the card and its text say so.
    pub withdrawal: Option<Withdrawal>,
    pub page_url: &'a str,
    pub achievement: &'a str,
    pub recipient: &'a str,
    /// The achievement's image as published, which the embed snippets show.
    pub image_url: Option<&'a str>,
    /// The shared preview card of the award's page (its achievement's, or the withdrawn card)
    /// when it has no card of its own.
    pub shared_card: Option<&'a str>,
}

fn date_time<S: serde::Serializer>(d: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.map(crate::model::date::format_date_time).unwrap_or_default())
}

impl<'a> Inputs<'a> {
    /// The inputs of `award`'s earner files, from its page's view.
    pub fn of(award: &'a Award<'_>, view: &'a super::views::AwardView, shared_card: Option<&'a str>) -> Self {
        Inputs {
            dir: award.page.as_str(),
            valid_from: award.valid_from,
            valid_until: award.valid_until,
            withdrawal: withdrawal(award),
            page_url: &view.url,
            achievement: &view.achievement.name,
            recipient: &view.recipient,
            image_url: view.achievement.image.as_ref().map(|i| i.url.as_str()),
            shared_card,
        }
    }
}

/// Makes an award's earner files, with its achievement's prepared image.
pub fn make(inputs: &Inputs<'_>, config: &Config, image: &PreparedImage) -> EarnerFiles {
    let Inputs { achievement, recipient, dir, .. } = *inputs;
    let mut files = Vec::new();
    let path = |name: &str| OutPath::new(&format!("{dir}/{name}")).ok();

    // A card with the recipient's name only when the issuer opts in; a withdrawn award shows
    // the shared card that says so.
    if config.preview.per_award && inputs.withdrawal.is_none() {
        let issued =
            inputs.valid_from.map(|d| super::views::human_date(d, &config.language)).unwrap_or_default();
        let card = crate::card::Card {
            recipient: recipient.to_string(),
            achievement: achievement.to_string(),
            issuer: config.issuer.name.clone(),
            date: issued,
            // The background already holds the image and the default accent.
            image: None,
            accent: None,
            language: config.language.clone(),
            withdrawn: None,
        };
        if let Some(Ok(png)) = image.background.as_ref().map(|b| crate::card::render_card_on(b, &card)) {
            // Named by its content hash, which the cache then keeps the card under.
            let hash = super::cache::hash(&png);
            let name = format!("card-{}.png", &hash[..12]);
            if let Some(p) = path(&name) {
                files.push((p, png, Some(hash)));
            }
        }
    }
    let names: Vec<&str> =
        files.iter().map(|(p, _, _)| p.as_str().rsplit('/').next().unwrap_or_default()).collect();
    let view = view(inputs, config, &names);
    EarnerFiles { files, view }
}

/// The view of an award's earner files, from the names of the files made (`card-<hash>.png`):
/// what the incremental cache keeps of them.
pub fn view(inputs: &Inputs<'_>, config: &Config, names: &[&str]) -> EarnerView {
    let Inputs { page_url, achievement, recipient, image_url, shared_card, dir, .. } = *inputs;
    let mut view = EarnerView { qr: crate::qr::qr_path(page_url).ok(), ..EarnerView::default() };
    for name in names {
        match *name {
            card if card.starts_with("card-") => {
                view.card_url = Some(format!("{}{dir}/{card}", config.base_url));
            }
            _ => {}
        }
    }
    let issuer = &config.issuer.name;
    // The alt text says what the card shows: the shared card of a withdrawn award names only the
    // issuer and what happened; an achievement's card, no recipient.
    let own_card = view.card_url.is_some();
    if !own_card {
        view.card_url = shared_card.map(str::to_string);
    }
    view.card_alt = match inputs.withdrawal {
        Some(Withdrawal::Revoked) => format!("Revoked by {issuer}"),
        Some(Withdrawal::Suspended) => format!("Suspended by {issuer}"),
        None if own_card => format!("{recipient} earned {achievement}, issued by {issuer}"),
        None => format!("{achievement}, issued by {issuer}"),
    };

    let cert_id = dir.rsplit('/').next().unwrap_or_default().to_string();
    let (add, fields) =
        linkedin_add_url(achievement, config, inputs.valid_from, inputs.valid_until, page_url, &cert_id);
    view.linkedin_add = add;
    view.linkedin_fields = fields.into_iter().filter(|(k, _)| k != "startTask").collect();
    let text = format!("I earned {achievement} from {}", config.issuer.name);
    view.share_linkedin = format!("https://www.linkedin.com/sharing/share-offsite/?url={}", enc(page_url));
    view.share_x = format!("https://twitter.com/intent/tweet?text={}&url={}", enc(&text), enc(page_url));
    view.share_facebook = format!("https://www.facebook.com/sharer/sharer.php?u={}", enc(page_url));
    view.share_email = format!("mailto:?subject={}&body={}", enc(&text), enc(&format!("{text}: {page_url}")));
    let alt = format!("{achievement} — {}", config.issuer.name);
    let escaped = alt.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    // Without a badge image, a text link: never an `<img src="">` or an empty Markdown image.
    // The image as published (a URL the view has checked: http(s), no space, quote or angle
    // bracket), escaped for an HTML attribute and for a Markdown link destination.
    match image_url {
        Some(img) => {
            let html_img = img.replace('&', "&amp;");
            view.embed_html = format!(
                "<a href=\"{page_url}\"><img src=\"{html_img}\" alt=\"{escaped}\" width=\"120\" height=\"120\"></a>"
            );
            let md_img = img.replace('(', "%28").replace(')', "%29");
            view.embed_markdown = format!("[![{}]({md_img})]({page_url})", alt.replace(['[', ']'], ""));
        }
        None => {
            view.embed_html = format!("<a href=\"{page_url}\">{escaped}</a>");
            view.embed_markdown = format!("[{}]({page_url})", alt.replace(['[', ']'], ""));
        }
    }
    // One embed page for the whole site shows the award its fragment names (never sent to the
    // server, so any static host serves it).
    view.embed_iframe = format!(
        "<iframe src=\"{}embed/#{dir}\" width=\"360\" height=\"350\" style=\"border:0\" title=\"{escaped}\"></iframe>",
        config.base_url
    );
    view
}

/// How the card and its text tell a revoked or suspended award (its status flag, typed).
pub fn withdrawal(award: &Award<'_>) -> Option<Withdrawal> {
    award.withdrawn.as_ref().map(|w| w.why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linkedin_months_are_one_based_and_utc() {
        let config = crate::config::Config::parse(
            "base_url = \"https://x.org/\"\ntitle = \"t\"\n[issuer]\nname = \"Example U\"\n[[keys]]\nid = \"key-1\"\npublic_key = \"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\"\n",
        )
        .expect("config");
        let issued = crate::model::date::parse_date_time("2024-01-31T23:30:00-05:00");
        let (url, _) = linkedin_add_url("Data & AI", &config, issued, None, "https://x.org/awards/a/", "a");
        assert!(url.contains("issueYear=2024&issueMonth=2"), "{url}");
        assert!(url.contains("name=Data%20%26%20AI"), "{url}");
        assert!(url.contains("organizationName=Example%20U"), "{url}");
        assert!(url.contains("certUrl=https%3A%2F%2Fx.org%2Fawards%2Fa%2F"), "{url}");
    }
}
