//! Verifying a presentation: what a wallet hands a verifier (VC 2.0 §4.13). The holder signs
//! the presentation, with its credentials inside it, for one verifier's `challenge` and
//! `domain` (VC Data Integrity §2.1, proof purpose `authentication`); each credential inside is
//! then checked like any other by [`Verifier::verify`].
//!
//! Like a credential's [`Verdict`], a [`PresentationVerdict`] only lists checks: nothing here
//! prints or reads files.

use crate::contexts;
use crate::did::{DidError, Resolver};
use crate::integrity::{self, AUTHENTICATION};
use crate::model::Credential;
use crate::model::credential::{strings, values};
use crate::verify::{Check, CheckName, Outcome, State, Verdict, Verifier};
use serde::Serialize;
use serde_json::{Map, Value};

/// What the verifier asked the holder to sign for: a presentation made for another verifier,
/// or for an earlier request, must not pass here.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// The `challenge` this verifier gave the holder, which the proof must carry. Without one,
    /// the challenge check is a warning: a copy of an earlier presentation would pass.
    pub challenge: Option<String>,
    /// The `domain` the proof must carry (this verifier's), when one was asked for.
    pub domain: Option<String>,
}

/// Every check on a presentation, and the verdict on each credential it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresentationVerdict {
    /// What the [`checks`](Self::checks) add up to, by the rule of [`Verdict::outcome`]; the
    /// last check sums up the credentials, so one failed credential fails the presentation.
    pub outcome: Outcome,
    /// The checks on the presentation itself (format, signature, holder key, holder,
    /// challenge), then [`CheckName::Credentials`], which sums up the credentials' verdicts.
    pub checks: Vec<Check>,
    /// The verdict on each credential object in `verifiableCredential`, in order.
    pub credentials: Vec<Verdict>,
}

/// Whether a JSON document says it is a presentation.
pub fn is_presentation(document: &Value) -> bool {
    strings(document.get("type")).contains(&"VerifiablePresentation")
}

fn check(check: CheckName, state: State, message: impl Into<String>) -> Check {
    Check { check, state, message: message.into() }
}

impl Verifier<'_> {
    /// Makes every check on `presentation` and on each credential in it.
    pub fn verify_presentation(&self, presentation: &Value, expected: &Expected) -> PresentationVerdict {
        let mut checks = vec![match shape(presentation) {
            Ok(n) => check(CheckName::Format, State::Passed, format!("Verifiable Presentation of {n}")),
            Err(reason) => check(CheckName::Format, State::Failed, reason),
        }];
        let proofs = integrity::proofs(presentation);
        match proofs.as_slice() {
            [] => {
                checks.push(check(
                    CheckName::Signature,
                    State::Failed,
                    "the presentation has no `proof`: nothing shows who presents it",
                ));
                checks.push(check(CheckName::HolderKey, State::NotApplicable, "no proof to take a key from"));
                checks.push(check(CheckName::Holder, State::NotApplicable, "no key to compare with"));
                checks.push(check(CheckName::Challenge, State::NotApplicable, "no proof"));
            }
            [proof, ..] => self.check_holder_proof(presentation, proof, expected, &mut checks),
        }
        let credentials: Vec<Verdict> = values(presentation.get("verifiableCredential"))
            .into_iter()
            .filter(|v| v.is_object())
            .map(|v| self.verify_embedded(v))
            .collect();
        checks.push(credentials_check(&credentials));
        PresentationVerdict { outcome: Verdict::outcome_of(&checks), checks, credentials }
    }

    fn check_holder_proof(
        &self,
        presentation: &Value,
        proof: &Map<String, Value>,
        expected: &Expected,
        checks: &mut Vec<Check>,
    ) {
        let vm_id = proof.get("verificationMethod").and_then(Value::as_str).unwrap_or_default();
        let method = match Resolver::new(self.source).method(vm_id) {
            Ok(m) => m,
            Err(e) => {
                let state =
                    if matches!(e, DidError::Unresolvable { .. }) { State::Unknown } else { State::Failed };
                checks.push(check(CheckName::Signature, state, format!("no usable key: {e}")));
                checks.push(check(CheckName::HolderKey, state, e.to_string()));
                checks.push(check(CheckName::Holder, State::NotApplicable, "no key to compare with"));
                checks.push(challenge_check(proof, expected));
                return;
            }
        };
        checks.push(
            match integrity::verify_proof_for(
                self.jsonld,
                presentation,
                proof,
                &method.public_key,
                AUTHENTICATION,
            ) {
                Ok(v) => check(
                    CheckName::Signature,
                    State::Passed,
                    format!("{} signature by `{vm_id}`", v.suite.name()),
                ),
                Err(e) => check(CheckName::Signature, State::Failed, e.to_string()),
            },
        );
        checks.push(if method.authentication {
            check(
                CheckName::HolderKey,
                State::Passed,
                format!("listed under `authentication` of `{}`", method.controller),
            )
        } else {
            check(
                CheckName::HolderKey,
                State::Failed,
                format!("key `{vm_id}` is not listed under `authentication` of `{}`", method.controller),
            )
        });
        let holder = match presentation.get("holder") {
            Some(Value::String(s)) => Some(s.as_str()),
            Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
            _ => None,
        };
        checks.push(match holder {
            None => check(CheckName::Holder, State::NotApplicable, "no `holder` named"),
            Some(h) if h == method.controller => {
                check(CheckName::Holder, State::Passed, format!("`{h}` controls the signing key"))
            }
            Some(h) => check(
                CheckName::Holder,
                State::Failed,
                format!(
                    "the holder `{h}` does not control the signing key (its controller is `{}`)",
                    method.controller
                ),
            ),
        });
        checks.push(challenge_check(proof, expected));
    }

    /// A credential inside a presentation, checked as on its own. Enveloped credentials
    /// (VC-JOSE-COSE) are not something rosette reads: never counted as verified.
    fn verify_embedded(&self, value: &Value) -> Verdict {
        if strings(value.get("type")).contains(&"EnvelopedVerifiableCredential") {
            return Verdict::from_checks(vec![check(
                CheckName::Format,
                State::Unknown,
                "could not check: an enveloped credential (VC-JOSE-COSE); rosette reads Data Integrity proofs",
            )]);
        }
        self.verify(&Credential { value: value.clone() })
    }
}

/// The data model's rules for a presentation (VC 2.0 §4.13): what it says it is, and that its
/// credentials are credentials, not references to them. Returns how many it carries.
fn shape(p: &Value) -> Result<String, String> {
    let context = values(p.get("@context"));
    match context.first().and_then(|c| c.as_str()) {
        Some(contexts::VC_V2 | contexts::VC_V1) => {}
        _ => {
            return Err(format!(
                "`@context` must start with `{}` (or `{}` for VC 1.1)",
                contexts::VC_V2,
                contexts::VC_V1
            ));
        }
    }
    for c in &context {
        match c {
            Value::Object(_) => {}
            Value::String(url) if contexts::get(url).is_some() => {}
            Value::String(url) => {
                return Err(format!(
                    "unknown JSON-LD context `{url}`: rosette only uses the contexts it embeds"
                ));
            }
            other => return Err(format!("`@context` entries must be URLs or objects, not {other}")),
        }
    }
    if !strings(p.get("type")).contains(&"VerifiablePresentation") {
        return Err("`type` does not include `VerifiablePresentation`".into());
    }
    if let Some(id) = p.get("id")
        && !id.as_str().is_some_and(is_url)
    {
        return Err(format!("`id` must be a URL, not {id}"));
    }
    match p.get("holder") {
        None => {}
        Some(Value::String(h)) if is_url(h) => {}
        Some(Value::Object(o)) if o.get("id").and_then(Value::as_str).is_some_and(is_url) => {}
        Some(other) => {
            return Err(format!("`holder` must be a URL or an object with an `id` URL, not {other}"));
        }
    }
    let credentials = values(p.get("verifiableCredential"));
    if let Some(bad) = credentials.iter().find(|c| !c.is_object()) {
        return Err(format!(
            "`verifiableCredential` entries must be credentials (objects), not {bad}: a presentation carries \
             its credentials, not references to them"
        ));
    }
    Ok(credential_count(credentials.len()))
}

fn credential_count(n: usize) -> String {
    if n == 1 { "1 credential".into() } else { format!("{n} credentials") }
}

fn is_url(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

/// The proof must be for this verifier and this request: its `challenge` and `domain` as the
/// verifier gave them. Without them a verifier cannot tell a fresh presentation from a replay.
fn challenge_check(proof: &Map<String, Value>, expected: &Expected) -> Check {
    let stated = |k: &str| strings(proof.get(k)).into_iter().map(str::to_string).collect::<Vec<_>>();
    let (challenge, domain) = (stated("challenge"), stated("domain"));
    for (name, want, got) in
        [("challenge", &expected.challenge, &challenge), ("domain", &expected.domain, &domain)]
    {
        if let Some(want) = want
            && !got.contains(want)
        {
            let got = if got.is_empty() { "none".to_string() } else { format!("`{}`", got.join("`, `")) };
            return check(
                CheckName::Challenge,
                State::Failed,
                format!("the proof's {name} is {got}, not `{want}`"),
            );
        }
    }
    match (&expected.challenge, &expected.domain) {
        (Some(c), Some(d)) => {
            check(CheckName::Challenge, State::Passed, format!("made for challenge `{c}` and domain `{d}`"))
        }
        (Some(c), None) => check(CheckName::Challenge, State::Passed, format!("made for challenge `{c}`")),
        _ => check(
            CheckName::Challenge,
            State::Warning,
            "not compared: without the challenge you asked the holder to sign (--challenge), a copy of an \
             earlier presentation would pass",
        ),
    }
}

fn credentials_check(credentials: &[Verdict]) -> Check {
    let n = credentials.len();
    let count = |o: Outcome| credentials.iter().filter(|v| v.outcome == o).count();
    let (failed, unknown, warned) =
        (count(Outcome::Failed), count(Outcome::Unknown), count(Outcome::Warning));
    if n == 0 {
        return check(CheckName::Credentials, State::NotApplicable, "the presentation carries no credential");
    }
    let all = credential_count(n);
    let of = |k: usize| if n == 1 { "the credential".to_string() } else { format!("{k} of {all}") };
    if failed > 0 {
        check(CheckName::Credentials, State::Failed, format!("{} failed", of(failed)))
    } else if unknown > 0 {
        check(CheckName::Credentials, State::Unknown, format!("{} could not be checked", of(unknown)))
    } else if warned > 0 {
        check(CheckName::Credentials, State::Warning, format!("{all} verified, {warned} with warnings"))
    } else {
        check(CheckName::Credentials, State::Passed, format!("{all} verified"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vp() -> Value {
        json!({
            "@context": [contexts::VC_V2],
            "type": ["VerifiablePresentation"],
            "holder": "did:example:holder",
            "verifiableCredential": [{"type": ["VerifiableCredential"]}],
        })
    }

    fn with(edit: impl FnOnce(&mut Value)) -> Result<String, String> {
        let mut p = vp();
        edit(&mut p);
        shape(&p)
    }

    #[test]
    fn the_data_model_rules_for_a_presentation() {
        assert_eq!(shape(&vp()), Ok("1 credential".into()));
        assert!(with(|p| p["holder"] = json!({"id": "did:example:holder"})).is_ok());
        assert!(with(|p| p["id"] = json!("urn:uuid:0d7c4a7e")).is_ok());
        assert!(with(|p| p["@context"] = json!([contexts::VC_V2, {"@vocab": "https://ex.org/#"}])).is_ok());
        let fails = [
            (with(|p| _ = p.as_object_mut().map(|o| o.remove("@context"))), "`@context` must start with"),
            (
                with(|p| {
                    p["@context"] = json!(["https://www.w3.org/ns/credentials/examples/v2", contexts::VC_V2])
                }),
                "`@context` must start with",
            ),
            (
                with(|p| p["@context"] = json!([contexts::VC_V2, "https://example.com"])),
                "unknown JSON-LD context",
            ),
            (with(|p| p["@context"] = json!([contexts::VC_V2, 123192875])), "must be URLs or objects"),
            (with(|p| p["type"] = json!(["Presentation"])), "`VerifiablePresentation`"),
            (with(|p| p["id"] = json!("not a url")), "`id` must be a URL"),
            (with(|p| p["holder"] = json!({"name": "Ada"})), "`holder` must be a URL"),
            (with(|p| p["holder"] = json!(42)), "`holder` must be a URL"),
            (
                with(|p| p["verifiableCredential"] = json!(["https://example.org/vc/1"])),
                "not references to them",
            ),
        ];
        for (result, want) in fails {
            let err = result.expect_err(want);
            assert!(err.contains(want), "{err} / {want}");
        }
    }

    #[test]
    fn a_presentation_must_be_made_for_this_challenge_and_domain() {
        let proof = json!({"challenge": "abc", "domain": "hiring.example"});
        let proof = proof.as_object().expect("object");
        let expect = |c: Option<&str>, d: Option<&str>| Expected {
            challenge: c.map(Into::into),
            domain: d.map(Into::into),
        };
        assert_eq!(challenge_check(proof, &expect(Some("abc"), Some("hiring.example"))).state, State::Passed);
        assert_eq!(challenge_check(proof, &expect(Some("abc"), None)).state, State::Passed);
        assert_eq!(challenge_check(proof, &expect(Some("abd"), None)).state, State::Failed);
        assert_eq!(challenge_check(proof, &expect(Some("abc"), Some("other.example"))).state, State::Failed);
        // Not asked: a replay cannot be told apart, and the reader is told so.
        assert_eq!(challenge_check(proof, &expect(None, None)).state, State::Warning);
        let none = Map::new();
        let failed = challenge_check(&none, &expect(Some("abc"), None));
        assert_eq!(failed.state, State::Failed);
        assert!(failed.message.contains("is none"), "{}", failed.message);
    }
}
