//! rosette's integration tests, in one binary (as cargo and ripgrep do): one link of the
//! library, tera, resvg and the rest instead of one per file. Each module tests one area; the
//! shared harness is [`common`].
//!
//! Run one area with `cargo test --test integration cli::`, one test by its name. Golden files
//! (what users see) are rewritten with `ROSETTE_BLESS=1`; review the diff before committing.

mod common;

mod bake;
mod build;
mod cli;
mod earner;
mod faults;
mod fit;
mod hostile;
mod hosts;
mod incremental;
mod interop;
mod issuer_loop;
mod jsonld_differential;
mod notify;
mod ob_schema;
mod props;
mod secrets;
mod serve;
mod site_interop;
mod vectors_dcc;
mod vectors_eddsa;
mod vectors_jcs;
mod vectors_rdf_canon;
mod verify_online;
