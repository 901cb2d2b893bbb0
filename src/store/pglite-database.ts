import fs from 'node:fs';
import type { Database, Queryable } from './database';

/**
 * PGlite: PostgreSQL compiled to WASM, in-process, one connection, pgvector bundled.
 * `dataDir` undefined keeps everything in memory (tests).
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  // PGlite ships as ES modules only; module node16 keeps this import() a real dynamic import in CommonJS output.
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite/vector');
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  return new PgliteDatabase(db);
}

/** The part of PGlite this adapter uses (the ESM and CommonJS type declarations differ in private fields). */
interface PgliteTx {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<{ rows: unknown[] }[]>;
}
interface PgliteInstance extends PgliteTx {
  transaction<T>(fn: (tx: PgliteTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

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
