//! rosette-site: the static verification site of rosette.
//!
//! # What it owns
//!
//! The site pipeline, **load → verify → render → write**, for `build`, `check` and `serve`:
//!
//! | step | module | owns |
//! |---|---|---|
//! | configure | [`config`], [`templates`] | `rosette.toml`, the theme (tera templates, static files, translations) |
//! | issue | [`achievement`], [`award`], [`registry`], [`badge_art`] | achievements from `badges/`, new awards and their status-list entries, `init`'s default badge image |
//! | notify | [`notify`] | the earner's e-mail notice: composed at award time, filed in the outbox, sent once by `notify` |
//! | load, verify | [`site::Site`], [`site::load`], [`site::library`] | reading `badges/`, verifying every credential with [`rosette_vc::verify`], the problems a build reports |
//! | render | [`site::render`] (one module per kind of output), [`site::views`], [`site::earner`], [`card`], [`qr`], [`markdown`] | pages, per-award files, link-preview cards, QR codes |
//! | write | [`site::output`], [`site::stage`], [`site::write`], [`site::cache`], [`site::fit`] | where files go (staging or memory), the atomic swap of `public/`, the memo, hosts' limits |
//! | foundation | [`error`], [`fs`], [`paths`], [`text`] | errors with a kind and hints, atomic file writes, safe output paths, counts in messages |
//!
//! # What it must never import
//!
//! The command line (clap), the terminal (progress bars, colour) or exit codes: those are the
//! binary's. Errors carry a kind ([`error::ErrorKind`]) that the binary maps to an exit code,
//! and progress goes through [`site::report::Report`], which the binary implements. Below it
//! is only the verifier, `rosette-vc`.

// The verifier's modules, under the names the site's code has always used (`crate::model`).
use rosette_vc::{bake, canon, contexts, did, integrity, json, jsonld, keys, model, status, verify};

pub mod achievement;
pub mod award;
pub mod badge_art;
pub mod card;
pub mod config;
pub mod error;
pub mod fs;
pub mod markdown;
pub mod notify;
pub mod paths;
pub mod qr;
pub mod registry;
pub mod site;
pub mod templates;
pub mod text;
