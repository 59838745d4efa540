//! rosette: sign, verify and publish Open Badges 3.0 credentials as a static site.
//!
//! # The pipeline
//!
//! Data flows one way: **load → verify → model → render → write**.
//!
//! | layer | modules | owns |
//! |---|---|---|
//! | app | `main.rs`, [`cli`], [`cmd`], [`ui`] | arguments, one `run` per subcommand, exit codes, output levels, colour and progress |
//! | domain (pure) | [`model`], [`jsonld`], [`canon`], [`integrity`], [`keys`], [`did`], [`status`], [`verify`], [`presentation`] | OB 3.0 / VC types, embedded [`contexts`], JSON-LD → RDF, RDFC-1.0 and JCS, the two EdDSA cryptosuites, Multikey, did:key/did:web, Bitstring Status List, verdicts on credentials and presentations |
//! | site | [`site`] (load, library, render, cache, write, fit), [`achievement`], [`award`], [`registry`], [`templates`], [`card`], [`badge_art`], [`bake`], [`qr`], [`markdown`] | `rosette.toml` and `badges/`, issuing, the pages and per-award files, preview cards, init's default badge image, baking, QR codes, the output's size against hosts' limits; it reports progress through [`site::report::Report`], never to the terminal itself |
//! | foundation | [`error`], [`fs`], [`json`], [`net`], [`badge_page`], [`text`] | errors with context and exit codes, file helpers, atomic writes, strict JSON, documents over HTTPS, the credential of a badge page, counts in messages |
//!
//! The domain layer never prints and never touches the disk: it takes bytes and values and
//! returns values, so it is tested without files. Only [`keys::SecretKey`] and the signing
//! step ever hold a secret key.

pub mod achievement;
pub mod award;
pub mod badge_art;
pub mod badge_page;
pub mod bake;
pub mod canon;
pub mod card;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod contexts;
pub mod did;
pub mod error;
pub mod fs;
pub mod integrity;
pub mod json;
pub mod jsonld;
pub mod keys;
pub mod markdown;
pub mod model;
pub mod net;
pub mod presentation;
pub mod qr;
pub mod registry;
pub mod site;
pub mod status;
pub mod templates;
pub mod text;
pub mod ui;
pub mod verify;
