//! One module per subcommand, each with a short `run`.

pub mod award;
pub mod bake;
pub mod build;
pub mod check;
pub mod holder;
pub mod init;
pub mod keygen;
pub mod notify;
pub mod reissue;
pub mod serve;
pub mod sign;
pub mod status;
pub mod verify;
