//! JS argument shapes (the generated .d.ts declares them) and their conversion
//! into the core's plain specs. Objects keyed by role or resource name arrive as
//! maps and are sorted by key, so that the first error reported is stable.

use std::collections::HashMap;

use napi::bindgen_prelude::Either;
use napi_derive::napi;
use tessera_allocator_core::spec::*;

#[napi(object)]
pub struct ResourceInput {
    pub name: String,
    pub scalar: Option<f64>,
    pub ranges: Option<Vec<Vec<f64>>>,
    pub reservation: Option<String>,
    pub revocable: Option<bool>,
}

pub type ResourcesInput = Either<String, Vec<ResourceInput>>;

pub fn resources(input: ResourcesInput) -> ResourcesSpec {
    match input {
        Either::A(text) => ResourcesSpec::Text(text),
        Either::B(list) => ResourcesSpec::List(
            list.into_iter()
                .map(|r| ResourceSpec {
                    name: r.name,
                    scalar: r.scalar,
                    // A malformed pair becomes NaN bounds, which the core rejects
                    // naming the field.
                    ranges: r.ranges.map(|rs| {
                        rs.into_iter()
                            .map(|p| if p.len() == 2 { (p[0], p[1]) } else { (f64::NAN, f64::NAN) })
                            .collect()
                    }),
                    reservation: r.reservation,
                    revocable: r.revocable.unwrap_or(false),
                })
                .collect(),
        ),
    }
}

fn sorted<T>(map: HashMap<String, T>) -> Vec<(String, T)> {
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

pub fn quantities(map: HashMap<String, f64>) -> QuantitiesSpec {
    sorted(map)
}

fn attributes(map: HashMap<String, Either<String, f64>>) -> Vec<(String, AttributeSpec)> {
    sorted(map)
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Either::A(t) => AttributeSpec::Text(t),
                Either::B(s) => AttributeSpec::Scalar(s),
            };
            (k, v)
        })
        .collect()
}

#[napi(object)]
pub struct UsedInput {
    pub framework_id: String,
    pub role: String,
    pub resources: ResourcesInput,
}

#[napi(object)]
pub struct AgentInput {
    pub id: String,
    pub hostname: Option<String>,
    pub attributes: Option<HashMap<String, Either<String, f64>>>,
    pub resources: ResourcesInput,
    pub used: Option<Vec<UsedInput>>,
    pub active: Option<bool>,
}

pub fn agent(a: AgentInput) -> AgentSpec {
    AgentSpec {
        id: a.id,
        hostname: a.hostname,
        attributes: a.attributes.map(attributes).unwrap_or_default(),
        resources: resources(a.resources),
        used: a
            .used
            .unwrap_or_default()
            .into_iter()
            .map(|u| UsedSpec { framework_id: u.framework_id, role: u.role, resources: resources(u.resources) })
            .collect(),
        active: a.active.unwrap_or(true),
    }
}

#[napi(object)]
pub struct AgentChangesInput {
    pub hostname: Option<String>,
    pub attributes: Option<HashMap<String, Either<String, f64>>>,
    pub resources: Option<ResourcesInput>,
}

pub fn agent_changes(c: AgentChangesInput) -> AgentChanges {
    AgentChanges { hostname: c.hostname, attributes: c.attributes.map(attributes), resources: c.resources.map(resources) }
}

#[napi(object)]
pub struct ConstraintInput {
    pub attribute: Option<String>,
    pub hostname: Option<bool>,
    pub op: String,
    pub value: Option<String>,
}

pub fn constraint_groups(groups: Vec<Vec<ConstraintInput>>) -> ConstraintGroupsSpec {
    groups
        .into_iter()
        .map(|g| {
            g.into_iter()
                .map(|c| ConstraintSpec { attribute: c.attribute, hostname: c.hostname.unwrap_or(false), op: c.op, value: c.value })
                .collect()
        })
        .collect()
}

type MinAllocatableInput = HashMap<String, Vec<HashMap<String, f64>>>;
type OfferConstraintsInput = HashMap<String, Vec<Vec<ConstraintInput>>>;

fn min_allocatable(m: MinAllocatableInput) -> Vec<(String, Vec<QuantitiesSpec>)> {
    sorted(m).into_iter().map(|(role, sets)| (role, sets.into_iter().map(quantities).collect())).collect()
}

fn offer_constraints(m: OfferConstraintsInput) -> Vec<(String, ConstraintGroupsSpec)> {
    sorted(m).into_iter().map(|(role, groups)| (role, constraint_groups(groups))).collect()
}

#[napi(object)]
pub struct FrameworkInput {
    pub id: String,
    pub roles: Vec<String>,
    pub capabilities: Option<Vec<String>>,
    pub active: Option<bool>,
    pub suppressed_roles: Option<Vec<String>>,
    pub min_allocatable: Option<MinAllocatableInput>,
    pub offer_constraints: Option<OfferConstraintsInput>,
}

pub fn framework(f: FrameworkInput) -> FrameworkSpec {
    FrameworkSpec {
        id: f.id,
        roles: f.roles,
        capabilities: f.capabilities.unwrap_or_default(),
        active: f.active.unwrap_or(true),
        suppressed_roles: f.suppressed_roles.unwrap_or_default(),
        min_allocatable: f.min_allocatable.map(min_allocatable).unwrap_or_default(),
        offer_constraints: f.offer_constraints.map(offer_constraints).unwrap_or_default(),
    }
}

#[napi(object)]
pub struct FrameworkChangesInput {
    pub roles: Option<Vec<String>>,
    pub capabilities: Option<Vec<String>>,
    pub suppressed_roles: Option<Vec<String>>,
    pub min_allocatable: Option<MinAllocatableInput>,
    pub offer_constraints: Option<OfferConstraintsInput>,
}

pub fn framework_changes(c: FrameworkChangesInput) -> FrameworkChanges {
    FrameworkChanges {
        roles: c.roles,
        capabilities: c.capabilities,
        suppressed_roles: c.suppressed_roles,
        min_allocatable: c.min_allocatable.map(min_allocatable),
        offer_constraints: c.offer_constraints.map(offer_constraints),
    }
}

#[napi(object)]
pub struct QuotaInput {
    pub guarantees: Option<HashMap<String, f64>>,
    pub limits: Option<HashMap<String, f64>>,
}

pub fn quota(q: QuotaInput) -> QuotaSpec {
    QuotaSpec { guarantees: q.guarantees.map(quantities).unwrap_or_default(), limits: q.limits.map(quantities).unwrap_or_default() }
}

#[napi(object)]
pub struct PlacementRequestInput {
    pub resources: HashMap<String, f64>,
    pub count: f64,
    pub role: Option<String>,
    pub constraints: Option<Vec<Vec<ConstraintInput>>>,
    pub max_per_agent: Option<f64>,
    pub gpu_aware: Option<bool>,
}

pub fn placement_request(r: PlacementRequestInput) -> PlacementRequestSpec {
    PlacementRequestSpec {
        resources: quantities(r.resources),
        count: r.count,
        role: r.role,
        constraints: r.constraints.map(constraint_groups).unwrap_or_default(),
        max_per_agent: r.max_per_agent,
        gpu_aware: r.gpu_aware.unwrap_or(false),
    }
}

#[napi(object)]
pub struct AllocatorOptionsInput {
    pub sorter: Option<String>,
    pub placement: Option<String>,
    pub seed: Option<f64>,
    pub min_allocatable: Option<Vec<HashMap<String, f64>>>,
}
