//! The Digital Credentials Consortium fixtures: real OB 3.0 credentials signed by Digital
//! Bazaar tooling, each with the outcome the table in their PROVENANCE.md expects.

use crate::common;

use rosette::fs::SiteDirs;
use rosette::jsonld::JsonLdProcessor;
use rosette::model::Credential;
use rosette::model::date::parse_date_time;
use rosette::verify::{CheckName, Outcome, State, Verifier};
use serde_json::Value;

/// (file under verifiableCredentials/v2/dataIntegrityProof/, outcome, check that decides it,
/// words its message must contain)
const TABLE: &[(&str, Outcome, CheckName, &str)] = &[
    (
        "didKey/legacyRegistry-noStatus-noExpiry-OBSpecExample.json",
        Outcome::Verified,
        CheckName::Signature,
        "eddsa-rdfc-2022",
    ),
    (
        "didKey/legacyRegistry-noStatus-noExpiry-achievementTypeExample.json",
        Outcome::Verified,
        CheckName::Signature,
        "eddsa-rdfc-2022",
    ),
    (
        "didKey/legacyRegistry-noStatus-noExpiry-alignments.json",
        Outcome::Verified,
        CheckName::Signature,
        "eddsa-rdfc-2022",
    ),
    (
        "didKey/legacyRegistry-noStatus-noExpiry-basicOBv3.json",
        Outcome::Verified,
        CheckName::Signature,
        "eddsa-rdfc-2022",
    ),
    (
        "didKey/legacyRegistry-noStatus-noExpiry-credName.json",
        Outcome::Verified,
        CheckName::Signature,
        "eddsa-rdfc-2022",
    ),
    (
        "didKey/legacyRegistry-noStatus-noExpiry-credSubjName.json",
        Outcome::Verified,
        CheckName::Signature,
        "eddsa-rdfc-2022",
    ),
    (
        "didKey/legacyRegistry-noStatus-noExpiry-identityHash.json",
        Outcome::Verified,
        CheckName::Signature,
        "eddsa-rdfc-2022",
    ),
    (
        "didKey/legacyRegistry-noStatus-noExpiry-minimal.json",
        Outcome::Failed,
        CheckName::Format,
        "not an Open Badge",
    ),
    (
        "didKey/legacyRegistry-noStatus-notExpired-withSchema.json",
        Outcome::Verified,
        CheckName::Validity,
        "until 2056",
    ),
    ("didKey/noRegistry-revokedStatus-noExpiry.json", Outcome::Failed, CheckName::Status, "revoked"),
    ("didKey/noRegsitry-revokedStatus-notExpired.json", Outcome::Failed, CheckName::Status, "revoked"),
    (
        "didKey/oidf-noStatus-notExpired-complexIssuer.json",
        Outcome::Verified,
        CheckName::Validity,
        "until 9999",
    ),
    (
        "didKey/oidf-noStatus-notExpired-notYetValid.json",
        Outcome::Failed,
        CheckName::Validity,
        "not yet valid",
    ),
    ("didKey/oidf-revokedStatus-noExpiry.json", Outcome::Failed, CheckName::Status, "revoked"),
    (
        "didKey/twoOIDF-revoked-notExpired-badSchema.json",
        Outcome::Failed,
        CheckName::Format,
        "`validFrom` is required",
    ),
    ("didKey/twoOIDF-validStatus-expired.json", Outcome::Warning, CheckName::Validity, "expired on"),
    ("didweb/legacy-revokedStatus-expired.json", Outcome::Failed, CheckName::Status, "revoked"),
    ("didweb/legacy-revokedStatus-noExpiry.json", Outcome::Failed, CheckName::Status, "revoked"),
    (
        "didweb/oidf-noStatus-notExpired.json",
        Outcome::Verified,
        CheckName::IssuerKey,
        "did:web:digitalcredentials.github.io",
    ),
];

fn sites(dcc: &std::path::Path) -> SiteDirs {
    SiteDirs::new(vec![
        ("https://digitalcredentials.github.io/vc-test-fixtures/".into(), dcc.to_path_buf()),
        (
            "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/src/test-fixtures/status/".into(),
            dcc.join("statusLists/didkey-ed25519Signature2020"),
        ),
    ])
}

fn load(path: &std::path::Path) -> Credential {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Credential::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_dcc_fixture_gives_the_expected_outcome() {
    let Some(dcc) = common::shared_dir("vectors/dcc-vc-test-fixtures") else {
        return;
    };
    let sites = sites(&dcc);
    let jsonld = JsonLdProcessor::new();
    let now = parse_date_time("2026-11-25T00:00:00Z").expect("now");
    let verifier = Verifier { jsonld: &jsonld, source: &sites, now, require_open_badge: true };
    let dir = dcc.join("verifiableCredentials/v2/dataIntegrityProof");
    let mut failures = Vec::new();
    for (file, outcome, deciding, words) in TABLE {
        let verdict = verifier.verify(&load(&dir.join(file)));
        let check = verdict.get(*deciding).expect("check present");
        // Every DCC proof is genuine, whatever else is wrong.
        let sig = verdict.get(CheckName::Signature).expect("signature check");
        if verdict.outcome != *outcome || !check.message.contains(words) || sig.state != State::Passed {
            failures.push(format!(
                "{file}: expected {outcome:?} with {deciding:?} ~ `{words}`, got {verdict:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!("dcc: {} fixtures gave their expected outcome", TABLE.len());
}

#[test]
fn a_tampered_dcc_fixture_fails_its_signature() {
    let Some(dcc) = common::shared_dir("vectors/dcc-vc-test-fixtures") else {
        return;
    };
    let sites = sites(&dcc);
    let jsonld = JsonLdProcessor::new();
    let now = parse_date_time("2026-11-25T00:00:00Z").expect("now");
    let verifier = Verifier { jsonld: &jsonld, source: &sites, now, require_open_badge: true };
    let mut credential =
        load(&dcc.join("verifiableCredentials/v2/dataIntegrityProof/didweb/oidf-noStatus-notExpired.json"));
    credential.value["credentialSubject"]["name"] = Value::String("Mallory".into());
    let verdict = verifier.verify(&credential);
    assert_eq!(verdict.outcome, Outcome::Failed);
    assert_eq!(verdict.first_problem().map(|c| c.message.as_str()), Some("proof signature does not verify"));
}

#[test]
fn tampered_and_expired_status_lists_are_never_read_as_not_revoked() {
    let Some(dcc) = common::shared_dir("vectors/dcc-vc-test-fixtures") else {
        return;
    };
    let lists = dcc.join("statusLists/didkey-ed25519Signature2020");
    let jsonld = JsonLdProcessor::new();
    let now = parse_date_time("2026-11-25T00:00:00Z").expect("now");
    let credential = load(
        &dcc.join("verifiableCredentials/v2/dataIntegrityProof/didKey/twoOIDF-validStatus-expired.json"),
    );
    let url = credential.status_entries()[0]["statusListCredential"].as_str().expect("url").to_string();
    let base = url.rsplit_once('/').expect("slash").0.to_string();
    for (list, words) in [
        ("tampered", "signature"),
        ("expired", "expired"),
        ("notYetValid", "not yet valid"),
        ("missingBitStringType", ""),
    ] {
        // Serve the broken list under the URL the credential names.
        let tmp = tempfile::tempdir().expect("tmp");
        let name = url.rsplit('/').next().expect("name");
        std::fs::copy(lists.join(list), tmp.path().join(name)).expect("copy");
        let sites = SiteDirs::new(vec![(format!("{base}/"), tmp.path().to_path_buf())]);
        let verdict =
            Verifier { jsonld: &jsonld, source: &sites, now, require_open_badge: true }.verify(&credential);
        let status = verdict.get(CheckName::Status).expect("status");
        assert_ne!(status.state, State::Passed, "{list}: {status:?}");
        assert!(matches!(status.state, State::Unknown | State::Failed), "{list}: {status:?}");
        assert!(status.message.contains(words), "{list}: {}", status.message);
    }
}
