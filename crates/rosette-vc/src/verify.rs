//! Verifying a credential: every check a verifier makes, as values.
//!
//! A [`Verdict`] lists each [`Check`] with its [`State`]; nothing here prints or reads files.
//! "Could not check" ([`State::Unknown`]) is its own state and is never counted as valid.

use crate::did::{DidError, DocumentSource, Resolver, VerificationMethod};
use crate::integrity::{self, ProofError};
use crate::jsonld::JsonLdProcessor;
use crate::model::credential::{Credential, CredentialKind};
use crate::model::date::{format_date_time, parse_date_time};
use crate::status::{self, StatusEntry, Withdrawal};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The checks, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckName {
    /// Well-formed VC / Open Badges 3.0 credential.
    Format,
    /// The proof's signature over the credential.
    Signature,
    /// The key is published by its controller and may sign credentials.
    IssuerKey,
    /// The credential's issuer controls the key.
    Issuer,
    /// `validFrom` / `validUntil` against the current time.
    Validity,
    /// Revocation and suspension (Bitstring Status List).
    Status,
    /// A presentation's key is published by its controller for `authentication`.
    HolderKey,
    /// A presentation's holder controls its key.
    Holder,
    /// A presentation was made for this verifier's challenge and domain.
    Challenge,
    /// The credentials a presentation carries.
    Credentials,
}

impl CheckName {
    /// The check's name in a report, in words (`issuer key`); serialized, it is kebab-case
    /// (`issuer-key`).
    pub fn label(self) -> &'static str {
        match self {
            CheckName::Format => "format",
            CheckName::Signature => "signature",
            CheckName::IssuerKey => "issuer key",
            CheckName::Issuer => "issuer",
            CheckName::Validity => "validity",
            CheckName::Status => "status",
            CheckName::HolderKey => "holder key",
            CheckName::Holder => "holder",
            CheckName::Challenge => "challenge",
            CheckName::Credentials => "credentials",
        }
    }
}

/// The state of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// The check was made and holds.
    Passed,
    /// Passed with something the reader should know (for example: expired).
    Warning,
    /// The check was made and does not hold.
    Failed,
    /// Could not be checked (a key or status list that cannot be had).
    Unknown,
    /// There is nothing to check (a credential without `credentialStatus`), or an earlier
    /// check left nothing to check with (no proof, no key).
    NotApplicable,
}

/// One check on a credential or a presentation: what was checked, how it came out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Check {
    /// Which check it is.
    pub check: CheckName,
    /// How it came out.
    pub state: State,
    /// What was found, in words: why it failed or could not be made, or what holds.
    pub message: String,
}

/// The overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every check passed or did not apply.
    Verified,
    /// Genuine, with a warning (expired, short status list).
    Warning,
    /// At least one check failed.
    Failed,
    /// Not every check could be made: never shown as valid.
    Unknown,
}

/// Every check made on one credential, and the outcome they add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// What the [`checks`](Self::checks) add up to: failed if one failed, else unknown if one
    /// could not be made, else warning if one warned, else verified.
    pub outcome: Outcome,
    /// Each check made, in the order of [`CheckName`].
    pub checks: Vec<Check>,
    /// What the first proof signed, when its signature verified.
    #[serde(skip)]
    pub signed: Option<integrity::Verified>,
}

impl Verdict {
    pub(crate) fn from_checks(checks: Vec<Check>) -> Self {
        Verdict { outcome: Self::outcome_of(&checks), checks, signed: None }
    }

    /// The outcome of a list of checks: the worst state among them.
    pub(crate) fn outcome_of(checks: &[Check]) -> Outcome {
        let has = |s: State| checks.iter().any(|c| c.state == s);
        if has(State::Failed) {
            Outcome::Failed
        } else if has(State::Unknown) {
            Outcome::Unknown
        } else if has(State::Warning) {
            Outcome::Warning
        } else {
            Outcome::Verified
        }
    }

    /// The first failed (else unknown) check: what a one-line report names.
    pub fn first_problem(&self) -> Option<&Check> {
        first_problem(&self.checks)
    }

    /// The check `name`, when it was made.
    pub fn get(&self, name: CheckName) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == name)
    }
}

/// The first failed (else unknown) check of `checks`.
pub fn first_problem(checks: &[Check]) -> Option<&Check> {
    checks
        .iter()
        .find(|c| c.state == State::Failed)
        .or_else(|| checks.iter().find(|c| c.state == State::Unknown))
}

fn check(check: CheckName, state: State, message: impl Into<String>) -> Check {
    Check { check, state, message: message.into() }
}

/// Verifies credentials against keys and status lists from one [`DocumentSource`].
pub struct Verifier<'a> {
    /// The JSON-LD processor that turns documents and proof options into RDF for
    /// canonicalization.
    pub jsonld: &'a JsonLdProcessor,
    /// Where DID documents, key histories and status lists come from.
    pub source: &'a dyn DocumentSource,
    /// The time validity periods are judged at ([`Verifier::at`]).
    pub now: DateTime<Utc>,
    /// Whether a credential must be an Open Badge (or a status list) to pass the format
    /// check: a site publishes only those; `rosette verify` checks any VC unless asked.
    pub require_open_badge: bool,
}

impl<'a> Verifier<'a> {
    /// A verifier of any Verifiable Credential, at the current time, that takes DID documents
    /// and status lists from `source`.
    pub fn new(jsonld: &'a JsonLdProcessor, source: &'a dyn DocumentSource) -> Self {
        Verifier { jsonld, source, now: Utc::now(), require_open_badge: false }
    }

    /// The same verifier, judging validity dates at `now` rather than the current time.
    pub fn at(self, now: DateTime<Utc>) -> Self {
        Verifier { now, ..self }
    }

    /// The same verifier, failing the format check of anything but an Open Badge (or a status
    /// list credential).
    pub fn requiring_open_badge(self) -> Self {
        Verifier { require_open_badge: true, ..self }
    }
}

impl Verifier<'_> {
    /// Makes every check on `credential`.
    pub fn verify(&self, credential: &Credential) -> Verdict {
        let mut checks = Vec::with_capacity(6);
        let shape = if self.require_open_badge {
            credential.open_badge_conformance()
        } else {
            credential.conformance()
        };
        let kind = match shape {
            Ok(c) => {
                checks.push(check(CheckName::Format, State::Passed, c.describe()));
                Some(c.kind)
            }
            Err(reason) => {
                checks.push(check(CheckName::Format, State::Failed, reason));
                None
            }
        };
        let mut signed = None;
        let mut others = Vec::new();
        let method = self.check_proof(credential, &mut checks, &mut signed, &mut others);
        checks.push(self.check_issuer(credential, method.as_ref(), &others));
        checks.push(self.check_validity(credential));
        if kind != Some(CredentialKind::StatusList) {
            checks.push(self.check_status(credential));
        }
        Verdict { signed, ..Verdict::from_checks(checks) }
    }

    /// The signature and issuer-key checks. Returns the method that signed, when found.
    fn check_proof(
        &self,
        credential: &Credential,
        checks: &mut Vec<Check>,
        signed: &mut Option<integrity::Verified>,
        others: &mut Vec<String>,
    ) -> Option<VerificationMethod> {
        let proofs = integrity::proofs(&credential.value);
        let Some(proof) = proofs.first() else {
            checks.push(check(CheckName::Signature, State::Failed, ProofError::MissingProof.to_string()));
            checks.push(check(CheckName::IssuerKey, State::NotApplicable, "no proof to take a key from"));
            return None;
        };
        let Some(vm_id) = proof.get("verificationMethod").and_then(Value::as_str) else {
            checks.push(check(
                CheckName::Signature,
                State::Failed,
                ProofError::MissingField("verificationMethod").to_string(),
            ));
            checks.push(check(CheckName::IssuerKey, State::NotApplicable, "the proof names no key"));
            return None;
        };
        let method = match Resolver::new(self.source).method(vm_id) {
            Ok(m) => m,
            Err(e @ DidError::Unresolvable { .. }) => {
                checks.push(check(CheckName::Signature, State::Unknown, format!("could not check: {e}")));
                checks.push(check(CheckName::IssuerKey, State::Unknown, format!("could not check: {e}")));
                return None;
            }
            Err(DidError::Invalid(e)) => {
                checks.push(check(CheckName::Signature, State::Failed, format!("no usable key: {e}")));
                checks.push(check(CheckName::IssuerKey, State::Failed, e));
                return None;
            }
        };
        // Every proof in a proof set must verify; each names its own key.
        let mut outcome =
            integrity::verify_proof_detailed(self.jsonld, &credential.value, proof, &method.public_key).map(
                |v| {
                    let suite = v.suite;
                    *signed = Some(v);
                    suite
                },
            );
        for other in proofs.iter().skip(1) {
            if outcome.is_err() {
                break;
            }
            let other_vm = other.get("verificationMethod").and_then(Value::as_str).unwrap_or_default();
            outcome = match Resolver::new(self.source).method(other_vm) {
                Ok(m) => {
                    // Its controller may be the issuer (a proof chain whose issuer signed second).
                    if m.assertion && self.retired_before(other_vm, other).is_none() {
                        others.push(m.controller.clone());
                    }
                    integrity::verify_proof(self.jsonld, &credential.value, other, &m.public_key)
                }
                Err(e) => Err(ProofError::UnsupportedSuite(format!("second proof: {e}"))),
            };
        }
        match outcome {
            Ok(suite) => checks.push(check(
                CheckName::Signature,
                State::Passed,
                format!("{} signature by `{vm_id}`", suite.name()),
            )),
            Err(e) => checks.push(check(CheckName::Signature, State::Failed, e.to_string())),
        }
        if let Some(problem) = self.retired_before(vm_id, proof) {
            checks.push(check(CheckName::IssuerKey, State::Failed, problem));
        } else if method.assertion {
            checks.push(check(
                CheckName::IssuerKey,
                State::Passed,
                format!("listed under `assertionMethod` of `{}`", method.controller),
            ));
        } else {
            checks.push(check(
                CheckName::IssuerKey,
                State::Failed,
                format!("key `{vm_id}` is not listed under `assertionMethod` of `{}`", method.controller),
            ));
        }
        Some(method)
    }

    /// What the issuer's published key history (`keys.json` beside a did:web document, which
    /// rosette publishes) says against this proof: made after its key was retired, or a
    /// history that does not list the key. `build`, `verify --site` and the badge page apply
    /// the same rule. Without a history (other issuers publish none) there is nothing to say.
    fn retired_before(&self, vm_id: &str, proof: &serde_json::Map<String, Value>) -> Option<String> {
        let controller = vm_id.split('#').next()?;
        let did_url = crate::did::did_web_document_url(controller).ok()?;
        let url = crate::did::key_history_url(&did_url)?;
        let bytes = self.source.get(&url)?.ok()?;
        let Some(keys) = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(|doc| doc.get("controller").and_then(Value::as_str) == Some(controller))
            .and_then(|doc| doc.get("keys").and_then(Value::as_array).cloned())
        else {
            return Some(format!("the key history `{url}` is not valid"));
        };
        let Some(entry) = keys.iter().find(|k| k.get("id").and_then(Value::as_str) == Some(vm_id)) else {
            return Some(format!("key `{vm_id}` is not in the issuer's key history `{url}`"));
        };
        if entry.get("status").and_then(Value::as_str) != Some("retired") {
            return None;
        }
        let retired = entry.get("retired").and_then(Value::as_str).and_then(parse_date_time)?;
        let created = proof.get("created").and_then(Value::as_str).and_then(parse_date_time)?;
        (created > retired).then(|| {
            format!(
                "signed with key `{vm_id}` on {}, after it was retired on {}",
                format_date_time(created),
                format_date_time(retired)
            )
        })
    }

    /// The issuer must control the key of a proof: the first, or, in a proof set or chain
    /// whose every proof verified, another (VC Data Integrity §4.3; issue #19).
    fn check_issuer(
        &self,
        credential: &Credential,
        method: Option<&VerificationMethod>,
        others: &[String],
    ) -> Check {
        let Some(method) = method else {
            return check(CheckName::Issuer, State::NotApplicable, "no key to compare with");
        };
        match credential.issuer_id() {
            Some(issuer) if issuer == method.controller => {
                check(CheckName::Issuer, State::Passed, format!("`{issuer}` controls the signing key"))
            }
            Some(issuer) if others.iter().any(|c| c == issuer) => check(
                CheckName::Issuer,
                State::Passed,
                format!("`{issuer}` controls the key of another proof of the set"),
            ),
            Some(issuer) => check(
                CheckName::Issuer,
                State::Failed,
                format!("issuer `{issuer}` is not the key's controller `{}`", method.controller),
            ),
            None => check(CheckName::Issuer, State::Failed, "the credential names no issuer"),
        }
    }

    fn check_validity(&self, credential: &Credential) -> Check {
        let from = credential.valid_from();
        let until = credential.valid_until();
        let date = |d: DateTime<Utc>| format_date_time(d);
        if let Some(from) = from.filter(|f| self.now < *f) {
            return check(
                CheckName::Validity,
                State::Failed,
                format!("not yet valid: valid from {}", date(from)),
            );
        }
        if let Some(until) = until.filter(|u| self.now > *u) {
            return check(CheckName::Validity, State::Warning, format!("expired on {}", date(until)));
        }
        let message = match (from, until) {
            (Some(f), Some(u)) => format!("valid from {} until {}", date(f), date(u)),
            (Some(f), None) => format!("valid from {}, no expiry", date(f)),
            (None, Some(u)) => format!("valid until {}", date(u)),
            (None, None) => "no validity period".to_string(),
        };
        check(CheckName::Validity, State::Passed, message)
    }

    fn check_status(&self, credential: &Credential) -> Check {
        let entries = credential.status_entries();
        if entries.is_empty() {
            return check(CheckName::Status, State::NotApplicable, "no credentialStatus: cannot be revoked");
        }
        let mut warnings = Vec::new();
        let mut passed = Vec::new();
        for raw in entries {
            let entry = match StatusEntry::parse(raw) {
                Ok(e) => e,
                Err(e) => {
                    return check(CheckName::Status, State::Unknown, format!("could not check: {e}"));
                }
            };
            match self.read_status(&entry) {
                Err(reason) => {
                    return check(CheckName::Status, State::Unknown, format!("could not check: {reason}"));
                }
                Ok(reading) if reading.value != 0 => {
                    let what = match Withdrawal::of_purpose(&entry.purpose) {
                        Some(w) => w.as_str().to_string(),
                        None => format!("status `{}` is set", entry.purpose),
                    };
                    return check(
                        CheckName::Status,
                        State::Failed,
                        format!("{what} (entry {} of `{}`)", entry.index, entry.list_url),
                    );
                }
                Ok(reading) => {
                    if let Some(n) = reading.short_list {
                        warnings.push(format!(
                            "the status list has {n} entries, fewer than the {} the spec requires",
                            status::MIN_ENTRIES
                        ));
                    }
                    passed.push(format!("not {}", participle(&entry.purpose)));
                }
            }
        }
        let message = passed.join(", ");
        if warnings.is_empty() {
            check(CheckName::Status, State::Passed, message)
        } else {
            check(CheckName::Status, State::Warning, format!("{message}; {}", warnings.join("; ")))
        }
    }

    /// Loads, verifies and reads the status list an entry points to.
    fn read_status(&self, entry: &StatusEntry) -> Result<status::StatusReading, String> {
        let bytes = match self.source.get(&entry.list_url) {
            Some(Ok(b)) => b,
            Some(Err(e)) => return Err(e),
            None => {
                return Err(format!(
                    "status list `{}` is not available offline (give the site with --site and --base-url)",
                    entry.list_url
                ));
            }
        };
        let list = Credential::parse(&bytes).map_err(|e| format!("status list `{}`: {e}", entry.list_url))?;
        // The list is a credential too: its signature and validity period must hold.
        let verdict =
            Verifier { jsonld: self.jsonld, source: self.source, now: self.now, require_open_badge: false }
                .verify(&list);
        if let Some(problem) = verdict.checks.iter().find(|c| {
            c.check != CheckName::Issuer
                && matches!(c.state, State::Failed | State::Unknown | State::Warning)
                && c.check != CheckName::Status
        }) {
            return Err(format!(
                "status list `{}` failed its {} check: {}",
                entry.list_url,
                problem.check.label(),
                problem.message
            ));
        }
        status::read_status(entry, &list.value).map_err(|e| format!("status list `{}`: {e}", entry.list_url))
    }
}

fn participle(purpose: &str) -> String {
    match Withdrawal::of_purpose(purpose) {
        Some(w) => w.as_str().into(),
        None => format!("flagged for {purpose}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::{Cryptosuite, ProofOptions};
    use crate::keys::SecretKey;

    /// The badge page's checks (themes/default/static/rosette-core.js) go by the names and
    /// states rosette gives them (`rosette verify --json`, and the build's checks in the page):
    /// `CHECK_NAMES` (and the `CheckName` type) is the credential checks here and the browser's
    /// own `recipient`, and the `CheckState` type is every [`State`].
    #[test]
    fn the_browser_names_checks_and_states_as_rosette_does() {
        let js = include_str!("../../../themes/default/static/rosette-core.js");
        // The quoted words between `start` and `end` on one line: `'a', 'b'` or `'a' | 'b'`.
        let words = |start: &str, end: &str| -> Vec<String> {
            let list = js
                .lines()
                .find_map(|l| {
                    l.strip_prefix(start).and_then(|rest| rest.split_once(end)).map(|(list, _)| list)
                })
                .unwrap_or_else(|| panic!("rosette-core.js has no line `{start}…{end}`"));
            list.split([',', '|']).map(|w| w.trim().trim_matches('\'').to_string()).collect()
        };
        let json = |v: Value| v.as_str().expect("a string").to_string();
        let checks = [
            CheckName::Format,
            CheckName::Signature,
            CheckName::IssuerKey,
            CheckName::Issuer,
            CheckName::Validity,
            CheckName::Status,
        ];
        let mut expected: Vec<String> =
            checks.iter().map(|c| json(serde_json::to_value(c).expect("json"))).collect();
        expected.push("recipient".into());
        assert_eq!(words("export const CHECK_NAMES = [", "]"), expected, "`CHECK_NAMES` in rosette-core.js");
        assert_eq!(
            words("/** @typedef {", "} CheckName */"),
            expected,
            "the `CheckName` type in rosette-core.js"
        );
        let states = [State::Passed, State::Warning, State::Failed, State::Unknown, State::NotApplicable];
        let expected: Vec<String> =
            states.iter().map(|s| json(serde_json::to_value(s).expect("json"))).collect();
        assert_eq!(
            words("/** @typedef {", "} CheckState */"),
            expected,
            "the `CheckState` type in rosette-core.js"
        );
    }

    fn issuer_state(verdict: &Verdict) -> State {
        verdict.checks.iter().find(|c| c.check == CheckName::Issuer).map(|c| c.state).expect("issuer check")
    }

    /// A proof set whose issuer signed the second proof, not the first, verifies (VC Data
    /// Integrity §4.3: every proof verifies, one by the issuer's key); one the issuer signed
    /// no proof of does not (issue #19).
    #[test]
    fn the_issuer_may_sign_any_proof_of_a_set() {
        let jsonld = JsonLdProcessor::new();
        let (a, b) = (SecretKey::from_seed(&[1; 32]).expect("a"), SecretKey::from_seed(&[2; 32]).expect("b"));
        let vm = |k: &SecretKey| k.public_key().did_key_vm();
        let issuer = vm(&b).split('#').next().expect("did").to_string();
        let doc = serde_json::json!({
            "@context": [crate::contexts::VC_V2],
            "type": ["VerifiableCredential"],
            "issuer": issuer,
            "credentialSubject": {"id": "did:example:ada", "name": "Ada"}
        });
        let sign = |doc: &Value, k: &SecretKey| {
            let options = ProofOptions {
                suite: Cryptosuite::EddsaRdfc2022,
                verification_method: vm(k),
                created: Some("2024-01-01T00:00:00Z".into()),
            };
            integrity::create_proof(&jsonld, doc, &options, k).expect("signs")
        };
        let by_a = sign(&doc, &a);
        let by_a_then_b = sign(&by_a, &b);
        let verifier = Verifier {
            jsonld: &jsonld,
            source: &crate::did::NoDocuments,
            now: Utc::now(),
            require_open_badge: false,
        };
        let both = verifier.verify(&Credential { value: by_a_then_b.clone() });
        assert_eq!(issuer_state(&both), State::Passed, "{both:?}");
        assert_eq!(both.outcome, Outcome::Verified, "{both:?}");
        let only_a = verifier.verify(&Credential { value: by_a.clone() });
        assert_eq!(issuer_state(&only_a), State::Failed, "{only_a:?}");

        // Issue #19 (found by tests/integration/props.rs once proofs became sets): a set with something
        // that is not a proof in it fails, though its one proof object would verify.
        let mut padded = by_a_then_b;
        padded["proof"].as_array_mut().expect("a set").insert(0, "inserted".into());
        let verdict = verifier.verify(&Credential { value: padded });
        let signature = verdict.checks.iter().find(|c| c.check == CheckName::Signature).expect("signature");
        assert_eq!(signature.state, State::Failed, "{verdict:?}");
        assert_eq!(signature.message, "`proof` holds something that is not a proof object");
    }
}
