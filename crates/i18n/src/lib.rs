//! Every string a person reads, in Vietnamese (first) and English, plus the
//! Vietnamese ways of writing numbers, money and dates.
//!
//! Messages live in `locales/{vi,en}.ftl`, a small subset of Fluent: one
//! `key = value` per line, `# comments`, and `{ $name }` placeholders. The
//! files are embedded at compile time; a test proves both languages carry the
//! same keys and that no value is empty.

mod catalog;
mod format;

pub use catalog::{Lang, keys, lookup, t, tf};
pub use format::{format_date, format_datetime, format_int, format_vnd};
