import fs from 'node:fs';
import type { Database, Queryable } from './database';

/**
 * PGlite: PostgreSQL compiled to WASM, in-process, one connection, pgvector bundled.
 * `dataDir` undefined keeps everything in memory (tests).
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  // PGlite ships as ES modules only; a dynamic import keeps this CommonJS build loading it.
  const { PGlite } = await dynamicImport<typeof import('@electric-sql/pglite')>('@electric-sql/pglite');
  const { vector } = await dynamicImport<typeof import('@electric-sql/pglite/vector')>('@electric-sql/pglite/vector');
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  return new PgliteDatabase(db);
}

// TypeScript compiles import() to require() under CommonJS; this keeps a real dynamic import.
const dynamicImport = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

type PgliteInstance = import('@electric-sql/pglite').PGlite;

class PgliteDatabase implements Database {
  readonly engine = 'pglite' as const;
  constructor(private readonly db: PgliteInstance) {}

  async query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    if (params === undefined || params.length === 0) {
      // exec allows several statements (migrations); query allows one with parameters.
      const results = await this.db.exec(sql);
      return { rows: (results.at(-1)?.rows ?? []) as T[] };
    }
    const result = await this.db.query<T>(sql, params);
    return { rows: result.rows };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) => {
      const tx: Queryable = {
        query: async <R>(sql: string, params?: unknown[]) => {
          if (params === undefined || params.length === 0) {
            const results = await t.exec(sql);
            return { rows: (results.at(-1)?.rows ?? []) as R[] };
          }
          return { rows: (await t.query<R>(sql, params)).rows };
        },
      };
      return fn(tx);
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
