//! rosette: sign, verify and publish Open Badges 3.0 credentials.

pub mod canon;
pub mod cli;
pub mod cmd;
pub mod contexts;
pub mod did;
pub mod error;
pub mod fs;
pub mod integrity;
pub mod jsonld;
pub mod keys;
pub mod model;
pub mod status;
pub mod verify;
