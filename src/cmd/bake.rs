//! `rosette bake`: an award's credential baked into its achievement's image, for issuers who
//! attach badges to e-mails (issue #18).
//!
//! The image is prepared as the build prepares it ([`PreparedImage`]: an SVG rasterized to the
//! same PNG) and baked by filling the same bases the build publishes
//! ([`crate::bake::base`]), so the file is byte for byte what the badge page's download button
//! makes in a browser. The credential baked in is the award's file byte for byte, which
//! `rosette unbake` gives back.

use super::award::IssuingSite;
use crate::bake::base;
use crate::cli::{BakeArgs, BakeFormat};
use crate::error::{CliError, Exit};
use crate::site::earner::{PreparedImage, image_url};
use crate::site::paths::{OutPath, under_base};
use std::path::{Path, PathBuf};

pub fn run(args: &BakeArgs) -> Result<Exit, CliError> {
    let site = IssuingSite::open(&args.root)?;
    let id = super::status::resolve(&site, &args.award)?;
    let award = find(&site, &id)?;
    let file = shown(&award.path);
    // The loader refuses credentials that are not UTF-8; so does baking, which carries text.
    let credential = std::str::from_utf8(&award.bytes)
        .map_err(|e| CliError::invalid(format!("`{file}` is not UTF-8 text")).caused_by(e))?;
    let value: serde_json::Value = serde_json::from_str(credential)
        .map_err(|e| CliError::invalid(format!("`{file}` is not valid JSON")).caused_by(e))?;
    let url = image_url(&value["credentialSubject"]["achievement"]).ok_or_else(|| {
        CliError::invalid(format!("cannot bake `{file}`: its achievement has no image"))
            .hint("give the achievement an `image`: a file under badges/, by its URL under base_url")
    })?;
    let image_path = image_file(&site, url, &file)?;
    let image = PreparedImage::new(Some(&crate::fs::read(&image_path)?));
    let image_shown = shown(&image_path);
    let baked = bake(&image, args.format, credential)
        .map_err(|e| CliError::invalid(format!("cannot bake `{file}` into `{image_shown}`")).caused_by(e))?;
    let extension = match args.format {
        BakeFormat::Png => "png",
        BakeFormat::Svg => "svg",
    };
    let out = args.output.clone().unwrap_or_else(|| PathBuf::from(format!("{}.{extension}", award.name)));
    write(&out, &baked, args.force)?;
    crate::ui::status(format!("baked `{file}` into `{}`", out.display()));
    // Baked all the same (the issuer may have reasons), but its page offers no download.
    let registry = site.registry()?;
    for w in crate::status::Withdrawal::ALL {
        if registry.entry(&id, w.purpose()).is_some_and(|e| e.set) {
            crate::ui::warning(format!(
                "`{id}` is {}: the image carries it, and verifiers will say so",
                w.as_str()
            ));
        }
    }
    Ok(Exit::Ok)
}

/// An award's credential file: where it is, its exact bytes, and the name its page has (the
/// last segment of its address, as the build publishes it), which names the image.
struct AwardFile {
    path: PathBuf,
    bytes: Vec<u8>,
    name: String,
}

/// The credential file of the award `id` (as `status::resolve` gives it): `badges/awards/
/// <slug>.json` for an id under this site's awards, else the file in `badges/awards/` whose
/// `id` it is.
fn find(site: &IssuingSite, id: &str) -> Result<AwardFile, CliError> {
    let dir = site.badges.join("awards");
    let prefix = crate::award::award_id(&site.config, "");
    let named = id.strip_prefix(&prefix).map(|slug| dir.join(format!("{slug}.json")));
    if let Some(path) = named.filter(|p| p.is_file()) {
        let bytes = crate::fs::read(&path)?;
        return Ok(AwardFile { name: page_name(site, id, &path), path, bytes });
    }
    // Another form of id (`urn:uuid:…`): the file that says it.
    let entries = std::fs::read_dir(&dir).map_err(|e| CliError::io_at(&dir, "read", &e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let bytes = crate::fs::read(&path)?;
        let says = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .is_some_and(|v| v["id"].as_str() == Some(id));
        if says {
            return Ok(AwardFile { name: page_name(site, id, &path), path, bytes });
        }
    }
    Err(CliError::invalid(format!("no award in `{}` has the id `{id}`", shown(&dir)))
        .hint("an award's id is its file name in badges/awards/, or the `id` in that file"))
}

/// The last segment of the award's page: its id's path under `base_url`, else its file name
/// (as `site::library` places pages).
fn page_name(site: &IssuingSite, id: &str, path: &Path) -> String {
    under_base(id, &site.config.base_url)
        .and_then(|rel| rel.rsplit('/').next().map(str::to_string))
        .or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "badge".to_string())
}

/// The file under `badges/` that the image URL `url` is published from, as the build maps
/// it; an image the build would not publish is an error that says why.
fn image_file(site: &IssuingSite, url: &str, award: &str) -> Result<PathBuf, CliError> {
    let not_here = |why: String| {
        CliError::invalid(format!("cannot bake `{award}`: its achievement image `{url}` {why}"))
    };
    let rel = url.strip_prefix(site.config.base_url.as_str()).ok_or_else(|| {
        not_here("is not under base_url, so this site does not publish it".to_string())
            .hint("rosette bakes the images it publishes: files under badges/, by their URL under base_url")
    })?;
    let rel = OutPath::new(rel).map_err(|e| not_here(format!("cannot be a file under badges/: {e}")))?;
    let path = site.badges.join(rel.as_str());
    if !path.is_file() {
        return Err(not_here(format!("should be `badges/{}`, which does not exist", rel.as_str())));
    }
    // The build refuses to publish such an SVG; its bases do not exist either.
    if rel.as_str().to_ascii_lowercase().ends_with(".svg") {
        let text = crate::fs::read(&path)?;
        if let Some(reason) = crate::bake::svg::active_content(&String::from_utf8_lossy(&text)) {
            return Err(not_here(format!("has {reason}, so the build does not publish it")));
        }
    }
    Ok(path)
}

/// Bakes `credential` into `image` by filling the base the build publishes for it.
fn bake(image: &PreparedImage, format: BakeFormat, credential: &str) -> Result<Vec<u8>, String> {
    match format {
        BakeFormat::Png => {
            let base = match image.png_base() {
                Some(base) => base.map_err(|e| e.to_string())?,
                None if image.svg.is_some() => return Err("the SVG image could not be drawn as a PNG".into()),
                None => return Err("the image is neither a PNG nor an SVG".into()),
            };
            base::fill_png(&base, credential).map_err(|e| e.to_string())
        }
        BakeFormat::Svg => {
            let template = match image.svg_template() {
                Some(template) => template.map_err(|e| e.to_string())?,
                None if image.png.is_some() => {
                    return Err("the image is a PNG, so it bakes only as a PNG (--format png)".into());
                }
                None => return Err("the image is neither a PNG nor an SVG".into()),
            };
            // XML reads a carriage return back as a line feed: the SVG would not give the
            // credential file back byte for byte.
            if credential.contains('\r') {
                return Err("the credential has carriage returns, which an SVG cannot carry exactly; \
                            --format png keeps them"
                    .into());
            }
            base::fill_svg(&template, credential).map(String::into_bytes).map_err(|e| e.to_string())
        }
    }
}

/// Writes the baked image to `out`: a new file, or over an existing one with `force` only.
fn write(out: &Path, bytes: &[u8], force: bool) -> Result<(), CliError> {
    use std::io::Write as _;
    if force {
        return crate::fs::write_atomic(out, bytes);
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(out).map_err(|e| {
        let err = CliError::io_at(out, "create", &e);
        match e.kind() {
            std::io::ErrorKind::AlreadyExists => err.hint(
                "rosette bake never overwrites a file unless told: pass --force, or name another with -o",
            ),
            _ => err,
        }
    })?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| CliError::io_at(out, "write", &e))
}

/// `path` as messages name it: as the user would type it, without `./`.
fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}
