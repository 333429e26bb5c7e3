//! Two organisations match children on keyed hashes (issue 4, item 6),
//! file to file, without exchanging a name, a birth date or a personal ID:
//!
//! * `chungtay exchange export --input records.csv --key shared.key --output hashes.csv`
//!   reads records in the `chungtay dedupe` input format and writes, per
//!   record, `record_id,pid_hmac,name_birth_hmac`: HMAC-SHA256 under a key
//!   the two organisations share (a file of 64 hex digits, agreed apart from
//!   the exchange) of the normalised personal ID (12 digits, when it is a
//!   valid one) and of the normalised name with the full birth date (when
//!   the day is known). Names are normalised as the `dedupe` engine does
//!   (NFC, tone-mark placement, case, spacing, apostrophes, diacritics
//!   folded) with their words sorted (name order); the date is written
//!   `yyyy-mm-dd`. Record ids are the organisation's own numbers and must
//!   not be personal data.
//! * `chungtay exchange match --ours a.csv --theirs b.csv --output pairs.csv`
//!   compares two such files and writes `our_record_id,their_record_id,basis`
//!   (`personal_id+name_birth`, `personal_id` or `name_birth`).
//!
//! Without the key the hashes cannot be tested against guesses; with it,
//! only records that both sides hold can be recognised. Errors name the
//! row and column, never a value.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use dedupe::Record;

#[derive(clap::Args, Debug, Clone)]
pub struct ExportArgs {
    /// Records, UTF-8 CSV with the header of `chungtay dedupe`.
    #[arg(long)]
    pub input: PathBuf,
    /// The key shared by the two organisations (64 hex digits).
    #[arg(long)]
    pub key: PathBuf,
    /// Output: record_id,pid_hmac,name_birth_hmac.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(clap::Args, Debug, Clone)]
pub struct MatchArgs {
    /// Our hashes file (from `chungtay exchange export`).
    #[arg(long)]
    pub ours: PathBuf,
    /// Theirs, made with the same key.
    #[arg(long)]
    pub theirs: PathBuf,
    /// Output: our_record_id,their_record_id,basis.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("{0}")]
    Records(#[from] crate::cmd_dedupe::DedupeCmdError),
    #[error("không đọc được tệp {path}: {source} / cannot read file {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("không ghi được tệp {path}: {source} / cannot write file {path}: {source}")]
    Write { path: String, source: io::Error },
    #[error(
        "tệp khóa {0} không hợp lệ: cần đúng 64 chữ số thập lục phân / key file {0} is malformed: 64 hex digits expected"
    )]
    Key(String),
    #[error(
        "tệp {path}, dòng 1: tiêu đề phải là record_id,pid_hmac,name_birth_hmac / file {path}, row 1: the header must be record_id,pid_hmac,name_birth_hmac"
    )]
    Header { path: String },
    #[error(
        "tệp {path}, dòng {row}, cột {column}: không phải mã băm (64 chữ số thập lục phân) hay ô trống / file {path}, row {row}, column {column}: not a hash (64 hex digits) nor empty"
    )]
    BadHash {
        path: String,
        row: usize,
        column: &'static str,
    },
    #[error("tệp {path}, dòng {row}: cần 3 cột / file {path}, row {row}: 3 columns expected")]
    Columns { path: String, row: usize },
}

/// One record of an exchange file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed {
    pub record_id: String,
    pub pid: Option<String>,
    pub name_birth: Option<String>,
}

/// Reads the shared key: 64 hex digits.
pub fn read_key(path: &Path) -> Result<[u8; 32], ExchangeError> {
    let text = std::fs::read_to_string(path).map_err(|source| ExchangeError::Read {
        path: path.display().to_string(),
        source,
    })?;
    crate::cmd_registry::parse_key(&text)
        .ok_or_else(|| ExchangeError::Key(path.display().to_string()))
}

fn hmac_hex(key: &[u8; 32], domain: &str, value: &str) -> String {
    let msg = format!("{domain}\u{1f}{value}");
    storage::registry::hmac_sha256(key, msg.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The normalised name: folded words, sorted.
fn name_key(name: &str) -> String {
    let mut words = dedupe::normalize::name_keys(name).folded;
    words.retain(|w| !w.is_empty());
    words.sort();
    words.join(" ")
}

/// The keyed hashes of one record.
pub fn hash_record(key: &[u8; 32], record_id: &str, r: &Record) -> Hashed {
    let pid = dedupe::pid::parse_personal_id(r.personal_id.trim())
        .ok()
        .map(|p| hmac_hex(key, "pid", &format!("{:012}", p.as_u64())));
    let name = name_key(&r.full_name);
    let name_birth = dedupe::date::parse_date(&r.birth_date)
        .and_then(|d| Some((d.year, d.month?, d.day?)))
        .filter(|_| !name.is_empty())
        .map(|(y, m, d)| {
            hmac_hex(
                key,
                "name_birth",
                &format!("{name}\u{1f}{y:04}-{m:02}-{d:02}"),
            )
        });
    Hashed {
        record_id: record_id.to_owned(),
        pid,
        name_birth,
    }
}

fn write_err(path: &Path) -> impl Fn(io::Error) -> ExchangeError + '_ {
    move |source| ExchangeError::Write {
        path: path.display().to_string(),
        source,
    }
}

/// A CSV cell: quoted when it needs to be.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub fn export(args: &ExportArgs) -> Result<usize, ExchangeError> {
    let key = read_key(&args.key)?;
    let (ids, records) = crate::cmd_dedupe::read_records(&args.input)?;
    let file = File::create(&args.output).map_err(write_err(&args.output))?;
    let mut out = BufWriter::new(file);
    writeln!(out, "record_id,pid_hmac,name_birth_hmac").map_err(write_err(&args.output))?;
    for (id, r) in ids.iter().zip(&records) {
        let h = hash_record(&key, id, r);
        writeln!(
            out,
            "{},{},{}",
            cell(&h.record_id),
            h.pid.as_deref().unwrap_or(""),
            h.name_birth.as_deref().unwrap_or("")
        )
        .map_err(write_err(&args.output))?;
    }
    out.flush().map_err(write_err(&args.output))?;
    Ok(records.len())
}

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads an exchange file.
pub fn read_hashes(path: &Path) -> Result<Vec<Hashed>, ExchangeError> {
    let p = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| ExchangeError::Read {
            path: p.clone(),
            source: io::Error::other(e.to_string()),
        })?;
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.map_err(|_| ExchangeError::Columns {
            path: p.clone(),
            row: i + 1,
        })?;
        if i == 0 {
            let header: Vec<String> = row
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
                .collect();
            if header != ["record_id", "pid_hmac", "name_birth_hmac"] {
                return Err(ExchangeError::Header { path: p });
            }
            continue;
        }
        if row.len() != 3 {
            return Err(ExchangeError::Columns {
                path: p,
                row: i + 1,
            });
        }
        let hash = |k: usize, column: &'static str| -> Result<Option<String>, ExchangeError> {
            let v = row.get(k).unwrap_or("").trim();
            if v.is_empty() {
                Ok(None)
            } else if is_hash(v) {
                Ok(Some(v.to_ascii_lowercase()))
            } else {
                Err(ExchangeError::BadHash {
                    path: p.clone(),
                    row: i + 1,
                    column,
                })
            }
        };
        out.push(Hashed {
            record_id: row.get(0).unwrap_or("").trim().to_owned(),
            pid: hash(1, "pid_hmac")?,
            name_birth: hash(2, "name_birth_hmac")?,
        });
    }
    Ok(out)
}

/// Pairs of records that share a hash: (ours, theirs, basis), in our
/// file's order.
pub fn match_hashes(ours: &[Hashed], theirs: &[Hashed]) -> Vec<(String, String, &'static str)> {
    let mut by_pid: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_nb: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, t) in theirs.iter().enumerate() {
        if let Some(h) = &t.pid {
            by_pid.entry(h).or_default().push(i);
        }
        if let Some(h) = &t.name_birth {
            by_nb.entry(h).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for o in ours {
        let pid: Vec<usize> = o
            .pid
            .as_deref()
            .and_then(|h| by_pid.get(h))
            .cloned()
            .unwrap_or_default();
        let nb: Vec<usize> = o
            .name_birth
            .as_deref()
            .and_then(|h| by_nb.get(h))
            .cloned()
            .unwrap_or_default();
        let mut all: Vec<usize> = pid.iter().chain(&nb).copied().collect();
        all.sort_unstable();
        all.dedup();
        for i in all {
            let basis = match (pid.contains(&i), nb.contains(&i)) {
                (true, true) => "personal_id+name_birth",
                (true, false) => "personal_id",
                _ => "name_birth",
            };
            out.push((o.record_id.clone(), theirs[i].record_id.clone(), basis));
        }
    }
    out
}

pub fn run_match(args: &MatchArgs) -> Result<usize, ExchangeError> {
    let ours = read_hashes(&args.ours)?;
    let theirs = read_hashes(&args.theirs)?;
    let pairs = match_hashes(&ours, &theirs);
    let file = File::create(&args.output).map_err(write_err(&args.output))?;
    let mut out = BufWriter::new(file);
    writeln!(out, "our_record_id,their_record_id,basis").map_err(write_err(&args.output))?;
    for (a, b, basis) in &pairs {
        writeln!(out, "{},{},{basis}", cell(a), cell(b)).map_err(write_err(&args.output))?;
    }
    out.flush().map_err(write_err(&args.output))?;
    Ok(pairs.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "record_id,source,full_name,birth_date,sex,commune_code,village,guardian_name,personal_id\n";

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ct-exchange-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).expect("dir");
        d
    }

    #[test]
    fn two_organisations_match_on_keyed_hashes_and_exchange_no_identifier() {
        let d = dir("match");
        let key = d.join("shared.key");
        std::fs::write(&key, format!("{}\n", "5a".repeat(32))).expect("key");
        let school = d.join("school.csv");
        std::fs::write(
            &school,
            format!(
                "{HEADER}HS-001,school,Hồ Thị Hoà,05/03/2017,Nữ,20056,A Năm,Hồ Văn Pả,046317001234\n\
                 HS-002,school,Kăn Văn Vai,2018,Nam,20056,A Năm,,\n\
                 HS-003,school,Lê Thị Mai,12/09/2016,Nữ,20056,Pa Ring,,\n"
            ),
        )
        .expect("school");
        let union = d.join("union.csv");
        std::fs::write(
            &union,
            format!(
                "{HEADER}HPN-9,union,HO THI HOA,2017-03-05,F,20056,,,046317001234\n\
                 HPN-10,union,Mai Lê Thị,2016-09-12,F,20056,,,\n\
                 HPN-11,union,Kăn Văn Vai,2018,M,20056,,,\n"
            ),
        )
        .expect("union");
        let (a, b) = (d.join("a.csv"), d.join("b.csv"));
        export(&ExportArgs {
            input: school.clone(),
            key: key.clone(),
            output: a.clone(),
        })
        .expect("export a");
        export(&ExportArgs {
            input: union.clone(),
            key: key.clone(),
            output: b.clone(),
        })
        .expect("export b");
        for file in [&a, &b] {
            let text = std::fs::read_to_string(file).expect("read");
            for secret in [
                "046317001234",
                "Hoà",
                "HOA",
                "hoa",
                "Mai",
                "mai",
                "05/03/2017",
                "2017-03-05",
                "2016-09-12",
                "Pả",
                "A Năm",
            ] {
                assert!(!text.contains(secret), "{secret} in the exchange file");
            }
            assert_eq!(text.lines().count(), 4);
        }
        let out = d.join("pairs.csv");
        let n = run_match(&MatchArgs {
            ours: a.clone(),
            theirs: b.clone(),
            output: out.clone(),
        })
        .expect("match");
        assert_eq!(n, 2);
        assert_eq!(
            std::fs::read_to_string(&out).expect("pairs"),
            "our_record_id,their_record_id,basis\n\
             HS-001,HPN-9,personal_id+name_birth\n\
             HS-003,HPN-10,name_birth\n"
        );
        // Another key: nothing matches.
        let other = d.join("other.key");
        std::fs::write(&other, "a5".repeat(32)).expect("key");
        let c = d.join("c.csv");
        export(&ExportArgs {
            input: union,
            key: other,
            output: c.clone(),
        })
        .expect("export c");
        assert_eq!(
            run_match(&MatchArgs {
                ours: a,
                theirs: c,
                output: out,
            })
            .expect("match"),
            0
        );
    }

    #[test]
    fn a_bad_exchange_file_names_row_and_column_not_the_value() {
        let d = dir("bad");
        let f = d.join("bad.csv");
        std::fs::write(&f, "record_id,pid_hmac,name_birth_hmac\nR1,Hồ Thị Hoà,\n").expect("write");
        let e = read_hashes(&f).expect_err("refused").to_string();
        assert!(e.contains("dòng 2, cột pid_hmac"), "{e}");
        assert!(!e.contains("Hoà"), "{e}");
        std::fs::write(&f, "id,x\n").expect("write");
        assert!(matches!(read_hashes(&f), Err(ExchangeError::Header { .. })));
        std::fs::write(d.join("k"), "short").expect("write");
        assert!(matches!(read_key(&d.join("k")), Err(ExchangeError::Key(_))));
    }
}
