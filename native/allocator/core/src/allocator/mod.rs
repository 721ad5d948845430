//! The allocator: state and the operations of SEMANTICS.md. Each concern has its
//! own file; every movement of resources between free and allocated goes through
//! the ledger (ledger.rs), which keeps shares, orders, quota consumption and
//! headroom in step.

mod agents;
mod cycle;
mod frameworks;
mod ledger;
mod offers;
mod quota;
pub mod views;

pub use cycle::{Allocation, OfferRecord};
pub use offers::Refusal;
pub use views::{AgentView, FrameworkView, OfferView, RoleView, Stats, UsedView};

use rustc_hash::FxHashMap as HashMap;

use crate::agent::{AgentIdx, Agents};
use crate::convert::Converter;
use crate::error::Result;
use crate::filters::FwIdx;
use crate::framework::Frameworks;
use crate::names::{Kind, Names};
use crate::quantities::Quantities;
use crate::resources::{Resources, RoleIdx};
use crate::rng::Rng;
use crate::roles::{Roles, ShareBase};
use crate::spec::{AgentOrder, AllocatorOptions, SorterKind};

/// Why candidates were passed over in a cycle (SEMANTICS.md, stage 2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassedOver {
    pub filter: u64,
    pub quota_limit: u64,
    pub quota_headroom: u64,
    pub constraint: u64,
    pub min_allocatable: u64,
    pub gpu: u64,
}

impl std::ops::AddAssign for PassedOver {
    fn add_assign(&mut self, o: PassedOver) {
        self.filter += o.filter;
        self.quota_limit += o.quota_limit;
        self.quota_headroom += o.quota_headroom;
        self.constraint += o.constraint;
        self.min_allocatable += o.min_allocatable;
        self.gpu += o.gpu;
    }
}

#[derive(Clone, Debug)]
pub struct Offer {
    pub id: u64,
    pub fw: FwIdx,
    pub role: RoleIdx,
    pub agent: AgentIdx,
    pub resources: Resources,
    /// When the offer is all of the agent's free resources: their content
    /// generation (Agent::free_gen); otherwise 0.
    pub gen: u64,
}

pub struct Allocator {
    pub(crate) sorter: SorterKind,
    pub(crate) agent_order: AgentOrder,
    pub(crate) default_mins: Vec<Quantities>,
    pub(crate) names: Names,
    pub(crate) roles: Roles,
    pub(crate) agents: Agents,
    pub(crate) frameworks: Frameworks,
    pub(crate) offers: HashMap<u64, Offer>,
    pub(crate) next_offer_id: u64,
    /// Cluster total: scalar quantities of every agent's total.
    pub(crate) totals: Quantities,
    /// Set when `totals` changed and every share must be recomputed.
    pub(crate) shares_stale: bool,
    /// availableHeadroom: free unreserved non-revocable scalars of all agents.
    pub(crate) free_quota: Quantities,
    /// Bumped by every change that could alter any agent's scan.
    pub(crate) global_version: u64,
    /// The `now` of the last cycle; filters expiring by then no longer count.
    pub(crate) last_now: f64,
    /// Cycles run so far; the agent order's tie shuffle depends on it.
    pub(crate) cycles: u64,
    /// The next content generation (Agent::free_gen); 0 means "unknown".
    pub(crate) next_gen: u64,
    pub(crate) rng: Rng,
}

impl Allocator {
    pub fn new(options: AllocatorOptions) -> Result<Allocator> {
        let mut names = Names::default();
        let mut roles = Roles::new(options.sorter);
        let default_mins = match &options.min_allocatable {
            None => {
                let mut cpus = Quantities::default();
                cpus.set(crate::names::CPUS, 10);
                let mut mem = Quantities::default();
                mem.set(crate::names::MEM, 32_000);
                vec![cpus, mem]
            }
            Some(sets) => {
                let mut conv = Converter { names: names.draft(), roles: &mut roles };
                let mut out = Vec::with_capacity(sets.len());
                for (i, set) in sets.iter().enumerate() {
                    out.push(conv.quantities(set, &format!("minAllocatable[{i}]"), true)?);
                }
                let pending = conv.names.into_pending();
                names.commit(pending);
                out
            }
        };
        Ok(Allocator {
            sorter: options.sorter,
            agent_order: options.placement,
            default_mins,
            names,
            roles,
            agents: Agents::default(),
            frameworks: Frameworks::default(),
            offers: HashMap::default(),
            next_offer_id: 1,
            totals: Quantities::default(),
            shares_stale: false,
            free_quota: Quantities::default(),
            global_version: 0,
            last_now: f64::NEG_INFINITY,
            cycles: 0,
            next_gen: 1,
            rng: Rng::new(options.seed),
        })
    }

    /// A content generation never used before.
    pub(crate) fn fresh_gen(&mut self) -> u64 {
        self.next_gen += 1;
        self.next_gen - 1
    }

    /// Runs a conversion with a name draft, committing new names only if `f`
    /// succeeds.
    pub(crate) fn converting<T>(&mut self, f: impl FnOnce(&mut Converter) -> Result<T>) -> Result<(T, Vec<(Box<str>, Kind)>)> {
        let mut conv = Converter { names: self.names.draft(), roles: &mut self.roles };
        let value = f(&mut conv)?;
        Ok((value, conv.names.into_pending()))
    }

    /// Recomputes every share after the cluster total changed.
    pub(crate) fn refresh_shares(&mut self) {
        if !self.shares_stale {
            return;
        }
        self.shares_stale = false;
        let base = ShareBase { totals: &self.totals, scalars: self.names.scalars() };
        self.roles.refresh_all_keys(&base);
        let fw_ids: Vec<FwIdx> = self.frameworks.iter().map(|(f, _)| f).collect();
        for f in fw_ids {
            let fw = self.frameworks.get_mut(f);
            for fr in fw.roles.iter_mut() {
                let new = fr.key.with_share(base.share(&fr.alloc));
                if fr.in_sorter {
                    use crate::sorter::Sorter;
                    self.roles.get_mut(fr.role).frameworks.rekey(f, &fr.key, new, 1.0);
                }
                fr.key = new;
            }
        }
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

}

impl Allocator {
    /// The name of a role index, if it exists.
    pub fn role_name_checked(&self, r: RoleIdx) -> Option<&str> {
        ((r as usize) < self.roles.len() && r != crate::roles::ROOT).then(|| self.roles.name(r))
    }
}
