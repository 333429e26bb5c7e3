//! `chungtay ledger …`: verify the public ledger, publish a signed tree
//! head, rotate the signing key. The key is a file outside the database
//! (default `./data/ledger-signing.key`, 64 hex digits, mode 0600),
//! generated on first start.

use std::path::{Path, PathBuf};

use chrono::Utc;
use storage::Db;

use crate::setup::AppError;

pub const DEFAULT_KEY_PATH: &str = "./data/ledger-signing.key";

#[derive(clap::Args, Debug, Clone)]
pub struct KeyArgs {
    /// The Ed25519 signing key of tree heads (created if missing).
    #[arg(long = "ledger-key", env = "CHUNGTAY_LEDGER_KEY", default_value = DEFAULT_KEY_PATH)]
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "không đọc/ghi được khoá ký sổ cái {path}: {source} / cannot read or write the ledger key {path}: {source}"
    )]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "khoá ký sổ cái {0} không hợp lệ (cần 64 chữ số hex) / the ledger key {0} is malformed (64 hex digits expected)"
    )]
    Malformed(String),
    #[error("không lấy được số ngẫu nhiên / no randomness")]
    Rng,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn parse_seed(text: &str) -> Option<[u8; 32]> {
    let t = text.trim();
    if t.len() != 64 || !t.is_ascii() {
        return None;
    }
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(seed)
}

fn write_new(path: &Path) -> Result<ledger::SigningKey, KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| KeyError::Rng)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(path))?;
    }
    let text = format!("{}\n", storage::ledger::hex(&seed));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts.open(path).map_err(io(path))?;
    f.write_all(text.as_bytes()).map_err(io(path))?;
    f.sync_all().map_err(io(path))?;
    tracing::info!(path = %path.display(), "generated a new ledger signing key");
    Ok(ledger::signing_key_from_seed(seed))
}

/// Reads the key, generating it on first start.
pub fn load_or_create(path: &Path) -> Result<ledger::SigningKey, KeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_seed(&text)
            .map(ledger::signing_key_from_seed)
            .ok_or_else(|| KeyError::Malformed(path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_new(path),
        Err(e) => Err(io(path)(e)),
    }
}

/// Registers the key's public half so heads signed with it can be checked.
pub async fn register(db: &Db, key: &ledger::SigningKey) -> Result<(), AppError> {
    let vk = key.verifying_key();
    storage::ledger::register_key(
        db,
        &ledger::key_id(&vk),
        &storage::ledger::base64_encode(vk.as_bytes()),
        Utc::now(),
    )
    .await?;
    Ok(())
}

/// `chungtay ledger verify`: prints the result; `Ok(false)` when the
/// ledger does not verify (the caller exits non-zero).
pub async fn verify(db: &Db) -> Result<bool, AppError> {
    match storage::ledger::verify(db).await? {
        Ok(r) => {
            println!(
                "ok: {} entries, {} signed tree heads verified; root {} / sổ cái toàn vẹn",
                r.entries, r.heads, r.root_hash
            );
            if r.renamed_donors > 0 {
                println!(
                    "note: {} entries carry a donor name that has since changed or been withdrawn",
                    r.renamed_donors
                );
            }
            Ok(true)
        }
        Err(problem) => {
            eprintln!("LỖI / FAILED: {problem}");
            Ok(false)
        }
    }
}

/// `chungtay ledger sign`: publishes a signed head over the tree as it is.
pub async fn sign(db: &Db, key: &ledger::SigningKey) -> Result<(), AppError> {
    register(db, key).await?;
    let state = web::LedgerState::new(key.clone());
    let head = state.publish(db, Utc::now()).await?;
    println!(
        "tree_size={} root_hash={} key_id={}",
        head.tree_size, head.root_hash, head.key_id
    );
    Ok(())
}

/// `chungtay ledger rotate-key`: keeps the old key file beside the new one
/// (renamed with its key id), signs a head with the new key, and marks the
/// old public key retired (still published, so old heads verify).
pub async fn rotate(db: &Db, path: &Path) -> Result<(), AppError> {
    let old = load_or_create(path)?;
    register(db, &old).await?;
    let old_id = ledger::key_id(&old.verifying_key());
    let kept = path.with_extension(format!("retired-{old_id}"));
    std::fs::rename(path, &kept).map_err(io(path))?;
    let new = write_new(path)?;
    register(db, &new).await?;
    let new_id = ledger::key_id(&new.verifying_key());
    storage::ledger::retire_other_keys(db, &new_id, Utc::now()).await?;
    sign(db, &new).await?;
    println!(
        "rotated: {old_id} → {new_id}; old key file kept at {}",
        kept.display()
    );
    Ok(())
}
