//! The napi-rs binding of tessera-allocator-core: argument conversion and
//! nothing else. Each file registers one part of the JS surface; the semantics
//! live in ../core.

mod allocator;
mod error;
mod inputs;
mod memory;
mod outputs;
mod parse;
