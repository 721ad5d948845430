// Test helpers: poll for a condition with a deadline, and take events from an
// async iterator with a deadline, so tests wait for what they need and no longer.

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function nextOf<T>(iterator: AsyncIterator<T>, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([iterator.next(), timeout]);
    if (result.done) throw new Error('the event stream ended');
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** Takes events until one of `type` arrives; returns it and the ones skipped. */
export async function nextOfType<T extends { type: string }, K extends T['type']>(
  iterator: AsyncIterator<T>,
  type: K,
  timeoutMs = 5_000,
): Promise<Extract<T, { type: K }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = await nextOf(iterator, Math.max(1, deadline - Date.now()));
    if (event.type === type) return event as Extract<T, { type: K }>;
  }
}
