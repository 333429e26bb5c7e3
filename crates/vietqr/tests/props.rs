//! Properties over random payments and random text.

use proptest::prelude::*;
use vietqr::{
    AMOUNT_MAX, MEMO_MAX, Payment, Service, VietQrError, crc16_ccitt_false, fold_memo, parse,
    payload,
};

/// Vietnamese letters (precomposed and not), digits, punctuation, other
/// scripts and emoji.
const MEMO_ALPHABET: &str = "[a-zA-Z0-9 àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐƯƠ\u{0300}\u{0301}\u{0303}\u{0309}\u{0323}.,:;!?/#()\\-_\t\n中文🎁]{0,60}";

fn memo() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::string::string_regex(MEMO_ALPHABET).expect("regex"),
        1 => any::<String>(),
        1 => ("CT[0-9]{7}", "[ a-zăâđêôơưáàảãạ]{0,40}").prop_map(|(c, t)| format!("{c} {t}")),
    ]
}

fn payment() -> impl Strategy<Value = Payment> {
    (
        "[0-9]{6}",
        "[A-Za-z0-9]{1,19}",
        any::<bool>(),
        proptest::option::of(1..=AMOUNT_MAX),
        memo(),
        proptest::option::of(memo()),
        proptest::option::of(memo()),
    )
        .prop_map(|(bin, account, card, amount, memo, name, city)| {
            let (account, service) = if card {
                let digits: String = account.chars().filter(char::is_ascii_digit).collect();
                (
                    if digits.is_empty() {
                        "9704".into()
                    } else {
                        digits
                    },
                    Service::Card,
                )
            } else {
                (account, Service::Account)
            };
            Payment {
                bank_bin: bin,
                account,
                service,
                amount,
                memo,
                merchant_name: name,
                merchant_city: city,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_inverts_payload(p in payment()) {
        let text = payload(&p).expect("valid payment");
        prop_assert!(text.is_ascii());
        let parsed = parse(&text).expect("own payload parses");
        prop_assert_eq!(&parsed.payment, &p.normalized().expect("valid"));
        prop_assert_eq!(parsed.payment.amount, p.amount);
        prop_assert_eq!(&parsed.payment.account, &p.account);
        let (body, crc) = text.split_at(text.len() - 4);
        prop_assert_eq!(crc, format!("{:04X}", crc16_ccitt_false(body.as_bytes())));
        prop_assert_eq!(parsed.crc, crc16_ccitt_false(body.as_bytes()));
        // Building again from the parsed payment gives the same text.
        prop_assert_eq!(payload(&parsed.payment).expect("valid"), text);
    }

    #[test]
    fn memo_is_short_plain_ascii_and_stable(m in memo()) {
        let f = fold_memo(&m);
        prop_assert!(f.len() <= MEMO_MAX);
        prop_assert!(f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' '));
        prop_assert!(!f.starts_with(' ') && !f.ends_with(' ') && !f.contains("  "));
        prop_assert_eq!(fold_memo(&f), f);
    }

    #[test]
    fn a_leading_pledge_code_survives(code in "CT[0-9]{7}", rest in memo()) {
        let f = fold_memo(&format!("{code} {rest}"));
        prop_assert!(f == code || f.starts_with(&format!("{code} ")), "{}", f);
    }

    #[test]
    fn one_changed_character_fails_the_crc(p in payment(), at in any::<prop::sample::Index>(), to in 0x20u8..0x7f) {
        let text = payload(&p).expect("valid payment");
        let i = at.index(text.len() - 8);
        let mut bytes = text.clone().into_bytes();
        prop_assume!(bytes[i] != to);
        bytes[i] = to;
        let changed = String::from_utf8(bytes).expect("ascii");
        let is_crc_mismatch = matches!(parse(&changed), Err(VietQrError::CrcMismatch { .. }));
        prop_assert!(is_crc_mismatch);
    }

    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_on_mangled_payloads(p in payment(), cut in any::<prop::sample::Index>(), junk in "[0-9A-Z]{0,8}") {
        let text = payload(&p).expect("valid payment");
        let at = cut.index(text.len());
        let mangled = format!("{}{junk}{}", &text[..at], &text[at..]);
        let body = mangled.get(..mangled.len().saturating_sub(4)).unwrap_or_default();
        let resigned = format!("{body}{:04X}", crc16_ccitt_false(body.as_bytes()));
        let _ = parse(&mangled);
        let _ = parse(&resigned);
    }
}
