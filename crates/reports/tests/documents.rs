//! Every format written from the same report and read back with an
//! independent reader: calamine for XLSX, zip for DOCX, poppler's
//! `pdftotext` for PDF, quick-xml for SVG.

use chrono::NaiveDate;
use reports::{Cell, Chart, Column, ColumnKind, Document, Section, Table};
use std::io::{Cursor, Read};
use std::process::Command;
use unicode_normalization::UnicodeNormalization;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("valid date")
}

fn col(header: &str, kind: ColumnKind) -> Column {
    Column {
        header: header.to_owned(),
        kind,
    }
}

fn money_table() -> Table {
    Table {
        title: "Bảng 1. Tiền vận động theo xã".to_owned(),
        columns: vec![
            col("STT", ColumnKind::Integer),
            col("Đơn vị (xã, phường)", ColumnKind::Text),
            col("Số tiền (đồng)", ColumnKind::Money),
            col("Số trẻ em được hỗ trợ", ColumnKind::Integer),
            col("Tỷ lệ đạt", ColumnKind::Percent),
        ],
        rows: vec![
            vec![
                Cell::Int(1),
                Cell::Text("Xã A Lưới 1".into()),
                Cell::Money(1_234_567),
                Cell::Int(312),
                Cell::Percent(8_725),
            ],
            vec![
                Cell::Int(2),
                Cell::Text("Xã Long Quảng".into()),
                Cell::Money(98_765_432_100),
                Cell::Int(1_045),
                Cell::Percent(10_000),
            ],
            vec![
                Cell::Int(3),
                Cell::Text("Xã Khe Tre (chưa báo cáo)".into()),
                Cell::Empty,
                Cell::Int(0),
                Cell::Empty,
            ],
        ],
        total_row: Some(vec![
            Cell::Empty,
            Cell::Text("Tổng cộng".into()),
            Cell::Money(98_766_666_667),
            Cell::Int(1_357),
            Cell::Percent(9_512),
        ]),
    }
}

/// A report of the kind the Sở Y tế sends each year. The first paragraph is
/// given in NFD (decomposed), as text pasted from some sources is.
fn sample() -> Document {
    Document {
        issuer_parent: "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ".into(),
        issuer: "SỞ Y TẾ".into(),
        number_symbol: "Số: 12/BC-SYT".into(),
        place: "Huế".into(),
        date: date(),
        kind: "BÁO CÁO".into(),
        title: "Kết quả vận động nguồn lực xã hội hỗ trợ trẻ em năm 2026".into(),
        sections: vec![
            Section {
                heading: "I. KẾT QUẢ THỰC HIỆN".into(),
                paragraphs: vec![
                    "Thực hiện Kế hoạch vận động nguồn lực xã hội hỗ trợ trẻ em các xã đặc biệt khó khăn, \
                     Sở Y tế đã phối hợp với các xã A Lưới 1, Long Quảng và Khe Tre tổ chức trao quà, \
                     khám sức khỏe và bữa ăn dinh dưỡng cho trẻ em mầm non, tiểu học."
                        .nfd()
                        .collect(),
                    "Tổng số tiền vận động được là 98.766.666.667 đồng.".into(),
                ],
                tables: vec![money_table()],
                charts: vec![
                    Chart::Bar {
                        title: "Số trẻ em được hỗ trợ theo xã".into(),
                        unit: "trẻ em".into(),
                        items: vec![("Xã A Lưới 1".into(), 312), ("Xã Long Quảng".into(), 1_045)],
                    },
                    Chart::Completeness {
                        title: "Tình hình nộp báo cáo".into(),
                        items: vec![
                            ("Xã Khe Tre".into(), 4, 2, 1, 1),
                            ("Xã A Lưới 2".into(), 4, 4, 0, 0),
                        ],
                    },
                    Chart::TargetVsActual {
                        title: "Chỉ tiêu và kết quả".into(),
                        items: vec![
                            ("Gói đồ ấm".into(), 1_200, 1_045),
                            ("Bữa ăn dinh dưỡng".into(), 5_000, 5_600),
                        ],
                    },
                    Chart::Line {
                        title: "Tiền nhận và tiền chi".into(),
                        series: vec![
                            (
                                "Tiền nhận".into(),
                                vec![
                                    (NaiveDate::from_ymd_opt(2026, 1, 15).expect("date"), 20_000_000),
                                    (NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"), 65_000_000),
                                    (NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"), 98_000_000),
                                ],
                            ),
                            (
                                "Tiền chi".into(),
                                vec![
                                    (NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"), 5_000_000),
                                    (NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"), 71_500_000),
                                ],
                            ),
                        ],
                    },
                    Chart::UnitGrid {
                        title: "Tỷ lệ trẻ em được hỗ trợ theo xã".into(),
                        items: vec![
                            ("Xã A Lưới 1".into(), Some(0.92)),
                            ("Xã A Lưới 2".into(), Some(0.64)),
                            ("Xã A Lưới 3".into(), Some(0.31)),
                            ("Xã A Lưới 4".into(), Some(0.08)),
                            ("Xã A Lưới 5".into(), None),
                            ("Xã Nam Đông".into(), Some(0.5)),
                            ("Xã Khe Tre".into(), Some(0.77)),
                            ("Xã Long Quảng".into(), Some(1.0)),
                        ],
                    },
                ],
            },
            Section {
                heading: "II. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2027".into(),
                paragraphs: vec!["Tiếp tục vận động, ưu tiên trẻ em dưới 6 tuổi ở vùng đồng bào dân tộc thiểu số.".into()],
                tables: vec![],
                charts: vec![],
            },
        ],
        recipients: vec!["UBND thành phố Huế".into(), "Ban Giám đốc Sở".into(), "Lưu: VT, DS-TE".into()],
        signer_title: "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC".into(),
        signer_name: "Nguyễn Thị Hương".into(),
    }
}

fn empty() -> Document {
    Document {
        sections: vec![],
        recipients: vec![],
        ..sample()
    }
}

fn big() -> Document {
    let rows = (1..=500)
        .map(|i| {
            vec![
                Cell::Int(i),
                Cell::Text(format!("Hộ gia đình thôn Hồng Thủy số {i}")),
                Cell::Money(i * 150_000),
                Cell::Int(i % 7),
                Cell::Percent(i * 17 % 10_000),
            ]
        })
        .collect();
    let mut table = money_table();
    table.title = "Phụ lục. Danh sách chi tiết".into();
    table.rows = rows;
    Document {
        sections: vec![Section {
            heading: "Phụ lục".into(),
            paragraphs: vec![],
            tables: vec![table],
            charts: vec![],
        }],
        ..sample()
    }
}

fn all_tables(doc: &Document) -> Vec<Table> {
    doc.sections
        .iter()
        .flat_map(|s| {
            s.tables
                .iter()
                .cloned()
                .chain(s.charts.iter().map(Chart::data_table))
        })
        .collect()
}

// ---------------------------------------------------------------- XLSX

mod xlsx {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        Xlsx::new(Cursor::new(bytes)).expect("calamine opens the workbook")
    }

    fn number(data: Option<&Data>) -> Option<f64> {
        match data {
            Some(Data::Float(f)) => Some(*f),
            Some(Data::Int(i)) => Some(*i as f64),
            _ => None,
        }
    }

    #[test]
    fn every_number_reads_back_equal_and_sheet_names_are_valid() {
        let doc = sample();
        let mut book = open(reports::xlsx(&doc).expect("xlsx"));
        let names = book.sheet_names();
        let tables = all_tables(&doc);
        assert_eq!(names.len(), 1 + tables.len(), "{names:?}");
        assert_eq!(names[0], "Thông tin");
        let mut seen = std::collections::HashSet::new();
        for name in &names {
            assert!(!name.is_empty() && name.chars().count() <= 31, "{name:?}");
            assert!(
                !name.contains(['[', ']', ':', '*', '?', '/', '\\']),
                "{name:?}"
            );
            assert!(seen.insert(name.to_lowercase()), "duplicate sheet {name:?}");
        }

        for (name, table) in names[1..].iter().zip(&tables) {
            let range = book.worksheet_range(name).expect("sheet");
            assert_eq!(
                range.get_value((0, 0)),
                Some(&Data::String(table.title.clone())),
                "sheet {name} starts with the title"
            );
            for (c, column) in table.columns.iter().enumerate() {
                assert_eq!(
                    range.get_value((1, c as u32)),
                    Some(&Data::String(column.header.clone()))
                );
            }
            let rows = table.rows.iter().chain(table.total_row.iter());
            for (r, row) in rows.enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let got = range.get_value((2 + r as u32, c as u32));
                    match cell {
                        Cell::Int(v) | Cell::Money(v) => {
                            assert_eq!(number(got), Some(*v as f64), "{name} r{r} c{c}")
                        }
                        Cell::Percent(bp) => {
                            let got = number(got).expect("a percentage is a number");
                            assert!(
                                (got - *bp as f64 / 10_000.0).abs() < 1e-12,
                                "{name} r{r} c{c}: {got}"
                            )
                        }
                        Cell::Text(t) => {
                            assert_eq!(got, Some(&Data::String(t.clone())), "{name} r{r} c{c}")
                        }
                        Cell::Empty => assert!(
                            matches!(got, None | Some(Data::Empty)),
                            "{name} r{r} c{c}: {got:?}"
                        ),
                    }
                }
            }
        }

        let info = book.worksheet_range("Thông tin").expect("info sheet");
        let text: Vec<String> = info.rows().flatten().map(|d| d.to_string()).collect();
        assert!(text.contains(&"SỞ Y TẾ".to_owned()), "{text:?}");
        assert!(
            text.contains(&"Huế, ngày 28 tháng 11 năm 2026".to_owned()),
            "{text:?}"
        );
        let nfc: String = doc.sections[0].paragraphs[0].nfc().collect();
        assert!(text.contains(&nfc), "the narrative is there, in NFC");
    }

    #[test]
    fn numbers_carry_a_grouping_format() {
        let bytes = reports::xlsx(&sample()).expect("xlsx");
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut styles = String::new();
        zip.by_name("xl/styles.xml")
            .expect("styles part")
            .read_to_string(&mut styles)
            .expect("utf-8");
        assert!(styles.contains(r##"formatCode="#,##0""##), "{styles}");
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet2.xml")
            .expect("first table sheet")
            .read_to_string(&mut sheet)
            .expect("utf-8");
        assert!(
            sheet.contains("<pane ") && sheet.contains(r#"state="frozen""#),
            "header row frozen"
        );
    }
}

// ---------------------------------------------------------------- DOCX

fn docx_part(bytes: &[u8], part: &str) -> String {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("the DOCX is a zip archive");
    let mut xml = String::new();
    zip.by_name(part)
        .expect("part exists")
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml
}

#[test]
fn docx_follows_decree_30() {
    let doc = sample();
    let bytes = reports::docx(&doc).expect("docx");
    let xml = docx_part(&bytes, "word/document.xml");
    for needle in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Huế, ngày 28 tháng 11 năm 2026",
        "Nơi nhận:",
        "- UBND thành phố Huế;",
        "- Lưu: VT, DS-TE.",
        "Times New Roman",
        "Số: 12/BC-SYT",
        "PHÓ GIÁM ĐỐC",
        "98.765.432.100",
        "87,25%",
        r#"w:w="11906""#,
        r#"w:h="16838""#,
        // Margins 20 / 20 / 30 / 15 mm.
        r#"w:top="1134""#,
        r#"w:bottom="1134""#,
        r#"w:left="1701""#,
        r#"w:right="850""#,
        "w:tblHeader",
        "w:titlePg",
    ] {
        assert!(xml.contains(needle), "document.xml lacks {needle:?}");
    }
    let nfc: String = doc.sections[0].paragraphs[0].nfc().collect();
    assert!(xml.contains(&nfc), "paragraph written in NFC");
    for once in [
        "Số: 12/BC-SYT",
        "Huế, ngày 28 tháng 11 năm 2026",
        "Độc lập - Tự do - Hạnh phúc",
    ] {
        assert_eq!(xml.matches(once).count(), 1, "{once:?} printed once");
    }
    // 13 pt body = 26 half-points, 12 pt header = 24.
    assert!(xml.contains(r#"<w:sz w:val="26" />"#) || xml.contains(r#"<w:sz w:val="26"/>"#));
    let header = docx_part(&bytes, "word/header1.xml");
    assert!(
        header.contains("PAGE"),
        "page number field in the header: {header}"
    );
}

// ---------------------------------------------------------------- PDF

fn pdftotext(pdf: &[u8], page: Option<usize>) -> String {
    let dir = std::env::temp_dir().join(format!(
        "reports-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("doc.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let mut cmd = Command::new("pdftotext");
    cmd.arg("-enc").arg("UTF-8");
    if let Some(p) = page {
        cmd.arg("-f")
            .arg(p.to_string())
            .arg("-l")
            .arg(p.to_string());
    }
    let out = cmd.arg(&path).arg("-").output().unwrap_or_else(|e| {
        panic!(
            "pdftotext could not run ({e}). Install poppler-utils (apt-get install -y poppler-utils): \
             the PDF test reads the text back with it and does not skip."
        )
    });
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page\n").count()
        + text.matches("/Type /Page/").count()
        + text.matches("/Type /Page>").count()
}

/// `REPORTS_SAMPLE_DIR=/tmp/x cargo test -p reports` leaves the sample
/// documents there, to look at them.
fn keep_samples(doc: &Document, name: &str) {
    if let Ok(dir) = std::env::var("REPORTS_SAMPLE_DIR") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).expect("sample dir");
        std::fs::write(
            dir.join(format!("{name}.pdf")),
            reports::pdf(doc).expect("pdf"),
        )
        .expect("write");
        std::fs::write(
            dir.join(format!("{name}.docx")),
            reports::docx(doc).expect("docx"),
        )
        .expect("write");
        std::fs::write(
            dir.join(format!("{name}.xlsx")),
            reports::xlsx(doc).expect("xlsx"),
        )
        .expect("write");
        for (i, chart) in doc.sections.iter().flat_map(|s| &s.charts).enumerate() {
            std::fs::write(dir.join(format!("{name}-chart{i}.svg")), chart.to_svg())
                .expect("write");
        }
    }
}

#[test]
fn samples_can_be_kept_for_review() {
    keep_samples(&sample(), "sample");
    keep_samples(&empty(), "empty");
    keep_samples(&big(), "big");
}

#[test]
fn pdf_is_well_formed_and_embeds_its_font() {
    let bytes = reports::pdf(&sample()).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        raw.contains("\nxref\n") && raw.contains("trailer") && raw.trim_end().ends_with("%%EOF")
    );
    assert!(raw.contains("/FontFile2"), "TrueType font embedded");
    assert!(raw.contains("/ToUnicode"), "text extractable");
    assert!(
        raw.contains("+LiberationSerif"),
        "subset font named with a tag"
    );
    assert!(
        bytes.len() < 200_000,
        "a two-page report is small: {} bytes",
        bytes.len()
    );
    eprintln!(
        "sample PDF: {} bytes, {} pages",
        bytes.len(),
        page_count(&bytes)
    );
}

#[test]
fn pdf_text_comes_back_exactly_in_nfc() {
    let doc = sample();
    let bytes = reports::pdf(&doc).expect("pdf");
    let text = pdftotext(&bytes, None);
    assert_eq!(
        text,
        text.nfc().collect::<String>(),
        "extracted text is NFC"
    );
    let flat = squash(&text);
    let paragraph: String = doc.sections[0].paragraphs[0].nfc().collect();
    for needle in [
        "ỦY BAN NHÂN DÂN",
        "SỞ Y TẾ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 12/BC-SYT",
        "Huế, ngày 28 tháng 11 năm 2026",
        "BÁO CÁO",
        "Kết quả vận động nguồn lực xã hội hỗ trợ trẻ em năm 2026",
        "I. KẾT QUẢ THỰC HIỆN",
        &paragraph,
        "Tổng số tiền vận động được là 98.766.666.667 đồng.",
        "Xã A Lưới 1",
        "98.765.432.100",
        "87,25%",
        "Tổng cộng",
        "1.045 trẻ em",
        "Xã Khe Tre",
        "1.045/1.200 (87,08%)",
        "Tiền nhận",
        "71.500.000",
        "Không có dữ liệu",
        "Nơi nhận:",
        "- UBND thành phố Huế;",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Thị Hương",
    ] {
        assert!(
            flat.contains(needle),
            "pdftotext lacks {needle:?} in:\n{text}"
        );
    }
}

#[test]
fn a_long_table_paginates_with_its_header_repeated_and_numbered_pages() {
    let bytes = reports::pdf(&big()).expect("pdf");
    let pages = page_count(&bytes);
    assert!(pages >= 10, "500 rows take many pages, got {pages}");
    eprintln!("500-row PDF: {} bytes, {pages} pages", bytes.len());
    for page in 2..=pages {
        let text = pdftotext(&bytes, Some(page));
        let flat = squash(&text);
        assert!(
            flat.contains("Số tiền (đồng)"),
            "page {page} repeats the header:\n{text}"
        );
        let first_line = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        assert_eq!(
            first_line.trim(),
            page.to_string(),
            "page {page} is numbered at the top"
        );
    }
    let first = pdftotext(&bytes, Some(1));
    let first_line = first
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    assert!(
        first_line.contains("ỦY BAN NHÂN DÂN"),
        "page 1 starts with the header, no number: {first_line}"
    );
    let all = squash(&pdftotext(&bytes, None));
    assert!(all.contains("Hộ gia đình thôn Hồng Thủy số 500"));
    assert!(all.contains("75.000.000"), "row 500's money");
}

#[test]
fn control_characters_and_markup_in_data_cannot_break_a_document() {
    let mut doc = sample();
    doc.title = "Báo cáo <b>&amp; \u{1}\u{7}\r kèm \"ký tự lạ\"".into();
    doc.sections[0].tables[0].rows[0][1] = Cell::Text("Xã <A&B>\u{0}".into());
    let docx = reports::docx(&doc).expect("docx");
    let xml = docx_part(&docx, "word/document.xml");
    let mut reader = quick_xml::Reader::from_str(&xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("document.xml is not well-formed: {e}"),
        }
    }
    assert!(xml.contains("Xã &lt;A&amp;B&gt;"), "escaped");
    let pdf = squash(&pdftotext(&reports::pdf(&doc).expect("pdf"), None));
    assert!(pdf.contains("Báo cáo <b>&amp; kèm \"ký tự lạ\""), "{pdf}");
    assert!(pdf.contains("Xã <A&B>"));
    use calamine::Reader;
    let mut book =
        calamine::Xlsx::new(Cursor::new(reports::xlsx(&doc).expect("xlsx"))).expect("opens");
    let sheet = book.sheet_names()[1].clone();
    let range = book.worksheet_range(&sheet).expect("sheet");
    assert_eq!(
        range.get_value((2, 1)),
        Some(&calamine::Data::String("Xã <A&B>".into()))
    );
}

#[test]
fn a_table_without_columns_is_refused() {
    let mut doc = sample();
    doc.sections[0].tables[0].columns.clear();
    doc.sections[0].tables[0].rows.clear();
    doc.sections[0].tables[0].total_row = None;
    let err = reports::pdf(&doc).expect_err("refused").to_string();
    assert!(err.contains("no columns"), "{err}");
}

#[test]
fn a_long_paragraph_flows_onto_the_next_pages_intact() {
    let sentence = "Các xã vùng đồng bào dân tộc thiểu số đã tổ chức khám sức khỏe, trao đồ ấm và bữa ăn dinh dưỡng cho trẻ em.";
    let long = vec![sentence; 120].join(" ");
    let mut doc = sample();
    doc.sections[1].paragraphs = vec![long.clone()];
    let bytes = reports::pdf(&doc).expect("pdf");
    let pages = page_count(&bytes);
    assert!(pages >= 4, "120 sentences take several pages, got {pages}");
    // Read page by page, leaving out each page's number at the top.
    let mut text = String::new();
    for page in 1..=pages {
        let page_text = pdftotext(&bytes, Some(page));
        let mut lines = page_text
            .lines()
            .skip_while(|l| l.trim().is_empty())
            .peekable();
        if page > 1 {
            assert_eq!(lines.next().map(str::trim), Some(page.to_string().as_str()));
        }
        text.push_str(&lines.collect::<Vec<_>>().join("\n"));
        text.push('\n');
    }
    let text = squash(&text);
    assert_eq!(text.matches(sentence).count(), 120, "{text}");
    assert!(
        text.contains("Nguyễn Thị Hương"),
        "the signature follows the text"
    );
}

#[test]
fn a_ragged_table_is_refused_with_context() {
    let mut doc = sample();
    doc.sections[0].tables[0].rows[1].pop();
    for result in [reports::pdf(&doc), reports::docx(&doc), reports::xlsx(&doc)] {
        let err = result.expect_err("ragged row refused").to_string();
        assert!(
            err.contains("row 2") && err.contains("Tiền vận động"),
            "{err}"
        );
    }
}

// ---------------------------------------------------------------- empty

#[test]
fn an_empty_report_is_honest_in_every_format() {
    let doc = empty();
    let pdf = reports::pdf(&doc).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = squash(&pdftotext(&pdf, None));
    assert!(
        text.contains("Không có số liệu trong kỳ báo cáo."),
        "{text}"
    );
    assert!(text.contains("Độc lập - Tự do - Hạnh phúc"));

    let docx = reports::docx(&doc).expect("docx");
    let xml = docx_part(&docx, "word/document.xml");
    assert!(xml.contains("Không có số liệu trong kỳ báo cáo."));

    let xlsx = reports::xlsx(&doc).expect("xlsx");
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(Cursor::new(xlsx)).expect("opens");
    assert_eq!(book.sheet_names(), ["Thông tin"]);
    let info = book.worksheet_range("Thông tin").expect("sheet");
    assert!(info.rows().flatten().any(
        |d| matches!(d, calamine::Data::String(s) if s == "Không có số liệu trong kỳ báo cáo.")
    ));

    let table = Table {
        title: "Trống".into(),
        columns: vec![
            col("Xã", ColumnKind::Text),
            col("Số tiền (đồng)", ColumnKind::Money),
        ],
        rows: vec![],
        total_row: None,
    };
    assert_eq!(
        reports::csv(&table),
        "\u{feff}Xã,Số tiền (đồng)\r\n".as_bytes()
    );
    let mut with_empty_table = empty();
    with_empty_table.sections.push(Section {
        heading: "1. Không có gì".into(),
        paragraphs: vec![],
        tables: vec![table],
        charts: vec![],
    });
    assert!(reports::pdf(&with_empty_table).is_ok());
    assert!(reports::docx(&with_empty_table).is_ok());
    assert!(reports::xlsx(&with_empty_table).is_ok());
}

// ---------------------------------------------------------------- SVG

fn assert_well_formed(svg: &str) {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed at {}: {e}\n{svg}",
                reader.buffer_position()
            ),
        }
        assert!(depth >= 0, "{svg}");
    }
    assert_eq!(depth, 0, "unbalanced tags: {svg}");
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
    assert!(
        svg.contains("viewBox=\"0 0 360 "),
        "sized for a 360-px phone"
    );
    assert!(
        svg.contains("<title id=") && svg.contains("<desc id="),
        "accessible"
    );
    assert!(!svg.contains("<script"), "no script");
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("valid date")
}

#[test]
fn every_chart_is_well_formed_svg_with_escaped_text() {
    let evil = "Xã <A&B> \"Lưới\" 'x'".to_owned();
    let charts = [
        reports::svg::bar_chart(
            "Trẻ em <&>",
            &[(evil.clone(), 12), ("Xã Long Quảng".into(), 1_045)],
            "trẻ <em>",
        ),
        reports::svg::bar_chart("Trống", &[], ""),
        reports::svg::target_vs_actual(
            "Chỉ tiêu",
            &[(evil.clone(), 100, 87), ("Xã B".into(), 0, 5)],
        ),
        reports::svg::line_chart(
            "Thu & chi",
            &[
                (
                    "Thu".into(),
                    vec![
                        (day(1, 5), 1_000_000),
                        (day(3, 1), 25_000_000),
                        (day(6, 30), 40_000_000),
                    ],
                ),
                (
                    evil.clone(),
                    vec![(day(2, 1), 500_000), (day(6, 30), 30_000_000)],
                ),
            ],
        ),
        reports::svg::line_chart("Một điểm", &[("Thu".into(), vec![(day(1, 5), -5)])]),
        reports::svg::line_chart("Không có", &[]),
        reports::svg::unit_grid(
            "Bao phủ",
            &[
                (evil.clone(), Some(0.05)),
                ("Xã A Lưới 1".into(), Some(0.5)),
                ("Xã Long Quảng".into(), Some(1.0)),
                ("Xã Khe Tre".into(), None),
                ("Phường Thuận Hóa rất dài tên gọi".into(), Some(0.85)),
            ],
        ),
        reports::svg::completeness(
            "Nộp báo cáo",
            &[(evil.clone(), 4, 2, 1, 1), ("Xã B".into(), 0, 0, 0, 0)],
        ),
    ];
    for svg in &charts {
        assert_well_formed(svg);
        assert!(!svg.contains("<A&B>"), "raw text escaped: {svg}");
    }
    for svg in [&charts[0], &charts[2], &charts[3], &charts[6], &charts[7]] {
        assert!(
            svg.contains("Xã &lt;A&amp;B&gt; &quot;Lưới&quot; &apos;x&apos;"),
            "{svg}"
        );
    }
    assert!(charts[0].contains("1.045 trẻ &lt;em&gt;"));
    assert!(charts[1].contains("Không có dữ liệu"));
    assert!(charts[6].contains("<pattern"), "no data is hatched");
    assert!(
        charts[6].contains("Không có dữ liệu"),
        "legend names the hatch"
    );
    assert!(charts[2].contains("87/100 (87,00%)"));
    // Two charts on one page do not share ids.
    assert_ne!(
        charts[0].split("id=\"").nth(1).map(|s| s.split('"').next()),
        charts[2].split("id=\"").nth(1).map(|s| s.split('"').next())
    );
}

#[test]
fn a_chart_in_the_model_renders_to_svg() {
    for chart in sample().sections.iter().flat_map(|s| s.charts.iter()) {
        assert_well_formed(&chart.to_svg());
    }
}
