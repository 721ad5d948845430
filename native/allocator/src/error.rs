//! Core errors become JS errors whose `code` is the stable code
//! (ERR_INVALID_RESOURCE, ...); js/errors.ts turns them into typed classes.

use tessera_allocator_core::{AllocatorError, ErrorCode};


pub fn to_js(e: AllocatorError) -> napi::Error<ErrorCode> {
    napi::Error::new(e.code, e.message)
}

pub fn js_err(code: ErrorCode, message: impl Into<String>) -> napi::Error<ErrorCode> {
    napi::Error::new(code, message.into())
}
