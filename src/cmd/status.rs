//! `rosette revoke`, `suspend`, `reinstate`: flip an award's bit and re-sign its status list.

use super::award::Site;
use crate::cli::StatusArgs;
use crate::error::{CliError, Exit};
use crate::integrity::{self, Cryptosuite, ProofOptions};
use crate::jsonld::JsonLdProcessor;
use crate::model::date::format_date_time;
use crate::registry;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Revoke,
    Suspend,
    Reinstate,
}

pub fn run(args: &StatusArgs, change: Change) -> Result<Exit, CliError> {
    let site = Site::open(&args.root)?;
    let key = crate::cmd::sign::load_key(args.key.as_deref())?;
    let vm = site.signing_method(&key)?;
    let _lock = crate::fs::lock(&site.badges.join("status"))?;
    let mut registry = site.registry()?;
    let id =
        if args.id.contains(':') { args.id.clone() } else { crate::award::award_id(&site.config, &args.id) };
    let purpose = if change == Change::Revoke { "revocation" } else { "suspension" };
    if args.reason.is_some() && change != Change::Revoke {
        return Err(CliError::io("--reason goes with `rosette revoke`"));
    }
    let Some(entry) = registry.entry_mut(&id, purpose) else {
        let err = CliError::invalid(format!("`{id}` has no {purpose} status entry"));
        return Err(if purpose == "suspension" {
            err.hint("awards made with [status] suspension = true in rosette.toml can be suspended")
        } else {
            err.hint("only awards made by `rosette award` can be revoked")
        });
    };
    match change {
        Change::Revoke if entry.set => return Err(CliError::invalid(format!("`{id}` is already revoked"))),
        Change::Revoke => {
            entry.set = true;
            entry.reason = args.reason.clone();
        }
        Change::Suspend if entry.set => {
            return Err(CliError::invalid(format!("`{id}` is already suspended")));
        }
        Change::Suspend => entry.set = true,
        Change::Reinstate if !entry.set => return Err(CliError::invalid(format!("`{id}` is not suspended"))),
        Change::Reinstate => entry.set = false,
    }
    let list_id = entry.list.clone();
    let list = registry
        .lists
        .iter()
        .find(|l| l.id == list_id)
        .cloned()
        .ok_or_else(|| CliError::invalid("the status registry names a list it does not have"))?;
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
    crate::fs::write_atomic(&site.badges.join(registry::REGISTRY_PATH), registry.to_toml().as_bytes())?;
    let verb = match change {
        Change::Revoke => "revoked",
        Change::Suspend => "suspended",
        Change::Reinstate => "reinstated",
    };
    crate::ui::status(format!("{verb} `{id}`; run `rosette build` to publish"));
    Ok(Exit::Ok)
}
