//! tessera-allocator-core: weighted DRF allocation over hierarchical roles with
//! quotas and reservations, and bin-packing placement — Mesos' hierarchical
//! allocator semantics (see ../SEMANTICS.md), in plain Rust with no Node
//! dependency. The napi binding in ../src is a thin layer over this crate.

pub mod agent;
pub mod allocator;
pub mod constraints;
pub mod convert;
pub mod error;
pub mod filters;
pub mod framework;
pub mod ids;
pub mod names;
pub mod parse;
pub mod placement;
pub mod quantities;
pub mod ranks;
pub mod ranges;
pub mod resources;
pub mod rng;
pub mod roles;
pub mod sorter;
pub mod spec;
pub mod units;

pub use allocator::{Allocation, Allocator, PassedOver};
pub use error::{AllocatorError, ErrorCode, Result};
