//! Common receiving banks and their NAPAS BINs.
//!
//! Each BIN was checked against two public lists: the State Bank of Viet Nam
//! card-issuer BIN list (as mirrored by an open-source VietQR library) and the
//! bank list published with VietQR generator packages. Names are the current
//! legal names (LPBank was renamed from Bưu điện Liên Việt to Lộc Phát Việt Nam).

/// A receiving bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bank {
    /// 6-digit NAPAS BIN, the value of 38/01/00.
    pub bin: &'static str,
    /// The name people use.
    pub short_name: &'static str,
    /// The full Vietnamese name.
    pub name: &'static str,
}

const fn bank(bin: &'static str, short_name: &'static str, name: &'static str) -> Bank {
    Bank {
        bin,
        short_name,
        name,
    }
}

/// Common Vietnamese banks, most used first.
pub const BANKS: &[Bank] = &[
    bank(
        "970436",
        "Vietcombank",
        "Ngân hàng TMCP Ngoại thương Việt Nam",
    ),
    bank(
        "970415",
        "VietinBank",
        "Ngân hàng TMCP Công thương Việt Nam",
    ),
    bank(
        "970418",
        "BIDV",
        "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam",
    ),
    bank(
        "970405",
        "Agribank",
        "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam",
    ),
    bank("970407", "Techcombank", "Ngân hàng TMCP Kỹ thương Việt Nam"),
    bank("970422", "MB", "Ngân hàng TMCP Quân đội"),
    bank("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    bank("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng"),
    bank("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    bank("970423", "TPBank", "Ngân hàng TMCP Tiên Phong"),
    bank("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    bank("970443", "SHB", "Ngân hàng TMCP Sài Gòn – Hà Nội"),
    bank(
        "970437",
        "HDBank",
        "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh",
    ),
    bank("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam"),
    bank("970448", "OCB", "Ngân hàng TMCP Phương Đông"),
    bank(
        "970431",
        "Eximbank",
        "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam",
    ),
    bank("970425", "ABBANK", "Ngân hàng TMCP An Bình"),
];

/// The bank with this BIN, if it is in [`BANKS`].
pub fn bank_by_bin(bin: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.bin == bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_six_digits_and_unique() {
        for (i, b) in BANKS.iter().enumerate() {
            assert_eq!(b.bin.len(), 6, "{}", b.short_name);
            assert!(
                b.bin.bytes().all(|c| c.is_ascii_digit()),
                "{}",
                b.short_name
            );
            assert!(
                BANKS[..i]
                    .iter()
                    .all(|o| o.bin != b.bin && o.short_name != b.short_name),
                "{} repeated",
                b.short_name
            );
        }
    }

    #[test]
    fn required_banks_are_listed() {
        for (bin, short) in [
            ("970436", "Vietcombank"),
            ("970415", "VietinBank"),
            ("970418", "BIDV"),
            ("970405", "Agribank"),
            ("970407", "Techcombank"),
            ("970422", "MB"),
            ("970416", "ACB"),
            ("970432", "VPBank"),
            ("970403", "Sacombank"),
            ("970423", "TPBank"),
            ("970449", "LPBank"),
            ("970443", "SHB"),
        ] {
            let b = bank_by_bin(bin).expect("listed");
            assert_eq!(b.short_name, short);
            assert!(b.name.starts_with("Ngân hàng "));
        }
        assert_eq!(bank_by_bin("123456"), None);
    }
}
