//! The children registry's key file (the personal-ID hash key, kept
//! outside the database) and its demo data: a few hundred synthetic source
//! records in A Lưới and Nam Đông, with the duplicates real lists have
//! (a school and a health station writing the same child differently).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::Utc;
use storage::Db;
use storage::audit::AuditActor;
use storage::registry::{NewRecord, Origin, PidKey, RecordData};

use crate::setup::AppError;

pub const DEFAULT_KEY_PATH: &str = "./data/registry-pid.key";

#[derive(clap::Args, Debug, Clone)]
pub struct RegistryKeyArgs {
    /// The key of the children's personal-ID hash (HMAC-SHA256), created if
    /// missing. Keep it outside the database and back it up apart: without
    /// it, stored hashes cannot be matched again.
    #[arg(long = "registry-key", env = "CHUNGTAY_REGISTRY_KEY", default_value = DEFAULT_KEY_PATH)]
    pub registry_key_file: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryKeyError {
    #[error(
        "không đọc/ghi được khoá băm số định danh {path}: {source} / cannot read or write the personal-ID hash key {path}: {source}"
    )]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "khoá băm số định danh {0} không hợp lệ (cần 64 chữ số hex) / the personal-ID hash key {0} is malformed (64 hex digits expected)"
    )]
    Malformed(String),
    #[error("không lấy được số ngẫu nhiên / no randomness")]
    Rng,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RegistryKeyError + '_ {
    move |source| RegistryKeyError::Io {
        path: path.display().to_string(),
        source,
    }
}

pub(crate) fn parse_key(text: &str) -> Option<[u8; 32]> {
    let t = text.trim();
    if t.len() != 64 || !t.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

/// Reads the key file, creating it (mode 0600) on first start.
pub fn load_or_create(path: &Path) -> Result<PidKey, RegistryKeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_key(&text)
            .map(PidKey::new)
            .ok_or_else(|| RegistryKeyError::Malformed(path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|_| RegistryKeyError::Rng)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io(path))?;
            }
            let text: String = key.iter().map(|b| format!("{b:02x}")).collect();
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            use std::io::Write;
            let mut f = opts.open(path).map_err(io(path))?;
            f.write_all(format!("{text}\n").as_bytes())
                .map_err(io(path))?;
            f.sync_all().map_err(io(path))?;
            tracing::info!(path = %path.display(), "generated a new personal-ID hash key");
            Ok(PidKey::new(key))
        }
        Err(e) => Err(io(path)(e)),
    }
}

/// A deterministic generator (the demo is the same on every machine).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// A child as the truth knows her.
struct Truth {
    family: &'static str,
    middle: &'static str,
    given: &'static str,
    year: i64,
    month: i64,
    day: i64,
    female: bool,
    ethnicity: &'static str,
    village: String,
    guardian: String,
    pid: Option<String>,
}

/// How a second source writes a name: without diacritics in capitals,
/// the other tone placement, Kăn as Căn or Kan, a clan name joined, the
/// middle name dropped.
fn variant(t: &Truth, rng: &mut Rng) -> String {
    let full = format!("{} {} {}", t.family, t.middle, t.given);
    match rng.below(5) {
        0 => domain::text::search_key(&full).to_uppercase(),
        1 => full
            .replace("oà", "òa")
            .replace("oá", "óa")
            .replace("uỷ", "ủy")
            .replace("Hoà", "Hòa"),
        2 => full
            .replace("Kăn", "Căn")
            .replace("A Lăng", "Alăng")
            .replace("Zơ Râm", "Dơ Râm"),
        3 => format!("{} {}", t.family, t.given),
        _ => domain::text::search_key(&full),
    }
}

fn data(
    t: &Truth,
    name: String,
    full_date: bool,
    swap: bool,
    commune: &str,
    key: &PidKey,
) -> RecordData {
    let (month, day) = if swap && t.day <= 12 {
        (t.day, t.month)
    } else {
        (t.month, t.day)
    };
    RecordData {
        full_name: name,
        birth_year: t.year,
        birth_month: full_date.then_some(month),
        birth_day: full_date.then_some(day),
        sex: Some(if t.female { "female" } else { "male" }.to_owned()),
        ethnicity: Some(t.ethnicity.to_owned()),
        commune_code: commune.to_owned(),
        village: Some(t.village.clone()),
        school_name: None,
        grade: None,
        guardian_name: Some(t.guardian.clone()),
        pid_hash: t.pid.as_deref().map(|p| key.hash(p)),
        pid_last3: t.pid.as_deref().map(|p| p[9..].to_owned()),
    }
}

/// Loads the demo children (marked demo) and the links the engine
/// proposes for them. Returns the number of source records.
pub async fn load_demo(db: &Db, key: &PidKey) -> Result<usize, AppError> {
    let actor = AuditActor::system("demo");
    let now = Utc::now();
    // (commune, ethnic group, family names, villages)
    let areas: [(&str, &str, &[&str], &[&str]); 4] = [
        (
            "20056",
            "Tà Ôi",
            &["Hồ", "Hồ", "Hồ", "Kăn", "Hồ", "Lê"],
            &["A Năm", "Pa Ring", "A Đeeng", "Ka Vá"],
        ),
        (
            "20053",
            "Tà Ôi",
            &["Hồ", "Hồ", "Kăn", "Hồ", "Nguyễn"],
            &["Thôn 2", "Thôn 5", "Pa Ây"],
        ),
        (
            "20182",
            "Cơ Tu",
            &["A Lăng", "Hồ", "Zơ Râm", "Pơloong", "Clâu"],
            &["Ga Hin", "Thôn 4"],
        ),
        (
            "20188",
            "Cơ Tu",
            &["A Lăng", "Pơloong", "Hồ", "Zơ Râm"],
            &["A Chiếu", "A Prung", "A Gôn"],
        ),
    ];
    let girls = [
        "Hoà", "Lan", "Mai", "Thuỷ", "Hương", "Ngân", "Xuân", "Tiên", "Hiên", "Blăng", "Pơi",
        "Biếc", "Nhi", "Thảo", "Vi",
    ];
    let boys = [
        "Vai", "Rất", "Pi", "Cư", "Thía", "Bốc", "Rôn", "Dinh", "Prao", "Ghép", "Lịch", "Nam",
        "Khánh", "Quân", "Toàn",
    ];
    let adults = [
        "Pả", "Nhâm", "Thanh", "Bình", "Hùng", "Dũng", "Kray", "Ra", "Sơn", "Lết", "Quý", "Tư",
        "Bốn", "Ba", "Năm",
    ];
    let mut rng = Rng(0x00C4_2026);
    let mut total = 0usize;
    for (commune, ethnicity, families, villages) in areas {
        let mut truths: Vec<Truth> = Vec::new();
        for i in 0..55 {
            let female = rng.below(2) == 0;
            let family = rng.pick(families);
            let year = 2010 + rng.below(14) as i64;
            let pid = (rng.below(3) == 0).then(|| {
                format!(
                    "046{}{:02}{:06}",
                    if female { 3 } else { 2 },
                    year % 100,
                    rng.below(1_000_000)
                )
            });
            truths.push(Truth {
                family,
                middle: if female { "Thị" } else { "Văn" },
                given: if female {
                    rng.pick(&girls)
                } else {
                    rng.pick(&boys)
                },
                year,
                month: 1 + rng.below(12) as i64,
                day: 1 + rng.below(28) as i64,
                female,
                ethnicity,
                village: rng.pick(villages).to_owned(),
                guardian: format!(
                    "{} {} {}",
                    rng.pick(families),
                    if i % 3 == 0 { "Thị" } else { "Văn" },
                    rng.pick(&adults)
                ),
                pid,
            });
            // Twins now and then: same guardian and birth date, another name.
            if i % 18 == 5 {
                let Some(t) = truths.last() else { continue };
                let twin = Truth {
                    family: t.family,
                    middle: t.middle,
                    given: if t.female {
                        rng.pick(&girls)
                    } else {
                        rng.pick(&boys)
                    },
                    year: t.year,
                    month: t.month,
                    day: t.day,
                    female: t.female,
                    ethnicity,
                    village: t.village.clone(),
                    guardian: t.guardian.clone(),
                    pid: None,
                };
                truths.push(twin);
            }
        }
        let school: Vec<NewRecord> = truths
            .iter()
            .enumerate()
            .map(|(i, t)| NewRecord {
                source_ref: Some(format!("HS-{commune}-{i:03}")),
                data: data(
                    t,
                    format!("{} {} {}", t.family, t.middle, t.given),
                    true,
                    false,
                    commune,
                    key,
                ),
            })
            .collect();
        // The health station lists about half of them, its own way.
        let mut station = Vec::new();
        for t in &truths {
            if rng.below(2) == 0 {
                let name = variant(t, &mut rng);
                let full_date = rng.below(4) != 0;
                let swap = rng.below(3) == 0;
                let mut d = data(t, name, full_date, swap, commune, key);
                if rng.below(2) == 0 {
                    d.pid_hash = None;
                    d.pid_last3 = None;
                }
                if rng.below(4) == 0 {
                    d.guardian_name = None;
                }
                station.push(NewRecord {
                    source_ref: None,
                    data: d,
                });
            }
        }
        let school_org = Origin {
            source_type: "school".into(),
            org_id: Some(format!("th-{commune}")),
        };
        let station_org = Origin {
            source_type: "health_station".into(),
            org_id: Some(format!("tyt-{commune}")),
        };
        let known = |o: &Origin| {
            let id = o.org_id.clone();
            async move {
                match id {
                    Some(id) => storage::organisations::get(db, &id)
                        .await
                        .map(|x| x.is_some()),
                    None => Ok(false),
                }
            }
        };
        let school_org = if known(&school_org).await? {
            school_org
        } else {
            Origin {
                source_type: "school".into(),
                org_id: None,
            }
        };
        let station_org = if known(&station_org).await? {
            station_org
        } else {
            Origin {
                source_type: "health_station".into(),
                org_id: None,
            }
        };
        total += school.len() + station.len();
        storage::registry::add_records(db, &school_org, &school, true, &actor, now).await?;
        storage::registry::add_records(db, &station_org, &station, true, &actor, now).await?;
        let communes: BTreeSet<String> = [commune.to_owned()].into_iter().collect();
        storage::registry::propose_links(db, &communes, true, now).await?;
    }
    // Deliveries of the demo year reach these children.
    crate::demo_rosters::load(db).await?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_children_have_duplicates_the_engine_proposes() {
        let db = storage::testing::fresh_db().await.expect("db");
        let key = PidKey::new([3; 32]);
        let n = load_demo(&db, &key).await.expect("demo");
        assert!((300..=400).contains(&n), "{n}");
        let proposed = storage::registry::links_with_status(
            &db,
            &domain::authz::Visibility::All,
            "proposed",
            1000,
        )
        .await
        .expect("links");
        assert!(proposed.len() >= 40, "{}", proposed.len());
        let all = storage::registry::list(&db, &domain::authz::Visibility::All, None, 1000)
            .await
            .expect("list");
        assert!(all.iter().all(|c| c.child.is_demo));
    }

    #[test]
    fn a_key_file_is_64_hex_digits() {
        assert!(parse_key(&"ab".repeat(32)).is_some());
        assert!(parse_key("abc").is_none());
    }
}
