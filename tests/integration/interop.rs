//! Interop with an independent implementation: the Node.js verifier and signer in
//! `../shared/interop`, built on Digital Bazaar's reference libraries.
//!
//! * rosette → reference: what `rosette sign` writes (did:key and did:web issuers, and
//!   credentials with a hashed e-mail identifier, a `validUntil`, language-tagged names) must
//!   PASS `verify.mjs`, and rosette's own `did.json` must publish the key.
//! * reference → rosette: what `sign.mjs` signs must verify with `rosette verify`.
//! * Both reject a credential with one changed character.
//!
//! Needs `ROSETTE_INTEROP_DIR`: a copy of `shared/interop` with its npm packages installed,
//! which `scripts/test.sh` sets up. Without it the tests are skipped, except under CI.

use rosette::keys::SecretKey;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const WEB_DID: &str = "did:web:badges.example.org";
const WEB_VM: &str = "did:web:badges.example.org#key-1";
const BASE_URL: &str = "https://badges.example.org/";
/// The seed `sign.mjs` signs with: RFC 8032 §7.1 TEST 1.
const SEED_HEX: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const CREATED: &str = "2024-01-01T00:00:00Z";

/// The interop verifier's folder, or `None` (after saying so) when it is not set up.
fn interop_dir() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("ROSETTE_INTEROP_DIR").map(PathBuf::from) else {
        if std::env::var_os("CI").is_some() {
            panic!(
                "ROSETTE_INTEROP_DIR is not set: under CI the interop tests must run \
                 (run them through scripts/test.sh)"
            );
        }
        eprintln!("skipped: interop verifier not set up (run scripts/test.sh)");
        return None;
    };
    for needed in ["verify.mjs", "sign.mjs", "keydoc.mjs", "node_modules"] {
        assert!(
            dir.join(needed).exists(),
            "ROSETTE_INTEROP_DIR `{}` has no `{needed}`: run scripts/test.sh to set it up",
            dir.display()
        );
    }
    Some(dir)
}

/// What a process did, for assertion messages.
struct Ran {
    what: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn new(what: String, out: Output) -> Self {
        Ran {
            what,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    #[track_caller]
    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit status\n{self}");
        self
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "$ {}\nexit status: {}\n--- stdout\n{}--- stderr\n{}",
            self.what, self.code, self.stdout, self.stderr
        )
    }
}

/// A scratch directory with the interop verifier at hand.
struct Lab {
    interop: PathBuf,
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Option<Self> {
        Some(Lab { interop: interop_dir()?, dir: tempfile::tempdir().expect("create a temporary directory") })
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create a directory");
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    fn write_json(&self, rel: &str, value: &Value) {
        let mut text = serde_json::to_string_pretty(value).expect("serialize");
        text.push('\n');
        self.write(rel, &text);
    }

    fn read(&self, rel: &str) -> String {
        let path = self.path(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The sample unsigned OB 3.0 AchievementCredential of the interop package.
    fn sample_credential(&self) -> Value {
        let path = self.interop.join("fixtures/ob3/achievement-unsigned.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).expect("the sample credential is JSON")
    }

    fn mkdir(&self, rel: &str) {
        std::fs::create_dir_all(self.path(rel)).expect("create a directory");
    }

    fn rosette(&self, args: &[&str]) -> Ran {
        let out = Command::new(env!("CARGO_BIN_EXE_rosette"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("ROSETTE_SIGNING_KEY")
            .stdin(Stdio::null())
            .output()
            .expect("run the rosette binary");
        Ran::new(format!("rosette {}", args.join(" ")), out)
    }

    /// Runs `node <interop>/<script> ARGS` in the scratch directory.
    fn node(&self, script: &str, args: &[&str]) -> Ran {
        let out = Command::new("node")
            .arg(self.interop.join(script))
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run node (is Node.js 20+ installed?)");
        Ran::new(format!("node {script} {}", args.join(" ")), out)
    }

    /// A new key from `rosette keygen`: its file name and public Multikey.
    fn keygen(&self, name: &str) -> (String, String) {
        let ran = self.rosette(&["keygen", "--out", name]);
        ran.expect_code(0);
        let public = ran
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("public key (Multikey): "))
            .unwrap_or_else(|| panic!("no public key printed\n{ran}"))
            .to_string();
        (name.to_string(), public)
    }
}

/// The credential with its issuer set to the Profile of `did`.
fn with_issuer(mut credential: Value, did: &str) -> Value {
    credential["issuer"] = json!({
        "id": did,
        "type": ["Profile"],
        "name": "Example Training Institute",
        "url": "https://badges.example.org/"
    });
    credential
}

/// The variants both sides must agree on, named for their file.
fn variants(base: &Value) -> Vec<(&'static str, Value)> {
    // OB 3.0 §AchievementSubject: an `id` or at least one `identifier`.
    let mut subject_id = base.clone();
    if let Some(subject) = subject_id["credentialSubject"].as_object_mut() {
        subject.remove("identifier");
        subject.insert("id".into(), "did:example:ebfeb1f712ebc6f1c276e12ec21".into());
    }

    let mut hashed_email = base.clone();
    hashed_email["credentialSubject"]["identifier"] = json!([{
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": true,
        "identityHash": "sha256$31fe9fd1e6acd29c5d07aa42604652ab0143de12cd78627210355030749e6ce0",
        "salt": "f3a9c2e1b7d4"
    }]);

    let mut valid_until = hashed_email.clone();
    valid_until["validUntil"] = "2099-12-31T23:59:59Z".into();

    let mut languages = hashed_email.clone();
    languages["name"] = json!([
        {"@value": "Rust Foundations", "@language": "en"},
        {"@value": "Rust 基础", "@language": "zh-Hans"}
    ]);
    languages["credentialSubject"]["achievement"]["name"] =
        json!({"@value": "Rust 基础", "@language": "zh-Hans"});
    languages["credentialSubject"]["achievement"]["description"] =
        json!({"@value": "完成 40 小时的 Rust 基础课程。", "@language": "zh-Hans"});

    // Issue #19: the form `rosette award` writes, which 1EdTech's schema accepts: the
    // achievement's text in one language (`inLanguage`), its translation a `Related` entry.
    let mut related = hashed_email.clone();
    let achievement = &mut related["credentialSubject"]["achievement"];
    let translation = format!("{}#zh-Hans", achievement["id"].as_str().unwrap_or("urn:example:achievement"));
    achievement["inLanguage"] = "en".into();
    achievement["related"] = json!([{
        "id": translation,
        "type": ["Related"],
        "inLanguage": "zh-Hans",
        "name": "Rust 基础",
        "description": "完成 40 小时的 Rust 基础课程。"
    }]);

    vec![
        ("subject-id", subject_id),
        ("hashed-email", hashed_email),
        ("valid-until", valid_until),
        ("zh-hans", languages),
        ("related-translation", related),
    ]
}

/// Every credential line of `verify.mjs` is a PASS and the summary counts `n` of them.
#[track_caller]
fn assert_all_pass(ran: &Ran, n: usize) {
    ran.expect_code(0);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), n + 1, "expected {n} credentials\n{ran}");
    for line in &lines[..n] {
        assert!(line.starts_with("PASS "), "{line}\n{ran}");
    }
    assert_eq!(lines[n], format!("{n} passed, 0 failed"), "{ran}");
}

/// `rosette verify` says `verified` for every file.
#[track_caller]
fn assert_rosette_verified(ran: &Ran, files: &[&str]) {
    ran.expect_code(0);
    for file in files {
        assert!(ran.stdout.contains(&format!("{file}: verified\n")), "`{file}` not verified\n{ran}");
    }
}

fn seed_did_key() -> String {
    let seed: Vec<u8> = (0..SEED_HEX.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&SEED_HEX[i..i + 2], 16).expect("hex"))
        .collect();
    SecretKey::from_seed(&seed).expect("32-byte seed").public_key().did_key()
}

// ---------------------------------------------------------------------------------------------
// rosette → reference

#[test]
fn rosette_signs_did_key_credentials_the_reference_verifies() {
    let Some(lab) = Lab::new() else { return };
    let (key, public) = lab.keygen("issuer.secret");
    let did = format!("did:key:{public}");
    let base = with_issuer(lab.sample_credential(), &did);

    let mut signed = Vec::new();
    lab.mkdir("out");
    for (name, credential) in variants(&base) {
        let input = format!("in/{name}.json");
        let output = format!("out/{name}.json");
        lab.write_json(&input, &credential);
        lab.rosette(&["sign", "--key", &key, &input, "-o", &output]).expect_code(0);
        signed.push(output);
    }
    let files: Vec<&str> = signed.iter().map(String::as_str).collect();

    let ran = lab.node("verify.mjs", &files);
    assert_all_pass(&ran, files.len());
    for file in &files {
        assert!(ran.stdout.contains(&format!("PASS {file}: verificationMethod {did}#{public}")), "{ran}");
    }
    // And rosette agrees with itself.
    let mut args = vec!["verify"];
    args.extend(&files);
    assert_rosette_verified(&lab.rosette(&args), &files);
}

#[test]
fn rosette_signs_a_did_web_credential_the_reference_verifies_on_the_site() {
    let Some(lab) = Lab::new() else { return };
    let (key, public) = lab.keygen("issuer.secret");
    let credential = with_issuer(lab.sample_credential(), WEB_DID);
    lab.write_json("unsigned.json", &credential);
    lab.mkdir("site/awards");
    lab.rosette(&[
        "sign",
        "--key",
        &key,
        "--verification-method",
        WEB_VM,
        "unsigned.json",
        "-o",
        "site/awards/2024-0001.json",
    ])
    .expect_code(0);

    // The DID document as rosette builds it for publishing.
    let public = rosette::keys::PublicKey::from_multibase(&public).expect("printed Multikey");
    let did_doc = rosette::did::did_document(WEB_DID, &[("key-1".to_string(), public)]);
    lab.write_json("site/.well-known/did.json", &did_doc);

    let ran = lab.node("verify.mjs", &["--site", "site", "--base-url", BASE_URL, "site"]);
    assert_all_pass(&ran, 1);
    assert!(
        ran.stdout.contains(&format!("PASS site/awards/2024-0001.json: verificationMethod {WEB_VM}")),
        "{ran}"
    );

    let ran =
        lab.rosette(&["verify", "--site", "site", "--base-url", BASE_URL, "site/awards/2024-0001.json"]);
    assert_rosette_verified(&ran, &["site/awards/2024-0001.json"]);
}

// ---------------------------------------------------------------------------------------------
// reference → rosette

#[test]
fn rosette_verifies_did_key_credentials_the_reference_signed() {
    let Some(lab) = Lab::new() else { return };
    let did = seed_did_key();
    let base = with_issuer(lab.sample_credential(), &did);
    let mut signed = Vec::new();
    for (name, credential) in variants(&base) {
        let input = format!("in/{name}.json");
        lab.write_json(&input, &credential);
        let ran = lab.node("sign.mjs", &["--seed", SEED_HEX, "--created", CREATED, &input]);
        ran.expect_code(0);
        let output = format!("ref/{name}.json");
        lab.write(&output, &ran.stdout);
        signed.push(output);
    }
    let files: Vec<&str> = signed.iter().map(String::as_str).collect();
    let mut args = vec!["verify"];
    args.extend(&files);
    let ran = lab.rosette(&args);
    assert_rosette_verified(&ran, &files);
    assert!(ran.stdout.contains(&format!("eddsa-rdfc-2022 signature by `{did}#")), "{ran}");
}

#[test]
fn rosette_verifies_a_did_web_credential_the_reference_signed() {
    let Some(lab) = Lab::new() else { return };
    let credential = with_issuer(lab.sample_credential(), WEB_DID);
    lab.write_json("unsigned.json", &credential);
    let ran = lab.node(
        "sign.mjs",
        &[
            "--seed",
            SEED_HEX,
            "--controller",
            WEB_DID,
            "--key-id",
            "key-1",
            "--created",
            CREATED,
            "unsigned.json",
        ],
    );
    ran.expect_code(0);
    lab.write("site/awards/ref.json", &ran.stdout);
    let ran = lab.node("keydoc.mjs", &["--seed", SEED_HEX, "--did", WEB_DID, "--key-id", "key-1"]);
    ran.expect_code(0);
    lab.write("site/.well-known/did.json", &ran.stdout);

    let ran = lab.rosette(&["verify", "--site", "site", "--base-url", BASE_URL, "site/awards/ref.json"]);
    assert_rosette_verified(&ran, &["site/awards/ref.json"]);
    assert!(ran.stdout.contains(&format!("eddsa-rdfc-2022 signature by `{WEB_VM}`")), "{ran}");
}

// ---------------------------------------------------------------------------------------------
// Negative: one changed character

#[test]
fn both_reject_a_rosette_credential_with_one_changed_character() {
    let Some(lab) = Lab::new() else { return };
    let (key, public) = lab.keygen("issuer.secret");
    let base = with_issuer(lab.sample_credential(), &format!("did:key:{public}"));
    lab.write_json("unsigned.json", &base);
    lab.rosette(&["sign", "--key", &key, "unsigned.json", "-o", "signed.json"]).expect_code(0);
    let signed = lab.read("signed.json");
    assert!(signed.contains("40-hour"));
    lab.write("bad/tampered.json", &signed.replacen("40-hour", "41-hour", 1));

    let ran = lab.node("verify.mjs", &["--expect-fail", "bad/tampered.json"]);
    assert_all_pass(&ran, 1);
    assert!(ran.stdout.contains("rejected as expected"), "{ran}");

    let ran = lab.rosette(&["verify", "bad/tampered.json"]);
    ran.expect_code(1);
    assert!(ran.stdout.starts_with("bad/tampered.json: FAILED: proof signature does not verify\n"), "{ran}");
}

#[test]
fn rosette_rejects_a_reference_credential_with_one_changed_character() {
    let Some(lab) = Lab::new() else { return };
    let base = with_issuer(lab.sample_credential(), &seed_did_key());
    lab.write_json("unsigned.json", &base);
    let ran = lab.node("sign.mjs", &["--seed", SEED_HEX, "unsigned.json"]);
    ran.expect_code(0);
    assert!(ran.stdout.contains("40-hour"));
    lab.write("tampered.json", &ran.stdout.replacen("40-hour", "41-hour", 1));

    let ran = lab.rosette(&["verify", "tampered.json"]);
    ran.expect_code(1);
    assert!(ran.stdout.starts_with("tampered.json: FAILED: proof signature does not verify\n"), "{ran}");
    let ran = lab.node("verify.mjs", &["--expect-fail", "tampered.json"]);
    assert_all_pass(&ran, 1);
}

/// The harness itself: the reference accepts only `eddsa-rdfc-2022`, so a valid
/// `eddsa-jcs-2022` credential must be rejected. Were it to pass, every PASS above could come
/// from a verifier that checks nothing.
#[test]
fn the_reference_rejects_what_it_does_not_support() {
    let Some(lab) = Lab::new() else { return };
    let (key, public) = lab.keygen("issuer.secret");
    let base = with_issuer(lab.sample_credential(), &format!("did:key:{public}"));
    lab.write_json("unsigned.json", &base);
    lab.rosette(&["sign", "--key", &key, "--suite", "eddsa-jcs-2022", "unsigned.json", "-o", "jcs.json"])
        .expect_code(0);
    assert_rosette_verified(&lab.rosette(&["verify", "jcs.json"]), &["jcs.json"]);
    let ran = lab.node("verify.mjs", &["--expect-fail", "jcs.json"]);
    assert_all_pass(&ran, 1);
    assert!(ran.stdout.contains("insufficient proofs matched"), "{ran}");
}

/// The golden `eddsa-rdfc-2022` credential of `tests/integration/cli.rs` (sample key, fixed `created`)
/// passes the reference, and the reference, signing the same credential with the same key at
/// the same time, writes the very same `proofValue`: both canonicalize byte for byte alike.
#[test]
fn the_reference_reproduces_the_pinned_eddsa_rdfc_2022_signature() {
    let Some(lab) = Lab::new() else { return };
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let read = |rel: &str| {
        let path = fixtures.join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    lab.write("signed-rdfc.json", &read("cli/signed-rdfc.json"));
    lab.write("unsigned.json", &read("cli/unsigned.json"));
    assert_all_pass(&lab.node("verify.mjs", &["signed-rdfc.json"]), 1);

    let key_file = read("keys/sample.secret");
    let secret = key_file.lines().find(|l| l.starts_with('z')).expect("the secret key line");
    let decoded = bs58::decode(&secret[1..]).into_vec().expect("base58btc");
    let seed = decoded.strip_prefix(&[0x80, 0x26]).expect("an Ed25519 secret Multikey");
    let seed_hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();

    let ran = lab.node("sign.mjs", &["--seed", &seed_hex, "--created", CREATED, "unsigned.json"]);
    ran.expect_code(0);
    let theirs: Value = serde_json::from_str(&ran.stdout).expect("sign.mjs prints JSON");
    let ours: Value = serde_json::from_str(&read("cli/signed-rdfc.json")).expect("golden JSON");
    // The reference writes one proof as an object, rosette as a set of one: the same proof.
    assert_eq!(theirs["proof"]["verificationMethod"], ours["proof"][0]["verificationMethod"]);
    assert_eq!(theirs["proof"]["proofValue"], ours["proof"][0]["proofValue"], "{ran}");
}
