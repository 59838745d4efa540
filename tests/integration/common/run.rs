//! One run of the `rosette` binary and what it did, for the tests that drive it as a user
//! would.

use std::path::Path;

/// What one run of the binary did.
pub struct Out {
    pub args: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "`rosette {}` failed\n{}", self.args, self.stderr);
        self
    }

    /// Asserts the exit status `code`.
    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "`rosette {}`\n--- stdout\n{}--- stderr\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }
}

/// Runs `rosette args` in `dir` with `env` set, and without the settings of a developer's
/// shell (see [`super::rosette_in`], the SMTP password and CA file, colour).
pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = super::rosette_in(dir);
    cmd.args(args).env_remove("ROSETTE_SMTP_PASSWORD").env_remove("ROSETTE_CA_FILE").env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run rosette");
    Out {
        args: args.join(" "),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The last part of an award id (its file and page name).
pub fn slug(id: &str) -> &str {
    id.trim().rsplit('/').next().unwrap_or(id)
}
