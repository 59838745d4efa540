//! `rosette notify`: send the e-mail notices `award` left in `outbox/pending/` through the
//! issuer's own mail server (`[notify] smtp`), each at most once (see
//! [`crate::notify::outbox`]), no faster than `[notify] per_minute`.
//!
//! One SMTP session for the run, opened again when the server drops it. Nothing printed
//! names an address: messages are named by their award's id, and what a server says is
//! masked ([`crate::notify::redact`]).

use crate::cli::NotifyArgs;
use crate::error::{CliError, Exit};
use crate::notify::compose::Envelope;
use crate::notify::outbox::{Claimed, Outbox, Pending, Recovery};
use crate::notify::redact;
use crate::notify::server::{Security, Server};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, CertificateStore, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::time::{Duration, Instant};

/// The password of `[notify] username`: only ever from the environment (a CI secret), never
/// from a file of the site.
pub const ENV_PASSWORD: &str = "ROSETTE_SMTP_PASSWORD";
/// PEM certificates trusted instead of the built-in roots, as for `rosette verify`.
const ENV_CA_FILE: &str = "ROSETTE_CA_FILE";
/// How long a server may take to answer before the message is given up for this run.
const TIMEOUT: Duration = Duration::from_secs(60);
/// How many failed messages the error lists; the rest are counted.
const MAX_LISTED: usize = 20;

pub fn run(args: &NotifyArgs) -> Result<Exit, CliError> {
    let root = args.root.as_path();
    let (config, _) = crate::site::load::read_config(root)?;
    let outbox = Outbox::of(root);
    // Validated with the rest of rosette.toml.
    let server = config.notify.smtp.as_deref().and_then(|url| Server::parse(url).ok());
    let per_minute = args.per_minute.unwrap_or(config.notify.per_minute);
    if args.dry_run {
        return dry_run(&outbox, server.as_ref(), per_minute, args.resend_unconfirmed);
    }
    let server = server.ok_or_else(|| {
        CliError::invalid("`rosette.toml` names no mail server to send the notices through").hint(
            "add `smtp = \"smtps://mail.example.edu:465\"` (or `smtp://…:587` for STARTTLS) to a [notify] table",
        )
    })?;
    let _lock = outbox.try_lock()?.ok_or_else(|| {
        CliError::io("another `rosette notify` is sending from `outbox/`").hint("wait for it to finish")
    })?;
    let recovery = outbox.recover(args.resend_unconfirmed, true)?;
    report_recovery(&recovery, args.resend_unconfirmed);
    let pending = outbox.pending()?;
    let unconfirmed: Vec<&String> =
        recovery.unconfirmed.iter().filter(|id| !recovery.requeued.contains(id)).collect();
    if pending.is_empty() {
        crate::ui::status("no e-mail notice to send in `outbox/pending/`");
        return finish(&[], &unconfirmed, 0);
    }
    if server.security == Security::PlainText {
        crate::ui::warning(format!(
            "`{server}` is plain text: the messages, with the earners' names and addresses, cross the network unencrypted\n  \
             hint: use `smtps://` or `smtp://` without `tls=none` unless the server is on this machine or its network is yours"
        ));
    }
    let session = Session::new(&server, credentials(&config, &server)?)?;
    send_all(&outbox, &pending, session, per_minute, &server, &recovery, &unconfirmed)
}

/// Sends `pending` one by one, paced; reports every failure, then fails once.
fn send_all(
    outbox: &Outbox,
    pending: &[Pending],
    mut session: Session,
    per_minute: u32,
    server: &Server,
    recovery: &Recovery,
    unconfirmed: &[&String],
) -> Result<Exit, CliError> {
    let interval = Duration::from_secs(60) / per_minute.max(1);
    let progress = crate::ui::progress(pending.len() as u64, "sending");
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut in_doubt: Vec<String> = Vec::new();
    let mut sent = 0usize;
    let mut last: Option<Instant> = None;
    for (n, message) in pending.iter().enumerate() {
        // A server that cannot be reached takes the rest of the run with it.
        if let Some(reason) = &session.down {
            failed.push((message.id.clone(), reason.clone()));
            continue;
        }
        if let Some(last) = last {
            std::thread::sleep(interval.saturating_sub(last.elapsed()));
        }
        last = Some(Instant::now());
        // Revoked since the list was read: its folder is gone, nothing to send.
        let Some(claimed) = outbox.claim(&message.id)? else { continue };
        match session.send(&claimed, &message.envelope) {
            Outcome::Sent(reply) => {
                crate::ui::detail(format!("sent `{}`: {}", message.id, redact(&reply)));
                claimed.confirm(chrono::Utc::now(), &reply)?;
                sent += 1;
            }
            Outcome::NotSent(reason) => {
                claimed.release()?;
                failed.push((message.id.clone(), reason));
            }
            Outcome::Unconfirmed(reason) => {
                // Left in `sending/` with its mark: the next run reports it, never resends it.
                failed.push((message.id.clone(), format!("{reason}; the server may have accepted it")));
                in_doubt.push(message.id.clone());
            }
        }
        progress.set_position(n as u64 + 1);
    }
    progress.finish_and_clear();
    session.quit();
    let mut done = format!("sent {} through `{server}`", crate::ui::count(sent, "e-mail notice"));
    if !recovery.confirmed.is_empty() {
        done.push_str(&format!(
            " ({} more had been accepted before a run was stopped)",
            crate::text::thousands(recovery.confirmed.len())
        ));
    }
    crate::ui::status(done);
    let mut unconfirmed: Vec<&String> = unconfirmed.to_vec();
    unconfirmed.extend(in_doubt.iter());
    let failed: Vec<(String, String)> = failed.into_iter().filter(|(id, _)| !in_doubt.contains(id)).collect();
    finish(&failed, &unconfirmed, pending.len())
}

/// Exit 0 when nothing is left in doubt or unsent; otherwise one error naming each message.
fn finish(failed: &[(String, String)], unconfirmed: &[&String], total: usize) -> Result<Exit, CliError> {
    if failed.is_empty() && unconfirmed.is_empty() {
        return Ok(Exit::Ok);
    }
    let mut parts = Vec::new();
    if !failed.is_empty() {
        parts.push(format!(
            "{} of {} not sent (they stay in `outbox/pending/` for the next run)",
            crate::text::thousands(failed.len()),
            crate::ui::count(total, "e-mail notice")
        ));
    }
    if !unconfirmed.is_empty() {
        parts.push(format!(
            "{} unconfirmed (left in `outbox/sending/`)",
            crate::ui::count(unconfirmed.len(), "notice")
        ));
    }
    let mut err = CliError::invalid(parts.join("; "));
    for (id, reason) in failed.iter().take(MAX_LISTED) {
        err = err.caused_by(format!("`{id}`: {reason}"));
    }
    if failed.len() > MAX_LISTED {
        err = err.caused_by(format!("and {} more", crate::text::thousands(failed.len() - MAX_LISTED)));
    }
    for id in unconfirmed.iter().take(MAX_LISTED) {
        err = err.caused_by(format!(
            "`{id}`: unconfirmed: its content was sent, and the run stopped before the server's answer was recorded"
        ));
    }
    Err(if unconfirmed.is_empty() {
        err.hint("run `rosette notify` again to send what is left: what was sent is never sent twice")
    } else {
        err.hint(
            "the server may have accepted an unconfirmed notice; when its log or the earner says it did not, \
             `rosette notify --resend-unconfirmed` sends it again (with the same Message-ID)",
        )
    })
}

/// `--dry-run`: what a run would send, on standard output (award id and subject, a line
/// each); nothing is moved, no server is contacted.
fn dry_run(
    outbox: &Outbox,
    server: Option<&Server>,
    per_minute: u32,
    resend: bool,
) -> Result<Exit, CliError> {
    let recovery = outbox.recover(resend, false)?;
    let pending = outbox.pending()?;
    let mut lines: Vec<(String, String)> = pending.into_iter().map(|p| (p.id, p.envelope.subject)).collect();
    for id in &recovery.requeued {
        let envelope = outbox.dir().join("sending").join(id).join("envelope.json");
        let subject = crate::fs::read(&envelope)
            .ok()
            .and_then(|b| serde_json::from_slice::<Envelope>(&b).ok())
            .map(|e| e.subject)
            .unwrap_or_default();
        lines.push((id.clone(), subject));
    }
    lines.sort();
    for (id, subject) in &lines {
        println!("{id}\t{}", crate::error::terminal_safe(subject));
    }
    let through = match server {
        Some(server) => format!("through `{server}`"),
        None => "(rosette.toml names no mail server yet: `[notify] smtp`)".to_string(),
    };
    let minutes = lines.len().div_ceil(per_minute.max(1) as usize);
    crate::ui::status(format!(
        "dry run: {} would be sent {through}, at most {per_minute} a minute{}; nothing was sent",
        crate::ui::count(lines.len(), "e-mail notice"),
        if lines.len() > per_minute as usize { format!(" (about {minutes} minutes)") } else { String::new() }
    ));
    let unconfirmed: Vec<&String> =
        recovery.unconfirmed.iter().filter(|id| !recovery.requeued.contains(id)).collect();
    if !unconfirmed.is_empty() {
        crate::ui::warning(format!(
            "{} in `outbox/sending/`: a stopped run sent {} content without recording the server's answer\n  \
             hint: `--resend-unconfirmed` sends {} again",
            crate::ui::count(unconfirmed.len(), "unconfirmed notice"),
            if unconfirmed.len() == 1 { "its" } else { "their" },
            if unconfirmed.len() == 1 { "it" } else { "them" },
        ));
    }
    Ok(Exit::Ok)
}

fn report_recovery(recovery: &Recovery, resend: bool) {
    for id in &recovery.confirmed {
        crate::ui::detail(format!("`{id}` had been accepted before a run was stopped"));
    }
    for id in &recovery.requeued {
        if resend && recovery.unconfirmed.contains(id) {
            crate::ui::detail(format!("`{id}` is unconfirmed and will be sent again (--resend-unconfirmed)"));
        } else {
            crate::ui::detail(format!(
                "`{id}` was being sent when a run was stopped, before its content: sending it"
            ));
        }
    }
}

/// The login for `server`: `[notify] username` (or the sender's address) with
/// `ROSETTE_SMTP_PASSWORD`; none without a password.
fn credentials(config: &crate::config::Config, server: &Server) -> Result<Option<Credentials>, CliError> {
    let password = std::env::var(ENV_PASSWORD).ok().filter(|p| !p.is_empty());
    let Some(password) = password else {
        if config.notify.username.is_some() {
            return Err(CliError::invalid(format!(
                "`[notify] username` is set, and the environment variable {ENV_PASSWORD} is empty"
            ))
            .hint(format!("set {ENV_PASSWORD} to the password (in CI: a repository secret)")));
        }
        return Ok(None);
    };
    if server.security == Security::PlainText {
        return Err(CliError::invalid(format!(
            "{ENV_PASSWORD} is set, and `{server}` would send it unencrypted"
        ))
        .hint("use `smtps://` or `smtp://` with STARTTLS (leave out `tls=none`)"));
    }
    let username = config
        .notify
        .username
        .clone()
        .or_else(|| crate::notify::compose::sender(config).map(|m| m.email.to_string()))
        .ok_or_else(|| {
            CliError::invalid("no user name to log in with")
                .hint("set `username` in the [notify] table of rosette.toml")
        })?;
    Ok(Some(Credentials::new(username, password)))
}

/// What became of one message.
enum Outcome {
    /// Accepted: the server's answer.
    Sent(String),
    /// Refused, or never submitted whole: why.
    NotSent(String),
    /// Submitted, and no answer: why.
    Unconfirmed(String),
}

/// The SMTP session of a run.
struct Session {
    server: Server,
    tls: Option<TlsParameters>,
    hello: ClientId,
    credentials: Option<Credentials>,
    connection: Option<SmtpConnection>,
    /// Why the server cannot be reached, once it could not.
    down: Option<String>,
}

impl Session {
    fn new(server: &Server, credentials: Option<Credentials>) -> Result<Session, CliError> {
        let tls = match server.security {
            Security::PlainText => None,
            Security::Tls | Security::StartTls => Some(tls_parameters(&server.host)?),
        };
        Ok(Session {
            server: server.clone(),
            tls,
            hello: ClientId::default(),
            credentials,
            connection: None,
            down: None,
        })
    }

    fn connect(&self) -> Result<SmtpConnection, lettre::transport::smtp::Error> {
        let wrapper = self.tls.as_ref().filter(|_| self.server.security == Security::Tls);
        let address = (self.server.host.as_str(), self.server.port);
        let mut conn = SmtpConnection::connect(address, Some(TIMEOUT), &self.hello, wrapper, None)?;
        if let (Security::StartTls, Some(tls)) = (self.server.security, &self.tls) {
            conn.starttls(tls, &self.hello)?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)?;
        }
        Ok(conn)
    }

    /// Submits one claimed message, and says what became of it.
    fn send(&mut self, claimed: &Claimed, envelope: &Envelope) -> Outcome {
        let mut conn = match self.connection.take() {
            Some(conn) => conn,
            None => match self.connect() {
                Ok(conn) => conn,
                Err(e) => {
                    let reason = format!("could not reach `{}`: {}", self.server, plain(&e));
                    self.down = Some(reason.clone());
                    return Outcome::NotSent(reason);
                }
            },
        };
        let outcome = self.transaction(&mut conn, claimed, envelope);
        // A session that failed for another reason than an answer is not used again.
        if !conn.has_broken() && !matches!(outcome, Outcome::Unconfirmed(_)) {
            self.connection = Some(conn);
        }
        outcome
    }

    fn transaction(&self, conn: &mut SmtpConnection, claimed: &Claimed, envelope: &Envelope) -> Outcome {
        let parse = |a: &str| a.parse::<lettre::Address>();
        let (Ok(from), Ok(to)) =
            (parse(&envelope.from), envelope.to.iter().map(|a| parse(a)).collect::<Result<Vec<_>, _>>())
        else {
            return Outcome::NotSent("its envelope holds an address no server takes".into());
        };
        let mut options = Vec::new();
        if !envelope.from.is_ascii() || envelope.to.iter().any(|a| !a.is_ascii()) {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Outcome::NotSent(
                    "the address is not ASCII, and the server does not take SMTPUTF8".into(),
                );
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !claimed.message.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let refused = |what: &str, e: lettre::transport::smtp::Error| {
            format!("the server refused {what}: {}", plain(&e))
        };
        let mut steps = || -> Result<(), String> {
            conn.command(Mail::new(Some(from.clone()), options.clone()))
                .map_err(|e| refused("the sender", e))?;
            for address in &to {
                conn.command(Rcpt::new(address.clone(), Vec::new()))
                    .map_err(|e| refused("the recipient", e))?;
            }
            conn.command(Data).map_err(|e| refused("the message", e))?;
            Ok(())
        };
        if let Err(reason) = steps() {
            // Ready for the next message, or broken (and dropped by `send`).
            if !conn.has_broken() && conn.command(Rset).is_err() {
                conn.abort();
            }
            return Outcome::NotSent(reason);
        }
        if let Err(e) = claimed.submitting() {
            conn.abort();
            return Outcome::NotSent(format!("its state could not be recorded: {e}"));
        }
        match conn.message(&claimed.message) {
            Ok(response) => Outcome::Sent(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )),
            // An answer to the end is a verdict: refused, not accepted (`release` takes the mark).
            Err(e) if e.is_permanent() || e.is_transient() => Outcome::NotSent(refused("the message", e)),
            Err(e) => Outcome::Unconfirmed(format!("no answer from the server: {}", plain(&e))),
        }
    }

    fn quit(&mut self) {
        if let Some(mut conn) = self.connection.take() {
            let _ = conn.quit();
        }
    }
}

/// The TLS settings for `host`: Mozilla's roots, or those of `ROSETTE_CA_FILE` instead.
fn tls_parameters(host: &str) -> Result<TlsParameters, CliError> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = std::env::var_os(ENV_CA_FILE).filter(|p| !p.is_empty()) {
        let path = std::path::PathBuf::from(path);
        let pem = crate::fs::read(&path)?;
        let roots = Certificate::from_pem(&pem).map_err(|e| {
            CliError::invalid(format!("`{}` ({ENV_CA_FILE}) holds no PEM certificate", path.display()))
                .caused_by(e)
        })?;
        builder = builder.certificate_store(CertificateStore::None).add_root_certificate(roots);
    }
    builder
        .build_rustls()
        .map_err(|e| CliError::invalid(format!("TLS for `{host}` could not be set up")).caused_by(e))
}

/// An SMTP error in words, its addresses masked.
fn plain(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    redact(&text)
}
