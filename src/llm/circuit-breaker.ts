export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one trial through. */
  coolDownMs: number;
  now?: () => number;
}

export const DEFAULT_BREAKER: Omit<BreakerOptions, 'now'> = { failureThreshold: 5, coolDownMs: 30_000 };

/**
 * Stops calling a provider that keeps failing, so a dead Gemini costs nothing per message instead of
 * a timeout per message. Closed: calls pass. Open: calls are refused until the cool-down ends.
 * Half-open: exactly one trial call passes; its success closes the circuit, its failure re-opens it.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialOut = false;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt < this.options.coolDownMs ? 'open' : 'half-open';
  }

  /** Asks to make a call. False means skip this provider; true obliges the caller to report the outcome. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialOut) return false;
    this.trialOut = true;
    return true;
  }

  /** The service answered (even if the answer was unusable): it is healthy. */
  onSuccess(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialOut = false;
  }

  onFailure(): void {
    this.failures++;
    if (this.trialOut || this.failures >= this.options.failureThreshold) {
      this.openedAt = this.now();
      this.trialOut = false;
    }
  }
}
