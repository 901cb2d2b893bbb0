/** The text-generation port: one prompt in, one answer out. Adapters: Gemini, Ollama; decorators: chain, cache. */

export interface LlmRequest {
  prompt: string;
  system?: string;
  /** JSON Schema the answer must follow; providers switch to JSON output when it is given. */
  jsonSchema?: object;
  /** Budget for this call, retries included: a hanging server never holds the caller longer. */
  timeoutMs: number;
  /**
   * Whether an answer is usable. An unusable answer counts as that provider failing (the chain tries
   * the next one) and is never cached. Plain providers ignore it; callers still validate what they get.
   */
  isAcceptable?: (text: string) => boolean;
}

export interface LlmResponse {
  text: string;
  /** Which provider actually answered, e.g. `gemini`; findings record it as `llm:<provider>`. */
  provider: string;
}

export interface LlmProvider {
  readonly name: string;
  generate(request: LlmRequest): Promise<LlmResponse>;
}
