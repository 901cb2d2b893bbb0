import {
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIFetchError,
  GoogleGenerativeAIResponseError,
} from '@google/generative-ai';
import { withTimeout } from './call-timeout';
import { toGeminiSchema } from './gemini-schema';
import { LlmCallError } from './llm-errors';
import type { LlmProvider, LlmRequest, LlmResponse } from './llm-provider';

export interface GeminiOptions {
  apiKey: string;
  /** Default `gemini-1.5-flash`. */
  model?: string;
  /** Default: Google's endpoint. Tests and proxies point it elsewhere. */
  baseUrl?: string;
}

export class GeminiProvider implements LlmProvider {
  readonly name = 'gemini';
  readonly model: string;
  private readonly client: GoogleGenerativeAI;

  constructor(private readonly options: GeminiOptions) {
    this.client = new GoogleGenerativeAI(options.apiKey);
    this.model = options.model ?? 'gemini-1.5-flash';
  }

  async generate(request: LlmRequest): Promise<LlmResponse> {
    const model = this.client.getGenerativeModel(
      {
        model: this.model,
        systemInstruction: request.system,
        generationConfig: {
          // Analysis wants the same answer for the same exchange, which also makes caching honest.
          temperature: 0,
          ...(request.jsonSchema ? { responseMimeType: 'application/json', responseSchema: toGeminiSchema(request.jsonSchema) } : {}),
        },
      },
      { baseUrl: this.options.baseUrl },
    );
    // The library's own `timeout` option leaves its timer running after the answer; our signal is cleared.
    const text = await withTimeout(this.name, request.timeoutMs, async (signal) => {
      try {
        const result = await model.generateContent(request.prompt, { signal });
        return result.response.text();
      } catch (err) {
        throw geminiError(err);
      }
    });
    return { text, provider: this.name };
  }
}

export function geminiError(err: unknown): LlmCallError {
  if (err instanceof LlmCallError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof GoogleGenerativeAIFetchError && err.status) return new LlmCallError('gemini', 'http', `HTTP ${err.status}`, err.status, { cause: err });
  if (err instanceof GoogleGenerativeAIAbortError) return new LlmCallError('gemini', 'timeout', 'request aborted', undefined, { cause: err });
  if (err instanceof GoogleGenerativeAIResponseError) return new LlmCallError('gemini', 'refused', 'answer blocked', undefined, { cause: err });
  return new LlmCallError('gemini', 'transport', message, undefined, { cause: err });
}
