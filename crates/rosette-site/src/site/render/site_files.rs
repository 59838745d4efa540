//! The files a site has once: its DID document and key history, its status lists (with their
//! canonical forms for the page's check), the theme's scripts and styles, and the host files
//! (`_headers`, `.nojekyll`).

use super::super::library::Library;
use super::super::output::Output;
use super::super::paths::OutPath;
use super::pages::{VERIFY_STRINGS, verify_strings};
use crate::config::Config;
use crate::error::SiteError;
use crate::templates::Theme;
use std::collections::BTreeMap;

/// Writes every file of this module's kinds.
pub(super) fn write(
    config: &Config,
    library: &Library<'_>,
    theme: &Theme,
    t: &BTreeMap<String, String>,
    out: &dyn Output,
) -> Result<(), SiteError> {
    out.write(&did_json_path(config), &library.did_json)?;
    out.write(&keys_json_path(config), &library.keys_json)?;
    for list in &library.status_lists {
        out.write(&list.path, &list.bytes)?;
        if let Some((doc, proof)) = canonical_paths(&list.path, list.signed.as_ref())?
            && let Some(signed) = &list.signed
        {
            out.write(&doc, signed.canonical_document.as_bytes())?;
            out.write(&proof, signed.canonical_proof_config.as_bytes())?;
        }
    }
    for (name, bytes) in &theme.statics {
        let at = OutPath::new(&format!("assets/{name}")).map_err(SiteError::invalid)?;
        match name.ends_with(".js").then(|| super::super::script::strip(bytes)).flatten() {
            Some(stripped) => out.write(&at, &stripped)?,
            None => out.write(&at, bytes)?,
        }
    }
    // The check's strings are one more asset, unless the theme ships its own.
    if !theme.statics.contains_key(VERIFY_STRINGS) {
        let at = OutPath::new(&format!("assets/{VERIFY_STRINGS}")).map_err(SiteError::invalid)?;
        out.write(&at, &verify_strings(t)?)?;
    }
    out.write(&OutPath::fixed("_headers"), headers(config).as_bytes())?;
    out.write(&OutPath::fixed(".nojekyll"), b"")
}

/// The paths of a status list's two canonical forms beside its JSON, when its suite is
/// `eddsa-rdfc-2022`: a handful of files for the whole site, which every page's check reads.
fn canonical_paths(
    json: &OutPath,
    signed: Option<&crate::integrity::Verified>,
) -> Result<Option<(OutPath, OutPath)>, SiteError> {
    if signed.is_none_or(|s| s.suite != crate::integrity::Cryptosuite::EddsaRdfc2022) {
        return Ok(None);
    }
    let stem = json.as_str().strip_suffix(".json").unwrap_or(json.as_str());
    let doc = OutPath::new(&format!("{stem}.nq")).map_err(SiteError::invalid)?;
    let proof = OutPath::new(&format!("{stem}.proof.nq")).map_err(SiteError::invalid)?;
    Ok(Some((doc, proof)))
}

/// `keys.json` beside did.json: each key's status and dates, which did.json cannot carry
/// without making verifiers reject old badges. The badge page uses it to refuse a proof made
/// after its key was retired.
pub fn keys_json_path(config: &Config) -> OutPath {
    let did = did_json_path(config);
    OutPath::new(&did.as_str().replace("did.json", "keys.json"))
        .unwrap_or_else(|_| OutPath::fixed("keys.json"))
}

/// Where did:web puts the DID document: `/.well-known/did.json` for a bare host,
/// `<path>/did.json` when `base_url` has a path.
pub fn did_json_path(config: &Config) -> OutPath {
    if config.did().matches(':').count() > 2 {
        OutPath::fixed("did.json")
    } else {
        OutPath::fixed(".well-known/did.json")
    }
}

/// `_headers` for Netlify and Cloudflare Pages: did.json as `application/did+ld+json`, N-Quads
/// as `application/n-quads`, credentials and their N-Quads readable from other origins
/// (badge pages on copies of the site, verifiers, wallets), and status lists revalidated on
/// every read, so that a revocation shows at once. `docs/nginx.conf` says the same to nginx
/// (`tests/integration/hosts.rs` holds them to it).
///
/// Each header is set by one rule only for any path: Cloudflare Pages joins the values of a
/// header that two matching rules set (`*, *`, which browsers refuse as CORS), so did.json
/// takes its `Access-Control-Allow-Origin` from the `*.json` rule.
pub(super) fn headers(config: &Config) -> String {
    let path = super::super::links::url_path(&config.base_url);
    let did = did_json_path(config);
    format!(
        "# Read by Netlify and Cloudflare Pages; written by `rosette build`.\n\
         {path}{did}\n  Content-Type: application/did+ld+json\n\
         {path}*.json\n  Access-Control-Allow-Origin: *\n\
         {path}*.nq\n  Content-Type: application/n-quads; charset=utf-8\n  Access-Control-Allow-Origin: *\n\
         {path}status/*\n  Cache-Control: no-cache\n",
        did = did.as_str()
    )
}
