// What the load generator tells the master process (one JSON argument).

export interface MasterSettings {
  workDir: string;
  agentPingIntervalSeconds: number;
  maxAgentPingTimeouts: number;
  /** The standalone master's file registry (the default, what `tessera master` runs), or
   *  the in-memory one, to tell the registry's cost from the rest. */
  registry?: 'file' | 'memory';
  /** The master's allocation coalescing window (its default, 5 ms, when absent). */
  allocationDelayMs?: number;
  /** pino level for the master's own log on stderr (default warn). */
  logLevel?: string;
}
