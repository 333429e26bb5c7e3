//! VietQR (NAPAS 247, EMVCo merchant-presented) payloads and QR images (pure, no IO).
//!
//! A donor pledges; the site shows a code that any Vietnamese banking app can
//! scan to transfer the pledged amount to the receiving account, with the
//! pledge code in the memo.
//!
//! ```ignore
//! let p = vietqr::Payment::new("970436", "0071000123456")
//!     .with_amount(500_000)
//!     .with_memo("CT0004273 ủng hộ trẻ em A Lưới");
//! let text = vietqr::payload(&p)?;          // EMVCo TLV text, CRC included
//! let svg = vietqr::svg(&text, 8)?;         // or vietqr::png(&text, 8)?
//! assert_eq!(vietqr::parse(&text)?.payment, p.normalized()?);
//! ```

mod banks;
mod crc;
mod error;
mod payload;
mod render;
mod text;
mod tlv;

pub use banks::{BANKS, Bank, bank_by_bin};
pub use crc::crc16_ccitt_false;
pub use error::VietQrError;
pub use payload::{
    ACCOUNT_MAX, AMOUNT_MAX, COUNTRY_VN, CURRENCY_VND, Initiation, NAPAS_GUID, Parsed, Payment,
    Service, fold_memo, parse, payload,
};
pub use render::{MAX_MODULE_PX, QUIET_ZONE, modules, png, svg};
pub use text::{CITY_MAX, MEMO_MAX, NAME_MAX};
pub use tlv::Tlv;
