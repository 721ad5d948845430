// The allocator's error catalogue. Every error the allocator throws is an
// AllocatorError whose `code` is one of ErrorCode and whose message starts with
// the path of the offending field, e.g.
//   addAgents: agents[3].resources[2].scalar: must not be negative (got -1)
//   addAgent: agent.resources[2].scalar: must not be negative (got -1)
// The Rust core has the same codes (core/src/error.rs); the binding hands them
// over as the native error's `code` and toAllocatorError() picks the class.

export const ErrorCode = {
  /** A value of the wrong type or shape, a missing field, or a repeated id in one call. */
  InvalidArgument: 'ERR_INVALID_ARGUMENT',
  /** A malformed agent or framework id. */
  InvalidId: 'ERR_INVALID_ID',
  /** A malformed role name. */
  InvalidRole: 'ERR_INVALID_ROLE',
  /** A malformed resource: name, kind, amount or ranges. */
  InvalidResource: 'ERR_INVALID_RESOURCE',
  /** A role weight that is not a finite number above zero. */
  InvalidWeight: 'ERR_INVALID_WEIGHT',
  /** A quota whose guarantees exceed its limits or its parent's guarantees. */
  InvalidQuota: 'ERR_INVALID_QUOTA',
  /** A malformed offer constraint or regex. */
  InvalidConstraint: 'ERR_INVALID_CONSTRAINT',
  /** No agent has this id. */
  UnknownAgent: 'ERR_UNKNOWN_AGENT',
  /** No framework has this id. */
  UnknownFramework: 'ERR_UNKNOWN_FRAMEWORK',
  /** No outstanding offer has this id. */
  UnknownOffer: 'ERR_UNKNOWN_OFFER',
  /** An agent with this id already exists. */
  DuplicateAgent: 'ERR_DUPLICATE_AGENT',
  /** A framework with this id already exists. */
  DuplicateFramework: 'ERR_DUPLICATE_FRAMEWORK',
  /** More resources than are offered, used or free. */
  InsufficientResources: 'ERR_INSUFFICIENT_RESOURCES',
  /** A bug in the allocator: please report it with the message. */
  Internal: 'ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error the allocator throws. */
export class AllocatorError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value of the wrong type or shape, a missing field, or a repeated id. */
export class InvalidArgumentError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.InvalidArgument, message); }
}
/** A malformed agent or framework id. */
export class InvalidIdError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.InvalidId, message); }
}
/** A malformed role name. */
export class InvalidRoleError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.InvalidRole, message); }
}
/** A malformed resource. */
export class InvalidResourceError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.InvalidResource, message); }
}
/** A weight that is not finite and above zero. */
export class InvalidWeightError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.InvalidWeight, message); }
}
/** An inconsistent quota. */
export class InvalidQuotaError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.InvalidQuota, message); }
}
/** A malformed offer constraint. */
export class InvalidConstraintError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.InvalidConstraint, message); }
}
/** No agent has the id. */
export class UnknownAgentError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.UnknownAgent, message); }
}
/** No framework has the id. */
export class UnknownFrameworkError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.UnknownFramework, message); }
}
/** No outstanding offer has the id. */
export class UnknownOfferError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.UnknownOffer, message); }
}
/** The agent id is taken. */
export class DuplicateAgentError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.DuplicateAgent, message); }
}
/** The framework id is taken. */
export class DuplicateFrameworkError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.DuplicateFramework, message); }
}
/** More resources than are offered, used or free. */
export class InsufficientResourcesError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.InsufficientResources, message); }
}
/** An allocator bug. */
export class InternalError extends AllocatorError {
  constructor(message: string) { super(ErrorCode.Internal, message); }
}

const classes: Record<ErrorCode, new (message: string) => AllocatorError> = {
  ERR_INVALID_ARGUMENT: InvalidArgumentError,
  ERR_INVALID_ID: InvalidIdError,
  ERR_INVALID_ROLE: InvalidRoleError,
  ERR_INVALID_RESOURCE: InvalidResourceError,
  ERR_INVALID_WEIGHT: InvalidWeightError,
  ERR_INVALID_QUOTA: InvalidQuotaError,
  ERR_INVALID_CONSTRAINT: InvalidConstraintError,
  ERR_UNKNOWN_AGENT: UnknownAgentError,
  ERR_UNKNOWN_FRAMEWORK: UnknownFrameworkError,
  ERR_UNKNOWN_OFFER: UnknownOfferError,
  ERR_DUPLICATE_AGENT: DuplicateAgentError,
  ERR_DUPLICATE_FRAMEWORK: DuplicateFrameworkError,
  ERR_INSUFFICIENT_RESOURCES: InsufficientResourcesError,
  ERR_INTERNAL: InternalError,
};

/** Builds the typed error for a code from the catalogue. */
export function allocatorError(code: ErrorCode, message: string): AllocatorError {
  return new classes[code](message);
}

/**
 * Turns whatever the native binding threw into an AllocatorError. Codes from the
 * Rust core map one to one; napi-rs' own argument conversion failures
 * (StringExpected, NumberExpected, InvalidArg, ...) become InvalidArgumentError,
 * prefixed with the operation; anything else is an InternalError.
 */
export function toAllocatorError(operation: string, thrown: unknown): AllocatorError {
  if (thrown instanceof AllocatorError) return thrown;
  const err = thrown as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = typeof err?.message === 'string' ? err.message : String(thrown);
  if (code !== undefined && code in classes) return allocatorError(code as ErrorCode, message);
  if (code === 'GenericFailure' || code === undefined) {
    return new InternalError(`${operation}: ${message}`);
  }
  return new InvalidArgumentError(`${operation}: ${message}`);
}
