//! rosette: sign, verify and publish Open Badges 3.0 credentials.

pub mod canon;
pub mod contexts;
pub mod jsonld;
