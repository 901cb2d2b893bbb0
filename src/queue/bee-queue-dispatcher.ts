import BeeQueue from 'bee-queue';
import type { Logger } from 'pino';
import type { JobDispatcher, JobHandler } from './job';
import type { JobStore } from './job-store';
import { runJob } from './run-job';

interface Envelope {
  jobId: string;
}

/**
 * Delivers jobs through Redis with bee-queue, so API and workers scale out separately.
 * The jobs table stays the source of truth: a relay moves committed jobs into Redis and leases
 * them; a job Redis loses (restart, no persistence) is relayed again when its lease runs out.
 * Workers record success, retry and dead letters in the table, exactly as the in-process adapter does.
 */
export class BeeQueueDispatcher implements JobDispatcher {
  readonly name = 'bee-queue';
  private producer: BeeQueue<Envelope> | undefined;
  private consumer: BeeQueue<Envelope> | undefined;
  private relayTimer: NodeJS.Timeout | undefined;
  private relaying: Promise<void> | undefined;
  private running = false;
  private relayAgain = false;

  constructor(
    private readonly jobs: JobStore,
    private readonly log: Logger,
    private readonly options: { redisUrl: string; queueName: string; pollIntervalMs: number; concurrency: number },
  ) {}

  async start(handler: JobHandler | undefined): Promise<void> {
    this.running = true;
    this.producer = new BeeQueue<Envelope>(this.options.queueName, {
      redis: { url: this.options.redisUrl },
      isWorker: false,
      getEvents: false,
      sendEvents: false,
    });
    this.producer.on('error', (err) => this.log.error({ err }, 'bee-queue producer error'));
    await this.producer.ready();
    if (handler) {
      this.consumer = new BeeQueue<Envelope>(this.options.queueName, {
        redis: { url: this.options.redisUrl },
        isWorker: true,
        getEvents: false,
        sendEvents: false,
        removeOnSuccess: true,
        removeOnFailure: true,
        stallInterval: 5000,
      });
      this.consumer.on('error', (err) => this.log.error({ err }, 'bee-queue worker error'));
      await this.consumer.ready();
      this.consumer.process(this.options.concurrency, async (beeJob) => {
        const job = await this.jobs.start(beeJob.data.jobId);
        if (job) await runJob(job, handler, this.jobs, this.log);
        // A retry goes back to the table as pending; the relay hands it to Redis again after its backoff.
        if (job) this.wake();
      });
    }
    this.schedule(0);
  }

  wake(): void {
    if (!this.running) return;
    if (this.relaying) this.relayAgain = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.relayTimer);
    await this.relaying;
    await this.consumer?.close(5000).catch(() => undefined);
    await this.producer?.close(5000).catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.relayTimer);
    this.relayTimer = setTimeout(() => {
      this.relaying = this.relay().finally(() => {
        this.relaying = undefined;
        if (!this.running) return;
        const again = this.relayAgain;
        this.relayAgain = false;
        this.schedule(again ? 0 : this.options.pollIntervalMs);
      });
    }, delayMs);
  }

  private async relay(): Promise<void> {
    const producer = this.producer;
    if (!producer) return;
    try {
      for (;;) {
        const claimed = await this.jobs.claim(50, 'queued');
        if (claimed.length === 0) return;
        const beeJobs = claimed.map((job) => producer.createJob({ jobId: job.id }).setId(`job-${job.id}`));
        const errors = await producer.saveAll(beeJobs);
        for (const [, err] of errors) this.log.error({ err }, 'could not hand a job to Redis; it will be relayed again');
        if (claimed.length < 50) return;
      }
    } catch (err) {
      this.log.error({ err }, 'job relay failed; retrying on the next poll');
    }
  }
}
