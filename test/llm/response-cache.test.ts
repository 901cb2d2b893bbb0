import { FallbackChain } from '../../src/llm/fallback-chain';
import { GeminiProvider } from '../../src/llm/gemini-provider';
import type { LlmProvider, LlmRequest } from '../../src/llm/llm-provider';
import { OllamaProvider } from '../../src/llm/ollama-provider';
import { CachedLlmProvider, ResponseCache } from '../../src/llm/response-cache';
import { answer, answerJson, FakeLlmServer } from '../support/fake-llm-server';

let server: FakeLlmServer;
beforeAll(async () => {
  server = await FakeLlmServer.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const request = (prompt: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({ prompt, system: 'sys', jsonSchema: { type: 'object' }, timeoutMs: 2000, ...extra });

function cachedChain(cache = new ResponseCache({ maxEntries: 10, ttlMs: 60_000 })) {
  const chain = new FallbackChain(
    [new GeminiProvider({ apiKey: 'k', baseUrl: server.url }), new OllamaProvider({ host: server.url })],
    { breaker: { failureThreshold: 5, coolDownMs: 1000 }, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
  );
  return new CachedLlmProvider(chain, cache);
}

test('a repeated question is answered from the cache without a second request', async () => {
  server.setDefault('gemini.generate', answerJson({ findings: [] }));
  const llm = cachedChain();

  const first = await llm.generate(request('same question'));
  const second = await llm.generate(request('same question'));
  await llm.generate(request('another question'));

  expect(second).toEqual(first);
  expect(server.count('gemini.generate')).toBe(2);
});

test('an unacceptable answer is not cached, so the next call asks again', async () => {
  server.script('gemini.generate', answer('garbage'), answerJson({ ok: true }));
  server.script('ollama.chat', answer('more garbage'));
  const llm = cachedChain();
  const isAcceptable = (t: string) => t.startsWith('{');

  await expect(llm.generate(request('q', { isAcceptable }))).rejects.toThrow();
  expect((await llm.generate(request('q', { isAcceptable }))).text).toBe('{"ok":true}');
  expect(server.count('gemini.generate')).toBe(2);
});

test('the key covers prompt, system and schema but not the provider or timeout', () => {
  const key = ResponseCache.keyOf(request('p'));
  const shorter: LlmRequest = { ...request('p'), timeoutMs: 5 };
  expect(ResponseCache.keyOf(shorter)).toBe(key);
  expect(ResponseCache.keyOf({ prompt: 'p', system: 'sys', jsonSchema: { type: 'object' } })).toBe(key);
  expect(ResponseCache.keyOf(request('p', { system: 'other' }))).not.toBe(key);
  expect(ResponseCache.keyOf(request('p', { jsonSchema: { type: 'array' } }))).not.toBe(key);
  expect(ResponseCache.keyOf(request('p2'))).not.toBe(key);
  expect(key).toMatch(/^[0-9a-f]{64}$/);
  // Equal schemas written in another key order are the same question.
  expect(ResponseCache.keyOf({ prompt: 'p', jsonSchema: { a: 1, b: 2 } })).toBe(ResponseCache.keyOf({ prompt: 'p', jsonSchema: { b: 2, a: 1 } }));
});

test('entries expire after the TTL, and the least recently used is evicted first', async () => {
  let clock = 0;
  let calls = 0;
  const counting: LlmProvider = { name: 'stub', generate: async (r) => ({ text: `${r.prompt}#${++calls}`, provider: 'stub' }) };
  const llm = new CachedLlmProvider(counting, new ResponseCache({ maxEntries: 2, ttlMs: 1000, now: () => clock }));

  await llm.generate(request('a'));
  await llm.generate(request('b'));
  await llm.generate(request('a')); // a is now the most recent
  await llm.generate(request('c')); // evicts b
  expect(calls).toBe(3);
  expect((await llm.generate(request('a'))).text).toBe('a#1');
  expect((await llm.generate(request('b'))).text).toBe('b#4');

  clock = 1000;
  expect((await llm.generate(request('a'))).text).toBe('a#5');
});
