import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { compose, type ComposeOptions, type Services } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { openTestDatabase, serverMode } from './test-database';

export const WRITER_KEY = 'writer-secret-0123456789';
export const READER_KEY = 'reader-secret-0123456789';

export interface TestVigil {
  services: Services;
  dataDir: string;
  api: ReturnType<typeof request>;
  /** Authorization header for the read-write test key. */
  auth: { Authorization: string };
  close(): Promise<void>;
}

/**
 * A whole Vigil on the configured backend, composed exactly as `vigil serve` does, with fast polling.
 * With VIGIL_TEST_REQUIRE_SERVERS=1 (set by .ci/run) it refuses to fall back to the embedded adapters.
 */
export async function startVigil(env: Record<string, string> = {}, options: ComposeOptions = {}): Promise<TestVigil> {
  if (process.env.VIGIL_TEST_REQUIRE_SERVERS === '1' && (!process.env.DATABASE_URL || !process.env.REDIS_URL)) {
    throw new Error('VIGIL_TEST_REQUIRE_SERVERS=1 but DATABASE_URL or REDIS_URL is not set');
  }
  const testDb = await openTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
  const config = loadConfig({
    VIGIL_DATA_DIR: dataDir,
    VIGIL_API_KEYS: `writer:${WRITER_KEY},reader:${READER_KEY}:read`,
    VIGIL_DATA_KEY: crypto.randomBytes(32).toString('base64'),
    VIGIL_LOG_LEVEL: 'silent',
    VIGIL_POLL_INTERVAL_MS: '50',
    VIGIL_JOB_BACKOFF_MS: '50',
    ...(serverMode() ? { DATABASE_URL: testDb.url as string } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
  });
  const services = await compose(config, { queueName: `vigil-test-${crypto.randomBytes(4).toString('hex')}`, ...options, db: testDb.db });
  await services.ingestGuidelines();
  await services.start();
  return {
    services,
    dataDir,
    api: request(services.app),
    auth: { Authorization: `Bearer ${WRITER_KEY}` },
    close: async () => {
      await services.dispatcher.stop();
      await testDb.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
