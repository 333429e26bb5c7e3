//! The need line and what covers it: categories, age bands, packages,
//! need lines and their status, and the overlap guard (R6, R8, R10).
//!
//! A need line is *site × category × period × package × quantity*. What
//! covers it moves along separate axes (pledged, committed, received,
//! allocated, delivered, accepted) and the gap is always computed —
//! need − committed — never typed.

pub mod category;
pub mod coverage;
pub mod delivery;
pub mod instalments;
pub mod need_line;
pub mod package;
pub mod pledge_code;
pub mod stock;

pub use category::{AgeBand, Category};
pub use coverage::{Coverage, CoveringFlow, OverlapDecision, Restrictions, check_overlap};
pub use need_line::{NeedLine, NeedStatus, Transition, TransitionError};
pub use package::{PackageError, PackageItem, PackageVersion};
