//! The PDF for public disclosure: `compose` lays the document out on pages,
//! this module writes them with `pdf-writer` and embeds the used glyphs of
//! Liberation Serif, subset by `subsetter`, as CID fonts (Identity-H) with a
//! ToUnicode map so the text can be searched, copied and extracted exactly.
//! Output is deterministic: no clock, no random ids.

mod compose;
mod layout;

use crate::ReportError;
use crate::fonts::{Font, Fonts, Style};
use crate::model::Document;
use chrono::Datelike;
use layout::{Op, Page};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use subsetter::GlyphRemapper;

pub(crate) fn write(doc: &Document) -> Result<Vec<u8>, ReportError> {
    doc.check()?;
    let fonts = Fonts::load()?;
    let pages = compose::compose(doc, &fonts);
    serialize(doc, &fonts, &pages)
}

/// The glyphs a style uses, each with the character it stands for.
#[derive(Default)]
struct Usage {
    glyphs: BTreeMap<u16, char>,
}

fn glyphs_of<'a>(font: &'a Font, text: &'a str) -> impl Iterator<Item = (u16, char)> + 'a {
    text.chars().map(move |ch| {
        let ch = font.printable(ch);
        (font.glyph_or_fallback(ch), ch)
    })
}

struct Embedded {
    style: Style,
    resource: String,
    remapper: GlyphRemapper,
}

fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Six capital letters naming the subset, derived from its glyphs (the
/// PDF convention "ABCDEF+FontName").
fn subset_tag(style: Style, glyphs: &BTreeMap<u16, char>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ style as u64;
    for gid in glyphs.keys() {
        for byte in gid.to_be_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
        .collect()
}

fn serialize(doc: &Document, fonts: &Fonts, pages: &[Page]) -> Result<Vec<u8>, ReportError> {
    // Which glyphs each style needs.
    let mut usage: BTreeMap<Style, Usage> = BTreeMap::new();
    for page in pages {
        for op in &page.ops {
            if let Op::Text { style, text, .. } = op {
                let font = fonts.get(*style);
                let used = usage.entry(*style).or_default();
                for (gid, ch) in glyphs_of(font, text) {
                    used.glyphs.entry(gid).or_insert(ch);
                }
            }
        }
    }

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog_id = alloc();
    let tree_id = alloc();
    let info_id = alloc();
    let mut pdf = Pdf::new();

    // Fonts.
    let mut embedded: BTreeMap<Style, Embedded> = BTreeMap::new();
    let mut font_refs: Vec<(String, Ref)> = Vec::new();
    for (index, (style, used)) in usage.iter().enumerate() {
        let font = fonts.get(*style);
        let name = style.postscript_name();
        let remapper =
            GlyphRemapper::new_from_glyphs_sorted(&used.glyphs.keys().copied().collect::<Vec<_>>());
        let subset =
            subsetter::subset(style.bytes(), 0, &remapper).map_err(|e| ReportError::Subset {
                font: name,
                message: e.to_string(),
            })?;
        let base_font = format!("{}+{name}", subset_tag(*style, &used.glyphs));
        let (type0_id, cid_id, descriptor_id, file_id, cmap_id) =
            (alloc(), alloc(), alloc(), alloc(), alloc());
        let resource = format!("F{}", index + 1);
        font_refs.push((resource.clone(), type0_id));

        pdf.type0_font(type0_id)
            .base_font(Name(base_font.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_id)
            .to_unicode(cmap_id);

        let widths: Vec<f32> = remapper
            .remapped_gids()
            .map(|old| font.advance_milli(old))
            .collect();
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base_font.as_bytes()))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor_id)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths);
        cid.finish();

        let face = &font.face;
        let bbox = face.global_bounding_box();
        let mut flags = FontFlags::SERIF | FontFlags::NON_SYMBOLIC;
        if style.is_italic() {
            flags |= FontFlags::ITALIC;
        }
        pdf.font_descriptor(descriptor_id)
            .name(Name(base_font.as_bytes()))
            .flags(flags)
            .bbox(Rect::new(
                font.to_milli(bbox.x_min),
                font.to_milli(bbox.y_min),
                font.to_milli(bbox.x_max),
                font.to_milli(bbox.y_max),
            ))
            .italic_angle(face.italic_angle())
            .ascent(font.to_milli(face.ascender()))
            .descent(font.to_milli(face.descender()))
            .cap_height(font.to_milli(face.capital_height().unwrap_or(face.ascender())))
            .stem_v(if style.is_bold() { 140.0 } else { 80.0 })
            .font_file2(file_id);

        let compressed = compress(&subset);
        pdf.stream(file_id, &compressed)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(subset.len()).unwrap_or(i32::MAX),
            );

        let mut cmap = pdf_writer::types::UnicodeCmap::new(
            Name(b"Custom"),
            SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            },
        );
        for (old, ch) in &used.glyphs {
            if let Some(new) = remapper.get(*old) {
                cmap.pair(new, *ch);
            }
        }
        let cmap = cmap.finish();
        pdf.cmap(cmap_id, cmap.as_slice());

        embedded.insert(
            *style,
            Embedded {
                style: *style,
                resource,
                remapper,
            },
        );
    }

    // Pages.
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();
    let width = crate::decree::mm_to_pt(crate::decree::PAGE_WIDTH_MM);
    let height = crate::decree::mm_to_pt(crate::decree::PAGE_HEIGHT_MM);
    for (page, (page_id, content_id)) in pages.iter().zip(&page_refs) {
        let content = draw(page, fonts, &embedded);
        let compressed = compress(&content);
        pdf.stream(*content_id, &compressed)
            .filter(Filter::FlateDecode);
        let mut p = pdf.page(*page_id);
        p.parent(tree_id)
            .media_box(Rect::new(0.0, 0.0, width, height))
            .contents(*content_id);
        let mut resources = p.resources();
        let mut dict = resources.fonts();
        for (resource, id) in &font_refs {
            dict.pair(Name(resource.as_bytes()), *id);
        }
        dict.finish();
        resources.finish();
        p.finish();
    }
    pdf.pages(tree_id)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(i32::try_from(page_refs.len()).unwrap_or(i32::MAX));
    pdf.catalog(catalog_id).pages(tree_id).lang(TextStr("vi"));

    let title = format!("{} {}", doc.kind, doc.title);
    let date = Date::new(u16::try_from(doc.date.year()).unwrap_or(2000))
        .month(doc.date.month() as u8)
        .day(doc.date.day() as u8);
    pdf.document_info(info_id)
        .title(TextStr(title.trim()))
        .author(TextStr(&doc.issuer))
        .producer(TextStr("Chung Tay"))
        .creation_date(date)
        .modified_date(date);
    Ok(pdf.finish())
}

/// One page's content stream.
fn draw(page: &Page, fonts: &Fonts, embedded: &BTreeMap<Style, Embedded>) -> Vec<u8> {
    let mut content = Content::new();
    for op in &page.ops {
        match op {
            Op::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                content.save_state();
                if let Some([r, g, b]) = fill {
                    content.set_fill_rgb(*r, *g, *b);
                }
                if let Some(width) = stroke {
                    content.set_line_width(*width);
                }
                content.rect(*x, *y, *w, *h);
                match (fill, stroke) {
                    (Some(_), Some(_)) => content.fill_nonzero_and_stroke(),
                    (Some(_), None) => content.fill_nonzero(),
                    (None, Some(_)) => content.stroke(),
                    (None, None) => content.end_path(),
                };
                content.restore_state();
            }
            Op::Line { from, to, width } => {
                content
                    .set_line_width(*width)
                    .move_to(from.0, from.1)
                    .line_to(to.0, to.1)
                    .stroke();
            }
            Op::Text {
                style,
                size,
                x,
                y,
                text,
                word_gap,
            } => {
                let Some(font) = embedded.get(style) else {
                    continue;
                };
                let face = fonts.get(font.style);
                content.begin_text();
                content.set_font(Name(font.resource.as_bytes()), *size);
                content.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, *y]);
                let encode = |part: &str| -> Vec<u8> {
                    glyphs_of(face, part)
                        .flat_map(|(gid, _)| font.remapper.get(gid).unwrap_or(0).to_be_bytes())
                        .collect()
                };
                if *word_gap > 0.0 {
                    let adjust = -word_gap * 1000.0 / size;
                    let mut shown = content.show_positioned();
                    let mut items = shown.items();
                    let words: Vec<&str> = text.split_inclusive(' ').collect();
                    for word in words {
                        items.show(Str(&encode(word)));
                        if word.ends_with(' ') {
                            items.adjust(adjust);
                        }
                    }
                    items.finish();
                    shown.finish();
                } else {
                    content.show(Str(&encode(text)));
                }
                content.end_text();
            }
        }
    }
    content.finish().into_vec()
}
