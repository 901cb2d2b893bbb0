import type { Embedder } from '../../src/knowledge/embedder';
import { GeminiEmbedder } from '../../src/llm/gemini-embedder';
import { OllamaEmbedder } from '../../src/llm/ollama-embedder';
import { fail, FakeLlmServer, slow, vectors } from '../support/fake-llm-server';

let server: FakeLlmServer;
beforeAll(async () => {
  server = await FakeLlmServer.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const retryFast = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 };
const gemini = (model?: string) => new GeminiEmbedder({ apiKey: 'k', baseUrl: server.url, timeoutMs: 2000, retry: retryFast, model });
const ollama = (model?: string) => new OllamaEmbedder({ host: server.url, timeoutMs: 2000, retry: retryFast, model });

const norm = (v: number[]) => Math.hypot(...v);

describe.each([
  ['gemini', () => gemini() as Embedder, 'gemini-text-embedding-004-768'],
  ['ollama', () => ollama() as Embedder, 'ollama-nomic-embed-text-768'],
])('%s embedder', (_label, make, name) => {
  test('returns one unit vector of 768 dimensions per text, in order', async () => {
    const embedder = make();
    const texts = ['ibuprofen and warfarin', 'penicillin allergy', 'chest pain'];

    const out = await embedder.embed(texts);

    expect(embedder.name).toBe(name);
    expect(embedder.dimension).toBe(768);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v).toHaveLength(768);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
    // Same text, same vector; different text, different vector.
    expect((await embedder.embed(['penicillin allergy']))[0]).toEqual(out[1]);
    expect(out[0]).not.toEqual(out[1]);
  });

  test('embeds nothing without a request', async () => {
    expect(await make().embed([])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  test('a model answering in another width is refused', async () => {
    server.embeddingDimension = 384;
    await expect(make().embed(['x'])).rejects.toThrow(/dimension 768/);
  });
});

test('Gemini uses embedContent for one text and batchEmbedContents for several', async () => {
  await gemini().embed(['one']);
  await gemini().embed(['one', 'two']);
  expect(server.last('gemini.embed')!.path).toBe('/v1beta/models/text-embedding-004:embedContent');
  expect(server.last('gemini.embed')!.body.content.parts[0].text).toBe('one');
  const batch = server.last('gemini.batchEmbed')!;
  expect(batch.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
  expect(batch.body.requests.map((r: any) => [r.model, r.content.parts[0].text])).toEqual([
    ['models/text-embedding-004', 'one'],
    ['models/text-embedding-004', 'two'],
  ]);
});

test('Ollama posts all texts to /api/embed with the configured model', async () => {
  await ollama('mxbai-embed-large').embed(['a', 'b']);
  expect(server.last('ollama.embed')!.body).toMatchObject({ model: 'mxbai-embed-large', input: ['a', 'b'] });
});

test('the model is part of the name, so switching models re-embeds', () => {
  expect(gemini('text-embedding-005').name).not.toBe(gemini().name);
  expect(ollama('mxbai-embed-large').name).not.toBe(ollama().name);
});

test('rate limits are retried; a hanging server is abandoned at the timeout', async () => {
  server.script('ollama.embed', fail(429), vectors());
  expect(await ollama().embed(['a'])).toHaveLength(1);
  expect(server.count('ollama.embed')).toBe(2);

  server.script('gemini.embed', slow(5000, vectors()));
  const started = Date.now();
  const embedder = new GeminiEmbedder({ apiKey: 'k', baseUrl: server.url, timeoutMs: 200 });
  await expect(embedder.embed(['a'])).rejects.toMatchObject({ kind: 'timeout' });
  expect(Date.now() - started).toBeLessThan(450);
});
