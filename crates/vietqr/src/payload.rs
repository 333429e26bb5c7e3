//! Building and parsing the VietQR (NAPAS 247) payload.
//!
//! Layout (EMV QRCPS merchant-presented mode, as profiled by NAPAS for the
//! 24/7 interbank fund transfer, "IBFT"):
//!
//! ```text
//! 00 "01"                      payload format indicator
//! 01 "11" | "12"               static (no amount) | dynamic (amount given)
//! 38 {                         merchant account information, NAPAS
//!    00 "A000000727"           NAPAS GUID
//!    01 { 00 BIN, 01 account } beneficiary: bank BIN + account/card number
//!    02 "QRIBFTTA" | "QRIBFTTC" transfer to account | to card
//! }
//! 53 "704"                     currency: VND
//! 54 amount                    optional, whole đồng
//! 58 "VN"                      country
//! 59 name, 60 city             optional; the NAPAS IBFT examples omit them
//! 62 { 08 memo }               optional purpose of transaction (≤ 25)
//! 63 CRC                       CRC-16/CCITT-FALSE over everything before it,
//!                              "6304" included, as 4 uppercase hex digits
//! ```

use crate::VietQrError;
use crate::crc::{crc_hex, crc16_ccitt_false};
use crate::text::{self, CITY_MAX, MEMO_MAX, NAME_MAX};
use crate::tlv::{self, Located, Tlv};

/// The NAPAS globally unique identifier in template 38.
pub const NAPAS_GUID: &str = "A000000727";
/// ISO 4217 numeric code of the Vietnamese đồng.
pub const CURRENCY_VND: &str = "704";
/// ISO 3166-1 alpha-2 code of Viet Nam.
pub const COUNTRY_VN: &str = "VN";
/// The longest account or card number NAPAS accepts (ans, up to 19).
pub const ACCOUNT_MAX: usize = 19;
/// The largest amount that fits the 13 characters of ID 54.
pub const AMOUNT_MAX: u64 = 9_999_999_999_999;

const ID_FORMAT: u8 = 0;
const ID_INITIATION: u8 = 1;
const ID_NAPAS: u8 = 38;
const ID_CURRENCY: u8 = 53;
const ID_AMOUNT: u8 = 54;
const ID_COUNTRY: u8 = 58;
const ID_NAME: u8 = 59;
const ID_CITY: u8 = 60;
const ID_ADDITIONAL: u8 = 62;
const ID_CRC: u8 = 63;
const ID_PURPOSE: u8 = 8;

/// What the transfer goes to (sub-field 38/02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Service {
    /// `QRIBFTTA`: 24/7 interbank transfer to a bank account.
    #[default]
    Account,
    /// `QRIBFTTC`: 24/7 interbank transfer to a domestic card number.
    Card,
}

impl Service {
    /// The service code written in the payload.
    pub fn code(self) -> &'static str {
        match self {
            Service::Account => "QRIBFTTA",
            Service::Card => "QRIBFTTC",
        }
    }

    /// The service of a code, if it is one of the transfer services.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "QRIBFTTA" => Some(Service::Account),
            "QRIBFTTC" => Some(Service::Card),
            _ => None,
        }
    }
}

/// Point of initiation method (ID 01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiation {
    /// `11`: the same code serves many payments (no amount).
    Static,
    /// `12`: a code made for one payment (amount given).
    Dynamic,
}

impl Initiation {
    /// The value written in the payload.
    pub fn code(self) -> &'static str {
        match self {
            Initiation::Static => "11",
            Initiation::Dynamic => "12",
        }
    }
}

/// A transfer to show as a VietQR code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Payment {
    /// The receiving bank's 6-digit BIN (see [`crate::BANKS`]).
    pub bank_bin: String,
    /// Account number (for [`Service::Account`]) or card number (for
    /// [`Service::Card`]): ASCII letters and digits, at most 19.
    pub account: String,
    /// Account or card.
    pub service: Service,
    /// Amount in whole đồng; `None` makes a static code the payer fills in.
    pub amount: Option<u64>,
    /// Transfer memo. Folded to ASCII and cut to 25 characters at a word
    /// boundary: put the pledge code first (see [`fold_memo`]). Empty: none.
    pub memo: String,
    /// Optional ID 59. VietQR transfer codes usually leave it out: banking
    /// apps show the account holder's name from their own look-up.
    pub merchant_name: Option<String>,
    /// Optional ID 60, same remark.
    pub merchant_city: Option<String>,
}

impl Payment {
    /// A static transfer to `account` at the bank `bank_bin`.
    pub fn new(bank_bin: impl Into<String>, account: impl Into<String>) -> Self {
        Payment {
            bank_bin: bank_bin.into(),
            account: account.into(),
            ..Payment::default()
        }
    }

    /// The same payment with an amount in đồng.
    pub fn with_amount(mut self, amount: u64) -> Self {
        self.amount = Some(amount);
        self
    }

    /// The same payment with a memo.
    pub fn with_memo(mut self, memo: impl Into<String>) -> Self {
        self.memo = memo.into();
        self
    }

    /// The same payment to a card number instead of an account.
    pub fn to_card(mut self) -> Self {
        self.service = Service::Card;
        self
    }

    /// The same payment with a merchant name (ID 59).
    pub fn with_merchant_name(mut self, name: impl Into<String>) -> Self {
        self.merchant_name = Some(name.into());
        self
    }

    /// The same payment with a merchant city (ID 60).
    pub fn with_merchant_city(mut self, city: impl Into<String>) -> Self {
        self.merchant_city = Some(city.into());
        self
    }

    /// Static without an amount, dynamic with one.
    pub fn initiation(&self) -> Initiation {
        match self.amount {
            Some(_) => Initiation::Dynamic,
            None => Initiation::Static,
        }
    }

    /// Checks every field and folds the free texts: this is exactly what
    /// [`payload`] encodes and what [`parse`] gives back.
    pub fn normalized(&self) -> Result<Payment, VietQrError> {
        check_bin(&self.bank_bin)?;
        check_account(&self.account, self.service)?;
        if let Some(amount) = self.amount {
            check_amount(amount)?;
        }
        let fold_opt = |s: &Option<String>, max: usize| {
            s.as_deref()
                .map(|s| text::fold(s, max))
                .filter(|s| !s.is_empty())
        };
        Ok(Payment {
            bank_bin: self.bank_bin.clone(),
            account: self.account.clone(),
            service: self.service,
            amount: self.amount,
            memo: fold_memo(&self.memo),
            merchant_name: fold_opt(&self.merchant_name, NAME_MAX),
            merchant_city: fold_opt(&self.merchant_city, CITY_MAX),
        })
    }
}

/// The memo as it will be encoded: Vietnamese diacritics folded, only ASCII
/// letters, digits and single spaces, at most 25 characters, cut at a word
/// boundary (the first word is always kept whole if it fits).
///
/// `fold_memo("CT0004273 ủng hộ trẻ em A Lưới") == "CT0004273 ung ho tre em A"`.
pub fn fold_memo(memo: &str) -> String {
    text::fold(memo, MEMO_MAX)
}

fn check_bin(bin: &str) -> Result<(), VietQrError> {
    if bin.len() == 6 && bin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(VietQrError::InvalidBin)
    }
}

fn check_account(account: &str, service: Service) -> Result<(), VietQrError> {
    if account.is_empty() {
        return Err(VietQrError::EmptyAccount);
    }
    match service {
        Service::Account if !account.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            return Err(VietQrError::InvalidAccount);
        }
        Service::Card if !account.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(VietQrError::InvalidCard);
        }
        _ => {}
    }
    if account.len() > ACCOUNT_MAX {
        return Err(VietQrError::AccountTooLong {
            len: account.chars().count(),
            max: ACCOUNT_MAX,
        });
    }
    Ok(())
}

fn check_amount(amount: u64) -> Result<(), VietQrError> {
    match amount {
        0 => Err(VietQrError::ZeroAmount),
        a if a > AMOUNT_MAX => Err(VietQrError::AmountTooLarge),
        _ => Ok(()),
    }
}

/// The VietQR payload text for `payment`, CRC included.
pub fn payload(payment: &Payment) -> Result<String, VietQrError> {
    let p = payment.normalized()?;

    let mut beneficiary = String::new();
    tlv::push(&mut beneficiary, 0, &p.bank_bin)?;
    tlv::push(&mut beneficiary, 1, &p.account)?;

    let mut napas = String::new();
    tlv::push(&mut napas, 0, NAPAS_GUID)?;
    tlv::push(&mut napas, 1, &beneficiary)?;
    tlv::push(&mut napas, 2, p.service.code())?;

    let mut out = String::with_capacity(160);
    tlv::push(&mut out, ID_FORMAT, "01")?;
    tlv::push(&mut out, ID_INITIATION, p.initiation().code())?;
    tlv::push(&mut out, ID_NAPAS, &napas)?;
    tlv::push(&mut out, ID_CURRENCY, CURRENCY_VND)?;
    if let Some(amount) = p.amount {
        tlv::push(&mut out, ID_AMOUNT, &amount.to_string())?;
    }
    tlv::push(&mut out, ID_COUNTRY, COUNTRY_VN)?;
    if let Some(name) = &p.merchant_name {
        tlv::push(&mut out, ID_NAME, name)?;
    }
    if let Some(city) = &p.merchant_city {
        tlv::push(&mut out, ID_CITY, city)?;
    }
    if !p.memo.is_empty() {
        let mut additional = String::new();
        tlv::push(&mut additional, ID_PURPOSE, &p.memo)?;
        tlv::push(&mut out, ID_ADDITIONAL, &additional)?;
    }
    out.push_str("6304");
    let crc = crc_hex(out.as_bytes());
    out.push_str(&crc);
    Ok(out)
}

/// A checked VietQR payload, every field kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The transfer it describes. For a payload made by [`payload`] this equals
    /// the input's [`Payment::normalized`].
    pub payment: Payment,
    /// ID 01, if present.
    pub initiation: Option<Initiation>,
    /// Every root data object, in order, the CRC (63) included.
    pub fields: Vec<Tlv>,
    /// Every data object of the NAPAS template (38).
    pub merchant_account: Vec<Tlv>,
    /// Every data object of the beneficiary template (38/01): BIN, account.
    pub beneficiary: Vec<Tlv>,
    /// Every data object of the additional data template (62), e.g. bill
    /// number (01), terminal label (07), purpose (08).
    pub additional: Vec<Tlv>,
    /// The checksum (ID 63), verified.
    pub crc: u16,
}

impl Parsed {
    /// The value of the root data object `id`.
    pub fn field(&self, id: u8) -> Option<&str> {
        self.fields
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.value.as_str())
    }
}

fn find(items: &[Located], id: u8) -> Option<&Located> {
    items.iter().find(|l| l.tlv.id == id)
}

fn value(items: &[Located], id: u8) -> Option<&str> {
    find(items, id).map(|l| l.tlv.value.as_str())
}

/// Decodes the template held by `item`, rejecting repeated IDs.
fn template(item: &Located) -> Result<Vec<Located>, VietQrError> {
    let items = tlv::decode(&item.tlv.value, item.at)?;
    no_duplicates(&items)?;
    Ok(items)
}

fn invalid(field: &'static str, value: &str) -> VietQrError {
    VietQrError::InvalidValue {
        field,
        value: value.to_owned(),
    }
}

fn no_duplicates(items: &[Located]) -> Result<(), VietQrError> {
    for (i, l) in items.iter().enumerate() {
        if items[..i].iter().any(|m| m.tlv.id == l.tlv.id) {
            return Err(VietQrError::DuplicateField { id: l.tlv.id });
        }
    }
    Ok(())
}

fn strip(items: Vec<Located>) -> Vec<Tlv> {
    items.into_iter().map(|l| l.tlv).collect()
}

/// Parses a VietQR transfer payload: checks the ID/length/value structure,
/// the CRC, and the NAPAS fields, and returns every field.
pub fn parse(payload: &str) -> Result<Parsed, VietQrError> {
    // The CRC comes first: any changed character is reported as a CRC
    // mismatch, before the structure is looked at.
    let bytes = payload.as_bytes();
    let n = bytes.len();
    if n < 8 || &bytes[n - 8..n - 4] != b"6304" {
        return Err(VietQrError::MissingCrc);
    }
    let found = &bytes[n - 4..];
    let found_text = String::from_utf8_lossy(found).into_owned();
    if !found.iter().all(u8::is_ascii_hexdigit) {
        return Err(invalid("63", &found_text));
    }
    let crc = crc16_ccitt_false(&bytes[..n - 4]);
    if u16::from_str_radix(&found_text, 16).ok() != Some(crc) {
        return Err(VietQrError::CrcMismatch {
            expected: format!("{crc:04X}"),
            found: found_text,
        });
    }

    let root = tlv::decode(payload, 0)?;
    // "6304" must be the CRC object itself, not the tail of another value.
    let crc_object = root.last().map(|l| (l.tlv.id, l.tlv.value.len()));
    if crc_object != Some((ID_CRC, 4)) {
        return Err(VietQrError::MissingCrc);
    }
    no_duplicates(&root)?;

    match root.first().map(|l| &l.tlv) {
        Some(t) if t.id == ID_FORMAT && t.value == "01" => {}
        Some(t) if t.id == ID_FORMAT => return Err(invalid("00", &t.value)),
        _ => return Err(VietQrError::MissingField("00")),
    }
    let initiation = match value(&root, ID_INITIATION) {
        None => None,
        Some("11") => Some(Initiation::Static),
        Some("12") => Some(Initiation::Dynamic),
        Some(other) => return Err(invalid("01", other)),
    };

    // 38: NAPAS template, with the beneficiary template in 38/01.
    let napas = template(find(&root, ID_NAPAS).ok_or(VietQrError::MissingField("38"))?)?;
    match value(&napas, 0) {
        Some(NAPAS_GUID) => {}
        Some(other) => return Err(invalid("38.00", other)),
        None => return Err(VietQrError::MissingField("38.00")),
    }
    let beneficiary = template(find(&napas, 1).ok_or(VietQrError::MissingField("38.01"))?)?;
    let bank_bin = value(&beneficiary, 0).ok_or(VietQrError::MissingField("38.01.00"))?;
    let account = value(&beneficiary, 1).ok_or(VietQrError::MissingField("38.01.01"))?;
    let code = value(&napas, 2).ok_or(VietQrError::MissingField("38.02"))?;
    let service = Service::from_code(code).ok_or_else(|| invalid("38.02", code))?;
    check_bin(bank_bin)?;
    check_account(account, service)?;

    match value(&root, ID_CURRENCY) {
        Some(CURRENCY_VND) => {}
        Some(other) => return Err(invalid("53", other)),
        None => return Err(VietQrError::MissingField("53")),
    }
    let amount = match value(&root, ID_AMOUNT) {
        None => None,
        Some(a) => {
            if !a.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("54", a));
            }
            let amount: u64 = a.parse().map_err(|_| invalid("54", a))?;
            check_amount(amount)?;
            Some(amount)
        }
    };
    match value(&root, ID_COUNTRY) {
        Some(COUNTRY_VN) => {}
        Some(other) => return Err(invalid("58", other)),
        None => return Err(VietQrError::MissingField("58")),
    }
    let additional = match find(&root, ID_ADDITIONAL) {
        None => Vec::new(),
        Some(item) => template(item)?,
    };

    let payment = Payment {
        bank_bin: bank_bin.to_owned(),
        account: account.to_owned(),
        service,
        amount,
        memo: value(&additional, ID_PURPOSE)
            .unwrap_or_default()
            .to_owned(),
        merchant_name: value(&root, ID_NAME).map(str::to_owned),
        merchant_city: value(&root, ID_CITY).map(str::to_owned),
    };
    Ok(Parsed {
        payment,
        initiation,
        fields: strip(root),
        merchant_account: strip(napas),
        beneficiary: strip(beneficiary),
        additional: strip(additional),
        crc,
    })
}
