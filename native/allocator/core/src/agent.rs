//! Agents: what each machine has, what is free, what is offered and used on it,
//! and which frameworks refuse it.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::constraints::Attribute;
use crate::filters::{Filters, FwIdx};
use crate::names::GPUS;
use crate::quantities::Quantities;
use crate::resources::{Resources, RoleIdx};

pub type AgentIdx = u32;

/// A hint to load `p`'s cache line; it never faults and changes nothing.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; the address is not dereferenced and an
    // invalid one is ignored by the CPU.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[derive(Clone, Debug)]
pub struct Used {
    pub fw: FwIdx,
    pub role: RoleIdx,
    pub resources: Resources,
}

/// A remembered scan that took nothing: while neither the agent nor the
/// frameworks changed and no refusing filter expired, the next scan would take
/// nothing again and pass over the same candidates for the same reasons.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdleScan {
    pub agent_version: u64,
    pub global_version: u64,
    pub valid_until: f64,
    pub passed_over: crate::allocator::PassedOver,
}

#[derive(Clone, Debug)]
pub struct Agent {
    pub id: Arc<str>,
    /// Stable number of this agent for the JS side; never reused.
    pub handle: u32,
    /// Order of arrival, the tie-break of the agent order.
    pub seq: u64,
    pub hostname: Box<str>,
    pub attributes: Vec<Attribute>,
    pub active: bool,
    pub total: Resources,
    pub free: Resources,
    /// Names the content of `free`: a new number whenever the content changes,
    /// and the old one back when an offer of all of it returns untouched, so
    /// that "is this exactly what was refused?" is one comparison (filters.rs).
    pub free_gen: u64,
    /// Scalar quantities of `total`, for utilisation.
    pub total_q: Quantities,
    pub offers: SmallVec<[u64; 2]>,
    pub used: Vec<Used>,
    pub filters: Filters,
    /// Bumped whenever anything a scan of this agent depends on changes.
    pub version: u64,
    pub idle: Option<IdleScan>,
}

impl Agent {
    pub fn has_gpus(&self) -> bool {
        self.total_q.get(GPUS) > 0
    }

    pub fn touch(&mut self) {
        self.version += 1;
        self.idle = None;
    }

    /// util(a): the largest used fraction over scalar names it has.
    pub fn utilization(&self, scalars: &[crate::names::NameId]) -> f64 {
        let mut util = 0.0f64;
        for &n in scalars {
            let total = self.total_q.get(n);
            if total > 0 {
                let free = self.free.quantity(n);
                let u = (total - free) as f64 / total as f64;
                if u > util {
                    util = u;
                }
            }
        }
        util
    }

    /// Asks the CPU to start loading what a scan of this agent reads.
    pub fn prefetch_dependents(&self) {
        prefetch(self.free.entries().as_ptr());
        if let Some(g) = self.filters.groups.first() {
            prefetch(g);
            if let crate::filters::FwSet::Bits { words, .. } = &g.frameworks {
                prefetch(words.as_ptr());
            }
        }
    }

    pub fn used_mut(&mut self, fw: FwIdx, role: RoleIdx) -> Option<&mut Used> {
        self.used.iter_mut().find(|u| u.fw == fw && u.role == role)
    }
}

/// Agents in a slab (indices are reused) with an id index.
#[derive(Clone, Debug, Default)]
pub struct Agents {
    slots: Vec<Option<Agent>>,
    vacant: Vec<AgentIdx>,
    by_id: HashMap<Arc<str>, AgentIdx>,
    pub next_seq: u64,
    pub next_handle: u32,
}

impl Agents {
    pub fn find(&self, id: &str) -> Option<AgentIdx> {
        self.by_id.get(id).copied()
    }

    pub fn get(&self, a: AgentIdx) -> &Agent {
        self.slots[a as usize].as_ref().expect("live agent index")
    }

    pub fn get_mut(&mut self, a: AgentIdx) -> &mut Agent {
        self.slots[a as usize].as_mut().expect("live agent index")
    }

    /// Asks the CPU to start loading an agent's record.
    pub fn prefetch(&self, a: AgentIdx) {
        if let Some(slot) = self.slots.get(a as usize) {
            let p = slot as *const Option<Agent> as *const u8;
            prefetch(p);
            // The record spans several cache lines; the scan reads its start
            // and the filters and free lists further in.
            prefetch(p.wrapping_add(64));
            prefetch(p.wrapping_add(128));
            prefetch(p.wrapping_add(192));
        }
    }

    pub fn insert(&mut self, agent: Agent) -> AgentIdx {
        let id = agent.id.clone();
        let idx = match self.vacant.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(agent);
                i
            }
            None => {
                self.slots.push(Some(agent));
                (self.slots.len() - 1) as AgentIdx
            }
        };
        self.by_id.insert(id, idx);
        idx
    }

    pub fn remove(&mut self, a: AgentIdx) -> Agent {
        let agent = self.slots[a as usize].take().expect("live agent index");
        self.by_id.remove(&agent.id);
        self.vacant.push(a);
        agent
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (AgentIdx, &Agent)> {
        self.slots.iter().enumerate().filter_map(|(i, a)| a.as_ref().map(|a| (i as AgentIdx, a)))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (AgentIdx, &mut Agent)> {
        self.slots.iter_mut().enumerate().filter_map(|(i, a)| a.as_mut().map(|a| (i as AgentIdx, a)))
    }
}
