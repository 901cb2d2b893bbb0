import crypto from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/store/database';
import { openPglite } from '../../src/store/pglite-database';
import { openPostgres } from '../../src/store/postgres-database';

/**
 * The database the tests run on: PostgreSQL when DATABASE_URL is set (each test file gets its own
 * schema, dropped afterwards), else PGlite in memory. The same tests run on both engines.
 */
export interface TestDatabase {
  db: Database;
  url?: string;
  drop(): Promise<void>;
}

export const serverMode = (): boolean => !!process.env.DATABASE_URL;

export async function openTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const db = await openPglite();
    return { db, drop: () => db.close() };
  }
  const schema = `vigil_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    // The extension lives in public so that every test schema sees the vector type.
    await admin.query('CREATE EXTENSION IF NOT EXISTS vector SCHEMA public');
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = withSearchPath(base, schema);
  const db = await openPostgres(url);
  return {
    db,
    url,
    drop: async () => {
      await db.close().catch(() => undefined);
      const cleanup = new pg.Client({ connectionString: base });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema},public`);
  return u.toString();
}
