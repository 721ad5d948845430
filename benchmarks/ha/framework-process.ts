// The failover benchmark's framework, in a process of its own so that the
// load generator's event loop (thousands of simulated agents re-registering)
// does not delay when it sees an offer. It follows the leader through
// ZooKeeper (argv[2] = zk://…) and prints one JSON line per event it times:
// {"event":"subscribed"|"offers","at":<ms since the epoch, sub-ms>}.

import { createLogger } from '@tessera/common';
import { SchedulerClient } from '@tessera/sdk';

const now = (): number => performance.timeOrigin + performance.now();
const zk = process.argv[2];
if (!zk?.startsWith('zk://')) throw new TypeError('usage: framework-process.ts zk://host:port,…/path');

const client = new SchedulerClient({
  master: zk,
  framework: { name: 'bench-ha', user: 'root', roles: ['*'], failoverTimeoutSeconds: 3600 },
  reconnect: { initialMs: 50, maxMs: 500 },
  logger: createLogger('bench-ha', { level: 'error' }),
});
// The parent going away ends us too (its stdin pipe closes).
process.stdin.on('end', () => {
  client.close();
  process.exit(0);
});
process.stdin.resume();

for await (const event of client.events()) {
  if (event.type === 'subscribed') process.stdout.write(`${JSON.stringify({ event: 'subscribed', at: now() })}\n`);
  if (event.type === 'offers') {
    process.stdout.write(`${JSON.stringify({ event: 'offers', at: now() })}\n`);
    // Declined for long: offers from the same master do not churn; a new leader has no filters, so it offers again.
    client.decline(event.offers.map((o) => o.id), { refuseSeconds: 600 }).catch(() => undefined);
  }
}
