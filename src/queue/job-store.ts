import type { Database, Queryable } from '../store/database';
import type { Job } from './job';

export interface JobPolicy {
  maxAttempts: number;
  backoffMs: number;
  leaseMs: number;
}

interface JobRow {
  id: string | number;
  kind: string;
  payload: Record<string, unknown> | string;
  attempts: number;
}

export interface DeadLetter {
  id: string;
  jobId: string;
  kind: string;
  error: string;
  attempts: number;
  createdAt: string;
  replayedAt?: string;
}

const toJob = (row: JobRow): Job => ({
  id: String(row.id),
  kind: row.kind,
  payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
  attempts: row.attempts,
});

/**
 * The durable side of job dispatch. Leases make a crashed worker's job runnable again once the
 * lease runs out; FOR UPDATE SKIP LOCKED lets several workers claim from one table.
 */
export class JobStore {
  constructor(
    private readonly db: Database,
    private readonly policy: JobPolicy,
  ) {}

  /** Adds a job in the caller's transaction. The same dedupe key twice is one job. */
  async enqueue(tx: Queryable, kind: string, payload: Record<string, unknown>, dedupeKey: string): Promise<boolean> {
    const result = await tx.query(
      `INSERT INTO jobs (kind, payload, dedupe_key) VALUES ($1, $2, $3) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [kind, JSON.stringify(payload), dedupeKey],
    );
    return result.rows.length > 0;
  }

  /** Claims up to `limit` runnable jobs, leasing them to the caller; `status` is what they become. */
  async claim(limit: number, status: 'running' | 'queued'): Promise<Job[]> {
    const result = await this.db.query<JobRow>(
      `UPDATE jobs SET status = $1, lease_until = now() + ($2::text || ' milliseconds')::interval,
         attempts = attempts + CASE WHEN $1 = 'running' THEN 1 ELSE 0 END, updated_at = now()
       WHERE id IN (
         SELECT id FROM jobs
         WHERE (status = 'pending' AND run_after <= now())
            OR (status IN ('running', 'queued') AND lease_until < now())
         ORDER BY run_after, id
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING id, kind, payload, attempts`,
      [status, String(this.policy.leaseMs), limit],
    );
    return result.rows.map(toJob);
  }

  /** A worker takes a job handed over by the queue; undefined when it is already finished. */
  async start(jobId: string): Promise<Job | undefined> {
    const result = await this.db.query<JobRow>(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = now(),
         lease_until = now() + ($2::text || ' milliseconds')::interval
       WHERE id = $1 AND status IN ('pending', 'queued', 'running')
       RETURNING id, kind, payload, attempts`,
      [jobId, String(this.policy.leaseMs)],
    );
    return result.rows[0] ? toJob(result.rows[0]) : undefined;
  }

  /**
   * Makes every leased job runnable now. Only for a database one process owns (embedded PGlite):
   * after a crash nobody else can be working on them, so there is no need to wait out the leases.
   */
  async releaseLeases(): Promise<number> {
    const result = await this.db.query(
      `UPDATE jobs SET status = 'pending', lease_until = NULL, run_after = now(), updated_at = now()
       WHERE status IN ('running', 'queued') RETURNING id`,
    );
    return result.rows.length;
  }

  async complete(jobId: string): Promise<void> {
    await this.db.query(`UPDATE jobs SET status = 'done', lease_until = NULL, last_error = NULL, updated_at = now() WHERE id = $1`, [jobId]);
  }

  /** Schedules a retry with exponential backoff, or parks the job as a dead letter when attempts run out. */
  async fail(job: Job, error: string): Promise<'retry' | 'dead'> {
    if (job.attempts >= this.policy.maxAttempts) {
      await this.db.transaction(async (tx) => {
        await tx.query(`UPDATE jobs SET status = 'dead', lease_until = NULL, last_error = $2, updated_at = now() WHERE id = $1`, [job.id, error]);
        await tx.query(`INSERT INTO dead_letters (job_id, kind, payload, error, attempts) VALUES ($1, $2, $3, $4, $5)`, [
          job.id,
          job.kind,
          JSON.stringify(job.payload),
          error,
          job.attempts,
        ]);
      });
      return 'dead';
    }
    const delay = this.policy.backoffMs * 2 ** Math.max(0, job.attempts - 1);
    await this.db.query(
      `UPDATE jobs SET status = 'pending', lease_until = NULL, last_error = $2, updated_at = now(),
         run_after = now() + ($3::text || ' milliseconds')::interval WHERE id = $1`,
      [job.id, error, String(delay)],
    );
    return 'retry';
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const result = await this.db.query<{
      id: string | number; job_id: string | number; kind: string; error: string; attempts: number; created_at: Date | string; replayed_at: Date | string | null;
    }>('SELECT id, job_id, kind, error, attempts, created_at, replayed_at FROM dead_letters ORDER BY id');
    return result.rows.map((r) => ({
      id: String(r.id),
      jobId: String(r.job_id),
      kind: r.kind,
      error: r.error,
      attempts: r.attempts,
      createdAt: new Date(r.created_at).toISOString(),
      replayedAt: r.replayed_at ? new Date(r.replayed_at).toISOString() : undefined,
    }));
  }

  /** Puts a dead job back in line with fresh attempts. Returns false if there is no such unreplayed letter. */
  async replay(deadLetterId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const letter = await tx.query<{ job_id: string }>(
        'UPDATE dead_letters SET replayed_at = now() WHERE id = $1 AND replayed_at IS NULL RETURNING job_id',
        [deadLetterId],
      );
      if (letter.rows.length === 0) return false;
      await tx.query(
        `UPDATE jobs SET status = 'pending', attempts = 0, run_after = now(), lease_until = NULL, updated_at = now() WHERE id = $1`,
        [letter.rows[0].job_id],
      );
      return true;
    });
  }

  async counts(): Promise<Record<string, number>> {
    const result = await this.db.query<{ status: string; n: string | number }>('SELECT status, count(*) AS n FROM jobs GROUP BY status');
    return Object.fromEntries(result.rows.map((r) => [r.status, Number(r.n)]));
  }
}
