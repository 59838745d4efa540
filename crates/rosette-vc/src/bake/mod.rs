//! Baked badges: an Open Badges 3.0 credential carried inside its own PNG or SVG image.
//!
//! Implements [Open Badges 3.0 §Baked Badge][baking] (`ob_v3p0/docformat.md`): a PNG gets one
//! uncompressed `iTXt` chunk with the keyword `openbadgecredential` ([`png`]); an SVG gets an
//! `<openbadges:credential>` element in the `https://purl.imsglobal.org/ob/v3p0` namespace right
//! after its `<svg>` start tag, with the credential JSON in a CDATA section ([`svg`]).
//!
//! [`base`] prepares an image once (the PNG without a credential, an SVG template) so that
//! baking is a splice that the badge page can also do in the browser.
//!
//! Everything here is pure: bytes or strings in, bytes or strings out, no files. Readers are
//! bounded ([`MAX_PNG_CHUNK_LEN`], [`MAX_SVG_LEN`]), decompress nothing, resolve no XML entity
//! or DTD, and return an error rather than panic on any input.
//!
//! Images baked the Open Badges 2.0 way (PNG keyword `openbadges`, SVG namespace
//! `http://openbadges.org`, [OB 2.0 Baking][ob2]) are recognised and reported as such
//! ([`BakeError::OpenBadges2`]), never mistaken for an OB 3.0 credential.
//!
//! [baking]: https://www.imsglobal.org/spec/ob/v3p0/#baked-badge
//! [ob2]: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html

pub mod base;
pub mod png;
pub mod svg;

/// The PNG `iTXt` keyword of an Open Badges 3.0 credential.
pub const PNG_KEYWORD: &str = "openbadgecredential";
/// The PNG `iTXt`/`tEXt` keyword of an Open Badges 2.0 (or 1.x) assertion.
pub const OB2_PNG_KEYWORD: &str = "openbadges";
/// The XML namespace of the SVG `credential` element (Open Badges 3.0).
pub const OB3_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";
/// The XML namespace of the SVG `assertion` element (Open Badges 2.0).
pub const OB2_NAMESPACE: &str = "http://openbadges.org";
/// The largest PNG chunk read or written: 16 MiB (a credential with embedded images fits).
pub const MAX_PNG_CHUNK_LEN: usize = 16 * 1024 * 1024;
/// The largest SVG document read or written: 32 MiB.
pub const MAX_SVG_LEN: usize = 32 * 1024 * 1024;

/// The image formats that can carry a baked credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    /// Tells PNG from SVG by content: the PNG signature, else UTF-8 text with an `<svg` tag.
    pub fn sniff(image: &[u8]) -> Option<ImageFormat> {
        if image.starts_with(png::SIGNATURE) {
            return Some(ImageFormat::Png);
        }
        let head = &image[..image.len().min(4096)];
        let text = match std::str::from_utf8(head) {
            Ok(text) => text,
            // The 4 KiB cut may split a multi-byte character: judge the part before it.
            Err(err) if err.error_len().is_none() => {
                std::str::from_utf8(&head[..err.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return None,
        };
        text.contains("<svg").then_some(ImageFormat::Svg)
    }
}

/// Reads the credential baked into a PNG or SVG image, whichever `image` is.
///
/// `Ok(None)` means the image carries no credential at all; an image that carries only an
/// Open Badges 2.0 assertion is [`BakeError::OpenBadges2`].
pub fn unbake(image: &[u8]) -> Result<Option<String>, BakeError> {
    match ImageFormat::sniff(image) {
        Some(ImageFormat::Png) => png::unbake(image),
        Some(ImageFormat::Svg) => {
            let text = std::str::from_utf8(image).map_err(|_| BakeError::SvgNotUtf8)?;
            svg::unbake(text)
        }
        None => Err(BakeError::UnknownFormat),
    }
}

/// Why an image could not be baked or unbaked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BakeError {
    #[error("the image is neither a PNG nor an SVG")]
    UnknownFormat,
    #[error("the credential to bake is empty")]
    EmptyCredential,
    #[error(
        "the image carries an Open Badges 2.0 assertion, not an Open Badges 3.0 credential \
         ({0})"
    )]
    OpenBadges2(&'static str),
    #[error(
        "the image already carries an Open Badges 2.0 assertion ({0}); bake into the original, \
         unbaked image"
    )]
    AlreadyBakedOb2(&'static str),

    // PNG
    #[error("not a PNG image (it does not start with the PNG signature)")]
    NotPng,
    #[error("the PNG is truncated: it ends at byte {len}, inside or before a chunk, before IEND")]
    Truncated { len: usize },
    #[error("the PNG does not start with an IHDR chunk")]
    MissingIhdr,
    #[error("the PNG has an invalid chunk type at byte {offset}")]
    BadChunkType { offset: usize },
    #[error("the PNG chunk `{chunk}` at byte {offset} claims {len} bytes, more than the 16 MiB limit")]
    ChunkTooLarge { chunk: String, offset: usize, len: u64 },
    #[error("the PNG chunk `{chunk}` at byte {offset} is corrupted: its CRC-32 does not match")]
    BadCrc { chunk: String, offset: usize },
    #[error("the `openbadgecredential` iTXt chunk at byte {offset} is malformed: {reason}")]
    MalformedItxt { offset: usize, reason: &'static str },
    #[error("compressed iTXt is not allowed by Open Badges 3.0")]
    CompressedItxt,
    #[error("the baked credential is not valid UTF-8")]
    CredentialNotUtf8,
    #[error("the credential is {len} bytes, more than a 16 MiB PNG chunk can carry")]
    CredentialTooLarge { len: usize },

    // SVG
    #[error("the SVG is not UTF-8 text")]
    SvgNotUtf8,
    #[error("the SVG is {len} bytes, more than the 32 MiB limit")]
    SvgTooLarge { len: usize },
    #[error("the SVG is not well-formed XML (at byte {position}): {message}")]
    Xml { position: u64, message: String },
    #[error(
        "the SVG declares entities in its DOCTYPE; baked images are read without DTDs, so it is \
         refused"
    )]
    Dtd,
    #[error("the document's root element is `{0}`, not an SVG `<svg>` element")]
    NotSvg(String),
    #[error("the SVG already binds the prefix `openbadges` to `{0}`, not to `{OB3_NAMESPACE}`")]
    PrefixTaken(String),
    #[error(
        "the baked credential is a VC-JWT (`verify` attribute); JWT proofs are not supported, \
         only embedded Data Integrity proofs"
    )]
    JwtProof,
    #[error("the `openbadges:credential` element is empty")]
    EmptyElement,
    #[error(
        "the `openbadges:credential` element contains markup (`<{0}>`); it must hold only the credential"
    )]
    MarkupInCredential(String),
    #[error("the `openbadges:credential` element has text outside its CDATA section")]
    TextOutsideCdata,
    #[error("the `openbadges:credential` element uses the undefined entity `&{0};`")]
    UndefinedEntity(String),
    #[error("the credential contains U+{0:04X}, a character XML cannot carry")]
    NotXmlChar(u32),

    // Bake bases (`base`)
    #[error("not a PNG bake base: {0}")]
    NotABakeBase(&'static str),
    #[error("not an SVG bake template: it does not hold the credential marker exactly once")]
    NotABakeTemplate,
    #[error(
        "the SVG contains the text `{marker}`, which stands for the credential in a bake template",
        marker = base::SVG_MARKER
    )]
    MarkerInImage,
}
