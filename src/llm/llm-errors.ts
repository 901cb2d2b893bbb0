import { OperationOutcomeError } from '@medplum/core';
import { unavailable } from '../fhir/outcomes';

/**
 * Why one provider call gave no usable answer.
 * `timeout`, `http` and `transport` say the service is unhealthy (they count against its breaker);
 * `refused` (safety block) and `malformed` say only that this answer is unusable.
 */
export type LlmFailureKind = 'timeout' | 'http' | 'transport' | 'refused' | 'malformed' | 'circuit-open';

/** One provider's failure, internal to src/llm: the chain turns these into LlmUnavailableError. */
export class LlmCallError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: LlmFailureKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${message}`, options);
    this.name = 'LlmCallError';
  }

  /** Rate limits and server errors are worth another try; a 400 or 401 will fail the same way again. */
  get retryable(): boolean {
    return this.kind === 'http' && this.status !== undefined && (this.status === 429 || this.status >= 500);
  }

  get unhealthy(): boolean {
    return this.kind === 'timeout' || this.kind === 'http' || this.kind === 'transport';
  }
}

export interface LlmAttempt {
  provider: string;
  kind: LlmFailureKind;
  status?: number;
}

/**
 * No configured model gave a usable answer. An OperationOutcomeError (503, transient) so that, should it
 * ever escape, the error handler answers correctly; callers normally catch it and fall back to rules or
 * templates. Carries provider names and failure kinds only, never prompt text.
 */
export class LlmUnavailableError extends OperationOutcomeError {
  constructor(
    readonly attempts: LlmAttempt[],
    reason?: string,
  ) {
    const tried = attempts.map((a) => `${a.provider}: ${a.kind}${a.status ? ` ${a.status}` : ''}`).join('; ');
    super(unavailable(`No language model gave a usable answer (${reason ?? (tried || 'no provider configured')})`).outcome);
    this.name = 'LlmUnavailableError';
  }
}

/** Anything an adapter let slip through becomes a transport failure rather than an untyped crash. */
export function asCallError(provider: string, err: unknown): LlmCallError {
  if (err instanceof LlmCallError) return err;
  return new LlmCallError(provider, 'transport', err instanceof Error ? err.message : String(err), undefined, { cause: err });
}
