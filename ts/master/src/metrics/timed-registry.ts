// Times every registry write (until it resolves durable, or fails) for the
// registry write latency histogram, whatever the Registry implementation is
// (file today, ZooKeeper with HA). Reads and flush() pass through untimed.

import type { MasterEvents } from '../operator/events.js';
import type { Registry } from '../registry/registry.js';

const WRITES = new Set<string>([
  'admitAgent',
  'markAgentUnreachable',
  'removeAgent',
  'addFramework',
  'updateFramework',
  'removeFramework',
  'setFailoverDeadline',
  'setWeight',
  'setQuota',
  'setAgentMode',
]);

export function timedRegistry(registry: Registry, events: MasterEvents): Registry {
  return new Proxy(registry, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      // Methods run on the registry itself, not the proxy: FileRegistry's flush() reads private fields.
      if (typeof value === 'function' && (typeof prop !== 'string' || !WRITES.has(prop))) return value.bind(target);
      if (typeof prop !== 'string' || !WRITES.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]): Promise<void> => {
        const started = performance.now();
        const done = (ok: boolean) => events.emit('registryWrite', { op: prop, seconds: (performance.now() - started) / 1000, ok });
        return (value as (...a: unknown[]) => Promise<void>).apply(target, args).then(
          () => done(true),
          (err: unknown) => {
            done(false);
            throw err;
          },
        );
      };
    },
  });
}
