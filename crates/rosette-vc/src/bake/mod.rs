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
    /// A PNG: the credential is an `iTXt` chunk ([`png`]).
    Png,
    /// An SVG: the credential is an `<openbadges:credential>` element ([`svg`]).
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
    /// [`unbake`] was given bytes that start with neither the PNG signature nor, in their first
    /// 4 KiB, an `<svg` tag.
    #[error("the image is neither a PNG nor an SVG")]
    UnknownFormat,
    /// The credential to bake is the empty string.
    #[error("the credential to bake is empty")]
    EmptyCredential,
    /// Unbaking found no Open Badges 3.0 credential, only an Open Badges 2.0 (or 1.x) assertion,
    /// which rosette does not read. The field names where it was found: a PNG `openbadges` text
    /// chunk or an SVG `openbadges:assertion` element.
    #[error(
        "the image carries an Open Badges 2.0 assertion, not an Open Badges 3.0 credential \
         ({0})"
    )]
    OpenBadges2(&'static str),
    /// Baking was refused because the image already carries an Open Badges 2.0 assertion (the
    /// field names where), and the result would carry two badges: bake into the unbaked image.
    #[error(
        "the image already carries an Open Badges 2.0 assertion ({0}); bake into the original, \
         unbaked image"
    )]
    AlreadyBakedOb2(&'static str),

    // PNG
    /// The bytes do not start with the PNG signature ([`png::SIGNATURE`]).
    #[error("not a PNG image (it does not start with the PNG signature)")]
    NotPng,
    /// The PNG ends before its `IEND` chunk: inside a chunk, or where the next one should start.
    #[error("the PNG is truncated: it ends at byte {len}, inside or before a chunk, before IEND")]
    Truncated {
        /// The length of the image, in bytes.
        len: usize,
    },
    /// The first chunk of the PNG is not `IHDR`, which PNG requires first.
    #[error("the PNG does not start with an IHDR chunk")]
    MissingIhdr,
    /// A chunk type is not four ASCII letters, so the chunk boundaries cannot be trusted.
    #[error("the PNG has an invalid chunk type at byte {offset}")]
    BadChunkType {
        /// Where the chunk type starts in the file.
        offset: usize,
    },
    /// A chunk's length field claims more than [`MAX_PNG_CHUNK_LEN`] bytes; the chunk is refused
    /// before any of it is read.
    #[error("the PNG chunk `{chunk}` at byte {offset} claims {len} bytes, more than the 16 MiB limit")]
    ChunkTooLarge {
        /// The chunk type (`IDAT`, `iTXt`, …).
        chunk: String,
        /// Where the chunk starts in the file (its length field).
        offset: usize,
        /// The length the chunk claims, in bytes.
        len: u64,
    },
    /// A chunk's stored CRC-32 does not match its type and data: the file is corrupted.
    #[error("the PNG chunk `{chunk}` at byte {offset} is corrupted: its CRC-32 does not match")]
    BadCrc {
        /// The chunk type.
        chunk: String,
        /// Where the chunk starts in the file (its length field).
        offset: usize,
    },
    /// The `openbadgecredential` chunk does not follow the `iTXt` layout (PNG §11.3.3.4): it
    /// ends early, names a compression method other than 0, or lacks a NUL terminator.
    #[error("the `openbadgecredential` iTXt chunk at byte {offset} is malformed: {reason}")]
    MalformedItxt {
        /// Where the chunk starts in the file (its length field).
        offset: usize,
        /// What is wrong with it, in words.
        reason: &'static str,
    },
    /// The `openbadgecredential` chunk sets its compression flag. Open Badges 3.0 wants the
    /// credential uncompressed, and rosette never inflates it.
    #[error("compressed iTXt is not allowed by Open Badges 3.0")]
    CompressedItxt,
    /// The text of the `openbadgecredential` chunk is not UTF-8.
    #[error("the baked credential is not valid UTF-8")]
    CredentialNotUtf8,
    /// The credential to bake does not fit in one PNG chunk of at most [`MAX_PNG_CHUNK_LEN`]
    /// bytes.
    #[error("the credential is {len} bytes, more than a 16 MiB PNG chunk can carry")]
    CredentialTooLarge {
        /// The length of the credential, in bytes.
        len: usize,
    },

    // SVG
    /// An image that looks like an SVG is not UTF-8 text.
    #[error("the SVG is not UTF-8 text")]
    SvgNotUtf8,
    /// The SVG to read, or the one baking would produce, is larger than [`MAX_SVG_LEN`].
    #[error("the SVG is {len} bytes, more than the 32 MiB limit")]
    SvgTooLarge {
        /// The length of that SVG, in bytes.
        len: usize,
    },
    /// The SVG is not well-formed XML: the XML reader failed, or the document has no root, a
    /// second root, text outside the root, or ends before its root is closed.
    #[error("the SVG is not well-formed XML (at byte {position}): {message}")]
    Xml {
        /// The byte offset at which the problem was found.
        position: u64,
        /// What is wrong, as the XML reader or the check says it.
        message: String,
    },
    /// The SVG's DOCTYPE has an internal subset, where entities would be declared: it is refused
    /// rather than parsed.
    #[error(
        "the SVG declares entities in its DOCTYPE; baked images are read without DTDs, so it is \
         refused"
    )]
    Dtd,
    /// The root element is not `<svg>` in the SVG namespace; the field is its qualified name.
    #[error("the document's root element is `{0}`, not an SVG `<svg>` element")]
    NotSvg(String),
    /// Baking would declare the prefix `openbadges`, but the root element binds it to another
    /// namespace (the field).
    #[error("the SVG already binds the prefix `openbadges` to `{0}`, not to `{OB3_NAMESPACE}`")]
    PrefixTaken(String),
    /// The credential element has a `verify` attribute: the credential is a VC-JWT, and rosette
    /// reads only embedded Data Integrity proofs.
    #[error(
        "the baked credential is a VC-JWT (`verify` attribute); JWT proofs are not supported, \
         only embedded Data Integrity proofs"
    )]
    JwtProof,
    /// The credential element holds nothing but whitespace, or only empty CDATA sections.
    #[error("the `openbadges:credential` element is empty")]
    EmptyElement,
    /// The credential element contains a child element (its qualified name in the field).
    #[error(
        "the `openbadges:credential` element contains markup (`<{0}>`); it must hold only the credential"
    )]
    MarkupInCredential(String),
    /// The credential element holds a CDATA section and, beside it, text other than whitespace.
    #[error("the `openbadges:credential` element has text outside its CDATA section")]
    TextOutsideCdata,
    /// The credential element's text uses an entity other than XML's five predefined ones (its
    /// name in the field); no other entity is ever resolved.
    #[error("the `openbadges:credential` element uses the undefined entity `&{0};`")]
    UndefinedEntity(String),
    /// The credential to bake contains a character XML 1.0 cannot carry, such as a control
    /// character other than tab, line feed and carriage return; the field is its code point.
    #[error("the credential contains U+{0:04X}, a character XML cannot carry")]
    NotXmlChar(u32),

    // Bake bases (`base`)
    /// [`base::fill_png`] was given a PNG that is not a bake base; the field says why (it
    /// already carries a credential).
    #[error("not a PNG bake base: {0}")]
    NotABakeBase(&'static str),
    /// [`base::fill_svg`] was given an SVG that does not hold [`base::SVG_MARKER`] exactly once.
    #[error("not an SVG bake template: it does not hold the credential marker exactly once")]
    NotABakeTemplate,
    /// [`base::svg_template`] was given an SVG that already contains [`base::SVG_MARKER`], so
    /// the template would not hold it exactly once.
    #[error(
        "the SVG contains the text `{marker}`, which stands for the credential in a bake template",
        marker = base::SVG_MARKER
    )]
    MarkerInImage,
}
