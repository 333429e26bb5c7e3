//! Reading a CSV or XLSX file into rows of text cells, with the
//! spreadsheet's own row numbers.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::Format;
use crate::problem::{Problem, column_letters};

/// A sheet as read: the header row and the non-blank rows below it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Spreadsheet row number of the header (the first non-blank row).
    pub header_row: usize,
    /// Header cells, NFC, trimmed.
    pub headers: Vec<String>,
    /// The rows below the header that have at least one non-blank cell.
    pub rows: Vec<Row>,
    /// Problems found while reading that do not stop the reading: merged
    /// cells, cells holding a formula error.
    pub problems: Vec<Problem>,
}

/// One row: its spreadsheet number and its cells, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell at a zero-based column, or `""` past the end of the row.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

/// Reads the first sheet of an XLSX workbook, or a CSV file. Problems that
/// make the file unreadable (not a workbook, not UTF-8, empty) are
/// returned as `Err`.
pub fn read_table(bytes: &[u8], format: Format) -> Result<Table, Vec<Problem>> {
    match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

/// A merged region: first and last (row, column), zero-based.
pub(crate) type Merge = ((u32, u32), (u32, u32));

/// A sheet as read, before a header row is chosen: every row (blank ones
/// included) with its spreadsheet number, the merged regions, and the
/// problems found while reading (cells holding a formula error, a CSV line
/// that cannot be read).
#[derive(Debug, Clone, Default)]
pub(crate) struct Grid {
    pub rows: Vec<(usize, Vec<String>)>,
    pub merges: Vec<Merge>,
    pub problems: Vec<Problem>,
}

/// Reads a file into a [`Grid`], for imports whose header is not on the
/// first row (bank statements put title rows above it). Unreadable files
/// are refused as by [`read_table`]; an empty grid is not refused here.
pub(crate) fn read_grid(bytes: &[u8], format: Format) -> Result<Grid, Vec<Problem>> {
    match format {
        Format::Csv => csv_grid(bytes),
        Format::Xlsx => xlsx_grid(bytes),
    }
}

fn build(grid: Vec<(usize, Vec<String>)>, merges: &[Merge], mut problems: Vec<Problem>) -> Table {
    let mut rows = grid
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((header_row, header_cells)) = rows.next() else {
        return Table {
            problems,
            ..Table::default()
        };
    };
    let headers: Vec<String> = header_cells
        .iter()
        .map(|h| domain::text::clean(h))
        .collect();
    let rows: Vec<Row> = rows.map(|(number, cells)| Row { number, cells }).collect();
    for &((r0, c0), (r1, c1)) in merges {
        let first_row = usize::try_from(r0).unwrap_or(usize::MAX).saturating_add(1);
        let last_row = usize::try_from(r1).unwrap_or(usize::MAX).saturating_add(1);
        let first_col = usize::try_from(c0).unwrap_or(0);
        let last_col = usize::try_from(c1).unwrap_or(0);
        let area = format!(
            "{}{first_row}:{}{last_row}",
            column_letters(first_col),
            column_letters(last_col)
        );
        let column = Some(column_letters(first_col));
        if (first_row..=last_row).contains(&header_row) {
            problems.push(Problem::at(
                header_row,
                column,
                format!(
                    "ô tiêu đề bị gộp ({area}); mỗi cột cần một ô tiêu đề riêng trên một dòng — hãy bỏ gộp ô (Unmerge) và dùng đúng tiêu đề của mẫu"
                ),
                format!(
                    "merged header cells ({area}); every column needs its own header cell on one row — unmerge them and use the template's headers"
                ),
            ));
        } else if last_row > header_row {
            problems.push(Problem::at(
                first_row.max(header_row + 1),
                column,
                format!(
                    "ô bị gộp ({area}); mỗi dòng cần giá trị riêng — hãy bỏ gộp ô và ghi giá trị vào từng dòng"
                ),
                format!(
                    "merged cells ({area}); every row needs its own value — unmerge them and fill in each row"
                ),
            ));
        }
    }
    Table {
        header_row,
        headers,
        rows,
        problems,
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, Vec<Problem>> {
    let grid = xlsx_grid(bytes)?;
    let table = build(grid.rows, &grid.merges, grid.problems);
    if table.headers.is_empty() {
        return Err(vec![empty_file()]);
    }
    Ok(table)
}

fn xlsx_grid(bytes: &[u8]) -> Result<Grid, Vec<Problem>> {
    let unreadable = |e: &dyn std::fmt::Display| {
        vec![Problem::file(
            format!(
                "không đọc được tệp XLSX ({e}); hãy lưu lại bằng Excel hoặc LibreOffice dạng .xlsx"
            ),
            format!(
                "cannot read the XLSX file ({e}); save it again from Excel or LibreOffice as .xlsx"
            ),
        )]
    };
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let Some(sheet) = book.sheet_names().into_iter().next() else {
        return Err(vec![Problem::file(
            "tệp không có trang tính nào",
            "the workbook has no sheet",
        )]);
    };
    let range = book.worksheet_range(&sheet).map_err(|e| unreadable(&e))?;
    let merges: Vec<Merge> = book
        .merge_cells_by_sheet_name(&sheet)
        .unwrap_or_default()
        .into_iter()
        .map(|d| (d.start, d.end))
        .collect();
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let row0 = usize::try_from(row0).unwrap_or(0);
    let col0 = usize::try_from(col0).unwrap_or(0);
    let mut problems = Vec::new();
    let mut grid = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let number = row0 + i + 1;
        let mut row = vec![String::new(); col0];
        for (j, cell) in cells.iter().enumerate() {
            match cell_text(cell) {
                Ok(text) => row.push(text),
                Err(code) => {
                    problems.push(Problem::at(
                        number,
                        Some(column_letters(col0 + j)),
                        format!("ô có lỗi công thức ({code}); hãy ghi giá trị thay cho công thức"),
                        format!("the cell holds a formula error ({code}); type the value instead"),
                    ));
                    row.push(String::new());
                }
            }
        }
        grid.push((number, row));
    }
    Ok(Grid {
        rows: grid,
        merges,
        problems,
    })
}

/// The text of a cell as a person would read it. Whole numbers lose their
/// `.0`; dates become dd/mm/yyyy; a formula error is `Err(code)`.
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(true) => "có".to_owned(),
        Data::Bool(false) => "không".to_owned(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{day:02}/{m:02}/{y:04}")
        }
        Data::DateTime(d) => float_text(d.as_f64()),
        Data::Error(e) => return Err(e.to_string()),
    })
}

fn float_text(f: f64) -> String {
    // Whole values within the range where every integer is exact.
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i64;
        i.to_string()
    } else if f.fract() == 0.0 {
        // Too large to be exact: spell out the digits so the number
        // parser reports the overflow.
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn empty_file() -> Problem {
    Problem::file(
        "tệp rỗng: không có dòng tiêu đề; hãy dùng tệp mẫu",
        "the file is empty: no header row; use the template",
    )
}

fn read_csv(bytes: &[u8]) -> Result<Table, Vec<Problem>> {
    let grid = csv_grid(bytes)?;
    let table = build(grid.rows, &[], grid.problems);
    if table.headers.is_empty() {
        return Err(vec![empty_file()]);
    }
    Ok(table)
}

fn csv_grid(bytes: &[u8]) -> Result<Grid, Vec<Problem>> {
    let text = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    // Line breaks inside the cells read so far.
    let mut folded_lines = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                // The row as a spreadsheet shows it: a cell holding a line
                // break (quoted) spans several lines of the file but is one
                // row.
                let line = record.position().map_or(0, |p| record_line(&text, p));
                let number = line.saturating_sub(folded_lines);
                folded_lines += record.iter().map(line_breaks).sum::<usize>();
                grid.push((number, record.iter().map(str::to_owned).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(Problem::at(
                    usize::try_from(line).unwrap_or(0),
                    None,
                    format!("không đọc được dòng CSV ({e}); kiểm tra dấu ngoặc kép"),
                    format!("cannot read the CSV line ({e}); check the quotation marks"),
                ));
                break;
            }
        }
    }
    Ok(Grid {
        rows: grid,
        merges: Vec::new(),
        problems,
    })
}

/// Line breaks in a cell, counted as the CSV reader counts lines (`\n`).
fn line_breaks(cell: &str) -> usize {
    cell.matches('\n').count()
}

/// The line a record starts on. The reader reports the position where it
/// began looking, before the blank lines it skips; those are counted here.
fn record_line(text: &str, p: &csv::Position) -> usize {
    let mut line = usize::try_from(p.line()).unwrap_or(usize::MAX);
    let mut rest = usize::try_from(p.byte())
        .ok()
        .and_then(|b| text.get(b..))
        .unwrap_or("");
    loop {
        if let Some(r) = rest
            .strip_prefix("\r\n")
            .or_else(|| rest.strip_prefix('\n'))
        {
            line = line.saturating_add(1);
            rest = r;
        } else if let Some(r) = rest.strip_prefix('\r') {
            line = line.saturating_add(1);
            rest = r;
        } else {
            return line;
        }
    }
}

/// UTF-8 (a byte-order mark is dropped) or UTF-16 with a byte-order mark.
/// Anything else is refused with the line of the first byte that is not
/// UTF-8: Windows-1252, TCVN3 and VNI files cannot be told apart reliably,
/// so they are not guessed.
fn decode(bytes: &[u8]) -> Result<String, Vec<Problem>> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest);
    }
    let utf16 = |rest: &[u8], le: bool| -> Result<String, Vec<Problem>> {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| {
                if le {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| {
            vec![Problem::file(
                "tệp UTF-16 bị hỏng; hãy lưu lại dạng \"CSV UTF-8\"",
                "the UTF-16 file is damaged; save it again as \"CSV UTF-8\"",
            )]
        })
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, Vec<Problem>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            Err(vec![Problem::at(
                line,
                None,
                "tệp không phải mã UTF-8 (có thể là Windows-1252, TCVN3/ABC hoặc VNI); hãy mở bằng Excel và lưu lại dạng \"CSV UTF-8 (Comma delimited)\", hoặc chuyển mã sang Unicode bằng Unikey rồi lưu lại",
                "the file is not UTF-8 (perhaps Windows-1252, TCVN3/ABC or VNI); open it in Excel and save it as \"CSV UTF-8 (Comma delimited)\", or convert it to Unicode with Unikey and save again",
            )])
        }
    }
}

/// The separator of the first record that has one (a title line above
/// the header, as bank statements have, may hold none): `,`, `;` (Excel
/// with Vietnamese regional settings) or tab, whichever occurs most
/// outside quotes. A quoted cell may span lines. Looks at 30 records at
/// most; `,` when none has a separator.
fn sniff_delimiter(text: &str) -> u8 {
    let candidates = [b',', b';', b'\t'];
    let mut counts = [0usize; 3];
    let mut quoted = false;
    let mut records = 0;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            '\n' | '\r' if !quoted => {
                if counts.iter().any(|&n| n > 0) {
                    break;
                }
                records += 1;
                if records >= 30 {
                    break;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Table {
        read_csv(text.as_bytes()).unwrap_or_else(|p| panic!("{p:?}"))
    }

    #[test]
    fn a_utf8_byte_order_mark_is_dropped_from_the_first_header() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("Tên,Loại\nA,B\n".as_bytes());
        let t = read_csv(&bytes).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(t.headers, vec!["Tên", "Loại"]);
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Tên\tLoại\r\nAn\tcá nhân\r\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let t = read_csv(&bytes).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(t.headers, vec!["Tên", "Loại"]);
        assert_eq!(t.rows[0].cells, vec!["An", "cá nhân"]);
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_with_the_line_of_the_first_bad_byte() {
        // "Hà" in Windows-1252 on line 3.
        let bytes = b"Ten,Loai\nAn,x\nH\xe0,y\n";
        let problems = read_csv(bytes).err().unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].row, 3);
        assert!(problems[0].en.contains("not UTF-8"), "{}", problems[0]);
        assert!(problems[0].vi.contains("CSV UTF-8"), "{}", problems[0]);
    }

    #[test]
    fn empty_lines_are_skipped_and_row_numbers_stay_those_of_the_file() {
        let t = csv("Tên,Loại\n\nAn,x\n,\n  ,  \nBình,y\n");
        let numbers: Vec<usize> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![3, 6]);
        assert_eq!(t.header_row, 1);
    }

    #[test]
    fn a_cell_with_line_breaks_is_one_row_as_in_a_spreadsheet() {
        let t = csv("\"Nợ\nDebit\";\"Có\r\nCredit\"\n\n1;\"a\nb\"\n2;x\n");
        assert_eq!(t.headers, vec!["Nợ Debit", "Có Credit"]);
        let numbers: Vec<usize> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![3, 4]);
    }

    #[test]
    fn a_title_line_without_separators_does_not_decide_the_separator() {
        let t = csv("SAO KÊ TÀI KHOẢN\nNgày;Có\n01/11/2026;1.000\n");
        assert_eq!(t.headers, vec!["SAO KÊ TÀI KHOẢN"]);
        assert_eq!(t.rows[0].cells, vec!["Ngày", "Có"]);
        assert_eq!(t.rows[1].cells, vec!["01/11/2026", "1.000"]);
    }

    #[test]
    fn semicolons_and_tabs_are_recognised_as_separators() {
        assert_eq!(csv("Tên;Loại\nAn;x\n").headers, vec!["Tên", "Loại"]);
        assert_eq!(csv("Tên\tLoại\nAn\tx\n").headers, vec!["Tên", "Loại"]);
        // A comma inside quotes does not count.
        assert_eq!(
            csv("\"Tên, đầy đủ\";Loại\nAn;x\n").headers,
            vec!["Tên, đầy đủ", "Loại"]
        );
    }

    #[test]
    fn an_empty_file_is_refused_as_having_no_header() {
        let problems = read_csv(b"\n\n").err().unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].en.contains("no header"));
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_refused_clearly() {
        let problems = read_xlsx(b"not a zip").err().unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].row, 0);
        assert!(problems[0].en.contains("cannot read the XLSX"));
    }

    #[test]
    fn a_cell_holding_a_formula_error_is_refused_with_its_code() {
        assert_eq!(
            cell_text(&Data::Error(calamine::CellErrorType::NA)),
            Err("#N/A".to_owned())
        );
        assert_eq!(cell_text(&Data::Bool(true)), Ok("có".to_owned()));
        assert_eq!(cell_text(&Data::Int(7)), Ok("7".to_owned()));
    }

    #[test]
    fn whole_floats_lose_their_decimal_point_and_fractions_keep_it() {
        assert_eq!(float_text(1_200_000.0), "1200000");
        assert_eq!(float_text(1.5), "1.5");
        assert_eq!(float_text(1e20), "100000000000000000000");
    }
}
