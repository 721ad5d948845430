// The /files endpoints: which sandbox a request names, and the three ways to
// look into it.
//
//   GET /files/read?framework_id&(executor_id|task_id)[&container_id]&path[&offset][&length] → { data, offset, size }
//   GET /files/browse?framework_id&(executor_id|task_id)[&container_id][&path=DIR]          → [{ path, size, mode, mtime, isDir }]
//   GET /files/download?framework_id&(executor_id|task_id)[&container_id]&path=FILE          → the bytes (streamed)
//
// executor_id names the executor's sandbox (its latest run unless container_id
// picks one); task_id names the task's own directory (the executor sandbox for
// the command executor, tasks/<id> in it under the default executor).

import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { idProblem } from '@tessera/common';

import type { Agent } from '../agent.js';
import type { ExecutorRecord } from '../records.js';
import { FilesError, MAX_READ_BYTES, confineIn, intParam, listDir, openConfined, readChunk } from './files.js';

export type JsonReply = (res: ServerResponse, status: number, body: unknown) => void;

/** Serves a /files/* request; false when the path is no files endpoint. */
export async function serveFiles(agent: Agent, url: URL, req: IncomingMessage, res: ServerResponse, reply: JsonReply): Promise<boolean> {
  const params = url.searchParams;
  switch (url.pathname) {
    case '/files/read': {
      const file = await confineIn(sandboxOf(agent, params), params.get('path') ?? '');
      const offset = intParam('offset', params.get('offset'), 0, -1);
      const length = intParam('length', params.get('length'), MAX_READ_BYTES, 0);
      reply(res, 200, await readChunk(file, offset, length));
      return true;
    }
    case '/files/browse': {
      const dir = await confineIn(sandboxOf(agent, params), params.get('path') ?? '', true);
      reply(res, 200, await listDir(dir));
      return true;
    }
    case '/files/download':
      await download(agent, params, req, res);
      return true;
    default:
      return false;
  }
}

async function download(agent: Agent, params: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const file = await confineIn(sandboxOf(agent, params), params.get('path') ?? '');
  const { handle, size } = await openConfined(file);
  const name = path.basename(file.real);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': size,
    // The plain name for old clients (quotes and non-ASCII replaced), the exact one as RFC 5987.
    'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
  });
  if (req.method === 'HEAD') {
    await handle.close();
    res.end();
    return;
  }
  // Streamed in chunks (never the whole file in memory); exactly the size
  // announced, even if the task is still appending to it.
  const stream = handle.createReadStream({ start: 0, end: Math.max(0, size - 1), autoClose: true });
  if (size === 0) {
    stream.destroy();
    res.end();
    return;
  }
  try {
    await pipeline(stream, res);
  } catch (err) {
    // The client went away mid-download: nothing to answer.
    agent.logger.debug({ err: (err as Error).message, file: file.real }, 'download ended early');
  }
}

/** The sandbox directory a request names, or a FilesError (400 bad or missing ids, 404 unknown). */
export function sandboxOf(agent: Agent, params: URLSearchParams): string {
  const frameworkId = requiredId(params, 'framework_id');
  const containerId = optionalId(params, 'container_id');
  const executorId = optionalId(params, 'executor_id');
  const taskId = optionalId(params, 'task_id');
  const withContainer = containerId ? ` with container '${containerId}'` : '';
  if (executorId !== undefined) {
    const executor = agent.findExecutor(frameworkId, executorId, containerId);
    if (!executor) throw new FilesError(404, `no executor '${executorId}' of framework '${frameworkId}'${withContainer} on this agent`);
    return executor.sandbox;
  }
  if (taskId === undefined) throw new FilesError(400, 'executor_id: is required (or task_id)');
  const task = findTaskRun(agent, frameworkId, taskId, containerId);
  if (!task) throw new FilesError(404, `no task '${taskId}' of framework '${frameworkId}'${withContainer} on this agent`);
  return task;
}

/** The sandbox of a task: its live run first, else its latest finished one. */
function findTaskRun(agent: Agent, frameworkId: string, taskId: string, containerId: string | undefined): string | undefined {
  const framework = agent.frameworks.get(frameworkId);
  if (!framework) return undefined;
  const runs: ExecutorRecord[] = [...framework.completedExecutors, ...framework.executors.values()];
  for (const executor of runs.reverse()) {
    if (containerId !== undefined && executor.containerId !== containerId) continue;
    const task = executor.tasks.get(taskId);
    if (task) return task.sandbox;
  }
  return undefined;
}

function requiredId(params: URLSearchParams, name: string): string {
  const value = optionalId(params, name);
  if (value === undefined) throw new FilesError(400, `${name}: is required`);
  return value;
}

function optionalId(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  const problem = idProblem(value);
  if (problem) throw new FilesError(400, `${name}: ${problem}`);
  return value;
}
