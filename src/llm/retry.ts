/** How hard to retry a failing call. */
export interface RetryPolicy {
  maxAttempts: number;
  /** First backoff; it doubles each attempt, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryOptions extends RetryPolicy {
  /** Absolute time (per `now`) after which no attempt starts and no backoff is slept. */
  deadline: number;
  isRetryable: (err: unknown) => boolean;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4000 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it succeeds, the error is not retryable, attempts run out, or the next backoff
 * would end past the deadline. Each attempt is told how much of the deadline remains, to use as its
 * own timeout. Throws the last error, so callers see why the final attempt failed.
 */
export async function retry<T>(attempt: (remainingMs: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? realSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(Math.max(0, options.deadline - now()));
    } catch (err) {
      if (n >= options.maxAttempts || !options.isRetryable(err)) throw err;
      const delay = backoff(n, options, random);
      // An attempt needs time of its own after the sleep; with none left, the last error is the answer.
      if (now() + delay >= options.deadline) throw err;
      await sleep(delay);
    }
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random, so clients that failed together spread out. */
export function backoff(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
