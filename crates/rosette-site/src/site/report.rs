//! What the site layer tells whoever runs it while it works: progress through a long step, and
//! what each step took (`--verbose`). The command line shows them on the terminal
//! (`crate::ui::Terminal`); tests and other callers pass [`Silent`]. The site layer never
//! prints, and never decides what a terminal shows.

/// Where a build's progress goes.
pub trait Report: Sync {
    /// A step of `len` units starts (`what`: "verifying", "rendering"); it ends when the
    /// returned [`Progress`] is dropped.
    fn step(&self, what: &str, len: u64) -> Box<dyn Progress>;
    /// One line about what was done, for `--verbose`.
    fn detail(&self, message: &str);
}

/// A step under way: each unit done is one [`advance`](Progress::advance), from any thread.
pub trait Progress: Sync {
    fn advance(&self);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Report for Silent {
    fn step(&self, _what: &str, _len: u64) -> Box<dyn Progress> {
        Box::new(Silent)
    }

    fn detail(&self, _message: &str) {}
}

impl Progress for Silent {
    fn advance(&self) {}
}
