//! Hosts other than GitHub Pages (README, "Deploying"): the sample site served by a real nginx
//! with `docs/nginx.conf`, the `_headers` file Netlify and Cloudflare Pages read, and the
//! README's copy of the nginx configuration. Both hosts must give each kind of file the same
//! headers: what the badge page's check and other origins' verifiers depend on.

use crate::common;
use common::{BIN, EPOCH};

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The nginx configuration the README shows.
const NGINX_CONF: &str = "docs/nginx.conf";

/// One file of the sample site and the headers a host must serve it with.
struct Expect {
    path: &'static str,
    content_type: &'static str,
    /// `Access-Control-Allow-Origin`.
    cors: Option<&'static str>,
    cache_control: Option<&'static str>,
}

const JSON: &str = "application/json";
const NQUADS: &str = "application/n-quads; charset=utf-8";

/// The files a badge check reads (did.json, keys.json, a status list and its N-Quads), a
/// credential file (for verifiers and wallets) and a badge page.
const EXPECTED: &[Expect] = &[
    Expect {
        path: "/.well-known/did.json",
        content_type: "application/did+ld+json",
        cors: Some("*"),
        cache_control: None,
    },
    Expect { path: "/.well-known/keys.json", content_type: JSON, cors: Some("*"), cache_control: None },
    Expect { path: "/awards/2024-aml-0001.json", content_type: JSON, cors: Some("*"), cache_control: None },
    Expect {
        path: "/status/revocation-1.json",
        content_type: JSON,
        cors: Some("*"),
        cache_control: Some("no-cache"),
    },
    Expect {
        path: "/status/revocation-1.nq",
        content_type: NQUADS,
        cors: Some("*"),
        cache_control: Some("no-cache"),
    },
    Expect {
        path: "/status/revocation-1.proof.nq",
        content_type: NQUADS,
        cors: Some("*"),
        cache_control: Some("no-cache"),
    },
    Expect {
        path: "/awards/2024-aml-0001/",
        content_type: "text/html; charset=utf-8",
        cors: None,
        cache_control: None,
    },
];

/// Builds the sample site into `<dir>/public` and returns that path.
fn build_sample(dir: &Path) -> PathBuf {
    common::copy_sample_site(dir);
    let public = dir.join("public");
    let out = Command::new(BIN)
        .args(["build", "--root"])
        .arg(dir)
        .arg("--out")
        .arg(&public)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .expect("run rosette build");
    assert!(out.status.success(), "build failed: {}", String::from_utf8_lossy(&out.stderr));
    public
}

/// The rules of a `_headers` file: a path pattern (one `*` at most, matching anything, `/`
/// included), then its indented `Name: value` lines.
fn parse_headers_file(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut rules: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')) {
        if line.starts_with('/') {
            rules.push((line.trim().to_string(), Vec::new()));
        } else {
            let (name, value) = line.trim().split_once(':').expect("a `Name: value` line");
            let rule = rules.last_mut().expect("a header line after a path");
            rule.1.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    rules
}

fn pattern_matches(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((prefix, suffix)) => {
            path.len() >= prefix.len() + suffix.len() && path.starts_with(prefix) && path.ends_with(suffix)
        }
    }
}

/// The headers the rules give `path`, by lowercase name. Panics when two matching rules set
/// the same header: Cloudflare Pages would join their values (`*, *`), which is no valid CORS.
fn headers_for(rules: &[(String, Vec<(String, String)>)], path: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (pattern, headers) in rules.iter().filter(|(p, _)| pattern_matches(p, path)) {
        for (name, value) in headers {
            if let Some(before) = out.insert(name.clone(), value.clone()) {
                panic!("`{path}`: `{name}` set twice in `_headers` (`{before}`, then by `{pattern}`)");
            }
        }
    }
    out
}

/// A type the host gives from the file's extension, without a rule.
fn is_hosts_default(content_type: &str) -> bool {
    content_type == JSON || content_type.starts_with("text/html")
}

#[test]
fn headers_file_gives_each_file_its_headers_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let public = build_sample(dir.path());
    let rules = parse_headers_file(&std::fs::read_to_string(public.join("_headers")).expect("_headers"));
    for e in EXPECTED {
        assert!(public.join(&e.path[1..]).exists() || e.path.ends_with('/'), "`{}` not built", e.path);
        let got = headers_for(&rules, e.path);
        let content_type = (!is_hosts_default(e.content_type)).then_some(e.content_type);
        assert_eq!(got.get("content-type").map(String::as_str), content_type, "{}", e.path);
        assert_eq!(got.get("access-control-allow-origin").map(String::as_str), e.cors, "{}", e.path);
        assert_eq!(got.get("cache-control").map(String::as_str), e.cache_control, "{}", e.path);
    }
}

#[test]
fn readme_shows_the_nginx_configuration_verbatim() {
    let root = common::repo_root();
    let conf = std::fs::read_to_string(root.join(NGINX_CONF)).expect("docs/nginx.conf");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks: Vec<&str> = readme
        .split("```nginx\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block))
        .collect();
    assert!(
        blocks.contains(&conf.as_str()),
        "README.md has no ```nginx block equal to `{NGINX_CONF}`; copy the file into it again"
    );
}

/// The nginx to run: `ROSETTE_NGINX`, else `nginx` on the `PATH` or in `/usr/sbin`. `None`
/// after saying why when there is none; under CI (`CI` set) its absence is a failure.
fn nginx() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ROSETTE_NGINX") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file());
    if found.is_none() {
        let msg = "nginx is not installed (scripts/test.sh installs it as root; or set ROSETTE_NGINX)";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
    }
    found
}

/// nginx in the foreground, one process (killed on drop), with its files in a temporary prefix.
struct Nginx {
    child: Child,
    port: u16,
    prefix: PathBuf,
}

impl Nginx {
    /// Serves `public` with `server`, the snippet, on a free port of 127.0.0.1.
    fn start(bin: &Path, prefix: &Path, public: &Path) -> Nginx {
        let version = Command::new(bin).arg("-V").output().expect("nginx -V");
        let version = String::from_utf8_lossy(&version.stderr).into_owned();
        // The types the snippet includes, from where this nginx keeps its configuration.
        let conf_dir = version
            .split_whitespace()
            .find_map(|arg| arg.strip_prefix("--conf-path="))
            .and_then(|p| Path::new(p).parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("/etc/nginx"));
        std::fs::copy(conf_dir.join("mime.types"), prefix.join("mime.types")).expect("nginx's mime.types");

        let port = free_port();
        let snippet = std::fs::read_to_string(common::repo_root().join(NGINX_CONF)).expect("docs/nginx.conf");
        let server = substitute(&snippet, "listen 80;", &format!("listen 127.0.0.1:{port};"));
        let server =
            substitute(&server, "root /var/www/badges/public;", &format!("root {};", public.display()));
        std::fs::write(prefix.join("server.conf"), server).expect("server.conf");

        // Every file nginx writes goes under the prefix; the temporary paths of the modules
        // this nginx has, so that it needs no system directory (and no root).
        let p = prefix.display();
        let temp_paths: String = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
            .iter()
            .filter(|m| **m == "client_body" || !version.contains(&format!("--without-http_{m}_module")))
            .map(|m| format!("    {m}_temp_path {p}/{m};\n"))
            .collect();
        let main = format!(
            "error_log {p}/error.log;\nevents {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n{temp_paths}    include server.conf;\n}}\n"
        );
        std::fs::write(prefix.join("nginx.conf"), main).expect("nginx.conf");

        let child = Command::new(bin)
            .arg("-p")
            .arg(prefix)
            .arg("-c")
            .arg(prefix.join("nginx.conf"))
            .arg("-g")
            .arg(format!("daemon off; master_process off; pid {p}/nginx.pid;"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let mut nginx = Nginx { child, port, prefix: prefix.to_path_buf() };
        nginx.wait_ready();
        nginx
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut s) = self.child.stderr.take() {
                    s.read_to_string(&mut stderr).ok();
                }
                let log = std::fs::read_to_string(self.prefix.join("error.log")).unwrap_or_default();
                panic!("nginx exited ({status}):\n{stderr}{log}");
            }
            assert!(Instant::now() < deadline, "nginx did not listen on port {} in time", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// `text` with its one `from` replaced; the snippet must still have the line it replaces.
fn substitute(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{NGINX_CONF}` should have `{from}` once");
    text.replace(from, to)
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A response: status, headers by lowercase name, body.
struct Response {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// `GET path` over HTTP/1.1, the connection closed after the response.
fn get(port: u16, path: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to nginx");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").expect("request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("response");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of the headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let mut headers = BTreeMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("header line");
        let name = name.trim().to_ascii_lowercase();
        assert!(!headers.contains_key(&name), "`{path}`: `{name}` sent twice");
        headers.insert(name, value.trim().to_string());
    }
    Response { status, headers, body: raw[split + 4..].to_vec() }
}

#[test]
fn nginx_serves_the_sample_site_as_the_guide_says() {
    let Some(bin) = nginx() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let public = build_sample(dir.path());
    let prefix = dir.path().join("nginx");
    std::fs::create_dir(&prefix).expect("nginx prefix");
    let server = Nginx::start(&bin, &prefix, &public);
    let rules = parse_headers_file(&std::fs::read_to_string(public.join("_headers")).expect("_headers"));

    for e in EXPECTED {
        let r = get(server.port, e.path);
        assert_eq!(r.status, 200, "{}", e.path);
        assert_eq!(r.header("content-type"), Some(e.content_type), "{}", e.path);
        assert_eq!(r.header("access-control-allow-origin"), e.cors, "{}", e.path);
        assert_eq!(r.header("cache-control"), e.cache_control, "{}", e.path);
        let file = if e.path.ends_with('/') { format!("{}index.html", e.path) } else { e.path.to_string() };
        assert_eq!(r.body, std::fs::read(public.join(&file[1..])).expect("the file"), "{}", e.path);
        // What `_headers` sets, nginx sends: the two guides agree.
        for (name, value) in headers_for(&rules, e.path) {
            assert_eq!(r.header(&name), Some(value.as_str()), "{}: `{name}`", e.path);
        }
    }

    // A missing credential: a 404 that other origins can read, so that a check elsewhere
    // learns "not published" rather than a network error.
    let r = get(server.port, "/awards/2024-none-0000.json");
    assert_eq!((r.status, r.header("access-control-allow-origin")), (404, Some("*")));
    // A missing page: the site's own 404 page.
    let r = get(server.port, "/awards/2024-none-0000/");
    assert_eq!(r.status, 404);
    assert_eq!(r.body, std::fs::read(public.join("404.html")).expect("404.html"));
}
