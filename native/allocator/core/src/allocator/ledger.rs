//! The ledger: the only two ways resources move on an agent, `grant` (free →
//! allocated to a framework under a role) and `release` (back). Each keeps the
//! framework's and the roles' allocations, the DRF orders, quota consumption,
//! the free headroom and the agent's scan version in step.

use super::Allocator;
use crate::agent::AgentIdx;
use crate::filters::FwIdx;
use crate::framework::FrameworkRole;
use crate::quantities::Quantities;
use crate::resources::{Resources, RoleIdx};
use crate::roles::ShareBase;
use crate::sorter::{SortKey, Sorter};

impl Allocator {
    /// Moves `res` from the agent's free resources to (fw, role). The caller has
    /// checked that the free resources hold `res`; `whole` says `res` was all of
    /// them and the caller has already taken them out of `free`.
    pub(crate) fn grant(&mut self, a: AgentIdx, fw: FwIdx, role: RoleIdx, res: &Resources, whole: bool) {
        let gen = self.fresh_gen();
        let agent = self.agents.get_mut(a);
        agent.free_gen = gen;
        if whole {
            debug_assert!(agent.free.is_empty());
        } else {
            let ok = agent.free.subtract(res);
            debug_assert!(ok, "grant of resources that are not free");
        }
        agent.touch();
        self.account(fw, role, res, 1);
    }

    /// Moves `res` held by (fw, role) back to the agent's free resources.
    pub(crate) fn release(&mut self, a: AgentIdx, fw: FwIdx, role: RoleIdx, res: &Resources) {
        self.account(fw, role, res, -1);
        let gen = self.fresh_gen();
        let agent = self.agents.get_mut(a);
        agent.free.add(res);
        agent.free_gen = gen;
        agent.touch();
    }

    /// `release` of resources the caller gives up: when nothing is free, they
    /// become the free resources without a copy, and if they are an offer of
    /// all that was free (`gen` ≠ 0), that content's generation comes back too.
    pub(crate) fn release_owned(&mut self, a: AgentIdx, fw: FwIdx, role: RoleIdx, res: Resources, gen: u64) {
        self.account(fw, role, &res, -1);
        let fresh = self.fresh_gen();
        let agent = self.agents.get_mut(a);
        if agent.free.is_empty() {
            agent.free = res;
            agent.free_gen = if gen != 0 { gen } else { fresh };
        } else {
            agent.free.add(&res);
            agent.free_gen = fresh;
        }
        agent.touch();
    }

    fn account(&mut self, fw: FwIdx, role: RoleIdx, res: &Resources, sign: i64) {
        let (q, quota_q) = res.scalar_and_quota_quantities();
        for (n, v) in quota_q.iter() {
            self.free_quota.add(n, -sign * v);
        }
        self.change_framework_allocation(fw, role, &q, sign);
        let base = ShareBase { totals: &self.totals, scalars: self.names.scalars() };
        self.roles.change_allocation(role, &q, &quota_q, sign, &base);
    }

    fn change_framework_allocation(&mut self, f: FwIdx, role: RoleIdx, q: &Quantities, sign: i64) {
        let base = ShareBase { totals: &self.totals, scalars: self.names.scalars() };
        let fw = self.frameworks.get_mut(f);
        if fw.role(role).is_none() {
            // Resources held under a role the framework has not subscribed to
            // (declared at addAgent, or left by updateFramework).
            fw.roles.push(FrameworkRole {
                role,
                subscribed: false,
                suppressed: false,
                alloc: Quantities::default(),
                key: SortKey::new(0.0, fw.rank),
                in_sorter: false,
                counted: 0,
                min_allocatable: None,
                constraints: None,
            });
        }
        let fr = fw.role_mut(role).expect("just ensured");
        for (n, v) in q.iter() {
            fr.alloc.add(n, sign * v);
        }
        let new = fr.key.with_share(base.share(&fr.alloc));
        if fr.in_sorter {
            self.roles.get_mut(role).frameworks.rekey(f, &fr.key, new, 1.0);
        }
        fr.key = new;
        if !fr.subscribed && fr.alloc.is_zero() {
            fw.roles.retain(|fr| fr.role != role);
        }
    }

    /// Puts the framework into, or takes it out of, the role's candidates to
    /// match its state (active, subscribed, not suppressed).
    pub(crate) fn sync_candidate(&mut self, f: FwIdx, role: RoleIdx) {
        let flags = self.frameworks.get(f).flags();
        let fw = self.frameworks.get_mut(f);
        let active = fw.active;
        let Some(fr) = fw.roles.iter_mut().find(|fr| fr.role == role) else { return };
        let want = active && fr.subscribed && !fr.suppressed;
        if want == fr.in_sorter {
            return;
        }
        fr.in_sorter = want;
        let r = self.roles.get_mut(role);
        if want {
            r.frameworks.insert(f, fr.key, 1.0);
            fr.counted = flags;
            count_candidate(r, flags, 1);
        } else {
            r.frameworks.remove(f, &fr.key);
            count_candidate(r, fr.counted, -1);
        }
        self.roles.refresh_candidates(role);
        self.global_version += 1;
    }

    /// After a framework's flags changed: moves it between its roles'
    /// plain and special candidate counts.
    pub(crate) fn recount_candidate(&mut self, f: FwIdx) {
        let flags = self.frameworks.get(f).flags();
        let fw = self.frameworks.get_mut(f);
        for fr in fw.roles.iter_mut().filter(|fr| fr.in_sorter && fr.counted != flags) {
            let r = self.roles.get_mut(fr.role);
            count_candidate(r, fr.counted, -1);
            count_candidate(r, flags, 1);
            fr.counted = flags;
        }
    }

    /// Syncs every role of a framework.
    pub(crate) fn sync_candidates(&mut self, f: FwIdx) {
        let roles: Vec<RoleIdx> = self.frameworks.get(f).roles.iter().map(|fr| fr.role).collect();
        for r in roles {
            self.sync_candidate(f, r);
        }
    }
}

fn count_candidate(role: &mut crate::roles::Role, flags: u8, delta: i32) {
    use crate::framework::{FLAG_GPU, FLAG_SPECIAL};
    let slot = if flags & FLAG_SPECIAL != 0 {
        &mut role.special_candidates
    } else {
        &mut role.plain_candidates[(flags & FLAG_GPU != 0) as usize]
    };
    *slot = slot.wrapping_add_signed(delta);
}
