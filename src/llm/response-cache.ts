import crypto from 'node:crypto';
import type { LlmProvider, LlmRequest, LlmResponse } from './llm-provider';

export interface ResponseCacheOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

/**
 * In-memory LRU of model answers. The key is a sha256 of what was asked (system, prompt, schema),
 * not of who answered, so a cached Gemini answer also serves a request Ollama would have taken.
 * Keys are hashes, so the cache index itself holds no patient text.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { response: LlmResponse; expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly options: ResponseCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  static keyOf(request: Pick<LlmRequest, 'prompt' | 'system' | 'jsonSchema'>): string {
    const material = stableJson([request.system ?? null, request.prompt, request.jsonSchema ?? null]);
    return crypto.createHash('sha256').update(material).digest('hex');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): LlmResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry); // re-insert: Map order is the recency order
    return entry.response;
  }

  set(key: string, response: LlmResponse): void {
    this.entries.delete(key);
    this.entries.set(key, { response, expiresAt: this.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }
}

/** Puts a ResponseCache in front of any provider (normally the fallback chain). Only acceptable answers are kept. */
export class CachedLlmProvider implements LlmProvider {
  readonly name: string;

  constructor(
    private readonly inner: LlmProvider,
    private readonly cache: ResponseCache,
  ) {
    this.name = inner.name;
  }

  async generate(request: LlmRequest): Promise<LlmResponse> {
    const key = ResponseCache.keyOf(request);
    const hit = this.cache.get(key);
    if (hit && (!request.isAcceptable || request.isAcceptable(hit.text))) return hit;
    const response = await this.inner.generate(request);
    if (!request.isAcceptable || request.isAcceptable(response.text)) this.cache.set(key, response);
    return response;
  }
}

/** JSON with object keys sorted, so equal schemas built in a different key order share a key. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
