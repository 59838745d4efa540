//! `rosette serve` on a copy of the sample site: pages, content types and the 404 page over
//! real HTTP, the reload script only in served HTML, a rebuild after an edit (seen by an open
//! page's long poll), and the last good site kept when a rebuild fails.
//!
//! Waits poll with a generous deadline; nothing asserts how long anything took.

use crate::common;
use common::copy_dir;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long to wait for a build or rebuild on a busy machine before giving up.
const DEADLINE: Duration = Duration::from_secs(300);

/// The running server; killed (by its own pid) when the test ends, pass or fail.
struct Server {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(root: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rosette"))
            .args(["serve", "--port", "0", "--root"])
            .arg(root)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rosette serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(DEADLINE).unwrap_or_default();
        let port = line
            .trim()
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| {
                panic!("no URL on stdout (got `{line}`); stderr:\n{}", stderr.lock().expect("lock"))
            });
        Server { child, port, stderr }
    }

    fn get(&self, path: &str) -> Response {
        get(self.port, path)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Polls `what` until it holds or the deadline passes.
    #[track_caller]
    fn wait_for(&self, what: &str, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(start.elapsed() < DEADLINE, "gave up waiting for {what}; stderr:\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A plain HTTP/1.1 GET with `Connection: close`.
fn get(port: u16, path: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to rosette serve");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status =
        lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Response { status, headers, body: raw[split + 4..].to_vec() }
}

#[test]
fn serve_builds_serves_and_rebuilds_on_change() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    std::fs::copy(common::repo_root().join("rosette.toml"), root.join("rosette.toml")).expect("copy config");
    copy_dir(&common::repo_root().join("badges"), &root.join("badges"));
    let server = Server::start(root);

    // A badge page, with the reload script that the built file does not have.
    let page = server.get("/awards/2024-dlf-0001/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert!(page.text().contains("Amara Okafor"), "{}", page.text());
    assert!(page.text().contains("<script src=\"/__rosette/reload.js?v=1\" defer></script></body>"));
    let built =
        std::fs::read_to_string(root.join("public/awards/2024-dlf-0001/index.html")).expect("built page");
    assert!(!built.contains("__rosette"), "the reload script leaked into public/");
    let script = server.get("/__rosette/reload.js");
    assert_eq!(script.header("Content-Type"), Some("text/javascript; charset=utf-8"));

    // Relative links need the directory URL.
    let bare = server.get("/awards/2024-dlf-0001");
    assert_eq!((bare.status, bare.header("Location")), (301, Some("/awards/2024-dlf-0001/")));

    for (path, content_type) in [
        ("/.well-known/did.json", "application/did+ld+json"),
        ("/awards/2024-dlf-0001.json", "application/json"),
        ("/status/revocation-1.nq", "application/n-quads"),
        ("/images/northfield-logo.svg", "image/svg+xml"),
        ("/sitemap.xml", "application/xml"),
    ] {
        let r = server.get(path);
        assert_eq!((r.status, r.header("Content-Type")), (200, Some(content_type)), "{path}");
    }
    let did: serde_json::Value =
        serde_json::from_slice(&server.get("/.well-known/did.json").body).expect("JSON");
    assert_eq!(did["id"], "did:web:badges.northfield.example");

    // Unknown paths and attempts to leave the site get the site's 404 page.
    for path in ["/no/such/page/", "/../rosette.toml", "/%2e%2e/rosette.toml"] {
        let missing = server.get(path);
        assert_eq!(missing.status, 404, "{path}");
        assert!(missing.text().contains("noindex"), "not the site's 404 page: {}", missing.text());
    }

    // An open page waits for the next generation; an edit rebuilds and releases it.
    let port = server.port;
    let waiter = std::thread::spawn(move || {
        let start = Instant::now();
        loop {
            let answer = get(port, "/__rosette/wait?v=1").text();
            if answer.trim() != "1" || start.elapsed() > DEADLINE {
                return answer;
            }
        }
    });
    let config = std::fs::read_to_string(root.join("rosette.toml")).expect("config");
    let edited = config.replace(
        "title = \"Northfield Institute of Technology — Digital Badges\"",
        "title = \"Northfield Served Live\"",
    );
    assert_ne!(edited, config, "the sample's title changed; update this test");
    std::fs::write(root.join("rosette.toml"), &edited).expect("edit");
    server.wait_for("the rebuilt index", || server.get("/").text().contains("Northfield Served Live"));
    assert_eq!(waiter.join().expect("waiter").trim(), "2", "the open page was not told to reload");

    // A broken edit: the errors are printed and the last good site stays up.
    std::fs::write(root.join("rosette.toml"), edited.replace("title =", "titel =")).expect("break");
    server.wait_for("the failed rebuild's report", || {
        server.stderr().contains("still serving the last good build")
    });
    let stderr = server.stderr();
    assert!(stderr.contains("unknown field `titel`"), "{stderr}");
    let index = server.get("/");
    assert_eq!(index.status, 200);
    assert!(index.text().contains("Northfield Served Live"));
    assert_eq!(get(port, "/__rosette/wait").text().trim(), "2", "a failed build bumped the generation");
}

#[test]
fn serve_waits_for_a_site_that_does_not_build_yet() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let config = std::fs::read_to_string(common::repo_root().join("rosette.toml")).expect("config");
    std::fs::write(root.join("rosette.toml"), config.replace("title =", "titel =")).expect("write");
    copy_dir(&common::repo_root().join("badges"), &root.join("badges"));
    let server = Server::start(root);
    server.wait_for("the first build's report", || server.stderr().contains("until the site builds"));
    assert!(server.stderr().contains("unknown field `titel`"), "{}", server.stderr());
    assert_eq!(server.get("/").status, 404);

    std::fs::write(root.join("rosette.toml"), &config).expect("fix");
    server.wait_for("the fixed site", || server.get("/").status == 200);
    assert!(server.get("/issuer/").text().contains("Northfield Institute of Technology"));
}
