//! Conformance with 1EdTech's Open Badges 3.0 JSON Schema (issue #19): every credential
//! rosette signs by default passes the canonical AchievementCredential schema in
//! `../shared/schemas` (draft 2019-09) — the sample awards in `badges/awards/`, `rosette award`
//! of an achievement in one language and in two, `rosette sign` of an Open Badge in both
//! cryptosuites, and `rosette reissue` — and credentials the schema refuses are refused here
//! too, so the validator is known to be live.
//!
//! A failure names the file, each failing JSON pointer and why:
//! `` `badges/awards/x.json`: `/proof`: {…} is not of type "array" ``.

use crate::common;

use common::{SAMPLE_KEY, SAMPLE_VM, repo_root, shared_dir};
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The address `credentialSchema.id` gives the schema (see `schemas/PROVENANCE.md`).
const PUBLISHED: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// The AchievementCredential schema, or `None` (after saying so) without `../shared`.
///
/// The file's own `$id` (`…/ob_v3p0_achievementcredential-jsonschema1.json`) is not the URL it
/// is published at; both name this one file, so both are registered and the validator starts
/// from the published one.
fn achievement_credential_schema() -> Option<Validator> {
    let path = shared_dir("schemas")?.join("ob_v3p0_achievementcredential_schema.json");
    let schema: Value = serde_json::from_str(&read(&path)).expect("the schema is JSON");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2019-09/schema#", "the dialect");
    let own_id = schema["$id"].as_str().expect("the schema has an $id").to_string();
    assert_ne!(own_id, PUBLISHED, "PROVENANCE.md says the two differ; if not, drop one of them");
    let registry = Registry::new()
        .draft(Draft::Draft201909)
        .add(PUBLISHED, schema.clone())
        .and_then(|r| r.add(&own_id, schema))
        .and_then(|r| r.prepare())
        .expect("the schema registers");
    let validator = jsonschema::options()
        .with_draft(Draft::Draft201909)
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&json!({"$ref": PUBLISHED}))
        .expect("the schema compiles");
    Some(validator)
}

/// Every way `credential` (from `file`) fails the schema: `` `file`: `/pointer`: why ``.
fn problems(schema: &Validator, file: &str, credential: &Value) -> Vec<String> {
    schema.iter_errors(credential).map(|e| format!("`{file}`: `{}`: {e}", e.instance_path())).collect()
}

/// Fails with every problem of every file, sorted.
#[track_caller]
fn assert_valid(schema: &Validator, files: &[(String, Value)]) {
    assert!(!files.is_empty(), "no credentials to check");
    let mut all: Vec<String> = files.iter().flat_map(|(f, c)| problems(schema, f, c)).collect();
    all.sort();
    assert!(
        all.is_empty(),
        "of {} credentials, some are not valid against {PUBLISHED}:\n{}",
        files.len(),
        all.join("\n")
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `*.json` files of `dir`, sorted, with their values, named relative to `base`.
fn credentials_in(dir: &Path, base: &Path) -> Vec<(String, Value)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| (p.strip_prefix(base).unwrap_or(&p).display().to_string(), json_file(&p)))
        .collect()
}

/// Runs the binary in `dir`; panics with its output unless it exits 0. Returns stdout and stderr.
#[track_caller]
fn rosette(dir: &Path, args: &[&str]) -> (String, String) {
    let out = common::rosette_in(dir).args(args).output().expect("run rosette");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "`rosette {}` failed\n--- stdout\n{stdout}--- stderr\n{stderr}",
        args.join(" ")
    );
    (stdout, stderr)
}

#[test]
fn the_sample_awards_pass_the_schema() {
    let Some(schema) = achievement_credential_schema() else { return };
    let root = repo_root();
    let awards = credentials_in(&root.join("badges/awards"), &root);
    assert_eq!(awards.len(), 10, "the sample has ten awards");
    assert_valid(&schema, &awards);
}

/// `rosette sign` of each sample award, unsigned, in both cryptosuites.
#[test]
fn sign_output_passes_the_schema_in_both_suites() {
    let Some(schema) = achievement_credential_schema() else { return };
    let root = repo_root();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let key = tmp.path().join("issuer.secret");
    std::fs::copy(root.join(SAMPLE_KEY), &key).expect("copy the sample key");
    set_private(&key);
    let key = key.display().to_string();
    let unsigned = root.join("tests/fixtures/sample-site/unsigned");
    let mut signed = Vec::new();
    for (name, credential) in credentials_in(&unsigned, &unsigned) {
        let input = unsigned.join(&name).display().to_string();
        for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
            let out = tmp.path().join(format!("{suite}-{name}"));
            let created = credential["validFrom"].as_str().expect("validFrom");
            let args = ["sign", "--key", &key, "--verification-method", SAMPLE_VM, "--suite", suite];
            let out_arg = out.display().to_string();
            rosette(tmp.path(), &[&args[..], &["--created", created, &input, "-o", &out_arg]].concat());
            signed.push((format!("{suite}/{name}"), json_file(&out)));
        }
    }
    assert_eq!(signed.len(), 20);
    for (name, c) in &signed {
        assert_eq!(c["proof"].as_array().map(Vec::len), Some(1), "{name}: one proof, as an array");
    }
    assert_valid(&schema, &signed);
}

/// `rosette award` of an achievement in one language and of one in two, then `reissue` after
/// both changed, one of them signed with eddsa-jcs-2022 (reissue keeps the suite).
#[test]
fn award_and_reissue_output_passes_the_schema() {
    let Some(schema) = achievement_credential_schema() else { return };
    let tmp = tempfile::tempdir().expect("temporary directory");
    rosette(
        tmp.path(),
        &["init", "site", "--base-url", "https://badges.example.org/", "--issuer", "Example U"],
    );
    let site = tmp.path().join("site");
    let bilingual = "[name]\nen = \"Rust Foundations\"\nzh-Hans = \"Rust 基础\"\n\
                     [description]\nen = \"Completed the 40-hour Rust course.\"\nzh-Hans = \"完成 40 小时的 Rust 课程。\"\n\
                     [field_of_study]\nen = \"Computing\"\nzh-Hans = \"计算机\"\n\
                     +++\n";
    std::fs::write(
        site.join("achievements/rust.md"),
        format!("+++\n{bilingual}\nWrote and tested a command-line tool in Rust.\n"),
    )
    .expect("write the achievement");
    let award = |achievement: &str| {
        let (stdout, stderr) = rosette(
            &site,
            &[
                "award",
                "--key",
                "signing-key.secret",
                "--achievement",
                achievement,
                "--name",
                "Ada",
                "--email",
                "ada@example.org",
            ],
        );
        let id = stdout.trim().rsplit('/').next().expect("an award id").to_string();
        (site.join(format!("badges/awards/{id}.json")), stderr)
    };
    let ((one, _), (two, warned)) = (award("example"), award("rust"));
    assert!(
        warned.contains(
            "warning: achievement `rust`: its `field_of_study` in languages other than `en` is left out"
        ),
        "{warned}"
    );
    let awarded = credentials_in(&site.join("badges/awards"), &site);
    assert_eq!(awarded.len(), 2);
    assert_valid(&schema, &awarded);

    // The multilingual one: English (the site's language) with its Chinese as a Related entry.
    let c = json_file(&two);
    let a = &c["credentialSubject"]["achievement"];
    assert_eq!(
        (c["name"].as_str(), a["name"].as_str()),
        (Some("Rust Foundations"), Some("Rust Foundations"))
    );
    assert_eq!((a["inLanguage"].as_str(), a["fieldOfStudy"].as_str()), (Some("en"), Some("Computing")));
    assert_eq!(
        a["related"],
        json!([{
            "id": "https://badges.example.org/achievements/rust#zh-Hans",
            "type": ["Related"],
            "inLanguage": "zh-Hans",
            "name": "Rust 基础",
            "description": "完成 40 小时的 Rust 课程。"
        }])
    );

    // One award re-signed with eddsa-jcs-2022, then both achievements edited and reissued.
    let mut jcs = json_file(&one);
    jcs.as_object_mut().expect("object").remove("proof");
    let vm = json_file(&one)["proof"][0]["verificationMethod"].as_str().expect("vm").to_string();
    std::fs::write(site.join("unsigned.json"), jcs.to_string()).expect("write");
    let one_arg = one.display().to_string();
    rosette(
        &site,
        &[
            "sign",
            "--key",
            "signing-key.secret",
            "--suite",
            "eddsa-jcs-2022",
            "--verification-method",
            &vm,
            "unsigned.json",
            "-o",
            &one_arg,
        ],
    );
    std::fs::remove_file(site.join("unsigned.json")).expect("remove");
    for file in ["achievements/example.md", "achievements/rust.md"] {
        let text = read(&site.join(file)).replace("Rust course", "Rust programme");
        std::fs::write(site.join(file), text.replace("example programme", "revised example programme"))
            .expect("edit the achievement");
    }
    rosette(&site, &["reissue", "--achievement", "example", "--key", "signing-key.secret"]);
    rosette(&site, &["reissue", "--achievement", "rust", "--key", "signing-key.secret"]);
    let reissued = credentials_in(&site.join("badges/awards"), &site);
    assert_valid(&schema, &reissued);
    let (one, two) = (json_file(&one), json_file(&two));
    assert_eq!(one["proof"][0]["cryptosuite"], "eddsa-jcs-2022", "reissue keeps the suite of a proof set");
    assert_eq!(
        two["credentialSubject"]["achievement"]["related"][0]["description"],
        "完成 40 小时的 Rust 课程。"
    );
    assert!(
        two["credentialSubject"]["achievement"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("Rust programme")),
        "{two}"
    );
    rosette(&site, &["build"]);
}

/// The validator is live: what the schema refuses is refused, with the file and the pointer.
#[test]
fn the_schema_refuses_a_proof_object_and_language_value_objects() {
    let Some(schema) = achievement_credential_schema() else { return };
    let root = repo_root();
    let mut one_object = json_file(&root.join("badges/awards/2024-dlf-0001.json"));
    one_object["proof"] = one_object["proof"][0].clone();
    let found = problems(&schema, "one-object.json", &one_object);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("`one-object.json`: `/proof`: "), "{found:#?}");

    // The sample award 2025-dlf-0003 as rosette wrote it before issue #19.
    let legacy = json_file(&root.join("tests/fixtures/legacy/language-value-objects.json"));
    let found = problems(&schema, "legacy.json", &legacy);
    let pointers: Vec<&str> =
        found.iter().map(|p| p.split('`').nth(3).expect("a pointer")).collect::<Vec<_>>();
    for want in [
        "/name",
        "/description",
        "/credentialSubject/achievement/name",
        "/credentialSubject/achievement/description",
    ] {
        assert!(pointers.contains(&want), "no problem at `{want}`: {found:#?}");
    }
}

/// `rosette sign` signs language value objects as given (valid VC 2.0), saying that the
/// 1EdTech schema refuses them and where rosette puts translations.
#[test]
fn sign_warns_about_language_value_objects() {
    let root = repo_root();
    let tmp = tempfile::tempdir().expect("temporary directory");
    let key = tmp.path().join("issuer.secret");
    std::fs::copy(root.join(SAMPLE_KEY), &key).expect("copy the sample key");
    set_private(&key);
    let input = root.join("tests/fixtures/legacy/language-value-objects.json");
    let (key, input) = (key.display().to_string(), input.display().to_string());
    let (stdout, stderr) =
        rosette(tmp.path(), &["sign", "--key", &key, "--verification-method", SAMPLE_VM, &input]);
    let signed: Value = serde_json::from_str(&stdout).expect("signed JSON");
    assert!(signed["name"].is_array(), "signed as given");
    assert!(
        stderr.contains(
            "`/name`, `/description`, `/credentialSubject/achievement/name`, `/credentialSubject/achievement/description` \
             hold language value objects"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("hint: `rosette award` writes"), "{stderr}");
    assert!(stderr.contains("`Related` entry of `credentialSubject.achievement.related`"), "{stderr}");
}

#[cfg(unix)]
fn set_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

#[cfg(not(unix))]
fn set_private(_: &Path) {}
