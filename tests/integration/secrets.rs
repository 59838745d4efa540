//! The secret key never leaves its file: every command is run — successes and failures, with
//! the key in a file and in `ROSETTE_SIGNING_KEY` — and everything it prints and everything
//! it publishes is scanned for the key in every encoding (`SecretKey::leak_patterns`: secret
//! Multikey, hex in both cases, base64, base64url, base58).

use crate::common;
use common::BIN;

use rosette::keys::SecretKey;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Transcript {
    dir: tempfile::TempDir,
    /// Every command run and what it printed.
    output: Vec<(String, Vec<u8>)>,
}

impl Transcript {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs rosette in `cwd` (relative to the sandbox) and records its output; returns the
    /// exit code.
    fn run(&mut self, cwd: &str, args: &[&str], env: &[(&str, &str)]) -> i32 {
        let mut cmd = Command::new(BIN);
        cmd.args(args).current_dir(self.path(cwd)).env_remove("ROSETTE_SIGNING_KEY").env("NO_COLOR", "1");
        cmd.env("SOURCE_DATE_EPOCH", "1798761600");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run rosette");
        let mut text = out.stdout.clone();
        text.extend_from_slice(&out.stderr);
        self.output.push((format!("rosette {} (in {cwd})", args.join(" ")), text));
        out.status.code().unwrap_or(-1)
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).expect("write");
    }
}

fn private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

fn key_of(path: &Path) -> SecretKey {
    SecretKey::parse_key_file(&std::fs::read_to_string(path).expect("key file")).expect("a key")
}

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().display().to_string(), std::fs::read(e.path()).expect("read")))
        .collect()
}

#[test]
fn no_command_prints_or_publishes_the_secret_key() {
    let root = common::repo_root();
    let mut t = Transcript { dir: tempfile::tempdir().expect("tempdir"), output: Vec::new() };
    let sample_key_text =
        std::fs::read_to_string(root.join("tests/fixtures/keys/sample.secret")).expect("key");
    t.write("sample.secret", &sample_key_text);
    private(&t.path("sample.secret"));
    t.write("unsigned.json", std::fs::read(root.join("tests/fixtures/cli/unsigned.json")).expect("unsigned"));

    // keygen, init: new keys, whose patterns are scanned for too.
    assert_eq!(t.run(".", &["keygen", "--out", "new.secret"], &[]), 0);
    assert_eq!(t.run(".", &["keygen", "--out", "new.secret"], &[]), 2, "keygen must refuse to overwrite");
    let init = ["init", "site", "--base-url", "https://badges.example.edu/", "--issuer", "Example U"];
    assert_eq!(t.run(".", &init, &[]), 0);

    // sign and verify, the key in a file and in the environment.
    let sign = ["sign", "--key", "sample.secret", "--created", "2025-01-01T00:00:00Z"];
    assert_eq!(t.run(".", &[&sign[..], &["unsigned.json", "-o", "signed.json"]].concat(), &[]), 0);
    assert_eq!(
        t.run(
            ".",
            &["sign", "--suite", "eddsa-jcs-2022", "unsigned.json"],
            &[("ROSETTE_SIGNING_KEY", &sample_key_text)]
        ),
        0
    );
    assert_eq!(t.run(".", &["verify", "signed.json"], &[]), 0);
    assert_eq!(t.run(".", &["verify", "--format", "json", "signed.json"], &[]), 0);
    assert_eq!(t.run(".", &[&sign[..], &["signed.json"]].concat(), &[]), 1, "a second proof by the key");

    // Bad keys: each error must describe the problem without quoting the key.
    let multibase =
        sample_key_text.lines().find(|l| l.trim_start().starts_with('z')).unwrap_or(&sample_key_text).trim();
    let bad_keys = [
        ("truncated.secret", multibase[..multibase.len() - 1].to_string()),
        ("trailing.secret", format!("{multibase}x")),
        ("not-base58.secret", format!("{multibase}0OIl")),
        ("wrong-prefix.secret", format!("u{}", &multibase[1..])),
        ("hex.secret", {
            let pattern = key_of(&t.path("sample.secret")).leak_patterns();
            pattern[2].to_string()
        }),
    ];
    for (name, text) in &bad_keys {
        t.write(name, text);
        private(&t.path(name));
        let code = t.run(".", &["sign", "--key", name, "unsigned.json"], &[]);
        assert_ne!(code, 0, "{name} was accepted as a key");
        let code = t.run(".", &["sign", "unsigned.json"], &[("ROSETTE_SIGNING_KEY", text)]);
        assert_ne!(code, 0, "{name} was accepted as a key in the environment");
    }
    // A key readable by others: a warning, naming the file only.
    t.write("open.secret", &sample_key_text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(t.path("open.secret"), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
    }
    assert_eq!(t.run(".", &["sign", "--key", "open.secret", "unsigned.json"], &[]), 0);
    let warning = String::from_utf8_lossy(&t.output.last().expect("ran").1).into_owned();
    assert!(
        warning.contains("is readable by other users"),
        "no warning for a key readable by others: {warning}"
    );
    // The key file given where a credential is expected.
    assert_eq!(t.run(".", &["verify", "sample.secret"], &[]), 1);
    assert_ne!(t.run(".", &["sign", "--key", "sample.secret", "sample.secret"], &[]), 0);

    // The issuer's loop in the new site, with a copy of its key left in badges/ by mistake, and
    // e-mail notices sent through a sink that refuses one address (issue #22).
    std::fs::copy(t.path("site/signing-key.secret"), t.path("site/badges/signing-key.secret")).expect("cp");
    let sink = common::smtp::Sink::start();
    sink.refuse("grace@example.org");
    let config = std::fs::read_to_string(t.path("site/rosette.toml")).expect("config");
    t.write(
        "site/rosette.toml",
        format!(
            "{config}\n[notify]\nfrom = \"badges@example.edu\"\nsmtp = \"{}\"\nper_minute = 100000\n",
            sink.url()
        ),
    );
    let award = ["award", "--key", "signing-key.secret", "--achievement", "example"];
    assert_eq!(
        t.run("site", &[&award[..], &["--name", "Ada", "--email", "ada.earner@example.org"]].concat(), &[]),
        0
    );
    t.write(
        "site/cohort.csv",
        "achievement,name,email\nexample,Grace,grace@example.org\nexample,Alan,alan@example.org\n",
    );
    assert_eq!(t.run("site", &["award", "--key", "signing-key.secret", "--csv", "cohort.csv"], &[]), 0);
    assert_ne!(
        t.run(
            "site",
            &["award", "--key", "../truncated.secret", "--achievement", "example", "--name", "X"],
            &[]
        ),
        0
    );
    // Every address the outbox holds, read before `notify` sends (and removes) them.
    let addresses: Vec<String> = walkdir::WalkDir::new(t.path("site/outbox/pending"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "envelope.json")
        .flat_map(|e| {
            let envelope: serde_json::Value =
                serde_json::from_slice(&std::fs::read(e.path()).expect("read")).expect("json");
            envelope["to"]
                .as_array()
                .expect("to")
                .iter()
                .map(|a| a.as_str().expect("address").to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(addresses.len(), 3, "the outbox holds the three awards' notices: {addresses:?}");
    assert_eq!(t.run("site", &["notify", "--dry-run"], &[]), 0);
    assert_eq!(t.run("site", &["notify"], &[]), 1, "one refused address");
    assert_eq!(t.run("site", &["notify", "-v"], &[]), 1, "refused again, step by step");
    assert_eq!(sink.delivered().len(), 2);
    assert_eq!(t.run("site", &["build"], &[]), 0);
    // An award whose notice was sent: revoking the refused one would delete its notice, which
    // the scan below must find (ids are random, so which award comes first is not fixed).
    let id = std::fs::read_dir(t.path("site/badges/awards"))
        .expect("awards")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .find(|id| !t.path(&format!("site/outbox/pending/{id}")).exists())
        .expect("an award whose notice was sent");
    assert_eq!(t.run("site", &["revoke", &id, "--key", "signing-key.secret", "--reason", "test"], &[]), 0);
    assert_ne!(t.run("site", &["revoke", "no-such-award", "--key", "signing-key.secret"], &[]), 0);
    assert_eq!(t.run("site", &["remove-holder", &id], &[]), 0);
    assert_eq!(t.run("site", &["build"], &[]), 0);
    assert_eq!(
        t.run(
            ".",
            &[
                "verify",
                "--site",
                "site/public",
                "--base-url",
                "https://badges.example.edu/",
                "site/badges/awards"
            ],
            &[]
        ),
        0
    );

    // The sample site, with the sample key dropped into badges/ under several names.
    if root.join("badges/awards").is_dir() {
        std::fs::copy(root.join("rosette.toml"), t.path("sample/rosette.toml")).ok();
        t.write("sample/rosette.toml", std::fs::read(root.join("rosette.toml")).expect("toml"));
        for e in walkdir::WalkDir::new(root.join("badges")).into_iter().filter_map(Result::ok) {
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(&root).expect("prefix").display().to_string();
                t.write(&format!("sample/{rel}"), std::fs::read(e.path()).expect("read"));
            }
        }
        t.write("sample/badges/issuer.secret", &sample_key_text);
        assert_eq!(t.run("sample", &["build"], &[]), 0);
        // Under another name it would be published: the build refuses it, naming the file.
        t.write("sample/badges/images/key.txt", &sample_key_text);
        assert_eq!(t.run("sample", &["build", "--out", "public2"], &[]), 1);
        let refusal = String::from_utf8_lossy(&t.output.last().expect("ran").1).into_owned();
        assert!(
            refusal.contains("`badges/images/key.txt`: this looks like a secret signing key"),
            "{refusal}"
        );
        std::fs::remove_file(t.path("sample/badges/images/key.txt")).expect("rm");
    }

    let keys = [
        ("the sample key", key_of(&t.path("sample.secret"))),
        ("the keygen key", key_of(&t.path("new.secret"))),
        ("the init key", key_of(&t.path("site/signing-key.secret"))),
    ];
    let mut published = files_under(&t.path("site/public"));
    published.extend(files_under(&t.path("sample/public")));
    // Two built sites: the sample's 60 files and a new site's (issue #18: two files an award).
    assert!(published.len() > 80, "the scan must cover the built sites ({} files)", published.len());
    let mut leaks = Vec::new();
    for (which, key) in &keys {
        for pattern in key.leak_patterns() {
            let needle = pattern.as_bytes();
            for (what, bytes) in t.output.iter().chain(published.iter()) {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    leaks.push(format!("{which} appears in {what}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "secret key material leaked:\n{}", leaks.join("\n"));
    // No earner's address in what rosette printed, in the sites it built, or in their caches.
    let mut scanned = published.clone();
    scanned.extend(files_under(&t.path("site/.rosette-cache")));
    scanned.extend(
        files_under(&t.path("site/outbox")).into_iter().filter(|(path, _)| path.ends_with("sent.log")),
    );
    assert!(scanned.iter().any(|(path, _)| path.contains(".rosette-cache")), "the scan covers the cache");
    let mut addressed = Vec::new();
    for address in &addresses {
        for (what, bytes) in t.output.iter().chain(scanned.iter()) {
            if bytes.windows(address.len()).any(|w| w == address.as_bytes()) {
                addressed.push(format!("`{address}` appears in {what}"));
            }
        }
    }
    assert!(addressed.is_empty(), "an earner's address leaked:\n{}", addressed.join("\n"));
    // The scan itself can fail: the refused address is still in the outbox.
    let outbox = files_under(&t.path("site/outbox/pending"));
    assert!(
        outbox.iter().any(|(_, b)| b.windows(17).any(|w| w == b"grace@example.org")),
        "the address scan finds nothing"
    );
    // The scan itself can fail: the key is where it should be.
    let in_file = std::fs::read(t.path("sample.secret")).expect("key");
    let pattern = keys[0].1.leak_patterns();
    assert!(in_file.windows(pattern[0].len()).any(|w| w == pattern[0].as_bytes()), "the scan finds nothing");
    // Key files are private.
    for key in ["new.secret", "site/signing-key.secret"] {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(t.path(key)).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "`{key}` is not 0600");
        }
    }
}
