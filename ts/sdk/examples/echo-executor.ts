// echo-executor: a minimal custom executor built on ExecutorClient. The agent
// starts it with TESSERA_EXECUTOR_ADDRESS, TESSERA_FRAMEWORK_ID and
// TESSERA_EXECUTOR_ID in its environment. For each task it is given it says
// RUNNING, sends the scheduler a message, then says FINISHED; it prints the
// scheduler's messages, and exits on shutdown (or once idle if --exit-when-idle).
//
// As a task's executor (ExecutorInfo, type CUSTOM):
//   command: { value: process.execPath, arguments: ['node', '--import', 'tsx', '/path/to/echo-executor.ts'] }

import { TaskState } from '@tessera/common';

import { ExecutorClient } from '../src/index.js';

const client = new ExecutorClient();
const active = new Set<string>();

async function run(taskId: string): Promise<void> {
  active.add(taskId);
  await client.update({ taskId, state: TaskState.RUNNING, message: 'echo-executor is on it' });
  await client.message(`hello from ${taskId}`);
  await client.update({ taskId, state: TaskState.FINISHED, message: 'echo-executor is done' });
  active.delete(taskId);
}

for await (const event of client.events()) {
  switch (event.type) {
    case 'subscribed':
      console.log(`subscribed to agent ${event.agentId} (container ${event.containerId})`);
      break;
    case 'launch':
      run(event.task.taskId).catch((err: unknown) => console.error(`task ${event.task.taskId}: ${String(err)}`));
      break;
    case 'launchGroup':
      for (const task of event.taskGroup.tasks) {
        run(task.taskId).catch((err: unknown) => console.error(`task ${task.taskId}: ${String(err)}`));
      }
      break;
    case 'kill':
      await client.update({ taskId: event.taskId, state: TaskState.KILLED, message: 'killed on request' });
      break;
    case 'message':
      console.log(`message: ${event.data.toString()}`);
      break;
    case 'shutdown':
      for (const taskId of active) await client.update({ taskId, state: TaskState.KILLED, message: 'executor shut down' });
      client.close();
      break;
    case 'error':
      console.error(`error from the agent: ${event.message}`);
      process.exitCode = 2;
      break;
    default:
      break;
  }
}
