//! Lower-case hexadecimal, for hashes, key ids and signatures in JSON and logs.

use thiserror::Error;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// A string that is not the hex of the expected number of bytes.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HexError {
    #[error("expected {expected} hex digits, got {got}")]
    Length { expected: usize, got: usize },
    #[error("not a hex digit at position {position}")]
    Digit { position: usize },
}

/// Parses exactly `N` bytes of hex (either case), e.g. a 32-byte hash or a 64-byte signature.
pub fn from_hex<const N: usize>(text: &str) -> Result<[u8; N], HexError> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return Err(HexError::Length {
            expected: 2 * N,
            got: digits.len(),
        });
    }
    let value = |position: usize| -> Result<u8, HexError> {
        match digits[position] {
            d @ b'0'..=b'9' => Ok(d - b'0'),
            d @ b'a'..=b'f' => Ok(d - b'a' + 10),
            d @ b'A'..=b'F' => Ok(d - b'A' + 10),
            _ => Err(HexError::Digit { position }),
        }
    };
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = (value(2 * i)? << 4) | value(2 * i + 1)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = to_hex(&bytes);
        assert_eq!(&text[..8], "00010203");
        assert_eq!(&text[text.len() - 4..], "feff");
        let back: [u8; 256] = from_hex(&text).expect("hex we just wrote parses");
        assert_eq!(back.to_vec(), bytes);
        assert_eq!(from_hex::<2>("AbCd"), Ok([0xab, 0xcd]));
    }

    #[test]
    fn bad_hex_is_rejected() {
        assert_eq!(
            from_hex::<2>("abc"),
            Err(HexError::Length {
                expected: 4,
                got: 3
            })
        );
        assert_eq!(from_hex::<2>("abcg"), Err(HexError::Digit { position: 3 }));
        assert_eq!(from_hex::<1>("é"), Err(HexError::Digit { position: 0 }));
    }
}
