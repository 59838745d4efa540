//! `rosette remove-holder`: take an award's personal data off the site at the holder's
//! request. The credential file goes; a small tombstone (`awards/x.toml`: its id and the date)
//! keeps a neutral page at its address, and its status entry stays allocated.

use super::award::IssuingSite;
use crate::cli::HolderArgs;
use crate::error::{CliError, Exit};
use std::path::PathBuf;

pub fn run(args: &HolderArgs) -> Result<Exit, CliError> {
    let site = IssuingSite::open(&args.root)?;
    // The same ids as revoke: a file name in badges/awards, a unique beginning, or the id.
    let id = super::status::resolve(&site, &args.id)?;
    let dir = site.badges.join("awards");
    let mut found: Option<PathBuf> = None;
    for entry in walkdir::WalkDir::new(&site.badges).sort_by_file_name().into_iter().filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else { continue };
        let Ok(c) = crate::model::Credential::parse(&bytes) else { continue };
        if c.id() == Some(id.as_str()) {
            found = Some(path.to_path_buf());
            break;
        }
    }
    let path = found
        .ok_or_else(|| CliError::invalid(format!("no award with id `{id}` under `{}`", dir.display())))?;
    let now = crate::model::date::format_date_time(chrono::Utc::now());
    let tombstone = format!(
        "# Removed at the holder's request; only its id and the date remain.\nid = \"{}\"\nremoved = \"{now}\"\n",
        id.replace('\\', "\\\\").replace('"', "\\\"")
    );
    crate::fs::write_atomic(&path.with_extension("toml"), tombstone.as_bytes())?;
    std::fs::remove_file(&path).map_err(|e| CliError::io_at(&path, "remove", &e))?;
    crate::ui::status(format!("removed `{id}`: the next build publishes a neutral page in its place"));
    // The notice holds the holder's name and address: it goes too, unless already sent.
    super::status::withdraw_notice(&site, &args.root, &id)?;
    Ok(Exit::Ok)
}
