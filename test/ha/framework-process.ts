// A framework as a process of its own, for scenarios that kill the scheduler:
//   node --import tsx test/ha/framework-process.ts '<FrameworkConfig JSON>' EVENTS_FILE
// Every event (FrameworkEvent) is appended to EVENTS_FILE as one JSON line the
// moment it happens, so what it received survives a SIGKILL. Commands come as
// JSON lines on stdin:
//   {"op":"launch","tasks":[TaskSpec...]}  {"op":"ack","uuid":"…"}  {"op":"ackAll"}
//   {"op":"hold","value":true|false}       {"op":"reconcile","taskIds":[…]}
//   {"op":"kill","taskId":"…"}             {"op":"close"}

import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { SdkFramework, type FrameworkConfig, type FrameworkEvent } from './sdk-framework.ts';

const [configText, eventsFile] = process.argv.slice(2);
if (!configText || !eventsFile) {
  process.stderr.write('usage: framework-process.ts CONFIG_JSON EVENTS_FILE\n');
  process.exit(2);
}
const config = JSON.parse(configText) as FrameworkConfig;
const write = (e: FrameworkEvent): void => appendFileSync(eventsFile, `${JSON.stringify(e)}\n`);
const fw = new SdkFramework(config, write);

type Command =
  | { op: 'launch'; tasks: Parameters<SdkFramework['launch']>[0] }
  | { op: 'ack'; uuid: string }
  | { op: 'ackAll' }
  | { op: 'hold'; value: boolean }
  | { op: 'reconcile'; taskIds?: Array<string | { taskId: string; agentId: string }> }
  | { op: 'kill'; taskId: string }
  | { op: 'close' };

const commands = createInterface({ input: process.stdin });
// The harness gone (its end of stdin closed): go too, leaving nothing behind.
commands.on('close', () => stop());
commands.on('line', (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line) as Command;
  const fail = (err: unknown): void => write({ type: 'error', message: `${cmd.op}: ${String(err)}`, at: Date.now() });
  try {
    switch (cmd.op) {
      case 'launch':
        fw.launch(cmd.tasks);
        break;
      case 'ack':
        fw.ack(cmd.uuid);
        break;
      case 'ackAll':
        fw.ackAll();
        break;
      case 'hold':
        fw.setHoldAcks(cmd.value);
        break;
      case 'reconcile':
        fw.reconcile(cmd.taskIds).catch(fail);
        break;
      case 'kill':
        fw.kill(cmd.taskId).catch(fail);
        break;
      case 'close':
        fw.close();
        break;
    }
  } catch (err) {
    fail(err);
  }
});

const stop = (): void => {
  fw.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stderr.write(`framework-process ${config.name}: started\n`);
