//! Deterministic (seeded) generator of realistic scarce instances, for
//! benchmarks and tests. Same `(needs, pledges, seed)` ⇒ same instance.
//!
//! Shape: 40 needs per commune on average, 10 communes per district, 10
//! districts per province. Needs: value 0.5–50 M đồng (multiples of 10,000),
//! priority 1–5 (skewed to low), categories and age bands skewed. Pledges
//! total 60 % of the need value (scarce); 89.5 % are restricted to one
//! district, 10.1 % to one province, 0.4 % anywhere; 60 % name one category,
//! 30 % two, 10 % none; 30 % name one age band. At 200,000 × 20,000 this
//! gives about 9.5 million allowed pledge–need pairs.

use crate::model::{AGE_BANDS, CATEGORIES, Instance, Need, Pledge};

/// SplitMix64: tiny, fast, good enough for instance generation.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; returns 0 for `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Index drawn with the given integer weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len().saturating_sub(1)
    }
}

const CAT_W: [u64; 5] = [20, 30, 10, 25, 15];
const AGE_W: [u64; 3] = [30, 45, 25];
const PRIO_W: [u64; 5] = [30, 25, 20, 15, 10];

fn commune_code(i: usize) -> String {
    format!("{:05}", 10_000 + i)
}

/// Generates an instance with `needs` needs and `pledges` pledges.
pub fn generate(needs: usize, pledges: usize, seed: u64) -> Instance {
    let mut rng = Rng::new(seed ^ 0x00C0_FFEE_00D0_0D00);
    let n_communes = (needs / 40).max(10);
    let n_districts = n_communes.div_ceil(10);
    let n_provinces = n_districts.div_ceil(10);
    let mut out = Instance::default();
    let mut total_need: u64 = 0;
    for i in 0..needs {
        let commune = rng.below(n_communes as u64) as usize;
        let cat = rng.weighted(&CAT_W);
        let age = rng.weighted(&AGE_W);
        let value = 10_000 * (50 + rng.below(4951)) as i64;
        total_need += value as u64;
        let priority = rng.weighted(&PRIO_W) as i64 + 1;
        out.needs.push(Need {
            id: format!("N{}", i + 1),
            commune: commune_code(commune),
            category: CATEGORIES[cat].to_string(),
            age_band: AGE_BANDS[age].to_string(),
            value,
            priority,
        });
    }
    let mean = if pledges == 0 {
        0
    } else {
        (total_need as f64 * 0.6 / pledges as f64) as u64
    };
    for j in 0..pledges {
        // 0.2–1.8 × mean, rounded to 100,000 đồng, at least 100,000.
        let factor = 200 + rng.below(1601);
        let value = ((mean * factor / 1000) / 100_000).max(1) as i64 * 100_000;
        let r = rng.below(1000);
        let communes = if r < 895 {
            let d = rng.below(n_districts as u64) as usize;
            let list: Vec<String> = (d * 10..(d * 10 + 10).min(n_communes))
                .map(commune_code)
                .collect();
            Some(list)
        } else if r < 996 {
            let p = rng.below(n_provinces as u64) as usize;
            let list: Vec<String> = (p * 100..(p * 100 + 100).min(n_communes))
                .map(commune_code)
                .collect();
            Some(list)
        } else {
            None
        };
        let r = rng.below(10);
        let categories = if r < 6 {
            Some(vec![CATEGORIES[rng.weighted(&CAT_W)].to_string()])
        } else if r < 9 {
            let a = rng.weighted(&CAT_W);
            let mut b = rng.weighted(&CAT_W);
            if b == a {
                b = (a + 1) % CATEGORIES.len();
            }
            Some(vec![CATEGORIES[a].to_string(), CATEGORIES[b].to_string()])
        } else {
            None
        };
        let age_bands = if rng.below(10) < 3 {
            Some(vec![AGE_BANDS[rng.weighted(&AGE_W)].to_string()])
        } else {
            None
        };
        out.pledges.push(Pledge {
            id: format!("P{}", j + 1),
            value,
            categories,
            communes,
            age_bands,
        });
    }
    out
}
