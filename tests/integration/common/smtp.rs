//! A small SMTP server for the tests of `rosette notify` (issue #22), on 127.0.0.1: it speaks
//! EHLO, STARTTLS (with the tests' own root, optionally), MAIL, RCPT, DATA, RSET, NOOP and QUIT,
//! and records every message it accepts.
//!
//! Like a real server, it takes a message when it answers `250` to its end, never before: a
//! connection that drops earlier leaves nothing recorded. It can be told to refuse recipients
//! (`550`, quoting the address as servers do) and to hold a message at a given point, so that
//! a test can stop the client exactly there.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

/// A message the sink accepted.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub from: String,
    pub to: Vec<String>,
    /// The message as received, dot-stuffing undone.
    pub raw: Vec<u8>,
}

/// Where the sink holds a message, without answering, until the client goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// At the `n`th `DATA` command (from 1, over the sink's life), before its `354`: the
    /// client has not sent the message's content.
    Data(usize),
    /// After the `n`th message's end, before the `250`: the client has sent it all.
    End(usize),
}

#[derive(Default)]
struct State {
    refused: BTreeSet<String>,
    hold: Option<Hold>,
    delivered: Vec<Delivered>,
    data_commands: usize,
    connections: usize,
}

/// The sink: a port on 127.0.0.1 and what it has received.
pub struct Sink {
    pub port: u16,
    state: Arc<Mutex<State>>,
    held: Mutex<mpsc::Receiver<()>>,
}

impl Sink {
    /// A plain-text sink (`smtp://127.0.0.1:<port>?tls=none`).
    pub fn start() -> Sink {
        Sink::start_with(None)
    }

    /// A sink that offers STARTTLS with a certificate for 127.0.0.1 from [`test_root`].
    pub fn start_tls() -> Sink {
        Sink::start_with(Some(test_root().server.clone()))
    }

    fn start_with(tls: Option<Arc<rustls::ServerConfig>>) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (held_tx, held_rx) = mpsc::channel();
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (state, held, tls) = (shared.clone(), held_tx.clone(), tls.clone());
                std::thread::spawn(move || session(stream, &state, &held, tls));
            }
        });
        Sink { port, state, held: Mutex::new(held_rx) }
    }

    /// `[notify] smtp` for a plain-text sink.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Answers `550` to `RCPT TO:<address>` from now on.
    pub fn refuse(&self, address: &str) {
        self.state.lock().expect("sink").refused.insert(address.to_string());
    }

    /// Accepts every recipient from now on.
    pub fn accept_all(&self) {
        self.state.lock().expect("sink").refused.clear();
    }

    pub fn hold(&self, hold: Option<Hold>) {
        self.state.lock().expect("sink").hold = hold;
    }

    /// Waits until a message is held (a minute at most: a guard against a hung test, not a
    /// measure).
    pub fn wait_held(&self) -> bool {
        self.held.lock().expect("sink").recv_timeout(std::time::Duration::from_secs(60)).is_ok()
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.state.lock().expect("sink").delivered.clone()
    }

    /// How many connections it has had.
    pub fn connections(&self) -> usize {
        self.state.lock().expect("sink").connections
    }
}

/// The test-only root (its PEM file for `ROSETTE_CA_FILE`) and the sink's TLS configuration.
pub type TestRoot = super::pki::Pki;

pub fn test_root() -> &'static TestRoot {
    static ROOT: OnceLock<TestRoot> = OnceLock::new();
    ROOT.get_or_init(|| super::pki::make("rosette test-only mail root", vec!["127.0.0.1".to_string()]))
}

/// The connection: plain, then TLS after STARTTLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

/// Lines off a connection, one byte at a time (so that nothing is buffered past a STARTTLS).
fn read_line(conn: &mut Conn) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0u8];
    loop {
        match conn.read(&mut byte) {
            Ok(1) => {
                line.push(byte[0]);
                if line.ends_with(b"\r\n") {
                    line.truncate(line.len() - 2);
                    return Some(line);
                }
            }
            _ => return None,
        }
    }
}

/// Holds the connection until the client goes away, having said so on `held`.
fn hold_until_gone(conn: &mut Conn, held: &mpsc::Sender<()>) {
    let _ = held.send(());
    let mut buf = [0u8; 256];
    while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
}

fn session(
    stream: TcpStream,
    state: &Mutex<State>,
    held: &mpsc::Sender<()>,
    tls: Option<Arc<rustls::ServerConfig>>,
) {
    state.lock().expect("sink").connections += 1;
    let mut conn = Conn::Plain(stream);
    let say =
        |conn: &mut Conn, text: &str| conn.write_all(text.as_bytes()).and_then(|()| conn.flush()).is_ok();
    if !say(&mut conn, "220 127.0.0.1 ESMTP test sink\r\n") {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::<String>::new());
    while let Some(line) = read_line(&mut conn) {
        let text = String::from_utf8_lossy(&line).into_owned();
        let upper = text.to_ascii_uppercase();
        let arg = |prefix: &str| {
            text[prefix.len()..].trim().trim_start_matches('<').split('>').next().unwrap_or("").to_string()
        };
        let ok = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            let starttls = tls.is_some() && matches!(conn, Conn::Plain(_));
            say(
                &mut conn,
                if starttls {
                    "250-127.0.0.1\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 STARTTLS\r\n"
                } else {
                    "250-127.0.0.1\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                },
            )
        } else if upper.starts_with("STARTTLS") {
            let (Some(config), Conn::Plain(stream)) = (tls.clone(), &conn) else {
                say(&mut conn, "502 no\r\n");
                continue;
            };
            let stream = stream.try_clone().expect("clone the stream");
            if !say(&mut conn, "220 ready to start TLS\r\n") {
                return;
            }
            let server = rustls::ServerConnection::new(config).expect("TLS session");
            conn = Conn::Tls(Box::new(rustls::StreamOwned::new(server, stream)));
            true
        } else if upper.starts_with("MAIL FROM:") {
            from = arg("MAIL FROM:");
            to.clear();
            say(&mut conn, "250 2.1.0 Ok\r\n")
        } else if upper.starts_with("RCPT TO:") {
            let address = arg("RCPT TO:");
            if state.lock().expect("sink").refused.contains(&address) {
                say(
                    &mut conn,
                    &format!("550 5.1.1 <{address}>: Recipient address rejected: User unknown\r\n"),
                )
            } else {
                to.push(address);
                say(&mut conn, "250 2.1.5 Ok\r\n")
            }
        } else if upper == "DATA" {
            let n = {
                let mut s = state.lock().expect("sink");
                s.data_commands += 1;
                (s.data_commands, s.hold)
            };
            if n.1 == Some(Hold::Data(n.0)) {
                return hold_until_gone(&mut conn, held);
            }
            if !say(&mut conn, "354 End data with <CR><LF>.<CR><LF>\r\n") {
                return;
            }
            let mut raw = Vec::new();
            loop {
                let Some(line) = read_line(&mut conn) else { return };
                if line == b"." {
                    break;
                }
                raw.extend_from_slice(if line.starts_with(b"..") { &line[1..] } else { &line });
                raw.extend_from_slice(b"\r\n");
            }
            if n.1 == Some(Hold::End(n.0)) {
                return hold_until_gone(&mut conn, held);
            }
            // Taken now, as the 250 goes out.
            let queued = {
                let mut s = state.lock().expect("sink");
                s.delivered.push(Delivered { from: from.clone(), to: std::mem::take(&mut to), raw });
                s.delivered.len()
            };
            say(&mut conn, &format!("250 2.0.0 Ok: queued as Q{queued}\r\n"))
        } else if upper == "RSET" {
            to.clear();
            say(&mut conn, "250 2.0.0 Ok\r\n")
        } else if upper == "NOOP" {
            say(&mut conn, "250 2.0.0 Ok\r\n")
        } else if upper == "QUIT" {
            let _ = say(&mut conn, "221 2.0.0 Bye\r\n");
            return;
        } else {
            say(&mut conn, "502 5.5.2 Error: command not recognized\r\n")
        };
        if !ok {
            return;
        }
    }
}
