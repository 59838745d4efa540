//! rosette: sign, verify and publish Open Badges 3.0 credentials as a static site.
//!
//! # The crates
//!
//! Data flows one way: **load → verify → render → write**, and the crates are the layers, each
//! using only those below it:
//!
//! | crate | path | owns |
//! |---|---|---|
//! | `rosette-badges` (this one, the `rosette` binary) | `src/` | [`cli`] (clap), [`cmd`] (one `run` per subcommand), [`ui`] (output levels, colour, progress), [`error`] (exit codes) |
//! | `rosette-site` | `crates/rosette-site` | `rosette.toml`, issuing, the site pipeline, templates, cards, QR codes |
//! | `rosette-vc` | `crates/rosette-vc` | the verifier: credentials, JSON-LD, RDFC-1.0 and JCS, the EdDSA cryptosuites, DIDs, status lists, baking |
//!
//! This library is the binary's and its tests'; it re-exports the two crates' modules under
//! the names the commands use (`rosette::verify`, `rosette::site`).

pub use rosette_site::{
    achievement, award, badge_art, card, config, fs, markdown, notify, paths, qr, registry, site, templates,
    text,
};
pub use rosette_vc::{
    badge_page, bake, canon, contexts, did, integrity, json, jsonld, keys, model, net, presentation, status,
    verify,
};

pub mod cli;
pub mod cmd;
pub mod error;
pub mod ui;
