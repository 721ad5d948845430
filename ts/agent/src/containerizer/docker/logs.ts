// A container's stdout and stderr appended to the sandbox's stdout and stderr
// files, as under the other containerizers. Docker multiplexes both streams
// into one (8-byte frame headers) when there is no TTY; dockerode's
// demuxStream splits them. A new container is attached to before it starts
// (a log followed then would end at once: it is not running yet); a
// re-attached one follows its log from where the files left off (`since`).

import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

import type Docker from 'dockerode';

/**
 * Attaches to a created (not yet started) container. Resolves once attached,
 * with a promise that settles when its output has ended (or `signal` aborted)
 * and is flushed to the sandbox files; that one never rejects.
 */
export async function attachOutput(docker: Docker, container: Docker.Container, sandbox: string, signal: AbortSignal): Promise<{ done: Promise<void> }> {
  const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
  return { done: copyOutput(docker, async () => stream, sandbox, signal) };
}

/**
 * Follows a running (or exited) container's log into the sandbox files until
 * it stops; `sinceSeconds` (unix time) skips what an earlier agent already
 * wrote. Never rejects.
 */
export function followLog(docker: Docker, container: Docker.Container, sandbox: string, sinceSeconds: number, signal: AbortSignal): Promise<void> {
  // Docker reads a fractional `since` as seconds.nanoseconds.
  const whole = Math.floor(sinceSeconds);
  const since = `${whole}.${String(Math.floor((sinceSeconds - whole) * 1e9)).padStart(9, '0')}`;
  return copyOutput(
    docker,
    async () => (await container.logs({ follow: true, stdout: true, stderr: true, since: since as unknown as number })) as unknown as Readable,
    sandbox,
    signal,
  );
}

async function copyOutput(docker: Docker, open: () => Promise<Readable>, sandbox: string, signal: AbortSignal): Promise<void> {
  const stdout = createWriteStream(path.join(sandbox, 'stdout'), { flags: 'a' });
  const stderr = createWriteStream(path.join(sandbox, 'stderr'), { flags: 'a' });
  try {
    const stream = await open();
    const stop = (): void => void stream.destroy();
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    docker.modem.demuxStream(stream, stdout, stderr);
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    signal.removeEventListener('abort', stop);
  } catch {
    // The container is gone already: nothing more to copy.
  } finally {
    await Promise.all([close(stdout), close(stderr)]);
  }
}

function close(file: WriteStream): Promise<void> {
  return new Promise((resolve) => file.end(() => resolve()));
}
