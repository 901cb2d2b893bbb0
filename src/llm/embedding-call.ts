import { withTimeout } from './call-timeout';
import { LlmCallError } from './llm-errors';
import { DEFAULT_RETRY, retry, type RetryPolicy } from './retry';

export interface EmbeddingCallOptions {
  /** Budget per batch, retries included. */
  timeoutMs: number;
  retry?: RetryPolicy;
}

/** One embedding request with the same timeout and 429/5xx retry rules as generation. */
export function embeddingCall<T>(
  provider: string,
  options: EmbeddingCallOptions,
  toError: (err: unknown) => LlmCallError,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return retry(
    (remainingMs) =>
      withTimeout(provider, remainingMs, async (signal) => {
        try {
          return await call(signal);
        } catch (err) {
          throw toError(err);
        }
      }),
    {
      ...(options.retry ?? DEFAULT_RETRY),
      deadline: Date.now() + options.timeoutMs,
      isRetryable: (err) => err instanceof LlmCallError && err.retryable,
    },
  );
}
