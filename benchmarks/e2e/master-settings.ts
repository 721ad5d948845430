// What the load generator tells the master process (one JSON argument).

export interface MasterSettings {
  workDir: string;
  agentPingIntervalSeconds: number;
  maxAgentPingTimeouts: number;
  /** pino level for the master's own log on stderr (default warn). */
  logLevel?: string;
}
