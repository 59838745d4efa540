//! The cost of one award's preview card, as the build used to make it and as it makes it now
//! (issue #5): `cargo run --release --example card_cost [N]`.
//!
//! - before: the achievement SVG rasterized for this award, then the whole card drawn in one
//!   pass (background, image, text) and encoded;
//! - now: the image rasterized and the background drawn once per achievement, then per award
//!   only the text over a copy of it, encoded with fast compression.

use rosette_site::card::{Background, Card, ImageKind, render_card, render_card_on, svg_to_png};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let svg = std::fs::read(root.join("badges/images/data-literacy-foundations.svg")).expect("badge image");
    let card = |i: usize| Card {
        recipient: format!("Learner {i:06}"),
        achievement: "Data Literacy Foundations".into(),
        issuer: "Northfield Institute of Technology".into(),
        date: "31 January 2025".into(),
        image: None,
        accent: None,
        language: "en".into(),
        withdrawn: None,
    };

    let time = |f: &mut dyn FnMut(usize)| {
        let start = Instant::now();
        for i in 0..n {
            f(i);
        }
        start.elapsed().as_secs_f64() * 1000.0 / n as f64
    };
    let png = svg_to_png(&svg, 600).expect("rasterizes");
    let rasterize = time(&mut |_| {
        svg_to_png(&svg, 600).expect("rasterizes");
    });
    let one_pass = time(&mut |i| {
        let mut c = card(i);
        c.image = Some((png.clone(), ImageKind::Png));
        render_card(&c).expect("renders");
    });
    // The encoder the build used before: tiny-skia's (RGBA, adaptive filters, default level).
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(
        &render_card_on(&Background::new(None, Some((&png, ImageKind::Png))).expect("background"), &card(0))
            .expect("renders"),
    )
    .expect("decodes");
    let old_size = pixmap.encode_png().expect("encodes").len();
    let old_encode = time(&mut |_| {
        pixmap.encode_png().expect("encodes");
    });
    let start = Instant::now();
    let background = Background::new(None, Some((&png, ImageKind::Png))).expect("background");
    let once = start.elapsed().as_secs_f64() * 1000.0;
    let mut size = 0;
    let layered = time(&mut |i| {
        size = render_card_on(&background, &card(i)).expect("renders").len();
    });
    println!(
        "per award, before: rasterize the SVG badge {rasterize:.1} ms + one-pass card (fast encoder) {one_pass:.1} ms"
    );
    println!("  tiny-skia's default PNG encoder, used before: {old_encode:.1} ms per card, {old_size} bytes");
    println!("per award, now: text over the prepared background {layered:.1} ms, {size} bytes");
    println!("once per achievement, now: background {once:.1} ms");
}
