// Waiting, with deadlines.

export const sleep = (msec: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, msec)));

/** `promise`, or an Error(message()) after `msec`. */
export async function withTimeout<T>(promise: Promise<T>, msec: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message())), msec);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
