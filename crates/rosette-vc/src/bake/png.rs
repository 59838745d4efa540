//! Baking into PNG: one `iTXt` chunk with the keyword `openbadgecredential`.
//!
//! Follows [Open Badges 3.0 §Baked Badge, PNG][baking]: the chunk is uncompressed (compression
//! flag 0, method 0), its language tag and translated keyword are empty, and its text is the
//! credential. The chunk layout and CRC-32 are those of [PNG §11.3.3.4 iTXt][itxt] and
//! [PNG §5.3 Chunk layout][layout]. The chunk goes right after `IHDR`, as the Mozilla and
//! Concentric Sky bakers place it.
//!
//! Reading walks every chunk up to `IEND`, checking lengths (at most [`MAX_PNG_CHUNK_LEN`])
//! and CRCs; it never inflates `IDAT`, `zTXt` or a compressed `iTXt`, so a decompression bomb
//! costs nothing.
//!
//! [baking]: https://www.imsglobal.org/spec/ob/v3p0/#baked-badge
//! [itxt]: https://www.w3.org/TR/png-3/#11iTXt
//! [layout]: https://www.w3.org/TR/png-3/#5Chunk-layout

use super::{BakeError, MAX_PNG_CHUNK_LEN, OB2_PNG_KEYWORD, PNG_KEYWORD};

/// The eight bytes every PNG starts with ([PNG §5.2](https://www.w3.org/TR/png-3/#5PNG-file-signature)).
pub const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Bytes of an iTXt chunk's data besides keyword and text: NUL, compression flag and method,
/// empty language tag's NUL, empty translated keyword's NUL.
const ITXT_OVERHEAD: usize = 5;

/// Bakes `credential` into the PNG `image`: returns a new PNG with one `openbadgecredential`
/// `iTXt` chunk right after `IHDR`.
///
/// An `openbadgecredential` chunk already there is replaced, not duplicated. Bytes after
/// `IEND` are dropped. The image is refused if it is not a well-formed PNG (bad signature,
/// length or CRC) or if it already carries an Open Badges 2.0 assertion.
pub fn bake(image: &[u8], credential: &str) -> Result<Vec<u8>, BakeError> {
    let data = credential_data(credential)?;
    let chunks = chunks(image)?;
    if chunks.iter().any(Chunk::is_ob2) {
        return Err(BakeError::AlreadyBakedOb2(OB2_CHUNK));
    }

    let mut out = Vec::with_capacity(image.len() + data.len() + 12);
    out.extend_from_slice(SIGNATURE);
    for (i, chunk) in chunks.iter().enumerate() {
        if chunk.keyword_is(PNG_KEYWORD) {
            continue;
        }
        out.extend_from_slice(chunk.raw);
        if i == 0 {
            write_chunk(&mut out, b"iTXt", &data);
        }
    }
    Ok(out)
}

/// How errors name an Open Badges 2.0 chunk.
pub(super) const OB2_CHUNK: &str = "a PNG `openbadges` text chunk";

/// The data of the `openbadgecredential` iTXt chunk that carries `credential` (PNG §11.3.3.4):
/// keyword, NUL, compression flag 0, compression method 0, empty language tag and translated
/// keyword (each NUL-terminated), then the text.
pub(super) fn credential_data(credential: &str) -> Result<Vec<u8>, BakeError> {
    if credential.is_empty() {
        return Err(BakeError::EmptyCredential);
    }
    let data_len = PNG_KEYWORD.len() + ITXT_OVERHEAD + credential.len();
    if data_len > MAX_PNG_CHUNK_LEN {
        return Err(BakeError::CredentialTooLarge { len: credential.len() });
    }
    let mut data = Vec::with_capacity(data_len);
    data.extend_from_slice(PNG_KEYWORD.as_bytes());
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(credential.as_bytes());
    Ok(data)
}

/// Reads the credential baked into the PNG `image`: the text of the first `iTXt` chunk with
/// the keyword `openbadgecredential`.
///
/// `Ok(None)` means no credential is baked in. An image that has only an Open Badges 2.0
/// `openbadges` chunk is [`BakeError::OpenBadges2`]; a compressed credential chunk is
/// [`BakeError::CompressedItxt`]. The whole file is checked up to `IEND`, so a truncated or
/// corrupted image is an error even when the credential chunk itself is intact.
pub fn unbake(image: &[u8]) -> Result<Option<String>, BakeError> {
    let chunks = chunks(image)?;
    let mut seen_ob2 = false;
    for chunk in &chunks {
        if chunk.keyword_is(PNG_KEYWORD) {
            return read_credential(chunk).map(Some);
        }
        seen_ob2 |= chunk.is_ob2();
    }
    if seen_ob2 {
        return Err(BakeError::OpenBadges2(OB2_CHUNK));
    }
    Ok(None)
}

/// One chunk of a PNG, borrowed from the file.
pub(super) struct Chunk<'a> {
    /// Where the chunk starts in the file (its length field).
    offset: usize,
    kind: [u8; 4],
    data: &'a [u8],
    /// The whole chunk: length, type, data and CRC.
    pub(super) raw: &'a [u8],
}

impl Chunk<'_> {
    /// The keyword of a `tEXt`, `zTXt` or `iTXt` chunk (PNG §11.3.3: 1–79 bytes, then NUL).
    fn keyword(&self) -> Option<&[u8]> {
        if !matches!(&self.kind, b"tEXt" | b"zTXt" | b"iTXt") {
            return None;
        }
        let end = self.data.iter().take(80).position(|&b| b == 0)?;
        Some(&self.data[..end])
    }

    /// An `iTXt` chunk with this keyword.
    pub(super) fn keyword_is(&self, keyword: &str) -> bool {
        &self.kind == b"iTXt" && self.keyword() == Some(keyword.as_bytes())
    }

    /// An Open Badges 2.0 `iTXt` or 1.x `tEXt` chunk.
    pub(super) fn is_ob2(&self) -> bool {
        matches!(&self.kind, b"iTXt" | b"tEXt") && self.keyword() == Some(OB2_PNG_KEYWORD.as_bytes())
    }
}

/// Splits a PNG into its chunks, from `IHDR` to `IEND` inclusive, checking the signature and
/// each chunk's type, length and CRC.
pub(super) fn chunks(image: &[u8]) -> Result<Vec<Chunk<'_>>, BakeError> {
    if !image.starts_with(SIGNATURE) {
        return Err(BakeError::NotPng);
    }
    let truncated = BakeError::Truncated { len: image.len() };
    let mut chunks = Vec::new();
    let mut offset = SIGNATURE.len();
    loop {
        let header = image.get(offset..offset + 8).ok_or_else(|| truncated.clone())?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = [header[4], header[5], header[6], header[7]];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(BakeError::BadChunkType { offset: offset + 4 });
        }
        let name = String::from_utf8_lossy(&kind).into_owned();
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > MAX_PNG_CHUNK_LEN {
            return Err(BakeError::ChunkTooLarge { chunk: name, offset, len: len as u64 });
        }
        // len ≤ 16 MiB, so these additions cannot overflow.
        let end = offset + 12 + len;
        let raw = image.get(offset..end).ok_or_else(|| truncated.clone())?;
        let data = &raw[8..8 + len];
        let stored = u32::from_be_bytes([raw[8 + len], raw[9 + len], raw[10 + len], raw[11 + len]]);
        if crc32fast::hash(&raw[4..8 + len]) != stored {
            return Err(BakeError::BadCrc { chunk: name, offset });
        }
        if chunks.is_empty() && &kind != b"IHDR" {
            return Err(BakeError::MissingIhdr);
        }
        chunks.push(Chunk { offset, kind, data, raw });
        if &kind == b"IEND" {
            return Ok(chunks);
        }
        offset = end;
    }
}

/// Parses an `openbadgecredential` iTXt chunk (PNG §11.3.3.4): keyword, NUL, compression flag,
/// compression method, language tag, NUL, translated keyword, NUL, text.
fn read_credential(chunk: &Chunk<'_>) -> Result<String, BakeError> {
    let malformed = |reason| BakeError::MalformedItxt { offset: chunk.offset, reason };
    let rest = chunk.data.get(PNG_KEYWORD.len() + 1..).unwrap_or_default();
    let [flag, method, rest @ ..] = rest else {
        return Err(malformed("it ends before the compression flag and method"));
    };
    if *flag != 0 {
        return Err(BakeError::CompressedItxt);
    }
    if *method != 0 {
        return Err(malformed("the compression method is not 0"));
    }
    let after_nul = |bytes: &'static str, rest: &[u8]| -> Result<usize, BakeError> {
        rest.iter().position(|&b| b == 0).map(|i| i + 1).ok_or(malformed(bytes))
    };
    let lang_end = after_nul("the language tag has no NUL terminator", rest)?;
    let rest = &rest[lang_end..];
    let translated_end = after_nul("the translated keyword has no NUL terminator", rest)?;
    let text = &rest[translated_end..];
    String::from_utf8(text.to_vec()).map_err(|_| BakeError::CredentialNotUtf8)
}

/// Appends one chunk: length, type, data, CRC-32 of type and data.
pub fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 grey PNG: IHDR, IDAT, IEND.
    fn tiny_png() -> Vec<u8> {
        let mut png = SIGNATURE.to_vec();
        write_chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        write_chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
        write_chunk(&mut png, b"IEND", &[]);
        png
    }

    #[test]
    fn bakes_right_after_ihdr_with_the_exact_itxt_layout() {
        let baked = bake(&tiny_png(), "{}").expect("bakes");
        let chunks = chunks(&baked).expect("valid PNG");
        let kinds: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.kind).collect();
        assert_eq!(kinds, [b"IHDR", b"iTXt", b"IDAT", b"IEND"]);
        assert_eq!(chunks[1].data, b"openbadgecredential\0\0\0\0\0{}");
    }

    #[test]
    fn rebaking_replaces_the_credential() {
        let once = bake(&tiny_png(), "{\"a\":1}").expect("bakes");
        let twice = bake(&once, "{\"b\":2}").expect("re-bakes");
        let count = chunks(&twice).expect("valid").iter().filter(|c| c.keyword_is(PNG_KEYWORD)).count();
        assert_eq!(count, 1);
        assert_eq!(unbake(&twice).expect("reads").as_deref(), Some("{\"b\":2}"));
    }

    #[test]
    fn an_unbaked_png_has_no_credential() {
        assert_eq!(unbake(&tiny_png()), Ok(None));
    }

    #[test]
    fn compressed_credential_is_refused() {
        let mut png = SIGNATURE.to_vec();
        write_chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        write_chunk(&mut png, b"iTXt", b"openbadgecredential\0\x01\0\0\0x\x9c");
        write_chunk(&mut png, b"IEND", &[]);
        let err = unbake(&png).expect_err("compressed");
        assert_eq!(err.to_string(), "compressed iTXt is not allowed by Open Badges 3.0");
    }

    #[test]
    fn missing_terminators_are_malformed_not_panics() {
        for data in
            [&b"openbadgecredential\0"[..], b"openbadgecredential\0\0\0en", b"openbadgecredential\0\0\0\0x"]
        {
            let mut png = SIGNATURE.to_vec();
            write_chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
            write_chunk(&mut png, b"iTXt", data);
            write_chunk(&mut png, b"IEND", &[]);
            assert!(matches!(unbake(&png), Err(BakeError::MalformedItxt { .. })), "{data:?}");
        }
    }

    #[test]
    fn a_giant_length_is_refused_before_reading() {
        let mut png = tiny_png();
        // IHDR's length field is at byte 8.
        png[8..12].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        let err = unbake(&png).expect_err("giant");
        assert!(
            matches!(err, BakeError::ChunkTooLarge { ref chunk, offset: 8, .. } if chunk == "IHDR"),
            "{err}"
        );
    }
}
