//! Agent operations: add (one or a batch), update, activate, deactivate, remove.

use rustc_hash::FxHashSet as HashSet;
use std::sync::Arc;

use smallvec::SmallVec;

use super::Allocator;
use crate::agent::{Agent, AgentIdx, Used};
use crate::constraints::Attribute;
use crate::convert::{attributes, Converter};
use crate::error::{err, ErrorCode, Result};
use crate::filters::{Filters, FwIdx};
use crate::framework::Frameworks;
use crate::ids::{check_hostname, check_id};
use crate::quantities::Quantities;
use crate::resources::{Resources, RoleIdx, Value};
use crate::spec::{AgentChanges, AgentSpec};

/// An agent spec that passed every check.
struct CheckedAgent {
    id: Arc<str>,
    hostname: Box<str>,
    attributes: Vec<Attribute>,
    total: Resources,
    used: Vec<(FwIdx, RoleIdx, Resources)>,
    active: bool,
}

/// Whether every resource in `res` may be allocated to `role`.
fn allocatable_to(conv: &Converter, res: &Resources, role: RoleIdx) -> bool {
    res.entries().iter().all(|e| match e.reservation {
        None => true,
        Some(r) => conv.roles.is_self_or_ancestor(r, role),
    })
}

fn check_agent(frameworks: &Frameworks, conv: &mut Converter, spec: &AgentSpec, field: &str) -> Result<CheckedAgent> {
    check_id(&spec.id, &format!("{field}.id"))?;
    let hostname = match &spec.hostname {
        Some(h) => {
            check_hostname(h, &format!("{field}.hostname"))?;
            h.as_str()
        }
        None => spec.id.as_str(),
    };
    let attributes = attributes(&spec.attributes, &format!("{field}.attributes"))?;
    let total = conv.resources(&spec.resources, &format!("{field}.resources"))?;
    let mut used: Vec<(FwIdx, RoleIdx, Resources)> = Vec::with_capacity(spec.used.len());
    // Each entry is taken from what the earlier ones left, so two entries
    // cannot claim the same port.
    let mut left = total.clone();
    for (i, u) in spec.used.iter().enumerate() {
        let uf = format!("{field}.used[{i}]");
        let f = frameworks
            .find(&u.framework_id)
            .ok_or_else(|| err(ErrorCode::UnknownFramework, format!("{uf}.frameworkId: no framework '{}'", u.framework_id)))?;
        let role = conv.role(&u.role, &format!("{uf}.role"))?;
        let res = conv.resources(&u.resources, &format!("{uf}.resources"))?;
        if !allocatable_to(conv, &res, role) {
            return Err(err(
                ErrorCode::InsufficientResources,
                format!("{uf}.resources: include resources reserved to a role other than '{}' or its ancestors", u.role),
            ));
        }
        if !left.subtract(&res) {
            return Err(err(ErrorCode::InsufficientResources, format!("{uf}.resources: more than the agent has left after the entries before")));
        }
        match used.iter_mut().find(|(uf_, ur, _)| *uf_ == f && *ur == role) {
            Some(entry) => entry.2.add(&res),
            None => used.push((f, role, res)),
        }
    }
    Ok(CheckedAgent { id: spec.id.as_str().into(), hostname: hostname.into(), attributes, total, used, active: spec.active })
}

fn at(field: &str, i: usize, batch: bool) -> String {
    if batch {
        format!("{field}[{i}]")
    } else {
        field.to_string()
    }
}

/// Scalar reservations in `total`, per role.
fn reservations(total: &Resources) -> Vec<(RoleIdx, Quantities)> {
    let mut out: Vec<(RoleIdx, Quantities)> = Vec::new();
    for e in total.entries() {
        if let (Some(r), Value::Scalar(v)) = (e.reservation, &e.value) {
            match out.iter_mut().find(|(role, _)| *role == r) {
                Some((_, q)) => q.add(e.name, *v),
                None => {
                    let mut q = Quantities::default();
                    q.add(e.name, *v);
                    out.push((r, q));
                }
            }
        }
    }
    out
}

impl Allocator {
    pub fn add_agent(&mut self, spec: &AgentSpec) -> Result<u32> {
        let handles = self.add_agents_(std::slice::from_ref(spec), "agent", false).map_err(|e| e.in_op("addAgent"))?;
        Ok(handles[0])
    }

    /// Adds agents in one batch: all of them or, on any error, none. Returns
    /// their handles.
    pub fn add_agents(&mut self, specs: &[AgentSpec]) -> Result<Vec<u32>> {
        self.add_agents_(specs, "agents", true).map_err(|e| e.in_op("addAgents"))
    }

    fn add_agents_(&mut self, specs: &[AgentSpec], field: &str, batch: bool) -> Result<Vec<u32>> {
        let mut seen: HashSet<&str> = HashSet::with_capacity_and_hasher(specs.len(), Default::default());
        for (i, s) in specs.iter().enumerate() {
            if self.agents.find(&s.id).is_some() {
                return Err(err(ErrorCode::DuplicateAgent, format!("{}.id: agent '{}' already exists", at(field, i, batch), s.id)));
            }
            if !seen.insert(&s.id) {
                return Err(err(ErrorCode::InvalidArgument, format!("{}.id: agent '{}' is given twice", at(field, i, batch), s.id)));
            }
        }
        let mut checked = Vec::with_capacity(specs.len());
        let pending = {
            let mut conv = Converter { names: self.names.draft(), roles: &mut self.roles };
            for (i, s) in specs.iter().enumerate() {
                checked.push(check_agent(&self.frameworks, &mut conv, s, &at(field, i, batch))?);
            }
            conv.names.into_pending()
        };
        self.names.commit(pending);
        Ok(checked.into_iter().map(|c| self.insert_agent(c)).collect())
    }

    fn insert_agent(&mut self, c: CheckedAgent) -> u32 {
        let handle = self.agents.next_handle;
        self.agents.next_handle += 1;
        let seq = self.agents.next_seq;
        self.agents.next_seq += 1;
        let free_gen = self.fresh_gen();
        let agent = Agent {
            id: c.id,
            handle,
            seq,
            hostname: c.hostname,
            attributes: c.attributes,
            active: c.active,
            total_q: c.total.scalar_quantities(),
            free: c.total.clone(),
            free_gen,
            total: c.total,
            offers: SmallVec::new(),
            used: Vec::new(),
            filters: Filters::default(),
            version: 0,
            idle: None,
        };
        self.add_contribution(&agent.total, &agent.free);
        let a = self.agents.insert(agent);
        for (f, r, res) in c.used {
            self.grant(a, f, r, &res, false);
            self.agents.get_mut(a).used.push(Used { fw: f, role: r, resources: res });
        }
        handle
    }

    /// Adds (or with `sign` −1 removes) an agent's share of the cluster total,
    /// the reservations per role, and the free headroom.
    fn contribute(&mut self, total: &Resources, free: &Resources, sign: i64) {
        let q = total.scalar_quantities();
        for (n, v) in q.iter() {
            self.totals.add(n, sign * v);
        }
        for (r, q) in reservations(total) {
            self.roles.change_reserved(r, &q, sign);
        }
        for (n, v) in free.quota_quantities().iter() {
            self.free_quota.add(n, sign * v);
        }
        self.shares_stale = true;
    }

    fn add_contribution(&mut self, total: &Resources, free: &Resources) {
        self.contribute(total, free, 1);
    }

    fn remove_contribution(&mut self, total: &Resources, free: &Resources) {
        self.contribute(total, free, -1);
    }

    pub(crate) fn agent_idx(&self, id: &str, field: &str) -> Result<AgentIdx> {
        self.agents.find(id).ok_or_else(|| err(ErrorCode::UnknownAgent, format!("{field}: no agent '{id}'")))
    }

    /// Rescinds every offer on the agent; returns their ids, ascending.
    fn rescind_agent_offers(&mut self, a: AgentIdx) -> Vec<u64> {
        let mut ids: Vec<u64> = self.agents.get(a).offers.to_vec();
        ids.sort_unstable();
        for &id in &ids {
            self.rescind_one(id);
        }
        ids
    }

    /// Changes hostname, attributes and/or total. A new total rescinds the
    /// agent's offers (returned) and drops its filters; it must hold what is used.
    pub fn update_agent(&mut self, id: &str, changes: &AgentChanges) -> Result<Vec<u64>> {
        self.update_agent_(id, changes).map_err(|e| e.in_op("updateAgent"))
    }

    fn update_agent_(&mut self, id: &str, changes: &AgentChanges) -> Result<Vec<u64>> {
        let a = self.agent_idx(id, "id")?;
        if let Some(h) = &changes.hostname {
            check_hostname(h, "hostname")?;
        }
        let attrs = match &changes.attributes {
            Some(spec) => Some(attributes(spec, "attributes")?),
            None => None,
        };
        let total = match &changes.resources {
            None => None,
            Some(spec) => {
                let (total, pending) = self.converting(|conv| conv.resources(spec, "resources"))?;
                let mut used = Resources::new();
                for u in &self.agents.get(a).used {
                    used.add(&u.resources);
                }
                if !total.contains(&used) {
                    return Err(err(ErrorCode::InsufficientResources, "resources: the new total does not hold the resources in use"));
                }
                self.names.commit(pending);
                Some((total, used))
            }
        };
        let agent = self.agents.get_mut(a);
        if let Some(h) = &changes.hostname {
            agent.hostname = h.as_str().into();
        }
        if let Some(attrs) = attrs {
            agent.attributes = attrs;
        }
        agent.touch();
        let Some((total, used)) = total else { return Ok(Vec::new()) };
        let rescinded = self.rescind_agent_offers(a);
        let agent = self.agents.get_mut(a);
        let (old_total, old_free) = (agent.total.clone(), agent.free.clone());
        agent.filters.clear();
        self.remove_contribution(&old_total, &old_free);
        let mut free = total.clone();
        free.subtract(&used);
        let free_gen = self.fresh_gen();
        let agent = self.agents.get_mut(a);
        agent.total_q = total.scalar_quantities();
        agent.total = total.clone();
        agent.free = free.clone();
        agent.free_gen = free_gen;
        agent.touch();
        self.add_contribution(&total, &free);
        Ok(rescinded)
    }

    pub fn activate_agent(&mut self, id: &str) -> Result<()> {
        let a = self.agent_idx(id, "id").map_err(|e| e.in_op("activateAgent"))?;
        let agent = self.agents.get_mut(a);
        agent.active = true;
        agent.touch();
        Ok(())
    }

    pub fn deactivate_agent(&mut self, id: &str) -> Result<()> {
        let a = self.agent_idx(id, "id").map_err(|e| e.in_op("deactivateAgent"))?;
        let agent = self.agents.get_mut(a);
        agent.active = false;
        agent.touch();
        Ok(())
    }

    /// Removes the agent: rescinds its offers (ids returned, ascending) and
    /// drops its used resources and filters.
    pub fn remove_agent(&mut self, id: &str) -> Result<Vec<u64>> {
        let a = self.agent_idx(id, "id").map_err(|e| e.in_op("removeAgent"))?;
        let rescinded = self.rescind_agent_offers(a);
        let used = std::mem::take(&mut self.agents.get_mut(a).used);
        for u in used {
            self.release(a, u.fw, u.role, &u.resources);
        }
        let agent = self.agents.remove(a);
        self.remove_contribution(&agent.total, &agent.free);
        Ok(rescinded)
    }
}
