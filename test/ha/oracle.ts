// The oracle: records every update each framework receives (task, state,
// uuid, time) and every acknowledgement the master accepted, and checks them
// against each other and against what really runs (/proc):
//
//   - no update is delivered again after its acknowledgement was accepted;
//   - per task, no state follows a terminal one (a reconciliation answer may
//     repeat the terminal state); UNREACHABLE → RUNNING is legal;
//   - a terminal update from the agent or executor (FINISHED, FAILED,
//     KILLED, …) arrives only when the task's processes are gone — checked
//     on arrival and again 1 s later, so a process the agent is still reaping
//     is not a fault but one left running is;
//   - verify(): every task whose latest state is terminal has no process
//     (including those the master declared LOST/GONE: killed once their agent
//     returned), every task the oracle expects running has one.
//
// Violations are collected, not thrown, so a scenario sees all of them.

import type { FrameworkEvent, SeenUpdate } from './sdk-framework.ts';
import { runningTasks } from './task-processes.ts';

const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'GONE', 'GONE_BY_OPERATOR', 'UNKNOWN']);
/** Terminal states the master reports for tasks it cannot see: the process may well still run. */
const MASTER_GUESSES = new Set(['LOST', 'GONE', 'GONE_BY_OPERATOR', 'UNKNOWN', 'DROPPED']);

export const isTerminal = (state: string): boolean => TERMINAL.has(state);

interface FrameworkRecord {
  /** The framework id (set on the first subscription). */
  id?: string;
  updates: SeenUpdate[];
  /** uuid → Date.now() when its acknowledgement was accepted. */
  acked: Map<string, number>;
  events: FrameworkEvent[];
}

export class Oracle {
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly violations: string[] = [];
  /** The "delivered again after its acknowledgement" violations, with their times (Date.now()). */
  readonly redeliveries: Array<{ name: string; taskId: string; uuid: string; firstAt: number; ackedAt: number; againAt: number; text: string }> = [];
  private readonly checks = new Set<Promise<void>>();

  /**
   * @param under only task processes whose sandbox is under this directory (the harness's) count.
   */
  constructor(private readonly under?: string) {}

  private fw(name: string): FrameworkRecord {
    let r = this.frameworks.get(name);
    if (!r) {
      r = { updates: [], acked: new Map(), events: [] };
      this.frameworks.set(name, r);
    }
    return r;
  }

  /** Feeds one event of framework `name` (in-process or read from a framework process's file). */
  observe(name: string, e: FrameworkEvent): void {
    const r = this.fw(name);
    r.events.push(e);
    if (e.type === 'subscribed') r.id ??= e.frameworkId;
    else if (e.type === 'acked') r.acked.set(e.uuid, e.at);
    else if (e.type === 'update') this.update(name, r, e.update);
  }

  private update(name: string, r: FrameworkRecord, u: SeenUpdate): void {
    const where = `${name}: ${u.taskId} ${u.state}${u.uuid ? ` uuid ${u.uuid.slice(0, 8)}` : ''}`;
    if (u.uuid && r.acked.has(u.uuid)) {
      const text = `${where}: delivered again ${u.at - r.acked.get(u.uuid)!} ms after its acknowledgement was accepted`;
      const first = r.updates.find((p) => p.uuid === u.uuid);
      this.redeliveries.push({ name, taskId: u.taskId, uuid: u.uuid, firstAt: first?.at ?? u.at, ackedAt: r.acked.get(u.uuid)!, againAt: u.at, text });
      this.violations.push(text);
    }
    const before = r.updates.filter((p) => p.taskId === u.taskId);
    const terminal = before.find((p) => isTerminal(p.state));
    const reconciliation = u.reason === 'RECONCILIATION';
    if (terminal && !(reconciliation && u.state === terminal.state) && !(u.uuid && u.uuid === terminal.uuid)) {
      this.violations.push(`${where}: after terminal ${terminal.state} (${terminal.source}, ${terminal.reason})`);
    }
    r.updates.push(u);
    if (isTerminal(u.state) && !(u.source === 'MASTER' && MASTER_GUESSES.has(u.state))) this.checkGone(name, r, u, where);
  }

  /** A terminal update from the agent: the task's processes must be gone (now, or 1 s later at worst). */
  private checkGone(name: string, r: FrameworkRecord, u: SeenUpdate, where: string): void {
    const fwId = r.id ?? '';
    const check = (async () => {
      const alive = (): number[] => runningTasks(this.under).get(`${fwId}/${u.taskId}`) ?? [];
      if (alive().length === 0) return;
      await new Promise((res) => setTimeout(res, 1000));
      const still = alive();
      if (still.length > 0) this.violations.push(`${where}: reported terminal while pids ${still.join(',')} still run (1 s later)`);
    })();
    this.checks.add(check);
    void check.finally(() => this.checks.delete(check));
  }

  /** Waits for the checks started on arrival of terminal updates. */
  async settle(): Promise<void> {
    await Promise.all([...this.checks]);
  }

  updates(name: string, taskId?: string): SeenUpdate[] {
    const all = this.fw(name).updates;
    return taskId === undefined ? all : all.filter((u) => u.taskId === taskId);
  }

  latest(name: string, taskId: string): SeenUpdate | undefined {
    return this.updates(name, taskId).at(-1);
  }

  /** Latest state per task id of framework `name`. */
  states(name: string): Map<string, string> {
    const m = new Map<string, string>();
    for (const u of this.fw(name).updates) m.set(u.taskId, u.state);
    return m;
  }

  frameworkId(name: string): string | undefined {
    return this.fw(name).id;
  }

  ackedAt(name: string, uuid: string): number | undefined {
    return this.fw(name).acked.get(uuid);
  }

  /**
   * Checks what runs against what the frameworks were told: `running` tasks
   * (by framework name) must have processes; every task whose latest update
   * is terminal must have none — except, with `masterGuessesMayRun` (while
   * an agent is cut off), tasks the master declared LOST/GONE/… without
   * hearing from their agent. Returns the problems (also added to violations).
   */
  verify(running: Record<string, string[]> = {}, opts: { masterGuessesMayRun?: boolean } = {}): string[] {
    const live = runningTasks(this.under);
    const problems: string[] = [];
    for (const [name, r] of this.frameworks) {
      for (const [taskId, state] of this.states(name)) {
        const pids = live.get(`${r.id}/${taskId}`);
        const last = this.latest(name, taskId)!;
        if (opts.masterGuessesMayRun && last.source === 'MASTER' && MASTER_GUESSES.has(state)) continue;
        if (isTerminal(state) && pids) problems.push(`${name}: ${taskId} is ${state} but pids ${pids.join(',')} run`);
      }
      for (const taskId of running[name] ?? []) {
        if (!live.get(`${r.id}/${taskId}`)) problems.push(`${name}: ${taskId} should run but has no process (last told ${this.latest(name, taskId)?.state ?? 'nothing'})`);
      }
    }
    this.violations.push(...problems);
    return problems;
  }

  /** One line per update, for a failing test's message. */
  dump(name?: string): string {
    const lines: string[] = [];
    for (const [n, r] of this.frameworks) {
      if (name && n !== name) continue;
      const t0 = r.updates[0]?.at ?? 0;
      for (const u of r.updates) {
        lines.push(`${n} +${u.at - t0}ms ${u.taskId} ${u.state} ${u.source} ${u.reason} ${u.uuid.slice(0, 8)}${r.acked.has(u.uuid) ? ' acked' : ''}`);
      }
    }
    return lines.join('\n');
  }
}
