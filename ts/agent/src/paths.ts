// Where the agent keeps things under its work dir. Ids are checked with
// checkId before they get here, so each is a safe single path segment.
//
//   <workDir>/meta/agent-id                                  the checkpointed agent id
//   <workDir>/meta/boot-id                                   the host's boot id when the agent last started
//   <workDir>/meta/frameworks/<fw>/tasks/<task>/updates.jsonl status updates and acks
//   <workDir>/agents/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>/  sandboxes

import path from 'node:path';

export function agentIdFile(workDir: string): string {
  return path.join(workDir, 'meta', 'agent-id');
}

export function bootIdFile(workDir: string): string {
  return path.join(workDir, 'meta', 'boot-id');
}

export function updatesRoot(workDir: string): string {
  return path.join(workDir, 'meta', 'frameworks');
}

export function taskUpdatesFile(workDir: string, frameworkId: string, taskId: string): string {
  return path.join(updatesRoot(workDir), frameworkId, 'tasks', taskId, 'updates.jsonl');
}

export function sandboxDir(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
): string {
  return path.join(workDir, 'agents', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId);
}
