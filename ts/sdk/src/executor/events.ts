// The events an ExecutorClient yields: the agent's wire events, flattened into
// a discriminated union, plus the client's own 'disconnected'.

import type { ExecutorEvent as WireEvent, ExecutorInfo, FrameworkInfo, KillPolicy, TaskGroupInfo, TaskInfo } from '@tessera/common';

export type ExecutorEvent =
  | { type: 'subscribed'; executorInfo?: ExecutorInfo; frameworkInfo?: FrameworkInfo; agentId: string; containerId: string }
  | { type: 'launch'; task: TaskInfo }
  | { type: 'launchGroup'; taskGroup: TaskGroupInfo }
  | { type: 'kill'; taskId: string; killPolicy?: KillPolicy }
  | { type: 'acknowledged'; taskId: string; uuid: Buffer }
  | { type: 'message'; data: Buffer }
  | { type: 'shutdown'; gracePeriodSeconds: number }
  | { type: 'error'; message: string }
  /** The client lost its subscription and is re-subscribing (not from the agent). */
  | { type: 'disconnected'; reason: string };

/** The wire event as an ExecutorEvent, or undefined when no field this client knows is set. */
export function fromWireExecutorEvent(event: WireEvent): ExecutorEvent | undefined {
  if (event.subscribed) {
    const s = event.subscribed;
    return { type: 'subscribed', executorInfo: s.executorInfo, frameworkInfo: s.frameworkInfo, agentId: s.agentId, containerId: s.containerId };
  }
  if (event.launch?.task) return { type: 'launch', task: event.launch.task };
  if (event.launchGroup?.taskGroup) return { type: 'launchGroup', taskGroup: event.launchGroup.taskGroup };
  if (event.kill) {
    const out: ExecutorEvent = { type: 'kill', taskId: event.kill.taskId };
    if (event.kill.killPolicy) out.killPolicy = event.kill.killPolicy;
    return out;
  }
  if (event.acknowledged) return { type: 'acknowledged', taskId: event.acknowledged.taskId, uuid: event.acknowledged.uuid };
  if (event.message) return { type: 'message', data: event.message.data };
  if (event.shutdown) return { type: 'shutdown', gracePeriodSeconds: event.shutdown.gracePeriodSeconds };
  if (event.error) return { type: 'error', message: event.error.message };
  return undefined;
}
