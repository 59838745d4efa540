use clap::Parser;
use rosette::cli::{Cli, Command};
use std::process::ExitCode;

// A build allocates and frees millions of small strings and JSON values on every thread;
// glibc's allocator was a fifth of its profile (issue #18). `--features system-alloc` keeps
// the system's, which heap profilers (heaptrack, valgrind) see into.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    rosette::ui::init(cli.quiet, cli.verbose);
    let result = match cli.command {
        Command::Keygen(args) => rosette::cmd::keygen::run(&args),
        Command::Sign(args) => rosette::cmd::sign::run(&args),
        Command::Verify(args) => rosette::cmd::verify::run(&args),
        Command::Unbake(args) => rosette::cmd::verify::run_unbake(&args),
        Command::Bake(args) => rosette::cmd::bake::run(&args),
        Command::Build(args) => rosette::cmd::build::run(&args),
        Command::Check(args) => rosette::cmd::check::run(&args),
        Command::Serve(args) => rosette::cmd::serve::run(&args),
        Command::Award(args) => rosette::cmd::award::run(&args),
        Command::Reissue(args) => rosette::cmd::reissue::run(&args),
        Command::RemoveHolder(args) => rosette::cmd::holder::run(&args),
        Command::Init(args) => rosette::cmd::init::run(&args),
        Command::Notify(args) => rosette::cmd::notify::run(&args),
        Command::Revoke(args) => rosette::cmd::status::run(&args, rosette::cmd::status::Change::Revoke),
        Command::Suspend(args) => rosette::cmd::status::run(&args, rosette::cmd::status::Change::Suspend),
        Command::Reinstate(args) => rosette::cmd::status::run(&args, rosette::cmd::status::Change::Reinstate),
    };
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(err) => {
            rosette::ui::error(&err);
            ExitCode::from(rosette::error::Exit::from(err.kind) as u8)
        }
    }
}
