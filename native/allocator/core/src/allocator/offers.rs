//! What frameworks do with offers: decline, accept, and what the master does:
//! rescind; and recover, when used resources come back (a task ended).

use rustc_hash::FxHashSet as HashSet;

use super::{Allocator, Offer};
use crate::agent::{AgentIdx, Used};
use crate::error::{err, ErrorCode, Result};
use crate::filters::FwIdx;
use crate::resources::{Resources, RoleIdx};
use crate::spec::ResourcesSpec;

/// How long, from when, a framework refuses what it gives back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Refusal {
    pub refuse_seconds: f64,
    pub now: f64,
}

impl Refusal {
    pub fn none() -> Refusal {
        Refusal { refuse_seconds: 0.0, now: 0.0 }
    }

    fn check(&self) -> Result<()> {
        if self.refuse_seconds.is_nan() || self.refuse_seconds < 0.0 {
            return Err(err(
                ErrorCode::InvalidArgument,
                format!("refuseSeconds: must be a number >= 0 or Infinity (got {})", self.refuse_seconds),
            ));
        }
        if !self.now.is_finite() {
            return Err(err(ErrorCode::InvalidArgument, format!("now: must be a finite time in milliseconds (got {})", self.now)));
        }
        Ok(())
    }

    fn expires_at(&self) -> Option<f64> {
        (self.refuse_seconds > 0.0).then(|| self.now + self.refuse_seconds * 1000.0)
    }
}

impl Allocator {
    /// Checks offer ids: known, and no id twice.
    fn check_offer_ids(&self, ids: &[f64]) -> Result<Vec<u64>> {
        let mut seen = HashSet::with_capacity_and_hasher(ids.len(), Default::default());
        let mut out = Vec::with_capacity(ids.len());
        for (i, &raw) in ids.iter().enumerate() {
            if !(raw >= 1.0 && raw.fract() == 0.0 && raw <= crate::units::MAX_MILLI as f64) {
                return Err(err(ErrorCode::InvalidArgument, format!("offerIds[{i}]: {raw} is not an offer id")));
            }
            let id = raw as u64;
            if !self.offers.contains_key(&id) {
                return Err(err(ErrorCode::UnknownOffer, format!("offerIds[{i}]: no outstanding offer {id}")));
            }
            if !seen.insert(id) {
                return Err(err(ErrorCode::InvalidArgument, format!("offerIds[{i}]: offer {id} is given twice")));
            }
            out.push(id);
        }
        Ok(out)
    }

    /// Records a new offer; the resources must be free on the agent.
    /// `gen` is the content generation of `resources` when they are all that
    /// was free (`whole`), else 0.
    pub(crate) fn make_offer(&mut self, a: AgentIdx, fw: FwIdx, role: RoleIdx, resources: Resources, whole: bool, gen: u64) -> u64 {
        let id = self.next_offer_id;
        self.next_offer_id += 1;
        self.grant(a, fw, role, &resources, whole);
        self.agents.get_mut(a).offers.push(id);
        self.offers.insert(id, Offer { id, fw, role, agent: a, resources, gen: if whole { gen } else { 0 } });
        id
    }

    /// Forgets an offer without touching the ledger.
    fn take_offer(&mut self, id: u64) -> Offer {
        let offer = self.offers.remove(&id).expect("checked offer id");
        let offers = &mut self.agents.get_mut(offer.agent).offers;
        if let Some(i) = offers.iter().position(|&o| o == id) {
            offers.swap_remove(i);
        }
        offer
    }

    pub(crate) fn rescind_one(&mut self, id: u64) {
        let o = self.take_offer(id);
        self.release_owned(o.agent, o.fw, o.role, o.resources, o.gen);
    }

    /// Records a filter; `gen` names the content of `res` if known, else 0.
    fn refuse(&mut self, a: AgentIdx, fw: FwIdx, role: RoleIdx, res: &Resources, gen: u64, refusal: Refusal) {
        if let Some(expires_at) = refusal.expires_at() {
            if !res.is_empty() {
                self.agents.get_mut(a).filters.add(fw, role, res, gen, expires_at);
            }
        }
    }

    /// Declines offers: their resources return to free, refused by the framework
    /// for `refuse_seconds` when above zero.
    pub fn decline(&mut self, offer_ids: &[f64], refusal: Refusal) -> Result<()> {
        self.decline_(offer_ids, refusal).map_err(|e| e.in_op("decline"))
    }

    fn decline_(&mut self, offer_ids: &[f64], refusal: Refusal) -> Result<()> {
        refusal.check()?;
        let ids = self.check_offer_ids(offer_ids)?;
        for id in ids {
            let o = self.take_offer(id);
            self.refuse(o.agent, o.fw, o.role, &o.resources, o.gen, refusal);
            self.release_owned(o.agent, o.fw, o.role, o.resources, o.gen);
        }
        Ok(())
    }

    /// Withdraws offers (the master's timeout, or an agent or framework going
    /// away): resources return to free with no filter.
    pub fn rescind(&mut self, offer_ids: &[f64]) -> Result<()> {
        let ids = self.check_offer_ids(offer_ids).map_err(|e| e.in_op("rescind"))?;
        for id in ids {
            self.rescind_one(id);
        }
        Ok(())
    }

    /// Accepts offers that share framework, agent and role: `used` becomes used,
    /// the rest returns to free (refused for `refuse_seconds` when above zero).
    pub fn accept(&mut self, offer_ids: &[f64], used: &ResourcesSpec, refusal: Refusal) -> Result<()> {
        self.accept_(offer_ids, used, refusal).map_err(|e| e.in_op("accept"))
    }

    fn accept_(&mut self, offer_ids: &[f64], used: &ResourcesSpec, refusal: Refusal) -> Result<()> {
        refusal.check()?;
        if offer_ids.is_empty() {
            return Err(err(ErrorCode::InvalidArgument, "offerIds: name at least one offer"));
        }
        let ids = self.check_offer_ids(offer_ids)?;
        let first = &self.offers[&ids[0]];
        let (fw, agent, role) = (first.fw, first.agent, first.role);
        let mut offered = Resources::new();
        for (i, id) in ids.iter().enumerate() {
            let o = &self.offers[id];
            if (o.fw, o.agent, o.role) != (fw, agent, role) {
                return Err(err(
                    ErrorCode::InvalidArgument,
                    format!("offerIds[{i}]: offer {id} is not for the same framework, agent and role as offer {}", ids[0]),
                ));
            }
            offered.add(&o.resources);
        }
        let (used, pending) = self.converting(|conv| conv.resources(used, "used"))?;
        let mut rest = offered.clone();
        if !rest.subtract(&used) {
            return Err(err(ErrorCode::InsufficientResources, "used: asks for more than the offers hold"));
        }
        self.names.commit(pending);
        for &id in &ids {
            self.take_offer(id);
        }
        if !used.is_empty() {
            let agent_state = self.agents.get_mut(agent);
            match agent_state.used_mut(fw, role) {
                Some(u) => u.resources.add(&used),
                None => agent_state.used.push(Used { fw, role, resources: used }),
            }
        }
        if !rest.is_empty() {
            self.release(agent, fw, role, &rest);
            self.refuse(agent, fw, role, &rest, 0, refusal);
        }
        Ok(())
    }

    /// Returns used resources to free (a task ended).
    pub fn recover(&mut self, framework_id: &str, agent_id: &str, role: &str, resources: &ResourcesSpec, refusal: Refusal) -> Result<()> {
        self.recover_(framework_id, agent_id, role, resources, refusal).map_err(|e| e.in_op("recover"))
    }

    fn recover_(&mut self, framework_id: &str, agent_id: &str, role: &str, resources: &ResourcesSpec, refusal: Refusal) -> Result<()> {
        refusal.check()?;
        let fw = self
            .frameworks
            .find(framework_id)
            .ok_or_else(|| err(ErrorCode::UnknownFramework, format!("frameworkId: no framework '{framework_id}'")))?;
        let a = self.agent_idx(agent_id, "agentId")?;
        let ((r, res), pending) = self.converting(|conv| Ok((conv.role(role, "role")?, conv.resources(resources, "resources")?)))?;
        let held = self.agents.get(a).used.iter().find(|u| u.fw == fw && u.role == r);
        if !held.is_some_and(|u| u.resources.contains(&res)) {
            return Err(err(
                ErrorCode::InsufficientResources,
                format!("resources: framework '{framework_id}' does not use them on agent '{agent_id}' under role '{role}'"),
            ));
        }
        self.names.commit(pending);
        let agent = self.agents.get_mut(a);
        let u = agent.used_mut(fw, r).expect("checked above");
        u.resources.subtract(&res);
        if u.resources.is_empty() {
            agent.used.retain(|u| !(u.fw == fw && u.role == r));
        }
        self.release(a, fw, r, &res);
        self.refuse(a, fw, r, &res, 0, refusal);
        Ok(())
    }
}
