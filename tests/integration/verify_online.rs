//! `rosette verify URL` (issue #17 part 4) against HTTPS servers on 127.0.0.1.
//!
//! Each server is a rustls server in a thread, with a certificate for the test host names from
//! a test-only root that the binary trusts through `ROSETTE_CA_FILE`; `ROSETTE_RESOLVE` points
//! the names at the servers' ports, so the URLs, the did:web DIDs and the certificates all
//! name the real host names, as in production. Cases: a genuine badge (page and file), a
//! genuine mirror, a forged copy on another host (with the real host up, then down), a revoked
//! badge, a server that hangs, an oversized response, an untrusted certificate, and the
//! refusals (`--offline` with a URL, plain http).

use crate::common;
use common::{BIN, EPOCH, copy_dir, copy_sample_site};

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The sample site's host (its rosette.toml base_url) and a forger's.
const HOST: &str = "badges.northfield.example";
const FORGER: &str = "copy.example";
/// The host `rosette init` sites of these tests are published at.
const INIT_HOST: &str = "badges.example.org";
/// The instant the sample site's badges are verified at: [`EPOCH`], when it is built.
const NOW: &str = "2027-01-01T00:00:00Z";

// ---------------------------------------------------------------------------------------------
// The test PKI and servers

/// The test-only root (PEM, written once to a temporary file) and the server configuration
/// whose certificate it signs, valid for every test host name.
fn pki() -> &'static common::pki::Pki {
    static PKI: OnceLock<common::pki::Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let names = vec![HOST.to_string(), FORGER.to_string(), INIT_HOST.to_string()];
        common::pki::make("rosette test-only root", names)
    })
}

/// What a server does with each connection.
#[derive(Clone)]
enum Behaviour {
    /// Serves a published site directory the way a static host does.
    Site(PathBuf),
    /// Accepts the connection and never says a word.
    Hang,
    /// Answers every request with this many bytes of JSON-looking data and no length.
    Endless(u64),
}

/// An HTTPS server on 127.0.0.1; it lives until the test process ends.
struct Server {
    addr: SocketAddr,
}

impl Server {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("address");
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let behaviour = behaviour.clone();
                std::thread::spawn(move || serve(stream, &behaviour));
            }
        });
        Server { addr }
    }
}

/// An address where nothing listens: connections are refused at once.
fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.local_addr().expect("address")
}

fn serve(stream: TcpStream, behaviour: &Behaviour) {
    if let Behaviour::Hang = behaviour {
        // Hold the connection open without a TLS handshake, well past any test's timeout.
        std::thread::sleep(Duration::from_secs(120));
        drop(stream);
        return;
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(conn) = rustls::ServerConnection::new(pki().server.clone()) else { return };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut reader = BufReader::new(&mut tls);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    match behaviour {
        Behaviour::Hang => {}
        Behaviour::Endless(total) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
            if tls.write_all(head.as_bytes()).is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < *total {
                // The client hangs up once it has seen enough: stop there.
                if tls.write_all(&chunk).is_err() {
                    return;
                }
                sent += chunk.len() as u64;
            }
            let _ = tls.flush();
        }
        Behaviour::Site(root) => {
            let (status, kind, body) = static_file(root, &path);
            let mut head =
                format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
            if status.starts_with("301") {
                head.push_str(&format!("Location: {path}/\r\n"));
            }
            head.push_str(&format!("Content-Type: {kind}\r\n\r\n"));
            let _ =
                tls.write_all(head.as_bytes()).and_then(|()| tls.write_all(&body)).and_then(|()| tls.flush());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    }
}

/// A static host's answer for `path` under `root`: the file, `index.html` of a directory
/// (which is first redirected to its `/` form, as GitHub Pages does), else 404.
fn static_file(root: &Path, path: &str) -> (&'static str, &'static str, Vec<u8>) {
    let path = path.split(['?', '#']).next().unwrap_or("/");
    if path.split('/').any(|s| s == "..") {
        return ("400 Bad Request", "text/plain", b"bad path".to_vec());
    }
    let mut file = root.join(path.trim_start_matches('/'));
    if file.is_dir() {
        if !path.ends_with('/') {
            return ("301 Moved Permanently", "text/plain", Vec::new());
        }
        file = file.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(body) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("json") => "application/json",
                Some("png") => "image/png",
                Some("svg") => "image/svg+xml",
                _ => "application/octet-stream",
            };
            ("200 OK", kind, body)
        }
        Err(_) => ("404 Not Found", "text/plain", b"not found".to_vec()),
    }
}

// ---------------------------------------------------------------------------------------------
// Running the binary

struct Out {
    args: String,
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Out {
    #[track_caller]
    fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "`rosette {}`\n--- stdout\n{}--- stderr\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    fn says(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text) || self.stderr.contains(text),
            "`rosette {}` does not say `{text}`\n--- stdout\n{}--- stderr\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    fn never_verified(&self) -> &Self {
        assert!(
            !self.stdout.contains(": verified") && !self.stdout.contains(" 1 verified"),
            "`rosette {}` said verified\n{}",
            self.args,
            self.stdout
        );
        self
    }
}

/// The network as the binary sees it: which host name goes to which local address.
struct Net {
    hosts: Vec<(String, SocketAddr)>,
    timeout_ms: u64,
    trust_test_root: bool,
}

impl Net {
    fn new() -> Self {
        Net { hosts: Vec::new(), timeout_ms: 10_000, trust_test_root: true }
    }

    fn host(mut self, name: &str, addr: SocketAddr) -> Self {
        self.hosts.push((name.to_string(), addr));
        self
    }

    fn rosette(&self, dir: &Path, args: &[&str]) -> Out {
        let resolve: Vec<String> =
            self.hosts.iter().map(|(name, addr)| format!("{name}:443={addr}")).collect();
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(dir)
            .env("ROSETTE_RESOLVE", resolve.join(","))
            .env("ROSETTE_HTTP_TIMEOUT_MS", self.timeout_ms.to_string())
            .env_remove("ROSETTE_SIGNING_KEY");
        for proxy in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            cmd.env_remove(proxy);
        }
        if self.trust_test_root {
            cmd.env("ROSETTE_CA_FILE", pki().ca_file.path());
        } else {
            cmd.env_remove("ROSETTE_CA_FILE");
        }
        let start = Instant::now();
        let out = cmd.output().expect("run rosette");
        Out {
            args: args.join(" "),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            took: start.elapsed(),
        }
    }
}

/// Runs `rosette` offline, for building sites and signing.
#[track_caller]
fn rosette_ok(dir: &Path, args: &[&str]) -> String {
    rosette_ok_env(dir, args, &[])
}

#[track_caller]
fn rosette_ok_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("ROSETTE_SIGNING_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("run rosette");
    assert!(
        out.status.success(),
        "`rosette {}` failed\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The sample site, built at [`EPOCH`] into `<tmp>/sample/public/`.
fn sample_site(tmp: &Path) -> PathBuf {
    let root = tmp.join("sample");
    std::fs::create_dir_all(&root).expect("mkdir");
    copy_sample_site(&root);
    rosette_ok_env(&root, &["build"], &[("SOURCE_DATE_EPOCH", EPOCH)]);
    root.join("public")
}

/// The slug of the first award the site published (`public/awards/<slug>.json`), sorted.
fn first_award(public: &Path) -> String {
    let mut slugs: Vec<String> = std::fs::read_dir(public.join("awards"))
        .expect("awards")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
        .collect();
    slugs.sort();
    slugs.into_iter().next().expect("an award")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("JSON")
}

// ---------------------------------------------------------------------------------------------
// Genuine badges

#[test]
fn a_genuine_badge_verifies_from_its_page_and_its_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let public = sample_site(tmp.path());
    let slug = first_award(&public);
    let site = Server::start(Behaviour::Site(public));
    let net = Net::new().host(HOST, site.addr);

    // The credential's id (a directory on a static host: redirected to its page), the page
    // itself, and the credential file.
    for url in [
        format!("https://{HOST}/awards/{slug}"),
        format!("https://{HOST}/awards/{slug}/"),
        format!("https://{HOST}/awards/{slug}.json"),
    ] {
        let out = net.rosette(tmp.path(), &["verify", "--now", NOW, &url]);
        out.code(0).says(&format!("{url}: verified\n")).says("1 file: 1 verified");
        out.says(&format!("listed under `assertionMethod` of `did:web:{HOST}`")).says("not revoked");
    }

    let url = format!("https://{HOST}/awards/{slug}.json");
    let out = net.rosette(tmp.path(), &["verify", "--now", NOW, "--format", "json", &url]);
    out.code(0);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON report");
    assert_eq!(report[0]["file"], url.as_str());
    assert_eq!(report[0]["outcome"], "verified");
}

/// Where a credential is hosted does not matter: its key comes from the host its issuer's DID
/// names. An unchanged copy on another host is the genuine badge.
#[test]
fn a_genuine_copy_on_another_host_verifies_with_the_key_from_the_issuers_host() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let public = sample_site(tmp.path());
    let slug = first_award(&public);
    let mirror_dir = tmp.path().join("mirror");
    copy_dir(&public, &mirror_dir);
    // The mirror's did.json is not what is read: break it to show it.
    std::fs::write(mirror_dir.join(".well-known/did.json"), "{}").expect("write");
    let site = Server::start(Behaviour::Site(public));
    let mirror = Server::start(Behaviour::Site(mirror_dir));
    let net = Net::new().host(HOST, site.addr).host(FORGER, mirror.addr);
    let url = format!("https://{FORGER}/awards/{slug}.json");
    net.rosette(tmp.path(), &["verify", "--now", NOW, &url]).code(0).says(&format!("{url}: verified"));

    // The page alone is enough: it embeds the signed credential.
    std::fs::remove_file(tmp.path().join(format!("mirror/awards/{slug}.json"))).expect("remove the file");
    let page = format!("https://{FORGER}/awards/{slug}/");
    net.rosette(tmp.path(), &["verify", "--now", NOW, &page]).code(0).says(&format!("{page}: verified"));
    net.rosette(tmp.path(), &["verify", "--now", NOW, &url]).code(1).says("answered HTTP 404");
}

// ---------------------------------------------------------------------------------------------
// A forged copy

/// A forger copies the site to their own host, adds their key to the copy's did.json (and key
/// history) under the real issuer's DID, and re-signs an award with a changed name.
#[test]
fn a_forged_copy_on_another_host_fails_and_is_never_verified() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let public = sample_site(tmp.path());
    let slug = first_award(&public);
    let copy = tmp.path().join("copy");
    copy_dir(&public, &copy);

    let keygen = rosette_ok(tmp.path(), &["keygen", "--out", "forger.secret"]);
    let multikey = keygen
        .split(|c: char| c.is_whitespace() || c == '`' || c == '#' || c == ':')
        .find(|w| w.starts_with("z6Mk"))
        .unwrap_or_else(|| panic!("no public key in `{keygen}`"))
        .to_string();
    let forged_vm = format!("did:web:{HOST}#key-forged");
    let did_path = copy.join(".well-known/did.json");
    let mut did = read_json(&did_path);
    did["verificationMethod"].as_array_mut().expect("verificationMethod").push(serde_json::json!({
        "id": forged_vm, "type": "Multikey", "controller": format!("did:web:{HOST}"),
        "publicKeyMultibase": multikey,
    }));
    did["assertionMethod"].as_array_mut().expect("assertionMethod").push(forged_vm.clone().into());
    std::fs::write(&did_path, serde_json::to_vec_pretty(&did).expect("JSON")).expect("write");
    // And to the copy's key history, which the verifier reads too.
    let keys_path = copy.join(".well-known/keys.json");
    let mut keys = read_json(&keys_path);
    keys["keys"].as_array_mut().expect("keys").push(serde_json::json!({
        "id": forged_vm, "status": "active", "validFrom": null, "retired": null,
    }));
    std::fs::write(&keys_path, serde_json::to_vec_pretty(&keys).expect("JSON")).expect("write");

    let award = copy.join(format!("awards/{slug}.json"));
    let mut credential = read_json(&award);
    credential.as_object_mut().expect("object").remove("proof");
    credential["credentialSubject"]["name"] = "Mallory Forger".into();
    std::fs::write(tmp.path().join("unsigned.json"), serde_json::to_vec_pretty(&credential).expect("JSON"))
        .expect("write");
    let forged = award.to_string_lossy().into_owned();
    rosette_ok(
        tmp.path(),
        &[
            "sign",
            "--key",
            "forger.secret",
            "--verification-method",
            &forged_vm,
            "unsigned.json",
            "-o",
            &forged,
        ],
    );

    // Judged by the copy's own did.json, the forgery would pass: that is what it relies on.
    let base = format!("https://{HOST}/");
    let copy_dir_arg = copy.to_string_lossy().into_owned();
    Net::new()
        .rosette(
            tmp.path(),
            &["verify", "--offline", "--now", NOW, "--site", &copy_dir_arg, "--base-url", &base, &forged],
        )
        .code(0);

    // Online, the key is looked up where the DID says: the real host, which never published it.
    let site = Server::start(Behaviour::Site(public));
    let forger = Server::start(Behaviour::Site(copy));
    let url = format!("https://{FORGER}/awards/{slug}.json");
    let net = Net::new().host(HOST, site.addr).host(FORGER, forger.addr);
    let out = net.rosette(tmp.path(), &["verify", "--now", NOW, &url]);
    out.code(1).never_verified().says(&format!("{url}: FAILED"));
    out.says(&format!("key `{forged_vm}` is not published in `did:web:{HOST}`"));

    // With the real host down, nothing can be checked: still never verified.
    let net = Net::new().host(HOST, closed_port()).host(FORGER, forger.addr);
    let out = net.rosette(tmp.path(), &["verify", "--now", NOW, &url]);
    out.code(1).never_verified().says(&format!("{url}: NOT VERIFIED: could not check"));
    out.says(&format!("https://{HOST}/.well-known/did.json"));
}

// ---------------------------------------------------------------------------------------------
// A revoked badge

#[test]
fn a_revoked_badge_fails_online_and_its_neighbour_still_verifies() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = format!("https://{INIT_HOST}/");
    rosette_ok(tmp.path(), &["init", "site", "--base-url", &base, "--issuer", "Example University"]);
    let root = tmp.path().join("site");
    let award = |name: &str, email: &str| {
        let args = [
            "award",
            "--key",
            "signing-key.secret",
            "--achievement",
            "example",
            "--name",
            name,
            "--email",
            email,
        ];
        rosette_ok(&root, &args).trim().to_string()
    };
    let revoked = award("Rita Revoked", "rita@example.org");
    let kept = award("Kim Kept", "kim@example.org");
    rosette_ok(&root, &["build"]);
    rosette_ok(&root, &["revoke", &revoked, "--key", "signing-key.secret", "--reason", "issued in error"]);
    rosette_ok(&root, &["build"]);

    let site = Server::start(Behaviour::Site(root.join("public")));
    let net = Net::new().host(INIT_HOST, site.addr);
    let out = net.rosette(tmp.path(), &["verify", &revoked, &kept]);
    out.code(1).says(&format!("{revoked}: FAILED: revoked")).says(&format!("{kept}: verified"));
    out.says("1 verified, 0 with warnings, 1 failed");
}

// ---------------------------------------------------------------------------------------------
// Hostile and broken servers

#[test]
fn a_server_that_hangs_fails_within_the_timeout_naming_the_url() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hang = Server::start(Behaviour::Hang);
    let mut net = Net::new().host(HOST, hang.addr);
    net.timeout_ms = 1_000;
    let url = format!("https://{HOST}/awards/x.json");
    let out = net.rosette(tmp.path(), &["verify", &url]);
    out.code(1)
        .never_verified()
        .says(&format!("{url}: NOT VERIFIED: could not check: `{url}` did not answer within 1 s"));
    assert!(out.took < Duration::from_secs(8), "took {:?}", out.took);
}

/// A hanging key host is "could not check" too, after one timeout (each URL is fetched once).
#[test]
fn a_key_host_that_hangs_is_could_not_check() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let public = sample_site(tmp.path());
    let slug = first_award(&public);
    let copy = Server::start(Behaviour::Site(public));
    let hang = Server::start(Behaviour::Hang);
    let mut net = Net::new().host(HOST, hang.addr).host(FORGER, copy.addr);
    net.timeout_ms = 1_000;
    let url = format!("https://{FORGER}/awards/{slug}.json");
    let out = net.rosette(tmp.path(), &["verify", "--now", NOW, &url]);
    out.code(1)
        .never_verified()
        .says(&format!("`https://{HOST}/.well-known/did.json` did not answer within 1 s"));
    assert!(out.took < Duration::from_secs(8), "took {:?}", out.took);
}

#[test]
fn an_oversized_response_is_refused_naming_the_limit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let endless = Server::start(Behaviour::Endless(50 * 1024 * 1024));
    let net = Net::new().host(HOST, endless.addr);
    let url = format!("https://{HOST}/awards/x.json");
    let out = net.rosette(tmp.path(), &["verify", &url]);
    out.code(1).never_verified().says(&format!("`{url}` is larger than the 4 MiB limit"));
}

#[test]
fn a_certificate_from_an_unknown_root_is_could_not_check() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let public = sample_site(tmp.path());
    let slug = first_award(&public);
    let site = Server::start(Behaviour::Site(public));
    let mut net = Net::new().host(HOST, site.addr);
    net.trust_test_root = false;
    let url = format!("https://{HOST}/awards/{slug}.json");
    let out = net.rosette(tmp.path(), &["verify", "--now", NOW, &url]);
    out.code(1).never_verified().says(&format!("could not check: could not fetch `{url}`"));
    out.says("UnknownIssuer");
}

// ---------------------------------------------------------------------------------------------
// Refusals

#[test]
fn offline_refuses_a_url_and_plain_http_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let net = Net::new();
    let url = format!("https://{HOST}/awards/x.json");
    net.rosette(tmp.path(), &["verify", "--offline", &url])
        .code(2)
        .says(&format!("error: `{url}` is a URL, and --offline fetches nothing"))
        .says("hint: drop --offline");
    let plain = format!("http://{HOST}/awards/x.json");
    net.rosette(tmp.path(), &["verify", &plain]).code(2).says("is a plain http:// URL").says("HTTPS only");
}

/// `--offline` keeps the behaviour from before: a did:web key no `--site` serves is "could not
/// check", and nothing is fetched (the host here would answer, and is not asked).
#[test]
fn offline_fetches_no_key_and_site_dirs_come_before_the_network() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let public = sample_site(tmp.path());
    let slug = first_award(&public);
    let file = public.join(format!("awards/{slug}.json")).to_string_lossy().into_owned();
    let hang = Server::start(Behaviour::Hang);
    let mut net = Net::new().host(HOST, hang.addr);
    net.timeout_ms = 5_000;
    let out = net.rosette(tmp.path(), &["verify", "--offline", "--now", NOW, &file]);
    out.code(1).says("is not available offline");
    assert!(out.took < Duration::from_secs(4), "took {:?}", out.took);

    // --site serves its base URL without asking the (hanging) host.
    let base = format!("https://{HOST}/");
    let public_arg = public.to_string_lossy().into_owned();
    let out =
        net.rosette(tmp.path(), &["verify", "--now", NOW, "--site", &public_arg, "--base-url", &base, &file]);
    out.code(0);
    assert!(out.took < Duration::from_secs(4), "took {:?}", out.took);
}
