//! Payloads published by others, re-computed byte for byte (or parsed, where
//! they carry fields this crate does not emit). Every CRC below was also
//! checked independently of this crate before being written here.

use vietqr::{Initiation, Payment, Service, Tlv, crc16_ccitt_false, parse, payload};

/// vietqr.io "API tạo mã QR" documentation example (acqId 970415, accountNo
/// 113366668888, amount 79000, addInfo "Ung Ho Quy Vac Xin"), as reproduced
/// in third-party test suites that cite that page.
const VIETQR_IO: &str = "00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA53037045405790005802VN62220818Ung Ho Quy Vac Xin63043ACF";

/// README of the open-source Go library subiz/vietqr: 120 000 đ to VietinBank
/// 0011001932418 with the note "ủng hộ lũ lụt", folded to "ung ho lu lut".
const SUBIZ_FOLDED: &str = "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C";

/// Same README, static code to TPBank 0099999999 (no amount, no memo).
const SUBIZ_STATIC: &str =
    "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4";

/// README of the open-source JS library xuannghia/vietnam-qr-pay: ACB
/// 257678859, 1 000 đ, "Chuyen tien".
const VIETNAM_QR_PAY: &str = "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB8";

/// NAPAS "Guidelines for implementing NAPAS QR Fast Fund 247 (IBFT)",
/// example of a static code to a card (QRIBFTTC), Sacombank BIN 970403.
const NAPAS_CARD_STATIC: &str = "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52";

/// Same NAPAS guideline, dynamic code to an account with a bill number
/// (62/01) and a purpose (62/08) in lower case.
const NAPAS_ACCOUNT_DYNAMIC: &str = "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E";

/// pub.dev package vietqr_generator README: initiation "11" although an
/// amount is present (our builder would write "12").
const PUB_DEV_STATIC_WITH_AMOUNT: &str = "00020101021138540010A00000072701240006970407011003865776720208QRIBFTTA5303704540710000005802VN62160812henry an cut6304A322";

fn crc_of(p: &str) -> u16 {
    let (body, crc) = p.split_at(p.len() - 4);
    let computed = crc16_ccitt_false(body.as_bytes());
    assert_eq!(
        u16::from_str_radix(crc, 16).expect("hex"),
        computed,
        "published CRC of {p}"
    );
    computed
}

#[test]
fn published_crcs_are_recomputed() {
    for p in [
        VIETQR_IO,
        SUBIZ_FOLDED,
        SUBIZ_STATIC,
        VIETNAM_QR_PAY,
        NAPAS_CARD_STATIC,
        NAPAS_ACCOUNT_DYNAMIC,
        PUB_DEV_STATIC_WITH_AMOUNT,
    ] {
        crc_of(p);
    }
    assert_eq!(crc_of(NAPAS_ACCOUNT_DYNAMIC), 0x2E2E);
}

#[test]
fn vietqr_io_example_is_rebuilt_byte_for_byte() {
    let p = Payment::new("970415", "113366668888")
        .with_amount(79_000)
        .with_memo("Ung Ho Quy Vac Xin");
    assert_eq!(payload(&p).expect("valid"), VIETQR_IO);
}

#[test]
fn vietnamese_memo_is_folded_like_the_published_example() {
    let p = Payment::new("970415", "0011001932418")
        .with_amount(120_000)
        .with_memo("ủng hộ lũ lụt");
    assert_eq!(payload(&p).expect("valid"), SUBIZ_FOLDED);
}

#[test]
fn static_examples_are_rebuilt_byte_for_byte() {
    assert_eq!(
        payload(&Payment::new("970423", "0099999999")).expect("valid"),
        SUBIZ_STATIC
    );
    assert_eq!(
        payload(&Payment::new("970403", "9704031101234567").to_card()).expect("valid"),
        NAPAS_CARD_STATIC
    );
    let acb = Payment::new("970416", "257678859")
        .with_amount(1_000)
        .with_memo("Chuyen tien");
    assert_eq!(payload(&acb).expect("valid"), VIETNAM_QR_PAY);
}

#[test]
fn napas_dynamic_example_parses_with_every_field() {
    let parsed = parse(NAPAS_ACCOUNT_DYNAMIC).expect("valid");
    assert_eq!(parsed.crc, 0x2E2E);
    assert_eq!(parsed.initiation, Some(Initiation::Dynamic));
    assert_eq!(
        parsed.payment,
        Payment::new("970403", "0011012345678")
            .with_amount(180_000)
            .with_memo("thanh toan don hang")
    );
    let ids: Vec<u8> = parsed.fields.iter().map(|t| t.id).collect();
    assert_eq!(ids, [0, 1, 38, 53, 54, 58, 62, 63]);
    assert_eq!(parsed.field(53), Some("704"));
    assert_eq!(parsed.field(63), Some("2E2E"));
    assert_eq!(
        parsed.merchant_account,
        [
            Tlv {
                id: 0,
                value: "A000000727".into()
            },
            Tlv {
                id: 1,
                value: "000697040301130011012345678".into()
            },
            Tlv {
                id: 2,
                value: "QRIBFTTA".into()
            },
        ]
    );
    assert_eq!(
        parsed.additional,
        [
            Tlv {
                id: 1,
                value: "NPS6869".into()
            },
            Tlv {
                id: 8,
                value: "thanh toan don hang".into()
            },
        ]
    );
}

#[test]
fn napas_card_example_parses_as_card() {
    let parsed = parse(NAPAS_CARD_STATIC).expect("valid");
    assert_eq!(parsed.payment.service, Service::Card);
    assert_eq!(parsed.payment.account, "9704031101234567");
    assert_eq!(parsed.payment.amount, None);
    assert_eq!(parsed.initiation, Some(Initiation::Static));
}

#[test]
fn static_code_with_an_amount_parses() {
    let parsed = parse(PUB_DEV_STATIC_WITH_AMOUNT).expect("valid");
    assert_eq!(parsed.initiation, Some(Initiation::Static));
    assert_eq!(parsed.payment.amount, Some(1_000_000));
    assert_eq!(parsed.payment.memo, "henry an cut");
    // Our builder marks a code with an amount as dynamic: same fields, 01 = 12.
    let rebuilt = payload(&parsed.payment).expect("valid");
    assert!(rebuilt.starts_with("000201010212"));
    assert_eq!(parse(&rebuilt).expect("valid").payment, parsed.payment);
}

#[test]
fn merchant_payment_codes_are_not_transfers() {
    // NAPAS merchant payment (QRPUSH) example from the liopay/vietqr-php
    // README: no 38/02 service code, so not a transfer this crate handles.
    let qrpush = "00020101021138480010A00000072701300006970403011621129950446040255204581253037045802VN5910PHUONG CAC6005HANOI62110307NPS686963045802";
    crc_of(qrpush);
    assert_eq!(
        parse(qrpush),
        Err(vietqr::VietQrError::MissingField("38.02"))
    );
}
