#![doc = include_str!("../README.md")]
#![warn(missing_docs, unreachable_pub)]
//!
//! # What it owns
//!
//! | step | module | standard |
//! |---|---|---|
//! | read | [`json`], [`badge_page`], [`bake`] | strict JSON with positions; the credential a badge page embeds; Open Badges baking (PNG `iTXt`, SVG) |
//! | model | [`model`] | VC Data Model 2.0 and Open Badges 3.0: types, dates, languages |
//! | expand | [`contexts`], [`jsonld`] | JSON-LD 1.1 expansion to RDF over the embedded contexts (never fetched) |
//! | canonicalize | [`canon`] | RDFC-1.0 and RFC 8785 (JCS) |
//! | prove | [`integrity`], [`keys`] | Data Integrity EdDSA Cryptosuites v1.0 (`eddsa-rdfc-2022`, `eddsa-jcs-2022`), Multikey |
//! | resolve | [`did`], `net` (feature `net`) | did:key and did:web; documents over HTTPS |
//! | status | [`status`] | Bitstring Status List v1.0 |
//! | decide | [`verify`], [`presentation`] | a verdict per credential or presentation: each check, passed or failed with its reason |
//!
//! # What it must never import
//!
//! No site, template, terminal or command-line crate, and nothing that writes files: it takes
//! bytes and values and returns values, so it is tested without a disk. Only [`keys::SecretKey`]
//! and the signing step ever hold a secret key.

pub mod badge_page;
pub mod bake;
pub mod canon;
pub mod contexts;
pub mod did;
pub mod integrity;
pub mod json;
pub mod jsonld;
pub mod keys;
pub mod model;
#[cfg(feature = "net")]
pub mod net;
pub mod presentation;
pub mod status;
pub mod verify;
