//! Building, parsing, validation and error messages.

use vietqr::{
    AMOUNT_MAX, Initiation, Payment, Service, Tlv, VietQrError, crc16_ccitt_false, fold_memo,
    parse, payload,
};

fn pledge() -> Payment {
    Payment::new("970436", "0071000123456")
        .with_amount(500_000)
        .with_memo("CT0004273 ủng hộ trẻ em A Lưới")
}

/// Splits a TLV string by hand (test-side, independent of the crate's parser).
fn split(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let (id, tail) = rest.split_at(2);
        let (len, tail) = tail.split_at(2);
        let len: usize = len.parse().expect("two-digit length");
        let (value, tail) = tail.split_at(len);
        out.push((id.to_owned(), value.to_owned()));
        rest = tail;
    }
    out
}

#[test]
fn pledge_payload_has_the_spec_layout() {
    let text = payload(&pledge()).expect("valid");
    assert_eq!(
        text,
        "00020101021238570010A00000072701270006970436011300710001234560208QRIBFTTA\
         53037045406500000\
         5802VN\
         62290825CT0004273 ung ho tre em A\
         6304226E",
        "{text}"
    );
    // Lengths checked by hand: 38 holds 14 + 31 + 12 = 57 characters, the
    // beneficiary 10 + 17 = 27, 62 holds 4 + 25 = 29. CRC checked with an
    // independent implementation.
    let root = split(&text);
    let ids: Vec<&str> = root.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["00", "01", "38", "53", "54", "58", "62", "63"]);
    assert_eq!(root[2].1.len(), 57);
    let napas = split(&root[2].1);
    assert_eq!(
        napas[1],
        ("01".into(), "000697043601130071000123456".into())
    );
    assert_eq!(
        split(&root[6].1),
        [("08".into(), "CT0004273 ung ho tre em A".into())]
    );
}

#[test]
fn round_trip_gives_back_every_field() {
    let full = pledge()
        .with_merchant_name("Quỹ Chung Tay – Hội Chữ thập đỏ")
        .with_merchant_city("Thừa Thiên Huế");
    for p in [
        pledge(),
        full,
        Payment::new("970405", "1234567890123456789"),
        Payment::new("970422", "ABC123").with_amount(AMOUNT_MAX),
        Payment::new("970403", "9704031101234567")
            .to_card()
            .with_amount(1),
    ] {
        let text = payload(&p).expect("valid");
        let parsed = parse(&text).expect("own payload parses");
        assert_eq!(parsed.payment, p.normalized().expect("valid"), "{text}");
        assert_eq!(parsed.initiation, Some(p.initiation()));
        let (body, crc) = text.split_at(text.len() - 4);
        assert_eq!(parsed.crc, crc16_ccitt_false(body.as_bytes()));
        assert_eq!(crc, format!("{:04X}", parsed.crc));
        // Every root field is returned, in order, and re-encodes to the text.
        let rebuilt: String = parsed
            .fields
            .iter()
            .map(|Tlv { id, value }| format!("{id:02}{:02}{value}", value.len()))
            .collect();
        assert_eq!(rebuilt, text);
    }
}

#[test]
fn merchant_name_and_city_are_folded_and_placed_after_the_country() {
    let p = pledge()
        .with_merchant_name("Quỹ Chung Tay – Hội Chữ thập đỏ")
        .with_merchant_city("Thừa Thiên Huế");
    let n = p.normalized().expect("valid");
    assert_eq!(n.merchant_name.as_deref(), Some("Quy Chung Tay Hoi Chu"));
    assert_eq!(n.merchant_city.as_deref(), Some("Thua Thien Hue"));
    let ids: Vec<String> = split(&payload(&p).expect("valid"))
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        ids,
        ["00", "01", "38", "53", "54", "58", "59", "60", "62", "63"]
    );
    // A name that folds to nothing leaves the field out.
    assert_eq!(
        pledge()
            .with_merchant_name("🎁")
            .normalized()
            .expect("valid")
            .merchant_name,
        None
    );
}

#[test]
fn static_without_amount_dynamic_with_amount() {
    let s = payload(&Payment::new("970436", "0071000123456")).expect("valid");
    assert!(s.starts_with("000201010211"));
    assert!(!s.contains("5406"));
    let d = payload(&pledge()).expect("valid");
    assert!(d.starts_with("000201010212"));
    assert_eq!(pledge().initiation(), Initiation::Dynamic);
}

#[test]
fn empty_or_unfoldable_memo_leaves_out_field_62() {
    for memo in ["", "   ", "🎁🎁", "—"] {
        let text =
            payload(&Payment::new("970436", "0071000123456").with_memo(memo)).expect("valid");
        let crc = &text[text.len() - 4..];
        assert!(text.ends_with(&format!("5802VN6304{crc}")), "{text}");
        assert_eq!(parse(&text).expect("valid").payment.memo, "");
    }
}

#[test]
fn length_prefixes_count_the_folded_memo() {
    // 15 characters, more bytes in UTF-8, fold to 15 ASCII ones.
    let memo = "Đồng bào lũ lụt";
    assert_eq!(memo.chars().count(), 15);
    assert!(memo.len() > 15);
    let text = payload(&Payment::new("970436", "1").with_memo(memo)).expect("valid");
    assert!(text.contains("62190815Dong bao lu lut6304"), "{text}");

    // At the limit: 25 folded characters, each from a multi-byte letter.
    let memo = "ỦỦỦỦỦ ỦỦỦỦỦ ỦỦỦỦỦ ỦỦỦỦỦ Ủ ỦỦ";
    let text = payload(&Payment::new("970436", "1").with_memo(memo)).expect("valid");
    assert!(
        text.contains("62290825UUUUU UUUUU UUUUU UUUUU U6304"),
        "{text}"
    );
}

#[test]
fn pledge_code_written_first_is_never_cut() {
    let long = "CT0004273 ủng hộ đồng bào miền Trung khắc phục hậu quả bão lũ năm nay";
    let memo = fold_memo(long);
    assert!(memo.len() <= 25);
    assert!(memo.starts_with("CT0004273 "));
    assert_eq!(memo, "CT0004273 ung ho dong bao");
    // Punctuation right after the code does not glue it to the next word.
    assert_eq!(fold_memo("CT0004273:ủng hộ"), "CT0004273 ung ho");
}

#[test]
fn any_changed_character_fails_the_crc() {
    let text = payload(&pledge()).expect("valid");
    let crc_at = text.len() - 8; // "6304XXXX"
    for i in 0..crc_at {
        for replacement in [b'0', b'9', b'A', b'z', b' '] {
            let mut bytes = text.clone().into_bytes();
            if bytes[i] == replacement {
                continue;
            }
            bytes[i] = replacement;
            let changed = String::from_utf8(bytes).expect("ascii");
            assert!(
                matches!(parse(&changed), Err(VietQrError::CrcMismatch { .. })),
                "change at {i} to {replacement}: {:?}",
                parse(&changed)
            );
        }
    }
    // Changing the CRC itself fails too.
    let mut bad = text.clone();
    let last = if text.ends_with('0') { "1" } else { "0" };
    bad.replace_range(text.len() - 1.., last);
    assert!(matches!(parse(&bad), Err(VietQrError::CrcMismatch { .. })));
    // The check accepts lower-case hex for the same value.
    let (body, crc) = text.split_at(text.len() - 4);
    let lower = format!("{body}{}", crc.to_lowercase());
    assert_eq!(
        parse(&lower).expect("valid").payment,
        parse(&text).expect("valid").payment
    );
}

#[test]
fn validation_errors() {
    let ok = pledge();
    let with = |f: &dyn Fn(&mut Payment)| {
        let mut p = ok.clone();
        f(&mut p);
        p
    };
    let cases = [
        (
            with(&|p| p.bank_bin = "97043".into()),
            VietQrError::InvalidBin,
        ),
        (
            with(&|p| p.bank_bin = "9704366".into()),
            VietQrError::InvalidBin,
        ),
        (
            with(&|p| p.bank_bin = "97043a".into()),
            VietQrError::InvalidBin,
        ),
        (
            with(&|p| p.bank_bin = "９７０４３６".into()),
            VietQrError::InvalidBin,
        ),
        (
            with(&|p| p.account = String::new()),
            VietQrError::EmptyAccount,
        ),
        (
            with(&|p| p.account = "0071 000".into()),
            VietQrError::InvalidAccount,
        ),
        (
            with(&|p| p.account = "007-1000".into()),
            VietQrError::InvalidAccount,
        ),
        (
            with(&|p| p.account = "số1".into()),
            VietQrError::InvalidAccount,
        ),
        (
            with(&|p| p.account = "1".repeat(20)),
            VietQrError::AccountTooLong { len: 20, max: 19 },
        ),
        (with(&|p| p.amount = Some(0)), VietQrError::ZeroAmount),
        (
            with(&|p| p.amount = Some(AMOUNT_MAX + 1)),
            VietQrError::AmountTooLarge,
        ),
        (
            with(&|p| p.amount = Some(u64::MAX)),
            VietQrError::AmountTooLarge,
        ),
    ];
    for (p, err) in cases {
        assert_eq!(payload(&p), Err(err.clone()), "{p:?}");
        assert_eq!(p.normalized(), Err(err));
    }
    assert_eq!(
        payload(&Payment::new("970403", "97040311ABC").to_card()),
        Err(VietQrError::InvalidCard)
    );
    assert!(payload(&with(&|p| p.amount = Some(AMOUNT_MAX))).is_ok());
    assert!(payload(&with(&|p| p.account = "1".repeat(19))).is_ok());
}

#[test]
fn error_messages_are_in_vietnamese_and_english() {
    assert_eq!(
        VietQrError::InvalidBin.to_string(),
        "Mã BIN ngân hàng phải gồm 6 chữ số / The bank BIN must be 6 digits"
    );
    for e in [
        VietQrError::EmptyAccount,
        VietQrError::InvalidAccount,
        VietQrError::AccountTooLong { len: 20, max: 19 },
        VietQrError::InvalidCard,
        VietQrError::ZeroAmount,
        VietQrError::AmountTooLarge,
        VietQrError::CrcMismatch {
            expected: "226E".into(),
            found: "226F".into(),
        },
        VietQrError::MissingCrc,
        VietQrError::Malformed { at: 3 },
        VietQrError::MissingField("38"),
        VietQrError::ModuleSize {
            module_px: 0,
            max: 64,
        },
    ] {
        let msg = e.to_string();
        let (vi, en) = msg.split_once(" / ").expect("two languages");
        assert!(!vi.is_ascii(), "Vietnamese part has diacritics: {vi}");
        assert!(en.is_ascii(), "English part: {en}");
    }
}

#[test]
fn parse_rejects_broken_payloads() {
    let with_crc = |body: &str| {
        let body = format!("{body}6304");
        format!("{body}{:04X}", crc16_ccitt_false(body.as_bytes()))
    };
    let napas = "38570010A00000072701270006970436011300710001234560208QRIBFTTA";
    let good = with_crc(&format!("000201010212{napas}53037045802VN"));
    assert!(parse(&good).is_ok());

    assert_eq!(parse(""), Err(VietQrError::MissingCrc));
    assert_eq!(parse("000201"), Err(VietQrError::MissingCrc));
    assert_eq!(parse(&good[..good.len() - 5]), Err(VietQrError::MissingCrc));
    assert!(matches!(
        parse(&format!("{}GGGG", &good[..good.len() - 4])),
        Err(VietQrError::InvalidValue { field: "63", .. })
    ));
    // A length running past the end.
    assert!(matches!(
        parse(&with_crc(&format!("000201010212{napas}5399704"))),
        Err(VietQrError::Malformed { .. })
    ));
    assert_eq!(
        parse(&with_crc(&format!(
            "000201010212{napas}{napas}53037045802VN"
        ))),
        Err(VietQrError::DuplicateField { id: 38 })
    );
    assert_eq!(
        parse(&with_crc(&format!("010212000201{napas}53037045802VN"))),
        Err(VietQrError::MissingField("00"))
    );
    assert!(matches!(
        parse(&with_crc(&format!("000201010213{napas}53037045802VN"))),
        Err(VietQrError::InvalidValue { field: "01", .. })
    ));
    assert_eq!(
        parse(&with_crc("00020101021253037045802VN")),
        Err(VietQrError::MissingField("38"))
    );
    assert!(matches!(
        parse(&with_crc(&format!("000201010212{napas}53038405802VN"))),
        Err(VietQrError::InvalidValue { field: "53", .. })
    ));
    assert!(matches!(
        parse(&with_crc(&format!("000201010212{napas}53037045802TH"))),
        Err(VietQrError::InvalidValue { field: "58", .. })
    ));
    assert!(matches!(
        parse(&with_crc(&format!(
            "000201010212{napas}530370454061000.05802VN"
        ))),
        Err(VietQrError::InvalidValue { field: "54", .. })
    ));
    assert_eq!(
        parse(&with_crc(&format!("000201010212{napas}5303704540105802VN"))),
        Err(VietQrError::ZeroAmount)
    );
    let other_guid = napas.replace("A000000727", "A000000677");
    assert!(matches!(
        parse(&with_crc(&format!("000201010212{other_guid}53037045802VN"))),
        Err(VietQrError::InvalidValue { field: "38.00", .. })
    ));
    let bad_bin = napas.replace("970436", "97043X");
    assert_eq!(
        parse(&with_crc(&format!("000201010212{bad_bin}53037045802VN"))),
        Err(VietQrError::InvalidBin)
    );
    // "6304" and a right CRC at the end, but inside another object's value.
    let hidden = with_crc(&format!("000201010212{napas}53037045802VN9910ab"));
    assert_eq!(parse(&hidden), Err(VietQrError::MissingCrc));
}

#[test]
fn nested_errors_point_into_the_whole_payload() {
    let with_crc = |body: &str| {
        let body = format!("{body}6304");
        format!("{body}{:04X}", crc16_ccitt_false(body.as_bytes()))
    };
    // 38/01 says 27 characters; its inner 00 claims 99. 38's value starts at
    // character 16; 38/00 takes 14 (to 30), the 38/01 header 4 (to 34), the
    // inner ID 2: the bad length is at 36 of the payload.
    let napas = "38570010A00000072701270099970436011300710001234560208QRIBFTTA";
    assert_eq!(
        parse(&with_crc(&format!("000201010212{napas}53037045802VN"))),
        Err(VietQrError::Malformed { at: 36 })
    );
}

#[test]
fn service_codes() {
    assert_eq!(Service::Account.code(), "QRIBFTTA");
    assert_eq!(Service::Card.code(), "QRIBFTTC");
    assert_eq!(Service::from_code("QRIBFTTA"), Some(Service::Account));
    assert_eq!(Service::from_code("QRPUSH"), None);
    assert_eq!(Payment::default().service, Service::Account);
}
