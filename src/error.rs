//! What a command returns: exit codes, and the error it reports (the site layer's, whose kind
//! decides the code).

pub use rosette_site::error::{ErrorKind, SiteError as CliError, plain_io, terminal_safe};

/// Exit codes, documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything verified / was written.
    Ok = 0,
    /// Invalid input: a credential that does not verify, a bad config, a bad key.
    Invalid = 1,
    /// Usage or I/O error: a missing file, a directory that cannot be written.
    Io = 2,
}

impl From<ErrorKind> for Exit {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Invalid => Exit::Invalid,
            ErrorKind::Io => Exit::Io,
        }
    }
}
