//! Support packages (gói hỗ trợ): named item lists with quantities and unit
//! values, fitted to an age band. A change makes a new version; need lines
//! keep the version they were assessed with.

use super::{AgeBand, Category};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageItem {
    pub name: String,
    /// Unit of the quantity ("cái", "bộ", "suất" …).
    pub unit: String,
    pub quantity: i64,
    /// Value of one unit, in đồng.
    pub unit_value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageVersion {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub category: Category,
    pub age_band: AgeBand,
    pub items: Vec<PackageItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageError {
    NoItems,
    /// Item `index` (0-based) has a quantity ≤ 0.
    BadQuantity {
        index: usize,
    },
    /// Item `index` has a unit value ≤ 0.
    BadValue {
        index: usize,
    },
    EmptyName {
        index: Option<usize>,
    },
    /// The total does not fit in 64 bits.
    Overflow,
}

impl PackageError {
    pub fn message_key(&self) -> &'static str {
        match self {
            PackageError::NoItems => "package-error-no-items",
            PackageError::BadQuantity { .. } => "package-error-quantity",
            PackageError::BadValue { .. } => "package-error-value",
            PackageError::EmptyName { .. } => "package-error-name",
            PackageError::Overflow => "error-overflow",
        }
    }
}

impl PackageVersion {
    /// The value of one package, in đồng: Σ quantity × unit value.
    pub fn unit_value(&self) -> Result<i64, PackageError> {
        self.items.iter().try_fold(0i64, |acc, item| {
            item.quantity
                .checked_mul(item.unit_value)
                .and_then(|v| acc.checked_add(v))
                .ok_or(PackageError::Overflow)
        })
    }

    /// Checks the package: at least one item, names, positive numbers, no
    /// overflow. Text is normalised.
    pub fn validate(mut self) -> Result<Self, PackageError> {
        self.name = crate::text::clean(&self.name);
        self.code = crate::text::clean(&self.code);
        if self.name.is_empty() || self.code.is_empty() {
            return Err(PackageError::EmptyName { index: None });
        }
        if self.items.is_empty() {
            return Err(PackageError::NoItems);
        }
        for (index, item) in self.items.iter_mut().enumerate() {
            item.name = crate::text::clean(&item.name);
            item.unit = crate::text::clean(&item.unit);
            if item.name.is_empty() {
                return Err(PackageError::EmptyName { index: Some(index) });
            }
            if item.quantity <= 0 {
                return Err(PackageError::BadQuantity { index });
            }
            if item.unit_value <= 0 {
                return Err(PackageError::BadValue { index });
            }
        }
        self.unit_value()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warm() -> PackageVersion {
        PackageVersion {
            code: "ĐA-01".into(),
            version: 1,
            name: "Gói đồ ấm tiểu học".into(),
            category: Category::WarmClothing,
            age_band: AgeBand::PRIMARY,
            items: vec![
                PackageItem {
                    name: "Chăn ấm".into(),
                    unit: "cái".into(),
                    quantity: 1,
                    unit_value: 150_000,
                },
                PackageItem {
                    name: "Áo ấm".into(),
                    unit: "cái".into(),
                    quantity: 1,
                    unit_value: 140_000,
                },
                PackageItem {
                    name: "Mũ len".into(),
                    unit: "cái".into(),
                    quantity: 1,
                    unit_value: 30_000,
                },
            ],
        }
    }

    #[test]
    fn a_package_is_worth_the_sum_of_its_items() {
        assert_eq!(warm().validate().and_then(|p| p.unit_value()), Ok(320_000));
    }

    #[test]
    fn items_need_positive_quantities_and_values() {
        let mut p = warm();
        p.items[1].quantity = 0;
        assert_eq!(p.validate(), Err(PackageError::BadQuantity { index: 1 }));
        let mut p = warm();
        p.items[2].unit_value = -5;
        assert_eq!(p.validate(), Err(PackageError::BadValue { index: 2 }));
        let mut p = warm();
        p.items.clear();
        assert_eq!(p.validate(), Err(PackageError::NoItems));
    }

    #[test]
    fn an_overflowing_total_is_refused() {
        let mut p = warm();
        p.items[0].quantity = i64::MAX / 2;
        assert_eq!(p.validate(), Err(PackageError::Overflow));
    }
}
