//! The embedded typeface: Liberation Serif 2.1.5 (SIL OFL 1.1, from Debian's
//! `fonts-liberation2`), metric-compatible with Times New Roman, which Decree
//! 30/2020 prescribes. Every precomposed Vietnamese letter is a single glyph
//! in it, so NFC text needs no shaping: one char, one glyph, its advance.
//! Widths measured here also size the DOCX's rules and table columns, so both
//! documents break lines in the same places as far as Word allows.

use crate::ReportError;
use crate::model::{Cell, Table};
use ttf_parser::{Face, GlyphId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

impl Style {
    #[cfg(test)]
    pub(crate) const ALL: [Style; 4] = [
        Style::Regular,
        Style::Bold,
        Style::Italic,
        Style::BoldItalic,
    ];

    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            Style::Regular => include_bytes!("../assets/fonts/LiberationSerif-Regular.ttf"),
            Style::Bold => include_bytes!("../assets/fonts/LiberationSerif-Bold.ttf"),
            Style::Italic => include_bytes!("../assets/fonts/LiberationSerif-Italic.ttf"),
            Style::BoldItalic => include_bytes!("../assets/fonts/LiberationSerif-BoldItalic.ttf"),
        }
    }

    pub(crate) fn postscript_name(self) -> &'static str {
        match self {
            Style::Regular => "LiberationSerif",
            Style::Bold => "LiberationSerif-Bold",
            Style::Italic => "LiberationSerif-Italic",
            Style::BoldItalic => "LiberationSerif-BoldItalic",
        }
    }

    pub(crate) fn is_bold(self) -> bool {
        matches!(self, Style::Bold | Style::BoldItalic)
    }

    pub(crate) fn is_italic(self) -> bool {
        matches!(self, Style::Italic | Style::BoldItalic)
    }
}

/// One parsed face.
pub(crate) struct Font {
    pub(crate) face: Face<'static>,
    units_per_em: f32,
    fallback: u16,
}

impl Font {
    fn load(style: Style) -> Result<Font, ReportError> {
        let font = style.postscript_name();
        let face = Face::parse(style.bytes(), 0).map_err(|e| ReportError::Font {
            font,
            message: e.to_string(),
        })?;
        let units_per_em = f32::from(face.units_per_em());
        let fallback = face
            .glyph_index('?')
            .map(|g| g.0)
            .ok_or(ReportError::Font {
                font,
                message: "no glyph for '?'".to_owned(),
            })?;
        Ok(Font {
            face,
            units_per_em,
            fallback,
        })
    }

    /// The glyph of a character, if the font has one.
    pub(crate) fn glyph(&self, ch: char) -> Option<u16> {
        self.face.glyph_index(ch).map(|g| g.0).filter(|&g| g != 0)
    }

    /// The character as it will be printed: itself, a space for other white
    /// space, '?' for what the font lacks (the PDF can only show what it has).
    pub(crate) fn printable(&self, ch: char) -> char {
        if ch.is_whitespace() && ch != '\u{a0}' {
            ' '
        } else if self.glyph(ch).is_some() {
            ch
        } else {
            '?'
        }
    }

    /// Glyph for a printable character.
    pub(crate) fn glyph_or_fallback(&self, ch: char) -> u16 {
        self.glyph(ch).unwrap_or(self.fallback)
    }

    /// Advance in thousandths of an em (PDF glyph space).
    pub(crate) fn advance_milli(&self, glyph: u16) -> f32 {
        let advance = self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0);
        f32::from(advance) * 1000.0 / self.units_per_em
    }

    pub(crate) fn to_milli(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / self.units_per_em
    }

    /// Width of a text at a size, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|ch| self.advance_milli(self.glyph_or_fallback(self.printable(ch))))
            .sum::<f32>()
            * size
            / 1000.0
    }
}

/// The four faces.
pub(crate) struct Fonts {
    faces: [Font; 4],
}

impl Fonts {
    pub(crate) fn load() -> Result<Fonts, ReportError> {
        Ok(Fonts {
            faces: [
                Font::load(Style::Regular)?,
                Font::load(Style::Bold)?,
                Font::load(Style::Italic)?,
                Font::load(Style::BoldItalic)?,
            ],
        })
    }

    pub(crate) fn get(&self, style: Style) -> &Font {
        match style {
            Style::Regular => &self.faces[0],
            Style::Bold => &self.faces[1],
            Style::Italic => &self.faces[2],
            Style::BoldItalic => &self.faces[3],
        }
    }

    pub(crate) fn width(&self, style: Style, text: &str, size: f32) -> f32 {
        self.get(style).width(text, size)
    }

    /// Splits text into lines no wider than `max` points: at spaces, at
    /// newlines, and inside a word only when the word alone is too wide.
    pub(crate) fn wrap(&self, style: Style, size: f32, text: &str, max: f32) -> Vec<String> {
        let font = self.get(style);
        let space = font.width(" ", size);
        let mut lines = Vec::new();
        for raw in text.split('\n') {
            let mut line = String::new();
            let mut line_width = 0.0;
            for word in raw.split([' ', '\t']).filter(|w| !w.is_empty()) {
                let word_width = font.width(word, size);
                if !line.is_empty() && line_width + space + word_width <= max {
                    line.push(' ');
                    line.push_str(word);
                    line_width += space + word_width;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if word_width <= max {
                    line.push_str(word);
                    line_width = word_width;
                    continue;
                }
                // A word wider than the line: cut it where it overflows.
                line_width = 0.0;
                for ch in word.chars() {
                    let w = font.width(ch.encode_utf8(&mut [0; 4]), size);
                    if !line.is_empty() && line_width + w > max {
                        lines.push(std::mem::take(&mut line));
                        line_width = 0.0;
                    }
                    line.push(ch);
                    line_width += w;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Like `wrap`, but with lines of even length: the narrowest width that
    /// needs no more lines ("ỦY BAN NHÂN DÂN / THÀNH PHỐ HUẾ" rather than
    /// "ỦY BAN NHÂN DÂN THÀNH / PHỐ HUẾ"), as centred headings are set.
    pub(crate) fn wrap_balanced(
        &self,
        style: Style,
        size: f32,
        text: &str,
        max: f32,
    ) -> Vec<String> {
        let lines = self.wrap(style, size, text, max);
        if lines.len() < 2 {
            return lines;
        }
        let (mut low, mut high) = (max / lines.len() as f32, max);
        for _ in 0..20 {
            let mid = (low + high) / 2.0;
            if self.wrap(style, size, text, mid).len() <= lines.len() {
                high = mid;
            } else {
                low = mid;
            }
        }
        self.wrap(style, size, text, high)
    }

    /// Column widths for a table `total` points wide, with `pad` points of
    /// padding on each side of a cell: numbers never wrap, text wraps at
    /// spaces; spare room goes to the columns that would like more.
    pub(crate) fn column_widths(&self, table: &Table, size: f32, total: f32, pad: f32) -> Vec<f32> {
        let columns = table.columns.len();
        if columns == 0 {
            return Vec::new();
        }
        let mut natural = vec![0.0f32; columns];
        let mut minimum = vec![0.0f32; columns];
        let mut measure = |i: usize, text: &str, style: Style, wraps: bool| {
            let full = self.width(style, text, size) + 2.0 * pad;
            natural[i] = natural[i].max(full);
            let least = if wraps {
                text.split_whitespace()
                    .map(|w| self.width(style, w, size))
                    .fold(0.0, f32::max)
                    + 2.0 * pad
            } else {
                full
            };
            minimum[i] = minimum[i].max(least);
        };
        for (i, column) in table.columns.iter().enumerate() {
            measure(i, &column.header, Style::Bold, true);
        }
        for row in &table.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                measure(i, &cell.display(), Style::Regular, !cell.is_numeric());
            }
        }
        if let Some(row) = &table.total_row {
            for (i, cell) in row.iter().enumerate().take(columns) {
                measure(i, &cell.display(), Style::Bold, !cell.is_numeric());
            }
        }
        let natural_sum: f32 = natural.iter().sum();
        let minimum_sum: f32 = minimum.iter().sum();
        if natural_sum <= total {
            let extra = (total - natural_sum) / columns as f32;
            return natural.iter().map(|w| w + extra).collect();
        }
        if minimum_sum >= total {
            return minimum.iter().map(|w| w * total / minimum_sum).collect();
        }
        let want: f32 = natural.iter().zip(&minimum).map(|(n, m)| n - m).sum();
        let spare = total - minimum_sum;
        natural
            .iter()
            .zip(&minimum)
            .map(|(n, m)| m + (n - m) * spare / want)
            .collect()
    }
}

/// True when every cell of the row is numeric or empty (used for alignment
/// of total rows, whose label is text).
pub(crate) fn align_right(cell: &Cell, column_kind: crate::model::ColumnKind) -> bool {
    cell.is_numeric()
        || (matches!(cell, Cell::Empty) && column_kind != crate::model::ColumnKind::Text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    /// The 134 precomposed letters of Vietnamese: 12 vowels × 5 tones, the 6
    /// toneless letters with a diacritic (ă â ê ô ơ ư) and đ, in both cases.
    fn vietnamese_letters() -> Vec<char> {
        let vowels = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];
        let tones = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
        let mut letters = vec!['ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ'];
        for v in vowels {
            for t in tones {
                let composed: Vec<char> = format!("{v}{t}").nfc().collect();
                assert_eq!(composed.len(), 1, "{v}+{t:?} has a precomposed form");
                letters.push(composed[0]);
            }
        }
        let upper: Vec<char> = letters.iter().flat_map(|c| c.to_uppercase()).collect();
        letters.extend(upper);
        letters.sort_unstable();
        letters.dedup();
        letters
    }

    #[test]
    fn every_face_has_every_vietnamese_letter_and_the_dong_sign() {
        let letters = vietnamese_letters();
        assert_eq!(letters.len(), 134);
        let fonts = Fonts::load().expect("embedded fonts parse");
        for style in Style::ALL {
            let font = fonts.get(style);
            for ch in letters
                .iter()
                .copied()
                .chain(['₫', '\u{a0}', '–', '“', '”'])
            {
                assert!(
                    font.glyph(ch).is_some(),
                    "{style:?} lacks {ch:?} (U+{:04X})",
                    ch as u32
                );
            }
        }
    }

    #[test]
    fn widths_match_times_metrics() {
        let fonts = Fonts::load().expect("embedded fonts parse");
        // Times New Roman: space 250, 'M' 889 thousandths of an em.
        assert!((fonts.width(Style::Regular, " ", 1000.0) - 250.0).abs() < 1.0);
        assert!((fonts.width(Style::Regular, "M", 1000.0) - 889.0).abs() < 1.0);
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_overlong_words() {
        let fonts = Fonts::load().expect("embedded fonts parse");
        let lines = fonts.wrap(Style::Regular, 10.0, "Ủy ban nhân dân thành phố Huế", 60.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), "Ủy ban nhân dân thành phố Huế");
        for line in &lines {
            assert!(fonts.width(Style::Regular, line, 10.0) <= 60.0, "{line}");
        }
        let long = fonts.wrap(Style::Regular, 10.0, &"x".repeat(100), 50.0);
        assert!(long.len() > 1);
        assert_eq!(long.concat(), "x".repeat(100));
        assert_eq!(fonts.wrap(Style::Regular, 10.0, "a\nb", 500.0), ["a", "b"]);
        let size = crate::decree::HEADER_PT;
        let column = 177.0;
        assert_eq!(
            fonts.wrap(
                Style::Regular,
                size,
                "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ",
                column
            ),
            ["ỦY BAN NHÂN DÂN THÀNH", "PHỐ HUẾ"]
        );
        assert_eq!(
            fonts.wrap_balanced(
                Style::Regular,
                size,
                "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ",
                column
            ),
            ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HUẾ"]
        );
    }
}
