//! `parseResources(text)`: the Mesos text form, checked, as resource objects.

use napi_derive::napi;
use tessera_allocator_core::allocator::Allocator;
use tessera_allocator_core::spec::{AllocatorOptions, ResourcesSpec};

use napi::Result;
use tessera_allocator_core::ErrorCode;

use crate::error::to_js;
use crate::outputs::{resources_out, ResourceOutput};

/// Parses and checks `cpus:4;mem:1024;ports:[31000-32000];cpus(ml):2`.
#[napi(catch_unwind)]
pub fn parse_resources(text: String) -> Result<Vec<ResourceOutput>, ErrorCode> {
    let mut scratch = Allocator::new(AllocatorOptions::default()).map_err(to_js)?;
    let views = scratch.check_resources(&ResourcesSpec::Text(text)).map_err(|e| to_js(e.in_op("parseResources")))?;
    Ok(resources_out(views))
}
