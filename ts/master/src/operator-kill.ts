// POST /api/v1/tasks/kill: an operator's kill (what `tessera kill` calls), the
// first operator call ahead of the operator API of a later issue. The body is
// JSON { taskId, frameworkId?, gracePeriodSeconds? }; the answer names the
// task's framework and agent. The task's framework hears the outcome as for any
// kill (TASK_KILLED from the agent). It passes the same CallGuard as the
// scheduler calls, as method 'OperatorKillTask', with the HTTP headers as
// metadata.

import { idProblem } from '@tessera/common';

import type { Master } from './master.js';
import { guardOperator } from './operator/guard.js';
import { killTask } from './task-calls.js';
import { isTerminal, stateName, type TaskRecord } from './tasks.js';

/** An HTTP error with the status to answer and a JSON-able message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OperatorKillAnswer {
  taskId: string;
  frameworkId: string;
  agentId: string;
}

function checkBody(body: unknown): { taskId: string; frameworkId?: string; gracePeriodSeconds?: number } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'body: must be a JSON object');
  const b = body as Record<string, unknown>;
  const taskProblem = idProblem(b.taskId);
  if (taskProblem) throw new HttpError(400, `taskId: ${taskProblem}`);
  const out: { taskId: string; frameworkId?: string; gracePeriodSeconds?: number } = { taskId: b.taskId as string };
  if (b.frameworkId !== undefined) {
    const problem = idProblem(b.frameworkId);
    if (problem) throw new HttpError(400, `frameworkId: ${problem}`);
    out.frameworkId = b.frameworkId as string;
  }
  if (b.gracePeriodSeconds !== undefined) {
    const g = b.gracePeriodSeconds;
    if (typeof g !== 'number' || !Number.isFinite(g) || g < 0) {
      throw new HttpError(400, `gracePeriodSeconds: must be a finite number >= 0 (got ${JSON.stringify(g)})`);
    }
    out.gracePeriodSeconds = g;
  }
  return out;
}

export async function operatorKill(m: Master, body: unknown, headers: Record<string, string | string[] | undefined>): Promise<OperatorKillAnswer> {
  const request = checkBody(body);
  const candidates: TaskRecord[] = [];
  for (const framework of m.frameworks.values()) {
    if (request.frameworkId !== undefined && framework.id !== request.frameworkId) continue;
    const task = framework.tasks.get(request.taskId);
    if (task) candidates.push(task);
  }
  const live = candidates.filter((t) => !isTerminal(t.state));
  if (candidates.length === 0) {
    const where = request.frameworkId ? ` of framework ${request.frameworkId}` : '';
    throw new HttpError(404, `taskId: no task ${JSON.stringify(request.taskId)}${where}`);
  }
  if (live.length === 0) {
    throw new HttpError(409, `taskId: task ${JSON.stringify(request.taskId)} has already ended (${stateName(candidates[0]!.state)})`);
  }
  if (live.length > 1) {
    const ids = live.map((t) => t.frameworkId).join(', ');
    throw new HttpError(409, `taskId: several frameworks have a task ${JSON.stringify(request.taskId)} (${ids}); name one with frameworkId`);
  }
  const task = live[0]!;
  await guardOperator(m, 'OperatorKillTask', headers, task.frameworkId);
  const framework = m.frameworks.get(task.frameworkId);
  if (!framework || framework.tasks.get(task.taskId) !== task) throw new HttpError(404, `taskId: task ${JSON.stringify(request.taskId)} is gone`);
  killTask(m, framework, task, request.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: request.gracePeriodSeconds } : undefined);
  m.log.info({ task: task.taskId, framework: framework.id, agent: task.agentId }, 'operator kill');
  return { taskId: task.taskId, frameworkId: framework.id, agentId: task.agentId };
}
