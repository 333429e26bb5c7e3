//! Reading the Merkle log fast, and verifying it alone — every stored leaf
//! re-hashed and compared with its stored hash, the tree rebuilt, every
//! signed head checked — without recomputing leaves from the business tables
//! (that is [`super::verify`]). For logs whose leaves have no business rows
//! (the benchmark's synthetic entries), and to load [`super::TreeCache`].
//!
//! How the log is read (measured by `chungtay ledger bench`, see
//! docs/benchmarks.md):
//!
//! * **SQLite**: one query per page of [`SQLITE_PAGE`] indexes that
//!   aggregates the page into one row — the indexes and leaf lengths as
//!   text, the leaves and the stored hashes each concatenated
//!   (`string_agg`, length-exact for blobs). Row by row, the driver copies
//!   every value and hands every row across threads, which costs several
//!   times the hashing; a page per row does not. The page is used only if
//!   its indexes are exactly `start, start+1, …` and the lengths add up;
//!   otherwise (a gap, a stored hash that is not 32 bytes) the page is
//!   read again row by row in index order, which names the problem.
//! * **PostgreSQL**: one streamed `SELECT` in stored order (a sequential
//!   scan), put back in index order through a small buffer, else read again
//!   `ORDER BY idx` from the first entry far out of place. PostgreSQL's `string_agg` over `bytea`
//!   is slower than sending the rows, and `COPY … TO STDOUT` no faster.
//!
//! Both read inside one transaction (PostgreSQL: repeatable read), so the
//! leaves and the heads checked against them are one consistent snapshot
//! even while the server appends.
//!
//! The leaves are copied into page buffers (one allocation per page,
//! recycled) and hashed on a blocking thread while the next page is read,
//! so reading and hashing overlap: the database (SQLite's worker thread, or
//! the PostgreSQL server) produces leaves on one core while SHA-256 runs on
//! the other. The tree is built as leaves arrive ([`ledger::Tree::push`],
//! one node hash per leaf amortised), so when the last page has been read
//! only that page is left to hash.

use std::collections::{BTreeMap, HashMap};

use futures_util::TryStreamExt;
use sqlx::Row;
use tokio::sync::mpsc;

use super::verify::{VerifyProblem, check_head};
use super::{StoredHead, StoredKey, hex};
use crate::{Db, StorageError, db_run};

/// Indexes per aggregated SQLite page.
const SQLITE_PAGE: i64 = 2048;
/// Entries per page handed to the hashing thread.
const PAGE_ROWS: usize = 4096;
/// Pages in flight between the reader and the hashing thread.
const PAGES_IN_FLIGHT: usize = 4;
/// PostgreSQL: entries read ahead of their turn that may wait.
const EARLY_MAX_ENTRIES: usize = 65_536;
const EARLY_MAX_BYTES: usize = 64 << 20;

/// SQLite: a page of leaves as one row (count, indexes, lengths, leaves,
/// stored hashes). No `ORDER BY` inside the aggregates: SQLite would sort
/// every page; the range scan of the primary key gives index order, and the
/// aggregated indexes prove it (any other order is read again row by row).
const SQLITE_PAGE_LEAVES: &str = "SELECT CAST(COUNT(*) AS BIGINT), string_agg(idx, ','), \
    string_agg(octet_length(leaf), ','), string_agg(leaf, ''), string_agg(leaf_hash, '') \
    FROM ledger_entries WHERE idx >= $1 AND idx < $2";
/// SQLite: a page of stored hashes only.
const SQLITE_PAGE_HASHES: &str = "SELECT CAST(COUNT(*) AS BIGINT), string_agg(idx, ','), \
    NULL, NULL, string_agg(leaf_hash, '') FROM ledger_entries WHERE idx >= $1 AND idx < $2";
const ROWS_LEAVES: &str = "SELECT idx, leaf, leaf_hash FROM ledger_entries \
    WHERE idx >= $1 AND idx < $2 ORDER BY idx";
const ROWS_HASHES: &str = "SELECT idx, NULL, leaf_hash FROM ledger_entries \
    WHERE idx >= $1 AND idx < $2 ORDER BY idx";
/// PostgreSQL: the same in the order the rows are stored — a sequential
/// scan instead of a walk of the primary key (a fifth of the server's time
/// at a million entries). Leaves are only ever appended, so that is nearly
/// index order; see [`read_postgres`].
const PG_ROWS_LEAVES_STORED_ORDER: &str = "SELECT idx, leaf, leaf_hash FROM ledger_entries \
    WHERE idx >= $1 AND idx < $2";
const PG_ROWS_HASHES_STORED_ORDER: &str = "SELECT idx, NULL, leaf_hash FROM ledger_entries \
    WHERE idx >= $1 AND idx < $2";
const AFTER: &str = "SELECT MIN(idx) FROM ledger_entries WHERE idx >= $1";
const HEADS: &str = "SELECT timestamp_ms, tree_size, root_hash, signature, key_id FROM ledger_heads \
    ORDER BY timestamp_ms";
const KEYS: &str = "SELECT key_id, public_key, created_at, retired_at FROM ledger_keys";

/// What a clean run of [`verify_log_only`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogReport {
    pub entries: u64,
    pub heads: usize,
    /// Bytes of leaves read and hashed.
    pub leaf_bytes: u64,
    /// Reads that found entries out of place and read again in index
    /// order: SQLite pages that failed the aggregate's checks, PostgreSQL
    /// entries too far from their place (0 for a sound, append-only log).
    pub pages_reread: u64,
    pub root_hash: String,
}

/// A page of consecutive entries: their leaves end to end (empty when only
/// hashes are read), where each ends, and their stored hashes.
#[derive(Default)]
struct Page {
    first: i64,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    stored: Vec<ledger::Hash>,
}

impl Page {
    fn clear(&mut self, first: i64) {
        self.first = first;
        self.bytes.clear();
        self.ends.clear();
        self.stored.clear();
    }
}

/// Where the reader puts entries: pages sent to a consumer when full, and
/// page buffers coming back from it for reuse.
struct Sink {
    out: mpsc::Sender<Page>,
    recycled: mpsc::Receiver<Page>,
    page: Page,
    /// The index the next entry must have.
    next: i64,
    leaf_bytes: u64,
    pages_reread: u64,
    /// The consumer has hung up (a bad leaf): stop reading.
    stopped: bool,
}

impl Sink {
    fn new(start: i64, out: mpsc::Sender<Page>, recycled: mpsc::Receiver<Page>) -> Self {
        let mut page = Page::default();
        page.clear(start);
        Sink {
            out,
            recycled,
            page,
            next: start,
            leaf_bytes: 0,
            pages_reread: 0,
            stopped: false,
        }
    }

    /// Adds entry `self.next`. Returns `false` once the consumer has stopped.
    async fn push(&mut self, leaf: &[u8], stored: ledger::Hash) -> bool {
        self.page.bytes.extend_from_slice(leaf);
        self.page.ends.push(self.page.bytes.len());
        self.page.stored.push(stored);
        self.leaf_bytes += leaf.len() as u64;
        self.next += 1;
        if self.page.stored.len() >= PAGE_ROWS {
            return self.flush().await;
        }
        true
    }

    async fn flush(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        if self.page.stored.is_empty() {
            return true;
        }
        let mut fresh = self.recycled.try_recv().unwrap_or_default();
        fresh.clear(self.next);
        let full = std::mem::replace(&mut self.page, fresh);
        if self.out.send(full).await.is_err() {
            self.stopped = true;
        }
        !self.stopped
    }
}

/// Why reading stopped before the end of the log.
enum Stop {
    /// The consumer hung up; its own verdict says why.
    Consumer,
    /// A problem found while reading.
    Problem(VerifyProblem),
}

fn stored_hash(bytes: &[u8], idx: i64) -> Result<ledger::Hash, Stop> {
    <ledger::Hash>::try_from(bytes).map_err(|_| Stop::Problem(VerifyProblem::LeafHash { idx }))
}

/// Reads rows `[from, to)` one by one in index order, checking that the
/// indexes run on from `sink.next`.
macro_rules! read_rows {
    ($conn:expr, $sql:expr, $from:expr, $to:expr, $sink:expr) => {{
        let mut rows = sqlx::query($sql).bind($from).bind($to).fetch(&mut *$conn);
        let mut stop: Option<Stop> = None;
        while let Some(row) = rows.try_next().await? {
            let idx: i64 = row.try_get(0)?;
            if idx != $sink.next {
                stop = Some(Stop::Problem(VerifyProblem::Gap {
                    expected: $sink.next,
                    found: idx,
                }));
                break;
            }
            let leaf: Option<&[u8]> = row.try_get(1)?;
            let stored: &[u8] = row.try_get(2)?;
            let stored = match stored_hash(stored, idx) {
                Ok(h) => h,
                Err(s) => {
                    stop = Some(s);
                    break;
                }
            };
            if !$sink.push(leaf.unwrap_or_default(), stored).await {
                stop = Some(Stop::Consumer);
                break;
            }
        }
        stop
    }};
}

/// A leaf page aggregated by SQLite, checked: `Some((lengths, leaves,
/// hashes))` only if the indexes run `start, start+1, …`, the lengths add
/// up to the leaves and there are 32 bytes of stored hash per entry.
fn checked_page<'r>(
    start: i64,
    count: i64,
    idxs: Option<&str>,
    lens: Option<&str>,
    leaves: Option<&'r [u8]>,
    hashes: Option<&'r [u8]>,
    want_leaves: bool,
) -> Option<(Vec<usize>, &'r [u8], &'r [u8])> {
    let count = usize::try_from(count).ok()?;
    let mut n = 0usize;
    for (i, text) in idxs?.split(',').enumerate() {
        if text.parse::<i64>().ok()? != start + i as i64 {
            return None;
        }
        n += 1;
    }
    let hashes = hashes?;
    if n != count || hashes.len() != 32 * count {
        return None;
    }
    if !want_leaves {
        return Some((Vec::new(), &[], hashes));
    }
    let leaves = leaves?;
    let lens = lens?
        .split(',')
        .map(|t| t.parse::<usize>().ok())
        .collect::<Option<Vec<usize>>>()?;
    if lens.len() != count || lens.iter().sum::<usize>() != leaves.len() {
        return None;
    }
    Some((lens, leaves, hashes))
}

/// SQLite: the log from `sink.next` on, a page per query (see the module
/// notes). `None` when it ran to the end.
async fn read_sqlite(
    conn: &mut sqlx::SqliteConnection,
    sink: &mut Sink,
    want_leaves: bool,
) -> Result<Option<Stop>, StorageError> {
    let (page_sql, rows_sql) = if want_leaves {
        (SQLITE_PAGE_LEAVES, ROWS_LEAVES)
    } else {
        (SQLITE_PAGE_HASHES, ROWS_HASHES)
    };
    loop {
        let start = sink.next;
        let row = sqlx::query(page_sql)
            .bind(start)
            .bind(start + SQLITE_PAGE)
            .fetch_one(&mut *conn)
            .await?;
        let count: i64 = row.try_get(0)?;
        if count == 0 {
            break;
        }
        let page = checked_page(
            start,
            count,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
            want_leaves,
        );
        match page {
            Some((lens, leaves, hashes)) => {
                let mut offset = 0;
                for (i, stored) in hashes.chunks_exact(32).enumerate() {
                    let len = lens.get(i).copied().unwrap_or(0);
                    let stored = stored_hash(stored, start + i as i64);
                    let pushed = match stored {
                        Ok(h) => sink.push(&leaves[offset..offset + len], h).await,
                        Err(stop) => return Ok(Some(stop)),
                    };
                    if !pushed {
                        return Ok(Some(Stop::Consumer));
                    }
                    offset += len;
                }
            }
            None => {
                sink.pages_reread += 1;
                if let Some(stop) = read_rows!(conn, rows_sql, start, start + SQLITE_PAGE, sink) {
                    return Ok(Some(stop));
                }
            }
        }
        if sink.next < start + SQLITE_PAGE {
            break;
        }
    }
    // Entries after an empty stretch of indexes: a gap.
    let after: (Option<i64>,) = sqlx::query_as(AFTER)
        .bind(sink.next)
        .fetch_one(&mut *conn)
        .await?;
    Ok(after.0.map(|found| {
        Stop::Problem(VerifyProblem::Gap {
            expected: sink.next,
            found,
        })
    }))
}

/// PostgreSQL: the log from `sink.next` on, streamed in stored order.
/// Entries that come early (each connection fills its own heap page, so
/// appends from several connections interleave a little) wait in a small
/// buffer for the ones before them; if the buffer overflows (an entry far
/// out of place: an UPDATE moves a row to the end of the table) the rest is
/// read again in index order.
async fn read_postgres(
    conn: &mut sqlx::PgConnection,
    sink: &mut Sink,
    want_leaves: bool,
) -> Result<Option<Stop>, StorageError> {
    let (stored_order, index_order) = if want_leaves {
        (PG_ROWS_LEAVES_STORED_ORDER, ROWS_LEAVES)
    } else {
        (PG_ROWS_HASHES_STORED_ORDER, ROWS_HASHES)
    };
    // Entries ahead of `sink.next`: leaf and stored hash, as read.
    let mut early: BTreeMap<i64, (Vec<u8>, Vec<u8>)> = BTreeMap::new();
    let mut early_bytes = 0usize;
    let mut out_of_place = false;
    {
        let mut rows = sqlx::query(stored_order)
            .bind(sink.next)
            .bind(i64::MAX)
            .fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            let idx: i64 = row.try_get(0)?;
            let leaf: Option<&[u8]> = row.try_get(1)?;
            let stored: &[u8] = row.try_get(2)?;
            if idx > sink.next {
                early_bytes += leaf.map_or(0, <[u8]>::len);
                early.insert(idx, (leaf.unwrap_or_default().to_vec(), stored.to_vec()));
                if early.len() > EARLY_MAX_ENTRIES || early_bytes > EARLY_MAX_BYTES {
                    out_of_place = true;
                    break;
                }
                continue;
            }
            if idx < sink.next {
                out_of_place = true;
                break;
            }
            let stored = match stored_hash(stored, idx) {
                Ok(h) => h,
                Err(stop) => return Ok(Some(stop)),
            };
            if !sink.push(leaf.unwrap_or_default(), stored).await {
                return Ok(Some(Stop::Consumer));
            }
            while let Some((leaf, stored)) = early.remove(&sink.next) {
                early_bytes -= leaf.len();
                let stored = match stored_hash(&stored, sink.next) {
                    Ok(h) => h,
                    Err(stop) => return Ok(Some(stop)),
                };
                if !sink.push(&leaf, stored).await {
                    return Ok(Some(Stop::Consumer));
                }
            }
        }
    }
    if out_of_place {
        sink.pages_reread += 1;
        return Ok(read_rows!(conn, index_order, sink.next, i64::MAX, sink));
    }
    // Entries left waiting: the one they wait for is missing.
    Ok(early.keys().next().map(|&found| {
        Stop::Problem(VerifyProblem::Gap {
            expected: sink.next,
            found,
        })
    }))
}

/// Reads the log from `start` into `sink` inside one read transaction and,
/// in the same snapshot, the heads and keys when asked.
async fn read_log(
    db: &Db,
    sink: &mut Sink,
    want_leaves: bool,
    with_heads: bool,
) -> Result<(Option<Stop>, Vec<StoredHead>, Vec<StoredKey>), StorageError> {
    macro_rules! heads_and_keys {
        ($tx:expr) => {
            if with_heads {
                (
                    sqlx::query_as::<_, StoredHead>(HEADS)
                        .fetch_all(&mut *$tx)
                        .await?,
                    sqlx::query_as::<_, StoredKey>(KEYS)
                        .fetch_all(&mut *$tx)
                        .await?,
                )
            } else {
                (Vec::new(), Vec::new())
            }
        };
    }
    let out = match db {
        Db::Sqlite(pool) => {
            // A deferred transaction: one WAL snapshot from the first read.
            let mut tx = pool.begin().await?;
            let stop = read_sqlite(&mut tx, sink, want_leaves).await?;
            let (heads, keys) = heads_and_keys!(tx);
            tx.rollback().await?;
            (stop, heads, keys)
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            // A plain scan: compiling it to machine code costs more than it
            // saves. And from the start of the table: a synchronised scan
            // would join another one half-way and come out of order.
            for setting in [
                "SET LOCAL jit = off",
                "SET LOCAL synchronize_seqscans = off",
            ] {
                sqlx::query(setting).execute(&mut *tx).await?;
            }
            let stop = read_postgres(&mut tx, sink, want_leaves).await?;
            let (heads, keys) = heads_and_keys!(tx);
            tx.rollback().await?;
            (stop, heads, keys)
        }
    };
    sink.flush().await;
    Ok(out)
}

/// The stored leaf hashes from `start` on, in order (for the tree cache).
pub(super) async fn stored_hashes_from(
    db: &Db,
    start: i64,
) -> Result<Vec<ledger::Hash>, StorageError> {
    let (out, pages) = mpsc::channel::<Page>(PAGES_IN_FLIGHT);
    let (_recycle, recycled) = mpsc::channel::<Page>(1);
    let mut sink = Sink::new(start, out, recycled);
    let collect = async move {
        let mut pages = pages;
        let mut hashes = Vec::new();
        while let Some(page) = pages.recv().await {
            hashes.extend_from_slice(&page.stored);
        }
        hashes
    };
    let read = async {
        let read = read_log(db, &mut sink, false, false).await;
        drop(sink);
        read
    };
    let (read, hashes) = tokio::join!(read, collect);
    match read?.0 {
        None | Some(Stop::Consumer) => Ok(hashes),
        Some(Stop::Problem(VerifyProblem::Gap { expected, .. })) => Err(StorageError::Corrupt(
            format!("ledger entry {expected}: missing"),
        )),
        Some(Stop::Problem(p)) => Err(StorageError::Corrupt(format!("ledger: {p}"))),
    }
}

/// Hashes pages as they come, compares with the stored hashes, grows the
/// tree; hands each emptied page back for reuse.
fn hash_pages(
    mut pages: mpsc::Receiver<Page>,
    recycle: mpsc::Sender<Page>,
) -> Result<ledger::Tree, VerifyProblem> {
    let mut tree = ledger::Tree::new();
    while let Some(page) = pages.blocking_recv() {
        let mut start = 0;
        for (i, (&end, stored)) in page.ends.iter().zip(&page.stored).enumerate() {
            let h = ledger::leaf_hash(&page.bytes[start..end]);
            if &h != stored {
                return Err(VerifyProblem::LeafHash {
                    idx: page.first + i as i64,
                });
            }
            tree.push(h);
            start = end;
        }
        // The reader may have finished and dropped its end: nothing to do.
        let _ = recycle.try_send(page);
    }
    Ok(tree)
}

/// Verifies the log without the business tables: indexes 0, 1, 2 … without
/// gaps, every stored leaf hash equal to SHA-256(0x00 ‖ leaf), and every
/// stored tree head equal to the rebuilt tree's root at its size and
/// signed by a registered key. `Ok(Err(problem))` names the first problem.
pub async fn verify_log_only(db: &Db) -> Result<Result<LogReport, VerifyProblem>, StorageError> {
    let (to_hasher, from_reader) = mpsc::channel::<Page>(PAGES_IN_FLIGHT);
    let (recycle, recycled) = mpsc::channel::<Page>(PAGES_IN_FLIGHT + 2);
    let hasher = tokio::task::spawn_blocking(move || hash_pages(from_reader, recycle));
    let mut sink = Sink::new(0, to_hasher, recycled);
    let read = read_log(db, &mut sink, true, true).await;
    let (leaf_bytes, pages_reread) = (sink.leaf_bytes, sink.pages_reread);
    drop(sink);
    let tree = match hasher.await {
        Ok(Ok(tree)) => tree,
        Ok(Err(problem)) => return Ok(Err(problem)),
        Err(e) => {
            return Err(StorageError::Corrupt(format!(
                "ledger: the hashing thread failed: {e}"
            )));
        }
    };
    let (stop, heads, keys) = read?;
    // A bad leaf before the reader's problem was returned above; otherwise
    // the reader's is the first.
    if let Some(Stop::Problem(problem)) = stop {
        return Ok(Err(problem));
    }
    let keys: HashMap<String, StoredKey> =
        keys.into_iter().map(|k| (k.key_id.clone(), k)).collect();
    for head in &heads {
        if let Err(reason) = check_head(&tree, head, &keys) {
            return Ok(Err(VerifyProblem::Head {
                timestamp_ms: head.timestamp_ms,
                tree_size: head.tree_size,
                reason,
            }));
        }
    }
    Ok(Ok(LogReport {
        entries: tree.len(),
        heads: heads.len(),
        leaf_bytes,
        pages_reread,
        root_hash: hex(&tree.root_current()),
    }))
}

/// Rows in the tables a benchmark needs empty before it writes a synthetic
/// log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScratchCounts {
    pub receipts: i64,
    pub allocations: i64,
    pub entries: i64,
    pub heads: i64,
}

impl ScratchCounts {
    /// No business row and no ledger: safe to fill with synthetic leaves.
    pub fn is_empty(&self) -> bool {
        *self
            == ScratchCounts {
                receipts: 0,
                allocations: 0,
                entries: 0,
                heads: 0,
            }
    }
}

pub async fn scratch_counts(db: &Db) -> Result<ScratchCounts, StorageError> {
    let (receipts, allocations, entries, heads): (i64, i64, i64, i64) = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM receipts), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM allocations), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_entries), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_heads)",
        )
        .fetch_one(pool)
        .await?
    });
    Ok(ScratchCounts {
        receipts,
        allocations,
        entries,
        heads,
    })
}

/// Deletes every leaf, head and key of a log that records no business row
/// (a benchmark's synthetic log, between runs). Returns `Ok(false)`, and
/// deletes nothing, when any receipt or allocation exists: a real ledger is
/// never cleared.
pub async fn clear_unbacked_log(db: &Db) -> Result<bool, StorageError> {
    // PostgreSQL: TRUNCATE, so that the next run does not scan a million
    // dead rows (SQLite's DELETE without WHERE already drops the pages).
    let clear: &[&str] = match db.backend() {
        crate::Backend::Postgres => &["TRUNCATE ledger_heads, ledger_entries, ledger_keys"],
        crate::Backend::Sqlite => &[
            "DELETE FROM ledger_heads",
            "DELETE FROM ledger_entries",
            "DELETE FROM ledger_keys",
        ],
    };
    let cleared = crate::db_tx!(db, |tx| {
        let (business,): (i64,) = sqlx::query_as(
            "SELECT CAST((SELECT COUNT(*) FROM receipts) + (SELECT COUNT(*) FROM allocations) AS BIGINT)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if business == 0 {
            for sql in clear {
                sqlx::query(*sql).execute(&mut *tx).await?;
            }
        }
        business == 0
    });
    Ok(cleared)
}

/// How many leaves of each kind the log holds, by kind.
pub async fn count_by_kind(db: &Db) -> Result<Vec<(String, i64)>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT kind, CAST(COUNT(*) AS BIGINT) FROM ledger_entries GROUP BY kind ORDER BY kind",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}
