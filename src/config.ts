import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one configuration object, read from the environment once at start-up and passed down.
 * Nothing below src/compose.ts reads process.env.
 */

const optionalUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.string().url().optional());

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const threshold = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);
const optionalThreshold = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : Number(v)))
  .pipe(z.number().min(0).max(1).optional());

/** Categories a clinician must always see: a threshold above a high finding's probability would hide them. */
const ALWAYS_SENT = ['SELF_HARM', 'MISSED_EMERGENCY'] as const;
const HIGH_PROBABILITY = 0.9;
const CATEGORY_VARIABLES = {
  'allergy-conflict': 'VIGIL_THRESHOLD_ALLERGY_CONFLICT',
  'drug-interaction': 'VIGIL_THRESHOLD_DRUG_INTERACTION',
  'dose-exceeded': 'VIGIL_THRESHOLD_DOSE_EXCEEDED',
  'condition-contraindication': 'VIGIL_THRESHOLD_CONDITION_CONTRAINDICATION',
  'missed-emergency': 'VIGIL_THRESHOLD_MISSED_EMERGENCY',
  'self-harm': 'VIGIL_THRESHOLD_SELF_HARM',
  'unsafe-advice': 'VIGIL_THRESHOLD_UNSAFE_ADVICE',
} as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  VIGIL_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalUrl,
  REDIS_URL: optionalUrl,
  VIGIL_API_KEYS: optionalString,
  VIGIL_DATA_KEY: optionalString,
  VIGIL_BASE_URL: z.string().url().default('http://vigil.health/fhir'),
  VIGIL_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  VIGIL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VIGIL_GUIDELINES_DIR: optionalString,
  VIGIL_KNOWLEDGE_DIR: optionalString,
  VIGIL_JOB_MAX_ATTEMPTS: positiveInt(5),
  VIGIL_JOB_BACKOFF_MS: positiveInt(1000),
  VIGIL_JOB_LEASE_MS: positiveInt(120_000),
  VIGIL_POLL_INTERVAL_MS: positiveInt(500),
  VIGIL_THRESHOLD_DEFAULT: threshold(0.5),
  VIGIL_THRESHOLD_ALLERGY_CONFLICT: optionalThreshold,
  VIGIL_THRESHOLD_DRUG_INTERACTION: optionalThreshold,
  VIGIL_THRESHOLD_DOSE_EXCEEDED: optionalThreshold,
  VIGIL_THRESHOLD_CONDITION_CONTRAINDICATION: optionalThreshold,
  VIGIL_THRESHOLD_MISSED_EMERGENCY: optionalThreshold,
  VIGIL_THRESHOLD_SELF_HARM: optionalThreshold,
  VIGIL_THRESHOLD_UNSAFE_ADVICE: optionalThreshold,
  EHR_FHIR_URL: optionalUrl,
  EHR_BEARER_TOKEN: optionalString,
  EHR_CLIENT_ID: optionalString,
  EHR_CLIENT_SECRET: optionalString,
  EHR_TOKEN_URL: optionalUrl,
  EHR_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(30),
  EHR_TIMEOUT_MS: positiveInt(10_000),
  GEMINI_API_KEY: optionalString,
  GEMINI_MODEL: z.string().default('gemini-1.5-flash'),
  GEMINI_BASE_URL: optionalUrl,
  OLLAMA_URL: optionalUrl,
  OLLAMA_MODEL: z.string().default('llama3.1'),
  LLM_TIMEOUT_MS: positiveInt(8000),
  LLM_BREAKER_FAILURES: positiveInt(5),
  LLM_BREAKER_COOLDOWN_MS: positiveInt(30_000),
  LLM_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(3600),
  LLM_CACHE_MAX_ENTRIES: positiveInt(500),
  VIGIL_LLM_ANALYZER: z.enum(['on', 'off']).default('on'),
  VIGIL_EMBEDDER: z.enum(['offline', 'ollama', 'gemini']).default('offline'),
  GEMINI_EMBEDDING_MODEL: z.string().default('text-embedding-004'),
  OLLAMA_EMBEDDING_MODEL: z.string().default('nomic-embed-text'),
  VIGIL_EMBEDDING_TIMEOUT_MS: positiveInt(30_000),
});

export interface Config {
  port: number;
  dataDir: string;
  /** Project root: where migrations/, fhir-profiles/, guidelines/ and the knowledge files live. */
  homeDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** `name:secret[:scope]` entries; scope is `read` or `write` (default: both). */
  apiKeys?: string;
  dataKey?: string;
  fhirBaseUrl: string;
  maxBodyBytes: number;
  logLevel: string;
  guidelinesDir: string;
  /** Clinical knowledge files (drugs, interactions, ...): src/knowledge/data unless a site keeps its own. */
  knowledgeDir: string;
  jobs: { maxAttempts: number; backoffMs: number; leaseMs: number; pollIntervalMs: number };
  /** Probability at or above which a finding goes to clinicians: the default and any per-category overrides. */
  thresholds: { default: number; byCategory: Partial<Record<keyof typeof CATEGORY_VARIABLES, number>> };
  llm: {
    gemini?: { apiKey: string; model: string; baseUrl?: string };
    ollama?: { host: string; model: string };
    /** Per provider per call, retries included. */
    timeoutMs: number;
    breaker: { failureThreshold: number; coolDownMs: number };
    cache: { ttlMs: number; maxEntries: number };
    /** Whether the model gives a second opinion beside the rules (when a provider is configured). */
    analyzer: boolean;
  };
  /** Which embedder indexes and searches the guidelines; the offline one needs no network. */
  embedder:
    | { kind: 'offline' }
    | { kind: 'gemini'; apiKey: string; model: string; baseUrl?: string; timeoutMs: number }
    | { kind: 'ollama'; host: string; model: string; timeoutMs: number };
  ehr?: {
    baseUrl: string;
    bearerToken?: string;
    clientId?: string;
    clientSecret?: string;
    tokenUrl?: string;
    cacheTtlSeconds: number;
    timeoutMs: number;
  };
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, homeDir = findHomeDir()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.EHR_CLIENT_ID && !e.EHR_CLIENT_SECRET) {
    throw new ConfigError('Invalid configuration: EHR_CLIENT_SECRET: required when EHR_CLIENT_ID is set');
  }
  if (e.DATABASE_URL && !e.VIGIL_DATA_KEY) {
    // Several processes share one database: they must share the key, so it cannot be generated locally.
    throw new ConfigError('Invalid configuration: VIGIL_DATA_KEY: required when DATABASE_URL is set');
  }
  if (e.VIGIL_EMBEDDER === 'gemini' && !e.GEMINI_API_KEY) {
    throw new ConfigError('Invalid configuration: GEMINI_API_KEY: required when VIGIL_EMBEDDER=gemini');
  }
  if (e.VIGIL_EMBEDDER === 'ollama' && !e.OLLAMA_URL) {
    throw new ConfigError('Invalid configuration: OLLAMA_URL: required when VIGIL_EMBEDDER=ollama');
  }
  if (e.EHR_FHIR_URL === undefined && (e.EHR_BEARER_TOKEN || e.EHR_CLIENT_ID)) {
    throw new ConfigError('Invalid configuration: EHR_FHIR_URL: required when EHR credentials are set');
  }
  for (const name of ALWAYS_SENT) {
    const value = e[`VIGIL_THRESHOLD_${name}`];
    if (value !== undefined && value > HIGH_PROBABILITY) {
      throw new ConfigError(`Invalid configuration: VIGIL_THRESHOLD_${name}: at most ${HIGH_PROBABILITY}; these findings are never below high and always go to a clinician`);
    }
  }
  const byCategory = Object.fromEntries(
    Object.entries(CATEGORY_VARIABLES).flatMap(([category, variable]) => (e[variable] === undefined ? [] : [[category, e[variable]]])),
  );
  return {
    port: e.PORT,
    dataDir: path.resolve(e.VIGIL_DATA_DIR),
    homeDir,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    apiKeys: e.VIGIL_API_KEYS,
    dataKey: e.VIGIL_DATA_KEY,
    fhirBaseUrl: e.VIGIL_BASE_URL.replace(/\/$/, ''),
    maxBodyBytes: e.VIGIL_MAX_BODY_BYTES,
    logLevel: e.VIGIL_LOG_LEVEL,
    guidelinesDir: path.resolve(homeDir, e.VIGIL_GUIDELINES_DIR ?? 'guidelines'),
    knowledgeDir: path.resolve(homeDir, e.VIGIL_KNOWLEDGE_DIR ?? 'src/knowledge/data'),
    jobs: {
      maxAttempts: e.VIGIL_JOB_MAX_ATTEMPTS,
      backoffMs: e.VIGIL_JOB_BACKOFF_MS,
      leaseMs: e.VIGIL_JOB_LEASE_MS,
      pollIntervalMs: e.VIGIL_POLL_INTERVAL_MS,
    },
    thresholds: { default: e.VIGIL_THRESHOLD_DEFAULT, byCategory },
    llm: {
      gemini: e.GEMINI_API_KEY ? { apiKey: e.GEMINI_API_KEY, model: e.GEMINI_MODEL, baseUrl: e.GEMINI_BASE_URL } : undefined,
      ollama: e.OLLAMA_URL ? { host: e.OLLAMA_URL, model: e.OLLAMA_MODEL } : undefined,
      timeoutMs: e.LLM_TIMEOUT_MS,
      breaker: { failureThreshold: e.LLM_BREAKER_FAILURES, coolDownMs: e.LLM_BREAKER_COOLDOWN_MS },
      cache: { ttlMs: e.LLM_CACHE_TTL_SECONDS * 1000, maxEntries: e.LLM_CACHE_MAX_ENTRIES },
      analyzer: e.VIGIL_LLM_ANALYZER === 'on',
    },
    embedder:
      e.VIGIL_EMBEDDER === 'gemini'
        ? { kind: 'gemini', apiKey: e.GEMINI_API_KEY as string, model: e.GEMINI_EMBEDDING_MODEL, baseUrl: e.GEMINI_BASE_URL, timeoutMs: e.VIGIL_EMBEDDING_TIMEOUT_MS }
        : e.VIGIL_EMBEDDER === 'ollama'
          ? { kind: 'ollama', host: e.OLLAMA_URL as string, model: e.OLLAMA_EMBEDDING_MODEL, timeoutMs: e.VIGIL_EMBEDDING_TIMEOUT_MS }
          : { kind: 'offline' },
    ehr: e.EHR_FHIR_URL
      ? {
          baseUrl: e.EHR_FHIR_URL.replace(/\/$/, ''),
          bearerToken: e.EHR_BEARER_TOKEN,
          clientId: e.EHR_CLIENT_ID,
          clientSecret: e.EHR_CLIENT_SECRET,
          tokenUrl: e.EHR_TOKEN_URL,
          cacheTtlSeconds: e.EHR_CACHE_TTL_SECONDS,
          timeoutMs: e.EHR_TIMEOUT_MS,
        }
      : undefined,
  };
}

/** The directory holding package.json, whether running from src/ (ts-jest) or dist/src/ (built). */
export function findHomeDir(start = __dirname): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new ConfigError(`Cannot find the Vigil project root above ${start}`);
    dir = parent;
  }
}
