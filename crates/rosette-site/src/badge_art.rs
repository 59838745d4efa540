//! A default badge image: a rosette in the site's accent colour with the achievement's name,
//! so that a site made with `rosette init` publishes working embeds, previews and baked
//! badges before its issuer has artwork of their own.

use std::fmt::Write as _;

/// The SVG (600×600) of a rosette for `name`, in `accent` (a `#rrggbb` colour).
pub fn rosette_svg(name: &str, accent: &str) -> String {
    let name = name.trim();
    let escaped = quick_xml::escape::escape(name);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 600 600\" width=\"600\" height=\"600\" \
         role=\"img\" aria-label=\"{escaped}\">\n<title>{escaped}</title>\n"
    );
    // Ribbon tails behind the medal.
    let _ = writeln!(
        svg,
        "<path d=\"M210 400 L160 585 L215 550 L250 600 L290 430Z M390 400 L440 585 L385 550 L350 600 L310 430Z\" \
         fill=\"{accent}\" opacity=\".85\"/>"
    );
    // The scalloped edge: 24 discs on a circle, then the medal over them.
    svg.push_str("<g fill=\"");
    svg.push_str(accent);
    svg.push_str("\">");
    for i in 0..24 {
        let a = f64::from(i) * std::f64::consts::TAU / 24.0;
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"34\"/>",
            300.0 + 236.0 * a.cos(),
            270.0 + 236.0 * a.sin()
        );
    }
    svg.push_str("</g>\n");
    let _ = writeln!(svg, "<circle cx=\"300\" cy=\"270\" r=\"236\" fill=\"{accent}\"/>");
    svg.push_str("<circle cx=\"300\" cy=\"270\" r=\"206\" fill=\"#ffffff\"/>\n");
    let _ = writeln!(
        svg,
        "<circle cx=\"300\" cy=\"270\" r=\"192\" fill=\"none\" stroke=\"{accent}\" stroke-width=\"5\"/>"
    );
    // The name, broken into at most three lines that fit the medal.
    let lines = wrap(name, 14, 3);
    let size = match lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) {
        0..=8 => 56,
        9..=11 => 48,
        _ => 40,
    };
    let line_height = f64::from(size) * 1.15;
    let top = 270.0 - line_height * (lines.len() as f64 - 1.0) / 2.0 + f64::from(size) * 0.35;
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text x=\"300\" y=\"{:.1}\" text-anchor=\"middle\" font-family=\"'Noto Sans', 'Noto Sans CJK SC', sans-serif\" \
             font-weight=\"700\" font-size=\"{size}\" fill=\"{accent}\">{}</text>",
            top + line_height * i as f64,
            quick_xml::escape::escape(line.as_str())
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Words into lines of about `width` characters, at most `max` lines (the last one ends in
/// "…" when the name is longer). Ideographs may break anywhere.
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        for chunk in chars.chunks(width) {
            let chunk: String = chunk.iter().collect();
            if !line.is_empty() && line.chars().count() + 1 + chunk.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&chunk);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_escaped_wrapped_and_drawn() {
        let svg = rosette_svg("Safe <Handling> & \"Storage\" of Laboratory Chemicals", "#1d4e89");
        assert!(svg.contains("&lt;Handling&gt; &amp;"), "{svg}");
        assert!(!svg.contains("<Handling>"), "{svg}");
        assert_eq!(svg.matches("<text ").count(), 3, "{svg}");
        // It renders: a real image, not a broken one.
        let png = crate::card::svg_to_png(svg.as_bytes(), 120).expect("renders");
        assert!(png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn long_names_end_in_an_ellipsis_and_ideographs_wrap() {
        assert_eq!(wrap("Example Achievement", 14, 3), ["Example", "Achievement"]);
        let lines = wrap("数据科学与机器学习高级研修课程结业证书第二期", 14, 3);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let many = wrap("one two three four five six seven eight nine ten eleven twelve", 8, 3);
        assert_eq!(many.len(), 3);
        assert!(many[2].ends_with('…'));
    }
}
