//! The one error type of the core. Every failure is an [`AllocatorError`] with a
//! stable [`ErrorCode`] and a message that starts with the path of the field at
//! fault (`agents[0].resources[2].scalar: must not be negative (got -1)`).
//! The binding passes the code through as the JS error's `code`; the JS wrapper
//! (js/errors.ts) turns it into the class named on each variant.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// `InvalidArgumentError`: wrong type or shape, missing field, repeated id.
    InvalidArgument,
    /// `InvalidIdError`: a malformed agent or framework id.
    InvalidId,
    /// `InvalidRoleError`: a malformed role name.
    InvalidRole,
    /// `InvalidResourceError`: a malformed resource name, kind, amount or range.
    InvalidResource,
    /// `InvalidWeightError`: a weight that is not finite and above zero.
    InvalidWeight,
    /// `InvalidQuotaError`: guarantees above limits or above the parent's.
    InvalidQuota,
    /// `InvalidConstraintError`: a malformed offer constraint or regex.
    InvalidConstraint,
    /// `UnknownAgentError`.
    UnknownAgent,
    /// `UnknownFrameworkError`.
    UnknownFramework,
    /// `UnknownOfferError`.
    UnknownOffer,
    /// `DuplicateAgentError`.
    DuplicateAgent,
    /// `DuplicateFrameworkError`.
    DuplicateFramework,
    /// `InsufficientResourcesError`: more than is offered, used or free.
    InsufficientResources,
    /// `InternalError`: a bug; the message says where.
    Internal,
}

impl ErrorCode {
    /// The stable string code, identical to js/errors.ts.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "ERR_INVALID_ARGUMENT",
            ErrorCode::InvalidId => "ERR_INVALID_ID",
            ErrorCode::InvalidRole => "ERR_INVALID_ROLE",
            ErrorCode::InvalidResource => "ERR_INVALID_RESOURCE",
            ErrorCode::InvalidWeight => "ERR_INVALID_WEIGHT",
            ErrorCode::InvalidQuota => "ERR_INVALID_QUOTA",
            ErrorCode::InvalidConstraint => "ERR_INVALID_CONSTRAINT",
            ErrorCode::UnknownAgent => "ERR_UNKNOWN_AGENT",
            ErrorCode::UnknownFramework => "ERR_UNKNOWN_FRAMEWORK",
            ErrorCode::UnknownOffer => "ERR_UNKNOWN_OFFER",
            ErrorCode::DuplicateAgent => "ERR_DUPLICATE_AGENT",
            ErrorCode::DuplicateFramework => "ERR_DUPLICATE_FRAMEWORK",
            ErrorCode::InsufficientResources => "ERR_INSUFFICIENT_RESOURCES",
            ErrorCode::Internal => "ERR_INTERNAL",
        }
    }
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocatorError {
    pub code: ErrorCode,
    pub message: String,
}

impl AllocatorError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AllocatorError { code, message: message.into() }
    }

    /// Prefixes the message with the operation or outer field, keeping the code:
    /// `"resources[2]: ..."` becomes `"agents[0].resources[2]: ..."`.
    pub fn at(mut self, prefix: &str) -> Self {
        if self.message.starts_with('[') {
            self.message = format!("{prefix}{}", self.message);
        } else {
            self.message = format!("{prefix}.{}", self.message);
        }
        self
    }

    /// Prefixes the message with the operation name: `addAgent: ...`.
    pub fn in_op(mut self, op: &str) -> Self {
        self.message = format!("{op}: {}", self.message);
        self
    }
}

impl fmt::Display for AllocatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for AllocatorError {}

pub type Result<T> = std::result::Result<T, AllocatorError>;

/// Shorthand constructors, one per code, used at the boundary checks.
pub(crate) fn err(code: ErrorCode, message: impl Into<String>) -> AllocatorError {
    AllocatorError::new(code, message)
}
