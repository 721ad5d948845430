// @tessera/sdk: what framework authors import — a scheduler client, an
// executor client, and offer placement with the allocator's place().

export { SchedulerClient, type SchedulerClientOptions, type OfferFilters, type ReconcileTask } from './scheduler/client.js';
export type { SchedulerEvent } from './scheduler/events.js';
export { toFrameworkInfo, type FrameworkOptions } from './scheduler/framework.js';
export { SchedulerCallError, ExecutorCallError } from './errors.js';
export type { BackoffOptions } from './backoff.js';
export { planLaunches, type LaunchPlan, type PlannedLaunch, type PlanOptions, type UnplacedRequest } from './placement.js';
export type { TaskRequest } from './placement/request.js';
export type { TaskInfoLike, ExecutorInfoLike, OperationLike } from './scheduler/client.js';
export type { LabelsLike } from './labels.js';
export { ExecutorClient, type ExecutorClientOptions, type UpdateInput } from './executor/client.js';
export type { ExecutorEvent } from './executor/events.js';
