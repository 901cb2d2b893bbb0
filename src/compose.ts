import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Express } from 'express';
import type { Config } from './config';
import { CachedEhrClient } from './ehr/cached-ehr-client';
import type { EhrClient } from './ehr/ehr-client';
import { FhirEhrClient } from './ehr/fhir-ehr-client';
import { LocalEhrClient } from './ehr/local-ehr-client';
import { createApp } from './fhir/app';
import { loadProfileValidator } from './fhir/profile-validator';
import { ResourceWriter } from './fhir/resource-writer';
import { readGuidelines } from './knowledge/guideline-documents';
import { GuidelineIndex, type IngestReport } from './knowledge/guideline-index';
import { loadKnowledgeBase, type KnowledgeBase } from './knowledge/knowledge-base';
import { createLogger } from './logger';
import { composeEmbedder, composeLlm } from './llm/compose-llm';
import { Pipeline } from './pipeline/pipeline';
import { BeeQueueDispatcher } from './queue/bee-queue-dispatcher';
import { InProcessDispatcher } from './queue/in-process-dispatcher';
import type { JobDispatcher } from './queue/job';
import { JobStore } from './queue/job-store';
import { createKeyring, generateSecret, parseApiKeys } from './security/api-keys';
import { AuditLog } from './security/audit-log';
import { createSealer, parseDataKey } from './security/encryption';
import { readOrCreateSecret } from './security/secrets-file';
import type { Database } from './store/database';
import { lockDataDir } from './store/data-dir-lock';
import { migrate } from './store/migrate';
import { openPglite } from './store/pglite-database';
import { openPostgres } from './store/postgres-database';
import { ResourceRepository } from './store/resource-repository';
import crypto from 'node:crypto';

export type Role = 'all' | 'api' | 'worker';

export interface Services {
  config: Config;
  log: Logger;
  db: Database;
  repo: ResourceRepository;
  jobs: JobStore;
  dispatcher: JobDispatcher;
  ehr: EhrClient;
  kb: KnowledgeBase;
  guidelines: GuidelineIndex;
  pipeline: Pipeline;
  app: Express;
  /** Set when this start generated the API key (embedded default): shown to the operator once. */
  generatedApiKey?: string;
  ingestGuidelines(onProgress?: (done: number, total: number) => void): Promise<IngestReport>;
  /** Starts job delivery: the worker runs only in roles that process jobs. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ComposeOptions {
  role?: Role;
  log?: Logger;
  /** Lets tests keep bee-queue traffic of parallel runs apart. */
  queueName?: string;
  /** Test hook: a database already opened (PGlite in memory, or a throwaway schema). */
  db?: Database;
}

/** The one place that knows which adapters exist; everything is built here and passed down. */
export async function compose(config: Config, options: ComposeOptions = {}): Promise<Services> {
  const role = options.role ?? 'all';
  const log = options.log ?? createLogger(config.logLevel);
  const embedded = !config.databaseUrl;

  const dataKey = config.dataKey
    ? parseDataKey(config.dataKey)
    : parseDataKey(readOrCreateSecret(config.dataDir, 'data.key', () => crypto.randomBytes(32).toString('base64')).value);
  let generatedApiKey: string | undefined;
  let apiKeys = config.apiKeys;
  if (!apiKeys) {
    const secret = readOrCreateSecret(config.dataDir, 'api-key', () => `default:${generateSecret()}`);
    apiKeys = secret.value;
    if (secret.created) generatedApiKey = secret.value.split(':')[1];
  }
  const keyring = createKeyring(parseApiKeys(apiKeys));

  const unlock = !options.db && embedded ? lockDataDir(config.dataDir) : () => undefined;
  let db: Database;
  try {
    db = options.db ?? (embedded ? await openPglite(path.join(config.dataDir, 'pglite')) : await openPostgres(config.databaseUrl as string));
  } catch (err) {
    unlock();
    throw err;
  }
  try {
    await migrate(db, path.join(config.homeDir, 'migrations'));
    const kb = loadKnowledgeBase(config.knowledgeDir);
    const validator = loadProfileValidator(path.join(config.homeDir, 'fhir-profiles'));
    const repo = new ResourceRepository(db, createSealer(dataKey));
    const jobs = new JobStore(db, config.jobs);
    const audit = new AuditLog(repo, db);
    const ehr: EhrClient = config.ehr
      ? new CachedEhrClient(new FhirEhrClient(config.ehr), config.ehr.cacheTtlSeconds * 1000)
      : new LocalEhrClient(db, repo);
    const guidelines = new GuidelineIndex(db, composeEmbedder(config, kb));
    const dispatcher: JobDispatcher = config.redisUrl
      ? new BeeQueueDispatcher(jobs, log, {
          redisUrl: config.redisUrl,
          queueName: options.queueName ?? 'vigil-analysis',
          pollIntervalMs: config.jobs.pollIntervalMs,
          concurrency: 4,
        })
      : new InProcessDispatcher(jobs, log, { pollIntervalMs: config.jobs.pollIntervalMs, concurrency: 2 });
    const llm = composeLlm(config, log);
    const pipeline = new Pipeline({ db, repo, ehr, kb, guidelines, thresholds: config.thresholds, audit, fhirBaseUrl: config.fhirBaseUrl, log, llm });
    const writer = new ResourceWriter({ repo, jobs, validator, embeddedEhr: !config.ehr });
    const app = createApp({
      db, repo, writer, jobs, dispatcher, audit, keyring, log,
      embeddedEhr: !config.ehr,
      fhirBaseUrl: config.fhirBaseUrl,
      maxBodyBytes: config.maxBodyBytes,
      version: packageVersion(config.homeDir),
    });
    return {
      config, log, db, repo, jobs, dispatcher, ehr, kb, guidelines, pipeline, app, generatedApiKey,
      ingestGuidelines: (onProgress) => guidelines.ingest(readGuidelines(config.guidelinesDir), onProgress),
      start: async () => {
        if (db.engine === 'pglite') {
          const released = await jobs.releaseLeases();
          if (released > 0) log.warn({ jobs: released }, 'resuming jobs interrupted by the last shutdown');
        }
        await dispatcher.start(role === 'api' ? undefined : pipeline.handle);
      },
      close: async () => {
        await dispatcher.stop();
        await db.close();
        unlock();
      },
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    unlock();
    throw err;
  }
}

function packageVersion(homeDir: string): string {
  return (JSON.parse(fs.readFileSync(path.join(homeDir, 'package.json'), 'utf8')) as { version: string }).version;
}
