//! One allocation cycle, `allocate(now)` (SEMANTICS.md, "The allocation cycle").
//!
//! The pipeline, per agent in agent order, repeated while a scan takes:
//!
//! 1. walk roles in role order (stage 1: only roles owed guarantees);
//! 2. compute what the role could be offered on this agent, once per role and
//!    capability variant ([`Variant`]), without allocating;
//! 3. walk the role's frameworks in DRF order, rejecting with a reason
//!    (constraint, gpu, minimum allocatable, quota, filter) until one takes.
//!
//! A scan that took nothing is remembered on the agent ([`IdleScan`]) when no
//! quota is configured, because its outcome then depends only on the agent, the
//! frameworks and the filters' expiry — all of which bump a version when they
//! change. Mesos' own benchmark (every offer declined forever) spends most of its
//! rounds on agents that no framework will take; those rounds cost one version
//! check per agent here.

use smallvec::SmallVec;

use super::{Allocator, PassedOver};
use crate::agent::{AgentIdx, IdleScan};
use crate::error::{err, ErrorCode, Result};
use crate::filters::FwIdx;
use crate::framework::{FLAG_GPU, FLAG_REVOCABLE, FLAG_SPECIAL};
use crate::quantities::{Limits, Quantities};
use crate::resources::{Entry, Resources, RoleIdx, Value};
use crate::roles::{ALL, GUARANTEED};
use crate::spec::{AgentOrder, SorterKind};
use crate::units::Milli;

/// Every offer of one cycle, flat: `tape` holds per offer
/// `[offerId, frameworkHandle, role, agentHandle, entryCount, entries...]`, each
/// entry `[name, reservationRole (-1 unreserved), flags (1 revocable, 2 ranges),
/// value]` where value is the scalar in thousandths, or for ranges the number of
/// intervals followed by their `begin, end` pairs. `offsets[i]` is where offer
/// `i` starts in the tape.
#[derive(Clone, Debug, Default)]
pub struct Allocation {
    pub tape: Vec<f64>,
    pub offsets: Vec<u32>,
    pub offer_ids: Vec<f64>,
    pub passed_over: PassedOver,
    /// How many offers the cycle may make (its agents), to size the tape once.
    expected: usize,
}

/// One offer of a cycle, for Rust callers and tests.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferRecord {
    pub id: u64,
    pub framework_handle: u32,
    pub role: RoleIdx,
    pub agent_handle: u32,
}

impl Allocation {
    pub fn len(&self) -> usize {
        self.offer_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offer_ids.is_empty()
    }

    pub fn record(&self, i: usize) -> OfferRecord {
        let at = self.offsets[i] as usize;
        OfferRecord {
            id: self.tape[at] as u64,
            framework_handle: self.tape[at + 1] as u32,
            role: self.tape[at + 2] as RoleIdx,
            agent_handle: self.tape[at + 3] as u32,
        }
    }

    fn push(&mut self, id: u64, fw_handle: u32, role: RoleIdx, agent_handle: u32, res: &Resources) {
        if self.tape.capacity() == 0 {
            // Size the tape once, from the first offer: agents tend to look
            // alike, and a tape that outgrows its buffer is copied whole.
            let first = 5 + res.entries().iter().map(|e| 4 + 2 * e.interval_count()).sum::<usize>();
            self.tape.reserve(self.expected * (first + first / 2 + 8));
            self.offsets.reserve(self.expected);
            self.offer_ids.reserve(self.expected);
        }
        self.offsets.push(self.tape.len() as u32);
        self.offer_ids.push(id as f64);
        self.tape.extend_from_slice(&[id as f64, fw_handle as f64, role as f64, agent_handle as f64, res.len() as f64]);
        for e in res.entries() {
            let reservation = e.reservation.map_or(-1.0, |r| r as f64);
            match &e.value {
                Value::Scalar(v) => {
                    self.tape.extend_from_slice(&[e.name as f64, reservation, e.revocable as u8 as f64, *v as f64]);
                }
                Value::Ranges(r) => {
                    let iv = r.intervals();
                    self.tape.extend_from_slice(&[e.name as f64, reservation, (e.revocable as u8 | 2) as f64, iv.len() as f64]);
                    for &(b, end) in iv {
                        self.tape.extend_from_slice(&[b as f64, end as f64]);
                    }
                }
            }
        }
    }
}

/// How far ahead of the agent being visited its successors' memory is
/// fetched: first the agent itself, then, once that has arrived, what it
/// points to (free resources, filter groups and their framework sets).
const PREFETCH_AGENT: usize = 8;
const PREFETCH_DEPENDENTS: usize = 4;

/// Where an agent falls among agents of equal utilisation in cycle `cycle`
/// (SEMANTICS.md, "Agent order"): MurmurHash3's 32-bit finalizer of
/// `seq XOR cycle × 0x9E3779B1`, wrapping, exactly as the reference computes it.
fn shuffle(seq: u64, cycle: u32) -> u32 {
    let mut h = (seq as u32) ^ cycle.wrapping_mul(0x9E37_79B1);
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^= h >> 16;
    h
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Guarantees,
    All,
}

/// What a role could be offered on the agent, for frameworks with or without
/// the revocable capability. Amounts are per entry of the agent's free
/// resources (scalar thousandths, or a range set's value count if included).
#[derive(Default)]
struct Variant {
    avail: SmallVec<[Milli; 8]>,
    offer: SmallVec<[Milli; 8]>,
    avail_empty: bool,
    /// Stage 1: the role's guarantees get nothing from this agent.
    no_guarantee_progress: bool,
    /// Stage 2: quota limits cut the offer (q1 ≠ q0).
    limit_shrunk: bool,
    avail_ok_default: bool,
    offer_ok_default: bool,
    /// Filter groups for this role, active, that refuse all of `offer`.
    covering: SmallVec<[u32; 4]>,
}

struct Take {
    fw: FwIdx,
    role: RoleIdx,
    /// `None` when the take is all of the agent's free resources, which then
    /// move into the offer as they are.
    resources: Option<Resources>,
}

/// Whether the amounts hold one of the minimum sets (SEMANTICS: allocatable).
fn allocatable(entries: &[Entry], amounts: &[Milli], mins: &[Quantities]) -> bool {
    if amounts.iter().all(|&v| v == 0) {
        return false;
    }
    mins.is_empty()
        || mins.iter().any(|set| {
            set.iter().all(|(n, need)| {
                let have: Milli = entries.iter().zip(amounts).filter(|(e, _)| e.name == n).map(|(_, &v)| v).sum();
                have >= need
            })
        })
}

/// Whether `refused` holds everything the amounts take from `entries`.
fn refused_covers(refused: &Resources, entries: &[Entry], amounts: &[Milli]) -> bool {
    entries.iter().zip(amounts).all(|(e, &v)| {
        if v == 0 {
            return true;
        }
        match (refused.find(e.name, e.reservation, e.revocable), &e.value) {
            (Some(r), Value::Scalar(_)) => matches!(r.value, Value::Scalar(have) if have >= v),
            (Some(r), Value::Ranges(mine)) => matches!(&r.value, Value::Ranges(have) if have.contains(mine)),
            (None, _) => false,
        }
    })
}

impl Allocator {
    /// Runs one allocation cycle at `now` (milliseconds).
    pub fn allocate(&mut self, now: f64) -> Result<Allocation> {
        if !now.is_finite() {
            return Err(err(ErrorCode::InvalidArgument, format!("allocate: now: must be a finite time in milliseconds (got {now})")));
        }
        // The clock never goes back: an earlier `now` (a clock step) counts as
        // the latest one seen, so a filter that expired stays expired.
        let now = now.max(self.last_now);
        self.refresh_shares();
        self.last_now = now;
        self.cycles += 1;
        #[cfg(debug_assertions)]
        self.roles.check_keys(&crate::roles::ShareBase { totals: &self.totals, scalars: self.names.scalars() }, "cycle start");
        let order = self.agent_visit_order();
        let mut out = Allocation { expected: order.len(), ..Default::default() };
        if self.roles.guarantee_roles > 0 {
            for &a in &order {
                self.visit(a, Stage::Guarantees, now, &mut out);
            }
        }
        for (k, &a) in order.iter().enumerate() {
            // Agents are visited in an order known in advance and live far
            // apart in memory; fetch what a visit reads a few agents ahead.
            if let Some(&ahead) = order.get(k + PREFETCH_AGENT) {
                self.agents.prefetch(ahead);
            }
            if let Some(&ahead) = order.get(k + PREFETCH_DEPENDENTS) {
                self.agents.get(ahead).prefetch_dependents();
            }
            self.visit(a, Stage::All, now, &mut out);
        }
        Ok(out)
    }

    /// Active agents with something free, most-used first (binpack) or
    /// least-used first (spread); ties in a per-cycle shuffle, then by arrival.
    fn agent_visit_order(&self) -> Vec<AgentIdx> {
        let scalars = self.names.scalars();
        let cycle = self.cycles as u32;
        // One integer per agent sorts fastest: utilisation's bits (flipped for
        // binpack, so the fullest sort first; utilisation is in [0, 1], whose
        // doubles order like their bits), the shuffle, then seq. Seqs past 2^32
        // would only reorder agents whose utilisation and shuffle both tie.
        let mut keyed: Vec<(u128, AgentIdx)> = self
            .agents
            .iter()
            .filter(|(_, a)| a.active && !a.free.is_empty())
            .map(|(i, a)| {
                let util = a.utilization(scalars).to_bits();
                let util = match self.agent_order {
                    AgentOrder::Binpack => !util,
                    AgentOrder::Spread => util,
                };
                let key = (util as u128) << 64 | (shuffle(a.seq, cycle) as u128) << 32 | (a.seq as u32 as u128);
                (key, i)
            })
            .collect();
        keyed.sort_unstable_by_key(|&(k, _)| k);
        keyed.into_iter().map(|(_, i)| i).collect()
    }

    fn visit(&mut self, a: AgentIdx, stage: Stage, now: f64, out: &mut Allocation) {
        let remember_idle = stage == Stage::All && self.roles.quota_roles == 0;
        {
            let global = self.global_version;
            let agent = self.agents.get_mut(a);
            if !agent.filters.groups.is_empty() {
                agent.filters.purge_expired(now);
            }
            if remember_idle {
                if let Some(idle) = &agent.idle {
                    if idle.agent_version == agent.version && idle.global_version == global && now < idle.valid_until {
                        out.passed_over += idle.passed_over;
                        return;
                    }
                }
            }
        }
        let mut took = false;
        loop {
            if self.agents.get(a).free.is_empty() {
                break;
            }
            if self.sorter == SorterKind::Random {
                self.roles.prepare(&mut self.rng);
            }
            let mut counts = PassedOver::default();
            let mut valid_until = f64::INFINITY;
            let take = self.scan(a, stage, now, &mut counts, &mut valid_until);
            if stage == Stage::All {
                out.passed_over += counts;
            }
            let Some(t) = take else {
                if remember_idle && !took {
                    let agent = self.agents.get_mut(a);
                    agent.idle = Some(IdleScan {
                        agent_version: agent.version,
                        global_version: self.global_version,
                        valid_until,
                        passed_over: counts,
                    });
                }
                break;
            };
            took = true;
            let fw_handle = self.frameworks.get(t.fw).handle;
            let agent = self.agents.get_mut(a);
            let agent_handle = agent.handle;
            let gen = agent.free_gen;
            let (resources, whole) = match t.resources {
                Some(r) => (r, false),
                None => (std::mem::take(&mut agent.free), true),
            };
            out.push(self.next_offer_id, fw_handle, t.role, agent_handle, &resources);
            self.make_offer(a, t.fw, t.role, resources, whole, gen);
        }
    }

    /// One scan: the first candidate that takes, or none.
    fn scan(&self, a: AgentIdx, stage: Stage, now: f64, counts: &mut PassedOver, valid_until: &mut f64) -> Option<Take> {
        let agent = self.agents.get(a);
        let entries = agent.free.entries();
        let layer = if stage == Stage::Guarantees { GUARANTEED } else { ALL };
        let count = stage == Stage::All;
        let has_gpus = agent.has_gpus();
        // When the agent has nothing but unreserved, non-revocable scalars (a
        // bit per name), a role whose quota leaves no room on any of them gets
        // nothing here, and its plain candidates are passed over in bulk.
        let scalars_only = count && self.roles.quota_roles > 0 && entries.iter().all(|e| e.is_quota_scalar() && e.name < 64);
        let agent_names: u64 = entries.iter().fold(0, |m, e| m | 1u64.checked_shl(e.name as u32).unwrap_or(0));
        let mut all_allocatable: Option<bool> = None;
        for r in self.roles.order(layer) {
            if scalars_only {
                let role = self.roles.get(r);
                if role.special_candidates == 0 && agent_names & !self.roles.zero_room(r) == 0 {
                    // Each plain candidate fails at its first check: gpu, else
                    // minimum allocatable, else its quota limit.
                    let [plain, gpu_ok] = role.plain_candidates.map(u64::from);
                    let rest = if has_gpus {
                        counts.gpu += plain;
                        gpu_ok
                    } else {
                        plain + gpu_ok
                    };
                    let all_ok = *all_allocatable.get_or_insert_with(|| {
                        let all: SmallVec<[Milli; 8]> = entries.iter().map(Entry::quantity).collect();
                        allocatable(entries, &all, &self.default_mins)
                    });
                    if all_ok {
                        counts.quota_limit += rest;
                    } else {
                        counts.min_allocatable += rest;
                    }
                    continue;
                }
            }
            let chain = self.roles.chain(r);
            if !entries.iter().any(|e| e.reservation.is_none_or(|res| chain.contains(&res))) {
                continue;
            }
            let mut variants: [Option<Variant>; 2] = [None, None];
            let same_variants = !agent.free.has_revocable();
            for f in crate::sorter::Sorter::iter(&self.roles.get(r).frameworks) {
                // Plain frameworks (no constraints, no minimums of their own)
                // are judged from their flags without reading them.
                let flags = self.frameworks.flags(f);
                let fr = if flags & FLAG_SPECIAL != 0 { self.frameworks.get(f).role(r) } else { None };
                if let Some(c) = fr.and_then(|fr| fr.constraints.as_ref()) {
                    if !c.holds(&agent.hostname, &agent.attributes) {
                        counts.constraint += count as u64;
                        continue;
                    }
                }
                if has_gpus && flags & FLAG_GPU == 0 {
                    counts.gpu += count as u64;
                    continue;
                }
                let strip = flags & FLAG_REVOCABLE == 0 && !same_variants;
                let v = variants[strip as usize].get_or_insert_with(|| self.variant(a, r, &chain, strip, stage, now));
                if v.avail_empty {
                    counts.min_allocatable += count as u64;
                    continue;
                }
                let (avail_ok, offer_ok) = match fr.and_then(|fr| fr.min_allocatable.as_ref()) {
                    None => (v.avail_ok_default, v.offer_ok_default),
                    Some(mins) => (allocatable(entries, &v.avail, mins), allocatable(entries, &v.offer, mins)),
                };
                if !avail_ok {
                    counts.min_allocatable += count as u64;
                    continue;
                }
                if stage == Stage::Guarantees && v.no_guarantee_progress {
                    continue;
                }
                if !offer_ok {
                    if v.limit_shrunk {
                        counts.quota_limit += count as u64;
                    } else {
                        counts.quota_headroom += count as u64;
                    }
                    continue;
                }
                let mut filtered = false;
                for &g in &v.covering {
                    let group = &agent.filters.groups[g as usize];
                    if group.frameworks.contains(f) {
                        filtered = true;
                        *valid_until = valid_until.min(group.expires_at);
                        break;
                    }
                }
                if filtered {
                    counts.filter += count as u64;
                    continue;
                }
                let whole = v.offer.iter().zip(entries).all(|(&amt, e)| amt == e.quantity());
                let resources = if whole {
                    None
                } else {
                    let mut out = Vec::new();
                    for (e, &amt) in entries.iter().zip(&v.offer) {
                        if amt == 0 {
                            continue;
                        }
                        match e.value {
                            Value::Scalar(_) => out.push(Entry { value: Value::Scalar(amt), ..e.clone() }),
                            Value::Ranges(_) => out.push(e.clone()),
                        }
                    }
                    Some(Resources::from_entries(out))
                };
                return Some(Take { fw: f, role: r, resources });
            }
        }
        None
    }

    /// limitRoom(R): the tightest `limit − consumed` over R and its ancestors,
    /// or `None` when none of them has a limit.
    fn limit_room(&self, chain: &[RoleIdx]) -> Option<Limits> {
        if self.roles.quota_roles == 0 {
            return None;
        }
        let mut room: Option<Limits> = None;
        for &r in chain {
            let role = self.roles.get(r);
            for (n, limit) in role.limits.iter() {
                room.get_or_insert_with(Limits::default).tighten(n, (limit - role.consumed(n)).max(0));
            }
        }
        room
    }

    fn variant(&self, a: AgentIdx, r: RoleIdx, chain: &[RoleIdx], strip: bool, stage: Stage, now: f64) -> Variant {
        let agent = self.agents.get(a);
        let entries = agent.free.entries();
        let mut v = Variant::default();
        for e in entries {
            let allocatable = e.reservation.is_none_or(|res| chain.contains(&res)) && !(strip && e.revocable);
            v.avail.push(if allocatable { e.quantity() } else { 0 });
        }
        v.avail_empty = v.avail.iter().all(|&x| x == 0);
        let room = self.limit_room(chain);
        let required = &self.roles.required_headroom;
        let headroom_binds = required.any_positive();
        let surplus = |n| (self.free_quota.get(n) - required.get(n)).max(0);
        let role = self.roles.get(r);
        let mut progress = false;
        for (e, &amt) in entries.iter().zip(&v.avail) {
            if amt == 0 || !e.is_quota_scalar() {
                v.offer.push(amt);
                continue;
            }
            let limit = room.as_ref().and_then(|l| l.get(e.name));
            let offered = match stage {
                Stage::Guarantees => {
                    let g = amt.min(role.unsatisfied(e.name));
                    progress |= g > 0;
                    let mut add = amt - g;
                    if let Some(l) = limit {
                        add = add.min((l - g).max(0));
                    }
                    if headroom_binds {
                        add = add.min(surplus(e.name));
                    }
                    g + add
                }
                Stage::All => {
                    let mut q = amt;
                    if let Some(l) = limit {
                        if l < q {
                            q = l;
                            v.limit_shrunk = true;
                        }
                    }
                    if headroom_binds {
                        q = q.min(surplus(e.name));
                    }
                    q
                }
            };
            v.offer.push(offered);
        }
        v.no_guarantee_progress = stage == Stage::Guarantees && !progress;
        v.avail_ok_default = allocatable(entries, &v.avail, &self.default_mins);
        v.offer_ok_default = allocatable(entries, &v.offer, &self.default_mins);
        // A filter made from all of this very content covers any part of it:
        // one comparison, no walk over the refused resources.
        let same_content = |g: &crate::filters::FilterGroup| g.gen != 0 && g.gen == agent.free_gen;
        for (i, g) in agent.filters.groups.iter().enumerate() {
            if g.role == r && g.expires_at > now && (same_content(g) || refused_covers(&g.refused, entries, &v.offer)) {
                v.covering.push(i as u32);
            }
        }
        v
    }
}
