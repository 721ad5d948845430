// @tessera/common: the wire types generated from proto/ (never edited by hand:
// `npm run gen`), and the converters between them and the allocator's types.
// Converters are type-only users of @tessera/allocator: nothing here loads the
// native addon.

export * from './gen/tessera/v1/agent.js';
export * from './gen/tessera/v1/attributes.js';
export * from './gen/tessera/v1/capabilities.js';
export * from './gen/tessera/v1/constraints.js';
export * from './gen/tessera/v1/executor.js';
export * from './gen/tessera/v1/framework.js';
export * from './gen/tessera/v1/offer.js';
export * from './gen/tessera/v1/operator.js';
export * from './gen/tessera/v1/quota.js';
export * from './gen/tessera/v1/resources.js';
export * from './gen/tessera/v1/scheduler.js';
export * from './gen/tessera/v1/task.js';

export { fromAllocatorAttributes, toAllocatorAttributes } from './attributes.js';
export { fromAllocatorCapabilities, toAllocatorCapabilities } from './capabilities.js';
export { toAllocatorConstraint, toAllocatorConstraintGroups, toAllocatorConstraints } from './constraints.js';
export {
  fromAllocatorResources,
  toAllocatorQuantities,
  toAllocatorQuota,
  toAllocatorResources,
} from './resources.js';

export { createLogger, silentLogger, type Logger, type LoggerOptions } from './log.js';
export {
  CLIENT_OPTIONS,
  LEADER_METADATA_KEY,
  MAX_MESSAGE_BYTES,
  RpcError,
  SERVER_OPTIONS,
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  resourceExhausted,
  statusName,
  toServiceError,
  unavailable,
} from './grpc.js';
export { checkId, idProblem, newId, newUpdateUuid } from './ids.js';
export { TERMINAL_TASK_STATES, isTerminalState, shortTaskState } from './task-states.js';
export { mergeRanges } from './ranges.js';
