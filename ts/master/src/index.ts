// @tessera/master: the Tessera master as a library. `startMaster(options)`
// runs it in-process (the CLI's `tessera master` and `tessera dev`, and tests).

export { startMaster, type MasterHandle } from './start-master.js';
export type { CallGuard, MasterOptions } from './options.js';
export type { MasterState, AgentState, FrameworkState, TaskState, OfferState, TaskStatusState } from './state.js';
export { FileRegistry } from './registry/file-registry.js';
export { MemoryRegistry, type Registry, type RegistryState, type RegisteredAgent } from './registry/registry.js';
export { ZkRegistry, RegistryFencedError, type ZkRegistryOptions } from './registry/zk-registry.js';
