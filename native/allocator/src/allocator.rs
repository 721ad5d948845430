//! `NativeAllocator`: the core allocator as a JS class. Each method converts its
//! arguments, calls the core and converts the result; panics are caught at the
//! boundary (`catch_unwind`) and surface as errors, never as a crash.

use std::collections::HashMap;

use napi::bindgen_prelude::{Float64Array, Uint32Array};
use napi::Env;
use napi_derive::napi;
use tessera_allocator_core::allocator::{Allocator, Refusal};
use tessera_allocator_core::placement::Strategy;
use tessera_allocator_core::spec::{AgentOrder, AllocatorOptions, SorterKind};
use tessera_allocator_core::ErrorCode;

use napi::Result;

use crate::error::{js_err, to_js};
use crate::inputs::*;
use crate::outputs::*;

#[napi]
pub struct NativeAllocator {
    inner: Allocator,
}

fn refusal(refuse_seconds: f64, now: f64) -> Refusal {
    Refusal { refuse_seconds, now }
}

#[napi]
impl NativeAllocator {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<AllocatorOptionsInput>) -> Result<Self, ErrorCode> {
        let mut opts = AllocatorOptions::default();
        if let Some(o) = options {
            opts.sorter = match o.sorter.as_deref() {
                None | Some("drf") => SorterKind::Drf,
                Some("random") => SorterKind::Random,
                Some(other) => return Err(js_err(ErrorCode::InvalidArgument, format!("options.sorter: unknown sorter '{other}'; use 'drf' or 'random'"))),
            };
            opts.placement = match o.placement.as_deref() {
                None | Some("binpack") => AgentOrder::Binpack,
                Some("spread") => AgentOrder::Spread,
                Some(other) => return Err(js_err(ErrorCode::InvalidArgument, format!("options.placement: unknown placement '{other}'; use 'binpack' or 'spread'"))),
            };
            if let Some(seed) = o.seed {
                if !(seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0) {
                    return Err(js_err(ErrorCode::InvalidArgument, format!("options.seed: must be a whole number >= 0 (got {seed})")));
                }
                opts.seed = seed as u64;
            }
            opts.min_allocatable = o.min_allocatable.map(|sets| sets.into_iter().map(quantities).collect());
        }
        Ok(NativeAllocator { inner: Allocator::new(opts).map_err(|e| to_js(e.in_op("new Allocator")))? })
    }

    /// Returns the framework's handle.
    #[napi(catch_unwind)]
    pub fn add_framework(&mut self, spec: FrameworkInput) -> Result<u32, ErrorCode> {
        self.inner.add_framework(&framework(spec)).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn update_framework(&mut self, id: String, changes: FrameworkChangesInput) -> Result<(), ErrorCode> {
        self.inner.update_framework(&id, &framework_changes(changes)).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn activate_framework(&mut self, id: String) -> Result<(), ErrorCode> {
        self.inner.activate_framework(&id).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn deactivate_framework(&mut self, id: String) -> Result<(), ErrorCode> {
        self.inner.deactivate_framework(&id).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn remove_framework(&mut self, id: String) -> Result<Vec<f64>, ErrorCode> {
        Ok(self.inner.remove_framework(&id).map_err(to_js)?.into_iter().map(|i| i as f64).collect())
    }

    #[napi(catch_unwind)]
    pub fn suppress(&mut self, framework_id: String, roles: Option<Vec<String>>) -> Result<(), ErrorCode> {
        self.inner.suppress(&framework_id, roles.as_deref()).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn revive(&mut self, framework_id: String, roles: Option<Vec<String>>) -> Result<(), ErrorCode> {
        self.inner.revive(&framework_id, roles.as_deref()).map_err(to_js)
    }

    /// Returns the agent's handle.
    #[napi(catch_unwind)]
    pub fn add_agent(&mut self, spec: AgentInput) -> Result<u32, ErrorCode> {
        self.inner.add_agent(&agent(spec)).map_err(to_js)
    }

    /// Returns the agents' handles, in order.
    #[napi(catch_unwind)]
    pub fn add_agents(&mut self, specs: Vec<AgentInput>) -> Result<Uint32Array, ErrorCode> {
        let specs: Vec<_> = specs.into_iter().map(agent).collect();
        Ok(Uint32Array::new(self.inner.add_agents(&specs).map_err(to_js)?))
    }

    #[napi(catch_unwind)]
    pub fn update_agent(&mut self, id: String, changes: AgentChangesInput) -> Result<Vec<f64>, ErrorCode> {
        Ok(self.inner.update_agent(&id, &agent_changes(changes)).map_err(to_js)?.into_iter().map(|i| i as f64).collect())
    }

    #[napi(catch_unwind)]
    pub fn activate_agent(&mut self, id: String) -> Result<(), ErrorCode> {
        self.inner.activate_agent(&id).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn deactivate_agent(&mut self, id: String) -> Result<(), ErrorCode> {
        self.inner.deactivate_agent(&id).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn remove_agent(&mut self, id: String) -> Result<Vec<f64>, ErrorCode> {
        Ok(self.inner.remove_agent(&id).map_err(to_js)?.into_iter().map(|i| i as f64).collect())
    }

    #[napi(catch_unwind)]
    pub fn set_weights(&mut self, weights: HashMap<String, f64>) -> Result<(), ErrorCode> {
        self.inner.set_weights(&quantities(weights)).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn set_quota(&mut self, role: String, quota: Option<QuotaInput>) -> Result<(), ErrorCode> {
        let spec = quota.map(crate::inputs::quota);
        self.inner.set_quota(&role, spec.as_ref()).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn allocate<'env>(&mut self, env: &'env Env, now: f64) -> Result<AllocationOutput<'env>, ErrorCode> {
        let cycle = self.inner.allocate(now).map_err(to_js)?;
        allocation_out(env, cycle).map_err(|e| js_err(ErrorCode::Internal, format!("allocate: {e}")))
    }

    #[napi(catch_unwind)]
    pub fn decline(&mut self, offer_ids: Float64Array, refuse_seconds: f64, now: f64) -> Result<(), ErrorCode> {
        self.inner.decline(&offer_ids, refusal(refuse_seconds, now)).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn accept(&mut self, offer_ids: Float64Array, used: ResourcesInput, refuse_seconds: f64, now: f64) -> Result<(), ErrorCode> {
        self.inner.accept(&offer_ids, &resources(used), refusal(refuse_seconds, now)).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn rescind(&mut self, offer_ids: Float64Array) -> Result<(), ErrorCode> {
        self.inner.rescind(&offer_ids).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn recover(
        &mut self,
        framework_id: String,
        agent_id: String,
        role: String,
        used: ResourcesInput,
        refuse_seconds: f64,
        now: f64,
    ) -> Result<(), ErrorCode> {
        self.inner.recover(&framework_id, &agent_id, &role, &resources(used), refusal(refuse_seconds, now)).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn place<'env>(
        &mut self,
        env: &'env Env,
        requests: Vec<PlacementRequestInput>,
        strategy: Option<String>,
    ) -> Result<PlacementOutput<'env>, ErrorCode> {
        let strategy = match strategy.as_deref() {
            None => None,
            Some("binpack") => Some(Strategy::Binpack),
            Some("spread") => Some(Strategy::Spread),
            Some(other) => return Err(js_err(ErrorCode::InvalidArgument, format!("place: options.strategy: unknown strategy '{other}'; use 'binpack' or 'spread'"))),
        };
        let specs: Vec<_> = requests.into_iter().map(placement_request).collect();
        let placement = self.inner.place(&specs, strategy).map_err(to_js)?;
        placement_out(env, placement).map_err(|e| js_err(ErrorCode::Internal, format!("place: {e}")))
    }

    #[napi(catch_unwind)]
    pub fn agent(&self, id: String) -> Result<AgentViewOutput, ErrorCode> {
        Ok(agent_out(self.inner.agent(&id).map_err(to_js)?))
    }

    #[napi(catch_unwind)]
    pub fn framework(&self, id: String) -> Result<FrameworkViewOutput, ErrorCode> {
        Ok(framework_out(self.inner.framework(&id).map_err(to_js)?))
    }

    #[napi(catch_unwind)]
    pub fn role(&mut self, name: String) -> Result<RoleViewOutput, ErrorCode> {
        Ok(role_out(self.inner.role(&name).map_err(to_js)?))
    }

    #[napi(catch_unwind)]
    pub fn offer(&self, id: f64) -> Option<OfferOutput> {
        if !(id >= 1.0 && id.fract() == 0.0 && id < 9.007_199_254_740_992e15) {
            return None;
        }
        self.inner.offer(id as u64).map(offer_out)
    }

    #[napi(catch_unwind)]
    pub fn role_order(&mut self) -> Vec<String> {
        self.inner.role_order()
    }

    #[napi(catch_unwind)]
    pub fn framework_order(&mut self, role: String) -> Result<Vec<String>, ErrorCode> {
        self.inner.framework_order(&role).map_err(to_js)
    }

    #[napi(catch_unwind)]
    pub fn stats(&self) -> StatsOutput {
        stats_out(self.inner.stats())
    }

    /// The name of a resource name id found in a cycle's tape.
    #[napi(catch_unwind)]
    pub fn resource_name(&self, id: u32) -> Option<String> {
        let names = self.inner.names();
        ((id as usize) < names.len()).then(|| names.name(id as u16).to_string())
    }

    /// The name of a role index found in a cycle's tape.
    #[napi(catch_unwind)]
    pub fn role_name(&self, idx: u32) -> Option<String> {
        self.inner.role_name_checked(idx).map(str::to_string)
    }
}
