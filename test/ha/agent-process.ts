// An agent process for scenarios that need AgentOptions `tessera agent` has no
// flag for (statusUpdateRetry: the resend backoff, 10 s by default):
//   node --import tsx test/ha/agent-process.ts '<AgentOptions JSON>'
// It is the same startAgent the CLI runs, and prints the CLI's two lines
// ("tessera agent: HTTP http://…/state", "tessera agent <id>: registered"), so
// the harness treats both alike. SIGTERM stops it as the CLI does (tasks
// killed); stdin closing (the harness gone) does too.

import { createLogger } from '@tessera/common';
import { startAgent, type AgentOptions } from '@tessera/agent';

const options = JSON.parse(process.argv[2] ?? '{}') as AgentOptions;
const agent = await startAgent({ ...options, logger: createLogger('agent', { level: process.env.TESSERA_LOG_LEVEL ?? 'info' }) });
process.stderr.write(`tessera agent: HTTP http://${agent.httpAddress}/state, master ${options.master}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) process.exit(130);
  stopping = true;
  await agent.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();

agent.registered.then(
  (id) => process.stderr.write(`tessera agent ${id}: registered\n`),
  (err: unknown) => process.stderr.write(`tessera agent: not registered: ${String(err)}\n`),
);
