//! Canonical JSON for ledger entries: RFC 8785 (JCS) restricted to integers, with every string
//! in Unicode NFC.
//!
//! * Object members are sorted by their keys compared as UTF-16 code units (JCS §3.2.3).
//! * No whitespace between tokens.
//! * Strings are escaped as JCS (ECMAScript `JSON.stringify`) does: `\"`, `\\`, `\b`, `\t`,
//!   `\n`, `\f`, `\r`, other code points below U+0020 as `\u00xx` (lower-case hex); everything
//!   else is written as itself in UTF-8 (including U+007F, U+2028 and U+2029; `/` is not
//!   escaped).
//! * Numbers must be integers within ±(2^53 − 1). JCS writes numbers as IEEE 754 doubles, so
//!   inside that range the integer's decimal digits are exactly what JCS writes; outside it, or
//!   for any number written with a fraction or an exponent (`1.0`, `1e3`), this is an error
//!   rather than a silently rounded amount.
//! * **Deviation from JCS:** keys and string values are normalised to NFC before sorting and
//!   writing. JCS leaves strings as they are, but Vietnamese text arrives both precomposed and
//!   decomposed (different keyboards and input methods), and the same name must always hash to
//!   the same leaf. For text that is already NFC — which includes all ASCII and all precomposed
//!   Vietnamese — the output is byte-for-byte JCS.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};
use thiserror::Error;
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// The largest integer that every JSON implementation (IEEE 754 doubles) keeps exactly.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A value that has no canonical form. `path` is an RFC 6901 JSON Pointer to the offending
/// value (`""` is the whole document).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CanonicalError {
    #[error(
        "number {number} at JSON pointer {path:?} is not an integer: ledger entries allow integers only (amounts in whole đồng; write other quantities as strings)"
    )]
    NotAnInteger { path: String, number: String },
    #[error(
        "integer {number} at JSON pointer {path:?} is outside ±(2^53 − 1), the range JSON numbers keep exactly"
    )]
    IntegerOutOfRange { path: String, number: String },
    #[error(
        "object at JSON pointer {path:?} has two keys that are equal after Unicode NFC normalisation: {key:?}"
    )]
    DuplicateKeyAfterNfc { path: String, key: String },
}

/// The canonical UTF-8 bytes of `value` (see the module documentation).
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value, &Path::Root, true)?;
    Ok(out)
}

/// Where a value sits in the document, for error messages; only turned into text on error.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// RFC 6901 JSON Pointer.
    fn pointer(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Key(parent, key) => {
                format!(
                    "{}/{}",
                    parent.pointer(),
                    key.replace('~', "~0").replace('/', "~1")
                )
            }
            Path::Index(parent, index) => format!("{}/{index}", parent.pointer()),
        }
    }
}

fn write_value(
    out: &mut Vec<u8>,
    value: &Value,
    path: &Path<'_>,
    nfc: bool,
) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => write_number(out, number, path)?,
        Value::String(text) => write_string(out, &normalise(text, nfc)),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_value(out, item, &Path::Index(path, index), nfc)?;
            }
            out.push(b']');
        }
        Value::Object(members) => write_object(out, members, path, nfc)?,
    }
    Ok(())
}

fn write_object(
    out: &mut Vec<u8>,
    members: &Map<String, Value>,
    path: &Path<'_>,
    nfc: bool,
) -> Result<(), CanonicalError> {
    let mut sorted: Vec<(Cow<'_, str>, &str, &Value)> = members
        .iter()
        .map(|(key, value)| (normalise(key, nfc), key.as_str(), value))
        .collect();
    sorted.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    if let Some(pair) = sorted.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(CanonicalError::DuplicateKeyAfterNfc {
            path: path.pointer(),
            key: pair[0].0.to_string(),
        });
    }
    out.push(b'{');
    for (index, (key, original_key, value)) in sorted.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_string(out, key);
        out.push(b':');
        write_value(out, value, &Path::Key(path, original_key), nfc)?;
    }
    out.push(b'}');
    Ok(())
}

fn normalise(text: &str, nfc: bool) -> Cow<'_, str> {
    if !nfc || is_nfc(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

fn write_number(out: &mut Vec<u8>, number: &Number, path: &Path<'_>) -> Result<(), CanonicalError> {
    let in_range = if let Some(i) = number.as_i64() {
        (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i)
    } else if number.is_u64() {
        // Only integers above i64::MAX reach here: all out of range.
        false
    } else {
        return Err(CanonicalError::NotAnInteger {
            path: path.pointer(),
            number: number.to_string(),
        });
    };
    if !in_range {
        return Err(CanonicalError::IntegerOutOfRange {
            path: path.pointer(),
            number: number.to_string(),
        });
    }
    // A safe integer: its decimal digits are exactly ECMAScript's Number::toString.
    out.extend_from_slice(number.to_string().as_bytes());
    Ok(())
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut plain_from = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        // Multi-byte UTF-8 sequences contain only bytes >= 0x80, so a byte-wise scan is exact.
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain_from..i]);
        if escape.is_empty() {
            let mut hex = String::with_capacity(6);
            // Writing to a String cannot fail.
            let _ = write!(hex, "\\u{byte:04x}");
            out.extend_from_slice(hex.as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        plain_from = i + 1;
    }
    out.extend_from_slice(&bytes[plain_from..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Plain JCS (integers only, no NFC), to check the writer against RFC 8785's examples.
    fn jcs(value: &Value) -> Result<String, CanonicalError> {
        let mut out = Vec::new();
        write_value(&mut out, value, &Path::Root, false)?;
        Ok(String::from_utf8(out).expect("canonical JSON is UTF-8"))
    }

    fn canonical(value: &Value) -> String {
        String::from_utf8(canonical_json(value).expect("value is canonicalisable"))
            .expect("canonical JSON is UTF-8")
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("test JSON parses")
    }

    /// RFC 8785 §3.2.2 without its "numbers" member (floats are refused here, see below).
    #[test]
    fn rfc8785_serialisation_example() {
        let input = parse(
            r#"{
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }"#,
        );
        let expected = r#"{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}"#;
        assert_eq!(jcs(&input).expect("jcs"), expected);
        assert_eq!(canonical(&input), expected);
    }

    #[test]
    fn rfc8785_example_numbers_are_refused() {
        let input = parse(
            r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]}"#,
        );
        assert!(matches!(
            canonical_json(&input),
            Err(CanonicalError::NotAnInteger { path, .. }) if path == "/numbers/0"
        ));
    }

    /// RFC 8785 §3.2.3: keys sorted by UTF-16 code units.
    #[test]
    fn rfc8785_sorting_example() {
        let input = parse(
            r#"{
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }"#,
        );
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
            \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
            \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(jcs(&input).expect("jcs"), expected);

        // The deviation: U+FB33 is a composition exclusion, so NFC turns it into
        // U+05D3 U+05BC, which sorts between U+00F6 and U+20AC.
        let expected_nfc = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
            \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\
            \"\u{5d3}\u{5bc}\":\"Hebrew Letter Dalet With Dagesh\",\"\u{20ac}\":\"Euro Sign\",\
            \"\u{1f600}\":\"Emoji: Grinning Face\"}";
        assert_eq!(canonical(&input), expected_nfc);
    }

    #[test]
    fn utf16_order_differs_from_code_point_order() {
        // U+1F600 is D83D DE00 in UTF-16, below U+FF21; by code point it is above.
        let input = json!({ "\u{ff21}": 1, "\u{1f600}": 2, "a": 3, "ab": 4, "": 5 });
        assert_eq!(
            canonical(&input),
            "{\"\":5,\"a\":3,\"ab\":4,\"\u{1f600}\":2,\"\u{ff21}\":1}"
        );
    }

    #[test]
    fn escapes_follow_ecmascript() {
        let input = json!("\u{0}\u{1f}\u{7f}\u{2028}\u{2029}/<>&'\t\u{8}\u{c}\r\n\"\\");
        assert_eq!(
            canonical(&input),
            "\"\\u0000\\u001f\u{7f}\u{2028}\u{2029}/<>&'\\t\\b\\f\\r\\n\\\"\\\\\""
        );
    }

    #[test]
    fn no_whitespace_and_nested_structures() {
        let input = parse(r#" { "b" : [ 1 , { "d" : null , "c" : [ ] } ] , "a" : { } } "#);
        assert_eq!(canonical(&input), r#"{"a":{},"b":[1,{"c":[],"d":null}]}"#);
    }

    #[test]
    fn vietnamese_text_is_nfc() {
        // "Nguyễn" typed decomposed: e + U+0302 (circumflex) + U+0303 (tilde).
        let decomposed = "Nguye\u{302}\u{303}n Thi\u{323} Ha\u{300}";
        let composed = "Nguy\u{1ec5}n Th\u{1ecb} H\u{e0}";
        let a = canonical(&json!({ "donor": decomposed, decomposed: 1 }));
        let b = canonical(&json!({ "donor": composed, composed: 1 }));
        assert_eq!(a, b);
        assert!(a.contains("Nguyễn Thị Hà"));
    }

    #[test]
    fn keys_equal_after_nfc_are_refused() {
        let input = json!({ "outer": { "e\u{301}": 1, "\u{e9}": 2 } });
        assert_eq!(
            canonical_json(&input),
            Err(CanonicalError::DuplicateKeyAfterNfc {
                path: "/outer".into(),
                key: "\u{e9}".into()
            })
        );
    }

    #[test]
    fn integers_only_within_the_safe_range() {
        assert_eq!(canonical(&json!(0)), "0");
        assert_eq!(canonical(&json!(-1)), "-1");
        assert_eq!(canonical(&json!(MAX_SAFE_INTEGER)), "9007199254740991");
        assert_eq!(canonical(&json!(-MAX_SAFE_INTEGER)), "-9007199254740991");
        assert_eq!(canonical(&json!(500_000_000)), "500000000");
        for bad in [
            json!(MAX_SAFE_INTEGER + 1),
            json!(-MAX_SAFE_INTEGER - 1),
            json!(u64::MAX),
            json!(i64::MIN),
        ] {
            assert!(
                matches!(
                    canonical_json(&bad),
                    Err(CanonicalError::IntegerOutOfRange { .. })
                ),
                "{bad}"
            );
        }
        // serde_json reads "-0" as the float -0.0.
        for bad in ["1.0", "1e3", "0.5", "-2.5e-3", "-0"] {
            assert!(
                matches!(
                    canonical_json(&parse(bad)),
                    Err(CanonicalError::NotAnInteger { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn error_paths_are_json_pointers() {
        let input = json!({ "a/b": [0, { "m~n": 1.5 }] });
        let error = canonical_json(&input).expect_err("float is refused");
        assert_eq!(
            error,
            CanonicalError::NotAnInteger {
                path: "/a~1b/1/m~0n".into(),
                number: "1.5".into()
            }
        );
        assert!(error.to_string().contains("not an integer"));
    }

    #[test]
    fn canonical_output_is_a_fixed_point() {
        let input = json!({
            "v": 1, "kind": "receipt", "id": "R-1", "at": "2026-11-03",
            "amount_vnd": 500_000, "note": "Ủng hộ đồng bào lũ lụt \"miền Trung\"\n",
        });
        let once = canonical(&input);
        let twice = canonical(&parse(&once));
        assert_eq!(once, twice);
    }
}
