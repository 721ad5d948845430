// `tessera kill TASK_ID`: an operator's kill, through the master (which asks
// the task's agent: SIGTERM, then SIGKILL after the grace period). The task's
// framework hears TASK_KILLED like for any kill.

import { address, bool, num, parseFlags, type CommandSpec } from '../ui/args.js';
import { UsageError } from '../ui/errors.js';
import { postJson } from '../master-http.js';
import { JSON_FLAG, MASTER_HTTP_FLAG } from './common-flags.js';
import { masterAddress } from '../leader.js';

export const killSpec: CommandSpec = {
  name: 'kill',
  usage: 'tessera kill TASK_ID [--framework ID] [--grace-period SECONDS]',
  summary: 'Kill a task: SIGTERM, then SIGKILL after the grace period.',
  positionals: true,
  flags: {
    framework: { type: 'string', arg: 'ID', help: 'The framework of the task, when task ids are not unique across frameworks' },
    'grace-period': { type: 'string', arg: 'SECONDS', help: "Overrides the task's kill policy" },
    'master-http': MASTER_HTTP_FLAG,
    json: JSON_FLAG,
  },
};

export async function killCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const flags = parseFlags(killSpec, argv);
  const [taskId, extra] = flags.positionals;
  if (!taskId) throw new UsageError('kill: which task? e.g. tessera kill run-abc-0 (see tessera tasks)');
  if (extra) throw new UsageError(`kill: one task at a time (unexpected '${extra}')`);
  const grace = num(flags, 'grace-period', { min: 0 });
  const framework = flags.values.framework;
  const answer = await postJson<{ taskId: string; frameworkId: string; agentId: string }>(await masterAddress(flags, 'master-http'), '/api/v1/tasks/kill', {
    taskId,
    ...(typeof framework === 'string' ? { frameworkId: framework } : {}),
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
  });
  out(bool(flags, 'json') ? JSON.stringify(answer) : `Asked agent ${answer.agentId} to kill ${answer.taskId} (framework ${answer.frameworkId}).`);
  return 0;
}
