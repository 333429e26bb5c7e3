//! The Word document, laid out per Decree 30/2020/NĐ-CP: A4, margins 20/20/30/15 mm,
//! Times New Roman 13 pt, the national header as a borderless two-column table,
//! page numbers centred in the top margin from page 2, "Nơi nhận" and the
//! signature as a second borderless table. Charts are printed as their data
//! tables (Word readers get numbers, the web shows the pictures).

use crate::ReportError;
use crate::decree::{self, mm_to_twips};
use crate::fonts::{self, Fonts, Style};
use crate::model::{Document, Section, Table};
use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, Header, LineSpacing, PageMargin, PageNum,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, Shading,
    SpecialIndentType, TableBorder, TableBorderPosition, TableBorders, TableCell, TableCellBorder,
    TableCellBorderPosition, TableCellBorders, TableCellMargins, TableLayoutType, TableRow,
    VAlignType, WidthType,
};

/// Half-points, the unit of DOCX type sizes.
fn half_points(pt: f32) -> usize {
    (pt * 2.0).round() as usize
}

fn twips_from_pt(pt: f32) -> i32 {
    (pt * 20.0).round() as i32
}

/// Text width between the margins, in twips.
fn text_width_twips() -> i32 {
    mm_to_twips(decree::PAGE_WIDTH_MM)
        - mm_to_twips(decree::MARGIN_LEFT_MM)
        - mm_to_twips(decree::MARGIN_RIGHT_MM)
}

#[derive(Clone, Copy)]
struct Look {
    size: f32,
    bold: bool,
    italic: bool,
}

impl Look {
    fn new(size: f32) -> Look {
        Look {
            size,
            bold: false,
            italic: false,
        }
    }
    fn bold(self) -> Look {
        Look { bold: true, ..self }
    }
    fn italic(self) -> Look {
        Look {
            italic: true,
            ..self
        }
    }
}

/// Times New Roman on every run, not only in the defaults of styles.xml,
/// so that pasting a paragraph elsewhere keeps the decree's font.
fn times() -> RunFonts {
    RunFonts::new()
        .ascii(decree::FONT_FAMILY)
        .hi_ansi(decree::FONT_FAMILY)
        .cs(decree::FONT_FAMILY)
        .east_asia(decree::FONT_FAMILY)
}

/// A paragraph of text in one look; newlines become line breaks.
fn para(text: &str, look: Look, align: AlignmentType) -> Paragraph {
    let mut run = Run::new().size(half_points(look.size)).fonts(times());
    if look.bold {
        run = run.bold();
    }
    if look.italic {
        run = run.italic();
    }
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(line);
    }
    Paragraph::new()
        .add_run(run)
        .align(align)
        .size(half_points(look.size))
        .line_spacing(LineSpacing::new().before(0).after(0))
}

/// An empty paragraph drawn as a centred rule `length_pt` long in a space
/// `available_pt` wide (Decree 30 asks for drawn lines under the issuing
/// body and the motto, not underlined text).
fn rule(length_pt: f32, available_pt: f32) -> Paragraph {
    let indent = twips_from_pt(((available_pt - length_pt) / 2.0).max(0.0));
    let mut p = Paragraph::new()
        .size(4)
        .line_spacing(LineSpacing::new().before(0).after(120).line(80))
        .indent(Some(indent), None, Some(indent), None);
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(6)
                .space(1)
                .color("000000"),
        ),
    );
    p
}

fn borderless_cell(width: i32) -> TableCell {
    TableCell::new()
        .width(width as usize, WidthType::Dxa)
        .set_borders(TableCellBorders::with_empty())
}

fn borderless_table(rows: Vec<TableRow>, widths: &[i32]) -> docx_rs::Table {
    docx_rs::Table::without_borders(rows)
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .width(widths.iter().sum::<i32>() as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .margins(
            TableCellMargins::new()
                .margin_left(0, WidthType::Dxa)
                .margin_right(0, WidthType::Dxa),
        )
}

fn column_widths() -> (i32, i32) {
    let total = text_width_twips();
    let left = (total as f32 * decree::LEFT_COLUMN_SHARE).round() as i32;
    (left, total - left)
}

fn national_header(doc: &Document, fonts: &Fonts) -> docx_rs::Table {
    let (left_w, right_w) = column_widths();
    let left_pt = left_w as f32 / 20.0;
    let right_pt = right_w as f32 / 20.0;
    let header = Look::new(decree::HEADER_PT);

    // Lines broken here, evenly, as the PDF breaks them.
    let lines = |text: &str, style: Style, width: f32| -> String {
        fonts
            .wrap_balanced(style, decree::HEADER_PT, text, width)
            .join("\n")
    };
    let mut left = borderless_cell(left_w);
    if !doc.issuer_parent.trim().is_empty() {
        let parent = lines(&doc.issuer_parent.to_uppercase(), Style::Regular, left_pt);
        left = left.add_paragraph(para(&parent, header, AlignmentType::Center));
    }
    let issuer = doc.issuer.to_uppercase();
    left = left.add_paragraph(para(
        &lines(&issuer, Style::Bold, left_pt),
        header.bold(),
        AlignmentType::Center,
    ));
    let issuer_width = fonts
        .wrap_balanced(Style::Bold, decree::HEADER_PT, &issuer, left_pt)
        .iter()
        .map(|l| fonts.width(Style::Bold, l, decree::HEADER_PT))
        .fold(0.0, f32::max);
    left = left.add_paragraph(rule(issuer_width * 0.4, left_pt));

    let motto_width = fonts.width(Style::Bold, decree::MOTTO, decree::MOTTO_PT);
    let right = borderless_cell(right_w)
        .add_paragraph(para(
            decree::NATIONAL_NAME,
            header.bold(),
            AlignmentType::Center,
        ))
        .add_paragraph(para(
            decree::MOTTO,
            Look::new(decree::MOTTO_PT).bold(),
            AlignmentType::Center,
        ))
        .add_paragraph(rule(motto_width, right_pt));
    // "Số: …" and the date line in a second row, so they share a baseline.
    let number = borderless_cell(left_w).add_paragraph(para(
        &doc.number_symbol,
        Look::new(decree::BODY_PT),
        AlignmentType::Center,
    ));
    let date = borderless_cell(right_w).add_paragraph(para(
        &decree::date_line(&doc.place, doc.date),
        Look::new(decree::BODY_PT).italic(),
        AlignmentType::Center,
    ));
    borderless_table(
        vec![
            TableRow::new(vec![left, right]),
            TableRow::new(vec![number, date]),
        ],
        &[left_w, right_w],
    )
}

fn signature(doc: &Document) -> docx_rs::Table {
    let (left_w, right_w) = column_widths();
    let mut left = borderless_cell(left_w).add_paragraph(para(
        decree::RECIPIENTS_LABEL,
        Look::new(decree::RECIPIENTS_LABEL_PT).bold().italic(),
        AlignmentType::Left,
    ));
    for line in decree::recipient_lines(&doc.recipients) {
        left = left.add_paragraph(para(
            &line,
            Look::new(decree::RECIPIENTS_PT),
            AlignmentType::Left,
        ));
    }
    let body = Look::new(decree::BODY_PT);
    let mut right = borderless_cell(right_w);
    for line in decree::signer_title_lines(&doc.signer_title) {
        right = right.add_paragraph(para(&line, body.bold(), AlignmentType::Center));
    }
    for _ in 0..4 {
        right = right.add_paragraph(para("", body, AlignmentType::Center));
    }
    right = right.add_paragraph(para(&doc.signer_name, body.bold(), AlignmentType::Center));
    borderless_table(
        vec![TableRow::new(vec![left, right]).cant_split()],
        &[left_w, right_w],
    )
}

fn cell_borders() -> TableCellBorders {
    let border = |position| {
        TableCellBorder::new(position)
            .border_type(BorderType::Single)
            .size(4)
            .color("000000")
    };
    TableCellBorders::new()
        .set(border(TableCellBorderPosition::Top))
        .set(border(TableCellBorderPosition::Bottom))
        .set(border(TableCellBorderPosition::Left))
        .set(border(TableCellBorderPosition::Right))
}

fn data_table(table: &Table, fonts: &Fonts) -> docx_rs::Table {
    let total = text_width_twips();
    let pad_pt = 5.4; // Word's default cell margin, 108 twips.
    let widths: Vec<i32> = fonts
        .column_widths(table, decree::TABLE_PT, total as f32 / 20.0, pad_pt)
        .iter()
        .map(|w| twips_from_pt(*w))
        .collect();
    let look = Look::new(decree::TABLE_PT);
    let header_cells = table
        .columns
        .iter()
        .zip(&widths)
        .map(|(column, w)| {
            TableCell::new()
                .width(*w as usize, WidthType::Dxa)
                .set_borders(cell_borders())
                .shading(Shading::new().fill("E7E6E6"))
                .vertical_align(VAlignType::Center)
                .add_paragraph(para(&column.header, look.bold(), AlignmentType::Center))
        })
        .collect();
    // `cant_split` marks the header row; `write` turns the mark into
    // `w:tblHeader` (repeat on every page), which docx-rs 0.4 cannot write.
    let mut rows = vec![TableRow::new(header_cells).cant_split()];
    let body = table.rows.iter().map(|r| (r, false));
    let totals = table.total_row.iter().map(|r| (r, true));
    for (row, is_total) in body.chain(totals) {
        let cells = row
            .iter()
            .zip(&table.columns)
            .zip(&widths)
            .map(|((cell, column), w)| {
                let align = if fonts::align_right(cell, column.kind) {
                    AlignmentType::Right
                } else {
                    AlignmentType::Left
                };
                let look = if is_total { look.bold() } else { look };
                TableCell::new()
                    .width(*w as usize, WidthType::Dxa)
                    .set_borders(cell_borders())
                    .add_paragraph(para(&cell.display(), look, align))
            })
            .collect();
        rows.push(TableRow::new(cells));
    }
    let border = |p| {
        TableBorder::new(p)
            .border_type(BorderType::Single)
            .size(4)
            .color("000000")
    };
    docx_rs::Table::new(rows)
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .width(widths.iter().sum::<i32>() as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(
            TableBorders::new()
                .set(border(TableBorderPosition::Top))
                .set(border(TableBorderPosition::Bottom))
                .set(border(TableBorderPosition::Left))
                .set(border(TableBorderPosition::Right))
                .set(border(TableBorderPosition::InsideH))
                .set(border(TableBorderPosition::InsideV)),
        )
}

fn body_paragraph(text: &str) -> Paragraph {
    para(text, Look::new(decree::BODY_PT), AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(mm_to_twips(10.0))),
            None,
            None,
        )
        .line_spacing(LineSpacing::new().before(0).after(120))
}

fn section(mut docx: Docx, section: &Section, fonts: &Fonts) -> Docx {
    docx = docx.add_paragraph(
        para(
            &section.heading,
            Look::new(decree::BODY_PT).bold(),
            AlignmentType::Both,
        )
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(120).after(120)),
    );
    if section.paragraphs.is_empty() && section.tables.is_empty() && section.charts.is_empty() {
        docx = docx.add_paragraph(body_paragraph(decree::NO_DATA_SECTION));
    }
    for text in &section.paragraphs {
        docx = docx.add_paragraph(body_paragraph(text));
    }
    let tables = section
        .tables
        .iter()
        .cloned()
        .chain(section.charts.iter().map(|c| c.data_table()));
    for table in tables {
        docx = docx
            .add_paragraph(
                para(
                    &table.title,
                    Look::new(decree::BODY_PT).bold(),
                    AlignmentType::Center,
                )
                .keep_next(true)
                .line_spacing(LineSpacing::new().before(120).after(60)),
            )
            .add_table(data_table(&table, fonts))
            .add_paragraph(para("", Look::new(6.0), AlignmentType::Left));
    }
    docx
}

pub(crate) fn write(doc: &Document) -> Result<Vec<u8>, ReportError> {
    doc.check()?;
    let fonts = Fonts::load()?;
    let family = times();
    let page_number = Header::new().add_paragraph(
        Paragraph::new()
            .add_page_num(PageNum::new())
            .align(AlignmentType::Center)
            .size(half_points(decree::PAGE_NUMBER_PT)),
    );
    let mut docx = Docx::new()
        .page_size(
            mm_to_twips(decree::PAGE_WIDTH_MM) as u32,
            mm_to_twips(decree::PAGE_HEIGHT_MM) as u32,
        )
        .page_margin(PageMargin {
            top: mm_to_twips(decree::MARGIN_TOP_MM),
            bottom: mm_to_twips(decree::MARGIN_BOTTOM_MM),
            left: mm_to_twips(decree::MARGIN_LEFT_MM),
            right: mm_to_twips(decree::MARGIN_RIGHT_MM),
            header: mm_to_twips(10.0),
            footer: mm_to_twips(10.0),
            gutter: 0,
        })
        .default_fonts(family)
        .default_size(half_points(decree::BODY_PT))
        .header(page_number)
        .first_header(Header::new())
        .title_pg()
        .created_at(&format!("{}T00:00:00Z", doc.date.format("%Y-%m-%d")))
        .updated_at(&format!("{}T00:00:00Z", doc.date.format("%Y-%m-%d")))
        .add_table(national_header(doc, &fonts))
        .add_paragraph(para("", Look::new(decree::BODY_PT), AlignmentType::Center))
        .add_paragraph(para(
            &doc.kind.to_uppercase(),
            Look::new(decree::TITLE_PT).bold(),
            AlignmentType::Center,
        ))
        .add_paragraph(para(
            &doc.title,
            Look::new(decree::TITLE_PT).bold(),
            AlignmentType::Center,
        ))
        .add_paragraph(rule(
            fonts.width(Style::Bold, &doc.kind, decree::TITLE_PT) * 0.5,
            text_width_twips() as f32 / 20.0,
        ));
    if doc.sections.is_empty() {
        docx = docx.add_paragraph(body_paragraph(decree::NO_DATA_DOCUMENT));
    }
    for s in &doc.sections {
        docx = section(docx, s, &fonts);
    }
    docx = docx
        .add_paragraph(para("", Look::new(decree::BODY_PT), AlignmentType::Left))
        .add_table(signature(doc));

    let mut xml = docx.build();
    xml.document = mark_header_rows(&xml.document);
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out)
        .map_err(|e| ReportError::Docx(e.to_string()))?;
    deflate(&out.into_inner()).map_err(|e| ReportError::Docx(e.to_string()))
}

/// docx-rs stores its parts uncompressed (a 500-row table makes a 2 MB
/// file); the same parts deflated are about a tenth of that.
fn deflate(stored: &[u8]) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::{Read, Write};
    use zip::write::SimpleFileOptions;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(stored))?;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut buffer = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        if entry.is_dir() {
            continue;
        }
        buffer.clear();
        entry.read_to_end(&mut buffer)?;
        let name = entry.name()?.into_owned();
        writer.start_file(name, options)?;
        writer.write_all(&buffer)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// Header rows carry `<w:cantSplit />` (and only they do, apart from the
/// signature row, which repeating would not harm since it is a one-row
/// table); add `<w:tblHeader />` so Word repeats them on every page.
fn mark_header_rows(document: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(document);
    text.replace("<w:cantSplit />", "<w:cantSplit /><w:tblHeader />")
        .replace("<w:cantSplit/>", "<w:cantSplit /><w:tblHeader />")
        .into_bytes()
}
