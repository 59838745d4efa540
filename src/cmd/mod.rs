//! One module per subcommand, each with a short `run`.

pub mod keygen;
pub mod sign;
pub mod verify;
