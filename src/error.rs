//! The error type of the commands: a message, its causes, an optional hint, and the exit code.

use std::fmt;
use std::path::Path;

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

/// An error a command reports to the user.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl CliError {
    pub fn invalid(message: impl Into<String>) -> Self {
        CliError { exit: Exit::Invalid, message: message.into(), causes: Vec::new(), hint: None }
    }

    pub fn io(message: impl Into<String>) -> Self {
        CliError { exit: Exit::Io, message: message.into(), causes: Vec::new(), hint: None }
    }

    /// An I/O failure on `path`.
    pub fn io_at(path: &Path, action: &str, err: &std::io::Error) -> Self {
        CliError::io(format!("could not {action} `{}`", path.display())).caused_by(plain_io(err))
    }

    pub fn caused_by(mut self, cause: impl fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {cause}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// An I/O error in plain words, without the "(os error 2)" suffix.
pub fn plain_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match err.kind() {
        NotFound => "no such file or directory".into(),
        PermissionDenied => "permission denied".into(),
        AlreadyExists => "the file already exists".into(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}
