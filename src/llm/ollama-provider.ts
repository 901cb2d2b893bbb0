import { Ollama, type Message } from 'ollama';
import { withTimeout } from './call-timeout';
import { LlmCallError } from './llm-errors';
import type { LlmProvider, LlmRequest, LlmResponse } from './llm-provider';

export interface OllamaOptions {
  /** e.g. `http://127.0.0.1:11434` */
  host: string;
  /** Default `llama3.1`. */
  model?: string;
}

export class OllamaProvider implements LlmProvider {
  readonly name = 'ollama';
  readonly model: string;

  constructor(private readonly options: OllamaOptions) {
    this.model = options.model ?? 'llama3.1';
  }

  async generate(request: LlmRequest): Promise<LlmResponse> {
    const messages: Message[] = [...(request.system ? [{ role: 'system', content: request.system }] : []), { role: 'user', content: request.prompt }];
    const text = await withTimeout(this.name, request.timeoutMs, async (signal) => {
      try {
        const response = await ollamaClient(this.options.host, signal).chat({
          model: this.model,
          messages,
          stream: false,
          // Ollama constrains decoding to a JSON Schema given as `format`.
          ...(request.jsonSchema ? { format: request.jsonSchema } : {}),
          options: { temperature: 0 },
        });
        return response.message.content;
      } catch (err) {
        throw ollamaError(err);
      }
    });
    return { text, provider: this.name };
  }
}

/**
 * The ollama client passes no abort signal on non-streaming calls, so each call gets a client whose
 * fetch carries the call's signal (construction is cheap: no connection is opened).
 */
export function ollamaClient(host: string, signal: AbortSignal): Ollama {
  return new Ollama({ host, fetch: (input, init) => fetch(input, { ...init, signal }) });
}

export function ollamaError(err: unknown): LlmCallError {
  if (err instanceof LlmCallError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const fields = (typeof err === 'object' && err !== null ? err : {}) as { status_code?: unknown; name?: unknown };
  if (typeof fields.status_code === 'number') return new LlmCallError('ollama', 'http', `HTTP ${fields.status_code}`, fields.status_code, { cause: err });
  if (fields.name === 'AbortError') return new LlmCallError('ollama', 'timeout', 'request aborted', undefined, { cause: err });
  return new LlmCallError('ollama', 'transport', message, undefined, { cause: err });
}
