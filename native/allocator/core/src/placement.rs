//! Placement (SEMANTICS.md, "Placement"): choose agents for task requests over
//! the current free resources, by bin-packing (best fit on the request's
//! dominant resource) or spreading. A pure query: it works on a copy of what it
//! needs and changes nothing.
//!
//! Agents sit in B-tree indices keyed by what they have free of a resource, so
//! the best fit is a range lookup rather than a scan of the cluster. A binpack
//! winner stays the winner while the next task still fits on it (its key only
//! shrinks and nobody else changes), so tasks are placed on it in a run.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use crate::agent::AgentIdx;
use crate::allocator::Allocator;
use crate::constraints::ConstraintGroups;
use crate::error::{err, ErrorCode, Result};
use crate::names::{NameId, GPUS};
use crate::quantities::Quantities;
use crate::resources::RoleIdx;
use crate::spec::PlacementRequestSpec;
use crate::units::Milli;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    #[default]
    Binpack,
    Spread,
}

/// Agents passed over when a request fell short, by the first check they fail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shortfall {
    pub constraint: u32,
    pub gpu: u32,
    pub max_per_agent: u32,
    pub insufficient: u32,
    pub quota_limit: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestOutcome {
    pub placed: u32,
    pub shortfall: Option<Shortfall>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    /// `(request index, agent handle, tasks)`, in order of each pair's first task.
    pub assignments: Vec<(u32, u32, u32)>,
    pub requests: Vec<RequestOutcome>,
    pub placed: u64,
}

struct Request {
    need: Vec<(NameId, Milli)>,
    count: u32,
    role: RoleIdx,
    chain: Vec<RoleIdx>,
    constraints: ConstraintGroups,
    max_per_agent: u32,
    gpu_ok: bool,
    dominant: Option<NameId>,
}

/// An agent's free non-revocable resources as quantities per (name, pool).
struct WorkAgent {
    idx: AgentIdx,
    seq: u64,
    handle: u32,
    has_gpus: bool,
    pools: Vec<(NameId, Option<RoleIdx>, Milli)>,
}

impl WorkAgent {
    fn avail(&self, chain: &[RoleIdx], n: NameId) -> Milli {
        self.pools
            .iter()
            .filter(|(name, res, _)| *name == n && res.is_none_or(|r| chain.contains(&r)))
            .map(|p| p.2)
            .sum()
    }

    fn reserved_for(&self, chain: &[RoleIdx], n: NameId) -> Milli {
        self.pools.iter().filter(|(name, res, _)| *name == n && res.is_some_and(|r| chain.contains(&r))).map(|p| p.2).sum()
    }

    /// Takes `need` of `n`: reserved to the role first, then its ancestors
    /// outwards, then unreserved. Returns the unreserved amount taken.
    fn take(&mut self, chain: &[RoleIdx], n: NameId, mut need: Milli) -> Milli {
        for r in chain.iter().map(|&r| Some(r)).chain(std::iter::once(None)) {
            if need == 0 {
                break;
            }
            if let Some(p) = self.pools.iter_mut().find(|(name, res, _)| *name == n && *res == r) {
                let t = p.2.min(need);
                p.2 -= t;
                need -= t;
                if r.is_none() {
                    return t;
                }
            }
        }
        0
    }
}

/// One index: agents by (free amount of a resource for a role, seq tie-break).
struct Index {
    role: RoleIdx,
    chain: Vec<RoleIdx>,
    dominant: Option<NameId>,
    strategy: Strategy,
    keys: BTreeSet<(Milli, u64, u32)>,
}

impl Index {
    fn key(&self, w: &WorkAgent, slot: u32) -> (Milli, u64, u32) {
        let avail = self.dominant.map_or(0, |d| w.avail(&self.chain, d));
        // Spread walks the index backwards, so it stores the seq reversed to
        // still prefer the earliest agent among equals.
        let seq = match self.strategy {
            Strategy::Binpack => w.seq,
            Strategy::Spread => u64::MAX - w.seq,
        };
        (avail, seq, slot)
    }
}

struct Planner<'a> {
    alloc: &'a Allocator,
    work: Vec<WorkAgent>,
    indices: Vec<Index>,
    /// Unreserved amounts placed in this call, per role (for quota limits).
    placed_quota: HashMap<RoleIdx, Quantities>,
    strategy: Strategy,
}

enum Check {
    Ok,
    Constraint,
    Gpu,
    MaxPerAgent,
    Insufficient,
    QuotaLimit,
}

impl Planner<'_> {
    fn check(&self, q: &Request, slot: u32, on_agent: u32) -> Check {
        let w = &self.work[slot as usize];
        let agent = self.alloc.agents.get(w.idx);
        if !q.constraints.holds(&agent.hostname, &agent.attributes) {
            return Check::Constraint;
        }
        if w.has_gpus && !q.gpu_ok {
            return Check::Gpu;
        }
        if on_agent >= q.max_per_agent {
            return Check::MaxPerAgent;
        }
        if q.need.iter().any(|&(n, need)| w.avail(&q.chain, n) < need) {
            return Check::Insufficient;
        }
        if self.alloc.roles.quota_roles > 0 {
            for &(n, need) in &q.need {
                let unreserved = (need - w.reserved_for(&q.chain, n)).max(0);
                if unreserved > 0 && unreserved > self.room(q, n) {
                    return Check::QuotaLimit;
                }
            }
        }
        Check::Ok
    }

    /// limitRoom(R)[n] less what this call already placed.
    fn room(&self, q: &Request, n: NameId) -> Milli {
        let mut room = Milli::MAX;
        for &r in &q.chain {
            let role = self.alloc.roles.get(r);
            if let Some(limit) = role.limits.get(n) {
                let placed = self.placed_quota.get(&r).map_or(0, |p| p.get(n));
                room = room.min((limit - role.consumed(n) - placed).max(0));
            }
        }
        room
    }

    fn index_for(&mut self, q: &Request) -> usize {
        if let Some(i) = self.indices.iter().position(|x| x.role == q.role && x.dominant == q.dominant) {
            return i;
        }
        let mut index = Index { role: q.role, chain: q.chain.clone(), dominant: q.dominant, strategy: self.strategy, keys: BTreeSet::new() };
        for (slot, w) in self.work.iter().enumerate() {
            let key = index.key(w, slot as u32);
            index.keys.insert(key);
        }
        self.indices.push(index);
        self.indices.len() - 1
    }

    /// The best eligible agent for the request, or none.
    fn best(&self, q: &Request, ix: usize, per_agent: &HashMap<u32, u32>) -> Option<u32> {
        let index = &self.indices[ix];
        let need_d = q.dominant.map_or(0, |d| q.need.iter().find(|(n, _)| *n == d).map_or(0, |p| p.1));
        let eligible = |&(_, _, slot): &(Milli, u64, u32)| {
            matches!(self.check(q, slot, per_agent.get(&slot).copied().unwrap_or(0)), Check::Ok)
        };
        match self.strategy {
            Strategy::Binpack => index.keys.range((need_d, 0, 0)..).find(|k| eligible(k)).map(|k| k.2),
            Strategy::Spread => index.keys.iter().rev().take_while(|k| k.0 >= need_d).find(|k| eligible(k)).map(|k| k.2),
        }
    }

    /// Places one task of `q` on `slot`, keeping indices and quota current.
    fn place_one(&mut self, q: &Request, slot: u32) {
        let old: Vec<_> = self.indices.iter().map(|ix| ix.key(&self.work[slot as usize], slot)).collect();
        let w = &mut self.work[slot as usize];
        let mut unreserved = Quantities::default();
        for &(n, need) in &q.need {
            let u = w.take(&q.chain, n, need);
            unreserved.add(n, u);
        }
        if self.alloc.roles.quota_roles > 0 && !unreserved.is_zero() {
            for &r in &q.chain {
                self.placed_quota.entry(r).or_default().add_all(&unreserved);
            }
        }
        for (ix, old) in self.indices.iter_mut().zip(old) {
            let new = ix.key(&self.work[slot as usize], slot);
            if new != old {
                ix.keys.remove(&old);
                ix.keys.insert(new);
            }
        }
    }

    fn shortfall(&self, q: &Request, per_agent: &HashMap<u32, u32>) -> Shortfall {
        let mut s = Shortfall::default();
        for slot in 0..self.work.len() as u32 {
            match self.check(q, slot, per_agent.get(&slot).copied().unwrap_or(0)) {
                Check::Ok => {}
                Check::Constraint => s.constraint += 1,
                Check::Gpu => s.gpu += 1,
                Check::MaxPerAgent => s.max_per_agent += 1,
                Check::Insufficient => s.insufficient += 1,
                Check::QuotaLimit => s.quota_limit += 1,
            }
        }
        s
    }
}

fn count(value: f64, field: &str, max: f64) -> Result<u32> {
    if !(value.is_finite() && value.fract() == 0.0 && value >= 1.0 && value <= max) {
        return Err(err(ErrorCode::InvalidArgument, format!("{field}: must be a whole number from 1 to {max} (got {value})")));
    }
    Ok(value as u32)
}

impl Allocator {
    /// Plans placements for the requests (SEMANTICS.md, "Placement").
    /// `strategy` defaults to the allocator's agent order (binpack or spread).
    pub fn place(&mut self, specs: &[PlacementRequestSpec], strategy: Option<Strategy>) -> Result<Placement> {
        let strategy = strategy.unwrap_or(match self.agent_order {
            crate::spec::AgentOrder::Binpack => Strategy::Binpack,
            crate::spec::AgentOrder::Spread => Strategy::Spread,
        });
        self.place_(specs, strategy).map_err(|e| e.in_op("place"))
    }

    fn place_(&mut self, specs: &[PlacementRequestSpec], strategy: Strategy) -> Result<Placement> {
        let (requests, _) = self.converting(|conv| {
            let mut out = Vec::with_capacity(specs.len());
            for (i, s) in specs.iter().enumerate() {
                let field = format!("requests[{i}]");
                let need = conv.quantities(&s.resources, &format!("{field}.resources"), true)?;
                if need.is_zero() {
                    return Err(err(ErrorCode::InvalidArgument, format!("{field}.resources: ask for at least one resource")));
                }
                let role = conv.role(s.role.as_deref().unwrap_or("*"), &format!("{field}.role"))?;
                let constraints = ConstraintGroups::from_spec(&s.constraints, &format!("{field}.constraints"))?;
                let max_per_agent = match s.max_per_agent {
                    Some(m) => count(m, &format!("{field}.maxPerAgent"), 1e6)?,
                    None => u32::MAX,
                };
                out.push((need, count(s.count, &format!("{field}.count"), 1e6)?, role, constraints, max_per_agent, s.gpu_aware));
            }
            Ok(out)
        })?;
        // Names new to the allocator cannot be free anywhere; their requests
        // simply fall short, and nothing is committed (place changes nothing).
        let known = self.names.len() as NameId;
        let requests: Vec<Request> = requests
            .into_iter()
            .map(|(need, count, role, constraints, max_per_agent, gpu_aware)| {
                let need: Vec<(NameId, Milli)> = need.iter().collect();
                let asks_gpus = need.iter().any(|&(n, v)| n == GPUS && v > 0);
                Request {
                    dominant: self.dominant(&need, known),
                    chain: self.roles.chain(role).to_vec(),
                    need,
                    count,
                    role,
                    constraints,
                    max_per_agent,
                    gpu_ok: asks_gpus || gpu_aware,
                }
            })
            .collect();
        let work = self
            .agents
            .iter()
            .filter(|(_, a)| a.active)
            .map(|(idx, a)| WorkAgent {
                idx,
                seq: a.seq,
                handle: a.handle,
                has_gpus: a.has_gpus(),
                pools: a
                    .free
                    .entries()
                    .iter()
                    .filter(|e| !e.revocable)
                    .map(|e| (e.name, e.reservation, e.quantity()))
                    .collect(),
            })
            .collect();
        let mut planner = Planner { alloc: self, work, indices: Vec::new(), placed_quota: HashMap::default(), strategy };
        let mut result = Placement::default();
        for (ri, q) in requests.iter().enumerate() {
            let ix = planner.index_for(q);
            let mut per_agent: HashMap<u32, u32> = HashMap::default();
            let mut pairs: HashMap<u32, usize> = HashMap::default();
            let mut placed = 0u32;
            while placed < q.count {
                let Some(slot) = planner.best(q, ix, &per_agent) else { break };
                loop {
                    planner.place_one(q, slot);
                    placed += 1;
                    let n = per_agent.entry(slot).or_insert(0);
                    *n += 1;
                    let handle = planner.work[slot as usize].handle;
                    match pairs.get(&slot) {
                        Some(&i) => result.assignments[i].2 += 1,
                        None => {
                            pairs.insert(slot, result.assignments.len());
                            result.assignments.push((ri as u32, handle, 1));
                        }
                    }
                    let on_agent = *n;
                    if strategy == Strategy::Spread
                        || placed == q.count
                        || !matches!(planner.check(q, slot, on_agent), Check::Ok)
                    {
                        break;
                    }
                }
            }
            let shortfall = (placed < q.count).then(|| planner.shortfall(q, &per_agent));
            result.placed += placed as u64;
            result.requests.push(RequestOutcome { placed, shortfall });
        }
        Ok(result)
    }

    /// The scalar resource of the request with the largest share of the
    /// cluster total; ties to the smaller name.
    fn dominant(&self, need: &[(NameId, Milli)], known: NameId) -> Option<NameId> {
        let mut best: Option<(f64, NameId)> = None;
        for &(n, v) in need {
            if n >= known || crate::resources::is_ranges(&self.names, n) {
                continue;
            }
            let total = self.totals.get(n);
            if total <= 0 {
                continue;
            }
            let share = v as f64 / total as f64;
            best = match best {
                Some((s, b)) if s > share || (s == share && self.names.name(b) < self.names.name(n)) => Some((s, b)),
                _ => Some((share, n)),
            };
        }
        best.map(|(_, n)| n)
    }
}
