//! Blocking: which pairs of records are compared at all.
//!
//! Each record gets one key per blocking rule (0 = no key, e.g. no personal ID). Records sharing a
//! key form a block; all pairs inside a block are compared. A block larger than
//! `max_block_size` (e.g. "Hồ Thị Hoa, born 2017" in A Lưới, where over 40 % of people are named
//! Hồ) is not compared all-against-all: its members are sorted twice – by (birth date, commune,
//! name) and by (guardian, commune, name, birth date) – and each is compared with its `window`
//! nearest neighbours in each order (sorted neighbourhood), so the cost stays linear while true
//! duplicates, which share a birth date, a name or a guardian, and mostly the commune, stay
//! adjacent. (Within a block of one birth date the first order sorts by commune and name;
//! within a block of one guardian the second does. Records without a birth date or a guardian
//! – many in big registers – fall together at the start of an order, and the commune keeps
//! the same child's records next to each other there.)
//!
//! The birth-date rule alone is not windowed ([`WINDOWED`]): its oversized blocks are left out.
//!
//! Neighbours lost in an oversized block are mostly found again by the narrow rules at the end
//! (family name + first or last letter of the given name + commune + birth year: small blocks
//! compared all-against-all, which also catch a typo in the given name), and spellings that
//! share no token by the multiset of the name's letters (token order, spacing, swapped letters).
//!
//! A pair found by several rules is compared once: a pair from rule k is skipped when an
//! earlier rule r < k already put both records in the same (not oversized) block, as Splink does;
//! the letters rule skips pairs with the same name tokens (the name-tokens rule's pairs).

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;

use crate::compare::PreparedSet;

/// Number of blocking rules.
pub const NUM_RULES: usize = 11;

/// Every rule.
pub const ALL_RULES: [bool; NUM_RULES] = [true; NUM_RULES];

/// The rules whose pairs train the model: same personal ID, same name tokens, same birth date
/// and commune. Their candidate pairs hold a high share of duplicates, which keeps EM on the
/// right latent class; the broad rules (given name + year or commune, guardian) are used for
/// recall only. When enough pairs share a personal ID ([`PID_TRAINING_MIN_BLOCKS`]), the first
/// session is trained on them alone ([`Blocking::training_rules`]).
pub const TRAINING_RULES: [bool; NUM_RULES] = [
    true, false, false, true, false, true, false, false, false, false, false,
];

/// Blocks of records sharing a personal ID from which the first training session uses them
/// alone: pairs sharing a birth date and commune also hold twins and unrelated children born
/// the same day, which EM partly counts as duplicates with different names (at 10⁶ records it
/// put 3.1 % of duplicates at "names differ", 1.5 % from the ID pairs alone).
pub const PID_TRAINING_MIN_BLOCKS: usize = 1000;

/// Training session of each rule's pairs (0: ID or birth date + commune, 1: name tokens).
pub const SESSION_OF_RULE: [usize; NUM_RULES] = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];

/// Whether an oversized block of the rule is compared as sorted neighbourhoods (else not at
/// all). A birth date alone makes blocks of about 180 records per day at 10⁶ records; their
/// neighbours by commune are the pairs of the birth date + commune rule already, and the
/// 15 M pairs of its windows found 0.06 % of the true pairs no other rule finds.
pub const WINDOWED: [bool; NUM_RULES] = [
    true, true, true, true, true, true, false, true, true, true, true,
];

/// Human-readable names of the blocking rules.
pub const RULE_NAMES: [&str; NUM_RULES] = [
    "personal_id",
    "given_name+birth_year",
    "given_name+commune",
    "all_name_tokens",
    "guardian_name",
    "birth_date+commune",
    "birth_date",
    "name_letters",
    "family+given_initial+commune+birth_year",
    "family+given_final+commune+birth_year",
    "all_name_tokens+commune",
];

/// The rule whose pairs all differ in their name tokens ([`NAME_TOKENS_RULE`] compares the
/// others).
const LETTERS_RULE: usize = 7;
/// The rule of the personal ID.
const PID_RULE: usize = 0;
/// The rule of all name tokens.
const NAME_TOKENS_RULE: usize = 3;
/// The rule of the birth date and commune.
const DATE_COMMUNE_RULE: usize = 5;
/// The rule of the guardian's name.
const GUARDIAN_RULE: usize = 4;

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn key(parts: &[u64]) -> u64 {
    let k = parts.iter().fold(0x1234_5678u64, |h, &p| mix(h ^ p));
    // 0 means "no key".
    k.max(1)
}

fn date_code(set: &PreparedSet, i: usize) -> u64 {
    set.records[i].dob.map_or(0, |d| {
        u64::from(d.year) * 10_000
            + u64::from(d.month.unwrap_or(0)) * 100
            + u64::from(d.day.unwrap_or(0))
    })
}

/// Blocking keys of every record.
pub fn record_keys(set: &PreparedSet) -> Vec<[u64; NUM_RULES]> {
    (0..set.records.len())
        .into_par_iter()
        .map(|i| {
            let r = &set.records[i];
            let mut k = [0u64; NUM_RULES];
            if let Some(p) = r.pid {
                k[0] = key(&[1, p.as_u64()]);
            }
            let given = u64::from(r.name.given_phon());
            if given != 0 {
                if let Some(d) = r.dob {
                    k[1] = key(&[2, given, u64::from(d.year)]);
                }
                if r.commune != 0 {
                    k[2] = key(&[3, given, u64::from(r.commune)]);
                }
            }
            if !r.name.is_empty() {
                let mut parts = vec![4u64];
                parts.extend(r.name.sorted_phon.iter().map(|&t| u64::from(t)));
                k[3] = key(&parts);
            }
            if !r.guardian.is_empty() {
                let mut parts = vec![5u64];
                parts.extend(r.guardian.sorted_phon.iter().map(|&t| u64::from(t)));
                k[4] = key(&parts);
            }
            if let Some(d) = r.dob
                && d.day.is_some()
                && r.commune != 0
            {
                k[5] = key(&[6, date_code(set, i), u64::from(r.commune)]);
            }
            if let Some(d) = r.dob
                && d.day.is_some()
            {
                k[6] = key(&[7, date_code(set, i)]);
            }
            if r.name.letters != 0 {
                k[LETTERS_RULE] = key(&[8, r.name.letters]);
            }
            let family = u64::from(r.name.family_phon());
            let given_chars = set.interner.chars(r.name.given_phon());
            if family != 0
                && r.commune != 0
                && let (Some(d), Some(&first), Some(&last)) =
                    (r.dob, given_chars.first(), given_chars.last())
            {
                let (y, c) = (u64::from(d.year), u64::from(r.commune));
                k[8] = key(&[9, family, u64::from(first), c, y]);
                k[9] = key(&[10, family, u64::from(last), c, y]);
            }
            if !r.name.is_empty() && r.commune != 0 {
                // All pairs of a common name in one commune, which an oversized name block
                // only compares as sorted neighbours.
                k[10] = key(&[11, k[3], u64::from(r.commune)]);
            }
            k
        })
        .collect()
}

/// A record's keys, shortened to 32 bits (0 = no key; a shortened key is confirmed on the
/// full one), and bit `r` of `oversized` set when its block of rule `r` is oversized.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct SeenKeys {
    short: [u32; NUM_RULES],
    oversized: u16,
}

fn short_key(k: u64) -> u32 {
    if k == 0 { 0 } else { ((k >> 32) as u32).max(1) }
}

/// No group ([`Blocking::fold_pairs_where`]).
pub const NO_GROUP: u32 = u32::MAX;

/// One unit of comparison work.
#[derive(Debug, Clone, Copy)]
enum Work {
    /// All pairs of `members[start..start+len]` of a rule.
    Full { rule: u8, start: u32, len: u32 },
    /// Sorted-neighbourhood pairs of `windows[start..start+len]`.
    Window { rule: u8, start: u32, len: u32 },
}

/// The candidate-pair plan: blocks of every rule, ready to enumerate in parallel.
#[derive(Debug)]
pub struct Blocking {
    keys: Vec<[u64; NUM_RULES]>,
    members: Vec<Vec<u32>>,
    windows: Vec<u32>,
    /// Per record, what [`Blocking::seen_before`] reads for every candidate pair, in one cache
    /// line.
    seen: Vec<SeenKeys>,
    work: Vec<Work>,
    window: usize,
    /// Number of blocks per rule.
    pub blocks_per_rule: [usize; NUM_RULES],
    /// Number of oversized blocks per rule.
    pub oversized_per_rule: [usize; NUM_RULES],
    /// For each record, how many records have the same name (phonetic tokens, any order).
    pub name_freq: Vec<u32>,
    /// For each record, how many records have the same guardian name.
    pub guardian_freq: Vec<u32>,
    /// For each record, how many records have the same family and given name, whatever their
    /// middle names (the frequency that matters for a match with a middle name dropped:
    /// "Nguyễn Nam" may be any of Nguyễn Văn / Đức / Công … Nam).
    pub family_given_freq: Vec<u32>,
}

/// The blocks of one rule, built independently of the other rules.
struct RuleBlocks {
    /// Record indices sorted by key.
    members: Vec<u32>,
    /// Sorted-neighbourhood orders of the oversized blocks (offsets local to this rule).
    windows: Vec<u32>,
    work: Vec<Work>,
    /// Records of the oversized blocks.
    oversized: Vec<u32>,
    blocks: usize,
    oversized_blocks: usize,
    /// Per record, the size of its block (rules 3 and 4 only: name and guardian frequencies).
    freq: Option<Vec<u32>>,
}

/// The two sort keys of the sorted neighbourhoods, per record: (birth date, commune, name) and
/// (guardian, commune, name, birth date).
type OrderKeys = ((u64, u32, u32), (u32, u32, u32, u64));

fn rule_blocks(
    rule: usize,
    keys: &[[u64; NUM_RULES]],
    order_keys: &[OrderKeys],
    max_block_size: usize,
) -> RuleBlocks {
    let n = keys.len();
    let mut v: Vec<(u64, u32)> = (0..n)
        .filter(|&i| keys[i][rule] != 0)
        .map(|i| (keys[i][rule], i as u32))
        .collect();
    v.par_sort_unstable();
    let mut out = RuleBlocks {
        members: Vec::new(),
        windows: Vec::new(),
        work: Vec::new(),
        oversized: Vec::new(),
        blocks: 0,
        oversized_blocks: 0,
        freq: (rule == NAME_TOKENS_RULE || rule == GUARDIAN_RULE).then(|| vec![0u32; n]),
    };
    let mut start = 0usize;
    while start < v.len() {
        let k = v[start].0;
        let mut end = start + 1;
        while end < v.len() && v[end].0 == k {
            end += 1;
        }
        let len = end - start;
        if let Some(f) = &mut out.freq {
            for &(_, i) in &v[start..end] {
                f[i as usize] = len as u32;
            }
        }
        if len >= 2 {
            out.blocks += 1;
            if len <= max_block_size {
                out.work.push(Work::Full {
                    rule: rule as u8,
                    start: start as u32,
                    len: len as u32,
                });
            } else {
                out.oversized.extend(v[start..end].iter().map(|&(_, i)| i));
                out.oversized_blocks += 1;
                if WINDOWED[rule] {
                    let mut by_date: Vec<((u64, u32, u32), u32)> = v[start..end]
                        .iter()
                        .map(|&(_, i)| (order_keys[i as usize].0, i))
                        .collect();
                    by_date.sort_unstable();
                    let mut by_guardian: Vec<((u32, u32, u32, u64), u32)> = v[start..end]
                        .iter()
                        .map(|&(_, i)| (order_keys[i as usize].1, i))
                        .collect();
                    by_guardian.sort_unstable();
                    for order in [
                        by_date.iter().map(|x| x.1).collect::<Vec<u32>>(),
                        by_guardian.iter().map(|x| x.1).collect(),
                    ] {
                        out.work.push(Work::Window {
                            rule: rule as u8,
                            start: out.windows.len() as u32,
                            len: order.len() as u32,
                        });
                        out.windows.extend(order);
                    }
                }
            }
        }
        start = end;
    }
    out.members = v.into_iter().map(|(_, i)| i).collect();
    out
}

impl Blocking {
    /// Builds the blocks of all rules (the rules in parallel).
    pub fn new(set: &PreparedSet, max_block_size: usize, window: usize) -> Self {
        let keys = record_keys(set);
        let n = keys.len();
        let max_block_size = max_block_size.max(2);
        // Ties are broken by the record index, so every order is deterministic.
        let order_keys: Vec<OrderKeys> = (0..n)
            .into_par_iter()
            .map(|i| {
                let r = &set.records[i];
                let d = date_code(set, i);
                (
                    (d, r.commune, r.name.joined),
                    (r.guardian.joined, r.commune, r.name.joined, d),
                )
            })
            .collect();
        let per_rule: Vec<RuleBlocks> = (0..NUM_RULES)
            .into_par_iter()
            .map(|rule| rule_blocks(rule, &keys, &order_keys, max_block_size))
            .collect();
        drop(order_keys);
        let mut members = Vec::with_capacity(NUM_RULES);
        let mut windows: Vec<u32> = Vec::new();
        let mut oversized = vec![0u16; n];
        let mut work = Vec::new();
        let mut blocks_per_rule = [0usize; NUM_RULES];
        let mut oversized_per_rule = [0usize; NUM_RULES];
        let mut name_freq = Vec::new();
        let mut guardian_freq = Vec::new();
        for (rule, rb) in per_rule.into_iter().enumerate() {
            let base = windows.len() as u32;
            work.extend(rb.work.into_iter().map(|w| match w {
                Work::Window { rule, start, len } => Work::Window {
                    rule,
                    start: start + base,
                    len,
                },
                full => full,
            }));
            windows.extend(rb.windows);
            for i in rb.oversized {
                oversized[i as usize] |= 1 << rule;
            }
            blocks_per_rule[rule] = rb.blocks;
            oversized_per_rule[rule] = rb.oversized_blocks;
            match (rule, rb.freq) {
                (NAME_TOKENS_RULE, Some(f)) => name_freq = f,
                (GUARDIAN_RULE, Some(f)) => guardian_freq = f,
                _ => {}
            }
            members.push(rb.members);
        }
        let seen: Vec<SeenKeys> = keys
            .par_iter()
            .zip(oversized.par_iter())
            .map(|(k, &o)| SeenKeys {
                short: k.map(short_key),
                oversized: o,
            })
            .collect();
        drop(oversized);
        let mut fg: HashMap<(u32, u32), u32> = HashMap::default();
        for r in &set.records {
            if !r.name.is_empty() {
                *fg.entry((r.name.family_phon(), r.name.given_phon()))
                    .or_default() += 1;
            }
        }
        let family_given_freq = set
            .records
            .iter()
            .map(|r| {
                fg.get(&(r.name.family_phon(), r.name.given_phon()))
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        Self {
            keys,
            members,
            windows,
            seen,
            work,
            window: window.max(1),
            blocks_per_rule,
            oversized_per_rule,
            name_freq,
            guardian_freq,
            family_given_freq,
        }
    }

    /// Whether an earlier rule than `rule` already compared `i` and `j`.
    fn seen_before(&self, rule: usize, i: u32, j: u32) -> bool {
        let (si, sj) = (&self.seen[i as usize], &self.seen[j as usize]);
        let same = |r: usize| {
            si.short[r] == sj.short[r] && self.keys[i as usize][r] == self.keys[j as usize][r]
        };
        if rule == LETTERS_RULE && same(NAME_TOKENS_RULE) {
            return true;
        }
        // Same key, so the same block: oversized for both or for neither.
        let small = !si.oversized;
        (0..rule).any(|r| si.short[r] != 0 && small & (1 << r) != 0 && same(r))
    }

    /// The rules whose pairs train the model in this data ([`TRAINING_RULES`], without the
    /// birth date + commune rule when enough records share a personal ID).
    pub fn training_rules(&self) -> [bool; NUM_RULES] {
        let mut rules = TRAINING_RULES;
        if self.blocks_per_rule[PID_RULE] >= PID_TRAINING_MIN_BLOCKS {
            rules[DATE_COMMUNE_RULE] = false;
        }
        rules
    }

    /// Number of work units (for progress).
    pub fn work_units(&self) -> usize {
        self.work.len()
    }

    /// Folds `f` over every candidate pair `(i, j)` with `i < j` of the rules selected by
    /// `rules` (with `skip_seen`, a pair already produced by an earlier rule is skipped; without
    /// it each rule sees all its pairs, as a training session must), in parallel, and reduces the per-thread states with `reduce`. `tick` is called
    /// once per finished work unit.
    pub fn fold_pairs<T, I, F, R, P>(
        &self,
        rules: [bool; NUM_RULES],
        skip_seen: bool,
        init: I,
        f: F,
        reduce: R,
        tick: P,
    ) -> T
    where
        T: Send,
        I: Fn() -> T + Sync + Send,
        F: Fn(&mut T, usize, u32, u32) + Sync + Send,
        R: Fn(T, T) -> T + Sync + Send,
        P: Fn() + Sync + Send,
    {
        self.fold_pairs_where(rules, skip_seen, None, init, f, reduce, tick)
    }

    /// [`Blocking::fold_pairs`] over the pairs whose two records are in the same group
    /// (`group[i]`, [`NO_GROUP`] for none) when `group` is given. Inside a block compared
    /// all-against-all, the members are grouped first, so a block of a hundred records with
    /// few grouped ones costs a sort of their groups, not 4 950 tests.
    #[allow(clippy::too_many_arguments)]
    pub fn fold_pairs_where<T, I, F, R, P>(
        &self,
        rules: [bool; NUM_RULES],
        skip_seen: bool,
        group: Option<&[u32]>,
        init: I,
        f: F,
        reduce: R,
        tick: P,
    ) -> T
    where
        T: Send,
        I: Fn() -> T + Sync + Send,
        F: Fn(&mut T, usize, u32, u32) + Sync + Send,
        R: Fn(T, T) -> T + Sync + Send,
        P: Fn() + Sync + Send,
    {
        self.work
            .par_iter()
            .with_min_len(64)
            .fold(&init, |mut acc, w| {
                let rule = match *w {
                    Work::Full { rule, .. } | Work::Window { rule, .. } => rule as usize,
                };
                if !rules[rule] {
                    return acc;
                }
                match *w {
                    Work::Full { rule, start, len } => {
                        let (rule, start, len) = (rule as usize, start as usize, len as usize);
                        let m = &self.members[rule][start..start + len];
                        let pair = |acc: &mut T, x: u32, y: u32| {
                            let (i, j) = (x.min(y), x.max(y));
                            if !skip_seen || !self.seen_before(rule, i, j) {
                                f(acc, rule, i, j);
                            }
                        };
                        if let Some(g) = group {
                            let mut grouped: Vec<(u32, u32)> = m
                                .iter()
                                .filter(|&&x| g[x as usize] != NO_GROUP)
                                .map(|&x| (g[x as usize], x))
                                .collect();
                            grouped.sort_unstable();
                            for run in grouped.chunk_by(|x, y| x.0 == y.0) {
                                for a in 0..run.len() {
                                    for b in a + 1..run.len() {
                                        pair(&mut acc, run[a].1, run[b].1);
                                    }
                                }
                            }
                        } else {
                            for a in 0..m.len() {
                                for b in a + 1..m.len() {
                                    pair(&mut acc, m[a], m[b]);
                                }
                            }
                        }
                    }
                    Work::Window { rule, start, len } => {
                        let (rule, start, len) = (rule as usize, start as usize, len as usize);
                        let m = &self.windows[start..start + len];
                        for a in 0..m.len() {
                            for b in a + 1..m.len().min(a + 1 + self.window) {
                                let (i, j) = (m[a].min(m[b]), m[a].max(m[b]));
                                let keep = group.is_none_or(|g| {
                                    g[i as usize] != NO_GROUP && g[i as usize] == g[j as usize]
                                });
                                if keep && (!skip_seen || !self.seen_before(rule, i, j)) {
                                    f(&mut acc, rule, i, j);
                                }
                            }
                        }
                    }
                }
                tick();
                acc
            })
            .reduce(&init, reduce)
    }
}
