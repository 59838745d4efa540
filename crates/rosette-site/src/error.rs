//! The error the site layer reports: a message, its causes, an optional hint, and its kind.
//! The kind says whose fault it is (the input's, or the machine's); the binary maps it to an
//! exit code, the site never decides one.

use std::fmt;
use std::path::Path;

/// Whose fault an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Invalid input: a credential that does not verify, a bad config, a bad key.
    Invalid,
    /// Usage or I/O error: a missing file, a directory that cannot be written.
    Io,
}

/// An error reported to the user: `error: …`, then `caused by: …` lines, then a `hint: …`.
#[derive(Debug)]
pub struct SiteError {
    pub kind: ErrorKind,
    pub message: String,
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl SiteError {
    pub fn invalid(message: impl Into<String>) -> Self {
        SiteError { kind: ErrorKind::Invalid, message: message.into(), causes: Vec::new(), hint: None }
    }

    pub fn io(message: impl Into<String>) -> Self {
        SiteError { kind: ErrorKind::Io, message: message.into(), causes: Vec::new(), hint: None }
    }

    /// An I/O failure on `path`.
    pub fn io_at(path: &Path, action: &str, err: &std::io::Error) -> Self {
        SiteError::io(format!("could not {action} `{}`", path.display())).caused_by(plain_io(err))
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

impl fmt::Display for SiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", terminal_safe(&self.message))?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {}", terminal_safe(cause))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {}", terminal_safe(hint))?;
        }
        Ok(())
    }
}

/// Messages quote values from untrusted files: control characters (a NUL, an escape sequence
/// that rewrites the terminal) and bidi overrides (which reorder what the reader sees) are
/// shown escaped, `\u{1b}`, never sent raw.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    text.chars()
        .map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_characters_in_messages_are_escaped() {
        let err = SiteError::invalid("`a\0b` and \u{1b}[2J").caused_by("\u{202e}gnp.exe").hint("ok\tok");
        assert_eq!(
            err.to_string(),
            "error: `a\\u{0}b` and \\u{1b}[2J\n  caused by: \\u{202e}gnp.exe\nhint: ok\\u{9}ok"
        );
    }
}
