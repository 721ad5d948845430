// The environment a task or executor process starts with: a few variables of
// the agent's own (PATH, so commands are found), the task's variables, then
// Tessera's, which win so a task cannot spoof its sandbox or ids.

import type { Environment, Resource } from '@tessera/common';

const INHERITED = ['PATH', 'LANG', 'LC_ALL', 'TZ'];
/** More ports than this are not spelled out as PORT<n> variables. */
const MAX_PORT_VARIABLES = 1024;

export function processEnvironment(taskEnv: Environment | undefined, tessera: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  for (const variable of taskEnv?.variables ?? []) env[variable.name] = variable.value;
  return { ...env, ...tessera };
}

/** PORTS="31000,31001" and PORT0, PORT1, ... from the task's ports resource. */
export function portVariables(resources: readonly Resource[]): Record<string, string> {
  const ports: number[] = [];
  for (const resource of resources) {
    if (resource.name !== 'ports' || !resource.ranges) continue;
    for (const range of resource.ranges.range) {
      for (let port = range.begin; port <= range.end && ports.length < MAX_PORT_VARIABLES; port++) ports.push(port);
    }
  }
  if (ports.length === 0) return {};
  const out: Record<string, string> = { PORTS: ports.join(',') };
  ports.forEach((port, index) => (out[`PORT${index}`] = String(port)));
  return out;
}
