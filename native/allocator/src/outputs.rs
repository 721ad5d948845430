//! Result shapes handed back to JS. The cycle and placement results are flat
//! typed arrays (see core's `Allocation`); views are plain objects.

use std::collections::HashMap;

use napi::bindgen_prelude::{Either, Float64ArraySlice, Uint32ArraySlice};
use napi::{Env, Result};
use napi_derive::napi;
use tessera_allocator_core::allocator::{AgentView, FrameworkView, OfferView, RoleView, Stats, UsedView};
use tessera_allocator_core::allocator::views::{AttributeOut, ResourceView};
use tessera_allocator_core::placement::Placement;
use tessera_allocator_core::{Allocation, PassedOver};

#[napi(object)]
pub struct ResourceOutput {
    pub name: String,
    pub scalar: Option<f64>,
    pub ranges: Option<Vec<Vec<f64>>>,
    pub reservation: Option<String>,
    pub revocable: Option<bool>,
}

pub fn resources_out(views: Vec<ResourceView>) -> Vec<ResourceOutput> {
    views
        .into_iter()
        .map(|r| ResourceOutput {
            name: r.name,
            scalar: r.scalar,
            ranges: r.ranges.map(|rs| rs.into_iter().map(|(b, e)| vec![b as f64, e as f64]).collect()),
            reservation: r.reservation,
            revocable: r.revocable.then_some(true),
        })
        .collect()
}

fn quantities_out(q: Vec<(String, f64)>) -> HashMap<String, f64> {
    q.into_iter().collect()
}

#[napi(object)]
pub struct PassedOverOutput {
    pub filter: f64,
    pub quota_limit: f64,
    pub quota_headroom: f64,
    pub constraint: f64,
    pub min_allocatable: f64,
    pub gpu: f64,
}

pub fn passed_over_out(p: PassedOver) -> PassedOverOutput {
    PassedOverOutput {
        filter: p.filter as f64,
        quota_limit: p.quota_limit as f64,
        quota_headroom: p.quota_headroom as f64,
        constraint: p.constraint as f64,
        min_allocatable: p.min_allocatable as f64,
        gpu: p.gpu as f64,
    }
}

/// One cycle: `tape` and `offsets` as documented in core's `Allocation`.
/// The arrays are copied into memory V8 owns: external buffers are freed only
/// when the event loop turns, so a caller running cycles back to back would
/// hold every cycle's results until it yields.
#[napi(object)]
pub struct AllocationOutput<'env> {
    pub tape: Float64ArraySlice<'env>,
    pub offsets: Uint32ArraySlice<'env>,
    pub offer_ids: Float64ArraySlice<'env>,
    pub passed_over: PassedOverOutput,
}

pub fn allocation_out(env: &Env, a: Allocation) -> Result<AllocationOutput<'_>> {
    Ok(AllocationOutput {
        tape: Float64ArraySlice::copy_from(env, &a.tape)?,
        offsets: Uint32ArraySlice::copy_from(env, &a.offsets)?,
        offer_ids: Float64ArraySlice::copy_from(env, &a.offer_ids)?,
        passed_over: passed_over_out(a.passed_over),
    })
}

#[napi(object)]
pub struct ShortfallOutput {
    pub constraint: u32,
    pub gpu: u32,
    pub max_per_agent: u32,
    pub insufficient: u32,
    pub quota_limit: u32,
}

#[napi(object)]
pub struct RequestOutcomeOutput {
    pub placed: u32,
    pub shortfall: Option<ShortfallOutput>,
}

/// `assignments` holds `(request, agentHandle, count)` triples.
#[napi(object)]
pub struct PlacementOutput<'env> {
    pub assignments: Uint32ArraySlice<'env>,
    pub requests: Vec<RequestOutcomeOutput>,
    pub placed: f64,
}

pub fn placement_out(env: &Env, p: Placement) -> Result<PlacementOutput<'_>> {
    let mut flat = Vec::with_capacity(p.assignments.len() * 3);
    for (r, a, n) in p.assignments {
        flat.extend_from_slice(&[r, a, n]);
    }
    Ok(PlacementOutput {
        assignments: Uint32ArraySlice::copy_from(env, &flat)?,
        requests: p
            .requests
            .into_iter()
            .map(|o| RequestOutcomeOutput {
                placed: o.placed,
                shortfall: o.shortfall.map(|s| ShortfallOutput {
                    constraint: s.constraint,
                    gpu: s.gpu,
                    max_per_agent: s.max_per_agent,
                    insufficient: s.insufficient,
                    quota_limit: s.quota_limit,
                }),
            })
            .collect(),
        placed: p.placed as f64,
    })
}

#[napi(object)]
pub struct OfferOutput {
    pub id: f64,
    pub framework_id: String,
    pub role: String,
    pub agent_id: String,
    pub resources: Vec<ResourceOutput>,
}

pub fn offer_out(o: OfferView) -> OfferOutput {
    OfferOutput { id: o.id as f64, framework_id: o.framework_id, role: o.role, agent_id: o.agent_id, resources: resources_out(o.resources) }
}

#[napi(object)]
pub struct OfferedOutput {
    pub offer_id: f64,
    pub framework_id: String,
    pub role: String,
    pub resources: Vec<ResourceOutput>,
}

#[napi(object)]
pub struct UsedOutput {
    pub framework_id: String,
    pub role: String,
    pub resources: Vec<ResourceOutput>,
}

fn used_out(u: UsedView) -> UsedOutput {
    UsedOutput { framework_id: u.framework_id, role: u.role, resources: resources_out(u.resources) }
}

#[napi(object)]
pub struct AgentViewOutput {
    pub id: String,
    pub hostname: String,
    pub attributes: HashMap<String, Either<String, f64>>,
    pub active: bool,
    pub total: Vec<ResourceOutput>,
    pub free: Vec<ResourceOutput>,
    pub offered: Vec<OfferedOutput>,
    pub used: Vec<UsedOutput>,
}

pub fn agent_out(v: AgentView) -> AgentViewOutput {
    AgentViewOutput {
        id: v.id,
        hostname: v.hostname,
        attributes: v
            .attributes
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    AttributeOut::Text(t) => Either::A(t),
                    AttributeOut::Scalar(s) => Either::B(s),
                };
                (k, v)
            })
            .collect(),
        active: v.active,
        total: resources_out(v.total),
        free: resources_out(v.free),
        offered: v
            .offered
            .into_iter()
            .map(|o| OfferedOutput { offer_id: o.id as f64, framework_id: o.framework_id, role: o.role, resources: resources_out(o.resources) })
            .collect(),
        used: v.used.into_iter().map(used_out).collect(),
    }
}

#[napi(object)]
pub struct FrameworkViewOutput {
    pub id: String,
    pub roles: Vec<String>,
    pub active: bool,
    pub suppressed_roles: Vec<String>,
    pub capabilities: Vec<String>,
    pub allocated: HashMap<String, HashMap<String, f64>>,
}

pub fn framework_out(v: FrameworkView) -> FrameworkViewOutput {
    FrameworkViewOutput {
        id: v.id,
        roles: v.roles,
        active: v.active,
        suppressed_roles: v.suppressed_roles,
        capabilities: v.capabilities,
        allocated: v.allocated.into_iter().map(|(r, q)| (r, quantities_out(q))).collect(),
    }
}

#[napi(object)]
pub struct RoleViewOutput {
    pub name: String,
    pub weight: f64,
    pub guarantees: HashMap<String, f64>,
    pub limits: HashMap<String, f64>,
    pub allocated: HashMap<String, f64>,
    pub subtree_allocated: HashMap<String, f64>,
    pub consumed_quota: HashMap<String, f64>,
    pub share: f64,
}

pub fn role_out(v: RoleView) -> RoleViewOutput {
    RoleViewOutput {
        name: v.name,
        weight: v.weight,
        guarantees: quantities_out(v.guarantees),
        limits: quantities_out(v.limits),
        allocated: quantities_out(v.allocated),
        subtree_allocated: quantities_out(v.subtree_allocated),
        consumed_quota: quantities_out(v.consumed_quota),
        share: v.share,
    }
}

#[napi(object)]
pub struct StatsOutput {
    pub agents: f64,
    pub active_agents: f64,
    pub frameworks: f64,
    pub offers: f64,
    pub filters: f64,
}

pub fn stats_out(s: Stats) -> StatsOutput {
    StatsOutput {
        agents: s.agents as f64,
        active_agents: s.active_agents as f64,
        frameworks: s.frameworks as f64,
        offers: s.offers as f64,
        filters: s.filters as f64,
    }
}
