import type { Logger } from 'pino';
import type { Job, JobDispatcher, JobHandler } from './job';
import type { JobStore } from './job-store';
import { runJob } from './run-job';

/**
 * Delivers jobs by polling the jobs table from this process. Used when REDIS_URL is unset; it also
 * works across processes on PostgreSQL, since claims skip rows another worker holds.
 */
export class InProcessDispatcher implements JobDispatcher {
  readonly name = 'in-process';
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private wakeRequested = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly jobs: JobStore,
    private readonly log: Logger,
    private readonly options: { pollIntervalMs: number; concurrency: number },
  ) {}

  async start(handler: JobHandler | undefined): Promise<void> {
    if (!handler) return; // without a worker there is nothing to do: jobs wait in the table
    this.running = true;
    this.loop = this.run(handler);
  }

  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private async run(handler: JobHandler): Promise<void> {
    while (this.running) {
      this.wakeRequested = false;
      let claimed: Job[] = [];
      try {
        claimed = await this.jobs.claim(this.options.concurrency, 'running');
      } catch (err) {
        this.log.error({ err }, 'could not claim jobs');
      }
      await Promise.all(claimed.map((job) => runJob(job, handler, this.jobs, this.log)));
      if (claimed.length === 0 && !this.wakeRequested) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        clearTimeout(this.timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wakeUp?.(), this.options.pollIntervalMs);
    });
  }
}
