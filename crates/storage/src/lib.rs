//! Storage: the only crate that knows SQL. One code base over SQLite (the
//! zero-setup default) and PostgreSQL (production).
//!
//! Every query is written once with `$1…$n` placeholders and run on either
//! backend through [`db_run!`], which pastes the same body into a match arm
//! per backend, so each arm is compiled against a concrete sqlx driver.
//! Integers are `BIGINT`/`i64`, money is `i64` đồng, ids are text (UUIDv7 or
//! natural keys), and every timestamp is bound from Rust — never `now()`.

mod db;
mod error;

pub mod acceptance;
pub mod accounts;
pub mod admin_units;
pub mod age_bands;
pub mod allocations;
pub mod audit;
pub mod bulk;
pub mod catalogue;
pub mod classifications;
pub mod consolidation;
pub mod deliveries;
pub mod donors;
pub mod flows;
pub mod gifts;
pub mod import;
pub mod instalments;
pub mod ledger;
pub mod needs;
pub mod notifications;
pub mod organisations;
pub mod plans;
pub mod portal;
pub mod receipts;
pub mod registry;
pub mod report_data;
pub mod reporting;
pub mod reversals;
pub mod review;
pub mod rollup;
pub mod rosters;
pub mod sessions;
pub mod statements;
pub mod stock;
pub mod summaries;
pub mod tables;
pub mod tokens;
pub mod trace;
pub mod users;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use db::{Backend, Db, DbUrl, new_id};
pub use error::StorageError;

/// Paste one body into an arm per backend: `db_run!(db, |pool| { … })`.
/// Inside, `pool` is a concrete `SqlitePool` or `PgPool`.
#[macro_export]
macro_rules! db_run {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Begin a write transaction: `BEGIN IMMEDIATE` on SQLite (so a
/// read-then-write cannot fail with SQLITE_BUSY half-way), plain `BEGIN` on
/// PostgreSQL.
#[macro_export]
macro_rules! db_tx {
    ($db:expr, |$tx:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Db::Postgres(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
