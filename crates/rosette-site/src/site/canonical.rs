//! What an `eddsa-rdfc-2022` proof signed, carried in its badge page: the canonical document
//! and the canonical proof configuration (RDFC-1.0 N-Quads). The browser has no JSON-LD
//! processor, so it checks the signature over these and compares them with the credential
//! the page shows; carrying them in the page means no request per award beyond the page.
//!
//! The form is `base64(zlib(document ++ "\0" ++ proof))`: the browser inflates it with
//! `DecompressionStream('deflate')`. N-Quads never hold a raw NUL (RDFC-1.0 escapes it), so the
//! separator is unambiguous; base64 keeps it safe in an HTML attribute; zlib's Adler-32 makes
//! a damaged copy an error rather than other quads. Compression (8.5 KB of quads to about
//! 2.4 KB in the page) is the fast level: this runs once per award per clean build.

use base64::Engine as _;
use std::io::Write as _;

/// The page form of a proof's canonical document and proof configuration.
pub fn blob(document: &str, proof: &str) -> String {
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity((document.len() + proof.len()) / 3),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = z.write_all(document.as_bytes());
    let _ = z.write_all(b"\0");
    let _ = z.write_all(proof.as_bytes());
    let bytes = z.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The document and proof configuration back from [`blob`] (tests, and `rosette verify URL`).
pub fn unblob(blob: &str) -> Option<(String, String)> {
    use std::io::Read as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(blob.trim()).ok()?;
    let mut text = String::new();
    flate2::read::ZlibDecoder::new(bytes.as_slice()).take(64 << 20).read_to_string(&mut text).ok()?;
    let (document, proof) = text.split_once('\0')?;
    Some((document.to_string(), proof.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let doc = "<https://x.example/a> <https://schema.org/name> \"a \\\"b\\\" </script>\" .\n";
        let proof = "_:c14n0 <http://purl.org/dc/terms/created> \"2024-01-01T00:00:00Z\" .\n";
        let b = blob(doc, proof);
        assert!(b.bytes().all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c)), "{b}");
        assert_eq!(unblob(&b), Some((doc.to_string(), proof.to_string())));
        let mut damaged = b.into_bytes();
        damaged[10] = if damaged[10] == b'A' { b'B' } else { b'A' };
        assert_eq!(unblob(&String::from_utf8(damaged).expect("ascii")), None);
    }
}
