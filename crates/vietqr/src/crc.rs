//! CRC-16/CCITT-FALSE, the checksum of EMVCo QR payloads (ID "63").
//!
//! EMV QRCPS: ISO/IEC 13239, polynomial 0x1021, initial value 0xFFFF, no
//! reflection, no final XOR, computed over every data object up to and
//! including the ID and length of the CRC object itself ("6304").

const POLY: u16 = 0x1021;
const INIT: u16 = 0xFFFF;

/// CRC-16/CCITT-FALSE of `bytes` (check value: `"123456789"` → `0x29B1`).
pub fn crc16_ccitt_false(bytes: &[u8]) -> u16 {
    let mut crc = INIT;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ POLY
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The CRC as it is written in a payload: 4 uppercase hex digits.
pub(crate) fn crc_hex(bytes: &[u8]) -> String {
    format!("{:04X}", crc16_ccitt_false(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
    }

    #[test]
    fn empty_input_is_the_initial_value() {
        assert_eq!(crc16_ccitt_false(b""), 0xFFFF);
    }

    #[test]
    fn hex_is_padded_and_uppercase() {
        // 0x0000 would print as "0" without padding; find an input whose CRC
        // has a leading zero nibble and check the width.
        let (input, crc) = (0u32..)
            .map(|n| n.to_string())
            .map(|s| {
                let crc = crc16_ccitt_false(s.as_bytes());
                (s, crc)
            })
            .find(|(_, crc)| *crc < 0x1000)
            .expect("some small number has a CRC below 0x1000");
        let hex = crc_hex(input.as_bytes());
        assert_eq!(hex.len(), 4);
        assert!(hex.starts_with('0'));
        assert_eq!(u16::from_str_radix(&hex, 16).expect("hex"), crc);
        assert_eq!(crc_hex(b"123456789"), "29B1");
    }
}
