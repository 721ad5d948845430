// The grace period of a kill, shared by every containerizer: after SIGTERM,
// wait for the container to exit, but no longer than the grace.

/** Resolves true when `exited` settles within graceMs, false when the grace runs out first. */
export async function exitsWithin(exited: Promise<unknown>, graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, graceMs));
  });
  try {
    return await Promise.race([exited.then(() => true), graceOver]);
  } finally {
    clearTimeout(timer);
  }
}
