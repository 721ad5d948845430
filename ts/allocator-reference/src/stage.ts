// What a stage of the allocation cycle sees of one candidate (agent, role,
// framework), and what it must decide: the resources to offer, or none.

import type { Cluster } from './cluster.js';
import type { Quantities } from './quantities.js';
import type { Headroom } from './quota.js';
import type { Resources } from './resources.js';
import type { AgentState, FrameworkState, MinAllocatable } from './state.js';

export interface Candidate {
  readonly cluster: Cluster;
  readonly agent: AgentState;
  readonly role: string;
  readonly framework: FrameworkState;
  /** The agent's free resources allocatable to the role. */
  readonly avail: Resources;
  /** limitRoom(role), as of this scan. */
  readonly room: Quantities;
  /** Headroom for guarantees, as of this scan. */
  readonly headroom: Headroom;
  readonly now: number;
  /** The allocator's minimum allocatable resources. */
  readonly defaults: MinAllocatable;
}

export interface Stage {
  /** Whether a scan of this stage visits the role at all. */
  visits(cluster: Cluster, role: string): boolean;
  /** The resources to offer the candidate, or null to pass it over. */
  evaluate(candidate: Candidate): Resources | null;
}
