//! Cuts kept between solves, so that a warm re-solve searches only where
//! the changes broke a level's optimality condition.
//!
//! # The cut of a level
//! Condition `j` of `solver.rs` (no residual path from a source to a sink
//! of level `j`) holds iff there is a set `T_j` of nodes that contains
//! every sink, no source, and no residual arc enters from outside (`x → v`
//! residual with `v ∈ T_j` ⇒ `x ∈ T_j`): then every path that ends at a
//! sink lies in `T_j` and starts at a non-source. Each level records such a
//! set when it is solved — the nodes that reach a sink, or the complement
//! of those a source reaches, as the last search of the level finds them —
//! as bit `j` of `mask` (levels 0–31; deeper levels are always searched in
//! full).
//!
//! # What keeps a cut valid
//! * Augmentations of later levels `k > j` start at sources of level `k`,
//!   which are sources of level `j` (`thr_k ≥ thr_j`), so outside `T_j`;
//!   they cannot enter `T_j` (no arc enters it), so their reversed arcs lie
//!   outside; the class they draw from keeps at least `thr_k ≥ thr_j` (no
//!   sink of level `j` appears), the class they fill stays below
//!   `thr_k` … outside `T_j` anyway.
//! * Augmentations of earlier levels `i < j` end at sinks of level `i`,
//!   which are sinks of level `j`. A path whose arcs all stay inside `T_j`,
//!   or all outside, keeps the cut (a class drawn from inside may become a
//!   sink of `j`: inside; one drawn from outside may too: see the dirty
//!   classes below). A path with an arc leaving `T_j` (`x ∈ T_j → y ∉ T_j`)
//!   would create its reverse, entering `T_j`: that is a *breach*, noted on
//!   every augmentation of a warm solve (`note_arc`), and level `j` is then
//!   searched in full.
//! * Between solves, [`Solver::set_pledge_value_at`] withdraws flow (arcs
//!   only disappear; the classes lose inflow and may become sinks: *dirty
//!   classes*) or raises a pledge's spare value (a new source: *dirty
//!   pledge*). Nothing else changes the network.
//!
//! So at level `j` of a warm solve, with its cut unbreached, the only
//! violations are dirty pledges with spare value inside `T_j` and dirty
//! classes below `thr_j` outside `T_j`. `cut_level` repairs them:
//! 1. From each such pledge `y`, breadth-first searches inside `T_j` find
//!    sinks and push along the paths (their reversed arcs stay inside
//!    `T_j`); when no sink is found, the nodes searched, `F_y`, are closed
//!    inside `T_j` under residual arcs and contain no sink: `T_j \ F_y`
//!    is still a cut (nothing enters it from `F_y`), and `y` is outside.
//! 2. The kept search tree of `tree_flow.rs` grows from the dirty sinks
//!    outside `T_j`, never entering `T_j` (a path from outside cannot
//!    enter it, and inside there is no source). It ends with a tree `A` of
//!    the nodes outside `T_j` that reach a sink, with no source and no arc
//!    entering it from outside `A ∪ T_j`; `T_j ∪ A` is the new cut.
//!
//! Then condition `j` holds again, with work proportional to the part of
//! the network behind the changes instead of the whole frontier region.
//! Every path found is a residual path from a source to a sink, so the
//! repair is a max flow of the level as before; `tests/prop_warm.rs` checks
//! the objective against solves from scratch and the certificate.

use crate::solver::Solver;

const NONE: u32 = u32::MAX;

/// Cuts of the levels and the changes since they were recorded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cuts {
    /// Bit `j`: node in `T_j`.
    pub(crate) mask: Vec<u32>,
    /// Bit `j`: `T_j` recorded and not breached.
    ok: u32,
    /// Classes whose inflow decreased since the cuts were recorded.
    dirty_class: Vec<u32>,
    is_dirty_class: Vec<bool>,
    /// Pledges whose spare value increased.
    dirty_pledge: Vec<u32>,
    is_dirty_pledge: Vec<bool>,
    // Breadth-first search inside a cut.
    mark: Vec<u32>,
    time: u32,
    par: Vec<u32>,
    par_arc: Vec<u32>,
    queue: Vec<u32>,
    roots: Vec<u32>,
    /// Classes outside a later level's cut with a residual arc created
    /// into it (breaches), with the levels' bits.
    breaches: Vec<(u32, u32)>,
    /// Roots of the current level's tree that are breaches.
    pub(crate) portal: Vec<bool>,
    /// Nodes of the tree that nodes leaving the cut have arcs into.
    exits: Vec<u32>,
}

/// Bit of level `j` (0 for levels without a kept cut).
pub(crate) fn bit(j: usize) -> u32 {
    if j < 32 { 1 << j } else { 0 }
}

/// Bits of the levels after `j`.
fn above(j: usize) -> u32 {
    if j >= 31 { 0 } else { u32::MAX << (j + 1) }
}

impl Cuts {
    pub(crate) fn new(pledges: usize, classes: usize) -> Self {
        let n = pledges + classes;
        Self {
            mask: vec![0; n],
            is_dirty_class: vec![false; classes],
            is_dirty_pledge: vec![false; pledges],
            mark: vec![0; n],
            par: vec![NONE; n],
            par_arc: vec![0; n],
            portal: vec![false; n],
            ..Self::default()
        }
    }

    /// The flow was replaced: no cut is known.
    pub(crate) fn invalidate(&mut self) {
        self.ok = 0;
    }

    pub(crate) fn class_decreased(&mut self, c: usize) {
        if !self.is_dirty_class[c] {
            self.is_dirty_class[c] = true;
            self.dirty_class.push(c as u32);
        }
    }

    pub(crate) fn pledge_increased(&mut self, p: usize) {
        if !self.is_dirty_pledge[p] {
            self.is_dirty_pledge[p] = true;
            self.dirty_pledge.push(p as u32);
        }
    }

    /// End of a solve: every level's cut holds for the current flow.
    pub(crate) fn clear_dirty(&mut self) {
        for &c in &self.dirty_class {
            self.is_dirty_class[c as usize] = false;
        }
        self.dirty_class.clear();
        for &p in &self.dirty_pledge {
            self.is_dirty_pledge[p as usize] = false;
        }
        self.dirty_pledge.clear();
        self.breaches.clear();
    }

    fn tick(&mut self) -> u32 {
        if self.time == u32::MAX {
            self.mark.fill(0);
            self.time = 0;
        }
        self.time += 1;
        self.time
    }
}

impl Solver {
    /// An augmentation of a warm solve uses the residual arc `from → to`:
    /// a cut of a later level that it leaves is breached.
    #[inline]
    pub(crate) fn note_arc(&mut self, from: usize, to: usize) {
        let m = &self.cuts.mask;
        let b = m[from] & !m[to] & above(self.level);
        if b != 0 {
            self.cuts.breaches.push((to as u32, b));
        }
    }

    /// Records the current level's cut: every node (no source left) or
    /// none (no sink left).
    pub(crate) fn record_cut_uniform(&mut self, all: bool) {
        let b = bit(self.level);
        if b == 0 {
            return;
        }
        for m in &mut self.cuts.mask {
            if all {
                *m |= b;
            } else {
                *m &= !b;
            }
        }
        self.cuts.ok |= b;
    }

    /// Records the current level's cut from a complete search that found
    /// no augmenting path: `reached` are the nodes that reach a sink
    /// (`backward`) or those reached from a source.
    pub(crate) fn record_cut_search(&mut self, reached: &[u32], backward: bool) {
        let b = bit(self.level);
        if b == 0 {
            return;
        }
        for m in &mut self.cuts.mask {
            if backward {
                *m &= !b;
            } else {
                *m |= b;
            }
        }
        for &v in reached {
            if backward {
                self.cuts.mask[v as usize] |= b;
            } else {
                self.cuts.mask[v as usize] &= !b;
            }
        }
        self.cuts.ok |= b;
    }

    /// Marks the current level's cut as recorded (the search tree sets the
    /// bits itself).
    pub(crate) fn cut_recorded(&mut self) {
        self.cuts.ok |= bit(self.level);
    }

    /// Repairs level `li` from its kept cut (see module docs). Returns
    /// false when there is no usable cut: the level must be searched in
    /// full.
    pub(crate) fn cut_level(&mut self, li: usize, thr: &[i64]) -> bool {
        let b = bit(li);
        if b == 0 || self.cuts.ok & b == 0 {
            return false;
        }
        self.last.cut_levels += 1;
        let np = self.stats.pledges;
        // 1. New spare value inside the cut.
        for idx in 0..self.cuts.dirty_pledge.len() {
            let y = self.cuts.dirty_pledge[idx] as usize;
            if self.spare[y] > 0 && self.cuts.mask[y] & b != 0 {
                self.fill_inside_cut(y, b, thr);
            }
        }
        // 2. New sinks outside the cut.
        let mut roots = std::mem::take(&mut self.cuts.roots);
        roots.clear();
        for &c in &self.cuts.dirty_class {
            let c = c as usize;
            if self.cflow[c] < thr[c]
                && self.cuts.mask[np + c] & b == 0
                && self.c_start[c] < self.c_start[c + 1]
            {
                roots.push((np + c) as u32);
            }
        }
        // Breaches: classes outside the cut with a new arc into it, roots
        // of the tree as portals (see module docs).
        for idx in 0..self.cuts.breaches.len() {
            let (v, bits) = self.cuts.breaches[idx];
            let v = v as usize;
            if bits & b != 0 && self.cuts.mask[v] & b == 0 && !self.cuts.portal[v] {
                self.cuts.portal[v] = true;
                if self.cflow[v - np] >= thr[v - np] || !self.cuts.is_dirty_class[v - np] {
                    roots.push(v as u32);
                }
            }
        }
        if !roots.is_empty() {
            self.last.phases += 1;
            self.tree_flow_level(thr, &roots, true);
        }
        for &r in &roots {
            self.cuts.portal[r as usize] = false;
        }
        self.cuts.roots = roots;
        true
    }

    /// Pushes pledge `y`'s spare value to sinks along residual paths inside
    /// the cut `b`; when none is left, takes the nodes it reaches out of
    /// the cut.
    fn fill_inside_cut(&mut self, y: usize, b: u32, thr: &[i64]) {
        let np = self.stats.pledges;
        while self.spare[y] > 0 {
            let time = self.cuts.tick();
            let mut queue = std::mem::take(&mut self.cuts.queue);
            queue.clear();
            queue.push(y as u32);
            self.cuts.mark[y] = time;
            let mut found = NONE;
            let mut head = 0;
            'search: while head < queue.len() {
                let v = queue[head] as usize;
                head += 1;
                self.last.bfs_nodes += 1;
                if v < np {
                    for k in self.p_start[v]..self.p_start[v + 1] {
                        let c = self.pair_class[k] as usize;
                        let u = np + c;
                        if self.cuts.mask[u] & b != 0 && self.cuts.mark[u] != time {
                            self.cuts.mark[u] = time;
                            self.cuts.par[u] = v as u32;
                            self.cuts.par_arc[u] = k as u32;
                            if self.cflow[c] < thr[c] {
                                found = u as u32;
                                break 'search;
                            }
                            queue.push(u as u32);
                        }
                    }
                } else {
                    let c = v - np;
                    for i in self.c_start[c]..self.c_start[c + 1] {
                        let k = self.c_pair[i] as usize;
                        let u = self.c_pledge[i] as usize;
                        if self.flow[k] > 0
                            && self.cuts.mask[u] & b != 0
                            && self.cuts.mark[u] != time
                        {
                            self.cuts.mark[u] = time;
                            self.cuts.par[u] = v as u32;
                            self.cuts.par_arc[u] = k as u32;
                            queue.push(u as u32);
                        }
                    }
                }
            }
            if found == NONE {
                // Closed inside the cut and without sink: out of the cut.
                for &v in &queue {
                    self.cuts.mask[v as usize] &= !b;
                }
                self.cuts.queue = queue;
                return;
            }
            self.cuts.queue = queue;
            let t = found as usize - np;
            let mut delta = self.spare[y].min(thr[t] - self.cflow[t]);
            let mut u = found as usize;
            while u != y {
                let p = self.cuts.par[u] as usize;
                if p >= np {
                    delta = delta.min(self.flow[self.cuts.par_arc[u] as usize]);
                }
                u = p;
            }
            let mut u = found as usize;
            while u != y {
                let p = self.cuts.par[u] as usize;
                let k = self.cuts.par_arc[u] as usize;
                if p < np {
                    self.push_forward(p, k, delta);
                } else {
                    self.flow[k] -= delta;
                }
                self.note_arc(p, u);
                u = p;
            }
            self.spare[y] -= delta;
            self.cflow[t] += delta;
            self.last.augmentations += 1;
        }
    }

    /// Breadth-first search from portal `r` (outside the cut of the current
    /// level) into the cut for a sink. Found: its node (the path is in
    /// `par`/`par_arc`). Not found: the nodes reached, closed inside the
    /// cut under residual arcs and without sink, leave the cut, and the
    /// tree nodes they have arcs into are searched again.
    pub(crate) fn cut_extension(&mut self, r: usize, thr: &[i64]) -> Option<usize> {
        let np = self.stats.pledges;
        let b = bit(self.level);
        let time = self.cuts.tick();
        let mut queue = std::mem::take(&mut self.cuts.queue);
        let mut exits = std::mem::take(&mut self.cuts.exits);
        queue.clear();
        exits.clear();
        queue.push(r as u32);
        self.cuts.mark[r] = time;
        let mut found = None;
        let mut head = 0;
        'search: while head < queue.len() {
            let v = queue[head] as usize;
            head += 1;
            self.last.bfs_nodes += 1;
            if v < np {
                for k in self.p_start[v]..self.p_start[v + 1] {
                    let c = self.pair_class[k] as usize;
                    let u = np + c;
                    if self.cuts.mask[u] & b == 0 {
                        if self.tw.in_tree[u] {
                            exits.push(u as u32);
                        }
                        continue;
                    }
                    if self.cuts.mark[u] != time {
                        self.cuts.mark[u] = time;
                        self.cuts.par[u] = v as u32;
                        self.cuts.par_arc[u] = k as u32;
                        if self.cflow[c] < thr[c] {
                            found = Some(u);
                            break 'search;
                        }
                        queue.push(u as u32);
                    }
                }
            } else {
                let c = v - np;
                for i in self.c_start[c]..self.c_start[c + 1] {
                    let k = self.c_pair[i] as usize;
                    if self.flow[k] == 0 {
                        continue;
                    }
                    let u = self.c_pledge[i] as usize;
                    if self.cuts.mask[u] & b == 0 {
                        if v != r && self.tw.in_tree[u] {
                            exits.push(u as u32);
                        }
                        continue;
                    }
                    if self.cuts.mark[u] != time {
                        self.cuts.mark[u] = time;
                        self.cuts.par[u] = v as u32;
                        self.cuts.par_arc[u] = k as u32;
                        queue.push(u as u32);
                    }
                }
            }
        }
        if found.is_none() {
            for &v in &queue[1..] {
                self.cuts.mask[v as usize] &= !b;
            }
            for &u in &exits {
                self.tw_activate(u as usize);
            }
        }
        self.cuts.queue = queue;
        self.cuts.exits = exits;
        found
    }

    /// Smallest flow on the class → pledge arcs of the path found by
    /// `cut_extension` from `r` to `t`.
    pub(crate) fn extension_bottleneck(&self, r: usize, t: usize) -> i64 {
        let np = self.stats.pledges;
        let mut delta = i64::MAX;
        let mut u = t;
        while u != r {
            let p = self.cuts.par[u] as usize;
            if p >= np {
                delta = delta.min(self.flow[self.cuts.par_arc[u] as usize]);
            }
            u = p;
        }
        delta
    }

    /// Pushes `delta` along the path found by `cut_extension` from `r` to
    /// `t` (the caller adds it to `t`'s inflow).
    pub(crate) fn push_extension(&mut self, r: usize, t: usize, delta: i64) {
        let np = self.stats.pledges;
        let mut u = t;
        while u != r {
            let p = self.cuts.par[u] as usize;
            let k = self.cuts.par_arc[u] as usize;
            if p < np {
                self.push_forward(p, k, delta);
            } else {
                self.flow[k] -= delta;
            }
            self.note_arc(p, u);
            u = p;
        }
    }
}
