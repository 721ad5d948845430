//! Builders for the allocator tests: `cluster().agent("a1", "cpus:4;mem:1024")`.

#![allow(dead_code)]

use tessera_allocator_core::allocator::Allocator;
use tessera_allocator_core::spec::{AgentSpec, AllocatorOptions, FrameworkSpec, ResourcesSpec};
use tessera_allocator_core::Allocation;

pub fn allocator() -> Allocator {
    Allocator::new(AllocatorOptions::default()).unwrap()
}

pub fn res(text: &str) -> ResourcesSpec {
    ResourcesSpec::Text(text.to_string())
}

pub fn add_agent(a: &mut Allocator, id: &str, resources: &str) {
    a.add_agent(&AgentSpec::new(id, res(resources))).unwrap();
}

pub fn add_framework(a: &mut Allocator, id: &str, roles: &[&str]) {
    a.add_framework(&FrameworkSpec::new(id, roles)).unwrap();
}

/// The offers of a cycle as `(framework, role, agent)` ids, in cycle order.
pub fn offers(a: &Allocator, cycle: &Allocation) -> Vec<(String, String, String)> {
    (0..cycle.len())
        .map(|i| {
            let id = cycle.record(i).id;
            let o = a.offer(id).expect("offer of this cycle");
            (o.framework_id, o.role, o.agent_id)
        })
        .collect()
}

/// The resources of offer `i` of a cycle, in the text form.
pub fn offered(a: &Allocator, cycle: &Allocation, i: usize) -> String {
    let o = a.offer(cycle.record(i).id).unwrap();
    o.resources
        .iter()
        .map(|r| {
            let name = match &r.reservation {
                Some(role) => format!("{}({role})", r.name),
                None => r.name.clone(),
            };
            match (&r.scalar, &r.ranges) {
                (Some(v), _) => format!("{name}:{v}"),
                (_, Some(ranges)) => format!(
                    "{name}:[{}]",
                    ranges.iter().map(|(b, e)| format!("{b}-{e}")).collect::<Vec<_>>().join(",")
                ),
                _ => unreachable!(),
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

pub fn triple(f: &str, r: &str, a: &str) -> (String, String, String) {
    (f.to_string(), r.to_string(), a.to_string())
}
