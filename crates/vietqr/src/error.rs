//! Errors, each message in Vietnamese then English.

use thiserror::Error;

/// Everything that can go wrong building, parsing or rendering a VietQR code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VietQrError {
    // --- building ---------------------------------------------------------
    #[error("Mã BIN ngân hàng phải gồm 6 chữ số / The bank BIN must be 6 digits")]
    InvalidBin,
    #[error("Số tài khoản không được để trống / The account number must not be empty")]
    EmptyAccount,
    #[error(
        "Số tài khoản chỉ được gồm chữ cái và chữ số không dấu / The account number may contain only ASCII letters and digits"
    )]
    InvalidAccount,
    #[error(
        "Số tài khoản dài {len} ký tự, tối đa {max} / The account number is {len} characters long, at most {max} allowed"
    )]
    AccountTooLong { len: usize, max: usize },
    #[error("Số thẻ chỉ được gồm chữ số / The card number may contain only digits")]
    InvalidCard,
    #[error("Số tiền phải lớn hơn 0 / The amount must be greater than 0")]
    ZeroAmount,
    #[error("Số tiền vượt quá 13 chữ số / The amount exceeds 13 digits")]
    AmountTooLarge,
    #[error(
        "Trường {id:02} dài {len} ký tự, tối đa 99 / Field {id:02} is {len} characters long, at most 99 allowed"
    )]
    FieldTooLong { id: u8, len: usize },

    // --- parsing ----------------------------------------------------------
    #[error("Chuỗi QR sai cấu trúc tại ký tự {at} / Malformed QR payload at character {at}")]
    Malformed { at: usize },
    #[error("Trường {id:02} xuất hiện hai lần / Field {id:02} appears twice")]
    DuplicateField { id: u8 },
    #[error("Thiếu trường bắt buộc {0} / Missing mandatory field {0}")]
    MissingField(&'static str),
    #[error(
        "Trường {field} có giá trị không hợp lệ \"{value}\" / Field {field} has an invalid value \"{value}\""
    )]
    InvalidValue { field: &'static str, value: String },
    #[error("Thiếu mã kiểm tra CRC (6304) ở cuối / The CRC field (6304) is missing at the end")]
    MissingCrc,
    #[error(
        "Mã kiểm tra CRC sai: trong mã {found}, tính được {expected} / CRC mismatch: the payload says {found}, computed {expected}"
    )]
    CrcMismatch { expected: String, found: String },

    // --- rendering --------------------------------------------------------
    #[error("Không tạo được mã QR: {0} / Could not encode the QR code: {0}")]
    QrEncode(String),
    #[error(
        "Kích thước ô {module_px}px không hợp lệ (1 đến {max}) / Module size {module_px}px is out of range (1 to {max})"
    )]
    ModuleSize { module_px: u32, max: u32 },
    #[error("Không ghi được ảnh PNG: {0} / Could not write the PNG image: {0}")]
    Png(String),
}
