// The agent options of the fetcher and of sandbox GC, with their defaults and
// the checks that turn a bad value into a TypeError naming the option.

export interface SandboxOptions {
  /** Bound of the fetcher's content cache (<workDir>/cache) in bytes; default 2 GiB. */
  fetcherCacheBytes?: number;
  /** A download that receives nothing for this long is aborted; default 60 s. */
  fetcherStallTimeoutSeconds?: number;
  /** Largest file one URI may bring; default 10 GiB. */
  fetcherMaxBytes?: number;
  /** How long a finished executor's sandbox is kept (Mesos' gc_delay); default 1 week. */
  sandboxGcDelaySeconds?: number;
  /** Fraction of the disk GC tries to keep free by collecting sooner (gc_disk_headroom); default 0.1. */
  sandboxGcDiskHeadroom?: number;
  /** How often the disk usage is checked (disk_watch_interval); default 60 s. */
  diskWatchIntervalSeconds?: number;
}

export interface CheckedSandboxOptions {
  fetcherCacheBytes: number;
  fetcherStallTimeoutMs: number;
  fetcherMaxBytes: number;
  sandboxGcDelayMs: number;
  sandboxGcDiskHeadroom: number;
  diskWatchIntervalMs: number;
}

const GiB = 1024 ** 3;
const YEAR_SECONDS = 365 * 86_400;

export function checkSandboxOptions(options: SandboxOptions): CheckedSandboxOptions {
  return {
    fetcherCacheBytes: number('fetcherCacheBytes', options.fetcherCacheBytes ?? 2 * GiB, 0, Number.MAX_SAFE_INTEGER, true),
    fetcherStallTimeoutMs: number('fetcherStallTimeoutSeconds', options.fetcherStallTimeoutSeconds ?? 60, 0.001, 86_400) * 1000,
    fetcherMaxBytes: number('fetcherMaxBytes', options.fetcherMaxBytes ?? 10 * GiB, 1, Number.MAX_SAFE_INTEGER, true),
    sandboxGcDelayMs: number('sandboxGcDelaySeconds', options.sandboxGcDelaySeconds ?? 7 * 86_400, 0, YEAR_SECONDS) * 1000,
    sandboxGcDiskHeadroom: number('sandboxGcDiskHeadroom', options.sandboxGcDiskHeadroom ?? 0.1, 0, 1),
    diskWatchIntervalMs: number('diskWatchIntervalSeconds', options.diskWatchIntervalSeconds ?? 60, 0.01, 86_400) * 1000,
  };
}

function number(name: string, value: unknown, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new TypeError(`${name}: must be ${integer ? 'an integer' : 'a number'} in ${min}-${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}
