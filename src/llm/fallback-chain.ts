import type { Logger } from 'pino';
import { CircuitBreaker, type BreakerOptions } from './circuit-breaker';
import { asCallError, LlmCallError, LlmUnavailableError, type LlmAttempt } from './llm-errors';
import type { LlmProvider, LlmRequest, LlmResponse } from './llm-provider';
import { DEFAULT_RETRY, retry, type RetryPolicy } from './retry';

export interface FallbackChainOptions {
  retry?: RetryPolicy;
  breaker: Omit<BreakerOptions, 'now'>;
  /** Injectable clock, shared by the breakers and the retry deadline. */
  now?: () => number;
  log?: Logger;
}

/**
 * Tries providers in order (Gemini → Ollama → none). A provider whose breaker is open is skipped
 * without a request; one that times out, fails after its retries, or gives an unacceptable answer
 * hands over to the next. Each provider gets the request's whole timeout as its budget, retries
 * included, so the chain takes at most providers × timeoutMs. When none answers: LlmUnavailableError.
 */
export class FallbackChain implements LlmProvider {
  readonly name: string;
  private readonly members: { provider: LlmProvider; breaker: CircuitBreaker }[];
  private readonly now: () => number;

  constructor(providers: LlmProvider[], private readonly options: FallbackChainOptions) {
    this.now = options.now ?? Date.now;
    this.members = providers.map((provider) => ({ provider, breaker: new CircuitBreaker({ ...options.breaker, now: this.now }) }));
    this.name = providers.map((p) => p.name).join('>') || 'none';
  }

  /** For health reporting: each provider's breaker state. */
  states(): Record<string, string> {
    return Object.fromEntries(this.members.map((m) => [m.provider.name, m.breaker.state]));
  }

  async generate(request: LlmRequest): Promise<LlmResponse> {
    const attempts: LlmAttempt[] = [];
    for (const { provider, breaker } of this.members) {
      if (!breaker.tryAcquire()) {
        attempts.push({ provider: provider.name, kind: 'circuit-open' });
        continue;
      }
      try {
        const response = await retry((remainingMs) => provider.generate({ ...request, timeoutMs: remainingMs }), {
          ...(this.options.retry ?? DEFAULT_RETRY),
          deadline: this.now() + request.timeoutMs,
          isRetryable: (err) => err instanceof LlmCallError && err.retryable,
          now: this.now,
        });
        breaker.onSuccess();
        if (request.isAcceptable && !request.isAcceptable(response.text)) {
          throw new LlmCallError(provider.name, 'malformed', 'answer failed validation');
        }
        return response;
      } catch (err) {
        const failure = asCallError(provider.name, err);
        if (failure.unhealthy) breaker.onFailure();
        else breaker.onSuccess();
        attempts.push({ provider: provider.name, kind: failure.kind, ...(failure.status ? { status: failure.status } : {}) });
        // The message names the provider and the failure only; prompts carry patient text and are never logged.
        this.options.log?.warn({ provider: provider.name, kind: failure.kind, status: failure.status, breaker: breaker.state }, 'language model call failed');
      }
    }
    throw new LlmUnavailableError(attempts);
  }
}
