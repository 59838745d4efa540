//! The card as a PNG file: 8-bit RGB, Paeth on every row, compressed by fdeflate.
//!
//! Filtering is the same arithmetic for every card of an achievement except on the rows its
//! text touches, so the background's filtered rows are made once and each card filters only
//! its own rows (and the one below them, whose Paeth prediction looks up into them). The
//! result holds the filtered rows the `png` crate writes with `Filter::Paeth` and
//! `Compression::Fast`, for the same pixels; unit tests compare them, and decode cards with it.

use std::ops::Range;

use crate::bake::png::{SIGNATURE, write_chunk};

/// `rgb` (rows of `width` pixels) with every row Paeth-filtered, each preceded by its filter
/// type byte (4).
pub(super) fn filter_all(rgb: &[u8], width: usize) -> Vec<u8> {
    let stride = 1 + width * 3;
    let rows = rgb.len() / (width * 3);
    let mut out = vec![4; rows * stride];
    for (row, filtered) in out.chunks_exact_mut(stride).enumerate() {
        refilter(rgb, width, row, 0..width, &mut filtered[1..]);
    }
    out
}

/// Filters the pixels `columns` of `row` again, into that row's filtered bytes (without the
/// filter type byte).
fn refilter(rgb: &[u8], width: usize, row: usize, columns: Range<usize>, filtered: &mut [u8]) {
    let stride = width * 3;
    let line = &rgb[row * stride..(row + 1) * stride];
    let (start, end) = (columns.start * 3, columns.end.min(width) * 3);
    // The first pixel has zeros to its left, the first row zeros above it.
    let left = |i: usize| if i >= 3 { line[i - 3] } else { 0 };
    match row.checked_sub(1) {
        None => {
            for i in start..end {
                filtered[i] = line[i].wrapping_sub(left(i));
            }
        }
        Some(previous) => {
            let above = &rgb[previous * stride..row * stride];
            let mut i = start;
            while i < end.min(3) {
                filtered[i] = line[i].wrapping_sub(paeth(0, above[i], 0));
                i += 1;
            }
            for i in i..end {
                filtered[i] = line[i].wrapping_sub(paeth(line[i - 3], above[i], above[i - 3]));
            }
        }
    }
}

/// The Paeth predictor (PNG §9.4), in the branch-free form of stb_image, which the compiler
/// vectorizes: `a` left, `b` above, `c` above-left.
fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (a, b, c) = (i16::from(a), i16::from(b), i16::from(c));
    let threshold = c * 3 - (a + b);
    let (low, high) = (a.min(b), a.max(b));
    let t0 = if high <= threshold { low } else { c };
    (if threshold <= low { high } else { t0 }) as u8
}

/// A rectangle of pixels: rows and columns.
pub(super) type Area = (Range<usize>, Range<usize>);

/// Encodes `rgb`, a card whose pixels are those of the background that `background` is the
/// [`filter_all`] of, except in `changed`.
pub(super) fn encode(rgb: &[u8], background: &[u8], width: usize, changed: Option<Area>) -> Vec<u8> {
    let stride = 1 + width * 3;
    let height = background.len() / stride;

    let mut compressor =
        fdeflate::Compressor::new(Vec::with_capacity(128 * 1024)).expect("writing to memory");
    let mut write = |data: &[u8]| compressor.write_data(data).expect("writing to memory");
    match changed {
        Some((rows, columns)) if !rows.is_empty() && !columns.is_empty() => {
            // Paeth looks left and up: the pixel right of the area and the row below it
            // are predicted from changed pixels, so they are filtered again too.
            let rows = rows.start.min(height)..(rows.end + 1).min(height);
            let columns = columns.start..columns.end + 1;
            let mut own = background[rows.start * stride..rows.end * stride].to_vec();
            for (row, filtered) in rows.clone().zip(own.chunks_exact_mut(stride)) {
                refilter(rgb, width, row, columns.clone(), &mut filtered[1..]);
            }
            write(&background[..rows.start * stride]);
            write(&own);
            write(&background[rows.end * stride..]);
        }
        _ => write(background),
    }
    let idat = compressor.finish().expect("writing to memory");

    let mut png = Vec::with_capacity(idat.len() + 64);
    png.extend_from_slice(SIGNATURE);
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&(width as u32).to_be_bytes());
    header.extend_from_slice(&(height as u32).to_be_bytes());
    // 8 bits per channel, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    write_chunk(&mut png, b"IHDR", &header);
    write_chunk(&mut png, b"IDAT", &idat);
    write_chunk(&mut png, b"IEND", &[]);
    png
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a valid PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut pixels).expect("decodes");
        assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
        (info.width, info.height, pixels)
    }

    /// Pixels with every kind of neighbourhood: gradients, noise, flat areas.
    fn pixels(width: usize, height: usize, seed: u32) -> Vec<u8> {
        let mut state = seed;
        (0..width * height * 3)
            .map(|i| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let (x, y) = ((i / 3) % width, (i / 3) / width);
                if y < height / 3 {
                    (x * 7 + y) as u8
                } else if y < 2 * height / 3 {
                    (state >> 16) as u8
                } else {
                    200
                }
            })
            .collect()
    }

    #[test]
    fn paeth_matches_the_specification() {
        for a in (0..=255).step_by(5) {
            for b in (0..=255).step_by(7) {
                for c in (0..=255).step_by(11) {
                    let (ia, ib, ic) = (a as i32, b as i32, c as i32);
                    let p = ia + ib - ic;
                    let (pa, pb, pc) = ((p - ia).abs(), (p - ib).abs(), (p - ic).abs());
                    let expected = if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    };
                    assert_eq!(paeth(a, b, c), expected, "a={a} b={b} c={c}");
                }
            }
        }
    }

    #[test]
    fn a_card_decodes_to_its_pixels_whichever_pixels_changed() {
        let (width, height) = (37, 29);
        let background = pixels(width, height, 1);
        let filtered = filter_all(&background, width);
        // Every byte of the changed area differs from the background.
        let other: Vec<u8> = background.iter().map(|v| v ^ 0x5a).collect();
        for area in [
            None,
            Some((0..3, 0..37)),
            Some((5..9, 0..1)),
            Some((5..9, 12..20)),
            Some((10..14, 3..9)),
            Some((20..29, 30..37)),
            Some((28..29, 36..37)),
            Some((0..29, 0..37)),
        ] {
            let mut card = background.clone();
            if let Some((rows, columns)) = &area {
                for row in rows.clone() {
                    let range = (row * width + columns.start) * 3..(row * width + columns.end) * 3;
                    card[range.clone()].copy_from_slice(&other[range]);
                }
            }
            let (w, h, decoded) = decode(&encode(&card, &filtered, width, area.clone()));
            assert_eq!((w, h), (width as u32, height as u32));
            assert_eq!(decoded, card, "area {area:?}");
        }
    }

    #[test]
    fn filtering_matches_the_png_crate() {
        let (width, height) = (23, 11);
        let rgb = pixels(width, height, 3);
        let mut theirs = Vec::new();
        let mut encoder = png::Encoder::new(&mut theirs, width as u32, height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_filter(png::Filter::Paeth);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&rgb).expect("data");
        writer.finish().expect("finish");
        // The same filtered rows; the deflate bits differ only in where the writes split.
        let rows = |png: &[u8]| {
            let at = png.windows(4).position(|w| w == b"IDAT").expect("an IDAT chunk");
            let len = u32::from_be_bytes([png[at - 4], png[at - 3], png[at - 2], png[at - 1]]) as usize;
            fdeflate::decompress_to_vec(&png[at + 4..at + 4 + len]).expect("inflates")
        };
        let ours = encode(&rgb, &filter_all(&rgb, width), width, None);
        assert_eq!(rows(&ours), rows(&theirs));
        assert_eq!(ours[..33], theirs[..33], "signature and IHDR");
    }
}
