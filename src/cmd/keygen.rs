//! `rosette keygen`: a new Ed25519 key, and with `--rotate`, its place in rosette.toml.

use crate::cli::KeygenArgs;
use crate::error::{CliError, Exit};
use crate::keys::SecretKey;

pub fn run(args: &KeygenArgs) -> Result<Exit, CliError> {
    let key = SecretKey::generate();
    let public = key.public_key();
    // Check the config can take the key before the secret is written anywhere.
    let rotated = if args.rotate {
        let path = args.root.join("rosette.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| CliError::io_at(&path, "read", &e))?;
        let now = crate::model::date::format_date_time(chrono::Utc::now());
        let (updated, fragment) = rotate(&text, &public.to_multibase(), &now)
            .map_err(|e| CliError::invalid("`rosette.toml` cannot be rotated").caused_by(e))?;
        Some((path, updated, fragment))
    } else {
        None
    };
    crate::fs::create_private(&args.out, key.to_key_file().as_bytes())?;
    println!("public key (Multikey): {}", public.to_multibase());
    println!("did:key verification method: {}", public.did_key_vm());
    crate::ui::status(format!(
        "secret key written to `{}` (readable only by you; never commit it)",
        args.out.display()
    ));
    if let Some((path, updated, fragment)) = rotated {
        crate::fs::write_atomic(&path, updated.as_bytes())?;
        crate::ui::status(format!(
            "rosette.toml: `{fragment}` is now the active key; earlier keys are retired and stay published"
        ));
    }
    Ok(Exit::Ok)
}

/// Adds a new active key to the text of rosette.toml and retires the active ones, keeping
/// every comment. Returns the new text and the new key's id.
pub fn rotate(text: &str, public_key: &str, now: &str) -> Result<(String, String), String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| e.to_string())?;
    let keys = doc
        .get_mut("keys")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
        .ok_or("rosette.toml has no [[keys]] to rotate")?;
    let mut n = keys.len() + 1;
    let ids: Vec<String> =
        keys.iter().filter_map(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_string)).collect();
    while ids.contains(&format!("key-{n}")) {
        n += 1;
    }
    for table in keys.iter_mut() {
        let active = table.get("status").and_then(|v| v.as_str()).is_none_or(|s| s == "active");
        if active {
            table["status"] = toml_edit::value("retired");
            table["retired"] = toml_edit::value(now);
        }
    }
    let fragment = format!("key-{n}");
    let mut table = toml_edit::Table::new();
    table["id"] = toml_edit::value(fragment.clone());
    table["public_key"] = toml_edit::value(public_key);
    table["status"] = toml_edit::value("active");
    table["valid_from"] = toml_edit::value(now);
    keys.push(table);
    Ok((doc.to_string(), fragment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_retires_the_active_key_and_keeps_comments() {
        let text = "# my site\nbase_url = \"https://x.org/\"\ntitle = \"t\"\n[issuer]\nname = \"n\"\n# the key\n[[keys]]\nid = \"key-1\"\npublic_key = \"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\"\nstatus = \"active\"\n";
        let (out, id) =
            rotate(text, "z6MkpXRVUrbhjq21h2f5reGLZcCKosAZJ9ViLxyYcUgi7Gn2", "2026-01-01T00:00:00Z")
                .expect("rotate");
        assert_eq!(id, "key-2");
        assert!(out.contains("# the key"));
        let config = crate::config::Config::parse(&out).expect("still valid");
        let keys = config.site_keys().expect("keys");
        assert_eq!(keys[0].status, crate::config::KeyStatus::Retired);
        assert_eq!(keys[1].status, crate::config::KeyStatus::Active);
    }
}
