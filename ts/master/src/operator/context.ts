// The operator side of one master: agent modes (drain, deactivation), role
// settings, the log ring, the event hub and the metrics. Made once per master
// on first use — startMaster registers the gRPC OperatorService and builds the
// HTTP handler at start, so the counters count from the start — and kept
// beside the master rather than in it.

import type { Master } from '../master.js';
import { MasterMetrics } from '../metrics/metrics.js';
import { AgentModes } from './agent-modes.js';
import { EventHub } from './event-stream.js';
import { LogRing } from './log-ring.js';
import { roleSettings, type RoleSettings } from './roles.js';

export interface OperatorContext {
  modes: AgentModes;
  roles: RoleSettings;
  logs: LogRing;
  hub: EventHub;
  metrics: MasterMetrics;
}

const contexts = new WeakMap<Master, OperatorContext>();

export function operatorContext(m: Master): OperatorContext {
  let ctx = contexts.get(m);
  if (ctx) return ctx;
  m.events.onListenerError = (err, type) => m.log.error({ err, event: type }, 'operator event listener failed');
  const hub: EventHub = new EventHub(m, () => modes);
  const modes = new AgentModes(m, (agent, state, kind) => hub.agentModeChanged(agent, state, kind));
  ctx = { modes, roles: roleSettings(m), logs: new LogRing(m.log), hub, metrics: new MasterMetrics(m, modes) };
  contexts.set(m, ctx);
  return ctx;
}

/** For HA: whether this master leads now (the tessera_master_leading gauge). */
export function setLeading(m: Master, leading: boolean): void {
  operatorContext(m).metrics.setLeading(leading);
}

/** For HA: this master was elected (tessera_master_elections_total). */
export function countElection(m: Master): void {
  operatorContext(m).metrics.countElection();
}
