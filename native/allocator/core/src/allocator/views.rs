//! Read-only views of the state, in the canonical orders of SEMANTICS.md.

use super::Allocator;
use crate::constraints::AttributeValue;
use crate::error::{err, ErrorCode, Result};
use crate::ids::check_role;
use crate::quantities::Quantities;
use crate::resources::{canonical_order, Resources, Value};
use crate::roles::{ShareBase, ALL};
use crate::units::from_milli;

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceView {
    pub name: String,
    pub scalar: Option<f64>,
    pub ranges: Option<Vec<(u64, u64)>>,
    pub reservation: Option<String>,
    pub revocable: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AttributeOut {
    Text(String),
    Scalar(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct OfferView {
    pub id: u64,
    pub framework_id: String,
    pub role: String,
    pub agent_id: String,
    pub resources: Vec<ResourceView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UsedView {
    pub framework_id: String,
    pub role: String,
    pub resources: Vec<ResourceView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AgentView {
    pub id: String,
    pub hostname: String,
    pub attributes: Vec<(String, AttributeOut)>,
    pub active: bool,
    pub total: Vec<ResourceView>,
    pub free: Vec<ResourceView>,
    pub offered: Vec<OfferView>,
    pub used: Vec<UsedView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FrameworkView {
    pub id: String,
    pub roles: Vec<String>,
    pub active: bool,
    pub suppressed_roles: Vec<String>,
    pub capabilities: Vec<String>,
    pub allocated: Vec<(String, Vec<(String, f64)>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RoleView {
    pub name: String,
    pub weight: f64,
    pub guarantees: Vec<(String, f64)>,
    pub limits: Vec<(String, f64)>,
    pub allocated: Vec<(String, f64)>,
    pub subtree_allocated: Vec<(String, f64)>,
    pub consumed_quota: Vec<(String, f64)>,
    pub share: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub agents: u64,
    pub active_agents: u64,
    pub frameworks: u64,
    pub offers: u64,
    pub filters: u64,
}

impl Allocator {
    pub fn render_resources(&self, res: &Resources) -> Vec<ResourceView> {
        let mut entries: Vec<_> = res.entries().iter().collect();
        entries.sort_by(|a, b| canonical_order(&self.names, |r| self.roles.name(r), a, b));
        entries
            .into_iter()
            .map(|e| ResourceView {
                name: self.names.name(e.name).to_string(),
                scalar: match e.value {
                    Value::Scalar(v) => Some(from_milli(v)),
                    Value::Ranges(_) => None,
                },
                ranges: match &e.value {
                    Value::Ranges(r) => Some(r.intervals().to_vec()),
                    Value::Scalar(_) => None,
                },
                reservation: e.reservation.map(|r| self.roles.name(r).to_string()),
                revocable: e.revocable,
            })
            .collect()
    }

    /// Non-zero quantities by name, in name order; ranges names count values.
    pub fn render_quantities(&self, q: &Quantities) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = q
            .iter()
            .map(|(n, v)| {
                let value = if crate::resources::is_ranges(&self.names, n) { v as f64 } else { from_milli(v) };
                (self.names.name(n).to_string(), value)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn render_offer(&self, id: u64) -> Option<OfferView> {
        let o = self.offers.get(&id)?;
        Some(OfferView {
            id,
            framework_id: self.frameworks.get(o.fw).id.to_string(),
            role: self.roles.name(o.role).to_string(),
            agent_id: self.agents.get(o.agent).id.to_string(),
            resources: self.render_resources(&o.resources),
        })
    }

    pub fn offer(&self, id: u64) -> Option<OfferView> {
        self.render_offer(id)
    }

    pub fn agent(&self, id: &str) -> Result<AgentView> {
        let a = self.agent_idx(id, "id").map_err(|e| e.in_op("agent"))?;
        let agent = self.agents.get(a);
        let mut offered: Vec<OfferView> = agent.offers.iter().filter_map(|&id| self.render_offer(id)).collect();
        offered.sort_by_key(|o| o.id);
        let mut used: Vec<UsedView> = agent
            .used
            .iter()
            .filter(|u| !u.resources.is_empty())
            .map(|u| UsedView {
                framework_id: self.frameworks.get(u.fw).id.to_string(),
                role: self.roles.name(u.role).to_string(),
                resources: self.render_resources(&u.resources),
            })
            .collect();
        used.sort_by(|x, y| (&x.framework_id, &x.role).cmp(&(&y.framework_id, &y.role)));
        Ok(AgentView {
            id: agent.id.to_string(),
            hostname: agent.hostname.to_string(),
            attributes: agent
                .attributes
                .iter()
                .map(|at| {
                    let v = match &at.value {
                        AttributeValue::Text(t) => AttributeOut::Text(t.to_string()),
                        AttributeValue::Scalar(m) => AttributeOut::Scalar(from_milli(*m)),
                    };
                    (at.name.to_string(), v)
                })
                .collect(),
            active: agent.active,
            total: self.render_resources(&agent.total),
            free: self.render_resources(&agent.free),
            offered,
            used,
        })
    }

    pub fn framework(&self, id: &str) -> Result<FrameworkView> {
        let f = self
            .frameworks
            .find(id)
            .ok_or_else(|| err(ErrorCode::UnknownFramework, format!("framework: id: no framework '{id}'")))?;
        let fw = self.frameworks.get(f);
        let name = |r| self.roles.name(r).to_string();
        let mut roles: Vec<String> = fw.roles.iter().filter(|fr| fr.subscribed).map(|fr| name(fr.role)).collect();
        roles.sort();
        let mut suppressed: Vec<String> = fw.roles.iter().filter(|fr| fr.suppressed).map(|fr| name(fr.role)).collect();
        suppressed.sort();
        let mut allocated: Vec<(String, Vec<(String, f64)>)> = fw
            .roles
            .iter()
            .filter(|fr| !fr.alloc.is_zero())
            .map(|fr| (name(fr.role), self.render_quantities(&fr.alloc)))
            .collect();
        allocated.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(FrameworkView {
            id: fw.id.to_string(),
            roles,
            active: fw.active,
            suppressed_roles: suppressed,
            capabilities: fw.capabilities.names().into_iter().map(String::from).collect(),
            allocated,
        })
    }

    /// Any valid role name has a view; roles never referenced have defaults.
    pub fn role(&mut self, name: &str) -> Result<RoleView> {
        check_role(name, "name").map_err(|e| e.in_op("role"))?;
        self.refresh_shares();
        let Some(r) = self.roles.find(name) else {
            return Ok(RoleView {
                name: name.to_string(),
                weight: 1.0,
                guarantees: vec![],
                limits: vec![],
                allocated: vec![],
                subtree_allocated: vec![],
                consumed_quota: vec![],
                share: 0.0,
            });
        };
        let role = self.roles.get(r);
        let mut consumed = role.quota_alloc.clone();
        consumed.add_all(&role.reserved);
        let mut limits: Vec<(String, f64)> =
            role.limits.iter().map(|(n, v)| (self.names.name(n).to_string(), from_milli(v))).collect();
        limits.sort_by(|a, b| a.0.cmp(&b.0));
        let base = ShareBase { totals: &self.totals, scalars: self.names.scalars() };
        Ok(RoleView {
            name: name.to_string(),
            weight: role.weight,
            guarantees: self.render_quantities(&role.guarantees),
            limits,
            allocated: self.render_quantities(&role.self_alloc),
            subtree_allocated: self.render_quantities(&role.subtree_alloc),
            consumed_quota: self.render_quantities(&consumed),
            share: base.share(&role.subtree_alloc) / role.weight,
        })
    }

    /// Live roles in the order the next scan visits them.
    pub fn role_order(&mut self) -> Vec<String> {
        self.refresh_shares();
        self.roles.order(ALL).map(|r| self.roles.name(r).to_string()).collect()
    }

    /// Candidate frameworks of a role in the order the next scan visits them.
    pub fn framework_order(&mut self, role: &str) -> Result<Vec<String>> {
        check_role(role, "role").map_err(|e| e.in_op("frameworkOrder"))?;
        self.refresh_shares();
        let Some(r) = self.roles.find(role) else { return Ok(vec![]) };
        Ok(crate::sorter::Sorter::iter(&self.roles.get(r).frameworks)
            .map(|f| self.frameworks.get(f).id.to_string())
            .collect())
    }

    pub fn stats(&self) -> Stats {
        Stats {
            agents: self.agents.len() as u64,
            active_agents: self.agents.iter().filter(|(_, a)| a.active).count() as u64,
            frameworks: self.frameworks.len() as u64,
            offers: self.offers.len() as u64,
            filters: self
                .agents
                .iter()
                .flat_map(|(_, a)| a.filters.groups.iter())
                .filter(|g| g.expires_at > self.last_now)
                .map(|g| g.frameworks.len() as u64)
                .sum(),
        }
    }
}

impl Allocator {
    /// Checks resources and returns them in canonical form (for parseResources).
    pub fn check_resources(&mut self, spec: &crate::spec::ResourcesSpec) -> Result<Vec<ResourceView>> {
        let (res, pending) = self.converting(|c| c.resources(spec, "resources"))?;
        self.names.commit(pending);
        Ok(self.render_resources(&res))
    }
}
