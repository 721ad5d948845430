//! What callers hand the allocator, before any check: plain values mirroring the
//! JS types of js/types.ts (same names, same order). The binding fills these from
//! JS objects; [`crate::convert`] checks them and turns them into domain values.

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceSpec {
    pub name: String,
    pub scalar: Option<f64>,
    pub ranges: Option<Vec<(f64, f64)>>,
    pub reservation: Option<String>,
    pub revocable: bool,
}

/// Resources as a list, or in the Mesos text form `cpus:4;mem:1024;ports:[1-2]`.
#[derive(Clone, Debug, PartialEq)]
pub enum ResourcesSpec {
    List(Vec<ResourceSpec>),
    Text(String),
}

impl Default for ResourcesSpec {
    fn default() -> Self {
        ResourcesSpec::List(Vec::new())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum AttributeSpec {
    Text(String),
    Scalar(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct UsedSpec {
    pub framework_id: String,
    pub role: String,
    pub resources: ResourcesSpec,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AgentSpec {
    pub id: String,
    pub hostname: Option<String>,
    pub attributes: Vec<(String, AttributeSpec)>,
    pub resources: ResourcesSpec,
    pub used: Vec<UsedSpec>,
    pub active: bool,
}

impl AgentSpec {
    pub fn new(id: &str, resources: ResourcesSpec) -> AgentSpec {
        AgentSpec { id: id.into(), hostname: None, attributes: vec![], resources, used: vec![], active: true }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgentChanges {
    pub hostname: Option<String>,
    pub attributes: Option<Vec<(String, AttributeSpec)>>,
    pub resources: Option<ResourcesSpec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintSpec {
    pub attribute: Option<String>,
    pub hostname: bool,
    pub op: String,
    pub value: Option<String>,
}

/// Constraint groups: AND inside a group, OR between groups.
pub type ConstraintGroupsSpec = Vec<Vec<ConstraintSpec>>;

/// Quantities by resource name, as given.
pub type QuantitiesSpec = Vec<(String, f64)>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameworkSpec {
    pub id: String,
    pub roles: Vec<String>,
    pub capabilities: Vec<String>,
    pub active: bool,
    pub suppressed_roles: Vec<String>,
    pub min_allocatable: Vec<(String, Vec<QuantitiesSpec>)>,
    pub offer_constraints: Vec<(String, ConstraintGroupsSpec)>,
}

impl FrameworkSpec {
    pub fn new(id: &str, roles: &[&str]) -> FrameworkSpec {
        FrameworkSpec { id: id.into(), roles: roles.iter().map(|r| r.to_string()).collect(), active: true, ..Default::default() }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameworkChanges {
    pub roles: Option<Vec<String>>,
    pub capabilities: Option<Vec<String>>,
    pub suppressed_roles: Option<Vec<String>>,
    pub min_allocatable: Option<Vec<(String, Vec<QuantitiesSpec>)>>,
    pub offer_constraints: Option<Vec<(String, ConstraintGroupsSpec)>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuotaSpec {
    pub guarantees: QuantitiesSpec,
    pub limits: QuantitiesSpec,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlacementRequestSpec {
    pub resources: QuantitiesSpec,
    pub count: f64,
    pub role: Option<String>,
    pub constraints: ConstraintGroupsSpec,
    pub max_per_agent: Option<f64>,
    pub gpu_aware: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SorterKind {
    #[default]
    Drf,
    Random,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AgentOrder {
    /// Most-used agents first.
    #[default]
    Binpack,
    /// Least-used agents first.
    Spread,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AllocatorOptions {
    pub sorter: SorterKind,
    pub placement: AgentOrder,
    pub seed: u64,
    /// `None` keeps the Mesos default: cpus 0.01 or mem 32.
    pub min_allocatable: Option<Vec<QuantitiesSpec>>,
}

impl Default for AllocatorOptions {
    fn default() -> Self {
        AllocatorOptions { sorter: SorterKind::Drf, placement: AgentOrder::Binpack, seed: 0, min_allocatable: None }
    }
}
