//! Pages as lists of drawing operations, and the cursor that fills them:
//! a tiny flow layout (lines top to bottom, a new page when the next block
//! does not fit). Coordinates are PDF points, origin bottom-left.

use crate::decree::{self, mm_to_pt};
use crate::fonts::{Fonts, Style};

#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// One line of text starting at (x, baseline y). `word_gap` is added
    /// after every space (justification).
    Text {
        style: Style,
        size: f32,
        x: f32,
        y: f32,
        text: String,
        word_gap: f32,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<[f32; 3]>,
        stroke: Option<f32>,
    },
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Page {
    pub(crate) ops: Vec<Op>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
    Justify,
}

pub(crate) const LINE_FACTOR: f32 = 1.2;
/// Baseline below the top of a line box, as a share of the size (the
/// font's ascender is 0.891 em; the rest of the leading goes above).
const BASELINE_FACTOR: f32 = 0.95;

pub(crate) fn line_height(size: f32) -> f32 {
    size * LINE_FACTOR
}

pub(crate) struct Flow<'f> {
    pub(crate) fonts: &'f Fonts,
    pub(crate) pages: Vec<Page>,
    /// Top of the next line box.
    pub(crate) y: f32,
    pub(crate) left: f32,
    pub(crate) width: f32,
    pub(crate) top: f32,
    pub(crate) bottom: f32,
    pub(crate) page_height: f32,
}

impl<'f> Flow<'f> {
    pub(crate) fn new(fonts: &'f Fonts) -> Flow<'f> {
        let page_width = mm_to_pt(decree::PAGE_WIDTH_MM);
        let page_height = mm_to_pt(decree::PAGE_HEIGHT_MM);
        let left = mm_to_pt(decree::MARGIN_LEFT_MM);
        let top = page_height - mm_to_pt(decree::MARGIN_TOP_MM);
        Flow {
            fonts,
            pages: vec![Page::default()],
            y: top,
            left,
            width: page_width - left - mm_to_pt(decree::MARGIN_RIGHT_MM),
            top,
            bottom: mm_to_pt(decree::MARGIN_BOTTOM_MM),
            page_height,
        }
    }

    pub(crate) fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.ops.push(op);
        }
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.top;
    }

    pub(crate) fn room(&self) -> f32 {
        self.y - self.bottom
    }

    /// Starts a new page unless `height` points still fit on this one (a
    /// block taller than a whole page starts at the top of a fresh one).
    pub(crate) fn ensure(&mut self, height: f32) {
        if height > self.room() && self.y < self.top {
            self.new_page();
        }
    }

    /// Draws one line of text in the box (x, width) with its top at `top`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text_at(
        &mut self,
        text: &str,
        style: Style,
        size: f32,
        x: f32,
        width: f32,
        top: f32,
        align: Align,
    ) {
        let font = self.fonts.get(style);
        let printable: String = text.chars().map(|c| font.printable(c)).collect();
        let printable = printable.trim_end().to_owned();
        if printable.is_empty() {
            return;
        }
        let text_width = font.width(&printable, size);
        let mut word_gap = 0.0;
        let start = match align {
            Align::Left => x,
            Align::Center => x + (width - text_width) / 2.0,
            Align::Right => x + width - text_width,
            Align::Justify => {
                let spaces = printable.chars().filter(|c| *c == ' ').count();
                if spaces > 0 {
                    word_gap = ((width - text_width) / spaces as f32).max(0.0);
                }
                x
            }
        };
        self.push(Op::Text {
            style,
            size,
            x: start,
            y: top - size * BASELINE_FACTOR,
            text: printable,
            word_gap,
        });
    }

    /// A wrapped block of text flowing across pages. `indent` is a first-line
    /// indent; justified text leaves its last line (and lines before a
    /// newline) ragged, as typesetters do.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn paragraph(
        &mut self,
        text: &str,
        style: Style,
        size: f32,
        align: Align,
        indent: f32,
        space_after: f32,
    ) {
        let lh = line_height(size);
        let mut first = true;
        let hard_lines: Vec<&str> = text.split('\n').collect();
        for hard in hard_lines {
            let first_width = self.width - if first { indent } else { 0.0 };
            // Wrap the first line narrower, the rest at full width.
            let mut lines = self.fonts.wrap(style, size, hard, first_width);
            if lines.len() > 1 {
                let rest = lines[1..].join(" ");
                lines.truncate(1);
                lines.extend(self.fonts.wrap(style, size, &rest, self.width));
            }
            let count = lines.len();
            for (i, line) in lines.iter().enumerate() {
                self.ensure(lh);
                let x = self.left + if first { indent } else { 0.0 };
                let width = self.width - if first { indent } else { 0.0 };
                let align = if align == Align::Justify && i + 1 == count {
                    Align::Left
                } else {
                    align
                };
                let top = self.y;
                self.text_at(line, style, size, x, width, top, align);
                self.y -= lh;
                first = false;
            }
        }
        self.y -= space_after;
    }

    /// Centred lines of even length (titles), flowing across pages.
    pub(crate) fn centred(&mut self, text: &str, style: Style, size: f32) {
        let lh = line_height(size);
        for line in self.fonts.wrap_balanced(style, size, text, self.width) {
            self.ensure(lh);
            let (left, width, top) = (self.left, self.width, self.y);
            self.text_at(&line, style, size, left, width, top, Align::Center);
            self.y -= lh;
        }
    }

    /// A horizontal rule centred in (x, width), `length` long, at `y`.
    pub(crate) fn rule(&mut self, x: f32, width: f32, length: f32, y: f32) {
        let start = x + (width - length) / 2.0;
        self.push(Op::Line {
            from: (start, y),
            to: (start + length, y),
            width: 0.6,
        });
    }

    pub(crate) fn gap(&mut self, points: f32) {
        self.y -= points;
    }
}
