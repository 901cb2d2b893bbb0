import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Gemini's REST API (as @google/generative-ai 0.24 calls it) and Ollama's
 * (as the ollama package calls it), so tests drive the real client libraries over real HTTP.
 *
 *   POST /v1beta/models/{model}:generateContent | :embedContent | :batchEmbedContents
 *   POST /api/chat | /api/embed
 *
 * Each route answers from a per-test script (one behaviour per request, in order), then from its
 * default. Every request is recorded before it is answered, so tests can count what reached the server.
 */

export type Route = 'gemini.generate' | 'gemini.embed' | 'gemini.batchEmbed' | 'ollama.chat' | 'ollama.embed';

export type Behaviour =
  /** The model's answer text (generation routes); embedding routes compute vectors from the input. */
  | { kind: 'answer'; text: string }
  /** An HTTP error in the provider's own error format. */
  | { kind: 'status'; status: number; message: string }
  /** Bytes as given: for broken bodies. */
  | { kind: 'raw'; status: number; body: string; contentType: string }
  | { kind: 'slow'; ms: number; then: Behaviour };

export const answer = (text: string): Behaviour => ({ kind: 'answer', text });
export const answerJson = (value: unknown): Behaviour => answer(JSON.stringify(value));
export const fail = (status: number, message = `fake failure ${status}`): Behaviour => ({ kind: 'status', status, message });
export const raw = (status: number, body: string, contentType = 'text/html'): Behaviour => ({ kind: 'raw', status, body, contentType });
export const slow = (ms: number, then: Behaviour = answer('{}')): Behaviour => ({ kind: 'slow', ms, then });
/** Embedding routes: answer with vectors (computed from the input). */
export const vectors = (): Behaviour => answer('');

export interface RecordedRequest {
  route: Route;
  path: string;
  /** e.g. `models/gemini-1.5-flash` or `llama3.1` */
  model: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: any;
}

const GEMINI_PATH = /^\/v1beta\/(models\/[^:/]+):(generateContent|embedContent|batchEmbedContents)$/;
const GEMINI_TASKS: Record<string, Route> = { generateContent: 'gemini.generate', embedContent: 'gemini.embed', batchEmbedContents: 'gemini.batchEmbed' };
const GEMINI_STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

export class FakeLlmServer {
  readonly requests: RecordedRequest[] = [];
  /** Width of the vectors the embedding routes return. */
  embeddingDimension = 768;
  private readonly scripts = new Map<Route, Behaviour[]>();
  private readonly defaults = new Map<Route, Behaviour>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeLlmServer> {
    let fake: FakeLlmServer | undefined;
    const server = http.createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeLlmServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  /** Queues behaviours for the next requests on a route, one each. */
  script(route: Route, ...behaviours: Behaviour[]): this {
    this.scripts.set(route, [...(this.scripts.get(route) ?? []), ...behaviours]);
    return this;
  }

  /** What a route does once its script is used up (initially: answer `{}`, or vectors). */
  setDefault(route: Route, behaviour: Behaviour): this {
    this.defaults.set(route, behaviour);
    return this;
  }

  count(route: Route): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  last(route: Route): RecordedRequest | undefined {
    return this.requests.filter((r) => r.route === route).at(-1);
  }

  reset(): void {
    this.requests.length = 0;
    this.scripts.clear();
    this.defaults.clear();
    this.embeddingDimension = 768;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0];
    const gemini = GEMINI_PATH.exec(path);
    const route: Route | undefined =
      req.method !== 'POST' ? undefined : gemini ? GEMINI_TASKS[gemini[2]] : path === '/api/chat' ? 'ollama.chat' : path === '/api/embed' ? 'ollama.embed' : undefined;
    if (!route) {
      send(res, 404, 'application/json', JSON.stringify({ error: `no fake for ${req.method} ${path}` }));
      return;
    }
    let body: any;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    this.requests.push({ route, path, model: gemini ? gemini[1] : body?.model, headers: req.headers, rawBody, body });
    const behaviour = this.scripts.get(route)?.shift() ?? this.defaults.get(route) ?? answer('{}');
    this.respond(route, body, behaviour, res);
  }

  private respond(route: Route, body: any, behaviour: Behaviour, res: http.ServerResponse): void {
    switch (behaviour.kind) {
      case 'slow': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!res.destroyed) this.respond(route, body, behaviour.then, res);
        }, behaviour.ms);
        this.timers.add(timer);
        return;
      }
      case 'raw':
        send(res, behaviour.status, behaviour.contentType, behaviour.body);
        return;
      case 'status': {
        const error = route.startsWith('gemini')
          ? { error: { code: behaviour.status, message: behaviour.message, status: GEMINI_STATUS[behaviour.status] ?? 'UNKNOWN' } }
          : { error: behaviour.message };
        send(res, behaviour.status, 'application/json', JSON.stringify(error));
        return;
      }
      case 'answer':
        send(res, 200, 'application/json', JSON.stringify(this.success(route, body, behaviour.text)));
    }
  }

  private success(route: Route, body: any, text: string): unknown {
    switch (route) {
      case 'gemini.generate':
        return {
          candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 10, totalTokenCount: 20 },
        };
      case 'gemini.embed':
        return { embedding: { values: this.vector(body?.content?.parts?.[0]?.text ?? '') } };
      case 'gemini.batchEmbed':
        return { embeddings: (body?.requests ?? []).map((r: any) => ({ values: this.vector(r?.content?.parts?.[0]?.text ?? '') })) };
      case 'ollama.chat':
        return {
          model: body?.model,
          created_at: new Date().toISOString(),
          message: { role: 'assistant', content: text },
          done: true,
          done_reason: 'stop',
          total_duration: 1,
          load_duration: 1,
          prompt_eval_count: 10,
          prompt_eval_duration: 1,
          eval_count: 10,
          eval_duration: 1,
        };
      case 'ollama.embed': {
        const inputs: string[] = Array.isArray(body?.input) ? body.input : [body?.input ?? ''];
        return { model: body?.model, embeddings: inputs.map((t) => this.vector(t)), total_duration: 1, load_duration: 1, prompt_eval_count: 1 };
      }
    }
  }

  /** Deterministic and deliberately not unit length, so tests see the embedders normalise. */
  private vector(text: string): number[] {
    const out: number[] = [];
    for (let i = 0; out.length < this.embeddingDimension; i++) {
      const digest = crypto.createHash('sha256').update(`${i}:${text}`).digest();
      for (let j = 0; j + 4 <= digest.length && out.length < this.embeddingDimension; j += 4) out.push((digest.readInt32LE(j) / 2 ** 31) * 7);
    }
    return out;
  }
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
