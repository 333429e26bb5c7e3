//! Goods in store (kho), moved only by events, so stock can be audited and
//! never drifts (Human Essentials' lesson): `in` from a goods receipt, `out`
//! to a delivery, `adjustment` with a reason, `count` — a stocktake whose
//! difference from the computed stock is recorded as the event. Current
//! stock is the sum of an item's events, never typed, and never negative.

use std::fmt;

/// The key two spellings of one stock item (or unit) share: NFC, trimmed,
/// inner white space collapsed, lower case — so "Áo ấm " and "áo  ấm" are
/// the same item. Diacritics are kept: "áo" and "ao" stay apart.
pub fn item_key(name: &str) -> String {
    crate::text::clean(name).to_lowercase()
}

/// What moved goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StockEventKind {
    In,
    Out,
    Adjustment,
    Count,
}

impl StockEventKind {
    pub const ALL: [StockEventKind; 4] = [
        StockEventKind::In,
        StockEventKind::Out,
        StockEventKind::Adjustment,
        StockEventKind::Count,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StockEventKind::In => "in",
            StockEventKind::Out => "out",
            StockEventKind::Adjustment => "adjustment",
            StockEventKind::Count => "count",
        }
    }

    pub fn parse(s: &str) -> Option<StockEventKind> {
        StockEventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
}

impl fmt::Display for StockEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a movement of stock is refused. Never carries anything about a
/// child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockError {
    /// A quantity of zero or below where a positive one is needed.
    Quantity,
    /// An item line without a name or a unit.
    Item,
    /// A unit value below zero.
    Value,
    /// An adjustment needs a reason.
    Reason,
    /// An adjustment of nothing.
    NoChange,
    /// More out of the store than it holds.
    Beyond { item: String, available: i64 },
    /// A number too large for 64 bits.
    Overflow,
}

impl StockError {
    pub fn message_key(&self) -> &'static str {
        match self {
            StockError::Quantity => "stock-error-quantity",
            StockError::Item => "stock-error-item",
            StockError::Value => "stock-error-value",
            StockError::Reason => "stock-error-reason",
            StockError::NoChange => "stock-error-no-change",
            StockError::Beyond { .. } => "stock-error-beyond",
            StockError::Overflow => "error-overflow",
        }
    }
}

/// One item line of a goods receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodsLine {
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    /// The unit valuation, in đồng.
    pub unit_value: i64,
}

/// Checks a goods receipt's lines and gives its valuation (Σ quantity ×
/// unit value).
pub fn goods_value(lines: &[GoodsLine]) -> Result<i64, StockError> {
    if lines.is_empty() {
        return Err(StockError::Item);
    }
    let mut total = 0i64;
    for l in lines {
        if l.name.trim().is_empty() || l.unit.trim().is_empty() {
            return Err(StockError::Item);
        }
        if l.quantity <= 0 {
            return Err(StockError::Quantity);
        }
        if l.unit_value < 0 {
            return Err(StockError::Value);
        }
        let v = l
            .quantity
            .checked_mul(l.unit_value)
            .ok_or(StockError::Overflow)?;
        total = total.checked_add(v).ok_or(StockError::Overflow)?;
    }
    Ok(total)
}

/// An `out` of `quantity` from `available`: refused beyond the stock.
pub fn check_out(item: &str, available: i64, quantity: i64) -> Result<(), StockError> {
    if quantity <= 0 {
        return Err(StockError::Quantity);
    }
    if quantity > available {
        return Err(StockError::Beyond {
            item: item.to_owned(),
            available: available.max(0),
        });
    }
    Ok(())
}

/// An adjustment: a signed change with a reason, never below zero.
pub fn check_adjustment(
    item: &str,
    available: i64,
    change: i64,
    reason: &str,
) -> Result<(), StockError> {
    if reason.trim().is_empty() {
        return Err(StockError::Reason);
    }
    if change == 0 {
        return Err(StockError::NoChange);
    }
    let after = available.checked_add(change).ok_or(StockError::Overflow)?;
    if after < 0 {
        return Err(StockError::Beyond {
            item: item.to_owned(),
            available: available.max(0),
        });
    }
    Ok(())
}

/// A stocktake: the event records the difference between what was counted
/// and what the events say (zero when they agree — the count is still
/// recorded, so an audit sees it was done).
pub fn count_difference(available: i64, counted: i64) -> Result<i64, StockError> {
    if counted < 0 {
        return Err(StockError::Quantity);
    }
    counted.checked_sub(available).ok_or(StockError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(q: i64, v: i64) -> GoodsLine {
        GoodsLine {
            name: "Chăn ấm".into(),
            unit: "cái".into(),
            quantity: q,
            unit_value: v,
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in StockEventKind::ALL {
            assert_eq!(StockEventKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(StockEventKind::parse("gift"), None);
    }

    #[test]
    fn a_goods_receipt_is_valued_from_its_lines_and_bad_lines_refused() {
        assert_eq!(goods_value(&[line(10, 150_000), line(2, 5)]), Ok(1_500_010));
        assert_eq!(goods_value(&[]), Err(StockError::Item));
        assert_eq!(goods_value(&[line(0, 1)]), Err(StockError::Quantity));
        assert_eq!(goods_value(&[line(-3, 1)]), Err(StockError::Quantity));
        assert_eq!(goods_value(&[line(1, -1)]), Err(StockError::Value));
        let mut nameless = line(1, 1);
        nameless.name = " ".into();
        assert_eq!(goods_value(&[nameless]), Err(StockError::Item));
        assert_eq!(goods_value(&[line(i64::MAX, 2)]), Err(StockError::Overflow));
    }

    #[test]
    fn nothing_goes_out_beyond_the_stock_and_stock_never_goes_negative() {
        assert_eq!(check_out("Áo", 10, 10), Ok(()));
        assert_eq!(
            check_out("Áo", 10, 11),
            Err(StockError::Beyond {
                item: "Áo".into(),
                available: 10
            })
        );
        assert_eq!(check_out("Áo", 10, 0), Err(StockError::Quantity));
        assert_eq!(check_adjustment("Áo", 5, -5, "hỏng do ẩm"), Ok(()));
        assert!(matches!(
            check_adjustment("Áo", 5, -6, "hỏng"),
            Err(StockError::Beyond { .. })
        ));
        assert_eq!(check_adjustment("Áo", 5, 2, "  "), Err(StockError::Reason));
        assert_eq!(check_adjustment("Áo", 5, 0, "x"), Err(StockError::NoChange));
    }

    #[test]
    fn a_count_records_the_difference_from_the_computed_stock() {
        assert_eq!(count_difference(40, 37), Ok(-3));
        assert_eq!(count_difference(40, 42), Ok(2));
        assert_eq!(count_difference(0, 0), Ok(0));
        assert_eq!(count_difference(5, -1), Err(StockError::Quantity));
    }

    #[test]
    fn spellings_of_one_item_share_a_key() {
        assert_eq!(item_key("Áo ấm "), item_key("áo  ấm"));
        assert_eq!(item_key("A\u{0301}o ấm"), item_key("Áo ấm"));
        assert_eq!(item_key("CÁI"), item_key("cái"));
        assert_ne!(item_key("áo ấm"), item_key("ao am"));
    }
}
