//! The outbox: the messages `award` composed, until the mail server has accepted each.
//!
//! ```text
//! outbox/                 in the site directory, beside badges/; never published, never in git
//!   pending/<id>/         one folder a message, named by its award's id (`2026-k3j5…`)
//!     message.eml         the message as it is submitted (RFC 5322)
//!     envelope.json       `MAIL FROM` and `RCPT TO`, so that sending parses no MIME
//!   sending/<id>/         claimed by a `notify` run: moved here before the server hears of it
//!     submitted           written just before the message's content is sent
//!   sent.log              one line a message the server accepted: time, award id, its reply
//! ```
//!
//! Each move is one `rename` of the message's folder, so a message is in exactly one place.
//! A message moves to `sent.log` only after the server's `250`, and the folder goes only
//! after the line is on disk.
//!
//! # At most once, and what a killed run leaves
//!
//! A server takes responsibility for a message when it answers `250` to its end (RFC 5321
//! §4.1.1.4). A run killed before the message's content was sent leaves it in `sending/`
//! without `submitted`: the server cannot have accepted it, and the next run sends it again.
//! A run killed once the content was on its way, before `sent.log` has its line, leaves
//! `submitted`: the server may have accepted it, and only the server knows. The next run
//! reports such a message as *unconfirmed* and does not send it; `--resend-unconfirmed` does,
//! knowingly (the second copy has the same `Message-ID`, by which many mail stores drop a
//! duplicate). That window is
//! the transfer of one message, one round trip and one `fsync`: as narrow as lettre lets a
//! client make it (it sends the content and its end in one call).
//!
//! Addresses are in `message.eml` and `envelope.json` only: `sent.log` names awards, and a
//! server's reply is written with every address in it masked ([`super::redact`]).

use super::compose::{Composed, Envelope};
use crate::error::SiteError;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The outbox's folder in a site.
pub const DIR: &str = "outbox";
const PENDING: &str = "pending";
const SENDING: &str = "sending";
const SENT_LOG: &str = "sent.log";
const MESSAGE: &str = "message.eml";
const ENVELOPE: &str = "envelope.json";
const SUBMITTED: &str = "submitted";

/// The outbox of the site at `root`.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

/// A message waiting in `pending/`.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The award's id (file name in `badges/awards/` without `.json`).
    pub id: String,
    pub envelope: Envelope,
}

/// What became of an award's message when the award is revoked or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawn {
    /// It was waiting, and is gone: it will never be sent.
    Removed,
    /// The server accepted it before.
    AlreadySent,
    /// A `notify` run has it in hand (or was killed with it): it may be sent.
    InFlight,
    /// There is none (no address, `--no-notify`, or an outbox made elsewhere).
    None,
}

/// The messages a killed run left in `sending/`, sorted out by [`Outbox::recover`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Accepted by the server and in `sent.log`; only the folder was left.
    pub confirmed: Vec<String>,
    /// Never submitted whole: back to `pending/`.
    pub requeued: Vec<String>,
    /// Submitted, the server's answer never recorded: left in `sending/`, unless
    /// `resend_unconfirmed`, when they are back in `pending/` too.
    pub unconfirmed: Vec<String>,
}

impl Outbox {
    pub fn of(site_root: &Path) -> Outbox {
        Outbox { dir: site_root.join(DIR) }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the messages of a new batch of awards are written before they are put in place.
    pub fn stage(&self) -> Result<Staging, SiteError> {
        create_private_dir(&self.dir)?;
        let tmp = tempfile::Builder::new()
            .prefix(".new-")
            .tempdir_in(&self.dir)
            .map_err(|e| SiteError::io_at(&self.dir, "write to", &e))?;
        Ok(Staging { tmp, outbox: self.dir.clone() })
    }

    /// Holds the outbox for one `notify` run; `None` when another run holds it.
    pub fn try_lock(&self) -> Result<Option<std::fs::File>, SiteError> {
        create_private_dir(&self.dir)?;
        crate::fs::try_lock(&self.dir)
    }

    /// The ids in `sent.log`.
    pub fn sent(&self) -> Result<BTreeSet<String>, SiteError> {
        let path = self.dir.join(SENT_LOG);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
            Err(e) => return Err(SiteError::io_at(&path, "read", &e)),
        };
        Ok(text.lines().filter_map(|line| line.split('\t').nth(1)).map(str::to_string).collect())
    }

    /// Sorts out what a killed run left in `sending/` (see the module's notes); with `apply`
    /// false, only says what it would do (`notify --dry-run`).
    pub fn recover(&self, resend_unconfirmed: bool, apply: bool) -> Result<Recovery, SiteError> {
        let sent = self.sent()?;
        let mut recovery = Recovery::default();
        for id in folders(&self.dir.join(SENDING))? {
            let dir = self.dir.join(SENDING).join(&id);
            if sent.contains(&id) {
                if apply {
                    remove_dir(&dir)?;
                }
                recovery.confirmed.push(id);
            } else if !dir.join(SUBMITTED).exists() {
                if apply {
                    self.requeue(&id)?;
                }
                recovery.requeued.push(id);
            } else if resend_unconfirmed {
                if apply {
                    self.requeue(&id)?;
                }
                recovery.requeued.push(id.clone());
                recovery.unconfirmed.push(id);
            } else {
                recovery.unconfirmed.push(id);
            }
        }
        Ok(recovery)
    }

    /// The messages in `pending/`, by id.
    pub fn pending(&self) -> Result<Vec<Pending>, SiteError> {
        let mut out = Vec::new();
        for id in folders(&self.dir.join(PENDING))? {
            let path = self.dir.join(PENDING).join(&id).join(ENVELOPE);
            out.push(Pending { envelope: read_envelope(&path)?, id });
        }
        Ok(out)
    }

    /// Moves `id` from `pending/` to `sending/`, before its server hears of it; `None` when it
    /// is no longer pending (revoked meanwhile).
    pub fn claim(&self, id: &str) -> Result<Option<Claimed>, SiteError> {
        let from = self.dir.join(PENDING).join(id);
        let to = self.dir.join(SENDING).join(id);
        create_private_dir(&self.dir.join(SENDING))?;
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SiteError::io_at(&from, "move", &e)),
        }
        sync_dir(&self.dir.join(SENDING));
        let message = crate::fs::read(&to.join(MESSAGE))?;
        Ok(Some(Claimed { outbox: self.clone(), id: id.to_string(), dir: to, message }))
    }

    /// Takes the message of award `id` out of the outbox if it was never sent (`revoke`,
    /// `remove-holder`).
    pub fn withdraw(&self, id: &str) -> Result<Withdrawn, SiteError> {
        let pending = self.dir.join(PENDING).join(id);
        // Moved aside first: a `notify` run claims by renaming too, and one rename wins.
        let aside = self.dir.join(format!(".withdrawn-{id}"));
        match std::fs::rename(&pending, &aside) {
            Ok(()) => {
                remove_dir(&aside)?;
                sync_dir(&self.dir.join(PENDING));
                return Ok(Withdrawn::Removed);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(SiteError::io_at(&pending, "remove", &e)),
        }
        if self.sent()?.contains(id) {
            Ok(Withdrawn::AlreadySent)
        } else if self.dir.join(SENDING).join(id).exists() {
            Ok(Withdrawn::InFlight)
        } else {
            Ok(Withdrawn::None)
        }
    }

    fn requeue(&self, id: &str) -> Result<(), SiteError> {
        let from = self.dir.join(SENDING).join(id);
        let marker = from.join(SUBMITTED);
        if let Err(e) = std::fs::remove_file(&marker)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(SiteError::io_at(&marker, "remove", &e));
        }
        let to = self.dir.join(PENDING).join(id);
        create_private_dir(&self.dir.join(PENDING))?;
        std::fs::rename(&from, &to).map_err(|e| SiteError::io_at(&from, "move", &e))?;
        sync_dir(&self.dir.join(PENDING));
        Ok(())
    }
}

/// A message taken out of `pending/` by this run: it ends [confirmed](Claimed::confirm) or
/// [released](Claimed::release) back to `pending/`.
#[derive(Debug)]
pub struct Claimed {
    outbox: Outbox,
    pub id: String,
    dir: PathBuf,
    /// The message's bytes, as they are submitted.
    pub message: Vec<u8>,
}

impl Claimed {
    /// Records, on disk, that the message's content is about to be sent, and with it its end:
    /// from here on only the server's answer says whether it was accepted.
    pub fn submitting(&self) -> Result<(), SiteError> {
        let path = self.dir.join(SUBMITTED);
        std::fs::File::create(&path)
            .and_then(|f| f.sync_all())
            .map_err(|e| SiteError::io_at(&path, "write", &e))?;
        sync_dir(&self.dir);
        Ok(())
    }

    /// The server accepted it: a line in `sent.log`, on disk, then the message is gone.
    /// `reply` is the server's answer, masked.
    pub fn confirm(self, at: chrono::DateTime<chrono::Utc>, reply: &str) -> Result<(), SiteError> {
        let path = self.outbox.dir.join(SENT_LOG);
        let reply = super::redact(reply).replace(['\t', '\r', '\n'], " ");
        let line = format!("{}\t{}\t{}\n", crate::model::date::format_date_time(at), self.id, reply.trim());
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()).and_then(|()| f.sync_data()))
            .map_err(|e| SiteError::io_at(&path, "write", &e))?;
        remove_dir(&self.dir)
    }

    /// Not sent (refused, or never submitted whole): back to `pending/` for the next run.
    pub fn release(self) -> Result<(), SiteError> {
        self.outbox.requeue(&self.id)
    }
}

/// The messages of a batch of awards, written before the awards are put in place and moved
/// into `pending/` after them: a run killed in between leaves awards without a notice, never
/// a notice of an award that does not exist. Removed when dropped unless published.
pub struct Staging {
    tmp: tempfile::TempDir,
    outbox: PathBuf,
}

impl Staging {
    /// Writes the message of award `id` (from any thread).
    pub fn add(&self, id: &str, composed: &Composed) -> Result<(), SiteError> {
        let dir = self.tmp.path().join(id);
        create_private_dir(&dir)?;
        let envelope =
            serde_json::to_vec_pretty(&composed.envelope).map_err(|e| SiteError::io(e.to_string()))?;
        write_private(&dir.join(MESSAGE), &composed.bytes)?;
        write_private(&dir.join(ENVELOPE), &envelope)
    }

    /// Puts every message written into `pending/`, flushed to disk first; returns how many.
    pub fn publish(self, ids: &[String]) -> Result<usize, SiteError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let pending = self.outbox.join(PENDING);
        create_private_dir(&pending)?;
        let files: Vec<PathBuf> =
            ids.iter().flat_map(|id| [MESSAGE, ENVELOPE].map(|f| self.tmp.path().join(id).join(f))).collect();
        crate::fs::flush(&files, &[self.tmp.path().to_path_buf()])?;
        for id in ids {
            let from = self.tmp.path().join(id);
            std::fs::rename(&from, pending.join(id))
                .map_err(|e| SiteError::io_at(&pending, "write to", &e))?;
        }
        sync_dir(&pending);
        Ok(ids.len())
    }
}

/// Whether a file of this name is a message of an outbox, or a copy of one (`*.eml`,
/// `envelope.json`, `sent.log`): under `badges/` it would publish an earner's address. The
/// name alone, for the walk of a hundred thousand files; links are never followed there.
pub fn is_outbox_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".eml") || name == ENVELOPE || name == SENT_LOG
}

/// [`is_outbox_name`], or a link into the site's outbox under any name: for a theme's
/// `static/` files, which are read through links.
pub fn is_outbox_file(path: &Path, site_root: &Path) -> bool {
    if path.file_name().is_some_and(|n| is_outbox_name(&n.to_string_lossy())) {
        return true;
    }
    // A link into the outbox, under any name.
    match (path.canonicalize(), site_root.join(DIR).canonicalize()) {
        (Ok(real), Ok(outbox)) => real.starts_with(outbox),
        _ => false,
    }
}

fn read_envelope(path: &Path) -> Result<Envelope, SiteError> {
    let bytes = crate::fs::read(path)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| SiteError::invalid(format!("`{}` is not an envelope", path.display())).caused_by(e))
}

/// The folders in `dir`, sorted; none when it does not exist. Dot-folders are not messages.
fn folders(dir: &Path) -> Result<Vec<String>, SiteError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SiteError::io_at(dir, "read", &e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| SiteError::io_at(dir, "read", &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_dir()) && !name.starts_with('.') {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// A folder only its owner can read: the outbox holds addresses.
fn create_private_dir(dir: &Path) -> Result<(), SiteError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| SiteError::io_at(dir, "create", &e))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SiteError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).and_then(|mut f| f.write_all(bytes)).map_err(|e| SiteError::io_at(path, "write", &e))
}

fn remove_dir(dir: &Path) -> Result<(), SiteError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SiteError::io_at(dir, "remove", &e)),
    }
}

/// A rename or a new file, on disk: through a handle to its directory (Unix).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composed(to: &str) -> Composed {
        Composed {
            bytes: format!("To: {to}\r\n\r\nhello\r\n").into_bytes(),
            envelope: Envelope {
                from: "badges@example.edu".into(),
                to: vec![to.into()],
                subject: "s".into(),
            },
        }
    }

    /// An outbox with the messages of awards `ids` pending.
    fn outbox_with(ids: &[&str]) -> (tempfile::TempDir, Outbox) {
        let site = tempfile::tempdir().expect("tempdir");
        let outbox = Outbox::of(site.path());
        let staging = outbox.stage().expect("stage");
        for id in ids {
            staging.add(id, &composed(&format!("{id}@example.org"))).expect("add");
        }
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        assert_eq!(staging.publish(&ids).expect("publish"), ids.len());
        (site, outbox)
    }

    fn pending_ids(outbox: &Outbox) -> Vec<String> {
        outbox.pending().expect("pending").into_iter().map(|p| p.id).collect()
    }

    #[test]
    fn staged_messages_appear_only_when_published_and_staging_leaves_nothing() {
        let (site, outbox) = outbox_with(&["a", "b"]);
        assert_eq!(pending_ids(&outbox), ["a", "b"]);
        assert_eq!(outbox.pending().expect("pending")[0].envelope.to, ["a@example.org"]);
        let unpublished = outbox.stage().expect("stage");
        unpublished.add("c", &composed("c@example.org")).expect("add");
        drop(unpublished);
        assert_eq!(pending_ids(&outbox), ["a", "b"]);
        let left: Vec<String> = std::fs::read_dir(site.path().join(DIR))
            .expect("outbox")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, [PENDING], "staging left {left:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(outbox.dir()), 0o700);
            assert_eq!(mode(&outbox.dir().join("pending/a")), 0o700);
            assert_eq!(mode(&outbox.dir().join("pending/a/message.eml")), 0o600);
        }
    }

    #[test]
    fn a_confirmed_message_is_logged_once_without_its_address_and_leaves() {
        let (_site, outbox) = outbox_with(&["a", "b"]);
        let claimed = outbox.claim("a").expect("claim").expect("pending");
        assert_eq!(claimed.message, b"To: a@example.org\r\n\r\nhello\r\n");
        assert_eq!(pending_ids(&outbox), ["b"]);
        claimed.submitting().expect("mark");
        let at = crate::model::date::parse_date_time("2026-03-01T10:00:00Z").expect("date");
        claimed.confirm(at, "2.0.0 Ok: queued for <a@example.org>\r\n").expect("confirm");
        let log = std::fs::read_to_string(outbox.dir().join(SENT_LOG)).expect("log");
        assert_eq!(log, "2026-03-01T10:00:00Z\ta\t2.0.0 Ok: queued for <…@…>\n");
        assert_eq!(outbox.sent().expect("sent"), BTreeSet::from(["a".to_string()]));
        assert!(!outbox.dir().join("sending/a").exists());
        assert!(outbox.claim("a").expect("claim").is_none(), "a sent message cannot be claimed again");
    }

    #[test]
    fn a_released_message_is_pending_again() {
        let (_site, outbox) = outbox_with(&["a"]);
        let claimed = outbox.claim("a").expect("claim").expect("pending");
        claimed.submitting().expect("mark");
        claimed.release().expect("release");
        assert_eq!(pending_ids(&outbox), ["a"]);
        assert!(!outbox.dir().join("pending/a").join(SUBMITTED).exists());
    }

    #[test]
    fn a_killed_run_is_recovered_by_what_it_had_reached() {
        let (_site, outbox) = outbox_with(&["logged", "unsubmitted", "submitted"]);
        let at = chrono::Utc::now();
        // Killed after the log line, before the folder went.
        let logged = outbox.claim("logged").expect("claim").expect("pending");
        let line = format!("{}\tlogged\t250 ok\n", crate::model::date::format_date_time(at));
        std::fs::write(outbox.dir().join(SENT_LOG), line).expect("log");
        drop(logged);
        // Killed while talking to the server, before the end of the message.
        outbox.claim("unsubmitted").expect("claim").expect("pending");
        // Killed while waiting for the server's answer to the end.
        let submitted = outbox.claim("submitted").expect("claim").expect("pending");
        submitted.submitting().expect("mark");
        drop(submitted);

        let want = Recovery {
            confirmed: vec!["logged".into()],
            requeued: vec!["unsubmitted".into()],
            unconfirmed: vec!["submitted".into()],
        };
        assert_eq!(outbox.recover(false, false).expect("plan"), want);
        assert!(pending_ids(&outbox).is_empty(), "a dry run moves nothing");
        assert_eq!(outbox.recover(false, true).expect("recover"), want);
        assert_eq!(pending_ids(&outbox), ["unsubmitted"]);
        assert!(!outbox.dir().join("sending/logged").exists());
        // Still unconfirmed on the next run, until asked to send it again.
        assert_eq!(outbox.recover(false, true).expect("again").unconfirmed, ["submitted"]);
        let resent = outbox.recover(true, true).expect("resend");
        assert_eq!(
            (resent.requeued, resent.unconfirmed),
            (vec!["submitted".to_string()], vec!["submitted".to_string()])
        );
        assert_eq!(pending_ids(&outbox), ["submitted", "unsubmitted"]);
    }

    #[test]
    fn withdrawing_removes_only_what_was_never_sent() {
        let (_site, outbox) = outbox_with(&["pending", "sent", "sending"]);
        outbox
            .claim("sent")
            .expect("claim")
            .expect("pending")
            .confirm(chrono::Utc::now(), "250")
            .expect("ok");
        outbox.claim("sending").expect("claim").expect("pending");
        assert_eq!(outbox.withdraw("pending").expect("withdraw"), Withdrawn::Removed);
        assert!(pending_ids(&outbox).is_empty());
        assert_eq!(outbox.withdraw("pending").expect("again"), Withdrawn::None);
        assert_eq!(outbox.withdraw("sent").expect("sent"), Withdrawn::AlreadySent);
        assert_eq!(outbox.withdraw("sending").expect("sending"), Withdrawn::InFlight);
        assert_eq!(Outbox::of(Path::new("/nonexistent")).withdraw("x").expect("none"), Withdrawn::None);
    }

    #[test]
    fn one_run_at_a_time() {
        let (_site, outbox) = outbox_with(&[]);
        let held = outbox.try_lock().expect("lock");
        assert!(held.is_some());
        assert!(outbox.try_lock().expect("lock").is_none(), "a second run must not hold the outbox");
        drop(held);
        assert!(outbox.try_lock().expect("lock").is_some());
    }

    #[test]
    fn outbox_files_are_recognised_under_badges() {
        let (site, _outbox) = outbox_with(&["a"]);
        for (name, yes) in
            [("x.eml", true), ("X.EML", true), ("envelope.json", true), ("sent.log", true), ("a.svg", false)]
        {
            assert_eq!(is_outbox_file(&site.path().join("badges").join(name), site.path()), yes, "{name}");
        }
        #[cfg(unix)]
        {
            let link = site.path().join("badge.png");
            std::os::unix::fs::symlink(site.path().join("outbox/pending/a/message.eml"), &link)
                .expect("link");
            assert!(is_outbox_file(&link, site.path()), "a link into the outbox");
        }
    }
}
