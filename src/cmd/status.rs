//! `rosette revoke`, `suspend`, `reinstate`: flip an award's bit and re-sign its status list.

use super::award::IssuingSite;
use crate::cli::StatusArgs;
use crate::error::{CliError, Exit};
use crate::integrity::{self, Cryptosuite, ProofOptions};
use crate::jsonld::JsonLdProcessor;
use crate::model::date::format_date_time;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Revoke,
    Suspend,
    Reinstate,
}

pub fn run(args: &StatusArgs, change: Change) -> Result<Exit, CliError> {
    let site = IssuingSite::open(&args.root)?;
    if args.reason.is_some() && change != Change::Revoke {
        return Err(CliError::io("--reason goes with `rosette revoke`"));
    }
    // Which award is meant is settled before the key is asked for: a mistyped id is the
    // likelier mistake, and needs no secret to report.
    let id = resolve(&site, &args.id)?;
    let key = crate::cmd::sign::load_key(args.key.as_deref())?;
    let vm = site.signing_method(&key)?;
    let _lock = crate::fs::lock(&site.badges.join("status"))?;
    let mut registry = site.registry()?;
    let purpose = if change == Change::Revoke { "revocation" } else { "suspension" };
    let claimed = claimed_entry(&site, &id, purpose);
    let claimed = claimed.as_ref().map(|(list, index)| (list.as_str(), *index));
    let Some((list, index)) = registry.locate(&site.badges, &id, purpose, claimed)? else {
        let err = CliError::invalid(format!("`{id}` has no {purpose} status entry"));
        return Err(if purpose == "suspension" {
            err.hint("awards made with [status] suspension = true in rosette.toml can be suspended")
        } else {
            err.hint("only awards made by `rosette award` can be revoked")
        });
    };
    let set = registry.entry(&id, purpose).is_some();
    match change {
        Change::Revoke if set => return Err(CliError::invalid(format!("`{id}` is already revoked"))),
        Change::Suspend if set => return Err(CliError::invalid(format!("`{id}` is already suspended"))),
        Change::Reinstate if !set => return Err(CliError::invalid(format!("`{id}` is not suspended"))),
        Change::Revoke => registry.set(&list, index, &id, args.reason.clone()),
        Change::Suspend => registry.set(&list, index, &id, None),
        Change::Reinstate => {
            registry.unset(&id, purpose);
        }
    }
    let now = format_date_time(chrono::Utc::now());
    let unsigned = registry.list_credential(&list, &site.config.did(), &now);
    let options =
        ProofOptions { suite: Cryptosuite::EddsaRdfc2022, verification_method: vm, created: Some(now) };
    let signed = integrity::create_proof(&JsonLdProcessor::new(), &unsigned, &options, &key)
        .map_err(|e| CliError::invalid("could not sign the status list").caused_by(e))?;
    let mut bytes = serde_json::to_vec_pretty(&signed).map_err(|e| CliError::io(e.to_string()))?;
    bytes.push(b'\n');
    // The list first, then the registry: a crash between them leaves a list that is ahead of
    // its registry, which the next command rewrites, never a registry that claims a change
    // the published list lacks.
    crate::fs::write_atomic(&site.badges.join(&list.file), &bytes)?;
    registry.write(&site.badges)?;
    let verb = match change {
        Change::Revoke => "revoked",
        Change::Suspend => "suspended",
        Change::Reinstate => "reinstated",
    };
    crate::ui::status(format!("{verb} `{id}`; run `rosette build` to publish"));
    // A revoked badge is never announced: its notice goes, if it was never sent. After the
    // list is signed, so that a failed revocation keeps the notice of a valid badge.
    if change == Change::Revoke {
        withdraw_notice(&site, &args.root, &id)?;
    }
    Ok(Exit::Ok)
}

/// Takes the e-mail notice of award `id` out of the outbox if it was never sent, and says
/// what became of it (`revoke`, `remove-holder`).
pub(crate) fn withdraw_notice(site: &IssuingSite, root: &std::path::Path, id: &str) -> Result<(), CliError> {
    use crate::notify::outbox::{Outbox, Withdrawn};
    let Some(slug) = id.strip_prefix(&crate::award::award_id(&site.config, "")) else { return Ok(()) };
    match Outbox::of(root).withdraw(slug)? {
        Withdrawn::Removed => {
            crate::ui::status("its e-mail notice was never sent, and is removed from `outbox/pending/`")
        }
        Withdrawn::AlreadySent => {
            crate::ui::status("its e-mail notice had already been sent (`outbox/sent.log`)")
        }
        Withdrawn::InFlight => crate::ui::warning(format!(
            "the e-mail notice of `{slug}` is in `outbox/sending/`: a `rosette notify` run is sending it, or was \
             stopped while it did, and it may reach the earner"
        )),
        Withdrawn::None => {}
    }
    Ok(())
}

/// The status list and index the credential of award `id` carries for `purpose`, when it is
/// one of this site's award files: what the registry confirms, reading one list's holdings
/// instead of searching them all.
fn claimed_entry(site: &IssuingSite, id: &str, purpose: &str) -> Option<(String, u64)> {
    let slug = id.strip_prefix(&crate::award::award_id(&site.config, ""))?;
    let path = site.badges.join("awards").join(format!("{slug}.json"));
    let bytes = std::fs::read(path).ok()?;
    let credential = crate::model::Credential::parse(&bytes).ok()?;
    credential.status_entries().into_iter().find_map(|entry| {
        (entry.get("statusPurpose")?.as_str()? == purpose).then_some(())?;
        let list = entry.get("statusListCredential")?.as_str()?.to_string();
        let index = entry.get("statusListIndex")?.as_str()?.parse().ok()?;
        Some((list, index))
    })
}

/// The id of the award `query` names: its file name in `badges/awards/` (`2026-k3j5…`), a
/// beginning of exactly one such name, or its whole id (`https://…/awards/2026-k3j5…`). An id
/// of another form is taken as it is, for the status registry to answer.
pub(crate) fn resolve(site: &IssuingSite, query: &str) -> Result<String, CliError> {
    let prefix = crate::award::award_id(&site.config, "");
    let typed = match query.strip_prefix(&prefix) {
        Some(slug) => slug,
        None if query.contains(':') => return Ok(query.to_string()),
        None => query,
    };
    let dir = site.badges.join("awards");
    // A whole file name needs no listing of a million files.
    let exact = !typed.is_empty() && !typed.contains(['/', '\\']) && typed != "." && typed != "..";
    if exact && dir.join(format!("{typed}.json")).is_file() {
        return Ok(crate::award::award_id(&site.config, typed));
    }
    let slugs = site.award_slugs()?;
    // Shown as the user would type it: `badges/awards`, not `./badges/awards`.
    let shown = dir.strip_prefix(".").unwrap_or(&dir).display();
    match find(typed, &slugs) {
        Found::One(slug) => Ok(crate::award::award_id(&site.config, slug)),
        Found::Several(matches) => {
            let mut listed: Vec<String> = matches.iter().take(MAX_LISTED).map(|s| format!("`{s}`")).collect();
            if matches.len() > MAX_LISTED {
                listed.push(format!("and {} more", matches.len() - MAX_LISTED));
            }
            Err(CliError::invalid(format!(
                "`{typed}` is the beginning of {}: {}",
                crate::ui::count(matches.len(), "award id"),
                listed.join(", ")
            ))
            .hint("give more of the id, enough to name one award"))
        }
        Found::None(closest) if closest.is_empty() => {
            Err(CliError::invalid(format!("no award has the id `{typed}`"))
                .hint(format!("`{shown}` has no awards yet; `rosette award` makes them")))
        }
        Found::None(closest) => {
            let quoted: Vec<String> = closest.iter().map(|s| format!("`{s}`")).collect();
            let options = match quoted.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                _ => quoted.join(""),
            };
            Err(CliError::invalid(format!("no award has the id `{typed}`")).hint(format!(
                "did you mean {options}? An award's id is its file name in `{shown}`, or a \
                 beginning of it that no other award shares"
            )))
        }
    }
}

/// How many award ids an ambiguous beginning lists.
const MAX_LISTED: usize = 10;
/// How many near ids an unknown one suggests.
const MAX_SUGGESTED: usize = 3;

/// What a typed id matches among the award slugs.
#[derive(Debug, PartialEq)]
enum Found<'a> {
    /// The slug itself, or the only slug it begins.
    One(&'a str),
    /// Every slug it begins, when more than one (and none is the typed id itself).
    Several(Vec<&'a str>),
    /// No slug: the nearest few, nearest first.
    None(Vec<&'a str>),
}

fn find<'a>(typed: &str, slugs: &'a [String]) -> Found<'a> {
    if let Some(exact) = slugs.iter().find(|s| *s == typed) {
        return Found::One(exact);
    }
    let begun: Vec<&str> = slugs.iter().map(String::as_str).filter(|s| s.starts_with(typed)).collect();
    match begun.len() {
        1 => return Found::One(begun[0]),
        n if n > 1 => return Found::Several(begun),
        _ => {}
    }
    // Nearest by edit distance to the slug, or to its beginning as long as what was typed (a
    // mistyped short form is near the start of the id it abbreviates); ties go to the longer
    // common beginning, then to the name.
    let typed_len = typed.chars().count();
    let mut ranked: Vec<(usize, std::cmp::Reverse<usize>, &str)> = slugs
        .iter()
        .map(|s| {
            let head: String = s.chars().take(typed_len).collect();
            let distance = edit_distance(typed, s).min(edit_distance(typed, &head));
            let common = typed.chars().zip(s.chars()).take_while(|(a, b)| a == b).count();
            (distance, std::cmp::Reverse(common), s.as_str())
        })
        .collect();
    ranked.sort();
    Found::None(ranked.into_iter().take(MAX_SUGGESTED).map(|(.., s)| s).collect())
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_id_is_found_whole_or_by_a_beginning_only_it_has() {
        let all = slugs(&["2026-k3j5abc", "2026-k3j5abd", "2026-zz", "2026-zz7"]);
        assert_eq!(find("2026-zz", &all), Found::One("2026-zz"), "whole, though also a beginning");
        assert_eq!(find("2026-zz7", &all), Found::One("2026-zz7"));
        assert_eq!(find("2026-k3j5abc", &all), Found::One("2026-k3j5abc"));
        assert_eq!(find("2026-k3j5abd", &all), Found::One("2026-k3j5abd"));
        assert_eq!(find("2026-k3j5", &all), Found::Several(vec!["2026-k3j5abc", "2026-k3j5abd"]));
        assert_eq!(find("2026-k3j5ab", &all), Found::Several(vec!["2026-k3j5abc", "2026-k3j5abd"]));
    }

    #[test]
    fn an_unknown_id_gets_the_nearest_few() {
        let all = slugs(&["2024-aaaa", "2025-k3j5wxyz", "2026-k3j5qrst", "2026-mmmm", "2026-nnnn"]);
        // A typo in a short form: nearest to the beginning it abbreviates.
        assert_eq!(find("2026-k3j6", &all), Found::None(vec!["2026-k3j5qrst", "2025-k3j5wxyz", "2026-mmmm"]));
        assert_eq!(find("x", &slugs(&["a", "b", "c", "d"])), Found::None(vec!["a", "b", "c"]));
        assert_eq!(find("x", &[]), Found::None(vec![]));
    }

    #[test]
    fn edit_distance_counts_characters() {
        for (a, b, d) in [
            ("", "", 0),
            ("abc", "abc", 0),
            ("abc", "abd", 1),
            ("kitten", "sitting", 3),
            ("", "ab", 2),
            ("李思", "李远", 1),
        ] {
            assert_eq!(edit_distance(a, b), d, "{a} / {b}");
            assert_eq!(edit_distance(b, a), d, "{b} / {a}");
        }
    }
}
