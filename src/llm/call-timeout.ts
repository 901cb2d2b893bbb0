import { LlmCallError } from './llm-errors';

/**
 * Runs one call with a hard deadline: the signal aborts the request, and the race returns at the
 * deadline even if a client library ignores the signal (or is stuck reading a slow body).
 */
export async function withTimeout<T>(provider: string, timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new LlmCallError(provider, 'timeout', `no answer within ${timeoutMs} ms`));
    }, Math.max(0, timeoutMs));
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
