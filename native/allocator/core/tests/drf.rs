//! DRF order and the basic cycle, with the shares worked out beside each check.

mod common;
use common::*;
use tessera_allocator_core::allocator::Allocator;
use tessera_allocator_core::spec::{AgentSpec, FrameworkSpec, UsedSpec};

fn used(fw: &str, role: &str, resources: &str) -> UsedSpec {
    UsedSpec { framework_id: fw.into(), role: role.into(), resources: res(resources) }
}

#[test]
fn frameworks_are_visited_by_dominant_share() {
    let mut a = allocator();
    for f in ["a", "b", "c"] {
        add_framework(&mut a, f, &["*"]);
    }
    // Cluster: 100 cpus, 1000 mem.
    let mut spec = AgentSpec::new("big", res("cpus:100;mem:1000"));
    spec.used = vec![used("a", "*", "cpus:5;mem:10"), used("b", "*", "cpus:1;mem:60"), used("c", "*", "cpus:1;mem:10")];
    a.add_agent(&spec).unwrap();
    // shares: a = max(.05, .01) = .05, b = max(.01, .06) = .06, c = max(.01, .01) = .01
    assert_eq!(a.framework_order("*").unwrap(), ["c", "a", "b"]);
}

#[test]
fn each_agent_goes_to_the_lowest_share_then_shares_move() {
    let mut a = allocator();
    add_framework(&mut a, "f1", &["*"]);
    add_framework(&mut a, "f2", &["*"]);
    add_agent(&mut a, "a1", "cpus:4;mem:1024");
    add_agent(&mut a, "a2", "cpus:4;mem:1024");
    let cycle = a.allocate(0.0).unwrap();
    // f1 (share 0, smaller name) takes a1: f1 = .5; then f2 (0) takes a2.
    assert_eq!(offers(&a, &cycle), [triple("f1", "*", "a1"), triple("f2", "*", "a2")]);
    assert_eq!(offered(&a, &cycle, 0), "cpus:4;mem:1024");
    // Nothing is left to offer.
    assert_eq!(a.allocate(1.0).unwrap().len(), 0);
}

#[test]
fn a_decline_filter_holds_until_it_expires_or_the_framework_revives() {
    let mut a = allocator();
    add_framework(&mut a, "f1", &["*"]);
    add_agent(&mut a, "a1", "cpus:4;mem:1024");
    let cycle = a.allocate(0.0).unwrap();
    assert_eq!(cycle.len(), 1);
    a.decline(&cycle.offer_ids, tessera_allocator_core::allocator::Refusal { refuse_seconds: 10.0, now: 0.0 }).unwrap();
    let again = a.allocate(5_000.0).unwrap();
    assert_eq!(again.len(), 0);
    assert_eq!(again.passed_over.filter, 1);
    // At 10 s the filter has expired.
    let later = a.allocate(10_000.0).unwrap();
    assert_eq!(later.len(), 1);
    a.decline(&later.offer_ids, tessera_allocator_core::allocator::Refusal { refuse_seconds: f64::INFINITY, now: 10_000.0 }).unwrap();
    assert_eq!(a.allocate(1e12).unwrap().len(), 0);
    a.revive("f1", None).unwrap();
    assert_eq!(a.allocate(1e12).unwrap().len(), 1);
}

#[test]
fn hierarchical_roles_are_walked_in_preorder_of_subtree_shares() {
    let mut a = allocator();
    add_framework(&mut a, "x", &["eng/ml"]);
    add_framework(&mut a, "y", &["eng/web"]);
    add_framework(&mut a, "z", &["ops"]);
    let mut spec = AgentSpec::new("big", res("cpus:100;mem:1000"));
    spec.used = vec![used("x", "eng/ml", "cpus:10"), used("y", "eng/web", "cpus:20"), used("z", "ops", "cpus:25")];
    a.add_agent(&spec).unwrap();
    // subtree shares: eng = .30, ops = .25 → ops first; inside eng: ml = .10 < web = .20
    assert_eq!(a.role_order(), ["ops", "eng/ml", "eng/web"]);
    // Weight 2 on eng: eng = .30 / 2 = .15 < ops = .25
    a.set_weights(&[("eng".into(), 2.0)]).unwrap();
    assert_eq!(a.role_order(), ["eng/ml", "eng/web", "ops"]);
}

#[test]
fn reservations_go_only_to_their_role_and_its_children() {
    let mut a = allocator();
    add_framework(&mut a, "other", &["*"]);
    add_framework(&mut a, "ml", &["eng/ml"]);
    add_agent(&mut a, "a1", "cpus(eng):2;mem(eng):512");
    let cycle = a.allocate(0.0).unwrap();
    assert_eq!(offers(&a, &cycle), [triple("ml", "eng/ml", "a1")]);
    assert_eq!(offered(&a, &cycle, 0), "cpus(eng):2;mem(eng):512");
}

#[test]
fn gpu_agents_are_offered_only_to_gpu_aware_frameworks() {
    let mut a = allocator();
    add_framework(&mut a, "plain", &["*"]);
    add_agent(&mut a, "gpu1", "cpus:8;mem:4096;gpus:2");
    let cycle = a.allocate(0.0).unwrap();
    assert_eq!(cycle.len(), 0);
    assert_eq!(cycle.passed_over.gpu, 1);
    let mut spec = FrameworkSpec::new("tf", &["*"]);
    spec.capabilities = vec!["GPU_RESOURCES".into()];
    a.add_framework(&spec).unwrap();
    let cycle = a.allocate(1.0).unwrap();
    assert_eq!(offers(&a, &cycle), [triple("tf", "*", "gpu1")]);
}

#[test]
fn revocable_resources_go_only_to_frameworks_that_accept_them() {
    let mut a = allocator();
    add_framework(&mut a, "plain", &["*"]);
    a.add_agent(&AgentSpec::new(
        "a1",
        tessera_allocator_core::spec::ResourcesSpec::List(vec![
            tessera_allocator_core::spec::ResourceSpec { name: "cpus".into(), scalar: Some(4.0), ..Default::default() },
            tessera_allocator_core::spec::ResourceSpec { name: "cpus".into(), scalar: Some(2.0), revocable: true, ..Default::default() },
            tessera_allocator_core::spec::ResourceSpec { name: "mem".into(), scalar: Some(64.0), ..Default::default() },
        ]),
    ))
    .unwrap();
    let cycle = a.allocate(0.0).unwrap();
    let o = a.offer(cycle.record(0).id).unwrap();
    assert!(o.resources.iter().all(|r| !r.revocable), "the revocable cpus stay back");
    assert_eq!(a.agent("a1").unwrap().free.len(), 1);
}

#[test]
fn accepted_resources_stay_used_and_the_rest_returns() {
    let mut a = allocator();
    add_framework(&mut a, "f1", &["*"]);
    add_agent(&mut a, "a1", "cpus:4;mem:1024;ports:[31000-31009]");
    let cycle = a.allocate(0.0).unwrap();
    let refusal = tessera_allocator_core::allocator::Refusal { refuse_seconds: 0.0, now: 0.0 };
    a.accept(&cycle.offer_ids, &res("cpus:1;mem:128;ports:[31000-31001]"), refusal).unwrap();
    let view = a.agent("a1").unwrap();
    assert_eq!(view.used.len(), 1);
    assert_eq!(a.framework("f1").unwrap().allocated, vec![("*".to_string(), vec![("cpus".to_string(), 1.0), ("mem".to_string(), 128.0)])]);
    let next = a.allocate(1.0).unwrap();
    assert_eq!(offered(&a, &next, 0), "cpus:3;mem:896;ports:[31002-31009]");
    // The task ends: its resources come back.
    a.rescind(&next.offer_ids).unwrap();
    a.recover("f1", "a1", "*", &res("cpus:1;mem:128;ports:[31000-31001]"), refusal).unwrap();
    let last = a.allocate(2.0).unwrap();
    assert_eq!(offered(&a, &last, 0), "cpus:4;mem:1024;ports:[31000-31009]");
}

#[test]
fn minimum_allocatable_resources_hold_back_crumbs() {
    let mut a: Allocator = allocator();
    add_framework(&mut a, "f1", &["*"]);
    // Default minimum: cpus 0.01 or mem 32.
    add_agent(&mut a, "a1", "cpus:0.005;mem:16");
    let cycle = a.allocate(0.0).unwrap();
    assert_eq!(cycle.len(), 0);
    assert_eq!(cycle.passed_over.min_allocatable, 1);
}
