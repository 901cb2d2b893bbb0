import { statusOf } from '../../src/fhir/outcomes';
import { FallbackChain } from '../../src/llm/fallback-chain';
import { GeminiProvider } from '../../src/llm/gemini-provider';
import { LlmUnavailableError } from '../../src/llm/llm-errors';
import { OllamaProvider } from '../../src/llm/ollama-provider';
import { answer, answerJson, fail, FakeLlmServer, raw, slow } from '../support/fake-llm-server';

/** Gemini, then Ollama, both real clients talking HTTP to one fake server. */
let server: FakeLlmServer;
let clock: number;

beforeAll(async () => {
  server = await FakeLlmServer.start();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  clock = 1_000_000;
});

const SCHEMA = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };

function chain(options: { maxAttempts?: number; failureThreshold?: number; ollamaUrl?: string } = {}) {
  return new FallbackChain(
    [
      new GeminiProvider({ apiKey: 'test-key', baseUrl: server.url, model: 'gemini-test' }),
      new OllamaProvider({ host: options.ollamaUrl ?? server.url, model: 'llama-test' }),
    ],
    {
      retry: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 10, maxDelayMs: 40 },
      breaker: { failureThreshold: options.failureThreshold ?? 5, coolDownMs: 30_000 },
      // Only the breaker needs a controllable clock; timeouts run on real time.
      now: () => clock,
    },
  );
}

const ask = (extra: { timeoutMs?: number; isAcceptable?: (t: string) => boolean } = {}) => ({
  prompt: 'Is this safe?',
  system: 'You are a reviewer.',
  jsonSchema: SCHEMA,
  timeoutMs: extra.timeoutMs ?? 2000,
  isAcceptable: extra.isAcceptable,
});

test('Gemini answers with JSON constrained to the schema when it is healthy', async () => {
  server.script('gemini.generate', answerJson({ ok: true }));

  const response = await chain().generate(ask());

  expect(response).toEqual({ text: '{"ok":true}', provider: 'gemini' });
  const sent = server.last('gemini.generate')!;
  expect(sent.path).toBe('/v1beta/models/gemini-test:generateContent');
  expect(sent.headers['x-goog-api-key']).toBe('test-key');
  expect(sent.body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseSchema: { type: 'object', required: ['ok'] } });
  expect(sent.body.generationConfig.responseSchema).not.toHaveProperty('additionalProperties');
  expect(sent.body.systemInstruction.parts[0].text).toBe('You are a reviewer.');
  expect(sent.body.contents[0].parts[0].text).toBe('Is this safe?');
  expect(server.count('ollama.chat')).toBe(0);
});

test('a hanging Gemini is abandoned within the timeout and Ollama answers', async () => {
  server.script('gemini.generate', slow(10_000, answerJson({ ok: true })));
  server.script('ollama.chat', answerJson({ ok: false }));
  const timeoutMs = 300;

  const started = Date.now();
  const response = await chain().generate(ask({ timeoutMs }));
  const elapsed = Date.now() - started;

  expect(response).toEqual({ text: '{"ok":false}', provider: 'ollama' });
  expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
  expect(elapsed).toBeLessThan(timeoutMs + 250);
  // A timeout is not retried: the budget is spent.
  expect(server.count('gemini.generate')).toBe(1);
  const sent = server.last('ollama.chat')!;
  expect(sent.body).toMatchObject({ model: 'llama-test', stream: false, format: SCHEMA });
  expect(sent.body.messages).toEqual([
    { role: 'system', content: 'You are a reviewer.' },
    { role: 'user', content: 'Is this safe?' },
  ]);
});

test('a rate-limited Gemini is retried with backoff and then answers', async () => {
  server.script('gemini.generate', fail(429), fail(503), answerJson({ ok: true }));

  const response = await chain().generate(ask());

  expect(response.provider).toBe('gemini');
  expect(server.count('gemini.generate')).toBe(3);
  expect(server.count('ollama.chat')).toBe(0);
});

test('a client error is not retried: the chain moves on at once', async () => {
  server.script('gemini.generate', fail(400, 'schema not supported'));
  server.script('ollama.chat', answerJson({ ok: true }));

  const response = await chain().generate(ask());

  expect(response.provider).toBe('ollama');
  expect(server.count('gemini.generate')).toBe(1);
});

test('repeated 500s open the breaker; Gemini is then skipped without a request until the cool-down, when one trial goes through', async () => {
  const llm = chain({ maxAttempts: 2, failureThreshold: 2 });
  server.setDefault('gemini.generate', fail(500));
  server.setDefault('ollama.chat', answerJson({ ok: true }));

  // Two failed calls (each retried once) open Gemini's circuit.
  expect((await llm.generate(ask())).provider).toBe('ollama');
  expect((await llm.generate(ask())).provider).toBe('ollama');
  expect(server.count('gemini.generate')).toBe(4);
  expect(llm.states().gemini).toBe('open');

  // Open: no request reaches Gemini at all.
  for (let i = 0; i < 3; i++) expect((await llm.generate(ask())).provider).toBe('ollama');
  clock += 29_999;
  expect((await llm.generate(ask())).provider).toBe('ollama');
  expect(server.count('gemini.generate')).toBe(4);

  // Cool-down over: half-open lets exactly one trial through, even with two calls at once.
  clock += 1;
  expect(llm.states().gemini).toBe('half-open');
  server.setDefault('gemini.generate', slow(100, answerJson({ ok: true })));
  const both = await Promise.all([llm.generate(ask()), llm.generate(ask())]);
  expect(both.map((r) => r.provider).sort()).toEqual(['gemini', 'ollama']);
  expect(server.count('gemini.generate')).toBe(5);

  // The trial succeeded: the circuit is closed and Gemini serves again.
  expect(llm.states().gemini).toBe('closed');
  server.setDefault('gemini.generate', answerJson({ ok: true }));
  expect((await llm.generate(ask())).provider).toBe('gemini');
});

test('a failed half-open trial re-opens the breaker for another cool-down', async () => {
  const llm = chain({ maxAttempts: 1, failureThreshold: 1 });
  server.setDefault('gemini.generate', fail(503));
  server.setDefault('ollama.chat', answerJson({ ok: true }));

  await llm.generate(ask());
  expect(llm.states().gemini).toBe('open');
  clock += 30_000;
  await llm.generate(ask());
  expect(server.count('gemini.generate')).toBe(2);
  expect(llm.states().gemini).toBe('open');
  await llm.generate(ask());
  expect(server.count('gemini.generate')).toBe(2);
});

test('malformed output is rejected and the next provider answers, without blaming the service', async () => {
  server.script('gemini.generate', answer('{"ok": tru'));
  server.script('ollama.chat', answerJson({ ok: true }));
  const isAcceptable = (text: string) => {
    try {
      return typeof JSON.parse(text).ok === 'boolean';
    } catch {
      return false;
    }
  };
  const llm = chain({ failureThreshold: 1 });

  const response = await llm.generate(ask({ isAcceptable }));

  expect(response).toEqual({ text: '{"ok":true}', provider: 'ollama' });
  expect(llm.states().gemini).toBe('closed');
});

test('with every provider down the caller gets LlmUnavailableError, a 503 outcome', async () => {
  server.setDefault('gemini.generate', fail(500));
  server.setDefault('ollama.chat', fail(503, 'model is loading'));

  const error = await chain({ maxAttempts: 2 }).generate(ask()).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(LlmUnavailableError);
  const unavailable = error as LlmUnavailableError;
  expect(unavailable.attempts).toEqual([
    { provider: 'gemini', kind: 'http', status: 500 },
    { provider: 'ollama', kind: 'http', status: 503 },
  ]);
  expect(statusOf(unavailable.outcome)).toBe(503);
  expect(unavailable.message).not.toContain('Is this safe?');
});

test('an unreachable Ollama and an unreadable Gemini body are transport failures', async () => {
  server.script('gemini.generate', raw(200, '<html>proxy error</html>'));

  const error = await chain({ ollamaUrl: 'http://127.0.0.1:1' }).generate(ask()).catch((e: unknown) => e);

  expect((error as LlmUnavailableError).attempts).toEqual([
    { provider: 'gemini', kind: 'transport' },
    { provider: 'ollama', kind: 'transport' },
  ]);
});

test('a chain with no providers fails at once', async () => {
  await expect(new FallbackChain([], { breaker: { failureThreshold: 1, coolDownMs: 1 } }).generate(ask())).rejects.toBeInstanceOf(LlmUnavailableError);
});
