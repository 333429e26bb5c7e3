//! `chungtay dedupe --input records.csv --output clusters.csv [--explain pairs.csv]`
//!
//! Reads child records (UTF-8 CSV with the header
//! `record_id,source,full_name,birth_date,sex,commune_code,village,guardian_name,personal_id`,
//! columns in any order, extra columns ignored), finds the records that are the same child with
//! the `dedupe` library, and writes `record_id,cluster_id` for every input record. With
//! `--explain`, also writes the scored pairs with their explanation in Vietnamese and English.
//!
//! Errors name the row and column (and the record id), never a child's name, birth date or ID.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use dedupe::{Config, Decision, Record, Stage};
use rayon::prelude::*;

/// Arguments of `chungtay dedupe`.
#[derive(clap::Args, Debug, Clone)]
pub struct DedupeArgs {
    /// Input CSV (UTF-8, with header record_id,source,full_name,birth_date,sex,commune_code,village,guardian_name,personal_id).
    #[arg(long)]
    pub input: PathBuf,
    /// Output CSV: record_id,cluster_id for every input record.
    #[arg(long)]
    pub output: PathBuf,
    /// Optional CSV of scored pairs with explanations (Vietnamese and English).
    #[arg(long)]
    pub explain: Option<PathBuf>,
    /// Match probability at or above which two records are linked (0.5–0.999999).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Pairs at or above this match probability are written to --explain (0–1).
    #[arg(long, default_value_t = 0.5)]
    pub review_threshold: f64,
    /// Print the estimated model (m, u and weight of every comparison level) to stderr.
    #[arg(long)]
    pub show_model: bool,
}

/// Why `chungtay dedupe` failed. Every message is one line, Vietnamese then English.
#[derive(Debug, thiserror::Error)]
pub enum DedupeCmdError {
    /// The input file could not be opened or read.
    #[error("không đọc được tệp {path}: {source} / cannot read file {path}: {source}")]
    Open {
        /// Path of the file.
        path: String,
        /// Cause.
        source: io::Error,
    },
    /// An output file could not be written.
    #[error("không ghi được tệp {path}: {source} / cannot write file {path}: {source}")]
    Write {
        /// Path of the file.
        path: String,
        /// Cause.
        source: io::Error,
    },
    /// The file is empty (no header).
    #[error("tệp rỗng: không có dòng tiêu đề / the file is empty: no header row")]
    Empty,
    /// The file has a header but no data rows.
    #[error(
        "tệp không có dòng dữ liệu nào sau dòng tiêu đề / the file has no data rows after the header"
    )]
    NoRows,
    /// A required column is missing from the header.
    #[error(
        "dòng 1, cột {column}: thiếu cột bắt buộc / row 1, column {column}: required column missing"
    )]
    MissingColumn {
        /// Column name.
        column: &'static str,
    },
    /// A field is not valid UTF-8.
    #[error(
        "dòng {row}, cột {column}: không phải UTF-8 hợp lệ / row {row}, column {column}: not valid UTF-8"
    )]
    BadUtf8 {
        /// 1-based line number (the header is row 1).
        row: u64,
        /// Column name.
        column: String,
    },
    /// A row could not be parsed as CSV (e.g. a different number of fields).
    #[error("dòng {row}: dòng CSV không hợp lệ ({detail}) / row {row}: invalid CSV row ({detail})")]
    Csv {
        /// 1-based line number.
        row: u64,
        /// What is wrong (from the CSV parser; contains no field values).
        detail: String,
    },
    /// Two rows have the same record id.
    #[error(
        "dòng {row}, cột record_id: trùng mã hồ sơ '{record_id}' (đã có ở dòng {first_row}) / row {row}, column record_id: duplicate record id '{record_id}' (already on row {first_row})"
    )]
    DuplicateRecordId {
        /// Row of the second occurrence.
        row: u64,
        /// Row of the first occurrence.
        first_row: u64,
        /// The record id.
        record_id: String,
    },
    /// A required field is empty.
    #[error(
        "dòng {row}, cột {column}: không được để trống / row {row}, column {column}: must not be empty"
    )]
    EmptyField {
        /// Row.
        row: u64,
        /// Column name.
        column: &'static str,
    },
    /// The sex column holds an unknown value.
    #[error(
        "dòng {row}, cột sex (hồ sơ '{record_id}'): giới tính phải là Nam, Nữ, M, F hoặc để trống / row {row}, column sex (record '{record_id}'): sex must be Nam, Nữ, M, F or empty"
    )]
    BadSex {
        /// Row.
        row: u64,
        /// The record id.
        record_id: String,
    },
    /// The threshold is out of range.
    #[error(
        "ngưỡng phải nằm trong khoảng 0,5–0,999999 / the threshold must be between 0.5 and 0.999999"
    )]
    Threshold,
}

const COLUMNS: [&str; 9] = [
    "record_id",
    "source",
    "full_name",
    "birth_date",
    "sex",
    "commune_code",
    "village",
    "guardian_name",
    "personal_id",
];

fn csv_detail(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => unequal_lengths(*len, *expected_len),
        csv::ErrorKind::Io(err) => err.to_string(),
        _ => "lỗi cú pháp CSV / CSV syntax error".to_string(),
    }
}

fn unequal_lengths(len: u64, expected_len: u64) -> String {
    format!("{len} cột thay vì {expected_len} / {len} fields instead of {expected_len}")
}

fn csv_row(e: &csv::Error) -> u64 {
    e.position().map_or(0, csv::Position::line)
}

/// Checks one row (its fields in [`COLUMNS`] order) and builds its record: `None` for a
/// completely blank line.
fn record_of(row: u64, fields: &[&str; 9]) -> Result<Option<(String, Record)>, DedupeCmdError> {
    if fields.iter().all(|f| f.trim().is_empty()) {
        return Ok(None);
    }
    let id = fields[0].trim();
    if id.is_empty() {
        return Err(DedupeCmdError::EmptyField {
            row,
            column: "record_id",
        });
    }
    if fields[2].trim().is_empty() {
        return Err(DedupeCmdError::EmptyField {
            row,
            column: "full_name",
        });
    }
    let sex = dedupe::parse_sex(fields[4]).map_err(|_| DedupeCmdError::BadSex {
        row,
        record_id: id.to_string(),
    })?;
    Ok(Some((
        id.to_string(),
        Record {
            source: fields[1].to_string(),
            full_name: fields[2].to_string(),
            birth_date: fields[3].to_string(),
            sex,
            commune_code: fields[5].to_string(),
            village: fields[6].to_string(),
            guardian_name: fields[7].to_string(),
            personal_id: fields[8].to_string(),
        },
    )))
}

/// Reads and validates the input file: record ids and records, in file order.
pub fn read_records(path: &Path) -> Result<(Vec<String>, Vec<Record>), DedupeCmdError> {
    read_records_in(path, 0)
}

/// [`read_records`], splitting a file without any quote character into `chunks` pieces read
/// in parallel (0: four per thread).
fn read_records_in(
    path: &Path,
    chunks: usize,
) -> Result<(Vec<String>, Vec<Record>), DedupeCmdError> {
    let bytes = std::fs::read(path).map_err(|source| DedupeCmdError::Open {
        path: path.display().to_string(),
        source,
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(&bytes[..]);
    let mut rec = csv::ByteRecord::new();
    let has_header = rdr.read_byte_record(&mut rec).map_err(|e| match e.kind() {
        csv::ErrorKind::Io(_) => DedupeCmdError::Open {
            path: path.display().to_string(),
            source: io::Error::other(csv_detail(&e)),
        },
        _ => DedupeCmdError::Csv {
            row: 1,
            detail: csv_detail(&e),
        },
    })?;
    if !has_header || (rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim_ascii().is_empty())) {
        return Err(DedupeCmdError::Empty);
    }
    let mut header = Vec::with_capacity(rec.len());
    for (k, field) in rec.iter().enumerate() {
        let field = if k == 0 {
            field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
        } else {
            field
        };
        let s = std::str::from_utf8(field).map_err(|_| DedupeCmdError::BadUtf8 {
            row: 1,
            column: format!("{}", k + 1),
        })?;
        header.push(s.trim().to_lowercase());
    }
    let mut idx = [0usize; 9];
    for (c, name) in COLUMNS.iter().enumerate() {
        idx[c] = header
            .iter()
            .position(|h| h == name)
            .ok_or(DedupeCmdError::MissingColumn { column: name })?;
    }
    // A file without quotes (and without a carriage return outside a CRLF) has a record
    // boundary after every newline: it is split there and read in parallel, with exactly the
    // records, rows and first problem of a reader going row by row.
    let start = usize::try_from(rdr.position().byte())
        .unwrap_or(bytes.len())
        .min(bytes.len());
    let data = &bytes[start..];
    let simple = !data.contains(&b'"')
        && data
            .iter()
            .enumerate()
            .all(|(k, &b)| b != b'\r' || data.get(k + 1) == Some(&b'\n'));
    let (ids, rows, records) = if simple {
        read_rows_parallel(data, rdr.position().line(), rec.len(), &idx, chunks)?
    } else {
        read_rows_sequential(&mut rdr, &idx)?
    };
    if records.is_empty() {
        return Err(DedupeCmdError::NoRows);
    }
    check_unique_ids(&ids, &rows)?;
    Ok((ids, records))
}

/// The records of one row each, with their ids and rows.
type Rows = (Vec<String>, Vec<u64>, Vec<Record>);

/// Reads the rows of `data` (after the header, which has `header_len` fields and ends before
/// line `first_line`) in `chunks` pieces cut after newlines, in parallel.
fn read_rows_parallel(
    data: &[u8],
    first_line: u64,
    header_len: usize,
    idx: &[usize; 9],
    chunks: usize,
) -> Result<Rows, DedupeCmdError> {
    let chunks = if chunks == 0 {
        rayon::current_num_threads() * 4
    } else {
        chunks
    }
    .clamp(1, data.len().max(1));
    let mut cuts = vec![0usize];
    for k in 1..chunks {
        let target = (data.len() * k / chunks).max(cuts.last().copied().unwrap_or(0));
        let cut = data[target..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |p| target + p + 1);
        if cut > cuts.last().copied().unwrap_or(0) && cut < data.len() {
            cuts.push(cut);
        }
    }
    cuts.push(data.len());
    // The line on which each piece starts.
    let mut lines = vec![first_line];
    for w in cuts.windows(2).take(cuts.len().saturating_sub(2)) {
        let newlines = data[w[0]..w[1]].iter().filter(|&&b| b == b'\n').count() as u64;
        lines.push(lines.last().copied().unwrap_or(first_line) + newlines);
    }
    type Piece = Vec<Result<Option<(u64, String, Record)>, DedupeCmdError>>;
    let pieces: Vec<Piece> = cuts
        .windows(2)
        .zip(&lines)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(w, &line)| {
            let mut out: Piece = Vec::new();
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&data[w[0]..w[1]]);
            let mut rec = csv::ByteRecord::new();
            loop {
                match rdr.read_byte_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        out.push(Err(DedupeCmdError::Csv {
                            row: line + csv_row(&e).saturating_sub(1),
                            detail: csv_detail(&e),
                        }));
                        break;
                    }
                }
                let row = line + rec.position().map_or(1, csv::Position::line) - 1;
                if rec.len() != header_len {
                    out.push(Err(DedupeCmdError::Csv {
                        row,
                        detail: unequal_lengths(rec.len() as u64, header_len as u64),
                    }));
                    break;
                }
                let parsed = fields_of(&rec, idx, row)
                    .and_then(|fields| record_of(row, &fields))
                    .map(|r| r.map(|(id, record)| (row, id, record)));
                let failed = parsed.is_err();
                out.push(parsed);
                if failed {
                    break;
                }
            }
            out
        })
        .collect();
    let mut ids = Vec::new();
    let mut rows = Vec::new();
    let mut records = Vec::new();
    for p in pieces.into_iter().flatten() {
        if let Some((row, id, record)) = p? {
            rows.push(row);
            ids.push(id);
            records.push(record);
        }
    }
    Ok((ids, rows, records))
}

/// The fields of a row in [`COLUMNS`] order, as UTF-8.
fn fields_of<'a>(
    rec: &'a csv::ByteRecord,
    idx: &[usize; 9],
    row: u64,
) -> Result<[&'a str; 9], DedupeCmdError> {
    let mut fields: [&str; 9] = [""; 9];
    for (c, &k) in idx.iter().enumerate() {
        let raw = rec.get(k).unwrap_or(b"");
        fields[c] = std::str::from_utf8(raw).map_err(|_| DedupeCmdError::BadUtf8 {
            row,
            column: COLUMNS[c].to_string(),
        })?;
    }
    Ok(fields)
}

/// Reads the rows after the header one by one (files with quotes, whose record boundaries
/// only a reader going through the whole file knows): the raw fields are copied into one
/// buffer, then every record is checked and built in parallel; the first problem in file
/// order is reported, as a reader going row by row would.
fn read_rows_sequential(
    rdr: &mut csv::Reader<&[u8]>,
    idx: &[usize; 9],
) -> Result<Rows, DedupeCmdError> {
    let mut rec = csv::ByteRecord::new();
    let mut arena: Vec<u8> = Vec::new();
    let mut raw: Vec<(u64, usize, [u32; 9])> = Vec::new();
    let mut csv_error: Option<DedupeCmdError> = None;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                csv_error = Some(DedupeCmdError::Csv {
                    row: csv_row(&e),
                    detail: csv_detail(&e),
                });
                break;
            }
        }
        let row = rec.position().map_or(0, csv::Position::line);
        let start = arena.len();
        let mut lens = [0u32; 9];
        for (c, &k) in idx.iter().enumerate() {
            let field = rec.get(k).unwrap_or(b"");
            arena.extend_from_slice(field);
            lens[c] = u32::try_from(field.len()).unwrap_or(u32::MAX);
        }
        raw.push((row, start, lens));
    }
    let parsed: Vec<Result<Option<(String, Record)>, DedupeCmdError>> = raw
        .par_iter()
        .map(|&(row, start, lens)| {
            let mut fields: [&str; 9] = [""; 9];
            let mut at = start;
            for (c, &len) in lens.iter().enumerate() {
                let end = at + len as usize;
                let bytes = arena.get(at..end).unwrap_or(b"");
                at = end;
                fields[c] = std::str::from_utf8(bytes).map_err(|_| DedupeCmdError::BadUtf8 {
                    row,
                    column: COLUMNS[c].to_string(),
                })?;
            }
            record_of(row, &fields)
        })
        .collect();
    drop(arena);
    let mut ids: Vec<String> = Vec::with_capacity(parsed.len());
    let mut rows: Vec<u64> = Vec::with_capacity(parsed.len());
    let mut records: Vec<Record> = Vec::with_capacity(parsed.len());
    for (p, &(row, _, _)) in parsed.into_iter().zip(&raw) {
        if let Some((id, record)) = p? {
            rows.push(row);
            ids.push(id);
            records.push(record);
        }
    }
    if let Some(e) = csv_error {
        return Err(e);
    }
    Ok((ids, rows, records))
}

/// Duplicate record ids: the indices sorted by id; the duplicate met first in the file is
/// reported with both rows.
fn check_unique_ids(ids: &[String], rows: &[u64]) -> Result<(), DedupeCmdError> {
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]).then(a.cmp(&b)));
    let mut dup: Option<(usize, usize)> = None;
    for w in order.windows(2) {
        let (a, b) = (w[0] as usize, w[1] as usize);
        if ids[a] == ids[b] && dup.is_none_or(|(_, second)| b < second) {
            dup = Some((a, b));
        }
    }
    if let Some((first, second)) = dup {
        // `first` is the earliest occurrence among equal ids sharing `second`'s id.
        let first = order
            .iter()
            .map(|&k| k as usize)
            .find(|&k| ids[k] == ids[second])
            .unwrap_or(first);
        return Err(DedupeCmdError::DuplicateRecordId {
            row: rows[second],
            first_row: rows[first],
            record_id: ids[second].clone(),
        });
    }
    Ok(())
}

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, DedupeCmdError> {
    let f = File::create(path).map_err(|source| DedupeCmdError::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(csv::Writer::from_writer(BufWriter::with_capacity(
        1 << 20,
        f,
    )))
}

fn write_err(path: &Path) -> impl Fn(csv::Error) -> DedupeCmdError + '_ {
    move |e| DedupeCmdError::Write {
        path: path.display().to_string(),
        source: io::Error::other(e.to_string()),
    }
}

fn stage_label(s: Stage) -> &'static str {
    match s {
        Stage::Normalise => "chuẩn hoá / normalising",
        Stage::Block => "phân khối / blocking",
        Stage::Train => "ước lượng m/u / training",
        Stage::Score => "chấm điểm cặp / scoring",
        Stage::Cluster => "gom cụm / clustering",
    }
}

/// Runs `chungtay dedupe`.
pub fn run(args: &DedupeArgs) -> Result<(), DedupeCmdError> {
    if !(0.5..=0.999_999).contains(&args.threshold) {
        return Err(DedupeCmdError::Threshold);
    }
    let (ids, records) = read_records(&args.input)?;
    let config = Config {
        link_probability: args.threshold,
        review_probability: args.review_threshold.clamp(0.0, 1.0),
        explain: args.explain.is_some(),
        ..Config::default()
    };
    let bar = if io::stderr().is_terminal() {
        let pb = indicatif::ProgressBar::new(1);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} {msg}",
        ) {
            pb.set_style(style);
        }
        Some(pb)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let timings: std::sync::Mutex<Vec<(Stage, f64)>> = std::sync::Mutex::new(Vec::new());
    let progress = |stage: Stage, done: u64, total: u64| {
        if let Ok(mut t) = timings.lock()
            && t.last().is_none_or(|(s, _)| *s != stage)
        {
            t.push((stage, started.elapsed().as_secs_f64()));
        }
        if let Some(pb) = &bar {
            pb.set_message(stage_label(stage));
            pb.set_length(total);
            pb.set_position(done);
        }
    };
    let outcome = dedupe::deduplicate(&records, &config, &progress);
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    drop(records);

    let mut w = writer(&args.output)?;
    let werr = write_err(&args.output);
    w.write_record(["record_id", "cluster_id"]).map_err(&werr)?;
    for (i, id) in ids.iter().enumerate() {
        let rep = outcome.cluster_of.get(i).copied().unwrap_or(i as u32) as usize;
        let cluster = ids.get(rep).map_or(id.as_str(), String::as_str);
        w.write_record([id.as_str(), cluster]).map_err(&werr)?;
    }
    w.flush().map_err(|source| DedupeCmdError::Write {
        path: args.output.display().to_string(),
        source,
    })?;

    if let Some(path) = &args.explain {
        let mut w = writer(path)?;
        let werr = write_err(path);
        w.write_record([
            "record_id_a",
            "record_id_b",
            "probability",
            "weight",
            "decision",
            "explanation_vi",
            "explanation_en",
            "field_weights",
        ])
        .map_err(&werr)?;
        for p in &outcome.pairs {
            let (a, b) = (
                ids.get(p.a as usize).map_or("", String::as_str),
                ids.get(p.b as usize).map_or("", String::as_str),
            );
            let fw: Vec<String> = dedupe::compare::FIELDS
                .iter()
                .enumerate()
                .filter(|&(f, _)| p.vector.levels[f] != dedupe::compare::NULL_LEVEL)
                .map(|(f, field)| {
                    format!(
                        "{field:?}={:+.2}",
                        p.field_weights.get(f).copied().unwrap_or(0.0)
                    )
                })
                .collect();
            w.write_record([
                a,
                b,
                &format!("{:.6}", p.probability),
                &format!("{:.3}", p.weight),
                match p.decision {
                    Decision::Linked => "linked",
                    Decision::KeptApart => "kept_apart",
                },
                &p.explanation_vi,
                &p.explanation_en,
                &fw.join(" "),
            ])
            .map_err(&werr)?;
        }
        w.flush().map_err(|source| DedupeCmdError::Write {
            path: path.display().to_string(),
            source,
        })?;
    }

    let s = &outcome.stats;
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "{} hồ sơ → {} cụm; {} cặp được so sánh; {} liên kết ({} bị từ chối do xung đột); {} mã định danh sai cấu trúc bị bỏ qua / {} records → {} clusters; {} pairs compared; {} links ({} refused by conflicts); {} malformed personal IDs ignored",
        s.records,
        s.clusters,
        s.candidate_pairs,
        s.links,
        s.links_refused,
        s.invalid_personal_ids,
        s.records,
        s.clusters,
        s.candidate_pairs,
        s.links,
        s.links_refused,
        s.invalid_personal_ids
    );
    if args.show_model {
        for line in outcome.model.describe() {
            let _ = writeln!(err, "{line}");
        }
        for (rule, blocks, oversized) in &s.blocks_per_rule {
            let _ = writeln!(err, "block {rule}: {blocks} blocks, {oversized} oversized");
        }
        if let Ok(t) = timings.lock() {
            let line: Vec<String> = t
                .iter()
                .map(|(stage, at)| format!("{}@{at:.1}s", stage_label(*stage)))
                .collect();
            let _ = writeln!(
                err,
                "stages started: {} ; total {:.1}s",
                line.join(", "),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "record_id,source,full_name,birth_date,sex,commune_code,village,guardian_name,personal_id\n";

    /// A file without quotes is read in pieces in parallel: whatever the number of pieces, the
    /// same records, and the same first problem on the same row, as one piece read row by row.
    #[test]
    fn a_file_read_in_pieces_gives_what_one_piece_gives() {
        let mut good = String::from(HEADER);
        for i in 0..300 {
            let line = format!(
                "R{i},school,Hồ Thị Hoa {i},0{}/03/2017,F,20056,Thôn {},Hồ Văn Pả,",
                1 + i % 9,
                i % 7
            );
            good.push_str(&line);
            // Blank lines and Windows line ends here and there.
            good.push_str(if i % 13 == 0 { "\r\n" } else { "\n" });
            if i % 29 == 0 {
                good.push('\n');
            }
        }
        let read = |content: &str, chunks: usize| {
            let path = tmp(
                &format!("pieces-{chunks}-{}.csv", content.len()),
                content.as_bytes(),
            );
            read_records_in(&path, chunks).map_err(|e| e.to_string())
        };
        let whole = read(&good, 1);
        assert_eq!(whole.as_ref().map(|r| r.1.len()), Ok(300));
        for chunks in [2, 3, 7, 64, 1000] {
            assert_eq!(read(&good, chunks), whole, "{chunks} pieces");
        }
        // Problems: a short row, an empty name, a bad sex, a duplicate id — the first in the file wins.
        for (bad_line, expect) in [
            ("R900,s,Hồ Lan\n", "dòng 101"),
            ("R900,s,,2017,F,1,,,\n", "dòng 101"),
            ("R900,s,Hồ Lan,2017,X,1,,,\n", "dòng 101"),
            ("R5,s,Hồ Lan,2017,F,1,,,\n", "dòng 101"),
        ] {
            let mut lines: Vec<&str> = good.split_inclusive('\n').collect();
            lines.insert(100, bad_line);
            let bad = lines.concat();
            let one = read(&bad, 1);
            let msg = one.clone().err().unwrap_or_default();
            assert!(msg.contains(expect), "{msg}");
            for chunks in [2, 5, 64] {
                assert_eq!(read(&bad, chunks), one, "{chunks} pieces, {bad_line}");
            }
        }
    }

    fn tmp(name: &str, content: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("chungtay-dedupe-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join(name);
        let _ = std::fs::write(&p, content);
        p
    }

    fn args(input: PathBuf, output: PathBuf, explain: Option<PathBuf>) -> DedupeArgs {
        DedupeArgs {
            input,
            output,
            explain,
            threshold: 0.8,
            review_threshold: 0.5,
            show_model: false,
        }
    }

    fn run_on(name: &str, content: &[u8]) -> Result<(), DedupeCmdError> {
        let input = tmp(&format!("{name}.csv"), content);
        let output = tmp(&format!("{name}.out.csv"), b"");
        run(&args(input, output, None))
    }

    #[test]
    fn every_input_record_gets_a_cluster_and_duplicates_share_one()
    -> Result<(), Box<dyn std::error::Error>> {
        let input = tmp(
            "ok.csv",
            format!(
                "{HEADER}R1,school,Hồ Thị Hoà,05/03/2017,Nữ,20056,,Hồ Văn Pả,046317001234\n\
                 R2,health_station,HO THI HOA,2017,F,20056,,Ho Van Pa,046317001234\n\
                 R3,womens_union,Hồ Thị Hòa,2017-03-05,,20056,,,\n\
                 R4,school,Kăn Văn Vai,12/06/2015,Nam,20080,,Kăn Thị Lan,\n"
            )
            .as_bytes(),
        );
        let output = tmp("ok.out.csv", b"");
        let explain = tmp("ok.pairs.csv", b"");
        run(&args(input, output.clone(), Some(explain.clone())))?;
        let out = std::fs::read_to_string(&output)?;
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "record_id,cluster_id");
        assert_eq!(lines.len(), 5);
        let cluster = |id: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(&format!("{id},")))
                .and_then(|l| l.split(',').nth(1))
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(cluster("R1"), cluster("R2"));
        assert_eq!(cluster("R1"), cluster("R3"));
        assert_ne!(cluster("R1"), cluster("R4"));
        let pairs = std::fs::read_to_string(&explain)?;
        assert!(pairs.starts_with("record_id_a,record_id_b,probability"));
        assert!(pairs.contains("linked"));
        Ok(())
    }

    #[test]
    fn a_missing_column_is_named() {
        let e = run_on(
            "missing",
            b"record_id,source,full_name,birth_date,sex,commune_code,village,personal_id\nR1,s,A,,,,,\n",
        );
        let msg = e.map(|_| String::new()).unwrap_or_else(|e| e.to_string());
        assert!(msg.contains("cột guardian_name"), "{msg}");
        assert!(msg.contains("column guardian_name"), "{msg}");
    }

    #[test]
    fn a_duplicate_record_id_names_both_rows_and_no_child_data() {
        let e = run_on(
            "dup",
            format!(
                "{HEADER}R12,s,Hồ Thị Lan,,,,,,\nR13,s,Hồ Văn Vai,,,,,,\nR12,s,Hồ Thị Mai,,,,,,\n"
            )
            .as_bytes(),
        );
        let msg = e.map(|_| String::new()).unwrap_or_else(|e| e.to_string());
        assert!(
            msg.starts_with("dòng 4, cột record_id: trùng mã hồ sơ 'R12'"),
            "{msg}"
        );
        assert!(
            msg.contains("row 4, column record_id: duplicate record id 'R12'"),
            "{msg}"
        );
        assert!(!msg.contains("Hồ"), "{msg}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(matches!(run_on("empty", b""), Err(DedupeCmdError::Empty)));
        assert!(matches!(
            run_on("header_only", HEADER.as_bytes()),
            Err(DedupeCmdError::NoRows)
        ));
    }

    #[test]
    fn bad_utf8_names_row_and_column() {
        let mut content = HEADER.as_bytes().to_vec();
        content.extend_from_slice(b"R1,s,H\xF4 Th\xEF,,,,,,\n");
        let msg = run_on("latin1", &content)
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(msg.starts_with("dòng 2, cột full_name:"), "{msg}");
    }

    #[test]
    fn a_bad_sex_value_names_the_record_but_not_the_child() {
        let msg = run_on(
            "sex",
            format!("{HEADER}R1,s,Hồ Thị Lan,,X,,,,\n").as_bytes(),
        )
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string());
        assert!(msg.starts_with("dòng 2, cột sex (hồ sơ 'R1')"), "{msg}");
        assert!(!msg.contains("Lan"), "{msg}");
    }

    #[test]
    fn an_empty_full_name_is_refused() {
        let msg = run_on("noname", format!("{HEADER}R1,s,,2017,,,,,\n").as_bytes())
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(msg.starts_with("dòng 2, cột full_name"), "{msg}");
    }

    #[test]
    fn a_row_with_too_few_fields_is_refused_with_its_row() {
        let msg = run_on("short", format!("{HEADER}R1,s,Hồ Lan\n").as_bytes())
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(msg.starts_with("dòng 2:"), "{msg}");
    }

    /// The CSV reader on many damaged files (a stable stand-in for a fuzz target: cargo-fuzz
    /// needs nightly): bytes flipped, inserted, deleted, lines cut, invalid UTF-8, quotes.
    /// Every file gives records or a one-line error naming a row; never a panic.
    #[test]
    fn damaged_files_give_records_or_a_row_error_never_a_panic() {
        let good = format!(
            "{HEADER}R1,school,Hồ Thị Hoà,05/03/2017,Nữ,20062,Thôn 1,Hồ Văn Pả,046317001234\n\
             R2,health,\"HO THI, HOA\",2017,F,20062,,Ho Van Pa,\n\
             R3,union,Pơ Loong A Rất,2016-12-01,Nam,20173,A Xách,,\n"
        );
        let mut state = 0x5EED_u64;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        const NASTY: [&[u8]; 8] = [
            b"\"",
            b",",
            b"\n",
            b"\r\n",
            b"\xff",
            b"\xc3",
            b"\0",
            b"\xe2\x80",
        ];
        let mut oks = 0;
        for case in 0..400 {
            let mut bytes = good.as_bytes().to_vec();
            for _ in 0..1 + next() % 6 {
                let at = (next() as usize) % (bytes.len() + 1);
                match next() % 4 {
                    0 if at < bytes.len() => bytes[at] = (next() & 0xff) as u8,
                    1 => {
                        let ins = NASTY[(next() as usize) % NASTY.len()];
                        bytes.splice(at..at, ins.iter().copied());
                    }
                    2 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at),
                }
            }
            let path = tmp(&format!("damaged{case}.csv"), &bytes);
            match read_records(&path) {
                Ok((ids, records)) => {
                    oks += 1;
                    assert_eq!(ids.len(), records.len());
                    assert!(ids.iter().all(|id| !id.trim().is_empty()));
                    assert!(records.iter().all(|r| !r.full_name.trim().is_empty()));
                    let mut sorted = ids.clone();
                    sorted.sort();
                    sorted.dedup();
                    assert_eq!(sorted.len(), ids.len(), "duplicate ids accepted");
                }
                Err(e) => {
                    let msg = e.to_string();
                    assert!(!msg.contains('\n'), "{msg}");
                    assert!(msg.contains(" / "), "not bilingual: {msg}");
                    // No child's name from the file in the message.
                    assert!(!msg.contains("Hoà") && !msg.contains("Rất"), "{msg}");
                }
            }
            let _ = std::fs::remove_file(&path);
        }
        assert!(oks > 0 && oks < 400, "{oks} of 400 damaged files read");
    }

    #[test]
    fn a_byte_order_mark_and_extra_columns_are_accepted() {
        let content = format!(
            "\u{feff}{}",
            HEADER.replace("personal_id\n", "personal_id,school\n")
        ) + "R1,s,Hồ Lan,,,,,,,Trường A\n";
        assert!(run_on("bom", content.as_bytes()).is_ok());
    }
}
