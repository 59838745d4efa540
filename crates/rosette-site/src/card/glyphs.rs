//! Drawing the card's text: shaped with harfrust, each glyph rasterized once by tiny-skia and
//! then blended from a cache.
//!
//! Cards differ only in a few words, and every build draws thousands of them. usvg laid out
//! and filled every glyph outline of every card again, which was half of a card's cost. Here a
//! glyph is filled once per face, size and quarter-pixel offset, as an 8-bit coverage mask, and
//! a card blends those masks into its pixels. Shaping (kerning, ligatures) is harfrust's, the
//! shaper usvg itself uses; the outlines are skrifa's; the fill is tiny-skia's anti-aliasing.
//!
//! Fallback follows the same rule as the SVG: the Latin face when it has the character, else the
//! CJK face of the same weight.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use harfrust::{ShapeOptions, ShaperData, UnicodeBuffer};
use resvg::tiny_skia;
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, GlyphId, MetadataProvider as _};

use super::encode::Area;
use super::{CJK_BOLD, CJK_REGULAR, LATIN_BOLD, LATIN_REGULAR, Rgb};

/// Glyphs are placed at quarter pixels: at most 1/8 px from where the shaper put them.
const SUBPIXELS: f32 = 4.0;
/// The cache is emptied when it holds this many glyphs, so that a site of names in many
/// scripts cannot grow it without bound (a Latin site needs a few hundred).
const MAX_CACHED: usize = 8192;

/// The four embedded faces: Latin and CJK, Regular and Bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Face {
    LatinRegular,
    LatinBold,
    CjkRegular,
    CjkBold,
}

impl Face {
    const ALL: [Face; 4] = [Face::LatinRegular, Face::LatinBold, Face::CjkRegular, Face::CjkBold];

    /// The parsed font.
    pub(super) fn font(self) -> &'static FontRef<'static> {
        &fonts().faces[self as usize]
    }

    fn data(self) -> &'static [u8] {
        match self {
            Face::LatinRegular => LATIN_REGULAR,
            Face::LatinBold => LATIN_BOLD,
            Face::CjkRegular => CJK_REGULAR,
            Face::CjkBold => CJK_BOLD,
        }
    }

    /// The face that draws and measures `c` in a line of this weight: the Latin face when it
    /// has the character (or neither face has it), else the CJK face.
    pub(super) fn for_char(c: char, bold: bool) -> Face {
        let (latin, cjk) =
            if bold { (Face::LatinBold, Face::CjkBold) } else { (Face::LatinRegular, Face::CjkRegular) };
        if latin.glyph(c).is_some() || cjk.glyph(c).is_none() { latin } else { cjk }
    }

    /// The glyph this face maps `c` to, if any.
    pub(super) fn glyph(self, c: char) -> Option<GlyphId> {
        fonts().charmaps[self as usize].map(c)
    }
}

/// The parsed faces and their character maps, shared by every thread.
struct Fonts {
    faces: [FontRef<'static>; 4],
    charmaps: [Charmap<'static>; 4],
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let faces = Face::ALL
            .map(|face| FontRef::new(face.data()).expect("the embedded fonts parse (a unit test checks)"));
        let charmaps = std::array::from_fn(|i| faces[i].charmap());
        Fonts { faces, charmaps }
    })
}

/// A glyph's coverage, as tiny-skia fills it: `alpha` is `width` × `height`, its top-left
/// corner `left`, `top` pixels from the pen position on the baseline.
struct Coverage {
    left: i32,
    top: i32,
    width: usize,
    alpha: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct GlyphKey {
    face: Face,
    glyph: u32,
    size: u32,
    subpixel: u8,
}

/// What each thread keeps between cards: shaping tables and rasterized glyphs.
struct Cache {
    shapers: Vec<ShaperData>,
    glyphs: HashMap<GlyphKey, Coverage>,
}

thread_local! {
    static CACHE: RefCell<Option<Cache>> = const { RefCell::new(None) };
}

/// An RGB canvas of the card's size, and the area the text changed on it.
pub(super) struct Canvas<'a> {
    pub rgb: &'a mut [u8],
    pub width: usize,
    pub height: usize,
    /// The pixels changed, if any was: rows and columns.
    pub changed: Option<Area>,
}

impl Canvas<'_> {
    fn touch(&mut self, rows: Range<usize>, columns: Range<usize>) {
        self.changed = Some(match self.changed.take() {
            None => (rows, columns),
            Some((r, c)) => (
                r.start.min(rows.start)..r.end.max(rows.end),
                c.start.min(columns.start)..c.end.max(columns.end),
            ),
        });
    }

    /// Fills a rectangle of whole pixels.
    pub fn fill_rect(&mut self, x: usize, y: usize, width: usize, height: usize, colour: Rgb) {
        let (x1, y1) = ((x + width).min(self.width), (y + height).min(self.height));
        if x >= x1 || y >= y1 {
            return;
        }
        for row in y..y1 {
            for px in self.rgb[(row * self.width + x) * 3..(row * self.width + x1) * 3].chunks_exact_mut(3) {
                px.copy_from_slice(&[colour.0, colour.1, colour.2]);
            }
        }
        self.touch(y..y1, x..x1);
    }

    /// Blends `colour` over the canvas through a coverage mask placed at (`x`, `y`).
    fn blend(&mut self, coverage: &Coverage, x: i32, y: i32, colour: Rgb) {
        let colour = [u32::from(colour.0), u32::from(colour.1), u32::from(colour.2)];
        let (mut top, mut bottom, mut left, mut right) = (usize::MAX, 0, usize::MAX, 0);
        for (row, alphas) in coverage.alpha.chunks_exact(coverage.width).enumerate() {
            let cy = y + coverage.top + row as i32;
            let Ok(cy) = usize::try_from(cy) else { continue };
            if cy >= self.height {
                break;
            }
            for (column, &alpha) in alphas.iter().enumerate() {
                let cx = x + coverage.left + column as i32;
                let Ok(cx) = usize::try_from(cx) else { continue };
                if alpha == 0 || cx >= self.width {
                    continue;
                }
                let (a, keep) = (u32::from(alpha), 255 - u32::from(alpha));
                let at = (cy * self.width + cx) * 3;
                for (channel, &c) in self.rgb[at..at + 3].iter_mut().zip(&colour) {
                    *channel = ((u32::from(*channel) * keep + c * a + 127) / 255) as u8;
                }
                top = top.min(cy);
                bottom = bottom.max(cy + 1);
                left = left.min(cx);
                right = right.max(cx + 1);
            }
        }
        if top < bottom {
            self.touch(top..bottom, left..right);
        }
    }
}

/// Draws one line of text with its pen starting at (`x`, `baseline`), `spacing` pixels added
/// after each character but the last.
pub(super) fn draw_line(
    canvas: &mut Canvas<'_>,
    text: &str,
    (x, baseline): (f32, f32),
    size: f32,
    bold: bool,
    spacing: f32,
    colour: Rgb,
) {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let cache = cache.get_or_insert_with(|| Cache {
            shapers: Face::ALL.iter().map(|&face| ShaperData::new(face.font())).collect(),
            glyphs: HashMap::new(),
        });
        let glyphs = shape(&cache.shapers, text, size, bold, spacing);
        if cache.glyphs.len() + glyphs.len() > MAX_CACHED {
            cache.glyphs.clear();
        }
        for glyph in glyphs {
            let (pen_x, pen_y) = (x + glyph.x, baseline - glyph.y);
            let whole = pen_x.floor();
            let mut subpixel = ((pen_x - whole) * SUBPIXELS).round();
            let mut left = whole as i32;
            if subpixel >= SUBPIXELS {
                subpixel = 0.0;
                left += 1;
            }
            let key = GlyphKey {
                face: glyph.face,
                glyph: glyph.id.to_u32(),
                size: size.to_bits(),
                subpixel: subpixel as u8,
            };
            let coverage = cache
                .glyphs
                .entry(key)
                .or_insert_with(|| rasterize(glyph.face, glyph.id, size, subpixel / SUBPIXELS));
            canvas.blend(coverage, left, pen_y.round() as i32, colour);
        }
    });
}

/// A glyph placed on a line: its pen offset from the line's start, in pixels (y up).
struct Placed {
    face: Face,
    id: GlyphId,
    x: f32,
    y: f32,
}

/// Shapes `text` in runs of one face each.
fn shape(shapers: &[ShaperData], text: &str, size: f32, bold: bool, spacing: f32) -> Vec<Placed> {
    let mut runs: Vec<(Face, &str)> = Vec::new();
    let mut start = 0;
    let mut current = None;
    for (at, c) in text.char_indices() {
        let face = Face::for_char(c, bold);
        if current.is_some_and(|f| f != face) {
            runs.push((current.unwrap_or(face), &text[start..at]));
            start = at;
        }
        current = Some(face);
    }
    if let Some(face) = current {
        runs.push((face, &text[start..]));
    }

    let mut placed = Vec::new();
    let mut pen = 0.0;
    let characters = text.chars().count();
    let mut seen = 0;
    for (face, run) in runs {
        let font = face.font();
        let scale =
            size / f32::from(font.metrics(Size::unscaled(), LocationRef::default()).units_per_em.max(1));
        let shaper = shapers[face as usize].shaper(font).build();
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(run);
        buffer.guess_segment_properties();
        let output = shaper.shape(buffer, ShapeOptions::new());
        let infos = output.glyph_infos();
        for (i, (info, position)) in infos.iter().zip(output.glyph_positions()).enumerate() {
            placed.push(Placed {
                face,
                id: GlyphId::new(info.glyph_id),
                x: pen + position.x_offset as f32 * scale,
                y: position.y_offset as f32 * scale,
            });
            pen += position.x_advance as f32 * scale;
            // Letter spacing goes after each character (cluster), as in SVG and CSS.
            let cluster_ends = infos.get(i + 1).is_none_or(|next| next.cluster != info.cluster);
            if cluster_ends {
                let end = infos.get(i + 1).map_or(run.len(), |next| next.cluster as usize);
                seen += run.get(info.cluster as usize..end).map_or(1, |s| s.chars().count());
                if seen < characters {
                    pen += spacing;
                }
            }
        }
    }
    placed
}

/// Fills a glyph's outline at `size`, moved `offset` pixels right, into a coverage mask.
fn rasterize(face: Face, glyph: GlyphId, size: f32, offset: f32) -> Coverage {
    let empty = Coverage { left: 0, top: 0, width: 1, alpha: vec![0] };
    let Some(outline) = face.font().outline_glyphs().get(glyph) else {
        return empty;
    };
    let mut pen = Pen(tiny_skia::PathBuilder::new());
    if outline.draw(DrawSettings::unhinted(Size::new(size), LocationRef::default()), &mut pen).is_err() {
        return empty;
    }
    let Some(path) = pen.0.finish() else {
        return empty;
    };
    let bounds = path.bounds();
    // A pixel of margin for anti-aliasing on every side.
    let left = (bounds.left() + offset).floor() as i32 - 1;
    let top = bounds.top().floor() as i32 - 1;
    let width = ((bounds.right() + offset).ceil() as i32 + 1 - left).max(1) as u32;
    let height = (bounds.bottom().ceil() as i32 + 1 - top).max(1) as u32;
    let Some(mut mask) = tiny_skia::Mask::new(width, height) else {
        return empty;
    };
    let shift = tiny_skia::Transform::from_translate(offset - left as f32, -(top as f32));
    mask.fill_path(&path, tiny_skia::FillRule::Winding, true, shift);
    Coverage { left, top, width: width as usize, alpha: mask.data().to_vec() }
}

/// Collects a glyph outline as a tiny-skia path, y pointing down as on the canvas.
struct Pen(tiny_skia::PathBuilder);

impl OutlinePen for Pen {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, -y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, -y);
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.0.quad_to(cx0, -cy0, x, -y);
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.0.cubic_to(cx0, -cy0, cx1, -cy1, x, -y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}
