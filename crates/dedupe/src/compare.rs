//! Prepared (normalised, interned) records and the pairwise comparison vector.

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;

use crate::date::{DateLevel, PartialDate, compare_dates, parse_date};
use crate::normalize::{
    fold, join_minor_syllables, phonetic_key, place_key, raw_tokens, toned_key,
};
use crate::pid::{PersonalId, PidLevel, compare_pids, parse_personal_id};
use crate::{Record, Sex};

/// Comparison fields, in the order of [`ComparisonVector::levels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Full name of the child.
    Name = 0,
    /// Birth date.
    BirthDate = 1,
    /// Sex.
    Sex = 2,
    /// Commune code.
    Commune = 3,
    /// Village.
    Village = 4,
    /// Guardian's name.
    Guardian = 5,
    /// Personal ID.
    PersonalId = 6,
    /// Source (school, health station, …): one source seldom lists the same child twice.
    Source = 7,
}

/// Number of comparison fields.
pub const NUM_FIELDS: usize = 8;
/// All fields in order.
pub const FIELDS: [Field; NUM_FIELDS] = [
    Field::Name,
    Field::BirthDate,
    Field::Sex,
    Field::Commune,
    Field::Village,
    Field::Guardian,
    Field::PersonalId,
    Field::Source,
];
/// Number of levels of each field (the value [`NULL_LEVEL`] is "missing on either side").
pub const LEVELS: [u8; NUM_FIELDS] = [7, DateLevel::COUNT, 2, 2, 2, 3, PidLevel::COUNT, 2];
/// Level of a field when either side is missing: it carries no evidence.
pub const NULL_LEVEL: u8 = u8::MAX;
/// Guardian level not computed yet ([`PreparedSet::compare_but_guardian`]); never in a
/// finished comparison vector.
pub const GUARDIAN_PENDING: u8 = u8::MAX - 1;

/// How two names agree, from worst to best (values are the level indices).
pub mod name_level {
    /// Names differ.
    pub const DIFFERENT: u8 = 0;
    /// Only the given name is the same.
    pub const SAME_GIVEN: u8 = 1;
    /// One token differs by a typo (one or two edits), possibly with a dropped middle name, or
    /// two tokens each differ by a typo.
    pub const TYPO: u8 = 2;
    /// Equal once a middle name present on one side only is dropped.
    pub const MIDDLE_DROPPED: u8 = 3;
    /// Equal by sound (phonetic key), possibly in another order or spacing.
    pub const PHONETIC: u8 = 4;
    /// Equal without diacritics.
    pub const FOLDED: u8 = 5;
    /// Equal (up to Unicode form, tone placement, case, spacing).
    pub const EXACT: u8 = 6;
}

/// Guardian agreement levels.
pub mod guardian_level {
    /// Different guardian names.
    pub const DIFFERENT: u8 = 0;
    /// Similar (a typo or a dropped middle name).
    pub const SIMILAR: u8 = 1;
    /// Same guardian name (up to diacritics, spelling variants and order).
    pub const SAME: u8 = 2;
}

/// Notes on how two names were matched, used in explanations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NameNotes {
    /// The token order differs (given name first on one side).
    pub reordered: bool,
    /// Syllables are written joined on one side and apart on the other.
    pub spacing: bool,
    /// Both names have a family name and it is the same (by sound).
    pub same_family: bool,
}

/// The comparison vector of a pair of records: one level per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ComparisonVector {
    /// Level per field, in [`FIELDS`] order; [`NULL_LEVEL`] when missing.
    pub levels: [u8; NUM_FIELDS],
    /// Name-matching notes.
    pub notes: NameNotes,
}

impl ComparisonVector {
    /// Index of the agreement pattern (mixed radix, "missing" counted as one more level).
    pub fn pattern(&self) -> usize {
        let mut p = 0usize;
        for f in 0..NUM_FIELDS {
            let radix = usize::from(LEVELS[f]) + 1;
            let l = self.levels[f];
            let v = if l == NULL_LEVEL {
                usize::from(LEVELS[f])
            } else {
                usize::from(l)
            };
            p = p * radix + v;
        }
        p
    }
}

/// Number of distinct agreement patterns.
pub fn pattern_count() -> usize {
    LEVELS.iter().map(|&l| usize::from(l) + 1).product()
}

/// Decodes a pattern index into levels.
pub fn decode_pattern(mut p: usize) -> [u8; NUM_FIELDS] {
    let mut out = [0u8; NUM_FIELDS];
    for f in (0..NUM_FIELDS).rev() {
        let radix = usize::from(LEVELS[f]) + 1;
        let v = p % radix;
        p /= radix;
        out[f] = if v == usize::from(LEVELS[f]) {
            NULL_LEVEL
        } else {
            // v < LEVELS[f] ≤ 255
            u8::try_from(v).unwrap_or(NULL_LEVEL)
        };
    }
    out
}

/// String interner: every distinct key string gets a small id (0 is the empty string). The
/// characters of every string are kept decoded too, so that edit distances between tokens
/// (computed for millions of pairs) do not decode UTF-8 again each time.
#[derive(Debug, Default)]
pub struct Interner {
    map: HashMap<String, u32>,
    strings: Vec<String>,
    chars: Vec<Box<[char]>>,
    /// [`char_mask`] of every string.
    masks: Vec<u64>,
}

impl Interner {
    fn new() -> Self {
        let mut i = Self::default();
        i.intern(String::new());
        i
    }

    fn intern(&mut self, s: String) -> u32 {
        if let Some(&id) = self.map.get(&s) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        self.chars.push(s.chars().collect());
        self.masks.push(char_mask(&s));
        self.strings.push(s.clone());
        self.map.insert(s, id);
        id
    }

    /// The characters of an id's string.
    pub fn chars(&self, id: u32) -> &[char] {
        self.chars.get(id as usize).map_or(&[], |c| &c[..])
    }

    /// The [`char_mask`] of an id's string.
    pub fn mask(&self, id: u32) -> u64 {
        self.masks.get(id as usize).copied().unwrap_or(0)
    }

    /// The string of an id.
    pub fn get(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", String::as_str)
    }

    fn lookup(&self, s: &str) -> u32 {
        self.map.get(s).copied().unwrap_or(u32::MAX)
    }
}

/// The set of characters of a string as 64 bits (character code modulo 64; distinct lower-case
/// ASCII letters get distinct bits). Every character of `a` missing from `b` needs its own edit,
/// so [`edit_lower_bound`] of two masks never exceeds their edit distance.
pub fn char_mask(s: &str) -> u64 {
    s.chars().fold(0u64, |m, c| m | 1u64 << (u32::from(c) % 64))
}

/// A lower bound of the edit distance (with transpositions) of two strings, from their
/// [`char_mask`]s: the larger number of characters present on one side only.
pub fn edit_lower_bound(a: u64, b: u64) -> usize {
    (a & !b).count_ones().max((b & !a).count_ones()) as usize
}

/// One interned name token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tok {
    /// Toned key id.
    pub toned: u32,
    /// Folded key id.
    pub folded: u32,
    /// Phonetic key id.
    pub phon: u32,
}

/// Most tokens a prepared name keeps: a longer name keeps its first five tokens and its last
/// (the given name). Real names have at most five or six syllables once minor syllables are
/// joined (`Pơ Loong Thị San U`).
pub const MAX_TOKENS: usize = 6;

/// Up to `N` values stored inline (no heap allocation: a name's tokens sit in the record
/// itself, which the comparison of 10⁸ pairs reads from memory far more often than it
/// computes anything).
#[derive(Debug, Clone, Copy)]
pub struct Inline<T: Copy + Default, const N: usize> {
    buf: [T; N],
    len: u8,
}

impl<T: Copy + Default, const N: usize> Default for Inline<T, N> {
    fn default() -> Self {
        Self {
            buf: [T::default(); N],
            len: 0,
        }
    }
}

impl<T: Copy + Default, const N: usize> Inline<T, N> {
    /// The first `N` values of `values`.
    pub fn from_slice(values: &[T]) -> Self {
        let mut out = Self::default();
        for (slot, &v) in out.buf.iter_mut().zip(values) {
            *slot = v;
        }
        out.len = u8::try_from(values.len().min(N)).unwrap_or(0);
        out
    }
}

impl<T: Copy + Default, const N: usize> std::ops::Deref for Inline<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[..usize::from(self.len)]
    }
}

impl<T: Copy + Default + PartialEq, const N: usize> PartialEq for Inline<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self[..] == other[..]
    }
}

impl<'a, T: Copy + Default, const N: usize> IntoIterator for &'a Inline<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self[..].iter()
    }
}

/// An interned name.
#[derive(Debug, Clone, Default)]
pub struct PName {
    /// Tokens in written order.
    pub toks: Inline<Tok, MAX_TOKENS>,
    /// Phonetic tokens sorted (order-insensitive comparison).
    pub sorted_phon: Inline<u32, MAX_TOKENS>,
    /// Hash of `sorted_phon`: different hashes, different sorted tokens.
    pub sorted_key: u64,
    /// All phonetic tokens joined without spaces.
    pub joined: u32,
    /// Index of the given name in `toks`.
    pub given: usize,
    /// Number of tokens as written.
    pub written: usize,
    /// [`letters_key`] of the name.
    pub letters: u64,
    /// [`flat_key`] of the name (interned).
    pub flat: u32,
    /// Bit `i` set: token `i` comes after a middle-name marker (Văn, Thị), so it belongs to the
    /// given name (Hồ Văn **Kăn Pỉ**), and a name without it is another given name, not the same
    /// name with a middle name dropped.
    pub given_part: u16,
}

impl PName {
    /// Phonetic id of the given name (0 when empty).
    pub fn given_phon(&self) -> u32 {
        self.toks.get(self.given).map_or(0, |t| t.phon)
    }

    /// Phonetic id of the family name: the first token, or the second when the name was
    /// written given-name first (0 when there is no other token than the given name).
    pub fn family_phon(&self) -> u32 {
        let k = if self.given == 0 { 1 } else { 0 };
        if k == self.given {
            return 0;
        }
        self.toks.get(k).map_or(0, |t| t.phon)
    }

    /// Phonetic id of the first token.
    pub fn first_phon(&self) -> u32 {
        self.toks.first().map_or(0, |t| t.phon)
    }

    /// Whether `self` and `other` can compare equal by sound or better (same sorted tokens, or
    /// the same letters joined), from their keys alone: every level from "by sound" up needs it.
    pub fn may_equal(&self, other: &PName) -> bool {
        self.sorted_key == other.sorted_key
            || self.joined == other.joined
            || self.flat == other.flat
    }

    /// Whether the name has no tokens.
    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }
}

/// A normalised record ready for comparison.
///
/// The fields compared for every candidate pair without a string comparison come first, in
/// the first 64 bytes (`repr(C)`, aligned to a cache line): most candidate pairs are settled
/// from them and the name frequencies alone, and the pass over 10⁸ pairs is bound by memory.
#[derive(Debug, Clone, Default)]
#[repr(C, align(64))]
pub struct Prepared {
    /// Birth date.
    pub dob: Option<PartialDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// A personal ID was given but is structurally invalid.
    pub pid_invalid: bool,
    /// The name has at least one token.
    pub has_name: bool,
    /// The guardian's name has at least one token.
    pub has_guardian: bool,
    /// Commune key id (0 = missing).
    pub commune: u32,
    /// Village key id (0 = missing).
    pub village: u32,
    /// Source key id (0 = missing).
    pub source: u32,
    /// Valid personal ID.
    pub pid: Option<PersonalId>,
    /// log2 of the shares of records with the same name, the same family and given name, and
    /// the same guardian ([`PreparedSet::set_log_frequencies`]; 0 until then).
    pub log_freq: [f32; 3],
    /// Child's name.
    pub name: PName,
    /// Guardian's name.
    pub guardian: PName,
}

/// Index of a distinct (trimmed) string, adding it if new.
fn slot<'a>(s: &'a str, index: &mut HashMap<&'a str, u32>, distinct: &mut Vec<&'a str>) -> u32 {
    let s = s.trim();
    if let Some(&k) = index.get(s) {
        return k;
    }
    // At most 5 distinct strings per record: far below u32::MAX for any input that fits in
    // memory.
    let k = u32::try_from(distinct.len()).unwrap_or(u32::MAX);
    index.insert(s, k);
    distinct.push(s);
    k
}

/// Hash of the multiset of letters of a name (phonetic key of every folded token, letters
/// sorted; 0 for an empty name): equal for spellings that differ in token order, in spacing
/// (`Ka Rôi` / `Karôi`, `Pơ Đạp` / `Po Dap`), or by letters swapped (`Ngol` / `gNol`).
pub fn letters_key(folded: &[String]) -> u64 {
    letters_of_flat(&flat_key(folded))
}

/// The phonetic keys of the folded tokens joined without spaces: equal for spellings that
/// differ only in spacing, even when one of them lost its diacritics (`Zơ Xô` / `Zo Xo` /
/// `Zơxô`, where the toned form joins the minor syllable `zơ` and the folded one cannot tell
/// it from `Zô`).
pub fn flat_key(folded: &[String]) -> String {
    folded.iter().map(|t| phonetic_key(t)).collect()
}

fn letters_of_flat(flat: &str) -> u64 {
    let mut cs: Vec<char> = flat.chars().collect();
    if cs.is_empty() {
        return 0;
    }
    cs.sort_unstable();
    // FNV-1a over the sorted letters.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in cs {
        h ^= u64::from(u32::from(c));
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h.max(1)
}

/// All prepared records with their interner.
#[derive(Debug)]
pub struct PreparedSet {
    /// Records, in input order.
    pub records: Vec<Prepared>,
    /// Strings of the key ids.
    pub interner: Interner,
    middle_markers: [u32; 2],
    /// Given names (phonetic ids) written by at least [`PreparedSet::common_given_min`]
    /// records: real names, so that two of them one edit apart are two names, not a typo.
    common_given: Vec<bool>,
}

impl PreparedSet {
    /// Normalises and interns every record (normalisation runs in parallel).
    pub fn new(records: &[Record]) -> Self {
        let mut interner = Interner::new();
        let middle_markers = [
            interner.intern("van".to_string()),
            interner.intern("thi".to_string()),
        ];
        // Names repeat (namesakes, one guardian for several children, the same spelling in
        // several sources): normalise every distinct written form once. Index them first.
        let (mut index, mut distinct): (HashMap<&str, u32>, Vec<&str>) = Default::default();
        let (mut pindex, mut pdistinct): (HashMap<&str, u32>, Vec<&str>) = Default::default();
        let mut ids = Vec::with_capacity(records.len());
        for r in records {
            ids.push([
                slot(&r.full_name, &mut index, &mut distinct),
                slot(&r.guardian_name, &mut index, &mut distinct),
                slot(&r.commune_code, &mut pindex, &mut pdistinct),
                slot(&r.village, &mut pindex, &mut pdistinct),
                slot(&r.source, &mut pindex, &mut pdistinct),
            ]);
        }
        drop(index);
        drop(pindex);
        let mut names = prepare_names(&distinct, &mut interner, &middle_markers);
        given_name_first(&mut names, &ids, interner.strings.len());
        let places: Vec<u32> = pdistinct
            .iter()
            .map(|s| interner.intern(place_key(s)))
            .collect();
        let out: Vec<Prepared> = records
            .par_iter()
            .zip(ids.par_iter())
            .map(|(r, k)| {
                let pid_text = r.personal_id.trim();
                let (pid, pid_invalid) = if pid_text.is_empty() {
                    (None, false)
                } else {
                    match parse_personal_id(pid_text) {
                        Ok(p) => (Some(p), false),
                        Err(_) => (None, true),
                    }
                };
                let name_of = |i: u32| names.get(i as usize).cloned().unwrap_or_default();
                let place_of = |i: u32| places.get(i as usize).copied().unwrap_or(0);
                // The personal ID encodes the sex and the birth year (Circular 07/2016/TT-BCA):
                // they stand in for a missing sex or birth date.
                let dob = parse_date(&r.birth_date).or_else(|| {
                    pid.map(|p| p.birth_year())
                        .filter(|y| (1900..=2100).contains(y))
                        .map(|year| PartialDate {
                            year,
                            month: None,
                            day: None,
                        })
                });
                let (name, guardian) = (name_of(k[0]), name_of(k[1]));
                Prepared {
                    has_name: !name.is_empty(),
                    has_guardian: !guardian.is_empty(),
                    log_freq: [0.0; 3],
                    name,
                    guardian,
                    dob,
                    sex: r.sex.or_else(|| pid.map(|p| p.sex())),
                    commune: place_of(k[2]),
                    village: place_of(k[3]),
                    source: place_of(k[4]),
                    pid,
                    pid_invalid,
                }
            })
            .collect();
        // A typo makes a rare token; a given name written by many records is a real name.
        let mut given_count = vec![0u32; interner.strings.len()];
        for r in &out {
            if let Some(c) = given_count.get_mut(r.name.given_phon() as usize) {
                *c += 1;
            }
        }
        let min = Self::common_given_min(out.len());
        let common_given = given_count.iter().map(|&c| c >= min).collect();
        Self {
            records: out,
            interner,
            middle_markers,
            common_given,
        }
    }

    /// How many records must carry a given name for it to count as a real (common) name:
    /// 3, or one in 20 000 records in large files (where the same typo recurs by chance).
    pub fn common_given_min(records: usize) -> u32 {
        u32::try_from(records / 20_000).unwrap_or(u32::MAX).max(3)
    }

    /// Compares records `a` and `b`. Symmetric in its levels.
    pub fn compare(&self, a: usize, b: usize) -> ComparisonVector {
        let mut v = self.compare_but_guardian(a, b);
        if v.levels[Field::Guardian as usize] == GUARDIAN_PENDING {
            v.levels[Field::Guardian as usize] = self.guardian_level(a, b);
        }
        v
    }

    /// [`PreparedSet::compare`] without the guardian's name comparison: the guardian's level is
    /// [`NULL_LEVEL`] when either side has no guardian, else [`GUARDIAN_PENDING`] (to be
    /// computed by [`PreparedSet::guardian_level`] if the other fields leave the pair a chance).
    pub fn compare_but_guardian(&self, a: usize, b: usize) -> ComparisonVector {
        let mut v = self.compare_cheap(a, b);
        self.compare_names_into(a, b, &mut v);
        v
    }

    /// The levels of the fields that cost no string comparison: birth date, sex, commune,
    /// village, personal ID and source. The name is left missing, the guardian pending (when
    /// both have one): see [`PreparedSet::compare_names_into`].
    pub fn compare_cheap(&self, a: usize, b: usize) -> ComparisonVector {
        let (ra, rb) = (&self.records[a], &self.records[b]);
        let mut levels = [NULL_LEVEL; NUM_FIELDS];
        if let (Some(x), Some(y)) = (&ra.dob, &rb.dob) {
            levels[Field::BirthDate as usize] = compare_dates(x, y) as u8;
        }
        if let (Some(x), Some(y)) = (ra.sex, rb.sex) {
            levels[Field::Sex as usize] = u8::from(x == y);
        }
        if ra.commune != 0 && rb.commune != 0 {
            levels[Field::Commune as usize] = u8::from(ra.commune == rb.commune);
        }
        if ra.village != 0 && rb.village != 0 {
            levels[Field::Village as usize] = u8::from(ra.village == rb.village);
        }
        if ra.source != 0 && rb.source != 0 {
            levels[Field::Source as usize] = u8::from(ra.source == rb.source);
        }
        if ra.has_guardian && rb.has_guardian {
            levels[Field::Guardian as usize] = GUARDIAN_PENDING;
        }
        if let (Some(x), Some(y)) = (&ra.pid, &rb.pid) {
            levels[Field::PersonalId as usize] = compare_pids(x, y) as u8;
        }
        ComparisonVector {
            levels,
            notes: NameNotes::default(),
        }
    }

    /// Sets the name level and notes of `v` (a vector of [`PreparedSet::compare_cheap`]).
    pub fn compare_names_into(&self, a: usize, b: usize, v: &mut ComparisonVector) {
        let (ra, rb) = (&self.records[a], &self.records[b]);
        let (nl, notes) = compare_names(&ra.name, &rb.name, &self.interner, &self.common_given);
        v.levels[Field::Name as usize] = nl;
        v.notes = notes;
    }

    /// Stores every record's log-frequencies (see [`Prepared::log_freq`]): `of(i)` gives record
    /// `i`'s name, family + given name and guardian frequencies.
    pub fn set_log_frequencies(&mut self, of: impl Fn(usize) -> [f32; 3] + Sync) {
        self.records
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, r)| r.log_freq = of(i));
    }

    /// Whether the guardians of records `a` and `b` can be "the same guardian" at all (same
    /// sorted tokens, or the same letters joined), from their keys alone.
    pub fn guardian_reach(&self, a: usize, b: usize) -> bool {
        self.records[a]
            .guardian
            .may_equal(&self.records[b].guardian)
    }

    /// Whether both records have a name (else the name level is missing).
    pub fn both_named(&self, a: usize, b: usize) -> bool {
        self.records[a].has_name && self.records[b].has_name
    }

    /// Which name levels records `a` and `b` can reach at best, from their names' keys alone
    /// (no string comparison): `(equal, dropped)` — whether "identical", "without diacritics"
    /// or "by sound" is possible (same sorted tokens, or the same letters joined), and whether
    /// "a middle name dropped" is (one token more on one side). "A typo", "only the given name"
    /// and "different" are always possible.
    pub fn name_reach(&self, a: usize, b: usize) -> (bool, bool) {
        let (x, y) = (&self.records[a].name, &self.records[b].name);
        (
            x.may_equal(y),
            x.sorted_phon.len().abs_diff(y.sorted_phon.len()) == 1,
        )
    }

    /// Guardian level of records `a` and `b` ([`NULL_LEVEL`] when either has none).
    pub fn guardian_level(&self, a: usize, b: usize) -> u8 {
        let (ra, rb) = (&self.records[a], &self.records[b]);
        let (gl, _) = compare_names(&ra.guardian, &rb.guardian, &self.interner, &[]);
        match gl {
            NULL_LEVEL => NULL_LEVEL,
            l if l >= name_level::PHONETIC => guardian_level::SAME,
            l if l >= name_level::TYPO => guardian_level::SIMILAR,
            _ => guardian_level::DIFFERENT,
        }
    }

    /// Ids of the middle-name markers `van` and `thi` (phonetic).
    pub fn middle_markers(&self) -> [u32; 2] {
        self.middle_markers
    }

    /// Interned phonetic id of a string, if present.
    pub fn phon_id(&self, s: &str) -> Option<u32> {
        let id = self.interner.lookup(s);
        (id != u32::MAX).then_some(id)
    }
}

/// Names written given name first without a middle-name marker at the end ("Hạnh Nguyễn",
/// "Hạnh Nguyễn Kim"): the first token is more often written last (a given name) and the
/// second is a family name — first in at least one name in 500 (`records / 500`, at least 3)
/// and four times more often first than last. Their given name is the first token (and their
/// family name the second), as for "Hoa Hồ Thị"; otherwise a dropped middle name or a typo in
/// such a name would leave the given name wrong and the pair unrecognised. Counted over the
/// children's and the guardians' names of every record (`ids`: name slots per record).
fn given_name_first(names: &mut [PName], ids: &[[u32; 5]], tokens: usize) {
    let mut first = vec![0u32; tokens];
    let mut last = vec![0u32; tokens];
    for k in ids {
        for slot in [k[0], k[1]] {
            if let Some(n) = names.get(slot as usize)
                && n.toks.len() >= 2
                && let (Some(f), Some(l)) = (n.toks.first(), n.toks.last())
            {
                if let Some(c) = first.get_mut(f.phon as usize) {
                    *c += 1;
                }
                if let Some(c) = last.get_mut(l.phon as usize) {
                    *c += 1;
                }
            }
        }
    }
    let family_min = u32::try_from(ids.len() / 500).unwrap_or(u32::MAX).max(3);
    let count = |v: &[u32], t: u32| v.get(t as usize).copied().unwrap_or(0);
    let is_family = |t: u32| {
        let f = count(&first, t);
        f >= family_min && f >= 4 * count(&last, t)
    };
    let looks_given = |t: u32| count(&last, t) > count(&first, t);
    for n in names.iter_mut() {
        if n.toks.len() >= 2
            && n.given + 1 == n.toks.len()
            && looks_given(n.toks[0].phon)
            && is_family(n.toks[1].phon)
        {
            n.given = 0;
            n.given_part = 0;
        }
    }
}

/// The keys of one distinct token ([`crate::normalize::name_keys`] token by token, and the token's part of
/// [`flat_key`]).
struct TokenKeys {
    toned: String,
    folded: String,
    phon: String,
    flat: String,
}

/// Prepares every distinct name. Names share their tokens (a few tens of thousands of distinct
/// tokens for hundreds of thousands of distinct names), so each distinct token is normalised
/// once, in parallel; the strings are interned in the same order as name by name (every
/// token's toned, folded and phonetic keys of [`crate::normalize::name_keys`], then the joined and flat keys),
/// so the ids, and every order built on them, do not depend on how the work was shared out.
fn prepare_names(distinct: &[&str], int: &mut Interner, markers: &[u32; 2]) -> Vec<PName> {
    let tokenised: Vec<(Vec<String>, usize)> = distinct
        .par_iter()
        .map(|s| {
            let raw = raw_tokens(s);
            let written = raw.len();
            (join_minor_syllables(raw), written)
        })
        .collect();
    let mut index: HashMap<&str, u32> = HashMap::default();
    let mut tokens: Vec<&str> = Vec::new();
    let name_toks: Vec<Vec<u32>> = tokenised
        .iter()
        .map(|(ts, _)| {
            ts.iter()
                .map(|t| {
                    *index.entry(t.as_str()).or_insert_with(|| {
                        tokens.push(t.as_str());
                        u32::try_from(tokens.len() - 1).unwrap_or(u32::MAX)
                    })
                })
                .collect()
        })
        .collect();
    drop(index);
    let keys: Vec<TokenKeys> = tokens
        .par_iter()
        .map(|t| {
            let folded = fold(t);
            TokenKeys {
                toned: toned_key(t),
                phon: phonetic_key(t),
                flat: phonetic_key(&folded),
                folded,
            }
        })
        .collect();
    let key = |t: u32| &keys[t as usize];
    // Per name: the joined phonetic keys and the flat key (in parallel).
    let joined: Vec<(String, String)> = name_toks
        .par_iter()
        .map(|ts| {
            (
                ts.iter().map(|&t| key(t).phon.as_str()).collect(),
                ts.iter().map(|&t| key(t).flat.as_str()).collect(),
            )
        })
        .collect();
    let mut interned: Vec<Option<Tok>> = vec![None; tokens.len()];
    let mut names = Vec::with_capacity(distinct.len());
    for ((ts, (_, written)), (phon_joined, flat)) in name_toks.iter().zip(&tokenised).zip(joined) {
        let toks: Vec<Tok> = ts
            .iter()
            .map(|&t| {
                *interned[t as usize].get_or_insert_with(|| {
                    let k = key(t);
                    Tok {
                        toned: int.intern(k.toned.clone()),
                        folded: int.intern(k.folded.clone()),
                        phon: int.intern(k.phon.clone()),
                    }
                })
            })
            .collect();
        let letters = letters_of_flat(&flat);
        names.push(build_name(
            int,
            toks,
            phon_joined,
            flat,
            *written,
            letters,
            markers,
        ));
    }
    names
}

fn build_name(
    int: &mut Interner,
    toks: Vec<Tok>,
    phon_joined: String,
    flat: String,
    written: usize,
    letters: u64,
    markers: &[u32; 2],
) -> PName {
    let joined = int.intern(phon_joined);
    let mut toks = toks;
    if toks.len() > MAX_TOKENS {
        toks.drain(MAX_TOKENS - 1..toks.len() - 1);
    }
    let mut sorted_phon: Vec<u32> = toks.iter().map(|t| t.phon).collect();
    sorted_phon.sort_unstable();
    // The given name is the last token, unless the name was written given-name first
    // ("Hoa Hồ Thị"): then the last token is a middle-name marker (Văn/Thị).
    let given = match (toks.first(), toks.last()) {
        (Some(f), Some(l))
            if toks.len() >= 2 && markers.contains(&l.phon) && !markers.contains(&f.phon) =>
        {
            0
        }
        _ => toks.len().saturating_sub(1),
    };
    let mut given_part = 0u16;
    if given + 1 == toks.len()
        && let Some(m) = toks[..given]
            .iter()
            .rposition(|t| markers.contains(&t.phon))
    {
        for i in m + 1..toks.len().min(16) {
            given_part |= 1 << i;
        }
    }
    let sorted_key = sorted_phon.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &t| {
        (h ^ u64::from(t)).wrapping_mul(0x0000_0100_0000_01B3)
    });
    PName {
        toks: Inline::from_slice(&toks),
        sorted_phon: Inline::from_slice(&sorted_phon),
        sorted_key,
        joined,
        given,
        written,
        letters,
        flat: int.intern(flat),
        given_part,
    }
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transposition), capped: returns
/// `cap + 1` as soon as the distance is known to exceed `cap`.
pub fn osa_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    osa_chars(&a, &b, cap)
}

/// [`osa_distance`] on decoded characters. Strings of up to 32 characters are handled without
/// allocating.
pub fn osa_chars(a: &[char], b: &[char], cap: usize) -> usize {
    const N: usize = 32;
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    if a.len() <= N && b.len() <= N {
        let mut rows = [[0u8; N + 1]; 3];
        let [r0, r1, r2] = &mut rows;
        return osa_rows(a, b, cap, &mut r0[..], &mut r1[..], &mut r2[..]);
    }
    let mut rows = vec![vec![0u32; b.len() + 1]; 3];
    let (r0, rest) = rows.split_at_mut(1);
    let (r1, r2) = rest.split_at_mut(1);
    osa_rows(a, b, cap, &mut r0[0], &mut r1[0], &mut r2[0])
}

/// A cell of the distance rows: `u8` for short strings (no wider than their length), `u32`
/// otherwise.
trait Cell: Copy + Ord + Default {
    fn of(x: usize) -> Self;
    fn get(self) -> usize;
}

impl Cell for u8 {
    fn of(x: usize) -> Self {
        u8::try_from(x).unwrap_or(u8::MAX)
    }
    fn get(self) -> usize {
        usize::from(self)
    }
}

impl Cell for u32 {
    fn of(x: usize) -> Self {
        u32::try_from(x).unwrap_or(u32::MAX)
    }
    fn get(self) -> usize {
        self as usize
    }
}

fn osa_rows<C: Cell>(
    a: &[char],
    b: &[char],
    cap: usize,
    prev2: &mut [C],
    prev: &mut [C],
    cur: &mut [C],
) -> usize {
    let (n, m) = (a.len(), b.len());
    let (mut prev2, mut prev, mut cur) = (prev2, prev, cur);
    for (j, x) in prev.iter_mut().enumerate().take(m + 1) {
        *x = C::of(j);
    }
    for i in 1..=n {
        cur[0] = C::of(i);
        let mut row_min = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j].get() + 1)
                .min(cur[j - 1].get() + 1)
                .min(prev[j - 1].get() + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2].get() + 1);
            }
            cur[j] = C::of(v);
            row_min = row_min.min(v);
        }
        if row_min > cap {
            return cap + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m].get().min(cap + 1)
}

/// A small inline list of token ids (names have few tokens; extra tokens beyond 16 are ignored).
#[derive(Clone, Copy)]
struct Ids {
    buf: [u32; 16],
    len: usize,
}

impl Ids {
    fn new() -> Self {
        Self {
            buf: [0; 16],
            len: 0,
        }
    }
    fn push(&mut self, x: u32) {
        if self.len < self.buf.len() {
            self.buf[self.len] = x;
            self.len += 1;
        }
    }
    fn extend(&mut self, xs: &[u32]) {
        for &x in xs {
            self.push(x);
        }
    }
    fn as_slice(&self) -> &[u32] {
        &self.buf[..self.len]
    }
    fn remove(&mut self, i: usize) {
        if i < self.len {
            self.buf.copy_within(i + 1..self.len, i);
            self.len -= 1;
        }
    }
    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Multiset difference of two sorted id lists: (only in a, only in b).
fn sorted_diff(a: &[u32], b: &[u32]) -> (Ids, Ids) {
    let (mut i, mut j) = (0, 0);
    let (mut oa, mut ob) = (Ids::new(), Ids::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => {
                oa.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                ob.push(b[j]);
                j += 1;
            }
        }
    }
    oa.extend(&a[i..]);
    ob.extend(&b[j..]);
    (oa, ob)
}

/// Allowed typo distance for a token of this length.
fn typo_cap(len: usize) -> usize {
    if len >= 7 { 2 } else { 1 }
}

/// Compares two names; [`NULL_LEVEL`] if either is empty. Symmetric. `common_given[id]`:
/// the phonetic token `id` is a common given name; two different common given names are
/// different names even when one edit apart (Xon / Rôn, Giang / Sang: siblings, not a typo).
pub fn compare_names(
    a: &PName,
    b: &PName,
    int: &Interner,
    common_given: &[bool],
) -> (u8, NameNotes) {
    let mut notes = NameNotes::default();
    if a.is_empty() || b.is_empty() {
        return (NULL_LEVEL, notes);
    }
    notes.spacing = a.written != b.written && a.toks.len() == b.toks.len();
    notes.same_family = a.family_phon() != 0 && a.family_phon() == b.family_phon();
    if a.toks.len() == b.toks.len() {
        if a.toks.iter().zip(&b.toks).all(|(x, y)| x.toned == y.toned) {
            return (name_level::EXACT, notes);
        }
        // Tokens that both carry diacritics and differ in them (Lan/Lân are folded equal, but
        // "Lân" and "Lan" written with their marks are different names, or a typo): only a
        // token written without any diacritic may match by folding.
        let conflicts = a
            .toks
            .iter()
            .zip(&b.toks)
            .filter(|(x, y)| {
                x.toned != y.toned
                    && x.toned != x.folded
                    && y.toned != y.folded
                    && x.folded == y.folded
            })
            .count();
        let folded = a
            .toks
            .iter()
            .zip(&b.toks)
            .all(|(x, y)| x.folded == y.folded);
        let phonetic = folded || a.toks.iter().zip(&b.toks).all(|(x, y)| x.phon == y.phon);
        if phonetic && conflicts > 0 {
            return if conflicts == 1 {
                (name_level::TYPO, notes)
            } else {
                (name_level::DIFFERENT, notes)
            };
        }
        if folded {
            return (name_level::FOLDED, notes);
        }
        if phonetic {
            return (name_level::PHONETIC, notes);
        }
    }
    if a.joined == b.joined || a.flat == b.flat {
        notes.spacing = true;
        return (name_level::PHONETIC, notes);
    }
    if a.sorted_key == b.sorted_key && a.sorted_phon == b.sorted_phon {
        notes.reordered = true;
        return (name_level::PHONETIC, notes);
    }
    let (mut oa, mut ob) = sorted_diff(&a.sorted_phon, &b.sorted_phon);
    // Pair up leftover tokens that differ by a typo (at most two such pairs).
    let mut typos = 0usize;
    let mut short_typo = false;
    while typos < 2 && !oa.is_empty() && !ob.is_empty() {
        let mut found = None;
        'search: for x in 0..oa.len {
            for y in 0..ob.len {
                let (tx, ty) = (oa.buf[x], ob.buf[y]);
                let common = |t: u32| common_given.get(t as usize).copied().unwrap_or(false);
                if tx == a.given_phon() && ty == b.given_phon() && common(tx) && common(ty) {
                    continue;
                }
                let (sx, sy) = (int.chars(tx), int.chars(ty));
                let len = sx.len().min(sy.len());
                let cap = typo_cap(len);
                if sx.len().abs_diff(sy.len()) <= cap
                    && edit_lower_bound(int.mask(tx), int.mask(ty)) <= cap
                    && osa_chars(sx, sy, cap) <= cap
                {
                    short_typo |= len < 5;
                    found = Some((x, y));
                    break 'search;
                }
            }
        }
        let Some((x, y)) = found else { break };
        oa.remove(x);
        ob.remove(y);
        typos += 1;
    }
    // A token present on one side only, which is not the given name of the longer name
    // (a dropped middle name, or a dropped surname).
    // A token after Văn/Thị is part of the given name (Hồ Văn Kăn Pỉ / Hồ Văn Pi: two names).
    let in_given = |n: &PName, t: u32| {
        n.toks
            .iter()
            .position(|x| x.phon == t)
            .is_some_and(|i| i < 16 && n.given_part & (1 << i) != 0)
    };
    let dropped = match (oa.as_slice(), ob.as_slice()) {
        ([], []) => Some(false),
        ([x], []) if a.toks.len() >= 3 && a.given_phon() != *x && !in_given(a, *x) => Some(true),
        ([], [y]) if b.toks.len() >= 3 && b.given_phon() != *y && !in_given(b, *y) => Some(true),
        _ => None,
    };
    match (typos, dropped) {
        (0, Some(true)) => return (name_level::MIDDLE_DROPPED, notes),
        // Two typos only in long tokens: short Vietnamese syllables have many one-edit
        // neighbours (Minh / Mạnh / Mai), so two of them say little.
        (1, Some(_)) => return (name_level::TYPO, notes),
        (2, Some(false)) if !short_typo => return (name_level::TYPO, notes),
        _ => {}
    }
    if a.given_phon() == b.given_phon() {
        return (name_level::SAME_GIVEN, notes);
    }
    (name_level::DIFFERENT, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, guardian: &str) -> Record {
        Record {
            full_name: name.to_string(),
            guardian_name: guardian.to_string(),
            ..Record::default()
        }
    }

    fn name_level_of(a: &str, b: &str) -> u8 {
        let set = PreparedSet::new(&[rec(a, ""), rec(b, "")]);
        set.compare(0, 1).levels[Field::Name as usize]
    }

    #[test]
    fn a_name_longer_than_six_tokens_keeps_its_first_five_and_its_given_name() {
        let long = "Nguyễn Hồ Lê Trần Phạm Võ Đỗ Thị Hoa";
        let set = PreparedSet::new(&[rec(long, ""), rec("nguyen ho le tran pham hoa", "")]);
        let name = &set.records[0].name;
        assert_eq!(name.toks.len(), MAX_TOKENS);
        assert_eq!(set.interner.get(name.given_phon()), "hoa");
        assert_eq!(set.interner.get(name.toks[4].phon), "fam");
        assert_eq!(name.written, 9);
        assert_eq!(
            name_level_of(long, "NGUYỄN HỒ LÊ TRẦN PHẠM VÕ ĐỖ THỊ HOA"),
            name_level::EXACT
        );
        assert_eq!(
            set.compare(0, 1).levels[Field::Name as usize],
            name_level::FOLDED
        );
    }

    #[test]
    fn a_name_written_given_name_first_is_recognised_from_the_whole_file() {
        let names = [
            "Nguyễn Văn An",
            "Nguyễn Thị Hạnh",
            "Nguyễn Kim Hạnh",
            "Lê Thị Hạnh",
            "Nguyễn Bình",
            "Hạnh Nguyễn",
            "Hạnh Nguyễn Kim",
        ];
        let records: Vec<Record> = names.iter().map(|n| rec(n, "")).collect();
        let set = PreparedSet::new(&records);
        let given = |i: usize| {
            set.interner
                .get(set.records[i].name.given_phon())
                .to_string()
        };
        let family = |i: usize| {
            set.interner
                .get(set.records[i].name.family_phon())
                .to_string()
        };
        assert_eq!((given(5).as_str(), family(5).as_str()), ("hanh", "nguien"));
        assert_eq!((given(6).as_str(), family(6).as_str()), ("hanh", "nguien"));
        // Written in the usual order, nothing changes.
        assert_eq!((given(2).as_str(), family(2).as_str()), ("hanh", "nguien"));
        assert_eq!(given(4), "binh");
        // "Hạnh Nguyễn Kim" is "Nguyễn Kim Hạnh" with its given name first: the same name.
        assert_eq!(
            set.compare(2, 6).levels[Field::Name as usize],
            name_level::PHONETIC
        );
        // "Hạnh Nguyễn" lacks the middle name of "Nguyễn Kim Hạnh".
        assert_eq!(
            set.compare(2, 5).levels[Field::Name as usize],
            name_level::MIDDLE_DROPPED
        );
    }

    #[test]
    fn names_are_graded_from_exact_to_different() {
        assert_eq!(name_level_of("Hồ Thị Hoà", "HỒ THỊ HÒA"), name_level::EXACT);
        assert_eq!(
            name_level_of("Hồ Thị Hoà", "HO THI HOA"),
            name_level::FOLDED
        );
        assert_eq!(
            name_level_of("Hồ Kăn Lịch", "Hồ Căn Lịch"),
            name_level::PHONETIC
        );
        assert_eq!(
            name_level_of("Hoa Hồ Thị", "Hồ Thị Hoa"),
            name_level::PHONETIC
        );
        assert_eq!(
            name_level_of("Hồ Thị Hoa", "Hồ Hoa"),
            name_level::MIDDLE_DROPPED
        );
        assert_eq!(name_level_of("Hồ Thị Hoa", "Hồ Thị Hao"), name_level::TYPO);
        assert_eq!(name_level_of("Hồ Thị Lân", "Hồ Thị Lần"), name_level::TYPO);
        assert_eq!(
            name_level_of("Hồ Thị Lan", "HO THI LAN"),
            name_level::FOLDED
        );
        assert_eq!(
            name_level_of("Hồ Thị Hoa", "Lê Văn Hoa"),
            name_level::SAME_GIVEN
        );
        assert_eq!(
            name_level_of("Hồ Thị Hoa", "Hồ Thị Lan"),
            name_level::DIFFERENT
        );
    }

    #[test]
    fn a_dropped_part_of_the_given_name_is_not_a_dropped_middle_name() {
        assert_eq!(
            name_level_of("Hồ Văn Kăn Pỉ", "Hồ Văn Pỉ"),
            name_level::SAME_GIVEN
        );
        assert_eq!(
            name_level_of("Hồ Văn Kăn Pỉ", "Hồ Kăn Pỉ"),
            name_level::MIDDLE_DROPPED
        );
    }

    #[test]
    fn a_dropped_given_name_is_not_a_dropped_middle_name() {
        assert_ne!(
            name_level_of("Hồ Thị Hoa", "Hồ Thị"),
            name_level::MIDDLE_DROPPED
        );
    }

    #[test]
    fn two_common_given_names_one_edit_apart_are_different_names() {
        let mut records: Vec<Record> = Vec::new();
        for _ in 0..3 {
            records.push(rec("Hồ Văn Xon", ""));
            records.push(rec("Hồ Văn Rôn", ""));
        }
        records.push(rec("Hồ Văn Xoq", ""));
        let set = PreparedSet::new(&records);
        let level = |a: usize, b: usize| set.compare(a, b).levels[Field::Name as usize];
        // Siblings Xon and Rôn: both names are common in the register.
        assert_eq!(level(0, 1), name_level::DIFFERENT);
        // "Xoq" is written once: a typo of Xon.
        assert_eq!(level(0, 6), name_level::TYPO);
        // Without enough records to tell, one edit is a typo.
        assert_eq!(name_level_of("Hồ Văn Xon", "Hồ Văn Rôn"), name_level::TYPO);
    }

    #[test]
    fn minor_syllables_written_without_diacritics_match_by_sound() {
        assert_eq!(name_level_of("Hồ Zơ Xô", "Ho Zo Xo"), name_level::PHONETIC);
        assert_eq!(
            name_level_of("Arâl Ka Rôi", "ARAL KAROI"),
            name_level::PHONETIC
        );
    }

    #[test]
    fn letters_keys_ignore_order_spacing_and_swapped_letters() {
        let k = |s: &str| letters_key(&crate::normalize::name_keys(s).folded);
        assert_eq!(k("Hồ Thị Ngol"), k("Ngol Hồ Thị"));
        assert_eq!(k("Hồ Thị Ngol"), k("Hồ Thị gNol"));
        assert_eq!(k("Hồ Văn Pơ Đạp"), k("Ho Van Po Dap"));
        assert_ne!(k("Hồ Thị Ngol"), k("Hồ Thị Ngo"));
    }

    #[test]
    fn the_character_bound_skips_names_with_different_letters() {
        let b = |x: &str, y: &str| edit_lower_bound(char_mask(x), char_mask(y));
        assert_eq!(b("hoa", "lan"), 2);
        assert_eq!(b("hoang", "hoagn"), 0);
        assert_eq!(b("thuy", "thuyy"), 0);
        assert_eq!(b("pi", "pix"), 1);
    }

    #[test]
    fn transposed_letters_count_as_one_typo() {
        assert_eq!(osa_distance("hoang", "hoagn", 2), 1);
        assert_eq!(osa_distance("abc", "xyz", 1), 2);
    }

    #[test]
    fn patterns_round_trip() {
        let v = ComparisonVector {
            levels: [6, NULL_LEVEL, 1, 0, NULL_LEVEL, 2, 3, 0],
            notes: NameNotes::default(),
        };
        assert_eq!(decode_pattern(v.pattern()), v.levels);
        assert!(v.pattern() < pattern_count());
    }
}
