//! Opening a database for use: migrations and the reference data.

use domain::admin_units::AdminDataError;
use storage::{Db, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("dữ liệu đơn vị hành chính không hợp lệ / invalid administrative-unit data: {0}")]
    AdminData(#[from] AdminDataError),
    #[error("{0}")]
    Role(#[from] domain::authz::UnknownRole),
    #[error("{0}")]
    Password(#[from] web::PasswordError),
    #[error(
        "địa chỉ không hợp lệ '{0}' (dạng HOST:PORT) / invalid address '{0}' (expected HOST:PORT)"
    )]
    BadAddress(String),
    #[error("không mở được cổng {0}: {1} / cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("máy chủ dừng do lỗi / server stopped: {0}")]
    Serve(std::io::Error),
    #[error("không có đơn vị hành chính mã '{0}' / no administrative unit has code '{0}'")]
    UnknownUnit(String),
    #[error("không có người dùng '{0}' / no user '{0}'")]
    UnknownUser(String),
    #[error("không lấy được số ngẫu nhiên / no randomness: {0}")]
    Rng(String),
    #[error("{0}")]
    Allocate(#[from] crate::cmd_allocate::AllocateCmdError),
    #[error("{0}")]
    Dedupe(#[from] crate::cmd_dedupe::DedupeCmdError),
    #[error("{0}")]
    Exchange(#[from] crate::cmd_exchange::ExchangeError),
    #[error("{0}")]
    Import(#[from] crate::cmd_import::ImportCmdError),
    #[error("{0}")]
    LedgerKey(#[from] crate::cmd_ledger::KeyError),
    #[error("{0}")]
    RegistryKey(#[from] crate::cmd_registry::RegistryKeyError),
    #[error("{0}")]
    LedgerBench(#[from] crate::cmd_ledger_bench::BenchError),
    #[error("{0}")]
    LedgerStress(#[from] crate::cmd_ledger_bench::StressError),
    #[error("{0}")]
    Report(#[from] crate::cmd_report::ReportCmdError),
    #[error("{0}")]
    Scale(#[from] crate::demo_scale::ScaleError),
    #[error("{0}")]
    ReportBench(#[from] crate::cmd_report_bench::BenchError),
    #[error("{0}")]
    Mail(#[from] web::mail::MailError),
    #[error("sổ cái không toàn vẹn (xem trên) / the ledger does not verify (see above)")]
    LedgerInvalid,
}

/// Migrate, then load the shipped map of Huế if the stored one is missing
/// or differs in size from the shipped one.
pub async fn prepare(db: &Db) -> Result<(), AppError> {
    db.migrate().await?;
    let map = domain::admin_units::embedded_map()?;
    let stored = storage::admin_units::count(db).await?;
    if usize::try_from(stored).ok() != Some(map.units.len()) {
        storage::admin_units::replace_all(db, map).await?;
        tracing::info!(
            units = map.units.len(),
            edges = map.edges.len(),
            "loaded the map of Huế"
        );
    }
    let appended = storage::ledger::backfill(db, chrono::Utc::now()).await?;
    if appended > 0 {
        tracing::info!(
            appended,
            "ledger: recorded receipts and allocations made before it existed"
        );
    }
    Ok(())
}
