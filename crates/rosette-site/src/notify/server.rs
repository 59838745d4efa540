//! The mail server of `[notify] smtp`: where `rosette notify` submits, and how it protects
//! the connection. Parsed here (pure) so that `rosette.toml` is refused at once with a typo,
//! long before a message is sent.
//!
//! Three forms, after the URLs mail clients and lettre take:
//!
//! | URL | connection |
//! |---|---|
//! | `smtps://host[:465]` | TLS from the first byte (RFC 8314, implicit TLS) |
//! | `smtp://host[:587]`, `…?tls=required` | plain, then STARTTLS, which must succeed |
//! | `smtp://host[:25]?tls=none` | plain text throughout: only when the URL asks for it |
//!
//! lettre's own `smtp://host` means plain text and `tls=opportunistic` falls back to it
//! silently when the server does not offer STARTTLS (or an attacker strips the offer): both
//! would send the earners' addresses and the password in clear without a word, so neither is
//! a form here.

use std::fmt;

/// How the connection to the server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtps://`: TLS from the start.
    Tls,
    /// `smtp://`: STARTTLS, required.
    StartTls,
    /// `smtp://…?tls=none`: no encryption at all.
    PlainText,
}

/// A parsed `[notify] smtp` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

impl Server {
    /// Parses `[notify] smtp`; the error says what to write instead.
    pub fn parse(text: &str) -> Result<Server, String> {
        let forms = "write `smtps://host:465` (TLS) or `smtp://host:587` (STARTTLS)";
        let url =
            url::Url::parse(text).map_err(|e| format!("`smtp`: `{text}` is not a URL ({e}); {forms}"))?;
        if !url.username().is_empty() || url.password().is_some() {
            // Said without echoing the URL: it may hold the password.
            return Err("`smtp` has a user name or password in it: the user name goes in `username`, \
                        the password in the environment variable ROSETTE_SMTP_PASSWORD, never in a file"
                .to_string());
        }
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err(format!("`smtp`: `{}://` is not an SMTP URL; {forms}", url.scheme()));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(format!("`smtp`: `{text}` names no server; {forms}")),
        };
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(format!("`smtp`: `{text}` has a path; {forms}"));
        }
        let mut tls = None;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), tls) {
                ("tls", None) => tls = Some(value.into_owned()),
                _ => {
                    return Err(format!(
                        "`smtp`: `{text}`: `{key}` is not a setting here; the one setting is `tls=none`"
                    ));
                }
            }
        }
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtps", None) => Security::Tls,
            ("smtp", None | Some("required")) => Security::StartTls,
            ("smtp", Some("none")) => Security::PlainText,
            ("smtp", Some("opportunistic")) => {
                return Err(format!(
                    "`smtp`: `{text}`: `tls=opportunistic` falls back to plain text without a word when \
                     STARTTLS is not offered; leave `tls` out (STARTTLS, required), or write `tls=none` \
                     to ask for plain text knowingly"
                ));
            }
            ("smtps", Some(_)) => {
                return Err(format!("`smtp`: `{text}`: `smtps://` is always TLS; leave out `tls`"));
            }
            ("smtp", Some(other)) => {
                return Err(format!("`smtp`: `{text}`: `tls={other}` is not `none` or `required`"));
            }
            (scheme, _) => return Err(format!("`smtp`: `{scheme}://` is not an SMTP URL; {forms}")),
        };
        let port = url.port().unwrap_or(match security {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::PlainText => 25,
        });
        Ok(Server { host, port, security })
    }
}

impl fmt::Display for Server {
    /// The URL again, with its port, as messages name the server.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        match self.security {
            Security::Tls => write!(f, "smtps://{host}:{}", self.port),
            Security::StartTls => write!(f, "smtp://{host}:{}", self.port),
            Security::PlainText => write!(f, "smtp://{host}:{}?tls=none", self.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_and_their_default_ports() {
        for (text, host, port, security, shown) in [
            (
                "smtps://mail.example.edu",
                "mail.example.edu",
                465,
                Security::Tls,
                "smtps://mail.example.edu:465",
            ),
            (
                "smtps://mail.example.edu:2465/",
                "mail.example.edu",
                2465,
                Security::Tls,
                "smtps://mail.example.edu:2465",
            ),
            (
                "smtp://mail.example.edu",
                "mail.example.edu",
                587,
                Security::StartTls,
                "smtp://mail.example.edu:587",
            ),
            (
                "smtp://mail.example.edu:25?tls=required",
                "mail.example.edu",
                25,
                Security::StartTls,
                "smtp://mail.example.edu:25",
            ),
            (
                "smtp://127.0.0.1:2525?tls=none",
                "127.0.0.1",
                2525,
                Security::PlainText,
                "smtp://127.0.0.1:2525?tls=none",
            ),
            ("smtp://[::1]?tls=none", "::1", 25, Security::PlainText, "smtp://[::1]:25?tls=none"),
        ] {
            let server = Server::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(server, Server { host: host.into(), port, security }, "{text}");
            assert_eq!(server.to_string(), shown);
        }
    }

    #[test]
    fn what_would_leak_or_mislead_is_refused_with_the_way_out() {
        for (text, want) in [
            ("mail.example.edu:465", "`mail.example.edu://` is not an SMTP URL"),
            ("https://mail.example.edu", "`https://` is not an SMTP URL"),
            ("smtp://mail.example.edu?tls=opportunistic", "falls back to plain text"),
            ("smtps://mail.example.edu?tls=none", "`smtps://` is always TLS"),
            ("smtp://mail.example.edu?tls=yes", "`tls=yes` is not `none` or `required`"),
            ("smtp://mail.example.edu?timeout=5", "`timeout` is not a setting here"),
            ("smtp://mail.example.edu/relay", "has a path"),
            ("smtp://", "names no server"),
        ] {
            let err = Server::parse(text).expect_err(text);
            assert!(err.contains(want), "{text}: {err}");
        }
        let err = Server::parse("smtps://badges:hunter2@mail.example.edu").expect_err("password");
        assert!(err.contains("ROSETTE_SMTP_PASSWORD") && !err.contains("hunter2"), "{err}");
    }
}
