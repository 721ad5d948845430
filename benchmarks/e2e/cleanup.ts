// Cleanup that happens whatever way the run ends: normally, by an exception,
// or by Ctrl-C / SIGTERM. Child processes are killed and temp dirs removed;
// the master child also watches its stdin, so even a SIGKILLed load generator
// does not leave it running.

import { rmSync } from 'node:fs';

type Step = { name: string; async: () => Promise<void> | void; sync: () => void };

const steps: Step[] = [];
let installed = false;

/** Registers a cleanup step: `async` on a normal end, `sync` when the process is exiting. */
export function onCleanup(name: string, async: Step['async'], sync: Step['sync'] = () => undefined): () => void {
  install();
  const step = { name, async, sync };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

export function removeDirOnCleanup(dir: string): () => void {
  const rm = () => rmSync(dir, { recursive: true, force: true });
  return onCleanup(`remove ${dir}`, rm, rm);
}

/** Runs every step, newest first; a failing step does not stop the others. */
export async function cleanupAll(): Promise<void> {
  while (steps.length > 0) {
    const step = steps.pop()!;
    try {
      await step.async();
    } catch (err) {
      console.error(`cleanup: ${step.name}: ${String(err)}`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the master and removing temp dirs`);
    void cleanupAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.on('exit', () => {
    while (steps.length > 0) {
      try {
        steps.pop()!.sync();
      } catch {
        // exiting anyway
      }
    }
  });
}
