//! CSV for open data and for Excel: RFC 4180 (comma, CRLF, quotes doubled)
//! behind a UTF-8 byte-order mark, without which Excel reads Vietnamese as
//! mojibake. Numbers are written plainly for machines, whatever the reader's
//! locale: integers and đồng as digits (`1234567`), percentages with a dot
//! (`12.34`). People who want `1.234.567` open the XLSX.

use crate::model::{Cell, Table};
use unicode_normalization::UnicodeNormalization;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn write(table: &Table) -> Vec<u8> {
    let mut out = String::new();
    let header: Vec<String> = table.columns.iter().map(|c| c.header.clone()).collect();
    push_record(&mut out, &header);
    for row in table.rows.iter().chain(table.total_row.iter()) {
        let fields: Vec<String> = row.iter().map(field).collect();
        push_record(&mut out, &fields);
    }
    let mut bytes = BOM.to_vec();
    bytes.extend(out.nfc().collect::<String>().into_bytes());
    bytes
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Int(v) | Cell::Money(v) => v.to_string(),
        Cell::Percent(bp) => {
            let sign = if *bp < 0 { "-" } else { "" };
            let abs = bp.unsigned_abs();
            format!("{sign}{}.{:02}", abs / 100, abs % 100)
        }
        Cell::Empty => String::new(),
    }
}

fn push_record(out: &mut String, fields: &[String]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) || f.starts_with(' ') || f.ends_with(' ') {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, ColumnKind};

    #[test]
    fn csv_has_a_bom_quotes_and_plain_numbers() {
        let table = Table {
            title: "t".into(),
            columns: vec![
                Column {
                    header: "Xã".into(),
                    kind: ColumnKind::Text,
                },
                Column {
                    header: "Số tiền (đồng)".into(),
                    kind: ColumnKind::Money,
                },
                Column {
                    header: "Tỷ lệ".into(),
                    kind: ColumnKind::Percent,
                },
            ],
            rows: vec![vec![
                Cell::Text("A Lưới 1, \"mới\"".into()),
                Cell::Money(1_234_567),
                Cell::Percent(1234),
            ]],
            total_row: Some(vec![
                Cell::Text("Tổng".into()),
                Cell::Money(1_234_567),
                Cell::Empty,
            ]),
        };
        let bytes = write(&table);
        assert!(bytes.starts_with(BOM));
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        assert_eq!(
            text,
            "Xã,Số tiền (đồng),Tỷ lệ\r\n\"A Lưới 1, \"\"mới\"\"\",1234567,12.34\r\nTổng,1234567,\r\n"
        );
    }
}
