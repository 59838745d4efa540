//! Documents over HTTPS, for `rosette verify URL`: the credential (or its badge page), then
//! the did:web documents and status lists it names, each from the host its URL names.
//!
//! Every fetch is HTTPS only, has a deadline and a size cap, and follows redirects only within
//! its host, so a did:web document always comes from the host the DID names
//! ([did:web §Read](https://w3c-ccg.github.io/did-method-web/#read-resolve)). Any failure
//! becomes a reason, and the verdict "could not check", never "verified". JSON-LD contexts
//! are never fetched: they are embedded ([`crate::contexts`]).

use crate::did::DocumentSource;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use url::Url;

/// How long one fetch may take, redirects and body included, unless told otherwise: long
/// enough for a slow static host, short enough that a verifier waiting on a dead one is told.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// A credential, or the badge page that embeds one. A credential is a few KiB; this leaves
/// room for an achievement image embedded as a `data:` URL, and no more.
pub const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;
/// A DID document or a status list credential, fetched while verifying. Sized by the status
/// list: [`crate::status::MAX_LIST_BYTES`] (16 MiB) of bits that did not compress at all, in
/// base64url, is about 21.4 MiB.
pub const MAX_DOCUMENT_BYTES: u64 = 24 * 1024 * 1024;
/// Same-host redirects followed per fetch (`/awards/x` → `/awards/x/` on static hosts).
const MAX_REDIRECTS: usize = 5;

/// Why a URL could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL (the first field), or a redirect's target, does not parse or has no host; the
    /// second field says why.
    #[error("`{0}` is not a URL rosette can fetch: {1}")]
    BadUrl(String, String),
    /// The URL, or a redirect's target, is not `https://`: rosette never fetches in the clear.
    #[error("`{0}` is not an https:// URL; rosette fetches over HTTPS only")]
    NotHttps(String),
    /// The fetch, redirects and body included, did not finish before its deadline.
    #[error("`{url}` did not answer within {}", seconds(*.timeout))]
    Timeout {
        /// The URL being fetched when the deadline passed.
        url: String,
        /// The deadline of the whole fetch.
        timeout: Duration,
    },
    /// The body is larger than the fetch's size cap, by its `Content-Length` or as it is read.
    #[error("`{url}` is larger than the {} limit", size(*.limit))]
    TooLarge {
        /// The URL whose body is too large.
        url: String,
        /// The cap, in bytes.
        limit: u64,
    },
    /// The server answered with a status that is neither a success (2xx) nor a redirect with a
    /// `Location`.
    #[error("`{url}` answered HTTP {status}")]
    Status {
        /// The URL that answered.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// A redirect leads to another host or port, and is not followed: a did:web document must
    /// come from the host its DID names.
    #[error("`{url}` redirects to `{to}`, another host: not followed")]
    OffHost {
        /// The URL that redirected.
        url: String,
        /// Where it redirected to.
        to: String,
    },
    /// The URL (the field) redirects more times than a fetch follows, even on its own host.
    #[error("`{0}` redirects more than {MAX_REDIRECTS} times")]
    TooManyRedirects(String),
    /// The request or the response failed on the way: name resolution, connection, TLS (a
    /// certificate that is not trusted, say), or a broken response.
    #[error("could not fetch `{url}`: {reason}")]
    Transport {
        /// The URL being fetched.
        url: String,
        /// What went wrong, in plain words.
        reason: String,
    },
}

/// One response: where it finally came from, its media type, its bytes.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL the body came from, after redirects, without a fragment.
    pub url: Url,
    /// The media type of its `Content-Type`, lower-cased, without parameters (`text/html`);
    /// `None` when the server sent none.
    pub media_type: Option<String>,
    /// The body, at most the size cap of the fetch.
    pub body: Vec<u8>,
}

/// How to reach the network.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// The deadline of each fetch ([`DEFAULT_TIMEOUT`] when `None`).
    pub timeout: Option<Duration>,
    /// PEM certificates to trust instead of the built-in roots (a private PKI, the tests).
    pub ca_pem: Option<Vec<u8>>,
    /// `host:port` → address, instead of asking DNS (as curl's `--resolve`).
    pub resolve: Vec<(String, SocketAddr)>,
}

impl HttpOptions {
    /// Parses `host:port=address:port[,…]`, the form of `ROSETTE_RESOLVE`.
    pub fn parse_resolve(spec: &str) -> Result<Vec<(String, SocketAddr)>, String> {
        spec.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| {
                let (name, addr) = item
                    .split_once('=')
                    .ok_or_else(|| format!("`{item}` is not `host:port=address:port`"))?;
                let addr: SocketAddr = addr
                    .parse()
                    .map_err(|_| format!("`{addr}` in `{item}` is not an IP address and port"))?;
                let (host, port) =
                    name.rsplit_once(':').ok_or_else(|| format!("`{name}` in `{item}` has no port"))?;
                if host.is_empty() || port.parse::<u16>().is_err() {
                    return Err(format!("`{name}` in `{item}` is not `host:port`"));
                }
                Ok((name.to_ascii_lowercase(), addr))
            })
            .collect()
    }
}

/// A blocking HTTPS client with a deadline and a size cap on every fetch, and a
/// [`DocumentSource`] for did:web documents and status lists that fetches each URL once.
pub struct HttpClient {
    agent: ureq::Agent,
    timeout: Duration,
    cache: Mutex<HashMap<String, Result<Vec<u8>, String>>>,
}

impl HttpClient {
    /// A client set up by `options`. Fails when `options.ca_pem` is not a PEM file or holds no
    /// certificate.
    pub fn new(options: HttpOptions) -> Result<Self, String> {
        use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
        let roots = match &options.ca_pem {
            None => RootCerts::WebPki,
            Some(pem) => RootCerts::new_with_certs(&pem_certificates(pem)?),
        };
        let timeout = options.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let overridden = !options.resolve.is_empty();
        let config = ureq::Agent::config_builder()
            .https_only(true)
            // Redirects are followed by `fetch`, which checks that each stays on its host.
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(format!("rosette/{}", env!("CARGO_PKG_VERSION")))
            .accept("application/ld+json, application/json;q=0.9, text/html;q=0.8, */*;q=0.1")
            .timeout_global(Some(timeout))
            // A proxy would resolve the names itself and bypass the overrides.
            .proxy(if overridden { None } else { ureq::Proxy::try_from_env() })
            .tls_config(TlsConfig::builder().provider(TlsProvider::Rustls).root_certs(roots).build())
            .build();
        let resolver = Overrides { hosts: Arc::new(options.resolve), dns: DefaultResolver::default() };
        Ok(HttpClient {
            agent: ureq::Agent::with_parts(config, DefaultConnector::default(), resolver),
            timeout,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// GETs `url`, following redirects on the same host, refusing a body over `limit` bytes.
    pub fn fetch(&self, url: &str, limit: u64) -> Result<Fetched, FetchError> {
        let mut current = https_url(url)?;
        let deadline = Instant::now() + self.timeout;
        for _ in 0..=MAX_REDIRECTS {
            let here = current.to_string();
            let timed_out = || FetchError::Timeout { url: here.clone(), timeout: self.timeout };
            let remaining = deadline.checked_duration_since(Instant::now()).ok_or_else(timed_out)?;
            let transport = |e: ureq::Error| match e {
                ureq::Error::Timeout(_) => timed_out(),
                ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => timed_out(),
                ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge { url: here.clone(), limit },
                ureq::Error::Io(e) => FetchError::Transport { url: here.clone(), reason: plain_io(&e) },
                e => FetchError::Transport { url: here.clone(), reason: e.to_string() },
            };
            let mut response = self
                .agent
                .get(here.as_str())
                .config()
                .timeout_global(Some(remaining))
                .build()
                .call()
                .map_err(transport)?;
            let status = response.status().as_u16();
            if (300..400).contains(&status)
                && let Some(location) = response.headers().get("location")
            {
                let to = location.to_str().unwrap_or_default();
                let next = current
                    .join(to)
                    .map_err(|e| FetchError::BadUrl(to.to_string(), e.to_string()))
                    .and_then(|u| https_url(u.as_str()))?;
                if (next.host_str(), next.port_or_known_default())
                    != (current.host_str(), current.port_or_known_default())
                {
                    return Err(FetchError::OffHost { url: here, to: next.to_string() });
                }
                current = next;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(FetchError::Status { url: here, status });
            }
            // Refused before reading when the server says so, else while reading.
            if response.body().content_length().is_some_and(|n| n > limit) {
                return Err(FetchError::TooLarge { url: here, limit });
            }
            let media_type = response.body().mime_type().map(str::to_ascii_lowercase);
            let body = response.body_mut().with_config().limit(limit).read_to_vec().map_err(transport)?;
            return Ok(Fetched { url: current, media_type, body });
        }
        Err(FetchError::TooManyRedirects(url.to_string()))
    }
}

impl DocumentSource for HttpClient {
    fn get(&self, url: &str) -> Option<Result<Vec<u8>, String>> {
        // A credential's key and its status list are often on one host, and a status list is
        // signed by the same key: each URL is fetched once per run, failures included, so a
        // dead host costs one timeout, not one per check.
        let cached = self.cache.lock().ok().and_then(|cache| cache.get(url).cloned());
        let result = cached.unwrap_or_else(|| {
            let result = self.fetch(url, MAX_DOCUMENT_BYTES).map(|f| f.body).map_err(|e| e.to_string());
            if let Ok(mut cache) = self.cache.lock() {
                cache.insert(url.to_string(), result.clone());
            }
            result
        });
        Some(result)
    }
}

/// Documents from local `--site` directories where they serve the URL, else from the network
/// (none with `--offline`: the URL is then "not available offline").
pub struct LocalThenNetwork<'a> {
    /// The local sites, asked first.
    pub local: &'a dyn DocumentSource,
    /// The network, asked for what `local` does not serve; `None` when offline.
    pub network: Option<&'a HttpClient>,
}

impl DocumentSource for LocalThenNetwork<'_> {
    fn get(&self, url: &str) -> Option<Result<Vec<u8>, String>> {
        self.local.get(url).or_else(|| self.network?.get(url))
    }
}

/// An I/O error in plain words, without the "(os error 111)" suffix.
fn plain_io(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// `url` parsed, https, without its fragment (never sent).
fn https_url(url: &str) -> Result<Url, FetchError> {
    let mut parsed = Url::parse(url).map_err(|e| FetchError::BadUrl(url.to_string(), e.to_string()))?;
    if parsed.scheme() != "https" {
        return Err(FetchError::NotHttps(url.to_string()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::BadUrl(url.to_string(), "it has no host".into()));
    }
    parsed.set_fragment(None);
    Ok(parsed)
}

/// The certificates of a PEM file; anything else in it is ignored.
fn pem_certificates(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    use ureq::tls::PemItem;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(format!("not a valid PEM file: {e}")),
        }
    }
    if certs.is_empty() {
        return Err("it holds no PEM certificate".into());
    }
    Ok(certs)
}

/// Name resolution with `--resolve`-style overrides, DNS for every other host.
#[derive(Debug)]
struct Overrides {
    hosts: Arc<Vec<(String, SocketAddr)>>,
    dns: DefaultResolver,
}

impl Resolver for Overrides {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(authority) = uri.authority() {
            let port = authority.port_u16().unwrap_or(443);
            let name = format!("{}:{port}", authority.host().to_ascii_lowercase());
            if let Some((_, addr)) = self.hosts.iter().find(|(host, _)| *host == name) {
                let mut addrs = self.empty();
                addrs.push(*addr);
                return Ok(addrs);
            }
        }
        self.dns.resolve(uri, config, timeout)
    }
}

/// `10 s`, `1.5 s`, `500 ms`.
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `4 MiB`, `512 KiB`, `100 bytes`.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_overrides_parse_like_curls() {
        let parsed =
            HttpOptions::parse_resolve("Badges.Example:443=127.0.0.1:8443, copy.example:443=127.0.0.1:9")
                .expect("valid");
        assert_eq!(
            parsed,
            vec![
                ("badges.example:443".to_string(), "127.0.0.1:8443".parse().expect("addr")),
                ("copy.example:443".to_string(), "127.0.0.1:9".parse().expect("addr")),
            ]
        );
        for bad in
            ["badges.example=127.0.0.1:1", "badges.example:443=localhost:1", "b:x=127.0.0.1:1", "nothing"]
        {
            assert!(HttpOptions::parse_resolve(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_https_urls_are_fetched() {
        let client = HttpClient::new(HttpOptions::default()).expect("client");
        assert_eq!(
            client.fetch("http://example.org/a.json", 10).map(|f| f.body),
            Err(FetchError::NotHttps("http://example.org/a.json".into()))
        );
        for bad in ["https://", "not a URL", "https://[::1"] {
            assert!(matches!(client.fetch(bad, 10), Err(FetchError::BadUrl(..))), "{bad}");
        }
        let Some(Err(reason)) = client.get("file:///etc/passwd") else { panic!("not refused") };
        assert!(reason.contains("HTTPS only"), "{reason}");
    }

    #[test]
    fn sizes_and_durations_read_plainly() {
        assert_eq!(size(MAX_PAGE_BYTES), "4 MiB");
        assert_eq!(size(512 * 1024), "512 KiB");
        assert_eq!(size(100), "100 bytes");
        assert_eq!(seconds(DEFAULT_TIMEOUT), "10 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_millis(500)), "500 ms");
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let options = HttpOptions { ca_pem: Some(b"not pem".to_vec()), ..HttpOptions::default() };
        assert!(HttpClient::new(options).is_err());
    }
}
