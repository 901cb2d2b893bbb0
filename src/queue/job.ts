/** A unit of background work, committed to the `jobs` table (the outbox) before anyone runs it. */
export interface Job {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export type JobHandler = (job: Job) => Promise<void>;

/**
 * Delivers committed jobs to the handler at least once. Retry, backoff and dead-lettering live in
 * the JobStore so both adapters behave the same; an adapter only decides how jobs reach workers.
 */
export interface JobDispatcher {
  readonly name: string;
  /** Starts delivery. `handler` undefined means this process only relays (an API-only process). */
  start(handler: JobHandler | undefined): Promise<void>;
  /** A hint that jobs were just committed, so delivery need not wait for the next poll. */
  wake(): void;
  stop(): Promise<void>;
}
