//! `rosette keygen`: a new Ed25519 key.

use crate::cli::KeygenArgs;
use crate::error::{CliError, Exit};
use crate::keys::SecretKey;

pub fn run(args: &KeygenArgs) -> Result<Exit, CliError> {
    let key = SecretKey::generate();
    crate::fs::create_private(&args.out, key.to_key_file().as_bytes())?;
    let public = key.public_key();
    println!("public key (Multikey): {}", public.to_multibase());
    println!("did:key verification method: {}", public.did_key_vm());
    eprintln!("secret key written to `{}` (readable only by you; never commit it)", args.out.display());
    Ok(Exit::Ok)
}
