// A benchmark framework: an SDK SchedulerClient (autoAcknowledge on) that, on
// every OFFERS event, fills each offer with as many identical tiny tasks as fit
// and launches them in one accept per offer; what fits nothing is declined.
// TaskInfos are built directly (no placement): the load is the master's.

import { createLogger, Resource, TaskState, taskStateToJSON, type Offer } from '@tessera/common';

import { SchedulerClient } from '../../ts/sdk/src/index.js';
import type { LaunchRecorder } from './launch-recorder.js';

export interface FrameworkSettings {
  index: number;
  master: string;
  /** What one task takes (the proto form), and the same as scalar needs by name. */
  taskResources: Resource[];
  /** Filter of accepts (for what the accept left over) and of declines. */
  acceptRefuseSeconds: number;
  declineRefuseSeconds: number;
  /**
   * All frameworks on one HTTP/2 connection instead of one each. Real
   * frameworks are separate processes with a connection each, and so is the
   * SDK's default; sharing makes the one socket's writer the bottleneck
   * (1,113 launches/s against 1,690/s before batched acknowledgements).
   */
  sharedConnection: boolean;
}

export class BenchFramework {
  readonly client: SchedulerClient;
  readonly #settings: FrameworkSettings;
  readonly #recorder: LaunchRecorder;
  readonly #needs: Array<[string, number]>;
  #seq = 0;
  #subscribed!: () => void;
  /** Resolves once the master has answered SUBSCRIBED. */
  readonly subscribed = new Promise<void>((resolve) => (this.#subscribed = resolve));
  /** Resolves when the event loop ends (close, or a fatal error). */
  readonly done: Promise<void>;

  constructor(settings: FrameworkSettings, recorder: LaunchRecorder) {
    this.#settings = settings;
    this.#recorder = recorder;
    this.#needs = scalarNeeds(settings.taskResources);
    this.client = new SchedulerClient({
      master: settings.master,
      framework: { name: `bench-${settings.index}`, user: 'bench' },
      autoAcknowledge: true,
      callTimeoutMs: 60_000,
      ...(settings.sharedConnection ? { channelOptions: { 'grpc.use_local_subchannel_pool': 0 } } : {}),
      // Errors only: acknowledgements cut short by the end of the run are expected, and
      // failed calls are counted in the report instead.
      logger: createLogger('bench.framework', { level: 'error', destination: process.stderr }),
    });
    this.done = this.#loop();
  }

  async #loop(): Promise<void> {
    for await (const event of this.client.events()) {
      const now = performance.now();
      switch (event.type) {
        case 'subscribed':
          this.#subscribed();
          break;
        case 'offers':
          this.#onOffers(event.offers, now);
          break;
        case 'update': {
          const { state, taskId, timestamp } = event.status;
          // The simulated agent stamps the update with Date.now() as it sends it.
          if (state === TaskState.RUNNING) this.#recorder.runningSeen(taskId, now, Date.now() - timestamp * 1000);
          else if (state === TaskState.FINISHED) this.#recorder.finished++;
          else this.#recorder.otherState(taskStateToJSON(state));
          break;
        }
        case 'error':
          this.#recorder.callFailed(new Error(`framework ${this.#settings.index}: ${event.message}`));
          break;
        default:
          break;
      }
    }
  }

  #onOffers(offers: readonly Offer[], now: number): void {
    const declined: string[] = [];
    for (const offer of offers) {
      this.#recorder.offerSeen(offer.agentId, now);
      const n = fits(offer, this.#needs);
      if (n === 0) {
        declined.push(offer.id);
        continue;
      }
      const tasks = [];
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const taskId = `f${this.#settings.index}-${++this.#seq}`;
        ids.push(taskId);
        tasks.push({
          taskId,
          name: 'bench',
          agentId: offer.agentId,
          resources: this.#settings.taskResources,
          command: { value: 'true', shell: true },
        });
      }
      this.#recorder.accepted(offer.agentId, ids, now);
      this.client
        .launch([offer.id], tasks, { refuseSeconds: this.#settings.acceptRefuseSeconds })
        .then(() => this.#recorder.acceptAnswered(now, performance.now()))
        .catch((err: unknown) => this.#recorder.callFailed(err));
    }
    if (declined.length > 0) {
      this.#recorder.declines += declined.length;
      this.client
        .decline(declined, { refuseSeconds: this.#settings.declineRefuseSeconds })
        .catch((err: unknown) => this.#recorder.callFailed(err));
    }
  }

  close(): void {
    this.client.close();
  }
}

/** The scalar amounts one task needs, by name (ranges are not asked for). */
function scalarNeeds(resources: readonly Resource[]): Array<[string, number]> {
  const needs = new Map<string, number>();
  for (const r of resources) if (r.scalar) needs.set(r.name, (needs.get(r.name) ?? 0) + r.scalar.value);
  return [...needs].filter(([, v]) => v > 0);
}

/** How many tasks with these needs fit in the offer (scalars only). */
export function fits(offer: Offer, needs: ReadonlyArray<[string, number]>): number {
  let n = Infinity;
  for (const [name, need] of needs) {
    let have = 0;
    for (const r of offer.resources) if (r.name === name && r.scalar) have += r.scalar.value;
    // Thousandths, as the allocator counts: 7.999999 cpus hold 8 tasks of 1.
    n = Math.min(n, Math.floor(Math.round(have * 1000) / Math.round(need * 1000)));
  }
  return Number.isFinite(n) ? n : 0;
}
