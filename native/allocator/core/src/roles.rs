//! The role tree: names, weights, quota, what each role (and subtree) holds, and
//! the order a scan visits roles in (SEMANTICS.md, "Order").
//!
//! Each node keeps a sorter of its live entries: `SELF(P)` when P itself has
//! candidate frameworks, and `CHILD(C)` for each child whose subtree has some.
//! The role order is a pre-order walk of those sorters. There are two such
//! layers over the same keys: every live role ([`ALL`]) and the roles that stage
//! 1 serves, those with unsatisfied quota guarantees ([`GUARANTEED`]).

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::names::NameId;
use crate::quantities::{Limits, Quantities};
use crate::ranks::{NameRanks, Relabeled};
use crate::resources::RoleIdx;
use crate::rng::Rng;
use crate::sorter::{AnyIter, AnySorter, SortKey, Sorter};
use crate::spec::SorterKind;
use crate::units::Milli;

pub const ROOT: RoleIdx = 0;
/// Layer of every role with candidates.
pub const ALL: usize = 0;
/// Layer of roles with candidates and unsatisfied guarantees.
pub const GUARANTEED: usize = 1;

#[derive(Clone, Debug)]
pub struct Role {
    pub name: Arc<str>,
    pub parent: RoleIdx,
    pub children: Vec<RoleIdx>,
    pub weight: f64,
    pub guarantees: Quantities,
    pub limits: Limits,
    /// Offered + used under exactly this role (scalar quantities).
    pub self_alloc: Quantities,
    /// Offered + used under this role and its descendants.
    pub subtree_alloc: Quantities,
    /// Unreserved non-revocable part of `subtree_alloc`.
    pub quota_alloc: Quantities,
    /// Reservations to roles of this subtree, in agents' totals.
    pub reserved: Quantities,
    /// Candidate frameworks, keyed by their share in this role.
    pub frameworks: AnySorter,
    /// Candidates without constraints or minimums of their own ("plain"),
    /// [without, with] GPU_RESOURCES; and the others. A scan that can tell
    /// the role gets nothing from an agent counts plain candidates in bulk.
    pub plain_candidates: [u32; 2],
    pub special_candidates: u32,
    /// Names (ids below 64) this role has used up its own limit on.
    pub own_zero_room: u64,
    /// A top-level role's part of the required headroom: its unsatisfied
    /// guarantees, as last added to `Roles::required_headroom`.
    deficit: Quantities,
    node: [AnySorter; 2],
    self_live: [bool; 2],
    live_children: [u32; 2],
    self_key: SortKey,
    child_key: SortKey,
    /// The key's share is out of date: the entry sits alone in its sorters,
    /// where no key orders anything, so recomputing it after every take
    /// would be wasted; it is brought up to date when a second entry arrives.
    self_stale: bool,
    child_stale: bool,
}

impl Role {
    /// SELF key with the share of what the role itself holds, against `base`.
    #[inline]
    fn current_self_key(&self, base: &ShareBase) -> SortKey {
        self.self_key.with_share(base.share(&self.self_alloc) / self.weight)
    }

    /// CHILD key with the share of what the role's subtree holds, against `base`.
    #[inline]
    fn current_child_key(&self, base: &ShareBase) -> SortKey {
        self.child_key.with_share(base.share(&self.subtree_alloc) / self.weight)
    }

    pub fn has_guarantees(&self) -> bool {
        !self.guarantees.is_zero()
    }

    pub fn has_quota(&self) -> bool {
        self.has_guarantees() || !self.limits.is_unlimited()
    }

    /// consumed(R): unreserved allocation plus reservations, of the subtree.
    pub fn consumed(&self, name: NameId) -> Milli {
        self.quota_alloc.get(name) + self.reserved.get(name)
    }

    pub fn unsatisfied(&self, name: NameId) -> Milli {
        (self.guarantees.get(name) - self.consumed(name)).max(0)
    }

    pub fn has_unsatisfied(&self) -> bool {
        self.guarantees.iter().any(|(n, g)| g > self.consumed(n))
    }
}

/// The cluster totals shares are computed against.
pub struct ShareBase<'a> {
    pub totals: &'a Quantities,
    pub scalars: &'a [NameId],
}

impl ShareBase<'_> {
    /// share(q): max over scalar names with a positive total of q[n] / T[n],
    /// in doubles on integer thousandths (bit-identical to the TS reference).
    #[inline]
    pub fn share(&self, q: &Quantities) -> f64 {
        let mut share = 0.0f64;
        for &n in self.scalars {
            let total = self.totals.get(n);
            if total > 0 {
                let s = q.get(n) as f64 / total as f64;
                if s > share {
                    share = s;
                }
            }
        }
        share
    }
}

#[derive(Clone, Debug)]
pub struct Roles {
    roles: Vec<Role>,
    by_name: HashMap<Arc<str>, RoleIdx>,
    /// Role paths as integers that sort like the paths (the tie-break).
    ranks: NameRanks,
    /// The cluster totals the keys were last computed against, for keys
    /// brought up to date lazily.
    base_totals: Quantities,
    base_scalars: Vec<NameId>,
    kind: SorterKind,
    /// Σ over top-level roles of unsatisfied guarantees.
    pub required_headroom: Quantities,
    /// How many roles have guarantees or limits; 0 means no quota anywhere.
    pub quota_roles: u32,
    pub guarantee_roles: u32,
}

fn self_id(r: RoleIdx) -> u32 {
    r * 2
}
fn child_id(r: RoleIdx) -> u32 {
    r * 2 + 1
}

impl Roles {
    pub fn new(kind: SorterKind) -> Roles {
        let mut roles = Roles {
            roles: Vec::new(),
            by_name: HashMap::default(),
            ranks: NameRanks::default(),
            base_totals: Quantities::default(),
            base_scalars: Vec::new(),
            kind,
            required_headroom: Quantities::default(),
            quota_roles: 0,
            guarantee_roles: 0,
        };
        roles.push("".into(), ROOT);
        roles
    }

    fn push(&mut self, name: Arc<str>, parent: RoleIdx) -> RoleIdx {
        let idx = self.roles.len() as RoleIdx;
        let relabeled = self.ranks.insert(&name);
        let key = SortKey::new(0.0, self.ranks.get(&name));
        self.roles.push(Role {
            name: name.clone(),
            parent,
            children: Vec::new(),
            weight: 1.0,
            guarantees: Quantities::default(),
            limits: Limits::default(),
            self_alloc: Quantities::default(),
            subtree_alloc: Quantities::default(),
            quota_alloc: Quantities::default(),
            reserved: Quantities::default(),
            frameworks: AnySorter::new(self.kind),
            plain_candidates: [0, 0],
            special_candidates: 0,
            own_zero_room: 0,
            deficit: Quantities::default(),
            node: [AnySorter::new(self.kind), AnySorter::new(self.kind)],
            self_live: [false; 2],
            live_children: [0; 2],
            self_key: key,
            child_key: key,
            self_stale: false,
            child_stale: false,
        });
        self.by_name.insert(name, idx);
        if idx != ROOT {
            self.roles[parent as usize].children.push(idx);
        }
        if relabeled == Relabeled::Yes {
            self.rerank_all();
        }
        idx
    }

    /// Every path's rank changed: moves every entry to its new key.
    fn rerank_all(&mut self) {
        for r in 1..self.roles.len() as RoleIdx {
            let rank = self.ranks.get(&self.roles[r as usize].name);
            let (s, c) = (self.roles[r as usize].self_key, self.roles[r as usize].child_key);
            self.rekey_self(r, s.with_rank(rank));
            self.rekey_child(r, c.with_rank(rank));
        }
    }

    pub fn get(&self, r: RoleIdx) -> &Role {
        &self.roles[r as usize]
    }

    pub fn get_mut(&mut self, r: RoleIdx) -> &mut Role {
        &mut self.roles[r as usize]
    }

    pub fn len(&self) -> usize {
        self.roles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.roles.len() <= 1
    }

    pub fn find(&self, name: &str) -> Option<RoleIdx> {
        self.by_name.get(name).copied()
    }

    pub fn name(&self, r: RoleIdx) -> &str {
        &self.roles[r as usize].name
    }

    /// The role's index, creating it and its ancestors. The name must have
    /// passed `ids::check_role`. Creating a role changes nothing observable: every
    /// valid role exists implicitly with default weight and no quota.
    pub fn ensure(&mut self, name: &str) -> RoleIdx {
        if let Some(r) = self.find(name) {
            return r;
        }
        let (parent, _) = match name.rfind('/') {
            Some(i) => (self.ensure(&name[..i]), &name[i + 1..]),
            None => (ROOT, name),
        };
        self.push(name.into(), parent)
    }

    /// R, its parent, ... up to its top-level ancestor.
    pub fn chain(&self, r: RoleIdx) -> SmallVec<[RoleIdx; 8]> {
        let mut out = SmallVec::new();
        let mut cur = r;
        while cur != ROOT {
            out.push(cur);
            cur = self.roles[cur as usize].parent;
        }
        out
    }

    pub fn top_level(&self, r: RoleIdx) -> RoleIdx {
        let mut cur = r;
        while self.roles[cur as usize].parent != ROOT {
            cur = self.roles[cur as usize].parent;
        }
        cur
    }

    /// True when `ancestor` is `r` or one of its ancestors.
    pub fn is_self_or_ancestor(&self, ancestor: RoleIdx, r: RoleIdx) -> bool {
        let mut cur = r;
        loop {
            if cur == ancestor {
                return true;
            }
            if cur == ROOT {
                return false;
            }
            cur = self.roles[cur as usize].parent;
        }
    }

    // ---- allocation bookkeeping ------------------------------------------

    /// Adds (`sign` = 1) or removes (-1) an allocation of `q` (scalar
    /// quantities) and `quota_q` (its unreserved non-revocable part) under role
    /// `r`, keeping keys, orders, liveness and headroom current.
    pub fn change_allocation(&mut self, r: RoleIdx, q: &Quantities, quota_q: &Quantities, sign: Milli, base: &ShareBase) {
        {
            let role = &mut self.roles[r as usize];
            for (n, v) in q.iter() {
                role.self_alloc.add(n, sign * v);
            }
        }
        let mut cur = r;
        while cur != ROOT {
            let role = &mut self.roles[cur as usize];
            for (n, v) in q.iter() {
                role.subtree_alloc.add(n, sign * v);
            }
            for (n, v) in quota_q.iter() {
                role.quota_alloc.add(n, sign * v);
            }
            cur = role.parent;
        }
        self.refresh_keys_up(r, base);
        if self.quota_roles > 0 && !quota_q.is_zero() {
            for a in self.chain(r) {
                self.refresh_guarantee_state(a);
            }
        }
    }

    /// Adds or removes reservations of `q` to role `r` (an agent joined or left).
    pub fn change_reserved(&mut self, r: RoleIdx, q: &Quantities, sign: Milli) {
        for a in self.chain(r) {
            let role = &mut self.roles[a as usize];
            for (n, v) in q.iter() {
                role.reserved.add(n, sign * v);
            }
            self.refresh_guarantee_state(a);
        }
    }

    /// Recomputes the SELF key of `r` and the CHILD keys of `r` and its
    /// ancestors, moving the entries in whichever layers hold them.
    fn refresh_keys_up(&mut self, r: RoleIdx, base: &ShareBase) {
        if self.self_sorted(r) {
            let role = &self.roles[r as usize];
            let key = role.current_self_key(base);
            self.rekey_self(r, key);
        } else {
            self.roles[r as usize].self_stale = true;
        }
        let mut cur = r;
        while cur != ROOT {
            if self.child_sorted(cur) {
                let role = &self.roles[cur as usize];
                let key = role.current_child_key(base);
                self.rekey_child(cur, key);
            } else {
                self.roles[cur as usize].child_stale = true;
            }
            cur = self.roles[cur as usize].parent;
        }
    }

    /// Whether SELF(r) sits in a sorter with another entry.
    fn self_sorted(&self, r: RoleIdx) -> bool {
        let role = &self.roles[r as usize];
        [ALL, GUARANTEED].iter().any(|&l| role.self_live[l] && role.node[l].len() >= 2)
    }

    /// Whether CHILD(c) sits in a sorter with another entry.
    fn child_sorted(&self, c: RoleIdx) -> bool {
        let parent = &self.roles[self.roles[c as usize].parent as usize];
        [ALL, GUARANTEED].iter().any(|&l| self.subtree_live(c, l) && parent.node[l].len() >= 2)
    }

    fn freshen_self(&mut self, r: RoleIdx) {
        if !self.roles[r as usize].self_stale {
            return;
        }
        let key = self.roles[r as usize].current_self_key(&self.stored_base());
        self.rekey_self(r, key);
        self.roles[r as usize].self_stale = false;
    }

    fn freshen_child(&mut self, c: RoleIdx) {
        if !self.roles[c as usize].child_stale {
            return;
        }
        let key = self.roles[c as usize].current_child_key(&self.stored_base());
        self.rekey_child(c, key);
        self.roles[c as usize].child_stale = false;
    }

    /// The totals the keys were last computed against (for lazy keys).
    fn stored_base(&self) -> ShareBase<'_> {
        ShareBase { totals: &self.base_totals, scalars: &self.base_scalars }
    }

    /// `freshen_child` for a CHILD entry about to join its parent's sorter of
    /// `joining`: it is not there yet, so only the other layer moves it.
    fn freshen_joining_child(&mut self, c: RoleIdx, joining: usize) {
        if !self.roles[c as usize].child_stale {
            return;
        }
        let role = &self.roles[c as usize];
        let (old, weight, parent) = (role.child_key, role.weight, role.parent);
        let key = role.current_child_key(&self.stored_base());
        for layer in [ALL, GUARANTEED] {
            if layer != joining && self.subtree_live(c, layer) {
                self.roles[parent as usize].node[layer].rekey(child_id(c), &old, key, weight);
            }
        }
        let role = &mut self.roles[c as usize];
        role.child_key = key;
        role.child_stale = false;
    }

    /// Before a sorter of one gets a second entry: its sole entry's key must
    /// be current again.
    fn freshen_sole(&mut self, node: RoleIdx, layer: usize) {
        if let Some(id) = self.roles[node as usize].node[layer].sole() {
            if id % 2 == 0 {
                self.freshen_self(id / 2);
            } else {
                self.freshen_child(id / 2);
            }
        }
    }

    fn rekey_self(&mut self, r: RoleIdx, key: SortKey) {
        let role = &mut self.roles[r as usize];
        let weight = role.weight;
        for layer in [ALL, GUARANTEED] {
            if role.self_live[layer] {
                role.node[layer].rekey(self_id(r), &role.self_key, key, weight);
            }
        }
        role.self_key = key;
    }

    fn rekey_child(&mut self, c: RoleIdx, key: SortKey) {
        let (parent, weight, old, live) = {
            let role = &self.roles[c as usize];
            (role.parent, role.weight, role.child_key, [self.subtree_live(c, ALL), self.subtree_live(c, GUARANTEED)])
        };
        for layer in [ALL, GUARANTEED] {
            if live[layer] {
                self.roles[parent as usize].node[layer].rekey(child_id(c), &old, key, weight);
            }
        }
        self.roles[c as usize].child_key = key;
    }

    /// Recomputes every key: the cluster totals changed, so every share did.
    pub fn refresh_all_keys(&mut self, base: &ShareBase) {
        self.base_totals = base.totals.clone();
        self.base_scalars = base.scalars.to_vec();
        for r in 1..self.roles.len() as RoleIdx {
            let role = &mut self.roles[r as usize];
            role.self_stale = false;
            role.child_stale = false;
            let role = &self.roles[r as usize];
            let self_key = role.current_self_key(base);
            let child_key = role.current_child_key(base);
            self.rekey_self(r, self_key);
            self.rekey_child(r, child_key);
        }
    }

    // ---- liveness ---------------------------------------------------------

    fn subtree_live(&self, r: RoleIdx, layer: usize) -> bool {
        let role = &self.roles[r as usize];
        role.self_live[layer] || role.live_children[layer] > 0
    }

    fn set_self_live(&mut self, r: RoleIdx, layer: usize, live: bool) {
        if self.roles[r as usize].self_live[layer] == live {
            return;
        }
        let was = self.subtree_live(r, layer);
        if live {
            self.freshen_self(r);
            self.freshen_sole(r, layer);
        }
        {
            let role = &mut self.roles[r as usize];
            role.self_live[layer] = live;
            let (key, weight) = (role.self_key, role.weight);
            if live {
                role.node[layer].insert(self_id(r), key, weight);
            } else {
                role.node[layer].remove(self_id(r), &key);
            }
        }
        self.propagate_live(r, layer, was);
    }

    /// After `r`'s subtree liveness may have changed from `was`, adds or removes
    /// its CHILD entry in its parent, and so on upwards.
    fn propagate_live(&mut self, r: RoleIdx, layer: usize, was: bool) {
        let mut cur = r;
        let mut was = was;
        while cur != ROOT {
            let now = self.subtree_live(cur, layer);
            if now == was {
                return;
            }
            let parent = self.roles[cur as usize].parent;
            let parent_was = self.subtree_live(parent, layer);
            if now {
                self.freshen_joining_child(cur, layer);
                self.freshen_sole(parent, layer);
            }
            let (key, weight) = (self.roles[cur as usize].child_key, self.roles[cur as usize].weight);
            let p = &mut self.roles[parent as usize];
            if now {
                p.node[layer].insert(child_id(cur), key, weight);
                p.live_children[layer] += 1;
            } else {
                p.node[layer].remove(child_id(cur), &key);
                p.live_children[layer] -= 1;
            }
            cur = parent;
            was = parent_was;
        }
    }

    /// Call when the role's candidate frameworks changed (its `frameworks`
    /// sorter gained its first or lost its last).
    pub fn refresh_candidates(&mut self, r: RoleIdx) {
        let live = !self.roles[r as usize].frameworks.is_empty();
        self.set_self_live(r, ALL, live);
        self.refresh_guarantee_state(r);
    }

    /// Names that no role of `r`'s chain has room left on: a bit per name id
    /// below 64. Whatever scalar an agent has only under those names, `r`
    /// cannot be offered.
    pub fn zero_room(&self, r: RoleIdx) -> u64 {
        let mut mask = 0;
        let mut cur = r;
        while cur != ROOT {
            mask |= self.roles[cur as usize].own_zero_room;
            cur = self.roles[cur as usize].parent;
        }
        mask
    }

    /// Re-derives what depends on `r`'s consumption: which names it has no
    /// room left on, whether it belongs to the stage-1 layer and, for a
    /// top-level role, its part of the required headroom.
    fn refresh_guarantee_state(&mut self, r: RoleIdx) {
        let role = &mut self.roles[r as usize];
        let mut zero = 0u64;
        for (n, limit) in role.limits.iter() {
            if n < 64 && role.quota_alloc.get(n) + role.reserved.get(n) >= limit {
                zero |= 1 << n;
            }
        }
        role.own_zero_room = zero;
        if role.parent == ROOT {
            // requiredHeadroom = Σ over top-level roles of what they are still
            // owed: swap this role's old part for its new one.
            let mut deficit = Quantities::default();
            for (n, _) in role.guarantees.iter() {
                deficit.set(n, role.unsatisfied(n));
            }
            if deficit != role.deficit {
                let old = std::mem::replace(&mut role.deficit, deficit);
                self.required_headroom.sub_all(&old);
                self.required_headroom.add_all(&self.roles[r as usize].deficit);
            }
        }
        let role = &self.roles[r as usize];
        if !role.has_guarantees() {
            if role.self_live[GUARANTEED] {
                self.set_self_live(r, GUARANTEED, false);
            }
            return;
        }
        let live = !role.frameworks.is_empty() && role.has_unsatisfied();
        self.set_self_live(r, GUARANTEED, live);
    }

    // ---- configuration ----------------------------------------------------

    pub fn set_weight(&mut self, r: RoleIdx, weight: f64, base: &ShareBase) {
        self.roles[r as usize].weight = weight;
        self.refresh_keys_up(r, base);
    }

    pub fn set_quota(&mut self, r: RoleIdx, guarantees: Quantities, limits: Limits) {
        let before = self.roles[r as usize].has_quota();
        let before_g = self.roles[r as usize].has_guarantees();
        {
            let role = &mut self.roles[r as usize];
            role.guarantees = guarantees;
            role.limits = limits;
        }
        let after = self.roles[r as usize].has_quota();
        let after_g = self.roles[r as usize].has_guarantees();
        self.quota_roles = self.quota_roles + after as u32 - before as u32;
        self.guarantee_roles = self.guarantee_roles + after_g as u32 - before_g as u32;
        self.refresh_guarantee_state(r);
    }

    // ---- order ------------------------------------------------------------

    /// Draws fresh orders for the random sorter; free for DRF.
    pub fn prepare(&mut self, rng: &mut Rng) {
        if self.kind == SorterKind::Drf {
            return;
        }
        for role in &mut self.roles {
            role.node[ALL].prepare(rng);
            role.node[GUARANTEED].prepare(rng);
            role.frameworks.prepare(rng);
        }
    }

    /// Live roles of `layer` in scan order.
    pub fn order(&self, layer: usize) -> RoleOrder<'_> {
        let mut stack = SmallVec::new();
        stack.push(self.roles[ROOT as usize].node[layer].iter());
        RoleOrder { roles: self, layer, stack }
    }

    pub fn top_level_roles(&self) -> &[RoleIdx] {
        &self.roles[ROOT as usize].children
    }
}

/// Pre-order walk over the live role tree of one layer.
pub struct RoleOrder<'a> {
    roles: &'a Roles,
    layer: usize,
    stack: SmallVec<[AnyIter<'a>; 8]>,
}

impl Iterator for RoleOrder<'_> {
    type Item = RoleIdx;

    fn next(&mut self) -> Option<RoleIdx> {
        loop {
            let top = self.stack.last_mut()?;
            match top.next() {
                None => {
                    self.stack.pop();
                }
                Some(entry) if entry % 2 == 0 => return Some(entry / 2),
                Some(entry) => {
                    let child = entry / 2;
                    self.stack.push(self.roles.roles[child as usize].node[self.layer].iter());
                }
            }
        }
    }
}

impl Roles {
    /// Debug builds check, at each cycle's start, that every entry whose key
    /// orders anything has its current share (keys of lone entries are
    /// brought up to date lazily, see `Role::self_stale`).
    pub fn check_keys(&self, base: &ShareBase, at: &str) {
        for r in 1..self.roles.len() as RoleIdx {
            let role = &self.roles[r as usize];
            if self.self_sorted(r) {
                let want = role.current_self_key(base);
                assert!(want == role.self_key, "{at}: SELF({}) key stale={} {:?} want {:?}", role.name, role.self_stale, role.self_key, want);
            }
            if self.child_sorted(r) {
                let want = role.current_child_key(base);
                assert!(want == role.child_key, "{at}: CHILD({}) key stale={} {:?} want {:?}", role.name, role.child_stale, role.child_key, want);
            }
        }
    }
}
