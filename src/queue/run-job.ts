import type { Logger } from 'pino';
import type { Job, JobHandler } from './job';
import type { JobStore } from './job-store';

/** Runs one claimed job and records the outcome; never throws, so a bad job cannot stop a worker. */
export async function runJob(job: Job, handler: JobHandler, jobs: JobStore, log: Logger): Promise<void> {
  try {
    await handler(job);
    await jobs.complete(job.id);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const next = await jobs.fail(job, message).catch((e: unknown) => {
      // The lease will expire and the job will be claimed again: still at least once.
      log.error({ err: e, jobId: job.id }, 'could not record job failure');
      return 'unknown';
    });
    log.warn({ jobId: job.id, kind: job.kind, attempts: job.attempts, next, error: message }, 'job failed');
  }
}
