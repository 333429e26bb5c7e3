//! Donors from a spreadsheet. The parser has checked every cell and the
//! rows against each other; here each row is compared with the donors
//! already stored, and a likely duplicate (same tax code, phone or e-mail,
//! the same or a very similar name) is a warning on its row — shown, not a
//! refusal. Every row is written in one transaction, or none.

use chrono::{DateTime, Utc};
use domain::text::search_key;
use imports::{DonorRecord, Parsed, Problem};

use super::{Outcome, Written, nothing_to_resolve};
use crate::audit::AuditActor;
use crate::donors::Donor;
use crate::{Db, StorageError};

fn donor_of(r: &DonorRecord) -> Donor {
    Donor {
        id: crate::new_id(),
        kind: r.kind.as_str().to_owned(),
        name: r.name.clone(),
        origin: r.origin.as_str().to_owned(),
        donor_type: r.donor_type.as_str().to_owned(),
        tax_code: r.tax_code.clone(),
        phone: r.phone.clone(),
        email: r.email.clone(),
        publish_name: r.publish_name,
        anonymous: r.anonymous,
        is_demo: false,
    }
}

/// The warning that row `row`'s donor `d` may be `other`, naming what they
/// share.
fn duplicate_warning(row: usize, d: &Donor, other: &Donor) -> Problem {
    let mut same_vi = Vec::new();
    let mut same_en = Vec::new();
    if d.tax_code.is_some() && d.tax_code == other.tax_code {
        same_vi.push("mã số thuế");
        same_en.push("tax code");
    }
    if d.phone.is_some() && d.phone == other.phone {
        same_vi.push("điện thoại");
        same_en.push("phone");
    }
    if d.email.is_some() && d.email == other.email {
        same_vi.push("email");
        same_en.push("e-mail");
    }
    if search_key(&d.name) == search_key(&other.name) {
        same_vi.push("tên");
        same_en.push("name");
    }
    let (why_vi, why_en) = if same_vi.is_empty() {
        ("tên gần giống".to_owned(), "a very similar name".to_owned())
    } else {
        (
            format!("cùng {}", same_vi.join(", ")),
            format!("same {}", same_en.join(", ")),
        )
    };
    Problem::at(
        row,
        None,
        format!(
            "có thể trùng với nhà tài trợ đã có \"{}\" (mã {}; {why_vi}) — kiểm tra trước khi nhập",
            other.name, other.id
        ),
        format!(
            "may be the donor already stored as \"{}\" (id {}; {why_en}) — check before importing",
            other.name, other.id
        ),
    )
}

/// Checks parsed donors against those stored (likely duplicates become
/// warnings) and, unless `dry_run` or the file has a problem, writes them
/// all in one transaction, audited as `actor`. Who may import donors is the
/// caller's check (`ManageDonors`); donors are province-wide, not scoped.
pub async fn import(
    db: &Db,
    parsed: &Parsed<DonorRecord>,
    dry_run: bool,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Outcome, StorageError> {
    if nothing_to_resolve(parsed) {
        return Ok(Outcome::refused(
            parsed.problems.clone(),
            parsed.warnings.clone(),
        ));
    }
    let donors: Vec<Donor> = parsed.rows.iter().map(donor_of).collect();
    let stored = crate::donors::list(db, None).await?;
    let mut warnings = parsed.warnings.clone();
    for (r, d) in parsed.rows.iter().zip(&donors) {
        for other in crate::donors::likely_duplicates_among(d, &stored) {
            warnings.push(duplicate_warning(r.row, d, other));
        }
    }
    if !parsed.problems.is_empty() {
        return Ok(Outcome::refused(parsed.problems.clone(), warnings));
    }
    let rows: Vec<Written> = parsed
        .rows
        .iter()
        .zip(&donors)
        .map(|(r, d)| Written {
            row: r.row,
            id: d.id.clone(),
            label: d.name.clone(),
        })
        .collect();
    if dry_run {
        let unwritten = rows
            .into_iter()
            .map(|w| Written {
                id: String::new(),
                ..w
            })
            .collect();
        return Ok(Outcome::checked(unwritten, warnings));
    }
    crate::donors::create_many(db, &donors, actor, now).await?;
    Ok(Outcome::written(rows, warnings))
}
