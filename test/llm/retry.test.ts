import { LlmCallError } from '../../src/llm/llm-errors';
import { backoff, retry } from '../../src/llm/retry';

const httpError = (status: number) => new LlmCallError('test', 'http', `HTTP ${status}`, status);

function harness(deadline = 10_000) {
  let clock = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    options: {
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      deadline,
      isRetryable: (err: unknown) => err instanceof LlmCallError && err.retryable,
      now: () => clock,
      random: () => 0.5,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock += ms;
      },
    },
  };
}

test('429 and 5xx are retried until the call succeeds', async () => {
  const { options, sleeps } = harness();
  const outcomes = [httpError(429), httpError(502), 'ok'];
  const result = await retry(async () => {
    const next = outcomes.shift();
    if (next instanceof Error) throw next;
    return next;
  }, options);
  expect(result).toBe('ok');
  expect(sleeps).toEqual([75, 150]);
});

test.each([400, 401, 404])('HTTP %i is not retried', async (status) => {
  const { options } = harness();
  let calls = 0;
  await expect(retry(async () => { calls++; throw httpError(status); }, options)).rejects.toMatchObject({ status });
  expect(calls).toBe(1);
});

test('timeouts and transport failures are not retried', async () => {
  const { options } = harness();
  let calls = 0;
  await expect(retry(async () => { calls++; throw new LlmCallError('test', 'timeout', 'slow'); }, options)).rejects.toMatchObject({ kind: 'timeout' });
  expect(calls).toBe(1);
});

test('gives up after max attempts with the last error', async () => {
  const { options } = harness();
  let calls = 0;
  await expect(retry(async () => { calls++; throw httpError(500 + calls); }, options)).rejects.toMatchObject({ status: 504 });
  expect(calls).toBe(4);
});

test('does not sleep past the overall deadline, and tells each attempt what is left', async () => {
  const { options, sleeps } = harness(200);
  const budgets: number[] = [];
  await expect(retry(async (remaining) => { budgets.push(remaining); throw httpError(503); }, options)).rejects.toMatchObject({ status: 503 });
  expect(budgets).toEqual([200, 125]);
  expect(sleeps).toEqual([75]);
});

test('backoff doubles, is capped, and is jittered within its upper half', () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  expect([1, 2, 3, 4, 5].map((n) => backoff(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  expect(backoff(3, policy, () => 0)).toBe(200);
});
