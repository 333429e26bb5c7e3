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
//!   sink of level `j` appears) and the class they fill stays outside.
//! * Augmentations of earlier levels `i < j` end at sinks of level `i`,
//!   which are sinks of level `j`. A path that stays inside `T_j`, or
//!   outside, keeps the cut, except that a class it draws from outside may
//!   fall below `thr_j`: a *dirty class*, see below. A path arc leaving
//!   `T_j` (`x ∈ T_j → y ∉ T_j`) creates its reverse, entering `T_j`: a
//!   *breach*, noted on every augmentation of a warm solve (`note_arc`).
//!   Since arcs pledge → class are never saturated, `x` is a pledge, `y` a
//!   class and the new arc is `y → x` (class → pledge, now with flow).
//! * Between solves, [`Solver::set_pledge_value_at`] withdraws flow (arcs
//!   only disappear; the classes lose inflow and may become sinks: dirty
//!   classes) or raises a pledge's spare value (a new source: a *dirty
//!   pledge*). Nothing else changes the network.
//!
//! # Repairing a level (`cut_level`)
//! At level `j` of a warm solve the only violations are dirty pledges with
//! spare value inside `T_j`, dirty classes below `thr_j` outside `T_j`, and
//! breach classes (outside, with an arc into `T_j`). In this order:
//! 1. From each such pledge `y`, breadth-first searches inside `T_j` find
//!    sinks and push along the paths (their reversed arcs stay inside
//!    `T_j`); when no sink is found, the nodes searched, `F_y`, are closed
//!    inside `T_j` under residual arcs and contain no sink: `T_j \ F_y` is
//!    still a cut (nothing enters it from `F_y`), and `y` is outside.
//! 2. Each dirty class below `thr_j` and each breach class (a *portal*) is
//!    a root `r`, filled from sources outside the cut by breadth-first
//!    searches backwards from `r` over nodes outside the cut (a path from a
//!    source outside cannot pass through the cut, no arc entering it). A
//!    portal that is not itself below `thr_j` passes the flow on along a
//!    residual path inside the cut to a sink (`cut_extension`); if there is
//!    none, the nodes reached inside the cut are closed under residual arcs
//!    and without sink and leave it, as in 1, and the portal's arcs no
//!    longer enter the cut. A backward search that finds no source has
//!    reached all nodes outside the cut that reach `r`: closed under
//!    incoming residual arcs and without source, they join the cut. Pushes
//!    along such paths add reversed arcs outside the cut, or from inside to
//!    outside (the portal's), never into it.
//!
//! Afterwards every sink is in the cut (it was, or it is a root that
//! joined it), no source is, and no residual arc enters it: condition `j`
//! holds again, with work proportional to the part of the network behind
//! the changes instead of the whole frontier region. Every path pushed
//! along is a residual path from a source to a sink of the level, so the
//! repair is a max flow of the level as before. `tests/prop_warm.rs` and
//! `tests/prop_warm_cut.rs` check the objective against solves from scratch
//! and the certificate over sequences of changes.

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
    // Backward search from a root, outside the cut.
    bmark: Vec<u32>,
    btime: u32,
    bnext: Vec<u32>,
    bnext_arc: Vec<u32>,
    /// Breadth-first distances (from `y` in `fill_inside_cut`, to `r` in
    /// `fill_root`), for re-routing around emptied arcs.
    fdist: Vec<u32>,
    bdist: Vec<u32>,
    bqueue: Vec<u32>,
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
            bmark: vec![0; n],
            bnext: vec![NONE; n],
            bnext_arc: vec![0; n],
            fdist: vec![0; n],
            bdist: vec![0; n],
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

    fn btick(&mut self) -> u32 {
        if self.btime == u32::MAX {
            self.bmark.fill(0);
            self.btime = 0;
        }
        self.btime += 1;
        self.btime
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
        }
        for &r in &roots {
            self.fill_root(r as usize, b, thr);
        }
        for &r in &roots {
            self.cuts.portal[r as usize] = false;
        }
        self.cuts.roots = roots;
        true
    }

    /// Pushes pledge `y`'s spare value to sinks along residual paths inside
    /// the cut `b`; when none is left, takes the nodes it reaches out of
    /// the cut. One search serves several pushes, as in `fill_root`: it
    /// goes on where it stopped, a filled sink now an ordinary node; a
    /// sink left with a deficit (an arc of its path emptied) is tried again
    /// at once, its path re-routed (`reroute_forward`) or else the search
    /// started again.
    fn fill_inside_cut(&mut self, y: usize, b: u32, thr: &[i64]) {
        let np = self.stats.pledges;
        let mut queue = std::mem::take(&mut self.cuts.queue);
        let mut time = 0;
        let mut head = 0;
        let mut fresh = true;
        // Node being expanded and its arc cursor.
        let mut v = usize::MAX;
        let (mut i, mut end) = (0, 0);
        let mut again = usize::MAX;
        while self.spare[y] > 0 {
            if fresh {
                time = self.cuts.tick();
                queue.clear();
                queue.push(y as u32);
                self.cuts.mark[y] = time;
                self.cuts.fdist[y] = 0;
                head = 0;
                v = usize::MAX;
                fresh = false;
                again = usize::MAX;
            }
            let mut found = std::mem::replace(&mut again, usize::MAX);
            while found == usize::MAX {
                if v == usize::MAX {
                    if head == queue.len() {
                        break;
                    }
                    v = queue[head] as usize;
                    head += 1;
                    self.last.bfs_nodes += 1;
                    (i, end) = if v < np {
                        (self.p_start[v], self.p_start[v + 1])
                    } else {
                        (self.c_start[v - np], self.c_start[v - np + 1])
                    };
                }
                if i == end {
                    v = usize::MAX;
                    continue;
                }
                let at = i;
                i += 1;
                let (u, k) = if v < np {
                    (np + self.pair_class[at] as usize, at)
                } else {
                    let k = self.c_pair[at] as usize;
                    if self.flow[k] == 0 {
                        continue;
                    }
                    (self.c_pledge[at] as usize, k)
                };
                if self.cuts.mask[u] & b == 0 || self.cuts.mark[u] == time {
                    continue;
                }
                self.cuts.mark[u] = time;
                self.cuts.par[u] = v as u32;
                self.cuts.par_arc[u] = k as u32;
                self.cuts.fdist[u] = self.cuts.fdist[v] + 1;
                if u >= np && self.cflow[u - np] < thr[u - np] {
                    found = u;
                } else {
                    queue.push(u as u32);
                }
            }
            if found == usize::MAX {
                // Closed inside the cut and without sink: out of the cut.
                for &x in &queue {
                    self.cuts.mask[x as usize] &= !b;
                }
                break;
            }
            if !self.reroute_forward(y, found, time) {
                fresh = true;
                continue;
            }
            let t = found - np;
            let mut delta = self.spare[y].min(thr[t] - self.cflow[t]);
            let mut u = found;
            while u != y {
                let p = self.cuts.par[u] as usize;
                if p >= np {
                    delta = delta.min(self.flow[self.cuts.par_arc[u] as usize]);
                }
                u = p;
            }
            let mut u = found;
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
            if self.cflow[t] >= thr[t] {
                queue.push(found as u32);
            } else if self.spare[y] > 0 {
                // An arc of the path was emptied: tried again at once.
                again = found;
            }
        }
        self.cuts.queue = queue;
    }

    /// Breadth-first search from portal `r` (outside the cut of the current
    /// level) into the cut for a sink. Found: its node (the path is in
    /// `par`/`par_arc`). Not found: the nodes reached, closed inside the
    /// cut under residual arcs and without sink, leave the cut.
    pub(crate) fn cut_extension(&mut self, r: usize, thr: &[i64]) -> Option<usize> {
        let np = self.stats.pledges;
        let b = bit(self.level);
        let time = self.cuts.tick();
        let mut queue = std::mem::take(&mut self.cuts.queue);
        queue.clear();
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
        }
        self.cuts.queue = queue;
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

    /// Checks the path of `fill_inside_cut` from `y` to `t`: an arc class →
    /// pledge `u` emptied since it was searched is replaced by another one
    /// from a class searched closer to `y` (whose own path is checked in
    /// turn). False if some pledge has none: the search starts again.
    fn reroute_forward(&mut self, y: usize, t: usize, time: u32) -> bool {
        let np = self.stats.pledges;
        let mut u = t;
        while u != y {
            let p = self.cuts.par[u] as usize;
            if p >= np && self.flow[self.cuts.par_arc[u] as usize] == 0 {
                let du = self.cuts.fdist[u];
                let mut alt = None;
                for &k in &self.pos[u] {
                    let c = np + self.pair_class[k as usize] as usize;
                    if self.flow[k as usize] > 0
                        && self.cuts.mark[c] == time
                        && self.cuts.fdist[c] < du
                    {
                        alt = Some((c, k));
                        break;
                    }
                }
                let Some((c, k)) = alt else {
                    return false;
                };
                self.cuts.par[u] = c as u32;
                self.cuts.par_arc[u] = k;
            }
            u = self.cuts.par[u] as usize;
        }
        true
    }

    /// Checks the path of `fill_root` from `s` to `r`: an arc class `u` →
    /// pledge emptied since it was searched is replaced by another one to
    /// a pledge searched closer to `r` (whose own path is checked in turn).
    /// False if some class has none: the search starts again.
    fn reroute_backward(&mut self, r: usize, s: usize, time: u32) -> bool {
        let np = self.stats.pledges;
        let mut u = s;
        while u != r {
            if u >= np && self.flow[self.cuts.bnext_arc[u] as usize] == 0 {
                let c = u - np;
                let du = self.cuts.bdist[u];
                let mut alt = None;
                for i in self.c_start[c]..self.c_start[c + 1] {
                    let k = self.c_pair[i] as usize;
                    let w = self.c_pledge[i] as usize;
                    if self.flow[k] > 0 && self.cuts.bmark[w] == time && self.cuts.bdist[w] < du {
                        alt = Some((w, k));
                        break;
                    }
                }
                let Some((w, k)) = alt else {
                    return false;
                };
                self.cuts.bnext[u] = w as u32;
                self.cuts.bnext_arc[u] = k as u32;
            }
            u = self.cuts.bnext[u] as usize;
        }
        true
    }

    /// Fills root `r` (a sink outside the cut, or a portal) from sources
    /// outside the cut: breadth-first searches backwards from `r` over
    /// nodes outside the cut, each stopping at the first source, push along
    /// the path found (through `cut_extension` for a portal). A search
    /// that finds no source has reached every node outside the cut that
    /// reaches `r`: closed under incoming residual arcs, without source,
    /// it joins the cut (with `r`).
    ///
    /// One search serves several pushes. A push only adds reverse arcs
    /// between nodes of its path (all searched) and empties arcs; so the
    /// search goes on where it stopped, its marks still closed under
    /// incoming arcs (a superset of the nodes that reach `r` is as good a
    /// cut). A path whose arcs were emptied meanwhile is checked when a
    /// source is found at its end, and the search starts again then; an
    /// exhausted source is searched on as an ordinary node, one left with
    /// residual value is used again at once while its path holds.
    fn fill_root(&mut self, r: usize, b: u32, thr: &[i64]) {
        let np = self.stats.pledges;
        let mut queue = std::mem::take(&mut self.cuts.bqueue);
        let mut time = 0;
        let mut head = 0;
        let mut fresh = true;
        let mut v = usize::MAX;
        let (mut i, mut end) = (0, 0);
        let mut again = usize::MAX;
        loop {
            if self.cuts.mask[r] & b != 0 {
                break; // joined the cut with another root's region
            }
            let (sink, ext) = if self.cflow[r - np] < thr[r - np] {
                (r, false)
            } else if self.cuts.portal[r] {
                match self.cut_extension(r, thr) {
                    Some(t) => (t, true),
                    None => break,
                }
            } else {
                break;
            };
            if fresh {
                time = self.cuts.btick();
                queue.clear();
                queue.push(r as u32);
                self.cuts.bmark[r] = time;
                self.cuts.bdist[r] = 0;
                head = 0;
                v = usize::MAX;
                fresh = false;
                again = usize::MAX;
            }
            let mut found = std::mem::replace(&mut again, usize::MAX);
            while found == usize::MAX {
                if v == usize::MAX {
                    if head == queue.len() {
                        break;
                    }
                    v = queue[head] as usize;
                    head += 1;
                    self.last.bfs_nodes += 1;
                    (i, end) = if v < np {
                        (0, self.pos[v].len())
                    } else {
                        (self.c_start[v - np], self.c_start[v - np + 1])
                    };
                }
                if i == end {
                    v = usize::MAX;
                    continue;
                }
                let at = i;
                i += 1;
                // Residual arcs into `v`: from every pledge allowed (class),
                // from the classes it sends flow to (pledge).
                let (u, k) = if v < np {
                    let k = self.pos[v][at] as usize;
                    if self.flow[k] == 0 {
                        continue;
                    }
                    (np + self.pair_class[k] as usize, k)
                } else {
                    (self.c_pledge[at] as usize, self.c_pair[at] as usize)
                };
                if self.cuts.mask[u] & b != 0 || self.cuts.bmark[u] == time {
                    continue;
                }
                self.cuts.bmark[u] = time;
                self.cuts.bnext[u] = v as u32;
                self.cuts.bnext_arc[u] = k as u32;
                self.cuts.bdist[u] = self.cuts.bdist[v] + 1;
                let source = if u < np {
                    self.spare[u] > 0
                } else {
                    self.cflow[u - np] > thr[u - np]
                };
                if source {
                    found = u;
                } else {
                    queue.push(u as u32);
                }
            }
            if found == usize::MAX {
                // Everything outside the cut that reaches `r`: into the cut.
                for &x in &queue {
                    self.cuts.mask[x as usize] |= b;
                }
                break;
            }
            let s = found;
            if !self.reroute_backward(r, s, time) {
                fresh = true;
                continue;
            }
            let mut delta = if s < np {
                self.spare[s]
            } else {
                self.cflow[s - np] - thr[s - np]
            };
            delta = delta.min(thr[sink - np] - self.cflow[sink - np]);
            if ext {
                delta = delta.min(self.extension_bottleneck(r, sink));
            }
            let mut u = s;
            while u != r {
                if u >= np {
                    delta = delta.min(self.flow[self.cuts.bnext_arc[u] as usize]);
                }
                u = self.cuts.bnext[u] as usize;
            }
            if delta == 0 {
                // An arc of the path was emptied by an earlier push.
                fresh = true;
                continue;
            }
            let mut u = s;
            while u != r {
                let w = self.cuts.bnext[u] as usize;
                let k = self.cuts.bnext_arc[u] as usize;
                if u < np {
                    self.push_forward(u, k, delta);
                } else {
                    self.flow[k] -= delta;
                }
                self.note_arc(u, w);
                u = w;
            }
            if ext {
                self.push_extension(r, sink, delta);
            }
            self.cflow[sink - np] += delta;
            let left = if s < np {
                self.spare[s] -= delta;
                self.spare[s]
            } else {
                self.cflow[s - np] -= delta;
                self.cuts.class_decreased(s - np);
                self.cflow[s - np] - thr[s - np]
            };
            self.last.augmentations += 1;
            if left == 0 {
                // No source any more: searched on as an ordinary node.
                queue.push(s as u32);
            } else {
                // Still a source: used again (its path is checked again).
                again = s;
            }
        }
        self.cuts.bqueue = queue;
    }
}
