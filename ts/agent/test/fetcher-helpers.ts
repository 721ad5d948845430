// Helpers of the fetcher and sandbox tests: a real HTTP server on loopback
// serving files the test put in place (and counting requests per path), and
// running one task through an agent to its end.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { TaskState, type AgentMessage_StatusUpdate, type TaskInfo } from '@tessera/common';

import type { AgentHandle } from '../src/index.js';
import type { FakeMaster } from './fake-master.js';
import { FRAMEWORK, isTerminalState, tempDir } from './helpers.js';

const scratch: string[] = [];

/** A temporary directory removed by removeScratchDirs (call it from test.after). */
export function scratchDir(prefix?: string): string {
  const dir = tempDir(prefix);
  scratch.push(dir);
  return dir;
}

export function removeScratchDirs(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Route {
  status?: number;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Answer only after this promise settles (a slow server). */
  hold?: Promise<unknown>;
}

export class FileServer {
  readonly routes = new Map<string, Route>();
  readonly hits = new Map<string, number>();
  private server: Server | undefined;
  address = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.hits.set(url.pathname, (this.hits.get(url.pathname) ?? 0) + 1);
      const route = this.routes.get(url.pathname);
      void (route?.hold ?? Promise.resolve()).then(() => {
        if (!route) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
          return;
        }
        res.writeHead(route.status ?? 200, route.headers ?? {});
        res.end(route.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.address = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  url(pathname: string): string {
    return `http://${this.address}${pathname}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A directory `tool/` holding an executable `greet` script, packed as tar.gz and zip in `dir`. */
export function buildArchives(dir: string): { tarGz: Buffer; zip: Buffer; tar: Buffer } {
  const tree = path.join(dir, 'tree');
  mkdirSync(path.join(tree, 'tool'), { recursive: true });
  writeFileSync(path.join(tree, 'tool', 'greet'), '#!/bin/sh\necho "greetings from $1"\n', { mode: 0o755 });
  execFileSync('tar', ['-czf', path.join(dir, 'tool.tar.gz'), '-C', tree, 'tool']);
  execFileSync('tar', ['-cf', path.join(dir, 'tool.tar'), '-C', tree, 'tool']);
  // zip keeps the unix mode bits, so unzip restores the executable bit.
  execFileSync('python3', ['-c', ZIP_SCRIPT, path.join(dir, 'tool.zip'), tree]);
  const read = (name: string) => readFileSync(path.join(dir, name));
  return { tarGz: read('tool.tar.gz'), zip: read('tool.zip'), tar: read('tool.tar') };
}

const ZIP_SCRIPT = `
import os, sys, zipfile
out, tree = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w') as z:
    for root, dirs, files in os.walk(tree):
        for name in files:
            full = os.path.join(root, name)
            info = zipfile.ZipInfo(os.path.relpath(full, tree))
            info.external_attr = (os.stat(full).st_mode & 0xFFFF) << 16
            with open(full, 'rb') as f:
                z.writestr(info, f.read())
`;

export interface TaskRun {
  updates: AgentMessage_StatusUpdate[];
  last: AgentMessage_StatusUpdate;
  /** The task's sandbox, from the agent's /state. */
  sandbox: string;
}

/** Launches `task` and acknowledges its updates until a terminal one. */
export async function runTask(master: FakeMaster, agent: AgentHandle, task: TaskInfo): Promise<TaskRun> {
  master.send({ runTask: { frameworkInfo: FRAMEWORK, task } });
  const updates = await master.runToEnd(task.taskId, (u) => isTerminalState(u.status?.state));
  return { updates, last: updates.at(-1)!, sandbox: sandboxOf(agent, task.taskId) };
}

export function sandboxOf(agent: AgentHandle, executorId: string): string {
  const framework = agent.state().frameworks.find((f) => f.id === FRAMEWORK.id);
  const executor = [...(framework?.executors ?? []), ...(framework?.completedExecutors ?? [])].find((e) => e.id === executorId);
  return executor?.sandbox ?? '';
}

export const FINISHED = TaskState.FINISHED;
