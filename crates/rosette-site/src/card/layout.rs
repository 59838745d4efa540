//! The card's text column: its labels, line breaking and vertical layout.
//!
//! SVG 1.1 text does not wrap, and neither does a glyph run, so lines are broken here, measured
//! with the embedded fonts' advance widths: at spaces, and between ideographs. A name that
//! still does not fit shrinks, then ends in "…".

use std::fmt::Write as _;

use skrifa::instance::{LocationRef, Size};
use skrifa::{GlyphId, MetadataProvider as _};

use super::glyphs::{Canvas, Face, draw_line};
use super::{Card, FONT_FAMILY, HEIGHT, Rgb, WIDTH};

/// The labels of a card in one language.
pub(super) struct Words {
    kicker: String,
    kicker_spacing: f32,
    earned: String,
    /// The kicker and the line in place of "earned" for a revoked, then a suspended, award.
    revoked: (String, String),
    suspended: (String, String),
    /// "Issued by {issuer}": the issuer's name goes where `{issuer}` is.
    issued_by: String,
}

impl Words {
    pub(super) fn for_language(tag: &str) -> Words {
        let get = |key: &str, english: &str| {
            crate::templates::default_string(tag, key).unwrap_or_else(|| english.to_string())
        };
        let kicker = get("card_kicker", "OPEN BADGE");
        // Spaced-out capitals read as a label; ideographs need a little more air.
        let kicker_spacing = if kicker.chars().any(|c| c > '\u{2e80}') { 4.0 } else { 3.0 };
        Words {
            kicker,
            kicker_spacing,
            earned: get("card_earned", "earned"),
            revoked: (
                get("card_kicker_revoked", "REVOKED"),
                get("card_earned_revoked", "was awarded; the issuer revoked"),
            ),
            suspended: (
                get("card_kicker_suspended", "SUSPENDED"),
                get("card_earned_suspended", "was awarded; the issuer suspended"),
            ),
            issued_by: get("card_issued_by", "Issued by {issuer}"),
        }
    }
}

/// Left edge of the text column and its width.
pub(super) const TEXT_X: f32 = 484.0;
pub(super) const TEXT_WIDTH: f32 = WIDTH as f32 - TEXT_X - 72.0;
/// Width of the tinted panel that holds the badge image.
pub(super) const PANEL_WIDTH: f32 = 424.0;
/// Ascent of Noto Sans CJK as a fraction of the font size (880/1000 units).
const ASCENT: f32 = 0.88;

/// One line of text at a place, in a style.
struct Line {
    text: String,
    y: f32,
    size: f32,
    bold: bool,
    fill: Fill,
    spacing: f32,
}

#[derive(Clone, Copy)]
enum Fill {
    Accent,
    AccentDark,
    Ink,
    Muted,
}

/// Lines stacked from the top of the text column.
#[derive(Default)]
struct Column {
    lines: Vec<Line>,
    /// The top of the next line.
    y: f32,
}

impl Column {
    /// Adds lines of one style, then a gap.
    fn push(&mut self, texts: Vec<String>, size: f32, bold: bool, fill: Fill, gap: f32) {
        let height = (size * 1.22).round();
        for text in texts {
            let baseline = self.y + (height - size) / 2.0 + ASCENT * size;
            self.lines.push(Line { text, y: baseline.round(), size, bold, fill, spacing: 0.0 });
            self.y += height;
        }
        self.y += gap;
    }
}

/// The text column, laid out from the top and then centred vertically.
pub(super) struct Layout {
    lines: Vec<Line>,
    /// The y of the thin rule between the achievement and the issuer.
    rule_y: f32,
}

impl Layout {
    pub(super) fn new(card: &Card, words: &Words) -> Layout {
        let (kicker, earned) = match card.withdrawn {
            None => (&words.kicker, &words.earned),
            Some(super::Withdrawal::Revoked) => (&words.revoked.0, &words.revoked.1),
            Some(super::Withdrawal::Suspended) => (&words.suspended.0, &words.suspended.1),
        };
        let mut column = Column::default();
        column.push(vec![kicker.clone()], 22.0, true, Fill::Accent, 18.0);
        if let Some(line) = column.lines.last_mut() {
            line.spacing = words.kicker_spacing;
        }
        // An achievement's card, or the shared card of withdrawn awards, names no recipient:
        // the achievement (or what happened) is then the largest line.
        let achievement_sizes: &[(f32, usize)] = if card.recipient.is_empty() {
            &[(58.0, 2), (50.0, 2), (44.0, 3)]
        } else {
            let (size, recipient) = fit(&card.recipient, &[(66.0, 2), (58.0, 2), (50.0, 2), (44.0, 3)]);
            column.push(recipient, size, true, Fill::Ink, 6.0);
            column.push(wrap(earned, false, 30.0, TEXT_WIDTH, 1).0, 30.0, false, Fill::Muted, 10.0);
            &[(46.0, 2), (40.0, 2), (34.0, 3)]
        };
        let (size, achievement) = fit(&card.achievement, achievement_sizes);
        column.push(achievement, size, true, Fill::AccentDark, 26.0);
        let rule_y = column.y;
        column.y += 28.0;
        let issuer =
            wrap(&words.issued_by.replace("{issuer}", &clean(&card.issuer)), false, 26.0, TEXT_WIDTH, 1).0;
        column.push(issuer, 26.0, false, Fill::Ink, 4.0);
        if !card.date.is_empty() {
            let date = wrap(&card.date, false, 24.0, TEXT_WIDTH, 1).0;
            column.push(date, 24.0, false, Fill::Muted, 0.0);
        }
        let Column { mut lines, y } = column;

        // Centre the column vertically, but never closer than 48 px to the top.
        let top = ((HEIGHT as f32 - y) / 2.0).max(48.0).round();
        for line in &mut lines {
            line.y += top;
        }
        Layout { lines, rule_y: rule_y + top }
    }

    /// The text column: a transparent layer over the background.
    pub(super) fn text_svg(&self, svg: &mut String, accent: Rgb) {
        let _ = write!(
            svg,
            r##"<rect x="{TEXT_X}" y="{y}" width="{TEXT_WIDTH}" height="2" fill="{RULE}"/>"##,
            y = self.rule_y,
        );
        for line in &self.lines {
            let _ = write!(
                svg,
                r#"<text x="{TEXT_X}" y="{y}" font-family="{FONT_FAMILY}" font-size="{size}" font-weight="{weight}" fill="{fill}""#,
                y = line.y,
                size = line.size,
                weight = if line.bold { 700 } else { 400 },
                fill = line.fill.colour(accent),
            );
            if line.spacing > 0.0 {
                let _ = write!(svg, r#" letter-spacing="{}""#, line.spacing);
            }
            let _ = write!(svg, ">{}</text>", quick_xml::escape::escape(line.text.as_str()));
        }
    }

    /// The text column drawn over a card's pixels: the same text, places and colours as
    /// [`Layout::text_svg`].
    pub(super) fn draw(&self, canvas: &mut Canvas<'_>, accent: Rgb) {
        canvas.fill_rect(TEXT_X as usize, self.rule_y as usize, TEXT_WIDTH as usize, 2, RULE);
        for line in &self.lines {
            draw_line(
                canvas,
                &line.text,
                (TEXT_X, line.y),
                line.size,
                line.bold,
                line.spacing,
                line.fill.colour(accent),
            );
        }
    }
}

/// The thin rule between the achievement and the issuer.
const RULE: Rgb = Rgb(0xe5, 0xe7, 0xeb);

impl Fill {
    fn colour(self, accent: Rgb) -> Rgb {
        match self {
            Fill::Accent => accent,
            Fill::AccentDark => accent.mix(Rgb(0, 0, 0), 0.25),
            Fill::Ink => Rgb(0x11, 0x18, 0x27),
            Fill::Muted => Rgb(0x4b, 0x55, 0x63),
        }
    }
}

/// The first `(size, lines)` step at which `text` fits; past the last step the last line is
/// ellipsized.
fn fit(text: &str, steps: &[(f32, usize)]) -> (f32, Vec<String>) {
    let text = clean(text);
    let mut last = (0.0, Vec::new());
    for &(size, max_lines) in steps {
        let (lines, cut) = wrap(&text, true, size, TEXT_WIDTH, max_lines);
        if !cut {
            return (size, balance(&text, size, lines));
        }
        last = (size, lines);
    }
    last
}

/// Re-wraps lines that fit to the narrowest width that needs no more of them, so that a
/// second line is not a lone word or character.
fn balance(text: &str, size: f32, lines: Vec<String>) -> Vec<String> {
    if lines.len() < 2 {
        return lines;
    }
    let fits = |width: f32| {
        let (candidate, cut) = wrap(text, true, size, width, lines.len());
        (!cut && candidate.len() == lines.len()).then_some(candidate)
    };
    let (mut low, mut high) = (TEXT_WIDTH / lines.len() as f32, TEXT_WIDTH);
    while high - low > 4.0 {
        let middle = (low + high) / 2.0;
        match fits(middle) {
            Some(_) => high = middle,
            None => low = middle,
        }
    }
    fits(high).unwrap_or(lines)
}

/// Collapses white space and drops characters that cannot be shown (controls, non-characters).
fn clean(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') { ' ' } else { c })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Breaks `text` into at most `max_lines` lines no wider than `width`; says whether it had to
/// cut (the last line then ends in "…"). Breaks at spaces and around ideographs; a word wider
/// than a line is broken between characters.
fn wrap(text: &str, bold: bool, size: f32, width: f32, max_lines: usize) -> (Vec<String>, bool) {
    let text = clean(text);
    let measure = |s: &str| measure(s, bold, size);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for token in tokens(&text) {
        let candidate = format!("{line}{token}");
        if measure(candidate.trim_end()) <= width {
            line = candidate;
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
        line = String::new();
        // Break a word that is wider than a whole line between its characters.
        for c in token.trim_start().chars() {
            let candidate = format!("{line}{c}");
            if measure(&candidate) > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = candidate;
            }
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    if lines.len() <= max_lines {
        return (lines, false);
    }
    lines.truncate(max_lines);
    if let Some(last) = lines.last_mut() {
        let mut kept: String = last.clone();
        while !kept.is_empty() && measure(&format!("{}…", kept.trim_end())) > width {
            kept.pop();
        }
        *last = format!("{}…", kept.trim_end());
    }
    (lines, true)
}

/// Splits text where a line may break: after a space, and before and after each ideograph
/// (closing punctuation stays with the character before it).
fn tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if is_closing_punctuation(c) {
            current.push(c);
        } else if is_ideographic(c) {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            current.push(c);
        } else if c == ' ' {
            if current.chars().last().is_some_and(is_ideographic) {
                tokens.push(std::mem::take(&mut current));
            }
            current.push(c);
        } else {
            // A Latin letter after a space or an ideograph starts a new token.
            if current.ends_with(' ') && !current.trim().is_empty()
                || current.chars().last().is_some_and(|l| is_ideographic(l) || is_closing_punctuation(l))
            {
                tokens.push(std::mem::take(&mut current));
            }
            current.push(c);
            // A line may also break after a hyphen or a slash.
            if matches!(c, '-' | '/' | '\u{2010}') && current.chars().count() > 1 {
                tokens.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// CJK scripts, where a line may break between any two characters: radicals, kana, Bopomofo,
/// the CJK Unified Ideographs and their extensions, Hangul syllables.
fn is_ideographic(c: char) -> bool {
    matches!(
        c as u32,
        0x2E80..=0x2FDF | 0x3040..=0x30FF | 0x3100..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF
    )
}

/// Punctuation that must not start a line (a small part of the Chinese line-breaking rules).
fn is_closing_punctuation(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '”'
            | '’'
            | '·'
            | '…'
    )
}

/// The advance width of `text` in pixels, from the embedded fonts' metrics, each character
/// taken from the font the renderer takes it from (no kerning, which only ever narrows text).
pub(super) fn measure(text: &str, bold: bool, size: f32) -> f32 {
    let metrics = |face: Face| face.font().glyph_metrics(Size::new(size), LocationRef::default());
    let (latin, cjk) =
        if bold { (Face::LatinBold, Face::CjkBold) } else { (Face::LatinRegular, Face::CjkRegular) };
    let (latin_metrics, cjk_metrics) = (metrics(latin), metrics(cjk));
    text.chars()
        .map(|c| {
            let face = Face::for_char(c, bold);
            let metrics = if face == latin { &latin_metrics } else { &cjk_metrics };
            metrics.advance_width(face.glyph(c).unwrap_or(GlyphId::NOTDEF)).unwrap_or(size)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_latin_names_wrap_at_spaces_and_end_in_an_ellipsis() {
        let text = "Certificate of Advanced Study in Machine Learning for Healthcare Applications and Beyond";
        let (lines, cut) = wrap(text, true, 46.0, TEXT_WIDTH, 2);
        assert!(cut);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("Certificate of"), "{lines:?}");
        assert!(lines[1].ends_with('…'), "{lines:?}");
        for line in &lines {
            assert!(measure(line, true, 46.0) <= TEXT_WIDTH, "{line}");
        }
    }

    #[test]
    fn chinese_breaks_between_ideographs_but_not_before_closing_punctuation() {
        let text = "数据科学与人工智能高级研修项目，优秀结业证书（二〇二四年度）";
        let (lines, _) = wrap(text, true, 46.0, 400.0, 10);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| !l.starts_with('，') && !l.starts_with('）')), "{lines:?}");
        assert_eq!(lines.concat(), text.to_string(), "nothing lost");
    }

    #[test]
    fn an_unbreakable_word_is_broken_between_characters() {
        let (lines, cut) = wrap(&"W".repeat(200), true, 66.0, TEXT_WIDTH, 2);
        assert!(cut);
        assert!(lines.iter().all(|l| measure(l, true, 66.0) <= TEXT_WIDTH), "{lines:?}");
    }

    #[test]
    fn white_space_and_controls_are_cleaned() {
        assert_eq!(clean("  Ada\n\tLovelace\u{0}\u{7} "), "Ada Lovelace");
    }
}
