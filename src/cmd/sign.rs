//! `rosette sign`: add a proof to an unsigned credential.

use crate::cli::{SignArgs, Suite};
use crate::error::{CliError, Exit};
use crate::integrity::{self, Cryptosuite, ProofOptions};
use crate::jsonld::JsonLdProcessor;
use crate::keys::SecretKey;
use crate::model::Credential;
use crate::model::credential::Conformance;
use crate::model::date::{format_date_time, parse_date_time};
use std::io::Read;
use std::path::Path;

/// The environment variable a CI secret puts the key in.
pub const KEY_ENV: &str = "ROSETTE_SIGNING_KEY";

pub fn run(args: &SignArgs) -> Result<Exit, CliError> {
    let key = load_key(args.key.as_deref())?;
    let (name, bytes) = read_input(&args.input)?;
    let mut credential = Credential::parse(&bytes)
        .map_err(|e| CliError::invalid(format!("`{name}` cannot be signed")).caused_by(e))?;
    let conformance = prepare(&mut credential)
        .map_err(|reason| CliError::invalid(format!("`{name}` cannot be signed: {reason}")))?;
    let public = key.public_key();
    let vm = args.verification_method.clone().unwrap_or_else(|| public.did_key_vm());
    check_signable(&credential, &vm, &key)
        .map_err(|reason| CliError::invalid(format!("`{name}` cannot be signed: {reason}")))?;
    let created = match &args.created {
        Some(t) if parse_date_time(t).is_some() => t.clone(),
        Some(t) => {
            return Err(CliError::io(format!("--created `{t}` is not an XML Schema dateTime")));
        }
        None => format_date_time(chrono::Utc::now()),
    };
    if conformance.kind.is_open_badge() {
        warn_language_value_objects(&name, &credential.value);
    }
    let jsonld = JsonLdProcessor::new();
    let mut options = ProofOptions {
        suite: match args.suite {
            Some(Suite::Rdfc) | None => Cryptosuite::EddsaRdfc2022,
            Some(Suite::Jcs) => Cryptosuite::EddsaJcs2022,
        },
        verification_method: vm,
        created: Some(created),
    };
    let signed = match integrity::create_proof(&jsonld, &credential.value, &options, &key) {
        // The default suite cannot sign a text direction: its JSON-LD to RDF step runs without
        // the JSON-LD API's `rdfDirection` option (null by default; jsonld.js refuses such a
        // value in safe mode), so the direction would not be signed. JCS signs the JSON as
        // written, direction included (issue #19).
        Err(e) if args.suite.is_none() && direction_at(&e).is_some() => {
            crate::ui::warning(format!(
                "`{name}`: signed with eddsa-jcs-2022, because eddsa-rdfc-2022 would not sign the text \
                 direction (@direction) of `{}`",
                direction_at(&e).unwrap_or_default()
            ));
            options.suite = Cryptosuite::EddsaJcs2022;
            integrity::create_proof(&jsonld, &credential.value, &options, &key)
        }
        other => other,
    }
    .map_err(|e| {
        let hint = direction_at(&e).is_some().then_some(
            "sign with --suite eddsa-jcs-2022 (or leave --suite out): it signs the JSON as written, text \
             direction included",
        );
        let error = CliError::invalid(format!("`{name}` cannot be signed")).caused_by(e);
        match hint {
            Some(h) => error.hint(h),
            None => error,
        }
    })?;
    if options.suite == Cryptosuite::EddsaJcs2022 && conformance.kind.is_open_badge() {
        // Measured with @digitalcredentials/verifier-core 1.0.0-beta.11 (issue #19).
        crate::ui::warning(format!(
            "`{name}`: eddsa-jcs-2022 Open Badges are rejected as \"signature is not valid\" by the Digital \
             Credentials Consortium's verifier and Learner Credential Wallet today; Open Badges 3.0 names \
             eddsa-rdfc-2022 (the default)"
        ));
    }
    let mut out = serde_json::to_vec_pretty(&signed).map_err(|e| CliError::io(e.to_string()))?;
    out.push(b'\n');
    match &args.output {
        Some(path) => crate::fs::write_atomic(path, &out)?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&out)
                .map_err(|e| CliError::io("could not write to standard output").caused_by(e))?;
        }
    }
    Ok(Exit::Ok)
}

/// Where the text direction is, when signing failed only because RDF canonicalization would
/// drop it.
fn direction_at(e: &integrity::ProofError) -> Option<&str> {
    match e {
        integrity::ProofError::JsonLd(crate::jsonld::JsonLdError::Unsafe {
            path,
            violation: crate::jsonld::SafeModeViolation::RdfDirectionNotSet(_),
        }) => Some(path),
        _ => None,
    }
}

/// Language value objects are valid VC 2.0 (§11.1) and are signed as given, but 1EdTech's
/// Open Badges 3.0 JSON Schema types `name` and `description` as strings, so validators that
/// use it refuse them (issue #19): say so, and where rosette puts translations instead.
fn warn_language_value_objects(name: &str, credential: &serde_json::Value) {
    let members = crate::model::lang::value_object_members(credential);
    if members.is_empty() {
        return;
    }
    let listed: Vec<String> = members.iter().map(|m| format!("`{m}`")).collect();
    crate::ui::warning(format!(
        "`{name}`: {} {} language value objects, which VC 2.0 allows but the 1EdTech Open Badges 3.0 JSON Schema \
         refuses (it types `name` and `description` as strings); signed as given\n  \
         hint: `rosette award` writes an achievement's text as a string in the site's language, named by its \
         `inLanguage`, and each translation as a `Related` entry of `credentialSubject.achievement.related` \
         with its own `inLanguage`, `name` and `description`",
        listed.join(", "),
        if members.len() == 1 { "holds" } else { "hold" }
    ));
}

/// The secret key from `--key FILE`, else from `ROSETTE_SIGNING_KEY`.
pub fn load_key(path: Option<&Path>) -> Result<SecretKey, CliError> {
    match path {
        Some(path) => {
            let bytes = zeroize::Zeroizing::new(crate::fs::read(path)?);
            if crate::fs::readable_by_others(path) {
                crate::ui::warning(format!(
                    "key file `{}` is readable by other users; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                ));
            }
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| CliError::invalid(format!("key file `{}` is not text", path.display())))?;
            SecretKey::parse_key_file(text).map_err(|e| {
                CliError::invalid(format!("key file `{}` holds no usable key", path.display())).caused_by(e)
            })
        }
        None => {
            let value = zeroize::Zeroizing::new(std::env::var(KEY_ENV).map_err(|_| {
                CliError::io("no signing key")
                    .hint(format!("pass --key FILE, or set {KEY_ENV} to the key (for CI secrets)"))
            })?);
            SecretKey::parse_key_file(&value)
                .map_err(|e| CliError::invalid(format!("{KEY_ENV} holds no usable key")).caused_by(e))
        }
    }
}

fn read_input(path: &Path) -> Result<(String, Vec<u8>), CliError> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::io("could not read standard input").caused_by(e))?;
        return Ok(("<stdin>".into(), bytes));
    }
    Ok((path.display().to_string(), crate::fs::read(path)?))
}

/// Makes an unsigned credential ready for a proof, or says why it must not get one: the proof
/// terms defined (a VC 1.1 context does not define `DataIntegrityProof` or `cryptosuite`, so
/// Data Integrity adds its own context, VC DI §2.1), then the same data-model and shape checks
/// `rosette verify` makes, with the same messages (issue #19: never sign what a verifier must
/// refuse). `award` runs it on every credential it makes.
pub fn prepare(credential: &mut Credential) -> Result<Conformance, String> {
    if credential.version() == Some(crate::model::credential::VcVersion::V1_1)
        && !credential.contexts().contains(&crate::contexts::DATA_INTEGRITY_V2)
        && let Some(map) = credential.value.as_object_mut()
    {
        let mut list = match map.remove("@context") {
            Some(serde_json::Value::Array(list)) => list,
            Some(one) => vec![one],
            None => Vec::new(),
        };
        list.push(crate::contexts::DATA_INTEGRITY_V2.into());
        map.insert("@context".into(), serde_json::Value::Array(list));
    }
    credential.conformance()
}

/// The refusals of `rosette sign`, each a one-line reason.
fn check_signable(credential: &Credential, vm: &str, key: &SecretKey) -> Result<(), String> {
    if integrity::proofs(&credential.value)
        .iter()
        .any(|p| p.get("verificationMethod").and_then(serde_json::Value::as_str) == Some(vm))
    {
        return Err(format!("it already carries a proof by `{vm}`"));
    }
    let (controller, _) =
        vm.split_once('#').ok_or_else(|| format!("verification method `{vm}` has no `#fragment`"))?;
    if controller.starts_with("did:key:") && vm != key.public_key().did_key_vm() {
        return Err(format!("`{vm}` is not this key's did:key (`{}`)", key.public_key().did_key_vm()));
    }
    match credential.issuer_id() {
        Some(issuer) if issuer == controller => Ok(()),
        Some(issuer) => Err(format!(
            "its issuer `{issuer}` is not the key's controller `{controller}` (set the issuer, or pass --verification-method)"
        )),
        None => Err("it has no issuer".into()),
    }
}
