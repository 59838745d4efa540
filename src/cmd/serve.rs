//! `rosette serve`: build, serve the output on 127.0.0.1, rebuild on change, reload open pages.
//!
//! The output directory holds exactly what `build` writes. The reload script is added to HTML
//! only as it is served: each page loads `/__rosette/reload.js`, which long-polls
//! `/__rosette/wait` until the site's generation changes and then reloads. A script file (not
//! inline code) and a same-origin request are what the pages' Content-Security-Policy allows.

use crate::cli::ServeArgs;
use crate::error::{CliError, Exit};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long the watcher waits for a burst of changes (an editor's save, a `git checkout`) to
/// end before rebuilding.
const DEBOUNCE: Duration = Duration::from_millis(250);
/// How long a reload request is held open before the page asks again.
const LONG_POLL: Duration = Duration::from_secs(25);
/// How many ports after `--port` are tried when it is busy.
const PORT_TRIES: u16 = 20;

const RELOAD_JS: &str = r#"(function () {
  var v = new URL(document.currentScript.src).searchParams.get("v");
  function poll() {
    fetch("/__rosette/wait?v=" + v, { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (t) { if (t.trim() !== v) { location.reload(); } else { poll(); } })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"#;

/// The site's generation: bumped by every successful rebuild, waited on by open pages.
struct State {
    out: PathBuf,
    generation: Mutex<u64>,
    changed: Condvar,
}

impl State {
    fn generation(&self) -> u64 {
        *self.generation.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn bump(&self) {
        let mut g = self.generation.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *g += 1;
        self.changed.notify_all();
    }

    /// Waits until the generation differs from `seen` (or the long poll ends); returns it.
    fn wait(&self, seen: u64) -> u64 {
        let g = self.generation.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (g, _) = self
            .changed
            .wait_timeout_while(g, LONG_POLL, |g| *g == seen)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *g
    }
}

pub fn run(args: &ServeArgs) -> Result<Exit, CliError> {
    let root = args.root.as_path();
    let out = args.out.clone().unwrap_or_else(|| root.join("public"));
    // rosette.toml must at least be readable to know what to serve; a site that does not
    // build yet is served from its last build (if any) until it does.
    if !root.join("rosette.toml").is_file() {
        return Err(CliError::io(format!("there is no `{}`", root.join("rosette.toml").display()))
            .hint("run `rosette serve` in a site directory, or pass --root"));
    }
    // Watching starts before the first build, so that an edit made while it runs (the fix
    // for the error it is about to report, say) is not missed.
    let watcher = Watch::start(root)?;
    match super::build::build(root, &out, &crate::site::BuildOptions::default()) {
        Ok(summary) => super::build::report(&summary, &out),
        Err(e) => {
            crate::ui::error(&e);
            crate::ui::status(format!("serving what is in `{}` until the site builds", out.display()));
        }
    }

    let (server, port) = bind(args.port)?;
    let state = Arc::new(State { out: out.clone(), generation: Mutex::new(1), changed: Condvar::new() });
    let server_state = Arc::clone(&state);
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let state = Arc::clone(&server_state);
            // One thread per request: reload requests are held open, and this is a local
            // preview for one person.
            std::thread::spawn(move || handle(request, &state));
        }
    });
    // The URL is the command's output: on standard output, so scripts can read it.
    println!("http://127.0.0.1:{port}/");
    let _ = std::io::stdout().flush();
    crate::ui::status(format!(
        "serving `{}` at http://127.0.0.1:{port}/; watching for changes (Ctrl-C to stop)",
        out.display()
    ));
    watcher.rebuild_on_change(root, &out, &state)
}

/// Binds 127.0.0.1 on `port`, or the next free one; port 0 takes any free port.
fn bind(port: u16) -> Result<(tiny_http::Server, u16), CliError> {
    let tries = if port == 0 { 1 } else { PORT_TRIES };
    let mut last = String::new();
    for p in (0..tries).filter_map(|i| port.checked_add(i)) {
        match tiny_http::Server::http(("127.0.0.1", p)) {
            Ok(server) => {
                let actual = server.server_addr().to_ip().map_or(p, |a| a.port());
                if actual != port && port != 0 {
                    crate::ui::status(format!("port {port} is busy; using {actual}"));
                }
                return Ok((server, actual));
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(CliError::io(format!("could not listen on 127.0.0.1 port {port} or the {} after it", tries - 1))
        .caused_by(last)
        .hint("pass a free port with --port, or --port 0 for any"))
}

/// The watch on a site's inputs.
struct Watch {
    watcher: notify::RecommendedWatcher,
    rx: std::sync::mpsc::Receiver<notify::Result<notify::Event>>,
    /// The input folders watched so far.
    watched: Vec<&'static str>,
}

impl Watch {
    /// Watches the root only for rosette.toml (editors replace files, which a watch on the
    /// file itself would lose) and the input folders recursively; never the output.
    fn start(root: &Path) -> Result<Watch, CliError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let watcher = notify::recommended_watcher(tx)
            .map_err(|e| CliError::io("could not watch the site for changes").caused_by(e))?;
        let mut watch = Watch { watcher, rx, watched: Vec::new() };
        watch.add(root, notify::RecursiveMode::NonRecursive)?;
        watch.add_inputs(root)?;
        Ok(watch)
    }

    fn add(&mut self, path: &Path, mode: notify::RecursiveMode) -> Result<(), CliError> {
        use notify::Watcher;
        self.watcher
            .watch(path, mode)
            .map_err(|e| CliError::io(format!("could not watch `{}`", path.display())).caused_by(e))
    }

    /// Input folders are watched once they exist; one made while serving is picked up.
    fn add_inputs(&mut self, root: &Path) -> Result<(), CliError> {
        for dir in ["badges", "achievements", "themes"] {
            let path = root.join(dir);
            if !self.watched.contains(&dir) && path.is_dir() {
                self.add(&path, notify::RecursiveMode::Recursive)?;
                self.watched.push(dir);
            }
        }
        Ok(())
    }

    /// Rebuilds after every burst of changes to the site's inputs; never returns unless the
    /// watcher stops.
    fn rebuild_on_change(mut self, root: &Path, out: &Path, state: &State) -> Result<Exit, CliError> {
        let root_abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let relevant = |event: &notify::Event| {
            !matches!(event.kind, notify::EventKind::Access(_))
                && event.paths.iter().any(|p| is_input(p, root, &root_abs))
        };
        loop {
            let first = self.rx.recv().map_err(|_| CliError::io("the file watcher stopped"))?;
            let mut changed: Vec<PathBuf> = Vec::new();
            let mut take = |event: notify::Result<notify::Event>| {
                if let Ok(e) = event
                    && relevant(&e)
                {
                    changed.extend(e.paths);
                }
            };
            take(first);
            loop {
                match self.rx.recv_timeout(DEBOUNCE) {
                    Ok(event) => take(event),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => {
                        return Err(CliError::io("the file watcher stopped"));
                    }
                }
            }
            if changed.is_empty() {
                continue;
            }
            self.add_inputs(root)?;
            changed.sort();
            changed.dedup();
            for p in &changed {
                crate::ui::detail(format!("changed: `{}`", p.display()));
            }
            match super::build::build(root, out, &crate::site::BuildOptions::default()) {
                Ok(summary) => {
                    super::build::report(&summary, out);
                    state.bump();
                }
                Err(e) => {
                    crate::ui::error(&e);
                    crate::ui::status("still serving the last good build");
                }
            }
        }
    }
}

/// Whether a changed path is one of the site's inputs: rosette.toml, or anything under
/// badges/, achievements/ or themes/ except lock files.
fn is_input(path: &Path, root: &Path, root_abs: &Path) -> bool {
    let rel = path.strip_prefix(root_abs).or_else(|_| path.strip_prefix(root)).unwrap_or(path);
    let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy());
    let first = parts.next().unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    match first.as_ref() {
        "rosette.toml" => rel.components().count() == 1,
        "badges" | "achievements" | "themes" => name != ".lock",
        _ => false,
    }
}

fn handle(request: tiny_http::Request, state: &State) {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let response = match path {
        "/__rosette/reload.js" => Reply::new(200, "text/javascript; charset=utf-8", RELOAD_JS.into()),
        "/__rosette/wait" => {
            let seen = query.split('&').find_map(|kv| kv.strip_prefix("v=")).and_then(|v| v.parse().ok());
            let now = match seen {
                Some(seen) => state.wait(seen),
                None => state.generation(),
            };
            Reply::new(200, "text/plain; charset=utf-8", now.to_string().into_bytes())
        }
        _ => serve_file(path, state),
    };
    let _ = request.respond(response.into_response());
}

/// A response before it goes to tiny_http.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    location: Option<String>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Reply { status, content_type, body, location: None }
    }

    fn into_response(self) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
        let mut response = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        let headers = [
            ("Content-Type", Some(self.content_type.to_string())),
            ("Cache-Control", Some("no-store".to_string())),
            ("Location", self.location),
        ];
        for (name, value) in headers {
            if let Some(value) = value
                && let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
            {
                response.add_header(h);
            }
        }
        response
    }
}

fn serve_file(url_path: &str, state: &State) -> Reply {
    let generation = state.generation();
    let not_found = || {
        let body = std::fs::read(state.out.join("404.html")).unwrap_or_else(|_| b"not found\n".to_vec());
        Reply::new(404, "text/html; charset=utf-8", inject(&body, generation))
    };
    let Some(rel) = safe_relative(url_path) else { return not_found() };
    let mut file = state.out.join(&rel);
    if file.is_dir() {
        if !url_path.ends_with('/') {
            // Pages use relative links: they must be served from their directory URL.
            let mut reply = Reply::new(301, "text/plain; charset=utf-8", Vec::new());
            reply.location = Some(format!("{url_path}/"));
            return reply;
        }
        file = file.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(body) => {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let content_type = content_type(&name);
            let body = if content_type.starts_with("text/html") { inject(&body, generation) } else { body };
            Reply::new(200, content_type, body)
        }
        Err(_) => not_found(),
    }
}

/// The URL path as a path inside the output, or `None` for anything that could leave it.
fn safe_relative(url_path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in url_path.split('/').filter(|s| !s.is_empty()) {
        if segment == ".." || segment == "." || segment.contains('\\') || segment.contains('%') {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

/// The Content-Type the published site should get from its host (see `_headers`).
pub fn content_type(file_name: &str) -> &'static str {
    if file_name == "did.json" {
        return "application/did+ld+json";
    }
    if file_name == "feed.xml" {
        return "application/atom+xml";
    }
    match file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).as_deref() {
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("nq") => "application/n-quads",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("xml") => "application/xml",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Adds the reload script before `</body>` (or at the end) of a served page.
fn inject(html: &[u8], generation: u64) -> Vec<u8> {
    let tag = format!("<script src=\"/__rosette/reload.js?v={generation}\" defer></script>");
    let at = html.windows(7).rposition(|w| w.eq_ignore_ascii_case(b"</body>")).unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_published_headers() {
        assert_eq!(content_type("did.json"), "application/did+ld+json");
        assert_eq!(content_type("2024-x.json"), "application/json");
        assert_eq!(content_type("2024-x.proof.nq"), "application/n-quads");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("feed.xml"), "application/atom+xml");
        assert_eq!(content_type("_headers"), "application/octet-stream");
    }

    #[test]
    fn paths_that_leave_the_output_are_refused() {
        assert_eq!(safe_relative("/awards/x/"), Some(PathBuf::from("awards/x")));
        assert_eq!(safe_relative("/../etc/passwd"), None);
        assert_eq!(safe_relative("/%2e%2e/x"), None);
    }

    #[test]
    fn the_script_goes_before_the_end_of_body() {
        let out = inject(b"<html><body><p>x</p></body></html>", 3);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "<html><body><p>x</p><script src=\"/__rosette/reload.js?v=3\" defer></script></body></html>"
        );
    }

    #[test]
    fn only_inputs_trigger_a_rebuild() {
        let root = Path::new("/site");
        for (path, want) in [
            ("/site/rosette.toml", true),
            ("/site/badges/awards/a.json", true),
            ("/site/achievements/x.md", true),
            ("/site/themes/t/templates/base.html", true),
            ("/site/badges/status/.lock", false),
            ("/site/public/index.html", false),
            ("/site/.public.tmp/index.html", false),
        ] {
            assert_eq!(is_input(Path::new(path), root, root), want, "{path}");
        }
    }
}
