//! Figures of the units of the time re-aggregated onto today's units (the
//! final review of 2019–2025, issue 6 item 5), along the lineage.
//!
//! A unit of the time becomes the units in force today that it turned into:
//! itself while in force; else the targets of its lineage edges, followed
//! on; a unit dissolved without successor (the districts on 1 July 2025)
//! becomes what its communes of the day before became. When one unit of the
//! time became several of today's, its figures cannot be split without
//! guessing, so those units form one **comparable area** with everything
//! else that flowed into any of them: the connected groups of "became"
//! edges, as statistical offices do across boundary changes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::admin_units::{AdminMap, UnitId};

/// The units in force on `today` that the unit version `id` became (empty
/// for an unknown unit, or one that vanished without successor).
pub fn units_of_today(map: &AdminMap, id: &UnitId, today: NaiveDate) -> BTreeSet<UnitId> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![id.clone()];
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(u) = map.get(&id) else {
            continue;
        };
        if u.in_force_on(today) {
            out.insert(id);
            continue;
        }
        let edges = map.edges_from(&id);
        if !edges.is_empty() {
            stack.extend(edges.into_iter().map(|e| e.to.clone()));
        } else if let (Some(_), Some(eve)) = (
            map.dissolution_of(&id),
            u.valid_to.and_then(|end| end.pred_opt()),
        ) {
            stack.extend(
                map.children_on(&u.code, eve)
                    .into_iter()
                    .map(|c| c.id.clone()),
            );
        }
    }
    out
}

/// One comparable area: today's units, and the units of the time in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparableArea {
    /// Today's units, by id.
    pub today: BTreeSet<UnitId>,
    /// The units of the time (among those asked about) counted in it.
    pub members: BTreeSet<UnitId>,
}

/// Groups the unit versions `ids` into comparable areas of today's units
/// (see the module's documentation). A unit with no unit of today is an
/// area of its own, with an empty `today`.
pub fn comparable_areas<'a>(
    map: &AdminMap,
    ids: impl IntoIterator<Item = &'a UnitId>,
    today: NaiveDate,
) -> Vec<ComparableArea> {
    // union-find over today's units, keyed by index
    let mut parent: Vec<usize> = Vec::new();
    let mut index: BTreeMap<UnitId, usize> = BTreeMap::new();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut of_member: Vec<(UnitId, Vec<usize>)> = Vec::new();
    for id in ids {
        let targets = units_of_today(map, id, today);
        let mut idx = Vec::new();
        for t in targets {
            let i = *index.entry(t).or_insert_with(|| {
                parent.push(parent.len());
                parent.len() - 1
            });
            idx.push(i);
        }
        for w in idx.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            if a != b {
                parent[b] = a;
            }
        }
        of_member.push((id.clone(), idx));
    }
    let mut areas: BTreeMap<usize, ComparableArea> = BTreeMap::new();
    let mut alone: Vec<ComparableArea> = Vec::new();
    for (id, idx) in of_member {
        match idx.first() {
            Some(&i) => {
                let root = find(&mut parent, i);
                areas
                    .entry(root)
                    .or_insert_with(|| ComparableArea {
                        today: BTreeSet::new(),
                        members: BTreeSet::new(),
                    })
                    .members
                    .insert(id);
            }
            None => alone.push(ComparableArea {
                today: BTreeSet::new(),
                members: BTreeSet::from([id]),
            }),
        }
    }
    for (unit, &i) in &index {
        let root = find(&mut parent, i);
        if let Some(a) = areas.get_mut(&root) {
            a.today.insert(unit.clone());
        }
    }
    areas.into_values().chain(alone).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::{Level, embedded_map};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn a_district_dissolved_in_2025_becomes_the_communes_its_communes_became() {
        let map = embedded_map().expect("the shipped map loads");
        let today = day(2026, 1, 1);
        let a_luoi = map
            .unit_on("481", day(2024, 6, 1))
            .expect("A Lưới district");
        assert_eq!(a_luoi.level, Level::District);
        let now = units_of_today(map, &a_luoi.id, today);
        let names: BTreeSet<String> = now
            .iter()
            .filter_map(|id| map.get(id).map(|u| u.name.clone()))
            .collect();
        for n in [
            "Xã A Lưới 1",
            "Xã A Lưới 2",
            "Xã A Lưới 3",
            "Xã A Lưới 4",
            "Xã A Lưới 5",
        ] {
            assert!(names.contains(n), "{n} in {names:?}");
        }
        assert!(
            now.iter()
                .all(|id| map.get(id).is_some_and(|u| u.in_force_on(today)))
        );
        // a unit in force today is itself
        let x = map.unit_on("20056", today).expect("A Lưới 1 today");
        assert_eq!(
            units_of_today(map, &x.id, today),
            BTreeSet::from([x.id.clone()])
        );
    }

    #[test]
    fn units_that_flowed_into_the_same_units_of_today_are_one_area() {
        let map = embedded_map().expect("the shipped map loads");
        let today = day(2026, 1, 1);
        let a_luoi = map
            .unit_on("481", day(2024, 6, 1))
            .expect("A Lưới district");
        let trung_son = map
            .unit_on("20056", day(2024, 6, 1))
            .expect("Trung Sơn 2024");
        let a_luoi_1 = map.unit_on("20056", today).expect("A Lưới 1 today");
        let phu_loc = map
            .unit_on("482", day(2024, 6, 1))
            .expect("Phú Lộc district");
        let areas = comparable_areas(
            map,
            [&a_luoi.id, &trung_son.id, &a_luoi_1.id, &phu_loc.id],
            today,
        );
        let with_a_luoi: Vec<&ComparableArea> = areas
            .iter()
            .filter(|a| a.members.contains(&a_luoi.id))
            .collect();
        assert_eq!(with_a_luoi.len(), 1);
        let area = with_a_luoi[0];
        assert!(area.members.contains(&trung_son.id) && area.members.contains(&a_luoi_1.id));
        assert!(
            !area.members.contains(&phu_loc.id),
            "Phú Lộc went elsewhere"
        );
        assert!(area.today.contains(&a_luoi_1.id));
        let members: usize = areas.iter().map(|a| a.members.len()).sum();
        assert_eq!(members, 4, "every unit asked about is in exactly one area");
    }
}
