//! EMVCo ID/length/value data objects.
//!
//! Each object is a 2-digit ID, a 2-digit length ("01" to "99") and a value of
//! exactly that many characters. Templates (ID 26-51, 62, ...) hold further
//! objects in their value.

use crate::VietQrError;

/// One data object: `id` is 0..=99, `value` is 1 to 99 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    pub id: u8,
    pub value: String,
}

/// The largest length a data object's value may have.
pub const MAX_LEN: usize = 99;

/// Appends the object `id` with `value` to `out`.
pub(crate) fn push(out: &mut String, id: u8, value: &str) -> Result<(), VietQrError> {
    let len = value.chars().count();
    if id > 99 || len == 0 || len > MAX_LEN {
        return Err(VietQrError::FieldTooLong { id, len });
    }
    out.push_str(&format!("{id:02}{len:02}"));
    out.push_str(value);
    Ok(())
}

/// A decoded object and the character offset of its value in the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    pub at: usize,
    pub tlv: Tlv,
}

/// Splits `s` into data objects. `base` is the character offset of `s` inside
/// the whole payload, so that offsets and errors point at the right place.
pub(crate) fn decode(s: &str, base: usize) -> Result<Vec<Located>, VietQrError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let malformed = |at: usize| VietQrError::Malformed { at: base + at };
        let id = two_digits(&chars, i).ok_or_else(|| malformed(i))?;
        let len = usize::from(two_digits(&chars, i + 2).ok_or_else(|| malformed(i + 2))?);
        let start = i + 4;
        let end = start + len;
        if len == 0 || end > chars.len() {
            return Err(malformed(i + 2));
        }
        out.push(Located {
            at: base + start,
            tlv: Tlv {
                id,
                value: chars[start..end].iter().collect(),
            },
        });
        i = end;
    }
    Ok(out)
}

fn two_digits(chars: &[char], at: usize) -> Option<u8> {
    let hi = chars.get(at)?.to_digit(10)?;
    let lo = chars.get(at + 1)?.to_digit(10)?;
    u8::try_from(hi * 10 + lo).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_writes_id_and_padded_length() {
        let mut s = String::new();
        push(&mut s, 0, "01").expect("valid");
        push(&mut s, 58, "VN").expect("valid");
        push(&mut s, 8, "ung ho").expect("valid");
        assert_eq!(s, "0002015802VN0806ung ho");
    }

    #[test]
    fn push_rejects_empty_and_overlong_values() {
        let mut s = String::new();
        assert_eq!(
            push(&mut s, 8, ""),
            Err(VietQrError::FieldTooLong { id: 8, len: 0 })
        );
        assert_eq!(
            push(&mut s, 62, &"x".repeat(100)),
            Err(VietQrError::FieldTooLong { id: 62, len: 100 })
        );
        push(&mut s, 62, &"x".repeat(99)).expect("99 is the maximum");
        assert!(s.starts_with("6299"));
    }

    #[test]
    fn decode_splits_objects() {
        let tlvs = decode("0002015802VN", 3).expect("valid");
        assert_eq!(
            tlvs,
            vec![
                Located {
                    at: 7,
                    tlv: Tlv {
                        id: 0,
                        value: "01".into()
                    }
                },
                Located {
                    at: 13,
                    tlv: Tlv {
                        id: 58,
                        value: "VN".into()
                    }
                },
            ]
        );
    }

    #[test]
    fn decode_counts_characters_not_bytes() {
        let tlvs = decode("0803ủng", 0).expect("valid");
        assert_eq!(tlvs[0].tlv.value, "ủng");
    }

    #[test]
    fn decode_reports_where_it_breaks() {
        assert_eq!(
            decode("000201580", 0),
            Err(VietQrError::Malformed { at: 8 })
        );
        assert_eq!(
            decode("0005010", 10),
            Err(VietQrError::Malformed { at: 12 })
        );
        assert_eq!(decode("0000", 0), Err(VietQrError::Malformed { at: 2 }));
        assert_eq!(decode("x002", 0), Err(VietQrError::Malformed { at: 0 }));
    }
}
