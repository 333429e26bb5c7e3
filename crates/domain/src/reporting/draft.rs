//! Two people editing one draft: optimistic concurrency on its fields.
//!
//! A draft carries a version number, raised by every save that changes
//! something, and remembers for each field the version that last changed
//! it and who changed it. A save says which version its editor opened. If
//! someone saved in between, the save is refused with a [`Conflict`] that
//! lists every field changed since the editor opened the draft (with the
//! current value and who changed it) — nothing is silently overwritten.
//!
//! [`SavePolicy::MergeDisjoint`] lets a save through when none of the
//! fields it changes were changed since it was opened (the other person's
//! changes are kept and reported back in [`Saved::merged_with`]);
//! [`SavePolicy::Strict`] refuses any save from an older version. Primero's
//! "last write wins" on concurrent edits (primeroIMS/primero #508) is what
//! this prevents.

use std::collections::BTreeMap;

/// A field's last change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldStamp {
    pub version: u64,
    pub by: String,
}

/// A report's draft: its typed fields (figures as typed, narrative text)
/// by field name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    pub version: u64,
    pub values: BTreeMap<String, String>,
    pub changed: BTreeMap<String, FieldStamp>,
}

/// What an editor wants to change: field → new value (`None` clears it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes(pub BTreeMap<String, Option<String>>);

impl Changes {
    pub fn new() -> Self {
        Changes::default()
    }

    pub fn set(mut self, field: &str, value: &str) -> Self {
        self.0.insert(field.to_owned(), Some(value.to_owned()));
        self
    }

    pub fn clear(mut self, field: &str) -> Self {
        self.0.insert(field.to_owned(), None);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SavePolicy {
    /// Any save from an older version is refused.
    #[default]
    Strict,
    /// A save from an older version goes through when it changes none of
    /// the fields changed since it was opened.
    MergeDisjoint,
}

/// A field someone changed since the editor opened the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedField {
    pub field: String,
    pub version: u64,
    pub by: String,
    /// Its value now (`None`: cleared).
    pub value: Option<String>,
}

/// Why a save was refused: the draft moved on since it was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub opened_at: u64,
    pub current: u64,
    /// Every field changed after `opened_at`, by field name.
    pub changed_fields_since_opened: Vec<ChangedField>,
    /// Those of them the refused save also changes.
    pub overlapping: Vec<String>,
}

impl Conflict {
    /// The changed fields' names, for a message.
    pub fn field_list(&self) -> String {
        self.changed_fields_since_opened
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A save that went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub draft: Draft,
    /// The fields this save changed (unchanged values are not changes).
    pub changed: Vec<String>,
    /// Changes by others since the draft was opened, kept as they were.
    pub merged_with: Vec<ChangedField>,
}

impl Draft {
    pub fn new() -> Self {
        Draft::default()
    }

    /// Fields changed after version `opened_at`.
    pub fn changed_since(&self, opened_at: u64) -> Vec<ChangedField> {
        self.changed
            .iter()
            .filter(|(_, s)| s.version > opened_at)
            .map(|(field, s)| ChangedField {
                field: field.clone(),
                version: s.version,
                by: s.by.clone(),
                value: self.values.get(field).cloned(),
            })
            .collect()
    }

    /// Save `changes` by `by`, made on the draft as it was at `opened_at`.
    pub fn save(
        &self,
        opened_at: u64,
        changes: &Changes,
        by: &str,
        policy: SavePolicy,
    ) -> Result<Saved, Conflict> {
        save(self, opened_at, changes, by, policy)
    }
}

/// See [`Draft::save`]. The draft given is the current one; it is not
/// modified (the caller stores [`Saved::draft`], under a version check).
pub fn save(
    current: &Draft,
    opened_at: u64,
    changes: &Changes,
    by: &str,
    policy: SavePolicy,
) -> Result<Saved, Conflict> {
    // what this save really changes
    let effective: Vec<(&String, &Option<String>)> = changes
        .0
        .iter()
        .filter(|(field, value)| current.values.get(*field) != value.as_ref())
        .collect();
    let since = if opened_at > current.version {
        // a version the draft never had: treat everything as changed
        current.changed_since(0)
    } else {
        current.changed_since(opened_at)
    };
    if opened_at != current.version {
        let overlapping: Vec<String> = effective
            .iter()
            .filter(|(f, _)| since.iter().any(|c| &c.field == *f))
            .map(|(f, _)| (*f).clone())
            .collect();
        let refuse = match policy {
            SavePolicy::Strict => true,
            SavePolicy::MergeDisjoint => opened_at > current.version || !overlapping.is_empty(),
        };
        if refuse {
            return Err(Conflict {
                opened_at,
                current: current.version,
                changed_fields_since_opened: since,
                overlapping,
            });
        }
    }
    if effective.is_empty() {
        return Ok(Saved {
            draft: current.clone(),
            changed: Vec::new(),
            merged_with: since,
        });
    }
    let mut next = current.clone();
    next.version += 1;
    let mut changed = Vec::new();
    for (field, value) in effective {
        match value {
            Some(v) => next.values.insert(field.clone(), v.clone()),
            None => next.values.remove(field),
        };
        next.changed.insert(
            field.clone(),
            FieldStamp {
                version: next.version,
                by: by.to_owned(),
            },
        );
        changed.push(field.clone());
    }
    Ok(Saved {
        draft: next,
        changed,
        merged_with: since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RESULTS: &str = "narrative-results";
    const CHILDREN: &str = "children-unique";

    /// Version 1: both fields filled by the commune officer.
    fn opened() -> Draft {
        Draft::new()
            .save(
                0,
                &Changes::new()
                    .set(RESULTS, "Đã trao 148 bộ áo ấm")
                    .set(CHILDREN, "148"),
                "u-an",
                SavePolicy::Strict,
            )
            .expect("first save")
            .draft
    }

    #[test]
    fn a_save_on_the_current_version_goes_through_and_raises_it() {
        let v1 = opened();
        assert_eq!(v1.version, 1);
        assert_eq!(v1.values.get(CHILDREN).map(String::as_str), Some("148"));
        let s = v1
            .save(
                1,
                &Changes::new().set(CHILDREN, "150"),
                "u-an",
                SavePolicy::Strict,
            )
            .expect("save");
        assert_eq!(s.draft.version, 2);
        assert_eq!(s.changed, vec![CHILDREN.to_owned()]);
        assert_eq!(
            s.draft.changed.get(CHILDREN),
            Some(&FieldStamp {
                version: 2,
                by: "u-an".into()
            })
        );
        assert!(s.merged_with.is_empty());
    }

    #[test]
    fn the_second_save_is_told_what_changed_since_it_opened_the_draft() {
        let v1 = opened();
        // An and Bình both open version 1; An saves first
        let v2 = v1
            .save(
                1,
                &Changes::new().set(RESULTS, "Đã trao 150 bộ"),
                "u-an",
                SavePolicy::Strict,
            )
            .expect("An")
            .draft;
        let binh = Changes::new().set(CHILDREN, "152");
        let conflict = v2
            .save(1, &binh, "u-binh", SavePolicy::Strict)
            .expect_err("Bình opened version 1");
        assert_eq!(
            conflict,
            Conflict {
                opened_at: 1,
                current: 2,
                changed_fields_since_opened: vec![ChangedField {
                    field: RESULTS.into(),
                    version: 2,
                    by: "u-an".into(),
                    value: Some("Đã trao 150 bộ".into()),
                }],
                overlapping: Vec::new(),
            }
        );
        let message = crate::reporting::ReportingError::from(conflict).to_string();
        assert!(message.contains("narrative-results"), "{message}");
        // with merging allowed, Bình's change to another field goes through, An's stays
        let merged = v2
            .save(1, &binh, "u-binh", SavePolicy::MergeDisjoint)
            .expect("disjoint");
        assert_eq!(merged.draft.version, 3);
        assert_eq!(
            merged.draft.values.get(RESULTS).map(String::as_str),
            Some("Đã trao 150 bộ")
        );
        assert_eq!(
            merged.draft.values.get(CHILDREN).map(String::as_str),
            Some("152")
        );
        assert_eq!(merged.merged_with.len(), 1);
        assert_eq!(merged.merged_with[0].by, "u-an");
    }

    #[test]
    fn the_same_field_changed_by_both_is_never_overwritten() {
        let v2 = opened()
            .save(
                1,
                &Changes::new().set(CHILDREN, "150"),
                "u-an",
                SavePolicy::Strict,
            )
            .expect("An")
            .draft;
        for policy in [SavePolicy::Strict, SavePolicy::MergeDisjoint] {
            let c = v2
                .save(1, &Changes::new().set(CHILDREN, "160"), "u-binh", policy)
                .expect_err("same field");
            assert_eq!(c.overlapping, vec![CHILDREN.to_owned()]);
            assert_eq!(
                c.changed_fields_since_opened[0].value.as_deref(),
                Some("150")
            );
        }
        // Bình typing exactly what An saved overwrites nothing
        let same = v2
            .save(
                1,
                &Changes::new().set(CHILDREN, "150"),
                "u-binh",
                SavePolicy::MergeDisjoint,
            )
            .expect("same value");
        assert_eq!(same.draft, v2);
        assert!(same.changed.is_empty());
    }

    #[test]
    fn clearing_no_op_saves_and_unknown_versions() {
        let v1 = opened();
        let cleared = v1
            .save(
                1,
                &Changes::new().clear(RESULTS),
                "u-an",
                SavePolicy::Strict,
            )
            .expect("clear");
        assert_eq!(cleared.draft.values.get(RESULTS), None);
        assert_eq!(cleared.draft.version, 2);
        let same = v1
            .save(
                1,
                &Changes::new().set(CHILDREN, "148"),
                "u-an",
                SavePolicy::Strict,
            )
            .expect("nothing changes");
        assert_eq!(
            same.draft.version, 1,
            "a save that changes nothing keeps the version"
        );
        for policy in [SavePolicy::Strict, SavePolicy::MergeDisjoint] {
            let c = v1
                .save(7, &Changes::new().set(CHILDREN, "1"), "u-x", policy)
                .expect_err("version 7 never existed");
            assert_eq!(c.changed_fields_since_opened.len(), 2);
        }
    }

    proptest! {
        /// Saves from random (possibly stale) versions by two people: a
        /// save that goes through never replaces a value someone else
        /// saved after the saver opened the draft; in strict mode only
        /// saves from the current version go through.
        #[test]
        fn nothing_saved_by_another_is_silently_overwritten(
            ops in proptest::collection::vec(
                (0usize..2, 0u64..3, 0usize..4, 0u8..3, any::<bool>()),
                1..40
            )
        ) {
            let fields = ["a", "b", "c", "d"];
            let mut draft = Draft::new();
            for (who, back, f, v, strict) in ops {
                let by = ["u-an", "u-binh"][who];
                let opened_at = draft.version.saturating_sub(back);
                let policy = if strict { SavePolicy::Strict } else { SavePolicy::MergeDisjoint };
                let changes = Changes::new().set(fields[f], &v.to_string());
                let before = draft.clone();
                match draft.save(opened_at, &changes, by, policy) {
                    Ok(saved) => {
                        if strict {
                            prop_assert_eq!(opened_at, before.version);
                        }
                        for c in before.changed_since(opened_at) {
                            prop_assert_eq!(saved.draft.values.get(&c.field), c.value.as_ref());
                        }
                        prop_assert!(saved.draft.version == before.version
                            || saved.draft.version == before.version + 1);
                        draft = saved.draft;
                    }
                    Err(conflict) => {
                        prop_assert!(opened_at < before.version);
                        prop_assert_eq!(conflict.current, before.version);
                        prop_assert!(!conflict.changed_fields_since_opened.is_empty());
                    }
                }
            }
        }
    }
}
