//! One module per subcommand, each with a short `run`.

pub mod build;
pub mod keygen;
pub mod sign;
pub mod verify;
