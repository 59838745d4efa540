//! What users see from the `rosette` binary: help texts, messages, exit codes and signed output,
//! pinned as golden files under `tests/fixtures/cli/`.
//!
//! Each test runs the real binary in a scratch directory, so the paths in its output are the
//! short relative ones a user types. The clock is fixed (`--created`, `--now`) and signing uses
//! the sample key `tests/fixtures/keys/sample.secret`, so every golden file is byte-stable.
//!
//! When an output changes on purpose, rewrite the golden files and review the diff:
//!
//! ```sh
//! ROSETTE_BLESS=1 cargo test --test integration cli::
//! git diff tests/fixtures/cli/
//! ```

use crate::common;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The sample key's did:key verification method (see `tests/fixtures/keys/sample.secret`).
const SAMPLE_MULTIKEY: &str = "z6MkqQvbjT7nQwHviw85mcbwFeTFTCAxCTw2gtjj34a9NbWB";
/// The proof time of every golden signed credential.
const CREATED: &str = "2024-01-01T00:00:00Z";
/// The verification time of every golden report.
const NOW: &str = "2025-01-01T00:00:00Z";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn sample_did() -> String {
    format!("did:key:{SAMPLE_MULTIKEY}")
}

fn sample_vm() -> String {
    format!("did:key:{SAMPLE_MULTIKEY}#{SAMPLE_MULTIKEY}")
}

// ---------------------------------------------------------------------------------------------
// Harness

/// What one run of the binary did.
struct Run {
    args: Vec<String>,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The whole run as one text: the command, its exit status, standard output and error.
    fn transcript(&self) -> String {
        format!(
            "$ rosette {}\nexit status: {}\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }

    #[track_caller]
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit status\n{}", self.transcript());
        self
    }
}

/// A scratch directory the binary runs in.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox { dir: tempfile::tempdir().expect("create a temporary directory") }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, contents: &str) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create a directory in the sandbox");
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    fn mkdir(&self, rel: &str) {
        std::fs::create_dir_all(self.path(rel)).expect("create a directory in the sandbox");
    }

    fn read(&self, rel: &str) -> String {
        let path = self.path(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Copies `tests/fixtures/<fixture>` to `rel`.
    fn copy_fixture(&self, fixture: &str, rel: &str) {
        self.write(rel, &fixture_text(fixture));
    }

    /// Puts the sample key at `sample.secret`, readable only by its owner as `keygen` leaves
    /// it (git does not keep file modes), and returns its name.
    fn sample_key(&self) -> &'static str {
        self.copy_fixture("keys/sample.secret", "sample.secret");
        set_mode(&self.path("sample.secret"), 0o600);
        "sample.secret"
    }

    /// Runs `rosette ARGS` here, with no signing key in the environment.
    fn rosette(&self, args: &[&str]) -> Run {
        self.rosette_env(args, &[])
    }

    fn rosette_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_at(self.dir.path(), args, env)
    }

    /// Runs `rosette ARGS` in the directory `rel` of the sandbox.
    fn rosette_in(&self, rel: &str, args: &[&str]) -> Run {
        self.run_at(&self.path(rel), args, &[])
    }

    fn run_at(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rosette"));
        cmd.args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .env_remove("ROSETTE_SIGNING_KEY")
            .env_remove("CLICOLOR_FORCE")
            .env("NO_COLOR", "1")
            // clap wraps help at the terminal width, capped at 100 columns.
            .env("COLUMNS", "100");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run the rosette binary");
        Run {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

fn fixture_text(rel: &str) -> String {
    let path = fixtures().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

/// Compares `actual` with the golden file `tests/fixtures/cli/<name>`.
#[track_caller]
fn assert_golden(name: &str, actual: &str) {
    common::assert_golden(&format!("cli/{name}"), actual);
}

/// Signs `input` in the sandbox with the sample key at the fixed time, to `output`.
fn sign_sample(sb: &Sandbox, suite: &str, input: &str, output: &str) {
    let key = sb.sample_key();
    sb.rosette(&["sign", "--key", key, "--suite", suite, "--created", CREATED, input, "-o", output])
        .assert_code(0);
}

/// The unsigned sample credential with `edit` applied to its JSON, written to `rel`.
/// A local site (`site/`) with the did:web document of `badges.example.org` and one award
/// signed by its key, `site/awards/2024-0001.json`.
fn sign_did_web_award(sb: &Sandbox) {
    sb.copy_fixture("cli/site/.well-known/did.json", "site/.well-known/did.json");
    write_unsigned_with(sb, "unsigned-web.json", |v| {
        v["issuer"]["id"] = "did:web:badges.example.org".into();
    });
    let key = sb.sample_key();
    sb.mkdir("site/awards");
    sb.rosette(&[
        "sign",
        "--key",
        key,
        "--verification-method",
        "did:web:badges.example.org#key-1",
        "--created",
        CREATED,
        "unsigned-web.json",
        "-o",
        "site/awards/2024-0001.json",
    ])
    .assert_code(0);
}

fn write_unsigned_with(sb: &Sandbox, rel: &str, edit: impl FnOnce(&mut Value)) {
    let mut value: Value =
        serde_json::from_str(&fixture_text("cli/unsigned.json")).expect("unsigned.json is JSON");
    edit(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("serialize");
    text.push('\n');
    sb.write(rel, &text);
}

/// One changed character in the achievement's name: the proof must no longer verify.
fn tamper(signed: &str) -> String {
    assert!(signed.contains("\"name\": \"Rust Foundations\""));
    signed.replacen("\"name\": \"Rust Foundations\"", "\"name\": \"Rust Foundationz\"", 1)
}

// ---------------------------------------------------------------------------------------------
// --help

/// clap pads some blank lines of long help with spaces; the golden files keep none, so an
/// editor that strips trailing whitespace cannot break them.
fn trim_line_ends(text: &str) -> String {
    text.lines().map(|l| format!("{}\n", l.trim_end())).collect()
}

/// The subcommands `rosette --help` lists, without `help`.
fn subcommands(top_help: &str) -> Vec<String> {
    top_help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped description continues on a line indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// `rosette --help` and the help of every subcommand it lists, so a new subcommand gets its
/// golden file too.
#[test]
fn help_texts_are_pinned() {
    let sb = Sandbox::new();
    let run = sb.rosette(&["--help"]);
    run.assert_code(0);
    assert_eq!(run.stderr, "", "{}", run.transcript());
    assert_golden("help/rosette.txt", &trim_line_ends(&run.stdout));

    let commands = subcommands(&run.stdout);
    for expected in ["keygen", "sign", "verify"] {
        assert!(commands.iter().any(|c| c == expected), "`{expected}` is not listed: {commands:?}");
    }
    for command in &commands {
        let run = sb.rosette(&[command, "--help"]);
        run.assert_code(0);
        assert_eq!(run.stderr, "", "{}", run.transcript());
        assert_golden(&format!("help/{command}.txt"), &trim_line_ends(&run.stdout));
    }
}

#[test]
fn help_documents_the_exit_codes() {
    let sb = Sandbox::new();
    for args in [&["--help"][..], &["sign", "--help"], &["verify", "--help"]] {
        let run = sb.rosette(args);
        for code in ["  0  ", "  1  ", "  2  "] {
            assert!(run.stdout.contains(code), "no exit code line `{code}` in\n{}", run.stdout);
        }
    }
}

#[test]
fn a_usage_error_exits_2() {
    let sb = Sandbox::new();
    let run = sb.rosette(&["verify"]);
    run.assert_code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.transcript());
    assert_eq!(run.stdout, "");
}

// ---------------------------------------------------------------------------------------------
// keygen

#[test]
fn keygen_writes_a_private_key_file_and_prints_the_public_key() {
    let sb = Sandbox::new();
    let run = sb.rosette(&["keygen", "--out", "k.secret"]);
    run.assert_code(0);

    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.transcript());
    let public = lines[0]
        .strip_prefix("public key (Multikey): ")
        .unwrap_or_else(|| panic!("first line: {}", lines[0]));
    assert!(public.starts_with("z6Mk") && public.len() == 48, "{public}");
    assert_eq!(lines[1], format!("did:key verification method: did:key:{public}#{public}"));
    assert_eq!(run.stderr, "secret key written to `k.secret` (readable only by you; never commit it)\n");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sb.path("k.secret")).expect("key file exists").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "key file mode is {:o}", mode & 0o777);
    }

    // The file names its public key, holds the secret, and the secret is never printed.
    let file = sb.read("k.secret");
    assert!(file.contains(&format!("# public key: {public}\n")), "{file}");
    let secret =
        file.lines().find(|l| !l.starts_with('#') && !l.trim().is_empty()).expect("a secret key line");
    assert!(secret.starts_with("z3u2"), "{secret}");
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
}

#[test]
fn keygen_writes_signing_key_secret_by_default() {
    let sb = Sandbox::new();
    let run = sb.rosette(&["keygen"]);
    run.assert_code(0);
    assert!(sb.path("signing-key.secret").is_file());
    assert_eq!(
        run.stderr,
        "secret key written to `signing-key.secret` (readable only by you; never commit it)\n"
    );
}

#[test]
fn keygen_never_overwrites_a_file() {
    let sb = Sandbox::new();
    sb.write("k.secret", "original\n");
    let run = sb.rosette(&["keygen", "--out", "k.secret"]);
    run.assert_code(2);
    assert_golden("keygen-refuses-overwrite.txt", &run.transcript());
    assert_eq!(sb.read("k.secret"), "original\n");
}

#[test]
fn two_keys_differ() {
    let sb = Sandbox::new();
    let a = sb.rosette(&["keygen", "--out", "a.secret"]);
    let b = sb.rosette(&["keygen", "--out", "b.secret"]);
    a.assert_code(0);
    b.assert_code(0);
    assert_ne!(a.stdout, b.stdout);
}

// ---------------------------------------------------------------------------------------------
// sign

#[test]
fn the_sample_key_is_the_one_the_goldens_name() {
    let text = fixture_text("keys/sample.secret");
    assert!(text.starts_with("# SAMPLE ONLY"), "{text}");
    assert!(text.contains(&format!("# public key: {SAMPLE_MULTIKEY}\n")));
    let unsigned = fixture_text("cli/unsigned.json");
    assert!(unsigned.contains(&format!("\"id\": \"{}\"", sample_did())));
}

#[test]
fn sign_eddsa_jcs_2022_output_is_pinned() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/unsigned.json", "unsigned.json");
    let key = sb.sample_key();
    let run = sb.rosette(&[
        "sign",
        "--key",
        key,
        "--suite",
        "eddsa-jcs-2022",
        "--created",
        CREATED,
        "unsigned.json",
    ]);
    run.assert_code(0);
    // The only thing on standard error: the warning that DCC's verifier rejects the suite.
    assert!(
        run.stderr.starts_with("warning: `unsigned.json`: eddsa-jcs-2022 Open Badges are rejected")
            && run.stderr.lines().count() == 1,
        "{}",
        run.transcript()
    );
    assert_golden("signed-jcs.json", &run.stdout);

    // `-o` writes the same bytes and prints nothing else.
    let run = sb.rosette(&[
        "sign",
        "--key",
        key,
        "--suite",
        "eddsa-jcs-2022",
        "--created",
        CREATED,
        "unsigned.json",
        "-o",
        "signed.json",
    ]);
    run.assert_code(0);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("eddsa-jcs-2022 Open Badges are rejected"), "{}", run.stderr);
    assert_eq!(sb.read("signed.json"), fixture_text("cli/signed-jcs.json"));
}

#[test]
fn sign_eddsa_rdfc_2022_output_is_pinned() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/unsigned.json", "unsigned.json");
    let key = sb.sample_key();
    // The default suite.
    let run = sb.rosette(&["sign", "--key", key, "--created", CREATED, "unsigned.json"]);
    run.assert_code(0);
    assert_eq!(run.stderr, "", "{}", run.transcript());
    assert_golden("signed-rdfc.json", &run.stdout);
    let signed: Value = serde_json::from_str(&run.stdout).expect("signed output is JSON");
    // One proof, as a set: the 1EdTech schema wants `proof` to be an array.
    assert_eq!(signed["proof"].as_array().map(Vec::len), Some(1), "{}", signed["proof"]);
    assert_eq!(signed["proof"][0]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(signed["proof"][0]["verificationMethod"], sample_vm().as_str());
    assert_eq!(signed["proof"][0]["created"], CREATED);
}

#[test]
fn sign_reads_standard_input() {
    let sb = Sandbox::new();
    let key = sb.sample_key();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(["sign", "--key", key, "--suite", "eddsa-jcs-2022", "--created", CREATED, "-"])
        .current_dir(sb.dir.path())
        .env_remove("ROSETTE_SIGNING_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rosette");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(fixture_text("cli/unsigned.json").as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for rosette");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), fixture_text("cli/signed-jcs.json"));
}

#[test]
fn sign_takes_the_key_from_rosette_signing_key() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/unsigned.json", "unsigned.json");
    let key_file = fixture_text("keys/sample.secret");
    let secret_line = key_file.lines().find(|l| l.starts_with('z')).expect("secret line");
    // The whole key file (as a CI secret is usually pasted), or only the secret line.
    for value in [key_file.as_str(), secret_line] {
        let run = sb.rosette_env(
            &["sign", "--suite", "eddsa-jcs-2022", "--created", CREATED, "unsigned.json"],
            &[("ROSETTE_SIGNING_KEY", value)],
        );
        run.assert_code(0);
        assert!(run.stderr.contains("eddsa-jcs-2022 Open Badges are rejected"), "{}", run.stderr);
        assert_eq!(run.stdout, fixture_text("cli/signed-jcs.json"));
    }
}

#[test]
fn sign_without_a_key_exits_2_with_a_hint() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/unsigned.json", "unsigned.json");
    let run = sb.rosette(&["sign", "unsigned.json"]);
    run.assert_code(2);
    assert_golden("sign-no-key.txt", &run.transcript());
}

#[test]
fn sign_refuses_a_bad_key_in_the_environment() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/unsigned.json", "unsigned.json");
    let run = sb.rosette_env(&["sign", "unsigned.json"], &[("ROSETTE_SIGNING_KEY", SAMPLE_MULTIKEY)]);
    run.assert_code(1);
    assert_golden("sign-bad-env-key.txt", &run.transcript());
    assert!(!run.stderr.contains(SAMPLE_MULTIKEY), "{}", run.stderr);
}

#[test]
fn sign_refuses_what_is_not_a_verifiable_credential() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/not-a-credential.json", "achievement.json");
    let key = sb.sample_key();
    let run = sb.rosette(&["sign", "--key", key, "achievement.json"]);
    run.assert_code(1);
    assert_one_line_naming(&run, "achievement.json");
    assert_golden("sign-not-a-credential.txt", &run.transcript());
}

/// `sign` refuses what the data model says a verifier must refuse, with `verify`'s own words
/// (issue #19: it signed all of these, and the W3C VC 2.0 suite counted each as a failure).
#[test]
fn sign_refuses_what_the_data_model_forbids() {
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit); 7] = [
        ("`credentialSubject` is required", |v| {
            v.as_object_mut().map(|o| o.remove("credentialSubject"));
        }),
        ("at least one claim", |v| v["credentialSubject"] = serde_json::json!({})),
        ("every `credentialStatus` entry must have a `type`", |v| {
            v["credentialStatus"] = serde_json::json!({"id": "https://example.org/status#3"})
        }),
        ("every `evidence` entry must have a `type`", |v| v["evidence"] = serde_json::json!([{"id": "x:y"}])),
        ("`validFrom` is not a date-time", |v| v["validFrom"] = "Sat 25 Feb 2023 07:16:31 PM CST".into()),
        ("`validFrom` is later than `validUntil`", |v| v["validUntil"] = "2020-01-01T00:00:00Z".into()),
        ("`@context` must start with", |v| {
            v["@context"].as_array_mut().expect("contexts").reverse();
        }),
    ];
    let sb = Sandbox::new();
    let key = sb.sample_key();
    for (i, (needle, edit)) in cases.into_iter().enumerate() {
        let file = format!("bad-{i}.json");
        write_unsigned_with(&sb, &file, edit);
        let run = sb.rosette(&["sign", "--key", key, &file]);
        run.assert_code(1);
        assert_one_line_naming(&run, &file);
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
}

/// VC 1.1 input: its context does not define the Data Integrity proof terms, so `sign` adds
/// the Data Integrity context, for either suite, and the result verifies.
#[test]
fn sign_adds_the_data_integrity_context_to_vc_1_1_input() {
    let sb = Sandbox::new();
    write_unsigned_with(&sb, "v1.json", |v| {
        let o = v.as_object_mut().expect("object");
        o.insert(
            "@context".into(),
            serde_json::json!([
                "https://www.w3.org/2018/credentials/v1",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ]),
        );
        let from = o.remove("validFrom").expect("validFrom");
        o.insert("issuanceDate".into(), from);
    });
    for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
        let out = format!("v1-{suite}.json");
        sign_sample(&sb, suite, "v1.json", &out);
        let signed: Value = serde_json::from_str(&sb.read(&out)).expect("json");
        assert_eq!(
            signed["@context"][2], "https://w3id.org/security/data-integrity/v2",
            "{suite}: {}",
            signed["@context"]
        );
        sb.rosette(&["verify", "--now", NOW, &out]).assert_code(0);
    }
}

/// A text direction cannot be signed by eddsa-rdfc-2022 (its RDF has no `rdfDirection`), so
/// `sign` without `--suite` signs such a credential with eddsa-jcs-2022, says so, and the
/// direction is then protected; asked for rdfc, it refuses with a hint (issue #19).
#[test]
fn sign_signs_a_text_direction_with_jcs_unless_rdfc_is_asked_for() {
    let sb = Sandbox::new();
    write_unsigned_with(&sb, "rtl.json", |v| {
        v["issuer"]["name"] =
            serde_json::json!({"@value": "معهد نورثفيلد", "@language": "ar", "@direction": "rtl"});
    });
    let key = sb.sample_key();
    let run = sb.rosette(&["sign", "--key", key, "--created", CREATED, "rtl.json", "-o", "rtl-signed.json"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("signed with eddsa-jcs-2022, because eddsa-rdfc-2022 would not sign the text direction (@direction) of `issuer.name`"),
        "{}",
        run.stderr
    );
    let signed = sb.read("rtl-signed.json");
    assert!(signed.contains("\"cryptosuite\": \"eddsa-jcs-2022\""), "{signed}");
    sb.rosette(&["verify", "--now", NOW, "rtl-signed.json"]).assert_code(0);
    // A context appended after signing is checked as JSON-LD, where the direction is fine.
    let mut appended: Value = serde_json::from_str(&signed).expect("json");
    appended["@context"]
        .as_array_mut()
        .expect("contexts")
        .push("https://w3id.org/security/data-integrity/v2".into());
    sb.write("appended.json", &appended.to_string());
    sb.rosette(&["verify", "--now", NOW, "appended.json"]).assert_code(0);
    // The direction is signed: turning it around breaks the signature.
    sb.write("turned.json", &signed.replacen("\"rtl\"", "\"ltr\"", 1));
    sb.rosette(&["verify", "--now", NOW, "turned.json"]).assert_code(1);

    let run = sb.rosette(&["sign", "--key", key, "--suite", "eddsa-rdfc-2022", "rtl.json"]);
    run.assert_code(1);
    assert!(run.stderr.contains("text direction (@direction) of"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: sign with --suite eddsa-jcs-2022"), "{}", run.stderr);

    // Without a direction, the default stays eddsa-rdfc-2022.
    write_unsigned_with(&sb, "plain.json", |_| {});
    let run = sb.rosette(&["sign", "--key", key, "--created", CREATED, "plain.json"]);
    run.assert_code(0);
    assert!(run.stdout.contains("\"cryptosuite\": \"eddsa-rdfc-2022\""), "{}", run.stdout);
    assert!(!run.stderr.contains("eddsa-jcs-2022"), "{}", run.stderr);
}

/// A presentation signed by Digital Bazaar's libraries (tests/w3c/make-presentations.mjs): the
/// holder's proof, made for the verifier's challenge and domain, and every credential inside.
#[test]
fn verify_checks_a_presentation_and_the_credentials_in_it() {
    const VP_NOW: &str = "2026-12-07T00:00:00Z";
    let sb = Sandbox::new();
    let signed = fixture_text("presentations/signed.json");
    sb.write("vp.json", &signed);
    let ok = [
        "verify",
        "--offline",
        "--now",
        VP_NOW,
        "--challenge",
        "c0ffee-2026-12-07",
        "--domain",
        "hiring.example",
    ];
    let run = sb.rosette(&[&ok[..], &["vp.json"]].concat());
    run.assert_code(0);
    for want in [
        "vp.json: presentation verified",
        "holder key   listed under `authentication`",
        "challenge    made for challenge `c0ffee-2026-12-07` and domain `hiring.example`",
        "credentials  1 credential verified",
        "credential 1: verified",
    ] {
        assert!(run.stdout.contains(want), "{want}\n{}", run.stdout);
    }
    // Without the challenge it cannot tell a replay: it says so.
    let run = sb.rosette(&["verify", "--offline", "--now", VP_NOW, "vp.json"]);
    run.assert_code(0);
    assert!(run.stdout.contains("warn  challenge    not compared"), "{}", run.stdout);
    // Made for another request, or another verifier.
    let run = sb.rosette(&["verify", "--offline", "--now", VP_NOW, "--challenge", "other", "vp.json"]);
    run.assert_code(1);
    assert!(
        run.stdout.contains("FAILED: the proof's challenge is `c0ffee-2026-12-07`, not `other`"),
        "{}",
        run.stdout
    );
    let run = sb.rosette(&[
        "verify",
        "--offline",
        "--now",
        VP_NOW,
        "--challenge",
        "c0ffee-2026-12-07",
        "--domain",
        "x.example",
        "vp.json",
    ]);
    run.assert_code(1);
    // A changed credential breaks both its own proof and the holder's.
    sb.write("changed.json", &signed.replacen("Ada Lovelace", "Ada Lovelacf", 1));
    let run = sb.rosette(&[&ok[..], &["changed.json"]].concat());
    run.assert_code(1);
    assert!(run.stdout.contains("FAIL  signature    proof signature does not verify"), "{}", run.stdout);
    assert!(run.stdout.contains("credential 1: FAILED: proof signature does not verify"), "{}", run.stdout);
    // Unsigned, or signed for the wrong purpose.
    let mut unsigned: Value = serde_json::from_str(&signed).expect("json");
    unsigned.as_object_mut().expect("object").remove("proof");
    sb.write("unsigned.json", &unsigned.to_string());
    let run = sb.rosette(&[&ok[..], &["unsigned.json"]].concat());
    run.assert_code(1);
    assert!(run.stdout.contains("has no `proof`"), "{}", run.stdout);
    sb.write(
        "purpose.json",
        &signed.replacen("\"proofPurpose\": \"authentication\"", "\"proofPurpose\": \"assertionMethod\"", 1),
    );
    let run = sb.rosette(&[&ok[..], &["purpose.json"]].concat());
    run.assert_code(1);
    assert!(
        run.stdout.contains("proof purpose is `assertionMethod`, expected `authentication`"),
        "{}",
        run.stdout
    );
    // A proof set with something else in it: its proof must not vouch for it.
    let mut padded: Value = serde_json::from_str(&signed).expect("json");
    let proof = padded["proof"].take();
    padded["proof"] = serde_json::json!(["inserted", proof]);
    sb.write("padded.json", &padded.to_string());
    let run = sb.rosette(&[&ok[..], &["padded.json"]].concat());
    run.assert_code(1);
    assert!(run.stdout.contains("`proof` holds something that is not a proof object"), "{}", run.stdout);
    // JSON output: the presentation's checks and a verdict per credential.
    let run = sb.rosette(&[&ok[..], &["--format", "json", "vp.json"]].concat());
    run.assert_code(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("json report");
    assert_eq!(report[0]["outcome"], "verified");
    assert_eq!(report[0]["credentials"][0]["outcome"], "verified");
    assert!(report[0]["checks"].as_array().expect("checks").iter().any(|c| c["check"] == "holder-key"));
}

/// `verify` checks any VC 2.0 credential; `--require ob3` asks for an Open Badge.
#[test]
fn verify_takes_any_verifiable_credential_unless_an_open_badge_is_required() {
    let sb = Sandbox::new();
    write_unsigned_with(&sb, "plain.json", |v| {
        v["@context"] = serde_json::json!(["https://www.w3.org/ns/credentials/v2"]);
        v["type"] = serde_json::json!(["VerifiableCredential"]);
        v["credentialSubject"] = serde_json::json!({"id": "did:example:ada", "name": "Ada"});
        v["issuer"] = v["issuer"]["id"].clone();
    });
    sign_sample(&sb, "eddsa-rdfc-2022", "plain.json", "plain-signed.json");
    let run = sb.rosette(&["verify", "--now", NOW, "plain-signed.json"]);
    run.assert_code(0);
    assert!(run.stdout.contains("Verifiable Credential, not an Open Badge (VC 2.0)"), "{}", run.stdout);
    let run = sb.rosette(&["verify", "--now", NOW, "--require", "ob3", "plain-signed.json"]);
    run.assert_code(1);
    assert!(run.stdout.contains("not an Open Badge"), "{}", run.stdout);
}

#[test]
fn sign_refuses_a_second_proof_by_the_same_key() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/signed-jcs.json", "signed.json");
    let key = sb.sample_key();
    let run = sb.rosette(&["sign", "--key", key, "--suite", "eddsa-jcs-2022", "signed.json"]);
    run.assert_code(1);
    assert_one_line_naming(&run, "signed.json");
    assert_golden("sign-already-signed.txt", &run.transcript());
}

#[test]
fn sign_refuses_an_issuer_that_is_not_the_keys_controller() {
    let sb = Sandbox::new();
    write_unsigned_with(&sb, "other-issuer.json", |v| {
        v["issuer"]["id"] = "did:web:badges.example.org".into();
    });
    let key = sb.sample_key();
    let run = sb.rosette(&["sign", "--key", key, "other-issuer.json"]);
    run.assert_code(1);
    assert_one_line_naming(&run, "other-issuer.json");
    assert_golden("sign-issuer-not-controller.txt", &run.transcript());
}

#[test]
fn sign_refuses_someone_elses_did_key() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/unsigned.json", "unsigned.json");
    let key = sb.sample_key();
    // The W3C vc-di-eddsa test vector's key, not the sample key.
    let other = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    let run = sb.rosette(&["sign", "--key", key, "--verification-method", other, "unsigned.json"]);
    run.assert_code(1);
    assert_one_line_naming(&run, "unsigned.json");
    assert_golden("sign-not-this-did-key.txt", &run.transcript());
}

#[test]
fn sign_refuses_a_missing_input_file() {
    let sb = Sandbox::new();
    let key = sb.sample_key();
    let run = sb.rosette(&["sign", "--key", key, "missing.json"]);
    run.assert_code(2);
    assert_golden("sign-missing-input.txt", &run.transcript());
}

#[test]
fn sign_refuses_invalid_json_naming_line_and_column() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/broken.json", "broken.json");
    let key = sb.sample_key();
    let run = sb.rosette(&["sign", "--key", key, "broken.json"]);
    run.assert_code(1);
    assert!(run.stderr.contains("line 4, column 3"), "{}", run.stderr);
    assert_golden("sign-invalid-json.txt", &run.transcript());
}

#[test]
fn sign_refuses_a_bad_created_time() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/unsigned.json", "unsigned.json");
    let key = sb.sample_key();
    let run = sb.rosette(&["sign", "--key", key, "--created", "yesterday", "unsigned.json"]);
    // A usage error, like a bad `verify --now`.
    run.assert_code(2);
    assert_golden("sign-bad-created.txt", &run.transcript());
}

#[test]
fn sign_warns_when_the_key_file_is_readable_by_others() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/unsigned.json", "unsigned.json");
    sb.copy_fixture("keys/sample.secret", "open.secret");
    set_mode(&sb.path("open.secret"), 0o644);
    let run = sb.rosette(&[
        "sign",
        "--key",
        "open.secret",
        "--suite",
        "eddsa-jcs-2022",
        "--created",
        CREATED,
        "unsigned.json",
        "-o",
        "signed.json",
    ]);
    run.assert_code(0);
    assert_golden("sign-key-readable-by-others.txt", &run.transcript());
}

/// A refusal is one line that names the file.
#[track_caller]
fn assert_one_line_naming(run: &Run, file: &str) {
    assert_eq!(run.stdout, "", "{}", run.transcript());
    assert_eq!(run.stderr.lines().count(), 1, "not one line:\n{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: ") && run.stderr.contains(&format!("`{file}`")),
        "does not name `{file}`: {}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// verify

#[test]
fn verify_reports_every_check_of_good_credentials() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/signed-rdfc.json", "rdfc.json");
    sb.copy_fixture("cli/signed-jcs.json", "jcs.json");
    let run = sb.rosette(&["verify", "--now", NOW, "rdfc.json", "jcs.json"]);
    run.assert_code(0);
    assert_golden("verify-signed.txt", &run.transcript());
}

#[test]
fn verify_names_the_file_and_the_failed_check_of_a_tampered_credential() {
    let sb = Sandbox::new();
    sb.write("tampered.json", &tamper(&fixture_text("cli/signed-rdfc.json")));
    let run = sb.rosette(&["verify", "--now", NOW, "tampered.json"]);
    run.assert_code(1);
    assert!(
        run.stdout.starts_with("tampered.json: FAILED: proof signature does not verify\n"),
        "{}",
        run.transcript()
    );
    assert!(
        run.stdout.contains("\n  FAIL  signature   proof signature does not verify\n"),
        "{}",
        run.transcript()
    );
    assert_golden("verify-tampered.txt", &run.transcript());
}

#[test]
fn verify_rejects_a_tampered_eddsa_jcs_2022_credential() {
    let sb = Sandbox::new();
    sb.write("tampered.json", &tamper(&fixture_text("cli/signed-jcs.json")));
    let run = sb.rosette(&["verify", "--now", NOW, "tampered.json"]);
    run.assert_code(1);
    assert_golden("verify-tampered-jcs.txt", &run.transcript());
}

#[test]
fn verify_a_missing_file_exits_2() {
    let sb = Sandbox::new();
    let run = sb.rosette(&["verify", "x.json"]);
    run.assert_code(2);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "error: could not read `x.json`\n  caused by: no such file or directory\n");
    assert_golden("verify-missing-file.txt", &run.transcript());
}

#[test]
fn verify_names_line_and_column_of_invalid_json() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/broken.json", "broken.json");
    let run = sb.rosette(&["verify", "--now", NOW, "broken.json"]);
    run.assert_code(1);
    assert!(
        run.stdout.contains("broken.json: FAILED: invalid JSON at line 4, column 3"),
        "{}",
        run.transcript()
    );
    assert_golden("verify-invalid-json.txt", &run.transcript());
}

#[test]
fn verify_an_expired_credential_exits_0_with_a_warning() {
    let sb = Sandbox::new();
    write_unsigned_with(&sb, "expiring.json", |v| {
        v["validUntil"] = "2024-12-01T00:00:00Z".into();
    });
    sign_sample(&sb, "eddsa-rdfc-2022", "expiring.json", "expired.json");
    let run = sb.rosette(&["verify", "--now", NOW, "expired.json"]);
    run.assert_code(0);
    assert!(
        run.stdout.starts_with("expired.json: verified, with warnings: expired on 2024-12-01T00:00:00Z\n"),
        "{}",
        run.transcript()
    );
    assert_golden("verify-expired.txt", &run.transcript());
    // Before its end, the same credential is simply valid.
    let run = sb.rosette(&["verify", "--now", "2024-07-01T00:00:00Z", "expired.json"]);
    run.assert_code(0);
    assert!(run.stdout.starts_with("expired.json: verified\n"), "{}", run.stdout);
}

#[test]
fn verify_a_credential_not_yet_valid_fails() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/signed-rdfc.json", "early.json");
    let run = sb.rosette(&["verify", "--now", "2024-05-01T00:00:00Z", "early.json"]);
    run.assert_code(1);
    assert_golden("verify-not-yet-valid.txt", &run.transcript());
}

#[test]
fn verify_json_format_lists_the_state_of_every_check() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/signed-rdfc.json", "good.json");
    sb.write("tampered.json", &tamper(&fixture_text("cli/signed-rdfc.json")));
    sb.copy_fixture("cli/broken.json", "broken.json");
    let run = sb.rosette(&[
        "verify",
        "--now",
        NOW,
        "--format",
        "json",
        "good.json",
        "tampered.json",
        "broken.json",
    ]);
    run.assert_code(1);
    assert_eq!(run.stderr, "");
    let reports: Value = serde_json::from_str(&run.stdout).expect("--format json prints JSON");
    let reports = reports.as_array().expect("an array of file reports");
    assert_eq!(reports.len(), 3);

    let state = |report: &Value, name: &str| -> String {
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no `{name}` check in {report}"))["state"]
            .as_str()
            .expect("state is a string")
            .to_string()
    };
    let (good, tampered, broken) = (&reports[0], &reports[1], &reports[2]);
    assert_eq!(good["file"], "good.json");
    assert_eq!(good["outcome"], "verified");
    for (check, expected) in [
        ("format", "passed"),
        ("signature", "passed"),
        ("issuer-key", "passed"),
        ("issuer", "passed"),
        ("validity", "passed"),
        ("status", "not-applicable"),
    ] {
        assert_eq!(state(good, check), expected, "{check} of good.json");
    }
    for report in [good, tampered] {
        for check in report["checks"].as_array().expect("checks") {
            assert!(check["message"].is_string(), "{check}");
        }
    }
    assert_eq!(tampered["outcome"], "failed");
    assert_eq!(state(tampered, "signature"), "failed");
    assert_eq!(state(tampered, "format"), "passed");
    assert_eq!(broken["file"], "broken.json");
    assert_eq!(broken["outcome"], "failed");
    assert!(broken["error"].as_str().is_some_and(|e| e.contains("line 4, column 3")), "{broken}");
    assert_golden("verify-json.txt", &run.transcript());
}

#[test]
fn verify_a_did_web_credential_against_a_local_site() {
    let sb = Sandbox::new();
    sign_did_web_award(&sb);

    let run = sb.rosette(&[
        "verify",
        "--now",
        NOW,
        "--site",
        "site",
        "--base-url",
        "https://badges.example.org/",
        "site/awards/2024-0001.json",
    ]);
    run.assert_code(0);
    assert_golden("verify-did-web.txt", &run.transcript());

    // Offline, without the site, the key cannot be had: never shown as valid.
    let run = sb.rosette(&["verify", "--offline", "--now", NOW, "site/awards/2024-0001.json"]);
    run.assert_code(1);
    assert_golden("verify-did-web-offline.txt", &run.transcript());
}

#[test]
fn verify_searches_directories_for_credentials() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/signed-rdfc.json", "badges/b/two.json");
    sb.copy_fixture("cli/signed-jcs.json", "badges/a/one.json");
    sb.write("badges/notes.txt", "not JSON, not looked at\n");
    let run = sb.rosette(&["verify", "--now", NOW, "badges"]);
    run.assert_code(0);
    assert_golden("verify-directory.txt", &run.transcript());
}

/// A published site holds `did.json` and other JSON beside the credentials; walking a directory
/// should skip JSON that is not a VerifiableCredential (as `verify.mjs` does) and report only
/// the credentials, while a file named on the command line is always checked.
#[test]
fn verify_skips_json_that_is_not_a_credential_when_walking_a_directory() {
    let sb = Sandbox::new();
    sign_did_web_award(&sb);
    let site = ["--site", "site", "--base-url", "https://badges.example.org/"];

    let run = sb.rosette(&[&["verify", "--now", NOW][..], &site, &["site"]].concat());
    run.assert_code(0);
    assert!(!run.stdout.contains("did.json"), "{}", run.transcript());
    assert!(run.stdout.contains("site/awards/2024-0001.json: verified\n"), "{}", run.transcript());

    let did_json = "site/.well-known/did.json";
    let run = sb.rosette(&[&["verify", "--now", NOW][..], &site, &[did_json]].concat());
    run.assert_code(1);
}

#[test]
fn verify_refuses_a_bad_now() {
    let sb = Sandbox::new();
    sb.copy_fixture("cli/signed-jcs.json", "jcs.json");
    let run = sb.rosette(&["verify", "--now", "tomorrow", "jcs.json"]);
    run.assert_code(2);
    assert_golden("verify-bad-now.txt", &run.transcript());
}

// ---------------------------------------------------------------------------------------------
// check

/// Copies the repository's sample site (rosette.toml and badges/) into the sandbox.
fn copy_sample_site(sb: &Sandbox) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    sb.write("rosette.toml", &std::fs::read_to_string(repo.join("rosette.toml")).expect("rosette.toml"));
    for entry in walkdir::WalkDir::new(repo.join("badges")) {
        let entry = entry.expect("walk badges/");
        let rel = entry.path().strip_prefix(repo).expect("under the repository");
        if entry.file_type().is_file() {
            let to = sb.path(&rel.to_string_lossy());
            std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

/// The whole report of `rosette check` on the sample site with one defect of each kind.
#[test]
fn check_report_of_a_broken_site_is_pinned() {
    let sb = Sandbox::new();
    copy_sample_site(&sb);
    // Validity judged at a fixed instant, so the expired award stays the only one.
    let env = [("SOURCE_DATE_EPOCH", "1798761600")];
    let clean = sb.rosette_env(&["check"], &env);
    clean.assert_code(0);
    assert_golden("check-sample-site.txt", &clean.transcript());

    let award = "badges/awards/2025-aml-0002.json";
    sb.write(award, &sb.read(award).replacen("Kwame Mensah", "Kwame Mensa", 1));
    let config = sb
        .read("rosette.toml")
        .replace("image = \"images/northfield-logo.svg\"", "image = \"images/logo.png\"")
        .replace("Its digital badges record", "Its [rules](../rules/) say what its badges record")
        .replace("organization_id = \"98765432\"", "");
    sb.write("rosette.toml", &config);
    sb.write("achievements/empty.toml", "name = \"Empty\"\ndescription = \"No criteria.\"\n");
    sb.copy_fixture("keys/sample.secret", "badges/status/old.secret");
    let broken = sb.rosette_env(&["check"], &env);
    broken.assert_code(1);
    assert_golden("check-broken-site.txt", &broken.transcript());
    assert!(!sb.path("public").exists(), "check wrote public/");
}

// ---------------------------------------------------------------------------------------------
// The first hour of a new issuer (issue #17): messages that used to mislead

/// `rosette init site` in the sandbox, with a fixed base URL and issuer.
fn init_site(sb: &Sandbox) -> Run {
    let run =
        sb.rosette(&["init", "site", "--base-url", "https://badges.example.org/", "--issuer", "Example U"]);
    run.assert_code(0);
    run
}

/// The sample site and its key (`issuer.secret`, owner-only as `keygen` leaves a key).
fn sample_site_with_key(sb: &Sandbox) -> &'static str {
    copy_sample_site(sb);
    sb.copy_fixture("sample-site/issuer.secret", "issuer.secret");
    set_mode(&sb.path("issuer.secret"), 0o600);
    "issuer.secret"
}

/// Issue #17: `cd site && …` on three lines in a row fails from the second on; `cd` is now a
/// step of its own, and the key step says what the workflow says: no build needs the key.
#[test]
fn init_next_steps_cd_once_and_agree_with_the_workflow_about_the_key() {
    let sb = Sandbox::new();
    let run = init_site(&sb);
    assert_golden("init.txt", &run.transcript());
    let steps: Vec<&str> =
        run.stdout.lines().filter(|l| l.trim_start().starts_with(char::is_numeric)).collect();
    assert_eq!(steps.first().copied(), Some("  1. cd site"), "{}", run.stdout);
    assert_eq!(run.stdout.matches("cd ").count(), 1, "`cd` more than once:\n{}", run.stdout);
    assert!(run.stdout.contains("the build never needs signing-key.secret"), "{}", run.stdout);
    assert!(!sb.read("site/rosette.toml").contains("in CI, put it in the ROSETTE_SIGNING_KEY secret"));

    // Made where it is run, there is nothing to `cd` into.
    sb.mkdir("here");
    let run = sb.rosette_in("here", &["init", "--base-url", "https://badges.example.org/"]);
    run.assert_code(0);
    assert_golden("init-here.txt", &run.transcript());
    assert!(!run.stdout.contains("cd "), "{}", run.stdout);
}

/// Issue #17: an id that no award has is named as such, with the nearest ids; it used to read
/// "has no revocation status entry", as if the award existed.
#[test]
fn revoke_suspend_reinstate_an_unknown_id_suggest_the_nearest_awards() {
    let sb = Sandbox::new();
    copy_sample_site(&sb);
    let mut transcript = String::new();
    for command in ["revoke", "suspend", "reinstate"] {
        let run = sb.rosette(&[command, "2026-uh4ijxh3"]);
        run.assert_code(1);
        assert!(
            run.stderr.starts_with("error: no award has the id `2026-uh4ijxh3`\n"),
            "{}",
            run.transcript()
        );
        transcript.push_str(&run.transcript());
    }
    // A mistyped short form: the award it abbreviates comes first.
    let run = sb.rosette(&["revoke", "2025-lsc-0O"]);
    run.assert_code(1);
    assert!(run.stderr.contains("did you mean `2025-lsc-0002`"), "{}", run.transcript());
    transcript.push_str(&run.transcript());
    // A site with no awards yet says so.
    let empty = Sandbox::new();
    init_site(&empty);
    let run = empty.rosette(&["revoke", "--root", "site", "2026-k3j5"]);
    run.assert_code(1);
    transcript.push_str(&run.transcript());
    assert_golden("status-unknown-id.txt", &transcript);
}

/// Issue #17: the README's `rosette revoke 2026-k3j5…` works: a beginning that one award has
/// names it; one that several have is refused with the list.
#[test]
fn revoke_takes_a_unique_beginning_of_an_award_id() {
    let sb = Sandbox::new();
    let key = sample_site_with_key(&sb);
    let before = sb.read("badges/status/registry.toml");

    let run = sb.rosette(&["revoke", "2024-", "--key", key]);
    run.assert_code(1);
    assert_golden("revoke-ambiguous-id.txt", &run.transcript());
    assert_eq!(sb.read("badges/status/registry.toml"), before, "an ambiguous id changed the registry");

    let run = sb.rosette(&["revoke", "2024-aml", "--key", key, "--reason", "Awarded in error"]);
    run.assert_code(0);
    assert_golden("revoke-by-beginning.txt", &run.transcript());
    let registry = sb.read("badges/status/registry.toml");
    // registry.toml keeps the entries that are set, with their reasons.
    let entry = registry
        .split("[[entries]]")
        .find(|e| e.contains("awards/2024-aml-0001\""))
        .expect("the registry entry of 2024-aml-0001");
    assert!(entry.contains("set = true") && entry.contains("Awarded in error"), "{entry}");
}

/// Issue #17: a CSV without a required column used to fail every row with "unknown
/// achievement ``"; now the file is refused once, naming the column and those it has.
#[test]
fn award_csv_without_a_required_column_names_it_once() {
    let sb = Sandbox::new();
    init_site(&sb);
    let key = ["--root", "site", "--key", "site/signing-key.secret"];
    sb.write(
        "no-achievement.csv",
        "name,email\nAda Lovelace,ada@example.org\nGrace Hopper,grace@example.org\n",
    );
    sb.write("no-name.csv", "achievement\nexample\n");
    let mut transcript = String::new();
    for csv in ["no-achievement.csv", "no-name.csv"] {
        let run = sb.rosette(&[&["award", "--csv", csv][..], &key].concat());
        run.assert_code(1);
        assert!(!run.stderr.contains("row "), "{}", run.transcript());
        transcript.push_str(&run.transcript());
    }
    assert_golden("award-csv-missing-column.txt", &transcript);
    assert!(!sb.path("site/badges/status").exists(), "a refused CSV wrote something");
}

/// Issue #21: a large CSV with bad rows fails before anything is signed, with one line per
/// reason and its rows as ranges, not one line per row; nothing is written.
#[test]
fn award_csv_failures_are_grouped_by_reason() {
    let sb = Sandbox::new();
    init_site(&sb);
    let key = ["--root", "site", "--key", "site/signing-key.secret"];
    let mut csv = String::from("achievement,name,email\n");
    for i in 2..=3001 {
        let row = match i {
            7 => "example,Grace Hopper,not-an-address".to_string(),
            2500..=2999 => format!("retired-course,Learner {i},l{i}@example.org"),
            3001 => "retired-course,Last Learner,last@example.org".to_string(),
            _ => format!("example,Learner {i},l{i}@example.org"),
        };
        csv.push_str(&row);
        csv.push('\n');
    }
    sb.write("cohort.csv", &csv);
    let before = common::tree(&sb.path("site/badges"));
    let run = sb.rosette(&[&["award", "--csv", "cohort.csv"][..], &key].concat());
    run.assert_code(1);
    assert_eq!(run.stderr.lines().count(), 3, "{}", run.transcript());
    let mut transcript = run.transcript();
    // `--format json` keeps every failed row, where the text groups them.
    let run = sb.rosette(&[&["award", "--csv", "cohort.csv", "--format", "json"][..], &key].concat());
    run.assert_code(1);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let failed = report["failed"].as_array().expect("failed rows");
    assert_eq!(failed.len(), 502, "{}", run.stdout);
    assert_eq!(
        failed[0],
        serde_json::json!({"row": 7, "reason": "`not-an-address` is not an e-mail address"})
    );
    assert_eq!(failed[501]["row"], 3001);
    assert_eq!(report["awarded"], serde_json::json!([]));
    // A batch that would take the site past `max_credentials` is refused before any signing.
    let config = std::fs::read_to_string(sb.path("site/rosette.toml")).expect("rosette.toml");
    sb.write("site/rosette.toml", &format!("{config}\n[limits]\nmax_credentials = 3\n"));
    sb.write("four.csv", "achievement,name,email\nexample,A,a@example.org\nexample,B,b@example.org\nexample,C,c@example.org\nexample,D,d@example.org\n");
    let run = sb.rosette(&[&["award", "--csv", "four.csv"][..], &key].concat());
    run.assert_code(1);
    transcript.push_str(&run.transcript());
    assert_golden("award-csv-grouped.txt", &transcript);
    // Three rows fit, but not with the status list they would start: a credential file too.
    sb.write(
        "three.csv",
        "achievement,name,email\nexample,A,a@example.org\nexample,B,b@example.org\nexample,C,c@example.org\n",
    );
    let run = sb.rosette(&[&["award", "--csv", "three.csv"][..], &key].concat());
    run.assert_code(1);
    assert!(run.stderr.contains("4 more would make 4 credential files"), "{}", run.stderr);
    std::fs::write(sb.path("site/rosette.toml"), config).expect("restore rosette.toml");
    let mut after = common::tree(&sb.path("site/badges"));
    // The lock the command held (never published) is all it leaves.
    after.remove("status/.lock");
    assert_eq!(after, before, "a refused CSV changed badges/");
    // And the awards made, when none failed.
    let run = sb.rosette(&[&["award", "--csv", "four.csv", "--format", "json"][..], &key].concat());
    run.assert_code(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["awarded"].as_array().map(Vec::len), Some(4), "{}", run.stdout);
    assert_eq!(report["failed"], serde_json::json!([]));
}

/// Issue #17: a date without a time is still refused, but the message shows what to write.
#[test]
fn award_a_date_only_valid_until_shows_the_date_time_to_write() {
    let sb = Sandbox::new();
    init_site(&sb);
    let key = ["--root", "site", "--key", "site/signing-key.secret"];
    sb.write(
        "cohort.csv",
        "achievement,name,email,valid_until\nexample,Ada Lovelace,ada@example.org,2027-06-30\n",
    );
    let flags = ["award", "--achievement", "example", "--name", "Ada Lovelace", "--email", "ada@example.org"];
    let mut transcript = String::new();
    for extra in [
        &["--csv", "cohort.csv"][..],
        &["--valid-until", "2027-06-30"],
        &["--valid-until", "end of June"],
        &["--valid-from", "2026-01-01"],
    ] {
        let args = if extra[0] == "--csv" {
            [&["award"][..], extra, &key].concat()
        } else {
            [&flags[..], extra, &key].concat()
        };
        let run = sb.rosette(&args);
        run.assert_code(1);
        assert!(run.stderr.contains("T00:00:00Z`"), "no example date-time:\n{}", run.transcript());
        transcript.push_str(&run.transcript());
    }
    assert_golden("award-date-only.txt", &transcript);
    // A date-time, with an offset or without (UTC), is accepted as before.
    for until in ["2099-06-30T00:00:00Z", "2099-06-30T09:00:00+02:00", "2099-06-30T00:00:00"] {
        sb.rosette(&[&flags[..], &["--valid-until", until], &key].concat()).assert_code(0);
    }
}

/// Issue #17: every count agrees with its number ("1 award of 1 achievement", "1 badge"), and
/// `check` counts the status list apart from the awards.
#[test]
fn counts_of_one_are_singular_and_check_counts_status_lists_apart() {
    let sb = Sandbox::new();
    init_site(&sb);
    let award = sb.rosette(&[
        "award",
        "--root",
        "site",
        "--key",
        "site/signing-key.secret",
        "--achievement",
        "example",
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.org",
    ]);
    award.assert_code(0);
    let id = award.stdout.trim().to_string();
    assert!(id.starts_with("https://badges.example.org/awards/"), "{}", award.transcript());
    let build = sb.rosette(&["build", "--root", "site"]);
    build.assert_code(0);
    let check = sb.rosette(&["check", "--root", "site"]);
    check.assert_code(0);
    let transcript = [award, build, check].iter().map(Run::transcript).collect::<String>();
    // The id is random: everything else is the same on every run but the site's size, which
    // the id (in the QR code) and the key (in the signatures) change by a few bytes.
    let transcript = transcript
        .lines()
        .map(|l| if l.starts_with("site size: ") { "site size: <varies>" } else { l })
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    assert_golden("counts-of-one.txt", &transcript.replace(&id, "https://badges.example.org/awards/<id>"));
}
