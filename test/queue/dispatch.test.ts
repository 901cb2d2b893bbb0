import crypto from 'node:crypto';
import pino from 'pino';
import { BeeQueueDispatcher } from '../../src/queue/bee-queue-dispatcher';
import { InProcessDispatcher } from '../../src/queue/in-process-dispatcher';
import type { Job, JobDispatcher, JobHandler } from '../../src/queue/job';
import { JobStore } from '../../src/queue/job-store';
import { migrate } from '../../src/store/migrate';
import { findHomeDir } from '../../src/config';
import path from 'node:path';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/test-vigil';

/**
 * Delivery guarantees, on whichever dispatcher the environment configures: bee-queue when
 * REDIS_URL is set (CI's server run), the in-process poller otherwise.
 */
const log = pino({ level: 'silent' });
let testDb: TestDatabase;
let jobs: JobStore;
const policy = { maxAttempts: 3, backoffMs: 30, leaseMs: 400 };

beforeAll(async () => {
  testDb = await openTestDatabase();
  await migrate(testDb.db, path.join(findHomeDir(), 'migrations'));
  jobs = new JobStore(testDb.db, policy);
});

afterAll(async () => {
  await testDb?.drop();
});

function newDispatcher(): JobDispatcher {
  const redisUrl = process.env.REDIS_URL;
  return redisUrl
    ? new BeeQueueDispatcher(jobs, log, { redisUrl, queueName: `vigil-dispatch-${crypto.randomBytes(4).toString('hex')}`, pollIntervalMs: 50, concurrency: 2 })
    : new InProcessDispatcher(jobs, log, { pollIntervalMs: 50, concurrency: 2 });
}

async function enqueue(kind: string, payload: Record<string, unknown> = {}): Promise<string> {
  const key = `${kind}:${crypto.randomUUID()}`;
  await testDb.db.transaction((tx) => jobs.enqueue(tx, kind, payload, key));
  const row = await testDb.db.query<{ id: string | number }>('SELECT id FROM jobs WHERE dedupe_key = $1', [key]);
  return String(row.rows[0].id);
}

const statusOf = async (id: string) =>
  (await testDb.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM jobs WHERE id = $1', [id])).rows[0];

async function withDispatcher(handler: JobHandler, body: (d: JobDispatcher) => Promise<unknown>): Promise<void> {
  const dispatcher = newDispatcher();
  await dispatcher.start(handler);
  try {
    await body(dispatcher);
  } finally {
    await dispatcher.stop();
  }
}

test(`runs on the ${process.env.REDIS_URL ? 'bee-queue' : 'in-process'} dispatcher as configured`, () => {
  expect(newDispatcher().name).toBe(process.env.REDIS_URL ? 'bee-queue' : 'in-process');
});

test('a committed job is delivered and marked done', async () => {
  const seen: Job[] = [];
  const id = await enqueue('ok', { n: 1 });
  await withDispatcher(
    async (job) => {
      seen.push(job);
    },
    async (d) => {
      d.wake();
      await waitFor(async () => ((await statusOf(id)).status === 'done' ? true : undefined), 10_000, 'job done');
    },
  );
  expect(seen.filter((j) => j.id === id)).toHaveLength(1);
  expect(seen.find((j) => j.id === id)?.payload).toEqual({ n: 1 });
});

test('a job enqueued twice under one dedupe key runs once', async () => {
  const key = `dup:${crypto.randomUUID()}`;
  const first = await testDb.db.transaction((tx) => jobs.enqueue(tx, 'dup', {}, key));
  const second = await testDb.db.transaction((tx) => jobs.enqueue(tx, 'dup', {}, key));
  expect([first, second]).toEqual([true, false]);
});

test('a job rolled back with its transaction never runs', async () => {
  const key = `rollback:${crypto.randomUUID()}`;
  await expect(
    testDb.db.transaction(async (tx) => {
      await jobs.enqueue(tx, 'rollback', {}, key);
      throw new Error('request failed after enqueue');
    }),
  ).rejects.toThrow('request failed');
  const rows = await testDb.db.query('SELECT 1 FROM jobs WHERE dedupe_key = $1', [key]);
  expect(rows.rows).toHaveLength(0);
});

test('a failing job is retried with backoff, then parked as a dead letter, and can be replayed', async () => {
  const id = await enqueue('flaky');
  let calls = 0;
  let healthy = false;
  const handler: JobHandler = async (job) => {
    if (job.id !== id) return;
    calls++;
    if (!healthy) throw new Error(`dependency down (call ${calls})`);
  };
  await withDispatcher(handler, async (d) => {
    d.wake();
    await waitFor(async () => ((await statusOf(id)).status === 'dead' ? true : undefined), 15_000, 'dead letter');
  });
  expect(calls).toBe(policy.maxAttempts);
  const letters = (await jobs.deadLetters()).filter((l) => l.jobId === id);
  expect(letters).toHaveLength(1);
  expect(letters[0].error).toMatch(/dependency down/);

  healthy = true;
  expect(await jobs.replay(letters[0].id)).toBe(true);
  expect(await jobs.replay(letters[0].id)).toBe(false);
  await withDispatcher(handler, async (d) => {
    d.wake();
    await waitFor(async () => ((await statusOf(id)).status === 'done' ? true : undefined), 10_000, 'replayed job done');
  });
});

test('a job committed while no worker runs is done after a restart', async () => {
  const id = await enqueue('while-down');
  expect((await statusOf(id)).status).toBe('pending');
  const done: string[] = [];
  await withDispatcher(
    async (job) => {
      done.push(job.id);
    },
    () => waitFor(async () => ((await statusOf(id)).status === 'done' ? true : undefined), 10_000, 'job after restart'),
  );
  expect(done).toContain(id);
});

test('a job whose worker died mid-run is delivered again when its lease expires', async () => {
  const id = await enqueue('crashed');
  // A worker claimed it and then vanished: the job is running with a lease that will run out.
  await testDb.db.query(`UPDATE jobs SET status = 'running', attempts = 1, lease_until = now() + interval '200 milliseconds' WHERE id = $1`, [id]);
  const runs: string[] = [];
  await withDispatcher(
    async (job) => {
      runs.push(job.id);
    },
    () => waitFor(async () => ((await statusOf(id)).status === 'done' ? true : undefined), 10_000, 'lease expiry'),
  );
  expect(runs.filter((r) => r === id)).toHaveLength(1);
  expect((await statusOf(id)).attempts).toBe(2);
});
