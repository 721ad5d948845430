// The command line that starts a native container. No native addon: util-linux
// unshare (behind prlimit only for rlimits the shell cannot set alike in dash
// and bash, such as nproc) forks the
// container's init into new PID, mount (with its own /proc), UTS and IPC
// namespaces, and a new network namespace for network "none". The init is a
// small shell, pid 1 inside. It sets the core and nofile rlimits itself
// (`ulimit`, soft = hard, inherited by the task), which saves a prlimit exec
// per container. Before anything else it writes its own pid into
// each of the container's cgroup.procs (the kernel reads the pid in the
// writer's PID namespace, so "1" is the init itself), so the task is confined
// before any of it runs. A PID namespace's init ignores signals it has no
// handler for, so a bare task as pid 1 would shrug off SIGTERM: the init
// forwards SIGTERM to the task and exits with its status. With --kill-child
// the namespace dies with unshare. Once the task is started the init writes a
// line to fd 3 (a pipe to the agent, closed for the task), so launch() returns
// only when the container truly runs, and a container that dies before (a
// cgroup it cannot join, a bad hostname, unshare failing) is a launch failure
// rather than a task failure. The init runs in its own session, apart from the
// agent, so it outlives an agent that dies or stops leaving its tasks running;
// before exiting it writes the task's exit status to a file in the container's
// run dir (run-dirs.ts), which is how a later agent, not the container's
// parent, learns how the task ended.

/** Rlimits the init sets with `ulimit` (same flags and units in every POSIX sh). */
export interface ShellLimits {
  /** Core file size in bytes; a multiple of 512 (`ulimit -c` counts 512-byte blocks). */
  core?: number;
  nofile?: number;
}

/** pid 1 of the container: rlimits, cgroups, hostname, loopback, then the task with SIGTERM forwarded. */
function initScript(limits: ShellLimits): string {
  // Without -H/-S, ulimit sets both limits, as prlimit --x=v:v did.
  const ulimits = [
    ...(limits.core === undefined ? [] : [`ulimit -c ${limits.core / 512}`]),
    ...(limits.nofile === undefined ? [] : [`ulimit -n ${limits.nofile}`]),
  ].map((line) => `${line} || { echo "tessera: cannot set rlimit (${line})" >&2; exit 125; }`);
  return [...ulimits, ...INIT].join('\n');
}

const INIT = [
  'x=$1; h=$2; lo=$3; n=$4; shift 4',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || { echo "tessera: cannot join cgroup $1" >&2; exit 125; }; n=$((n-1)); shift; done',
  'if [ -n "$h" ]; then echo "$h" > /proc/sys/kernel/hostname || { echo "tessera: cannot set hostname $h" >&2; exit 125; }; fi',
  'if [ "$lo" = up ]; then ip link set lo up 2>/dev/null || true; fi',
  // The trap is set after the fork: a child forked with it would run it (and
  // survive) if SIGTERM came before its exec.
  '"$@" 3>&- &',
  'c=$!',
  "trap 'kill -TERM $c 2>/dev/null' TERM",
  'echo started >&3; exec 3>&-',
  'while :; do wait $c; s=$?; kill -0 $c 2>/dev/null || break; done',
  // For an agent that is not our parent (it restarted): complete before we exit, so before the leader does.
  // (2> first, so that a run dir removed under a destroyed container costs no line in the task's stderr.)
  'if [ -n "$x" ]; then echo $s 2>/dev/null > "$x" || true; fi',
  'exit $s',
];

export interface LaunchCommand {
  /** cgroup.procs files the container's first process joins. */
  procsFiles: string[];
  /** prlimit and its limit arguments, for rlimits the init cannot set itself. */
  prlimit?: { program: string; args: string[] };
  /** Rlimits the init sets (ulimit). */
  shellLimits?: ShellLimits;
  unshare: string;
  network: 'host' | 'none';
  /** ContainerInfo.hostname; empty keeps the agent's hostname (in the container's own UTS namespace). */
  hostname: string;
  /** setpriv switching to the task's user inside the container, when it differs from the agent's. */
  setpriv?: { program: string; uid: number; gid: number };
  /** Where the init writes the task's exit status (run-dirs.ts); empty for nowhere. */
  exitStatusFile: string;
  /** The task's program (resolved path) and its arguments. */
  command: string[];
}

/** argv for spawn: [program, ...args]. */
export function launchArgv(launch: LaunchCommand): string[] {
  for (const [field, value] of Object.entries(launch.shellLimits ?? {})) {
    // They end up in a shell script: integers only.
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) throw new TypeError(`rlimits.${field}: must be a non-negative integer (got ${value})`);
  }
  if (launch.shellLimits?.core !== undefined && launch.shellLimits.core % 512 !== 0) {
    throw new TypeError(`rlimits.core: the init sets it in 512-byte blocks (got ${launch.shellLimits.core}); use prlimit`);
  }
  const namespaces = ['--fork', '--kill-child', '--pid', '--mount-proc', '--mount', '--uts', '--ipc'];
  if (launch.network === 'none') namespaces.push('--net');
  const user = launch.setpriv
    ? [launch.setpriv.program, `--reuid=${launch.setpriv.uid}`, `--regid=${launch.setpriv.gid}`, '--clear-groups', '--']
    : [];
  return [
    ...(launch.prlimit ? [launch.prlimit.program, ...launch.prlimit.args, '--'] : []),
    launch.unshare,
    ...namespaces,
    '--',
    '/bin/sh',
    '-c',
    initScript(launch.shellLimits ?? {}),
    'tessera-init',
    launch.exitStatusFile,
    launch.hostname,
    launch.network === 'none' ? 'up' : 'host',
    String(launch.procsFiles.length),
    ...launch.procsFiles,
    ...user,
    ...launch.command,
  ];
}
