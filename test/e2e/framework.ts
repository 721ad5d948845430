// A test framework for e2e suites: a SchedulerClient from @tessera/sdk with
// an event loop that records every update and lets a test wait for
// conditions on what the framework has seen.

import { parseResources } from '@tessera/allocator';
import { TaskState, fromAllocatorResources, type Offer, type TaskStatus } from '@tessera/common';
import { SchedulerClient, type FrameworkOptions } from '@tessera/sdk';
import { waitFor } from './cluster.js';

export interface TestFramework {
  client: SchedulerClient;
  frameworkId(): string | undefined;
  /** Every update received, in order (including reconciliation answers). */
  updates: TaskStatus[];
  /** Offers received and not yet used or rescinded. */
  offers: Map<string, Offer>;
  offerEvents: number;
  subscribed: number;
  latest(taskId: string): TaskStatus | undefined;
  waitForState(taskId: string, state: TaskState, timeoutMs?: number): Promise<TaskStatus>;
  waitForOffers(n: number, timeoutMs?: number): Promise<Offer[]>;
  /** Takes (removes from `offers`) the current offers. */
  takeOffers(): Offer[];
  close(): void;
  done: Promise<void>;
}

/** Every client a suite started: closed by closeFrameworks() (each suite's
 *  after hook), so a test that fails half-way leaves no client reconnecting
 *  forever — which would keep the test process alive. */
const open = new Set<SchedulerClient>();

export function closeFrameworks(): void {
  for (const client of open) client.close();
  open.clear();
}

export function startFramework(master: string, framework: FrameworkOptions, autoAcknowledge = true): TestFramework {
  const client = new SchedulerClient({ master, framework, autoAcknowledge, reconnect: { initialMs: 100, maxMs: 1000 } });
  open.add(client);
  const updates: TaskStatus[] = [];
  const offers = new Map<string, Offer>();
  let frameworkId: string | undefined = framework.id;
  const tf: TestFramework = {
    client,
    frameworkId: () => frameworkId,
    updates,
    offers,
    offerEvents: 0,
    subscribed: 0,
    latest: (taskId) => [...updates].reverse().find((u) => u.taskId === taskId),
    waitForState: (taskId, state, timeoutMs = 20_000) =>
      waitFor(`task ${taskId} in state ${TaskState[state]}`, () => updates.find((u) => u.taskId === taskId && u.state === state), timeoutMs),
    waitForOffers: (n, timeoutMs = 20_000) => waitFor(`${n} offers`, () => (offers.size >= n ? [...offers.values()] : undefined), timeoutMs),
    takeOffers: () => {
      const list = [...offers.values()];
      offers.clear();
      return list;
    },
    close: () => client.close(),
    done: Promise.resolve(),
  };
  tf.done = (async () => {
    for await (const event of client.events()) {
      if (event.type === 'subscribed') {
        frameworkId = event.frameworkId;
        tf.subscribed++;
      } else if (event.type === 'offers') {
        tf.offerEvents++;
        for (const o of event.offers) offers.set(o.id, o);
      } else if (event.type === 'rescind') {
        offers.delete(event.offerId);
      } else if (event.type === 'update') {
        updates.push(event.status);
      }
    }
  })().catch(() => undefined);
  return tf;
}

/** A TaskInfo for a shell command with small resources, on the given offer's agent. */
export function shellTask(taskId: string, command: string, offer: Offer, resources = 'cpus:0.1;mem:16', gracePeriodSeconds?: number) {
  return {
    name: taskId,
    taskId,
    agentId: offer.agentId,
    resources: fromAllocatorResources(parseResources(resources)),
    command: { value: command, shell: true, arguments: [], uris: [], user: '' },
    ...(gracePeriodSeconds !== undefined ? { killPolicy: { gracePeriodSeconds } } : {}),
  };
}
