//! One level's max flow by a search tree kept between augmentations
//! (Boykov–Kolmogorov, one-sided: the tree grows backwards from the sinks).
//! Used on warm starts at levels without a cut kept from the previous solve
//! (`cut.rs`, which repairs the other levels with less work); the final
//! tree is recorded as the level's cut.
//!
//! Same problem as the Dinic of `solver.rs` (sources: pledges with spare
//! value and classes above `thr`; sinks: classes below `thr`), solved so
//! that every part of the network is searched about once per level instead
//! of once per phase: a Dinic phase rebuilds its level graph over all nodes
//! that can reach a sink — on a warm start, the whole frontier region where
//! the money ran out, ≈ 14 times at the frontier level — whereas this tree
//! is grown once and only repaired where an augmentation saturated an arc.
//!
//! # Algorithm
//! `T` is a forest of residual paths to the sinks: every node of `T` has a
//! parent reached by a residual arc (node → parent), the roots are the
//! sinks. Active nodes of `T` (FIFO) are scanned for residual arcs entering
//! them: a node outside `T` that is not a source joins `T`; a source gives
//! an augmenting path (source → node → … → root), along which the
//! bottleneck is pushed. Arcs saturated by the push (class → pledge arcs
//! whose flow fell to 0) and filled roots leave orphans, which look for a
//! new parent in `T` whose path still reaches a root (the first found;
//! paths checked once per push, with timestamped marks); an orphan without one leaves
//! `T`, orphaning its children and reactivating the `T` nodes it has a
//! residual arc to, so that it is searched again if still useful.
//!
//! Two refinements keep the work proportional to the tree, not to the
//! degrees: residual arcs into a pledge come from the classes it sends flow
//! to, read from its list of arcs with flow (`Solver::pos`); and a pledge
//! with more than `DEFER_DEGREE` arcs (one without commune restriction may
//! serve tens of thousands of classes) is not re-adopted when orphaned — it
//! leaves `T` and waits in `pending` until no node is active, then joins
//! `T` below any class of `T` it may serve (with no orphan left, every node
//! of `T` reaches a root), and the search resumes from it.
//!
//! # Why it ends at a maximum flow
//! It ends when no node is active, no orphan is left and no pending pledge
//! has an arc into `T`. Then every residual arc `x → v` with `v ∈ T` has
//! `x ∈ T` (when `v` was last scanned `x` was added, or was a source that
//! was pushed until it was no source any more or `v` left `T` — in which
//! case `v`'s reactivated neighbours scan `v` again; a deferred pledge `x`
//! that left `T` is checked against all of `T` at the end), sources never
//! enter `T`, and every sink still below `thr` is a
//! root of `T` (sinks only fill up). So no residual path leads from a source
//! to a sink: condition `j` of the module docs of `solver.rs` holds.

use std::collections::VecDeque;

use crate::solver::Solver;

const NONE: u32 = u32::MAX;
const ROOT: u32 = u32::MAX - 1;
/// Pledges with more arcs than this are not re-adopted at once (see
/// `tw_adopt`).
const DEFER_DEGREE: usize = 256;

/// Work arrays of the tree search, kept between solves.
#[derive(Debug, Clone, Default)]
pub(crate) struct TreeWork {
    /// Parent node in `T` (`NONE`: orphan or not in `T`; `ROOT`: a sink).
    parent: Vec<u32>,
    /// Pledge→class pair of the arc to the parent.
    parent_arc: Vec<u32>,
    in_tree: Vec<bool>,
    active: Vec<bool>,
    /// Timestamp and distance to a root, valid when `ts == time`.
    ts: Vec<u32>,
    tdist: Vec<u32>,
    time: u32,
    queue: VecDeque<u32>,
    orphans: VecDeque<u32>,
    /// Nodes whose state was set in this level (for the reset).
    touched: Vec<u32>,
    path: Vec<u32>,
    near: Vec<u32>,
    /// `touched` without repeats (`listed`), and its classes.
    listed: Vec<bool>,
    classes: Vec<u32>,
    /// High-degree pledges that left `T` and are attached again when no
    /// node is active (see `tw_adopt`).
    pending: Vec<u32>,
    is_pending: Vec<bool>,
    pub(crate) defer_degree: usize,
}

impl TreeWork {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: vec![NONE; n],
            parent_arc: vec![0; n],
            in_tree: vec![false; n],
            listed: vec![false; n],
            is_pending: vec![false; n],
            defer_degree: DEFER_DEGREE,
            active: vec![false; n],
            ts: vec![0; n],
            tdist: vec![0; n],
            time: 0,
            ..Self::default()
        }
    }
}

impl Solver {
    /// Tests only: pledges with more arcs than `d` are deferred instead of
    /// re-adopted (default 256), so that small instances exercise both.
    #[doc(hidden)]
    pub fn set_defer_degree(&mut self, d: usize) {
        self.tw.defer_degree = d;
    }

    /// A new timestamp; on overflow all marks are cleared, so that an old
    /// mark can never pass for a fresh one.
    fn tw_tick(&mut self) {
        if self.tw.time == u32::MAX {
            self.tw.ts.fill(0);
            self.tw.time = 0;
        }
        self.tw.time += 1;
    }

    fn tw_activate(&mut self, v: usize) {
        if !self.tw.active[v] {
            self.tw.active[v] = true;
            self.tw.queue.push_back(v as u32);
        }
    }

    fn tw_residual_source(&self, x: usize, thr: &[i64]) -> i64 {
        let np = self.stats.pledges;
        if x < np {
            self.spare[x]
        } else {
            self.cflow[x - np] - thr[x - np]
        }
    }

    /// Max flow of one level by the kept search tree (see module docs);
    /// `sinks` are the classes below `thr` (node numbers). The final tree
    /// is recorded as the level's cut (`cut.rs`).
    pub(crate) fn tree_flow_level(&mut self, thr: &[i64], sinks: &[u32]) {
        let np = self.stats.pledges;
        self.tw_tick();
        let time = self.tw.time;
        for &s in sinks {
            let s = s as usize;
            self.tw.in_tree[s] = true;
            self.tw.parent[s] = ROOT;
            self.tw.ts[s] = time;
            self.tw.tdist[s] = 0;
            self.tw_touch(s);
            self.tw_activate(s);
        }
        loop {
            while let Some(v) = self.tw.queue.pop_front() {
                let v = v as usize;
                self.tw.active[v] = false;
                if !self.tw.in_tree[v] {
                    continue;
                }
                self.last.bfs_nodes += 1;
                if v < np {
                    // Residual arcs into a pledge: from classes it sends flow to
                    // (its listed arcs; those without flow are dropped).
                    let mut i = 0;
                    while i < self.pos[v].len() {
                        if !self.tw.in_tree[v] {
                            break;
                        }
                        let k = self.pos[v][i] as usize;
                        if self.flow[k] == 0 {
                            self.in_pos[k] = false;
                            self.pos[v].swap_remove(i);
                            continue;
                        }
                        let x = np + self.pair_class[k] as usize;
                        if !self.tw.in_tree[x] {
                            if self.tw_residual_source(x, thr) > 0 {
                                self.tw_augment(x, v, k as u32, thr);
                                continue; // re-examine the same arc
                            }
                            self.tw_add(x, v, k as u32);
                        }
                        i += 1;
                    }
                } else {
                    // Residual arcs into a class: from every pledge allowed.
                    let c = v - np;
                    let end = self.c_start[c + 1];
                    let mut i = self.c_start[c];
                    while i < end {
                        if !self.tw.in_tree[v] {
                            break;
                        }
                        let x = self.c_pledge[i] as usize;
                        if !self.tw.in_tree[x] {
                            if self.spare[x] > 0 {
                                self.tw_augment(x, v, self.c_pair[i], thr);
                                continue;
                            }
                            self.tw_add(x, v, self.c_pair[i]);
                        }
                        i += 1;
                    }
                }
            }
            // No active node and no orphan left: every node of T reaches a
            // root. The deferred pledges join T where they have an arc into
            // it (and are searched from there); done when none does.
            if !self.tw_attach_pending() {
                break;
            }
        }
        // The final tree is the level's cut (every residual arc into it
        // comes from it, it holds every sink and no source).
        let cb = crate::cut::bit(self.level);
        if cb != 0 {
            for m in &mut self.cuts.mask {
                *m &= !cb;
            }
            for j in 0..self.tw.touched.len() {
                let v = self.tw.touched[j] as usize;
                if self.tw.in_tree[v] {
                    self.cuts.mask[v] |= cb;
                }
            }
            self.cut_recorded();
        }
        // Reset for the next level.
        for j in 0..self.tw.touched.len() {
            let v = self.tw.touched[j] as usize;
            self.tw.in_tree[v] = false;
            self.tw.parent[v] = NONE;
            self.tw.active[v] = false;
            self.tw.listed[v] = false;
        }
        self.tw.touched.clear();
        self.tw.classes.clear();
    }

    fn tw_add(&mut self, x: usize, parent: usize, arc: u32) {
        self.tw.in_tree[x] = true;
        self.tw.parent[x] = parent as u32;
        self.tw.parent_arc[x] = arc;
        self.tw.ts[x] = self.tw.ts[parent];
        self.tw.tdist[x] = self.tw.tdist[parent] + 1;
        self.tw_touch(x);
        self.tw_activate(x);
    }

    /// Lists a node that joined `T` (once per level; classes also in
    /// `classes`).
    fn tw_touch(&mut self, x: usize) {
        if !self.tw.listed[x] {
            self.tw.listed[x] = true;
            self.tw.touched.push(x as u32);
            if x >= self.stats.pledges {
                self.tw.classes.push(x as u32);
            }
        }
    }

    /// Pushes the bottleneck along source `x` → `v` (arc pair `k`) → … →
    /// root, then repairs the tree.
    fn tw_augment(&mut self, x: usize, v: usize, k: u32, thr: &[i64]) {
        let np = self.stats.pledges;
        // Path v → … → root.
        self.tw.path.clear();
        let mut j = v;
        loop {
            self.tw.path.push(j as u32);
            let p = self.tw.parent[j];
            if p == ROOT {
                break;
            }
            j = p as usize;
        }
        let root = j - np;
        let mut delta = self
            .tw_residual_source(x, thr)
            .min(thr[root] - self.cflow[root]);
        if x >= np {
            delta = delta.min(self.flow[k as usize]);
        }
        for &y in &self.tw.path {
            let y = y as usize;
            if y >= np && self.tw.parent[y] != ROOT {
                delta = delta.min(self.flow[self.tw.parent_arc[y] as usize]);
            }
        }
        // Push.
        if x < np {
            self.push_forward(x, k as usize, delta);
            self.spare[x] -= delta;
        } else {
            self.flow[k as usize] -= delta;
            self.cflow[x - np] -= delta;
            self.cuts.class_decreased(x - np);
        }
        // Cuts of later levels this path leaves (`cut.rs`).
        self.note_arc(x, v);
        for idx in 0..self.tw.path.len() {
            let y = self.tw.path[idx] as usize;
            let p = self.tw.parent[y];
            if p != ROOT {
                self.note_arc(y, p as usize);
            }
        }
        for idx in 0..self.tw.path.len() {
            let y = self.tw.path[idx] as usize;
            let p = self.tw.parent[y];
            if p == ROOT {
                continue;
            }
            let a = self.tw.parent_arc[y] as usize;
            if y < np {
                self.push_forward(y, a, delta);
            } else {
                self.flow[a] -= delta;
                if self.flow[a] == 0 {
                    self.tw.parent[y] = NONE;
                    self.tw.orphans.push_back(y as u32);
                }
            }
        }
        self.cflow[root] += delta;
        if self.cflow[root] >= thr[root] {
            self.tw.parent[np + root] = NONE;
            self.tw.orphans.push_back((np + root) as u32);
        }
        self.last.augmentations += 1;
        self.tw_tick();
        while let Some(o) = self.tw.orphans.pop_front() {
            self.tw_adopt(o as usize);
        }
    }

    /// Does `u`'s parent chain still reach a root? Returns its distance.
    fn tw_origin(&mut self, u: usize) -> Option<u32> {
        let time = self.tw.time;
        let mut j = u;
        let mut d = 0u32;
        loop {
            if self.tw.ts[j] == time {
                d += self.tw.tdist[j];
                break;
            }
            let p = self.tw.parent[j];
            if p == ROOT {
                self.tw.ts[j] = time;
                self.tw.tdist[j] = 0;
                break;
            }
            if p == NONE {
                return None;
            }
            d += 1;
            j = p as usize;
        }
        // Mark the path.
        let mut j = u;
        let mut dd = d;
        while self.tw.ts[j] != time {
            self.tw.ts[j] = time;
            self.tw.tdist[j] = dd;
            dd = dd.saturating_sub(1);
            j = self.tw.parent[j] as usize;
        }
        Some(d)
    }

    /// Attaches the deferred pledges that have an arc into `T` (called when
    /// `T` has no orphan, so any node of `T` is a valid parent). Returns
    /// whether one was attached.
    fn tw_attach_pending(&mut self) -> bool {
        let np = self.stats.pledges;
        let pending = std::mem::take(&mut self.tw.pending);
        let mut attached = false;
        for &o in &pending {
            let o = o as usize;
            self.tw.is_pending[o] = false;
            if self.tw.in_tree[o] {
                continue; // found again by the growth meanwhile
            }
            let (b, e) = (self.p_start[o], self.p_start[o + 1]);
            let mut found = None;
            if e - b <= 16 * self.tw.classes.len() {
                for k in b..e {
                    let u = np + self.pair_class[k] as usize;
                    if self.tw.in_tree[u] {
                        found = Some((u, k));
                        break;
                    }
                }
            } else {
                for idx in 0..self.tw.classes.len() {
                    let u = self.tw.classes[idx] as usize;
                    if self.tw.in_tree[u]
                        && let Ok(at) = self.pair_class[b..e].binary_search(&((u - np) as u32))
                    {
                        found = Some((u, b + at));
                        break;
                    }
                }
            }
            if let Some((u, k)) = found {
                self.tw_add(o, u, k as u32);
                attached = true;
            }
        }
        let mut pending = pending;
        pending.clear();
        if self.tw.pending.is_empty() {
            self.tw.pending = pending;
        }
        attached
    }

    fn tw_adopt(&mut self, o: usize) {
        let np = self.stats.pledges;
        if o < np && self.p_start[o + 1] - self.p_start[o] > self.tw.defer_degree {
            // A pledge serving many classes: looking for a parent among
            // them after every push would dominate; it leaves T (its
            // children are orphaned) and is attached again, once, when
            // no active node is left.
            self.tw.in_tree[o] = false;
            for i in 0..self.pos[o].len() {
                let k = self.pos[o][i] as usize;
                let q = np + self.pair_class[k] as usize;
                if self.tw.in_tree[q] && self.tw.parent[q] == o as u32 {
                    self.tw.parent[q] = NONE;
                    self.tw.orphans.push_back(q as u32);
                }
            }
            if !self.tw.is_pending[o] {
                self.tw.is_pending[o] = true;
                self.tw.pending.push(o as u32);
            }
            return;
        }
        let mut best: Option<(u32, usize, u32)> = None;
        let mut near = std::mem::take(&mut self.tw.near);
        near.clear();
        if o < np {
            // Out-arcs of a pledge: every class allowed (always residual).
            // The classes of T met are kept: if no parent is found, they
            // are the nodes to reactivate. A pledge may serve thousands of
            // classes while T holds few: then the classes that joined T
            // are looked up in the pledge's sorted class list instead
            // (a binary search costs about as much as 16 scanned arcs).
            let (b, e) = (self.p_start[o], self.p_start[o + 1]);
            if e - b <= 16 * self.tw.classes.len() {
                for k in b..e {
                    let u = np + self.pair_class[k] as usize;
                    if self.tw.in_tree[u] {
                        if let Some(d) = self.tw_origin(u) {
                            best = Some((d, u, k as u32));
                            break;
                        }
                        near.push(u as u32);
                    }
                }
            } else {
                for idx in 0..self.tw.classes.len() {
                    let u = self.tw.classes[idx] as usize;
                    if !self.tw.in_tree[u] {
                        continue;
                    }
                    let c = (u - np) as u32;
                    if let Ok(at) = self.pair_class[b..e].binary_search(&c) {
                        if let Some(d) = self.tw_origin(u) {
                            best = Some((d, u, (b + at) as u32));
                            break;
                        }
                        near.push(u as u32);
                    }
                }
            }
        } else {
            // Out-arcs of a class: pledges that send it flow.
            let c = o - np;
            for i in self.c_start[c]..self.c_start[c + 1] {
                let k = self.c_pair[i];
                let u = self.c_pledge[i] as usize;
                if self.flow[k as usize] > 0
                    && self.tw.in_tree[u]
                    && let Some(d) = self.tw_origin(u)
                {
                    best = Some((d, u, k));
                    break;
                }
            }
        }
        if let Some((d, u, k)) = best {
            self.tw.parent[o] = u as u32;
            self.tw.parent_arc[o] = k;
            self.tw.ts[o] = self.tw.time;
            self.tw.tdist[o] = d + 1;
            self.tw.near = near;
            return;
        }
        // No parent: `o` leaves T. Its children become orphans; the T nodes
        // it has a residual arc to become active, so that they search `o`
        // again (every residual arc into a node of T must come from T).
        self.tw.in_tree[o] = false;
        if o < np {
            // o → q is residual for every class q allowed: reactivate those
            // of T (all met above). Children: classes o sends flow to.
            for &q in &near {
                self.tw_activate(q as usize);
            }
            for i in 0..self.pos[o].len() {
                let k = self.pos[o][i] as usize;
                let q = np + self.pair_class[k] as usize;
                if self.tw.in_tree[q] && self.tw.parent[q] == o as u32 {
                    self.tw.parent[q] = NONE;
                    self.tw.orphans.push_back(q as u32);
                }
            }
        } else {
            let c = o - np;
            for i in self.c_start[c]..self.c_start[c + 1] {
                let q = self.c_pledge[i] as usize;
                if self.tw.in_tree[q] {
                    // o → q is residual when q sends flow to o.
                    if self.flow[self.c_pair[i] as usize] > 0 {
                        self.tw_activate(q);
                    }
                    if self.tw.parent[q] == o as u32 {
                        self.tw.parent[q] = NONE;
                        self.tw.orphans.push_back(q as u32);
                    }
                }
            }
        }
        self.tw.near = near;
    }
}
