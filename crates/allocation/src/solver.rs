//! The exact solver.
//!
//! # Model
//! Min-cost flow of issue #7: source → pledge (cap = pledge value), pledge →
//! need on allowed pairs, need → sink as two parallel arcs: the first half
//! `h = value / 2` at profit `2·priority`, the rest at profit `priority`
//! (cost = −profit). Maximise total profit = the objective.
//!
//! # Reduction 1: classes (aggregation of needs)
//! Whether a pledge may serve a need depends only on the need's signature
//! (commune, category, age band). Needs with one signature form a *class*.
//! Replace the needs of a class by one class node whose arcs to the sink are
//! all the half-arcs of its needs (parallel arcs of equal profit merged by
//! adding capacities). *Claim:* both networks have the same optimum.
//! (≤) Any flow of the original network gives a class flow of the same
//! profit by summing the flows on the half-arcs of the class's needs.
//! (≥) Given a class flow, all pledges entering a class may serve every need
//! of the class, so the amount `F_c` that enters the class can be split
//! among its half-arcs in any way that respects their capacities, and any
//! split of the pledge inflows over the needs is feasible (a transportation
//! problem whose supply equals demand on a complete bipartite graph:
//! north-west corner rule). Filling half-arcs in descending profit gives the
//! best profit achievable for `F_c` (exchange argument: moving a unit from a
//! lower-profit arc to a higher-profit arc with spare capacity never loses),
//! and within one need the first half (profit 2p) precedes the second (p), so
//! need capacities are respected. Hence each class contributes the concave
//! piecewise-linear profit `g_c(F_c)`, which is exactly what its merged sink
//! arcs give in the min-cost flow.
//!
//! # Reduction 2: profits live only on sink arcs → greedy over levels
//! Pledge→class arcs cost 0; only sink arcs carry profit. The vectors of
//! flows that can be delivered on the sink arcs form a polymatroid (the
//! flow-deliverable vectors of a one-source network; rank `r(S)` = max flow
//! into the arcs `S`, a min-cut function, which is submodular). Maximising a
//! non-negative linear function over a polymatroid is solved by the greedy
//! algorithm: with distinct profits `w_1 > w_2 > … > w_k` and prefix sets
//! `L_j = {sink arcs with profit ≥ w_j}`, a feasible vector `y` is optimal
//! iff `y(L_j) = r(L_j)` for every `j`. This is also what successive shortest
//! paths does here: every s–t path costs minus the profit of its last arc,
//! so all shortest paths of one length are augmented together by a max flow
//! (primal–dual algorithm), one "level" at a time.
//!
//! We keep one sink arc per class with capacity `thr_j(c)` = capacity of the
//! class's half-arcs with profit ≥ `w_j`, and attribute the class flow `F_c`
//! to its half-arcs highest profit first.
//!
//! # The repair algorithm (exact from any feasible flow ⇒ warm start)
//! For `j = 1..k`: sources are pledges with spare value and classes with
//! `F_c > thr_j(c)` (flow sitting on lower-profit arcs, which may be
//! re-routed), sinks are classes with `F_c < thr_j(c)`; run a multi-source
//! max flow (Dinic) in the residual graph (pledge→class arcs are never
//! saturated since their capacity is the pledge value; class→pledge residual
//! arcs exist where flow > 0). Afterwards no residual path leads from a
//! source to a sink of level `j` (*condition j*).
//! * Later levels keep condition `j`: they augment from a subset of the
//!   sources of `j` (`thr` only grows) to nodes; a residual path created by
//!   augmenting along `P = a→…→b` that uses a reversed arc of `P` can be
//!   shortcut through `P` from `a`, and `b` is only reached from `a`, so any
//!   new source→sink path implies one that existed before — contradiction.
//! * Conditions `1..k` ⇒ optimal: let `R` be the nodes reachable from the
//!   sources of level `j`. The cut `{s} ∪ R` has capacity
//!   `Σ_{p∉R} value_p + Σ_{c∈R} thr_j(c)`, and the flow delivers exactly that
//!   much on `L_j` (every pledge outside `R` is used up and sends only to
//!   classes outside `R`, every class in `R` is filled to `thr_j`, no class
//!   outside `R` exceeds `thr_j`). So `y(L_j) = r(L_j)` for every `j`.
//!
//! From scratch the flow is 0; for a warm start the previous flow is first
//! made feasible (flow above a decreased pledge value is withdrawn, from the
//! classes whose last đồng earns least) and then repaired, which touches
//! only the part of the network that changed. The repair is exact whatever
//! the max-flow algorithm of a level: from scratch, Dinic, which records
//! for each level a cut certifying condition `j`; on a warm start, each
//! level is repaired from that cut, searching only from the changes and
//! from where later pushes crossed the cut (`cut.rs`). Levels without a
//! kept cut (beyond 32 levels, or after the flow was replaced) use, at
//! levels with fewer sinks than sources, a search tree kept between
//! augmentations (`tree_flow.rs`), else Dinic.

// Graph code indexes several parallel arrays by node/arc number.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;

use crate::model::{Allocation, Answer, Instance, Prepared, ValidationError};
use crate::tree_flow::TreeWork;

const UNSEEN: u32 = u32::MAX;
const DEAD: u32 = u32::MAX - 1;

/// Statistics of the network built for an instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkStats {
    pub needs: usize,
    pub pledges: usize,
    /// Number of need classes (distinct commune × category × age band).
    pub classes: usize,
    /// Allowed pledge–need pairs of the original network.
    pub allowed_pairs: u64,
    /// Pledge–class arcs of the reduced network.
    pub class_arcs: usize,
    /// Distinct profit levels (2·priority or priority).
    pub levels: usize,
}

/// Counters of the last solve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SolveStats {
    pub phases: u64,
    pub augmentations: u64,
    /// Nodes taken from the BFS queues (work measure).
    pub bfs_nodes: u64,
    /// Levels repaired locally from the cut kept from the previous solve
    /// (see `cut.rs`); the others were searched in full.
    pub cut_levels: u64,
}

/// Exact solver holding the reduced network and its current flow, so that
/// after small changes ([`Solver::set_pledge_value`]) the optimum is found
/// again by repairing the previous flow instead of solving from scratch.
#[derive(Debug, Clone)]
pub struct Solver {
    pub(crate) inst: Instance,
    pub(crate) prep: Prepared,
    /// Class of each need.
    pub(crate) need_class: Vec<u32>,
    /// Needs of each class (CSR, need order).
    pub(crate) cn_start: Vec<usize>,
    pub(crate) cn_list: Vec<u32>,
    /// Half-arcs of each class, sorted by profit desc, first halves first,
    /// then need index (CSR).
    pub(crate) ca_start: Vec<usize>,
    pub(crate) ca_need: Vec<u32>,
    pub(crate) ca_weight: Vec<i64>,
    pub(crate) ca_cap: Vec<i64>,
    pub(crate) ca_first: Vec<bool>,
    /// Global profit levels, descending: (profit, [(class, capacity)]).
    pub(crate) levels: Vec<(i64, Vec<(u32, i64)>)>,
    /// Pledge → class arcs (CSR by pledge, classes ascending).
    pub(crate) p_start: Vec<usize>,
    pub(crate) pair_class: Vec<u32>,
    pub(crate) flow: Vec<i64>,
    /// Class → pledge reverse adjacency: (pair index, pledge).
    pub(crate) c_start: Vec<usize>,
    pub(crate) c_pair: Vec<u32>,
    pub(crate) c_pledge: Vec<u32>,
    /// Unused value of each pledge.
    pub(crate) spare: Vec<i64>,
    /// Flow into each class.
    pub(crate) cflow: Vec<i64>,
    pub(crate) stats: NetworkStats,
    pub(crate) last: SolveStats,
    // Work arrays.
    dist: Vec<u32>,
    iter: Vec<usize>,
    pub(crate) tw: TreeWork,
    /// Whether the current flow comes from an earlier solve.
    warm: bool,
    /// Per pledge, its arcs that may carry flow (a superset: arcs whose
    /// flow fell to 0 are dropped lazily); `in_pos[k]`: arc `k` is listed.
    /// Lets the tree search find the residual arcs into a pledge without
    /// scanning all its arcs (a pledge without restriction has thousands).
    pub(crate) pos: Vec<Vec<u32>>,
    pub(crate) in_pos: Vec<bool>,
    /// Σ pledge values (overflow check of value updates in O(1)).
    total_value: i128,
    /// Per level, a cut certifying its condition (see `cut.rs`).
    pub(crate) cuts: crate::cut::Cuts,
    /// Index of the level being solved.
    pub(crate) level: usize,
    /// Whether warm levels are repaired from their kept cuts (tests turn
    /// it off to exercise the full searches).
    use_cuts: bool,
}

fn to_u32(n: usize) -> Result<u32, ValidationError> {
    u32::try_from(n).map_err(|_| ValidationError::Overflow {
        what: "kích thước mạng / network size",
    })
}

impl Solver {
    /// Validates the instance and builds the reduced network (no solving).
    pub fn new(inst: Instance) -> Result<Self, ValidationError> {
        let prep = crate::model::validate(&inst)?;
        let n_needs = inst.needs.len();
        let n_pledges = inst.pledges.len();
        to_u32(n_needs + n_pledges + 2)?;

        // Classes: group needs by signature, classes ordered by signature.
        let sig = |i: usize| -> u64 {
            u64::from(prep.need_commune[i]) * 15
                + u64::from(prep.need_cat[i]) * 3
                + u64::from(prep.need_age[i])
        };
        let mut order: Vec<u32> = (0..to_u32(n_needs)?).collect();
        order.sort_by_key(|&i| (sig(i as usize), i));
        let mut need_class = vec![0u32; n_needs];
        let mut cn_start = vec![0usize];
        let mut class_sig: Vec<u64> = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            let s = sig(i as usize);
            if class_sig.last() != Some(&s) {
                if !class_sig.is_empty() {
                    cn_start.push(pos);
                }
                class_sig.push(s);
            }
            need_class[i as usize] = to_u32(class_sig.len() - 1)?;
        }
        cn_start.push(order.len());
        if class_sig.is_empty() {
            cn_start = vec![0];
        }
        let n_classes = class_sig.len();
        let cn_list = order;

        // Half-arcs per class.
        let mut ca_start = Vec::with_capacity(n_classes + 1);
        let mut ca_need = Vec::with_capacity(2 * n_needs);
        let mut ca_weight = Vec::with_capacity(2 * n_needs);
        let mut ca_cap = Vec::with_capacity(2 * n_needs);
        let mut ca_first = Vec::with_capacity(2 * n_needs);
        let mut by_weight: HashMap<i64, Vec<(u32, i64)>> = HashMap::new();
        let mut tmp: Vec<(i64, bool, u32, i64)> = Vec::new();
        ca_start.push(0);
        for c in 0..n_classes {
            tmp.clear();
            for &i in &cn_list[cn_start[c]..cn_start[c + 1]] {
                let n = &inst.needs[i as usize];
                let h = n.value / 2;
                if h > 0 {
                    tmp.push((2 * n.priority, true, i, h));
                }
                tmp.push((n.priority, false, i, n.value - h));
            }
            // profit desc, first halves before second halves, need index.
            tmp.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
            let mut k = 0;
            while k < tmp.len() {
                let w = tmp[k].0;
                let mut cap = 0i64;
                while k < tmp.len() && tmp[k].0 == w {
                    let (w, first, i, h) = tmp[k];
                    ca_need.push(i);
                    ca_weight.push(w);
                    ca_cap.push(h);
                    ca_first.push(first);
                    cap += h;
                    k += 1;
                }
                by_weight.entry(w).or_default().push((to_u32(c)?, cap));
            }
            ca_start.push(ca_need.len());
        }
        let mut levels: Vec<(i64, Vec<(u32, i64)>)> = by_weight.into_iter().collect();
        levels.sort_by_key(|l| std::cmp::Reverse(l.0));

        // Index classes by commune and by (category, age band).
        let n_communes = prep.communes.len();
        let mut by_commune: Vec<Vec<u32>> = vec![Vec::new(); n_communes];
        let mut by_catage: Vec<Vec<u32>> = vec![Vec::new(); 15];
        for (c, &s) in class_sig.iter().enumerate() {
            let c = to_u32(c)?;
            by_commune[(s / 15) as usize].push(c);
            by_catage[(s % 15) as usize].push(c);
        }

        // Pledge → class arcs.
        let class_size: Vec<u64> = (0..n_classes)
            .map(|c| (cn_start[c + 1] - cn_start[c]) as u64)
            .collect();
        let mut p_start = Vec::with_capacity(n_pledges + 1);
        let mut pair_class: Vec<u32> = Vec::new();
        let mut allowed_pairs = 0u64;
        p_start.push(0);
        let ok = |s: u64, cats: u8, ages: u8| -> bool {
            let cat = (s % 15) / 3;
            let age = s % 3;
            cats & (1 << cat) != 0 && ages & (1 << age) != 0
        };
        for p in 0..n_pledges {
            let cats = prep.pledge_cats[p];
            let ages = prep.pledge_ages[p];
            let begin = pair_class.len();
            match &prep.pledge_communes[p] {
                Some(list) => {
                    for &cm in list {
                        for &c in &by_commune[cm as usize] {
                            if ok(class_sig[c as usize], cats, ages) {
                                pair_class.push(c);
                            }
                        }
                    }
                }
                None => {
                    for (ca, classes) in by_catage.iter().enumerate() {
                        let cat = ca / 3;
                        let age = ca % 3;
                        if cats & (1 << cat) != 0 && ages & (1 << age) != 0 {
                            pair_class.extend_from_slice(classes);
                        }
                    }
                }
            }
            pair_class[begin..].sort_unstable();
            for &c in &pair_class[begin..] {
                allowed_pairs += class_size[c as usize];
            }
            p_start.push(pair_class.len());
        }
        let n_pairs = pair_class.len();
        to_u32(n_pairs)?;

        // Reverse adjacency.
        let mut c_start = vec![0usize; n_classes + 1];
        for &c in &pair_class {
            c_start[c as usize + 1] += 1;
        }
        for c in 0..n_classes {
            c_start[c + 1] += c_start[c];
        }
        let mut fill = c_start.clone();
        let mut c_pair = vec![0u32; n_pairs];
        let mut c_pledge = vec![0u32; n_pairs];
        for p in 0..n_pledges {
            for k in p_start[p]..p_start[p + 1] {
                let c = pair_class[k] as usize;
                c_pair[fill[c]] = k as u32;
                c_pledge[fill[c]] = p as u32;
                fill[c] += 1;
            }
        }

        let spare = inst.pledges.iter().map(|p| p.value).collect();
        let total_value = inst.pledges.iter().map(|p| i128::from(p.value)).sum();
        let stats = NetworkStats {
            needs: n_needs,
            pledges: n_pledges,
            classes: n_classes,
            allowed_pairs,
            class_arcs: n_pairs,
            levels: levels.len(),
        };
        Ok(Self {
            inst,
            prep,
            need_class,
            cn_start,
            cn_list,
            ca_start,
            ca_need,
            ca_weight,
            ca_cap,
            ca_first,
            levels,
            p_start,
            pair_class,
            flow: vec![0; n_pairs],
            c_start,
            c_pair,
            c_pledge,
            spare,
            cflow: vec![0; n_classes],
            stats,
            last: SolveStats::default(),
            dist: vec![UNSEEN; n_pledges + n_classes],
            iter: vec![0; n_pledges + n_classes],
            tw: TreeWork::new(n_pledges + n_classes),
            warm: false,
            pos: vec![Vec::new(); n_pledges],
            in_pos: vec![false; n_pairs],
            total_value,
            cuts: crate::cut::Cuts::new(n_pledges, n_classes),
            level: 0,
            use_cuts: true,
        })
    }

    /// The instance currently held (with any value updates applied).
    pub fn instance(&self) -> &Instance {
        &self.inst
    }

    pub fn network_stats(&self) -> NetworkStats {
        self.stats
    }

    pub fn solve_stats(&self) -> SolveStats {
        self.last
    }

    /// Makes the current flow optimal (from scratch the first time; after
    /// updates it repairs the previous optimum — see the module docs).
    pub fn solve(&mut self) {
        let n_classes = self.stats.classes;
        let mut thr = vec![0i64; n_classes];
        self.last = SolveStats::default();
        let levels = std::mem::take(&mut self.levels);
        for (li, (_, entries)) in levels.iter().enumerate() {
            for &(c, cap) in entries {
                thr[c as usize] += cap;
            }
            self.level = li;
            if !(self.warm && self.use_cuts && self.cut_level(li, &thr)) {
                self.max_flow_level(&thr);
            }
        }
        self.levels = levels;
        self.cuts.clear_dirty();
        self.warm = true;
    }

    /// Tests only: with `false`, warm levels are searched in full (the kept
    /// search tree of `tree_flow.rs` or Dinic) instead of being repaired
    /// from the cuts kept from the previous solve (`cut.rs`).
    #[doc(hidden)]
    pub fn set_warm_cuts(&mut self, on: bool) {
        self.use_cuts = on;
    }

    /// Replaces the flow on the pledge→class arcs (the max–min option's
    /// rounded LP flow; the caller guarantees feasibility) and recomputes
    /// class inflows and spare pledge values.
    pub(crate) fn set_flow(&mut self, flow: &[i64]) {
        self.cuts.invalidate();
        self.flow.copy_from_slice(flow);
        self.cflow.fill(0);
        for (k, &c) in self.pair_class.iter().enumerate() {
            self.cflow[c as usize] += flow[k];
        }
        for p in 0..self.stats.pledges {
            let used: i64 = self.flow[self.p_start[p]..self.p_start[p + 1]].iter().sum();
            self.spare[p] = self.inst.pledges[p].value - used;
            self.pos[p].clear();
            for k in self.p_start[p]..self.p_start[p + 1] {
                self.in_pos[k] = self.flow[k] > 0;
                if self.flow[k] > 0 {
                    self.pos[p].push(k as u32);
                }
            }
        }
    }

    /// Adds `flow` to pledge `p`'s arc `k` (listing it in `pos`).
    #[inline]
    pub(crate) fn push_forward(&mut self, p: usize, k: usize, delta: i64) {
        self.flow[k] += delta;
        if !self.in_pos[k] {
            self.in_pos[k] = true;
            self.pos[p].push(k as u32);
        }
    }

    /// Changes a pledge's value (warm start: call [`Solver::solve`] again).
    /// Flow above the new value is withdrawn from the pledge's arcs.
    pub fn set_pledge_value(&mut self, id: &str, value: i64) -> Result<(), ValidationError> {
        let p = self
            .inst
            .pledges
            .iter()
            .position(|x| x.id == id)
            .ok_or_else(|| ValidationError::UnknownPledge { id: id.to_string() })?;
        self.set_pledge_value_at(p, value)
    }

    /// As [`Solver::set_pledge_value`], by pledge index in the instance.
    pub fn set_pledge_value_at(&mut self, p: usize, value: i64) -> Result<(), ValidationError> {
        let Some(pl) = self.inst.pledges.get(p) else {
            return Err(ValidationError::UnknownPledge {
                id: format!("#{p}"),
            });
        };
        if value <= 0 {
            return Err(ValidationError::PledgeValue {
                id: pl.id.clone(),
                value,
            });
        }
        let old = pl.value;
        let total = self.total_value - i128::from(old) + i128::from(value);
        if total > i128::from(i64::MAX) {
            return Err(ValidationError::Overflow {
                what: "giá trị cam kết / pledge values",
            });
        }
        let used = old - self.spare[p];
        let mut excess = used - value;
        if excess > 0 {
            // Withdraw where it is worth least: from the classes whose last
            // đồng earns the lowest profit, so that the deficits appear at
            // the lowest levels and the repair of the levels above has
            // nothing to do. (Any withdrawal gives a feasible flow that the
            // repair makes optimal; this only saves work.)
            let mut order: Vec<(i64, u32)> = Vec::new();
            for &k in &self.pos[p] {
                if self.flow[k as usize] > 0 {
                    let c = self.pair_class[k as usize] as usize;
                    order.push((self.marginal_profit(c), k));
                }
            }
            order.sort_unstable();
            for &(_, k) in &order {
                if excess == 0 {
                    break;
                }
                let k = k as usize;
                let take = self.flow[k].min(excess);
                self.flow[k] -= take;
                self.cflow[self.pair_class[k] as usize] -= take;
                self.cuts.class_decreased(self.pair_class[k] as usize);
                excess -= take;
            }
        }
        let used = used.min(value);
        if value - used > self.spare[p] {
            self.cuts.pledge_increased(p);
        }
        self.spare[p] = value - used;
        self.total_value = total;
        if let Some(pl) = self.inst.pledges.get_mut(p) {
            pl.value = value;
        }
        Ok(())
    }

    /// Profit of the last đồng that class `c` receives (its half-arcs fill
    /// by descending profit); 0 without inflow.
    fn marginal_profit(&self, c: usize) -> i64 {
        let mut left = self.cflow[c];
        let mut w = 0;
        for a in self.ca_start[c]..self.ca_start[c + 1] {
            if left <= 0 {
                break;
            }
            w = self.ca_weight[a];
            left -= self.ca_cap[a];
        }
        w
    }

    /// One level: max flow from the sources to the sinks until no source
    /// reaches a sink — multi-source Dinic, or on a warm start (without a
    /// kept cut, see `cut.rs`) with fewer sinks than sources the kept search
    /// tree of `tree_flow.rs`. Records the level's cut.
    ///
    /// Each phase builds the level graph from the smaller side: from the
    /// sources (forward BFS) or, when sinks are fewer — typical of a warm
    /// start, where only the changed part has deficits — from the sinks
    /// (backward BFS), relabelled so that the same blocking-flow search
    /// applies (`dist = limit − distance to a sink`).
    fn max_flow_level(&mut self, thr: &[i64]) {
        let np = self.stats.pledges;
        let nc = self.stats.classes;
        let mut queue: Vec<u32> = Vec::new();
        let mut sources: Vec<u32> = Vec::new();
        let mut sinks: Vec<u32> = Vec::new();
        let mut phase_sources: Vec<u32> = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        let mut arcs: Vec<u32> = Vec::new();
        // Sources and sinks only disappear during a level's max flow: found
        // once, then filtered before each phase.
        for p in 0..np {
            if self.spare[p] > 0 {
                sources.push(p as u32);
            }
        }
        for c in 0..nc {
            if self.cflow[c] > thr[c] {
                sources.push((np + c) as u32);
            } else if self.cflow[c] < thr[c] && self.c_start[c] < self.c_start[c + 1] {
                sinks.push((np + c) as u32);
            }
        }
        if sources.is_empty() || sinks.is_empty() {
            // No source: every node is on the sinks' side; no sink: none.
            self.record_cut_uniform(sources.is_empty());
            return;
        }
        // Warm start with fewer sinks than sources (the deficits left by
        // the changes): the kept search tree (`tree_flow.rs`) searches the
        // region behind the sinks once instead of once per phase.
        if self.warm && sinks.len() <= sources.len() {
            self.last.phases += 1;
            self.tree_flow_level(thr, &sinks);
            return;
        }
        loop {
            sources.retain(|&v| self.source_residual(v as usize, thr) > 0);
            sinks.retain(|&v| self.cflow[v as usize - np] < thr[v as usize - np]);
            if sources.is_empty() || sinks.is_empty() {
                self.record_cut_uniform(sources.is_empty());
                return;
            }
            self.last.phases += 1;
            let backward = sinks.len() < sources.len();
            let limit = if backward {
                let limit = self.backward_bfs(thr, &sinks, &mut queue);
                phase_sources.clear();
                for &v in &queue {
                    let d = self.dist[v as usize];
                    let nd = limit.wrapping_sub(d);
                    self.dist[v as usize] = nd;
                    if nd == 0 && self.source_residual(v as usize, thr) > 0 {
                        phase_sources.push(v);
                    }
                }
                limit
            } else {
                let limit = self.forward_bfs(thr, &sources, &mut queue);
                phase_sources.clear();
                phase_sources.extend_from_slice(&sources);
                limit
            };
            if limit == UNSEEN {
                // The search reached everything it could: the nodes that
                // reach a sink (backward) or the complement of those
                // reached from a source (forward) are this level's cut.
                self.record_cut_search(&queue, backward);
                self.reset_dist(&queue);
                return;
            }
            // Blocking flow by iterative DFS with current-arc pointers
            // (only nodes of the level graph, all in `queue`, are visited).
            for &v in &queue {
                let v = v as usize;
                self.iter[v] = if v < np {
                    self.p_start[v]
                } else {
                    self.c_start[v - np]
                };
            }
            for &s in &phase_sources {
                let s = s as usize;
                while self.source_residual(s, thr) > 0 {
                    if !self.augment_from(s, limit, thr, &mut stack, &mut arcs) {
                        break;
                    }
                }
            }
            self.reset_dist(&queue);
        }
    }

    /// Back to `UNSEEN` for the nodes a phase labelled (all in `queue`), so
    /// that a phase costs what it searched, not the size of the network.
    fn reset_dist(&mut self, queue: &[u32]) {
        for &v in queue {
            self.dist[v as usize] = UNSEEN;
        }
    }

    /// BFS from the sources along residual arcs, stopping at the first
    /// distance where a sink appears (returned; `UNSEEN` if none).
    fn forward_bfs(&mut self, thr: &[i64], sources: &[u32], queue: &mut Vec<u32>) -> u32 {
        let np = self.stats.pledges;
        queue.clear();
        for &v in sources {
            self.dist[v as usize] = 0;
            queue.push(v);
        }
        let mut limit = UNSEEN;
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head] as usize;
            head += 1;
            self.last.bfs_nodes += 1;
            let dv = self.dist[v];
            if dv >= limit {
                continue;
            }
            if v < np {
                for k in self.p_start[v]..self.p_start[v + 1] {
                    let c = self.pair_class[k] as usize;
                    let u = np + c;
                    if self.dist[u] == UNSEEN {
                        self.dist[u] = dv + 1;
                        if limit == UNSEEN && self.cflow[c] < thr[c] {
                            limit = dv + 1;
                        }
                        queue.push(u as u32);
                    }
                }
            } else {
                let c = v - np;
                for i in self.c_start[c]..self.c_start[c + 1] {
                    if self.flow[self.c_pair[i] as usize] > 0 {
                        let u = self.c_pledge[i] as usize;
                        if self.dist[u] == UNSEEN {
                            self.dist[u] = dv + 1;
                            queue.push(u as u32);
                        }
                    }
                }
            }
        }
        limit
    }

    /// BFS from the sinks against residual arcs (distance to a sink),
    /// stopping at the first distance where a source appears.
    fn backward_bfs(&mut self, thr: &[i64], sinks: &[u32], queue: &mut Vec<u32>) -> u32 {
        let np = self.stats.pledges;
        queue.clear();
        for &v in sinks {
            self.dist[v as usize] = 0;
            queue.push(v);
        }
        let mut limit = UNSEEN;
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head] as usize;
            head += 1;
            self.last.bfs_nodes += 1;
            let dv = self.dist[v];
            if dv >= limit {
                continue;
            }
            if v < np {
                // Predecessors of a pledge: classes it sends flow to.
                for k in self.p_start[v]..self.p_start[v + 1] {
                    if self.flow[k] > 0 {
                        let c = self.pair_class[k] as usize;
                        let u = np + c;
                        if self.dist[u] == UNSEEN {
                            self.dist[u] = dv + 1;
                            if limit == UNSEEN && self.cflow[c] > thr[c] {
                                limit = dv + 1;
                            }
                            queue.push(u as u32);
                        }
                    }
                }
            } else {
                // Predecessors of a class: every pledge allowed to serve it.
                let c = v - np;
                for i in self.c_start[c]..self.c_start[c + 1] {
                    let u = self.c_pledge[i] as usize;
                    if self.dist[u] == UNSEEN {
                        self.dist[u] = dv + 1;
                        if limit == UNSEEN && self.spare[u] > 0 {
                            limit = dv + 1;
                        }
                        queue.push(u as u32);
                    }
                }
            }
        }
        limit
    }

    fn source_residual(&self, v: usize, thr: &[i64]) -> i64 {
        let np = self.stats.pledges;
        if v < np {
            self.spare[v]
        } else {
            let c = v - np;
            self.cflow[c] - thr[c]
        }
    }

    /// Finds one augmenting path from source `s` in the level graph and
    /// pushes the bottleneck along it. Returns false when `s` is blocked.
    fn augment_from(
        &mut self,
        s: usize,
        limit: u32,
        thr: &[i64],
        stack: &mut Vec<u32>,
        arcs: &mut Vec<u32>,
    ) -> bool {
        let np = self.stats.pledges;
        stack.clear();
        arcs.clear();
        stack.push(s as u32);
        loop {
            let Some(&top) = stack.last() else {
                return false;
            };
            let v = top as usize;
            let dv = self.dist[v];
            let mut next: Option<(u32, usize)> = None;
            if dv == limit {
                // Only sink classes at the limit distance end a path.
                if v >= np && self.cflow[v - np] < thr[v - np] {
                    break;
                }
            } else if v < np {
                let end = self.p_start[v + 1];
                let mut k = self.iter[v];
                while k < end {
                    let u = np + self.pair_class[k] as usize;
                    if self.dist[u] == dv + 1 {
                        next = Some((k as u32, u));
                        break;
                    }
                    k += 1;
                }
                self.iter[v] = k;
            } else {
                let c = v - np;
                let end = self.c_start[c + 1];
                let mut i = self.iter[v];
                while i < end {
                    let k = self.c_pair[i] as usize;
                    if self.flow[k] > 0 {
                        let u = self.c_pledge[i] as usize;
                        if self.dist[u] == dv + 1 {
                            next = Some((k as u32, u));
                            break;
                        }
                    }
                    i += 1;
                }
                self.iter[v] = i;
            }
            match next {
                Some((k, u)) => {
                    stack.push(u as u32);
                    arcs.push(k);
                }
                None => {
                    // Dead end: retreat and skip the arc that led here.
                    self.dist[v] = DEAD;
                    stack.pop();
                    arcs.pop();
                    match stack.last() {
                        None => return false,
                        Some(&parent) => self.iter[parent as usize] += 1,
                    }
                }
            }
        }
        // Bottleneck.
        let sink = stack[stack.len() - 1] as usize - np;
        let mut delta = self
            .source_residual(s, thr)
            .min(thr[sink] - self.cflow[sink]);
        for (idx, &k) in arcs.iter().enumerate() {
            if stack[idx] as usize >= np {
                delta = delta.min(self.flow[k as usize]);
            }
        }
        for (idx, &k) in arcs.iter().enumerate() {
            let v = stack[idx] as usize;
            if v < np {
                self.push_forward(v, k as usize, delta);
            } else {
                self.flow[k as usize] -= delta;
            }
        }
        if self.warm {
            for w in stack.windows(2) {
                self.note_arc(w[0] as usize, w[1] as usize);
            }
        }
        if s < np {
            self.spare[s] -= delta;
        } else {
            self.cflow[s - np] -= delta;
            if self.warm {
                self.cuts.class_decreased(s - np);
            }
        }
        self.cflow[sink] += delta;
        self.last.augmentations += 1;
        true
    }

    /// Independent optimality certificate: for every level `j`, no residual
    /// path leads from a source (spare pledge value, or class flow above
    /// `thr_j`) to a class below `thr_j` (see module docs), and the flow is
    /// feasible.
    pub fn check_optimality(&self) -> bool {
        let np = self.stats.pledges;
        let nc = self.stats.classes;
        // Feasibility.
        for p in 0..np {
            let out: i64 = self.flow[self.p_start[p]..self.p_start[p + 1]].iter().sum();
            if self.spare[p] < 0 || out + self.spare[p] != self.inst.pledges[p].value {
                return false;
            }
        }
        let mut inflow = vec![0i64; nc];
        for p in 0..np {
            for k in self.p_start[p]..self.p_start[p + 1] {
                if self.flow[k] < 0 {
                    return false;
                }
                inflow[self.pair_class[k] as usize] += self.flow[k];
            }
        }
        if inflow != self.cflow {
            return false;
        }
        let mut thr = vec![0i64; nc];
        let mut seen = vec![false; np + nc];
        let mut queue = Vec::new();
        for (_, entries) in &self.levels {
            for &(c, cap) in entries {
                thr[c as usize] += cap;
            }
            seen.fill(false);
            queue.clear();
            for (p, &s) in self.spare.iter().enumerate() {
                if s > 0 {
                    seen[p] = true;
                    queue.push(p);
                }
            }
            for c in 0..nc {
                if self.cflow[c] > thr[c] {
                    seen[np + c] = true;
                    queue.push(np + c);
                }
            }
            let mut head = 0;
            while head < queue.len() {
                let v = queue[head];
                head += 1;
                if v < np {
                    for k in self.p_start[v]..self.p_start[v + 1] {
                        let c = self.pair_class[k] as usize;
                        if self.cflow[c] < thr[c] {
                            return false;
                        }
                        if !seen[np + c] {
                            seen[np + c] = true;
                            queue.push(np + c);
                        }
                    }
                } else {
                    let c = v - np;
                    for i in self.c_start[c]..self.c_start[c + 1] {
                        let u = self.c_pledge[i] as usize;
                        if self.flow[self.c_pair[i] as usize] > 0 && !seen[u] {
                            seen[u] = true;
                            queue.push(u);
                        }
                    }
                }
            }
        }
        // Final level reaches every class's total capacity.
        self.cflow.iter().zip(&thr).all(|(f, t)| f <= t)
    }

    /// Amount received by each need (disaggregation inside each class:
    /// half-arcs filled by descending profit; ties — same profit and same
    /// half — split in proportion to capacity, largest remainder first).
    pub fn need_amounts(&self) -> Vec<i64> {
        let mut f = vec![0i64; self.stats.needs];
        let mut caps: Vec<i64> = Vec::new();
        let mut shares: Vec<i64> = Vec::new();
        for c in 0..self.stats.classes {
            let mut remaining = self.cflow[c];
            let (b, e) = (self.ca_start[c], self.ca_start[c + 1]);
            let mut k = b;
            while k < e && remaining > 0 {
                let mut g = k;
                let mut total = 0i64;
                while g < e
                    && self.ca_weight[g] == self.ca_weight[k]
                    && self.ca_first[g] == self.ca_first[k]
                {
                    total += self.ca_cap[g];
                    g += 1;
                }
                let amount = remaining.min(total);
                caps.clear();
                caps.extend_from_slice(&self.ca_cap[k..g]);
                proportional_split(amount, &caps, &mut shares);
                for (j, &s) in shares.iter().enumerate() {
                    f[self.ca_need[k + j] as usize] += s;
                }
                remaining -= amount;
                k = g;
            }
        }
        f
    }

    /// The objective of issue #7 for the given per-need amounts.
    pub fn objective_of(&self, amounts: &[i64]) -> i64 {
        objective(&self.inst, amounts)
    }

    /// The answer for the current flow (allocations sorted by pledge then
    /// need order of the instance). No report.
    pub fn answer(&self) -> Answer {
        let amounts = self.need_amounts();
        let allocations = self.allocations_from(&amounts);
        Answer {
            objective: self.objective_of(&amounts),
            allocations,
            report: None,
        }
    }

    /// Splits each class's pledge inflows over its needs (north-west corner
    /// rule; exact since all of them are mutually eligible).
    pub(crate) fn allocation_triples(&self, amounts: &[i64]) -> Vec<(u32, u32, i64)> {
        let mut out: Vec<(u32, u32, i64)> = Vec::new();
        for c in 0..self.stats.classes {
            let pledges = self.c_start[c]..self.c_start[c + 1];
            let needs = &self.cn_list[self.cn_start[c]..self.cn_start[c + 1]];
            let mut pi = pledges.start;
            let mut p_left = 0i64;
            let mut p_cur = 0u32;
            for &n in needs {
                let mut n_left = amounts[n as usize];
                while n_left > 0 {
                    while p_left == 0 && pi < pledges.end {
                        p_left = self.flow[self.c_pair[pi] as usize];
                        p_cur = self.c_pledge[pi];
                        pi += 1;
                    }
                    if p_left == 0 {
                        break; // cannot happen: Σ amounts = class inflow
                    }
                    let t = n_left.min(p_left);
                    out.push((p_cur, n, t));
                    n_left -= t;
                    p_left -= t;
                }
            }
        }
        out.sort_unstable_by_key(|&(p, n, _)| (p, n));
        out
    }

    fn allocations_from(&self, amounts: &[i64]) -> Vec<Allocation> {
        self.allocation_triples(amounts)
            .into_iter()
            .map(|(p, n, v)| Allocation {
                pledge: self.inst.pledges[p as usize].id.clone(),
                need: self.inst.needs[n as usize].id.clone(),
                value: v,
            })
            .collect()
    }

    /// Human-readable restriction match of a pledge for a need.
    pub(crate) fn restrictions_met(&self, p: usize, n: usize) -> String {
        let pl = &self.inst.pledges[p];
        let nd = &self.inst.needs[n];
        let part = |name: &str, list: &Option<Vec<String>>, v: &str| match list {
            None => format!("{name}: không giới hạn / unrestricted"),
            Some(_) => format!("{name} {v} ✓"),
        };
        format!(
            "{}; {}; {}",
            part("category", &pl.categories, &nd.category),
            part("commune", &pl.communes, &nd.commune),
            part("age_band", &pl.age_bands, &nd.age_band)
        )
    }
}

/// Largest-remainder proportional split of `amount ≤ Σ caps`.
fn proportional_split(amount: i64, caps: &[i64], out: &mut Vec<i64>) {
    out.clear();
    let total: i64 = caps.iter().sum();
    if total == 0 || amount <= 0 {
        out.resize(caps.len(), 0);
        return;
    }
    if amount >= total {
        out.extend_from_slice(caps);
        return;
    }
    let a = i128::from(amount);
    let t = i128::from(total);
    let mut given = 0i64;
    let mut rems: Vec<(i128, usize)> = Vec::with_capacity(caps.len());
    for (j, &cap) in caps.iter().enumerate() {
        let num = a * i128::from(cap);
        let share = i64::try_from(num / t).unwrap_or(cap);
        out.push(share);
        given += share;
        rems.push((num % t, j));
    }
    let mut left = amount - given;
    if left > 0 {
        rems.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        for &(_, j) in &rems {
            if left == 0 {
                break;
            }
            if out[j] < caps[j] {
                out[j] += 1;
                left -= 1;
            }
        }
    }
}

/// The objective of issue #7: Σ priority × (2·min(f, h) + (f − min(f, h))).
pub fn objective(inst: &Instance, amounts: &[i64]) -> i64 {
    inst.needs
        .iter()
        .zip(amounts)
        .map(|(n, &f)| {
            let h = n.value / 2;
            let first = f.min(h);
            n.priority * (2 * first + (f - first))
        })
        .sum()
}

/// Validates, solves exactly and returns the answer (without report).
pub fn solve(inst: &Instance) -> Result<Answer, ValidationError> {
    let mut s = Solver::new(inst.clone())?;
    s.solve();
    Ok(s.answer())
}
