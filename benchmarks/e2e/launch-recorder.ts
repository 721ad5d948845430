// What the frameworks measure, shared by all of them, inside one measured
// window [start, end) (performance.now() ms):
//
//   launch        a task whose RUNNING update its framework received (and, with
//                 autoAcknowledge, acknowledged) inside the window;
//   launch latency  the framework's accept call for the task → its RUNNING
//                 update in the framework's event loop;
//   offer latency  for an agent, the framework's accept of an offer on it → the
//                 next OFFERS event (to any framework) that holds an offer of
//                 that agent: the whole round trip of its resources through a
//                 task's life (RUNNING, acknowledgement, FINISHED) and the
//                 master's next allocation. Counted when that offer arrives
//                 inside the window.

import { Samples } from './samples.js';

export class LaunchRecorder {
  start = Infinity;
  end = Infinity;

  /** Tasks put in accept calls (whole run). */
  launched = 0;
  /** RUNNING updates received (whole run) and inside the window. */
  running = 0;
  runningInWindow = 0;
  finished = 0;
  accepts = 0;
  declines = 0;
  callErrors = 0;
  lastCallError = '';
  offersReceived = 0;
  /** Updates in another state than RUNNING/FINISHED, by state name (a healthy run has none). */
  readonly otherStates = new Map<string, number>();

  readonly launchLatency = new Samples();
  /** Where a launch's time goes: accept → the agent's RunTask, and the accept call's own round trip. */
  readonly acceptToRunTask = new Samples();
  readonly acceptCall = new Samples();
  /** The agent sending RUNNING → the framework's event loop taking it (wall clock; same process). */
  readonly runningRelay = new Samples();
  readonly offerLatency = new Samples();

  readonly #acceptedAt = new Map<string, number>();
  readonly #agentAcceptedAt = new Map<string, number>();

  #inWindow(now: number): boolean {
    return now >= this.start && now < this.end;
  }

  offerSeen(agentId: string, now: number): void {
    this.offersReceived++;
    const at = this.#agentAcceptedAt.get(agentId);
    if (at === undefined) return;
    this.#agentAcceptedAt.delete(agentId);
    if (this.#inWindow(now)) this.offerLatency.push(now - at);
  }

  accepted(agentId: string, taskIds: readonly string[], now: number): void {
    this.accepts++;
    this.launched += taskIds.length;
    this.#agentAcceptedAt.set(agentId, now);
    for (const id of taskIds) this.#acceptedAt.set(id, now);
  }

  runningSeen(taskId: string, now: number, relayMs: number): void {
    this.running++;
    if (this.#inWindow(now)) this.runningRelay.push(relayMs);
    const at = this.#acceptedAt.get(taskId);
    this.#acceptedAt.delete(taskId);
    if (!this.#inWindow(now)) return;
    this.runningInWindow++;
    if (at !== undefined) this.launchLatency.push(now - at);
  }

  /** A simulated agent got the task's RunTask (same process, same clock). */
  runTaskSeen(taskId: string, now: number): void {
    const at = this.#acceptedAt.get(taskId);
    if (at !== undefined && this.#inWindow(now)) this.acceptToRunTask.push(now - at);
  }

  acceptAnswered(startedAt: number, now: number): void {
    if (this.#inWindow(now)) this.acceptCall.push(now - startedAt);
  }

  otherState(name: string): void {
    this.otherStates.set(name, (this.otherStates.get(name) ?? 0) + 1);
  }

  callFailed(err: unknown): void {
    this.callErrors++;
    this.lastCallError = err instanceof Error ? err.message : String(err);
  }
}
