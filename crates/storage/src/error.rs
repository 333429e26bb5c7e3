//! Storage errors, with enough context to log the cause and show the user a
//! translated message without leaking SQL.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(
        "không kết nối được cơ sở dữ liệu {url}: {source} / cannot connect to the database {url}: {source}"
    )]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "địa chỉ cơ sở dữ liệu không hợp lệ {url}: {reason} / malformed database URL {url}: {reason}"
    )]
    BadUrl { url: String, reason: String },
    #[error("lỗi chuyển đổi lược đồ: {0} / migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("lỗi cơ sở dữ liệu: {0} / database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("đã tồn tại: {what} / already exists: {what}")]
    Duplicate { what: String },
    #[error("không tìm thấy: {what} / not found: {what}")]
    NotFound { what: String },
    #[error("dữ liệu lưu trữ không hợp lệ: {0} / stored data is invalid: {0}")]
    Corrupt(String),
}

impl StorageError {
    /// Turn a unique-constraint violation into [`StorageError::Duplicate`].
    pub fn on_unique(err: sqlx::Error, what: impl Into<String>) -> StorageError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StorageError::Duplicate { what: what.into() }
            }
            _ => StorageError::Sql(err),
        }
    }
}
