// The `tessera` command: one entry point, a subcommand per job. Every
// subcommand has --help; usage mistakes exit 2 with one line saying what to
// fix, cluster errors exit 1.

import { agentCommand, agentSpec } from './commands/agent.js';
import { devCommand, devSpec } from './commands/dev.js';
import { killCommand, killSpec } from './commands/kill.js';
import { agentsCommand, agentsSpec, frameworksCommand, frameworksSpec, tasksCommand, tasksSpec } from './commands/list.js';
import { masterCommand, masterSpec } from './commands/master.js';
import { runCommand, runSpec } from './commands/run.js';
import { helpText, type CommandSpec } from './ui/args.js';
import { CommandError, UsageError } from './ui/errors.js';
import { VERSION } from './version.js';

type Out = (s: string) => void;

interface Command {
  spec: CommandSpec;
  run: (argv: string[], out: Out, err: Out) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  dev: { spec: devSpec, run: (a, o) => devCommand(a, o) },
  run: { spec: runSpec, run: runCommand },
  tasks: { spec: tasksSpec, run: (a, o) => tasksCommand(a, o) },
  agents: { spec: agentsSpec, run: (a, o) => agentsCommand(a, o) },
  frameworks: { spec: frameworksSpec, run: (a, o) => frameworksCommand(a, o) },
  kill: { spec: killSpec, run: (a, o) => killCommand(a, o) },
  master: { spec: masterSpec, run: (a) => masterCommand(a) },
  agent: { spec: agentSpec, run: (a) => agentCommand(a) },
};
const ALIASES: Record<string, string> = { ps: 'tasks' };

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    `tessera ${VERSION} — a datacenter resource manager in the lineage of Apache Mesos`,
    '',
    'Usage: tessera <command> [options]      tessera <command> --help',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.spec.summary}`),
    `  ${'ps'.padEnd(width)}Same as tasks.`,
    '',
    'Start here:  npx tessera dev      then, in another terminal:  npx tessera run -- echo hello',
  ].join('\n');
}

export async function main(argv: string[], out: Out = (s) => console.log(s), err: Out = (s) => console.error(s)): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    out(overview());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === 'version') {
    out(VERSION);
    return 0;
  }
  const name = ALIASES[first] ?? first;
  const command = COMMANDS[name];
  if (!command) {
    err(`tessera: unknown command '${first}'. Commands: ${Object.keys(COMMANDS).join(', ')}, ps. See tessera --help.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    // Only before a `--`: after it, -h belongs to the task's command.
    const dash = rest.indexOf('--');
    const at = Math.max(rest.indexOf('--help'), rest.indexOf('-h'));
    if (dash === -1 || at < dash) {
      out(helpText(command.spec));
      return 0;
    }
  }
  try {
    return await command.run(rest, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`tessera ${e.message}\nSee: tessera ${name} --help`);
      return 2;
    }
    if (e instanceof CommandError) {
      err(`tessera ${name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
