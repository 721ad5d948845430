//! Runs Mesos' benchmark workloads on the core alone (no Node), for profilers:
//!   cargo run --release --example profile -- w2 20000 2000
//!   cargo run --release --example profile -- w1 10000 1000 200

use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use tessera_allocator_core::allocator::{Allocator, Refusal};
use tessera_allocator_core::spec::{AgentSpec, AllocatorOptions, FrameworkSpec, ResourceSpec, ResourcesSpec, UsedSpec};

fn cluster(agents: usize, frameworks: usize, used: bool) -> Allocator {
    let mut a = Allocator::new(AllocatorOptions::default()).unwrap();
    for f in 0..frameworks {
        a.add_framework(&FrameworkSpec::new(&format!("f{f}"), &["*"])).unwrap();
    }
    let ports: Vec<(f64, f64)> = (0..16).map(|k| (31000.0 + 2.0 * k as f64, 31000.0 + 2.0 * k as f64)).collect();
    let specs: Vec<AgentSpec> = (0..agents)
        .map(|i| {
            let mut s = AgentSpec::new(&format!("a{i}"), ResourcesSpec::Text("cpus:24;mem:4096;disk:4096;ports:[31000-32000]".into()));
            if used {
                s.used = vec![UsedSpec {
                    framework_id: format!("f{}", i % frameworks),
                    role: "*".into(),
                    resources: ResourcesSpec::List(vec![
                        ResourceSpec { name: "cpus".into(), scalar: Some(16.0), ..Default::default() },
                        ResourceSpec { name: "mem".into(), scalar: Some(2014.0), ..Default::default() },
                        ResourceSpec { name: "disk".into(), scalar: Some(1024.0), ..Default::default() },
                        ResourceSpec { name: "ports".into(), ranges: Some(ports.clone()), ..Default::default() },
                    ]),
                }];
            }
            s
        })
        .collect();
    a.add_agents(&specs).unwrap();
    a
}

/// A function for `valgrind --toggle-collect=*marker_start*`-style tools to
/// spot where the measured rounds begin.
#[inline(never)]
fn marker_start() {
    std::hint::black_box(());
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    match args.first().map(String::as_str).unwrap_or("w2") {
        "w1" => {
            let (agents, frameworks, rounds) = (arg(1, 10_000), arg(2, 1_000), arg(3, 2_000));
            let mut a = cluster(agents, frameworks, true);
            let mut times = Vec::new();
            let skip: usize = std::env::var("SKIP").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
            for r in 0..rounds {
                if r == skip {
                    marker_start();
                }
                let t = Instant::now();
                let c = a.allocate(r as f64).unwrap();
                times.push(t.elapsed().as_secs_f64() * 1e3);
                if r % (rounds / 10).max(1) == 0 {
                    eprintln!("round {r}: {} offers, passed over {:?}", c.len(), c.passed_over);
                }
                let refuse = if std::env::var("NOFILTER").is_ok() { 0.0 } else { f64::INFINITY };
                a.decline(&c.offer_ids, Refusal { refuse_seconds: refuse, now: r as f64 }).unwrap();
            }
            let step = (rounds / 20).max(1);
            let samples: Vec<String> = times.iter().step_by(step).map(|t| format!("{t:.1}")).collect();
            println!("w1 rounds every {step}: {}", samples.join(" "));
            println!("w1 {agents}x{frameworks}: median {:.2} ms over {rounds} rounds", median(times));
        }
        "w3" => {
            // Mesos' LargeAndSmallQuota: 2,500 small and 500 large quota roles.
            let (small, large) = (arg(1, 2_500), arg(2, 500));
            let mut a = Allocator::new(AllocatorOptions::default()).unwrap();
            let quota = |c: f64| tessera_allocator_core::spec::QuotaSpec {
                guarantees: vec![("cpus".into(), c), ("mem".into(), c * 1024.0), ("disk".into(), c * 1024.0)],
                limits: vec![("cpus".into(), c), ("mem".into(), c * 1024.0), ("disk".into(), c * 1024.0)],
            };
            for (i, (prefix, c)) in (0..small).map(|i| ("small", 1.0 + 0.0 * i as f64)).chain((0..large).map(|_| ("large", 4.0))).enumerate() {
                let role = format!("{prefix}QuotaRole{i}");
                a.add_framework(&FrameworkSpec::new(&format!("f{i}"), &[role.as_str()])).unwrap();
                a.set_quota(&role, Some(&quota(c))).unwrap();
            }
            let agents: Vec<AgentSpec> = (0..small / 5 + large * 5)
                .map(|i| AgentSpec::new(&format!("a{i}"), ResourcesSpec::Text("cpus:2;mem:2048;disk:2048".into())))
                .collect();
            a.add_agents(&agents).unwrap();
            marker_start();
            let t = Instant::now();
            let c = a.allocate(0.0).unwrap();
            let first = t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            let c2 = a.allocate(1.0).unwrap();
            println!("w3: first {first:.1} ms ({} offers), second {:.1} ms ({} offers)", c.len(), t.elapsed().as_secs_f64() * 1e3, c2.len());
        }
        _ => {
            let (agents, frameworks) = (arg(1, 20_000), arg(2, 2_000));
            let mut a = cluster(agents, frameworks, false);
            let mut times = Vec::new();
            for r in 0..arg(3, 30) {
                let t = Instant::now();
                let c = a.allocate(r as f64).unwrap();
                times.push(t.elapsed().as_secs_f64() * 1e3);
                a.rescind(&c.offer_ids).unwrap();
            }
            println!("w2 {agents}/{frameworks}: median {:.2} ms", median(times));
        }
    }
}
