//! Pure domain of Chung Tay: types, rules and algorithms. No IO, no clock,
//! no database, no HTTP. Everything here is deterministic.

pub mod admin_units;
pub mod authz;
pub mod classification;
pub mod disclosure;
pub mod donor_names;
pub mod needs;
pub mod organisation;
pub mod reporting;
pub mod text;
