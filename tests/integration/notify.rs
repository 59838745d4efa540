//! E-mail notices (issue #22): `award` writes them to the outbox, `rosette notify` sends them
//! to a real SMTP server on 127.0.0.1 (the tests' sink, `common::smtp`), and every message is
//! read back with an independent MIME parser (mail-parser). Each test starts from
//! `rosette init`.

use crate::common;
use common::run::{Out, run, slug};
use common::smtp::{Delivered, Hold, Sink};
use mail_parser::MimeHeaders as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const BASE: &str = "https://badges.example.org/";

/// A site made by `rosette init`, its notices sent through `sink`.
struct Site {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Site {
    /// A new site whose `[notify]` points at `smtp` (a sink's URL), in `language`.
    fn new(smtp: &str, language: &str) -> Site {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let root = tmp.path().join("site");
        let init = ["init", "site", "--base-url", BASE, "--issuer", "Example University"];
        run(tmp.path(), &init, &[]).code(0);
        let site = Site { _tmp: tmp, root };
        let config =
            site.read("rosette.toml").replace("language = \"en\"", &format!("language = \"{language}\""));
        site.write(
            "rosette.toml",
            &format!(
                "{config}\n[notify]\nfrom = \"Example Badges <badges@example.edu>\"\nsmtp = \"{smtp}\"\nper_minute = 100000\n"
            ),
        );
        site
    }

    fn rosette(&self, args: &[&str]) -> Out {
        run(&self.root, args, &[])
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }

    /// One award from flags; returns its id (file name).
    fn award(&self, name: &str, email: &str) -> String {
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
        let out = self.rosette(&args).code(0);
        slug(out.stdout.trim()).to_string()
    }

    /// `count` awards from a CSV; returns address → award id.
    fn award_csv(&self, count: usize) -> BTreeMap<String, String> {
        let mut csv = String::from("achievement,name,email\n");
        for i in 1..=count {
            csv.push_str(&format!("example,Earner {i},earner{i}@example.org\n"));
        }
        self.write("cohort.csv", &csv);
        let out = self.rosette(&["award", "--key", "signing-key.secret", "--csv", "cohort.csv"]).code(0);
        assert!(
            out.stderr.contains(&format!("wrote {count} e-mail notices to `outbox/pending/`")),
            "{}",
            out.stderr
        );
        let ids: Vec<&str> = out.stdout.lines().map(slug).collect();
        assert_eq!(ids.len(), count);
        (1..=count).map(|i| format!("earner{i}@example.org")).zip(ids.iter().map(|s| s.to_string())).collect()
    }

    /// The ids in `outbox/<state>/`.
    fn outbox(&self, state: &str) -> Vec<String> {
        let mut ids: Vec<String> = std::fs::read_dir(self.path(&format!("outbox/{state}")))
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        ids.sort();
        ids
    }
}

/// A received message, parsed.
struct Mail {
    to: String,
    to_name: String,
    subject: String,
    text: String,
    html: String,
    message_id: String,
    raw: String,
}

fn parse(d: &Delivered) -> Mail {
    let message = mail_parser::MessageParser::default().parse(&d.raw).expect("a message the parser reads");
    let to = message.to().and_then(|a| a.first()).expect("a To header");
    assert_eq!(message.text_body_count(), 1, "one text part");
    assert_eq!(message.html_body_count(), 1, "one HTML part");
    let content_type = message.content_type().expect("Content-Type");
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative")),
        "the top part is multipart/alternative"
    );
    assert_eq!(d.to.len(), 1, "one recipient per message");
    Mail {
        to: to.address().expect("an address").to_string(),
        to_name: to.name().unwrap_or_default().to_string(),
        subject: message.subject().unwrap_or_default().to_string(),
        text: message.body_text(0).expect("text").into_owned(),
        html: message.body_html(0).expect("html").into_owned(),
        message_id: message.message_id().unwrap_or_default().to_string(),
        raw: String::from_utf8_lossy(&d.raw).into_owned(),
    }
}

/// Every delivered message by its envelope recipient; each recipient must appear once.
fn by_recipient(sink: &Sink) -> BTreeMap<String, Mail> {
    let mut out = BTreeMap::new();
    for d in sink.delivered() {
        let mail = parse(&d);
        assert_eq!(d.to, std::slice::from_ref(&mail.to), "envelope and To agree");
        assert!(out.insert(mail.to.clone(), mail).is_none(), "{} got two messages", d.to[0]);
    }
    out
}

/// The `href` of the page's "Add to LinkedIn profile" link.
fn linkedin_link_of_page(page: &str) -> String {
    let at = page.find("https://www.linkedin.com/profile/add?").expect("the page's LinkedIn link");
    page[at..].split('"').next().expect("href").replace("&amp;", "&")
}

#[test]
fn every_notice_arrives_once_with_its_links_and_both_parts() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    let ada = site.award("Ada Lovelace", "ada@example.org");
    let cohort = site.award_csv(20);
    assert_eq!(site.outbox("pending").len(), 21);
    site.rosette(&["build"]).code(0);

    let started = std::time::Instant::now();
    let out = site.rosette(&["notify"]).code(0);
    eprintln!("notify sent 21 messages in {:?}", started.elapsed());
    assert!(out.stderr.contains("sent 21 e-mail notices through `smtp://127.0.0.1:"), "{}", out.stderr);
    assert!(out.stderr.contains("is plain text: the messages"), "plain text is warned about: {}", out.stderr);
    let mails = by_recipient(&sink);
    assert_eq!(mails.len(), 21);
    let mut expected = cohort.clone();
    expected.insert("ada@example.org".into(), ada.clone());
    for (address, id) in &expected {
        let mail = &mails[address];
        let page_url = format!("{BASE}awards/{id}/");
        let page = site.read(&format!("public/awards/{id}/index.html"));
        let linkedin = linkedin_link_of_page(&page);
        assert_eq!(mail.subject, "You have earned a badge: Example Achievement");
        assert_eq!(mail.message_id, format!("{id}@badges.example.org"));
        for (part, body) in [("text", &mail.text), ("html", &mail.html)] {
            assert!(body.contains(&page_url), "{address}: the {part} part lacks the page's URL");
            assert!(body.contains("Example University"), "{address}: the {part} part lacks the issuer");
            assert!(body.contains("Example Achievement"), "{address}: the {part} part lacks the achievement");
            assert!(
                body.contains(&format!("{BASE}awards/{id}.json")),
                "{address}: no credential link in {part}"
            );
            assert!(body.contains("Download the badge image"), "{address}: no download note in {part}");
        }
        // The very link of the badge page.
        assert!(
            mail.text.contains(&linkedin),
            "{address}: text part's LinkedIn link differs from the page's {linkedin}"
        );
        assert!(
            mail.html.contains(&linkedin.replace('&', "&amp;")),
            "{address}: HTML part's LinkedIn link differs"
        );
        assert!(mail.raw.contains("Auto-Submitted: auto-generated"));
    }
    assert_eq!(mails["ada@example.org"].to_name, "Ada Lovelace");
    if let Some(dir) = std::env::var_os("ROSETTE_NOTIFY_HTML_DIR") {
        std::fs::write(Path::new(&dir).join("notify-en.html"), &mails["ada@example.org"].html)
            .expect("write");
    }
    assert!(
        mails["ada@example.org"].text.starts_with("Dear Ada Lovelace,"),
        "{}",
        mails["ada@example.org"].text
    );
    // Sent means gone from the outbox, and named (not addressed) in the log.
    assert!(site.outbox("pending").is_empty() && site.outbox("sending").is_empty());
    let log = site.read("outbox/sent.log");
    assert_eq!(log.lines().count(), 21);
    assert!(!log.contains('@') || log.contains("…@…"), "{log}");
    // Nothing is sent twice.
    let again = site.rosette(&["notify"]).code(0);
    assert!(again.stderr.contains("no e-mail notice to send"), "{}", again.stderr);
    assert_eq!(sink.delivered().len(), 21);
    for address in expected.keys() {
        assert!(
            !out.stderr.contains(address.as_str()) && !out.stdout.contains(address.as_str()),
            "`{address}` printed"
        );
    }
}

#[test]
fn the_html_part_is_inert_for_hostile_names() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    let hostile =
        "<script>alert(1)</script><img src=x onerror=alert(2)> \"Bob\" & 'Eve'\r\nBcc: mallory@evil.example";
    site.award(hostile, "bob@example.org");
    site.rosette(&["notify"]).code(0);
    let delivered = sink.delivered();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].to, ["bob@example.org"], "no second recipient from the name");
    let mail = parse(&delivered[0]);
    for markup in ["<script", "<img src=x", "onerror=alert(2)>"] {
        assert!(!mail.html.contains(markup), "`{markup}` is live in the HTML part:\n{}", mail.html);
    }
    assert!(
        mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "{}",
        mail.html
    );
    assert!(mail.html.contains("&quot;Bob&quot; &amp; &#39;Eve&#39;"), "{}", mail.html);
    assert!(
        !mail.raw.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "a header was injected:\n{}",
        mail.raw
    );
    assert!(
        mail.to_name.contains("<script>") && !mail.to_name.contains('\n'),
        "the name is kept as text: {}",
        mail.to_name
    );
}

#[test]
fn a_refused_recipient_is_reported_and_sent_on_the_next_run() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    let cohort = site.award_csv(5);
    sink.refuse("earner2@example.org");
    sink.refuse("earner4@example.org");
    let out = site.rosette(&["notify"]).code(1);
    assert!(out.stderr.contains("error: 2 of 5 e-mail notices not sent"), "{}", out.stderr);
    for refused in ["earner2@example.org", "earner4@example.org"] {
        let id = &cohort[refused];
        assert!(
            out.stderr.contains(&format!(
                "`{id}`: the server refused the recipient: permanent error (550): 5.1.1 <…@…>"
            )),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains(refused),
            "the server's reply is printed with its address: {}",
            out.stderr
        );
    }
    assert_eq!(sink.delivered().len(), 3);
    let mut left = vec![cohort["earner2@example.org"].clone(), cohort["earner4@example.org"].clone()];
    left.sort();
    assert_eq!(site.outbox("pending"), left, "the refused notices wait for the next run");
    sink.accept_all();
    site.rosette(&["notify"]).code(0);
    let mails = by_recipient(&sink);
    assert_eq!(mails.keys().cloned().collect::<Vec<_>>(), cohort.keys().cloned().collect::<Vec<_>>());
}

/// Starts `rosette notify`, waits until the sink holds a message, kills the run (SIGKILL).
fn kill_notify_when_held(site: &Site, sink: &Sink) {
    let mut child = common::rosette_in(&site.root)
        .arg("notify")
        .env_remove("ROSETTE_SMTP_PASSWORD")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start rosette notify");
    let held = sink.wait_held();
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    assert!(held, "the sink never held a message");
}

#[test]
fn a_run_killed_before_a_message_is_submitted_then_run_again_sends_each_once() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    let cohort = site.award_csv(20);
    // Held at the 8th DATA command: seven are accepted, the eighth never reaches the server.
    sink.hold(Some(Hold::Data(8)));
    kill_notify_when_held(&site, &sink);
    assert_eq!(sink.delivered().len(), 7);
    assert_eq!(site.outbox("sending").len(), 1, "the message in hand when the run was killed");
    sink.hold(None);
    let out = site.rosette(&["notify"]).code(0);
    assert!(out.stderr.contains("sent 13 e-mail notices"), "{}", out.stderr);
    let mails = by_recipient(&sink);
    assert_eq!(mails.keys().cloned().collect::<Vec<_>>(), cohort.keys().cloned().collect::<Vec<_>>());
    assert!(site.outbox("pending").is_empty() && site.outbox("sending").is_empty());
    assert_eq!(site.read("outbox/sent.log").lines().count(), 20);
}

#[test]
fn a_run_killed_while_the_server_holds_its_answer_never_resends_it_unasked() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    let cohort = site.award_csv(20);
    // Held after the 3rd message's end: only the server knows whether it was taken.
    sink.hold(Some(Hold::End(3)));
    kill_notify_when_held(&site, &sink);
    assert_eq!(sink.delivered().len(), 2);
    sink.hold(None);
    let out = site.rosette(&["notify"]).code(1);
    let unconfirmed = &site.outbox("sending");
    assert_eq!(unconfirmed.len(), 1);
    assert!(out.stderr.contains("sent 17 e-mail notices"), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("`{}`: unconfirmed", unconfirmed[0])), "{}", out.stderr);
    assert!(out.stderr.contains("--resend-unconfirmed"), "{}", out.stderr);
    assert_eq!(sink.delivered().len(), 19, "the unconfirmed message is not sent again unasked");
    // Still unconfirmed, and still not sent, on a plain run.
    site.rosette(&["notify"]).code(1);
    assert_eq!(sink.delivered().len(), 19);
    let out = site.rosette(&["notify", "--resend-unconfirmed"]).code(0);
    assert!(out.stderr.contains("sent 1 e-mail notice "), "{}", out.stderr);
    let mails = by_recipient(&sink);
    assert_eq!(mails.keys().cloned().collect::<Vec<_>>(), cohort.keys().cloned().collect::<Vec<_>>());
}

#[test]
fn dry_run_sends_nothing_and_moves_nothing() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    let cohort = site.award_csv(3);
    let out = site.rosette(&["notify", "--dry-run"]).code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    for id in cohort.values() {
        assert!(
            out.stdout.contains(&format!("{id}\tYou have earned a badge: Example Achievement")),
            "{}",
            out.stdout
        );
    }
    assert!(
        out.stderr.contains("dry run: 3 e-mail notices would be sent through `smtp://127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains('@') && !out.stderr.contains('@'), "an address was printed");
    assert_eq!(sink.connections(), 0, "a dry run contacts no server");
    assert_eq!(site.outbox("pending").len(), 3);
}

#[test]
fn revoke_removes_a_notice_never_sent_and_says_when_it_was() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    let kept = site.award("Ada", "ada@example.org");
    let revoked = site.award("Bob", "bob@example.org");
    let out = site.rosette(&["revoke", &revoked, "--key", "signing-key.secret"]).code(0);
    assert!(out.stderr.contains("its e-mail notice was never sent, and is removed"), "{}", out.stderr);
    assert_eq!(site.outbox("pending"), std::slice::from_ref(&kept));
    site.rosette(&["notify"]).code(0);
    assert_eq!(by_recipient(&sink).keys().cloned().collect::<Vec<_>>(), ["ada@example.org"]);
    let out = site.rosette(&["revoke", &kept, "--key", "signing-key.secret"]).code(0);
    assert!(out.stderr.contains("its e-mail notice had already been sent"), "{}", out.stderr);
    // --no-notify: no notice at all.
    let args = [
        "award",
        "--key",
        "signing-key.secret",
        "--achievement",
        "example",
        "--name",
        "C",
        "--email",
        "c@example.org",
        "--no-notify",
    ];
    let out = site.rosette(&args).code(0);
    assert!(!out.stderr.contains("notice"), "{}", out.stderr);
    assert!(site.outbox("pending").is_empty());
}

#[test]
fn a_server_that_is_down_leaves_every_notice_for_the_next_run() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let site = Site::new(&format!("smtp://127.0.0.1:{port}?tls=none"), "en");
    let cohort = site.award_csv(3);
    let out = site.rosette(&["notify"]).code(1);
    assert!(out.stderr.contains("error: 3 of 3 e-mail notices not sent"), "{}", out.stderr);
    for id in cohort.values() {
        assert!(
            out.stderr.contains(&format!("`{id}`: could not reach `smtp://127.0.0.1:{port}?tls=none`")),
            "{}",
            out.stderr
        );
    }
    assert_eq!(site.outbox("pending").len(), 3);
}

#[test]
fn build_and_check_refuse_a_site_that_would_publish_the_outbox() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    let id = site.award("Ada", "ada@example.org");
    let message = site.read(&format!("outbox/pending/{id}/message.eml"));
    site.write("badges/images/notice.eml", &message);
    let out = site.rosette(&["build"]).code(1);
    assert!(
        out.stderr.contains("`badges/images/notice.eml`: this is an e-mail notice from rosette's outbox"),
        "{}",
        out.stderr
    );
    assert!(!site.path("public").exists(), "nothing was published");
    let out = site.rosette(&["check"]).code(1);
    assert!(out.stderr.contains("`badges/images/notice.eml`: this is an e-mail notice"), "{}", out.stderr);
    std::fs::remove_file(site.path("badges/images/notice.eml")).expect("rm");
    // A theme whose static files link into the outbox.
    #[cfg(unix)]
    {
        std::fs::create_dir_all(site.path("themes/default/static")).expect("mkdir");
        std::os::unix::fs::symlink(
            site.path(&format!("outbox/pending/{id}/message.eml")),
            site.path("themes/default/static/logo.txt"),
        )
        .expect("link");
        let out = site.rosette(&["build"]).code(1);
        assert!(out.stderr.contains("theme `default` would publish rosette's outbox"), "{}", out.stderr);
        std::fs::remove_file(site.path("themes/default/static/logo.txt")).expect("rm");
    }
    // Nor is the outbox a place to build into.
    let out = site.rosette(&["build", "--out", "outbox"]).code(2);
    assert!(out.stderr.contains("would replace or hold rosette's outbox"), "{}", out.stderr);
    assert!(site.path(&format!("outbox/pending/{id}/message.eml")).exists());
    site.rosette(&["build"]).code(0);
    assert!(
        site.read(".gitignore").lines().any(|l| l == "/outbox"),
        "init's .gitignore keeps the outbox out of git"
    );
}

#[test]
fn starttls_with_the_tests_own_root() {
    let sink = Sink::start_tls();
    let site = Site::new(&format!("smtp://127.0.0.1:{}", sink.port), "en");
    site.award("Ada", "ada@example.org");
    // Without the root, the server's certificate is refused and the notice stays.
    let out = site.rosette(&["notify"]).code(1);
    assert!(out.stderr.contains("could not reach `smtp://127.0.0.1:"), "{}", out.stderr);
    assert_eq!(site.outbox("pending").len(), 1);
    let ca = common::smtp::test_root().ca_file.path().to_string_lossy().into_owned();
    let out = run(&site.root, &["notify"], &[("ROSETTE_CA_FILE", &ca)]).code(0);
    assert!(!out.stderr.contains("plain text"), "{}", out.stderr);
    assert_eq!(by_recipient(&sink).len(), 1);
}

#[test]
fn a_notice_in_simplified_chinese() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "zh-Hans");
    site.award("李思", "li@example.org");
    site.rosette(&["notify"]).code(0);
    let mails = by_recipient(&sink);
    let mail = &mails["li@example.org"];
    assert_eq!(mail.subject, "您获得了一枚徽章：Example Achievement");
    assert!(mail.text.starts_with("李思，您好："), "{}", mail.text);
    assert!(
        mail.html.contains("<html lang=\"zh-Hans\">") && mail.html.contains("查看您的徽章"),
        "{}",
        mail.html
    );
    assert!(mail.raw.contains("Content-Language: zh-Hans"));
    // For the screenshots: the HTML parts, where ROSETTE_NOTIFY_HTML_DIR asks for them.
    if let Some(dir) = std::env::var_os("ROSETTE_NOTIFY_HTML_DIR") {
        std::fs::write(Path::new(&dir).join("notify-zh.html"), &mail.html).expect("write");
    }
}

#[test]
fn no_sender_means_no_notice_and_a_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    run(tmp.path(), &["init", "site", "--base-url", BASE, "--issuer", "U"], &[]).code(0);
    let root = tmp.path().join("site");
    let args = [
        "award",
        "--key",
        "signing-key.secret",
        "--achievement",
        "example",
        "--name",
        "A",
        "--email",
        "a@example.org",
    ];
    let out = run(&root, &args, &[]).code(0);
    assert!(
        out.stderr.contains("warning: no e-mail notice was written: rosette.toml names no sender"),
        "{}",
        out.stderr
    );
    assert!(!root.join("outbox/pending").exists());
}

#[test]
fn a_password_never_crosses_plain_text_and_a_login_needs_one() {
    let sink = Sink::start();
    let site = Site::new(&sink.url(), "en");
    site.award("Ada", "ada@example.org");
    let out = run(&site.root, &["notify"], &[("ROSETTE_SMTP_PASSWORD", "hunter2")]).code(1);
    assert!(out.stderr.contains("ROSETTE_SMTP_PASSWORD is set, and `smtp://127.0.0.1:"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
    let config = site
        .read("rosette.toml")
        .replace("per_minute = 100000", "per_minute = 100000\nusername = \"badges\"");
    site.write("rosette.toml", &config);
    let out = site.rosette(&["notify"]).code(1);
    assert!(
        out.stderr.contains(
            "`[notify] username` is set, and the environment variable ROSETTE_SMTP_PASSWORD is empty"
        ),
        "{}",
        out.stderr
    );
    assert_eq!((sink.connections(), site.outbox("pending").len()), (0, 1), "nothing was sent, nothing moved");
    // A password in the server's URL is refused with rosette.toml, without being echoed.
    let config = site.read("rosette.toml").replace("smtp://127.0.0.1", "smtp://badges:hunter2@127.0.0.1");
    site.write("rosette.toml", &config);
    let out = site.rosette(&["notify", "--dry-run"]).code(1);
    assert!(out.stderr.contains("`smtp` has a user name or password in it"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}
