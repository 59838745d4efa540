//! Link-preview cards (`og:image`): one per achievement, and one per kind of withdrawal for the
//! whole site, never one per award unless the issuer asks (`[preview] per_award`).

use super::super::earner::PreparedImage;
use super::super::library::{Award, Library};
use super::super::output::Output;
use super::super::paths::OutPath;
use super::super::views;
use crate::config::Config;
use crate::error::SiteError;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The site's shared link-preview cards, by absolute URL: each achievement's, and one per kind
/// of withdrawal when an award is withdrawn.
#[derive(Debug, Default, Serialize)]
pub(super) struct Cards {
    achievements: BTreeMap<String, String>,
    revoked: Option<String>,
    suspended: Option<String>,
}

impl Cards {
    /// The shared card an award's page points `og:image` at.
    pub(super) fn for_award(&self, award: &Award<'_>) -> Option<&str> {
        match super::super::earner::withdrawal(award) {
            Some(crate::card::Withdrawal::Revoked) => self.revoked.as_deref(),
            Some(crate::card::Withdrawal::Suspended) => self.suspended.as_deref(),
            None => self.achievements.get(&award.achievement).map(String::as_str),
        }
    }
}

/// Renders and writes the shared preview cards (1200×627 PNG, named by content hash so that
/// link-preview caches never keep an old one): an achievement's shows it, its issuer and its
/// image, without a recipient; a withdrawn award's says so and shows no badge as held.
pub(super) fn preview_cards(
    library: &Library<'_>,
    config: &Config,
    images: &HashMap<String, PreparedImage>,
    out: &dyn Output,
) -> Result<Cards, SiteError> {
    let base = config.base_url.as_str();
    let card = |text: String, withdrawn| crate::card::Card {
        recipient: String::new(),
        achievement: text,
        issuer: config.issuer.name.clone(),
        date: String::new(),
        image: None,
        accent: None,
        language: config.language.clone(),
        withdrawn,
    };
    let write = |dir: &str, stem: &str, png: Vec<u8>| -> Result<String, SiteError> {
        let hash = super::super::cache::hash(&png);
        let at = OutPath::new(&format!("{dir}/{stem}-{}.png", &hash[..12])).map_err(SiteError::invalid)?;
        out.write(&at, &png)?;
        Ok(format!("{base}{}", at.as_str()))
    };
    let lang = config.language.as_str();
    let made: Vec<(String, Option<Vec<u8>>)> = library
        .achievements
        .values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|a| {
            let name = views::achievement(a, base, lang).name;
            let background = super::super::earner::image_url(&a.value)
                .and_then(|url| images.get(url))
                .and_then(|i| i.background.as_ref());
            let png = match background {
                Some(b) => crate::card::render_card_on(b, &card(name, None)).ok(),
                None => crate::card::render_card(&card(name, None)).ok(),
            };
            (a.id.clone(), png)
        })
        .collect();
    let mut cards = Cards::default();
    for (id, png) in made {
        if let (Some(png), Some(a)) = (png, library.achievements.get(&id)) {
            cards.achievements.insert(id, write(a.page.as_str(), "card", png)?);
        }
    }
    let text = |key: &str, english: &str| {
        crate::templates::default_string(lang, key).unwrap_or_else(|| english.to_string())
    };
    let withdrawn: Vec<_> = library.awards.iter().filter_map(super::super::earner::withdrawal).collect();
    if withdrawn.contains(&crate::card::Withdrawal::Revoked) {
        let text = text("card_withdrawn_revoked", "This badge was revoked");
        if let Ok(png) = crate::card::render_card(&card(text, Some(crate::card::Withdrawal::Revoked))) {
            cards.revoked = Some(write("cards", "revoked", png)?);
        }
    }
    if withdrawn.contains(&crate::card::Withdrawal::Suspended) {
        let text = text("card_withdrawn_suspended", "This badge is suspended");
        if let Ok(png) = crate::card::render_card(&card(text, Some(crate::card::Withdrawal::Suspended))) {
            cards.suspended = Some(write("cards", "suspended", png)?);
        }
    }
    Ok(cards)
}

/// The bytes of every achievement image this site publishes, by URL.
pub(super) fn image_bytes(
    library: &Library<'_>,
    config: &Config,
    assets: &[super::super::load::Asset],
) -> std::collections::HashMap<String, Vec<u8>> {
    let mut out = std::collections::HashMap::new();
    for a in library.achievements.values() {
        let Some(url) = super::super::earner::image_url(&a.value) else { continue };
        let Some(rel) = url.strip_prefix(config.base_url.as_str()) else { continue };
        if let Some(asset) = assets.iter().find(|x| x.rel == rel)
            && let Ok(bytes) = std::fs::read(&asset.path)
        {
            out.insert(url.to_string(), bytes);
        }
    }
    out
}
