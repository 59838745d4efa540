//! Terminal manners: output levels (`--quiet`, `--verbose`), colour only on a terminal without
//! `NO_COLOR`, and progress bars only when standard error is a terminal.
//!
//! What goes to a pipe or a CI log never changes with these settings except for `--quiet` and
//! `--verbose`: colour and progress bars are terminal-only, so the CLI goldens stay byte-stable.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// How much the commands say on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Errors and warnings only.
    Quiet,
    /// Errors, warnings, and one line about what was done.
    Normal,
    /// Also what is done step by step.
    Verbose,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    level: Level,
    color: bool,
    terminal: bool,
}

// Set once in `main` before any command runs; read-only afterwards. Output settings are the
// one piece of process-wide state, as in ripgrep's `messages`, so that library code that
// reports progress needs no extra parameter.
static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Decides the output settings from the flags and the environment. Call once, first.
pub fn init(quiet: bool, verbose: bool) {
    let terminal = std::io::stderr().is_terminal();
    let level = if quiet {
        Level::Quiet
    } else if verbose {
        Level::Verbose
    } else {
        Level::Normal
    };
    let _ = SETTINGS.set(Settings { level, color: terminal && color_allowed(), terminal });
}

/// `NO_COLOR` (any non-empty value, <https://no-color.org>) and `TERM=dumb` turn colour off.
fn color_allowed() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    !no_color && !dumb
}

fn settings() -> Settings {
    // Library users (tests) that never call `init` get plain, normal output.
    SETTINGS.get().copied().unwrap_or(Settings { level: Level::Normal, color: false, terminal: false })
}

pub fn level() -> Level {
    settings().level
}

/// A line about what was done (hidden by `--quiet`).
pub fn status(message: impl std::fmt::Display) {
    if level() >= Level::Normal {
        eprintln!("{message}");
    }
}

/// A step-by-step detail (only with `--verbose`).
pub fn detail(message: impl std::fmt::Display) {
    if level() >= Level::Verbose {
        eprintln!("{}", paint_line(&message.to_string()));
    }
}

/// A warning; shown even with `--quiet`, which hides only what went right.
pub fn warning(message: impl std::fmt::Display) {
    eprintln!("{}", paint(&format!("warning: {message}")));
}

pub use crate::text::{count, thousands};

/// An error report (a [`crate::error::CliError`] or a problem list), coloured on a terminal.
pub fn error(message: impl std::fmt::Display) {
    eprintln!("{}", paint(&message.to_string()));
}

/// Colours the `error:`, `warning:`, `caused by:` and `hint:` labels at the start of each line
/// when colour is on; otherwise returns the text unchanged.
pub fn paint(text: &str) -> String {
    paint_with(text, settings().color)
}

fn paint_line(line: &str) -> String {
    paint_with(line, settings().color)
}

fn paint_with(text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    text.split('\n').map(paint_one).collect::<Vec<_>>().join("\n")
}

fn paint_one(line: &str) -> String {
    const LABELS: [(&str, &str); 4] = [
        ("error:", "\x1b[1;31m"),
        ("warning:", "\x1b[1;33m"),
        ("caused by:", "\x1b[2m"),
        ("hint:", "\x1b[1;36m"),
    ];
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    for (label, style) in LABELS {
        if let Some(after) = rest.strip_prefix(label) {
            return format!("{}{style}{label}\x1b[0m{after}", &line[..indent]);
        }
    }
    line.to_string()
}

/// A progress bar for `len` steps of long work, drawn only when standard error is a terminal
/// and not `--quiet`; otherwise every call on it does nothing.
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let s = settings();
    if !s.terminal || s.level == Level::Quiet {
        return indicatif::ProgressBar::hidden();
    }
    // Cleared when dropped, so a step that fails leaves no half-drawn bar above its error.
    let bar = indicatif::ProgressBar::new(len).with_finish(indicatif::ProgressFinish::AndClear);
    let template = if s.color {
        "{msg} [{bar:30.cyan/blue}] {pos}/{len} {elapsed}"
    } else {
        "{msg} [{bar:30}] {pos}/{len} {elapsed}"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// The site layer's [`Report`](crate::site::report::Report) on this terminal: a progress bar
/// per step (hidden when quiet or not a terminal) and `--verbose` details.
pub struct Terminal;

impl crate::site::report::Report for Terminal {
    fn step(&self, what: &str, len: u64) -> Box<dyn crate::site::report::Progress> {
        Box::new(Bar(progress(len, what)))
    }

    fn detail(&self, message: &str) {
        detail(message);
    }
}

/// A terminal progress bar as the site layer's [`Progress`](crate::site::report::Progress).
struct Bar(indicatif::ProgressBar);

impl crate::site::report::Progress for Bar {
    fn advance(&self) {
        self.0.inc(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_colour_text_is_unchanged() {
        // `init` is never called in unit tests: colour is off.
        let text = "error: x\n  caused by: y\nhint: z";
        assert_eq!(paint(text), text);
        assert_eq!(paint_with(text, false), text);
    }

    #[test]
    fn colour_marks_only_the_labels() {
        let text = "error: `a`: b\n  caused by: c\n  hint: d\nwarning: e\nplain hint: f";
        assert_eq!(
            paint_with(text, true),
            "\x1b[1;31merror:\x1b[0m `a`: b\n  \x1b[2mcaused by:\x1b[0m c\n  \x1b[1;36mhint:\x1b[0m d\n\
             \x1b[1;33mwarning:\x1b[0m e\nplain hint: f"
        );
    }
}
