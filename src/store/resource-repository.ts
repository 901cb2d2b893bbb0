import crypto from 'node:crypto';
import type { Identifier, Resource } from '@medplum/fhirtypes';
import type { Sealer } from '../security/encryption';
import type { Database, Queryable } from './database';
import { patientIdOf, SEALED_FIELDS, statusOf, type StoredType } from './resource-columns';

export interface SearchQuery {
  resourceType: StoredType;
  ids?: string[];
  patientId?: string;
  status?: string[];
  identifier?: { system?: string; value: string };
  lastUpdated?: { op: '>' | '>=' | '<' | '<=' | '='; value: string }[];
  /** Exact match on a JSONB reference element, e.g. Task.focus. */
  references?: { path: string; reference: string }[];
  sortDescending?: boolean;
  count: number;
  offset: number;
}

export interface SearchResult {
  resources: Resource[];
  total: number;
}

interface Row {
  content: Resource;
  sealed: string | null;
}

export class UniqueIdentifierViolation extends Error {}

/**
 * Reads and writes FHIR resources. Every write takes the caller's transaction, so a request's
 * resources, its AuditEvent and its outbox job commit or roll back together.
 */
export class ResourceRepository {
  constructor(
    private readonly db: Database,
    private readonly sealer: Sealer,
  ) {}

  /** Inserts a new resource (id generated unless given) and returns it with meta filled in. */
  async create<T extends Resource>(tx: Queryable, resource: T): Promise<T> {
    const stored = this.stamp({ ...resource, id: resource.id ?? crypto.randomUUID() }, 1);
    const { content, sealed } = this.split(stored);
    await tx.query(
      `INSERT INTO resources (resource_type, id, version_id, last_updated, content, sealed, patient_id, status)
       VALUES ($1, $2, 1, $3, $4, $5, $6, $7)`,
      [stored.resourceType, stored.id, stored.meta?.lastUpdated, content, sealed, patientIdOf(stored) ?? null, statusOf(stored) ?? null],
    );
    await this.writeIdentifiers(tx, stored);
    return stored;
  }

  /** Creates or replaces the resource with a client-assigned id (FHIR update-as-create). */
  async put<T extends Resource>(tx: Queryable, resource: T & { id: string }): Promise<{ resource: T; created: boolean }> {
    const current = await tx.query<{ version_id: number }>(
      'SELECT version_id FROM resources WHERE resource_type = $1 AND id = $2 FOR UPDATE',
      [resource.resourceType, resource.id],
    );
    if (current.rows.length === 0) return { resource: await this.create(tx, resource), created: true };
    const stored = this.stamp(resource, current.rows[0].version_id + 1);
    const { content, sealed } = this.split(stored);
    await tx.query(
      `UPDATE resources SET version_id = $3, last_updated = $4, content = $5, sealed = $6, patient_id = $7, status = $8
       WHERE resource_type = $1 AND id = $2`,
      [stored.resourceType, stored.id, stored.meta?.versionId, stored.meta?.lastUpdated, content, sealed, patientIdOf(stored) ?? null, statusOf(stored) ?? null],
    );
    await tx.query('DELETE FROM resource_identifiers WHERE resource_type = $1 AND resource_id = $2', [stored.resourceType, stored.id]);
    await this.writeIdentifiers(tx, stored);
    return { resource: stored, created: false };
  }

  async read<T extends Resource>(resourceType: string, id: string, tx: Queryable = this.db): Promise<T | undefined> {
    const result = await tx.query<Row>('SELECT content, sealed FROM resources WHERE resource_type = $1 AND id = $2', [resourceType, id]);
    return result.rows[0] ? (this.join(result.rows[0]) as T) : undefined;
  }

  async findByIdentifier<T extends Resource>(
    resourceType: string,
    identifier: { system?: string; value: string },
    tx: Queryable = this.db,
  ): Promise<T | undefined> {
    const result = await tx.query<Row>(
      `SELECT r.content, r.sealed FROM resource_identifiers i
       JOIN resources r ON r.resource_type = i.resource_type AND r.id = i.resource_id
       WHERE i.resource_type = $1 AND i.value = $2 AND ($3::text IS NULL OR i.system = $3)
       LIMIT 1`,
      [resourceType, identifier.value, identifier.system ?? null],
    );
    return result.rows[0] ? (this.join(result.rows[0]) as T) : undefined;
  }

  async search(query: SearchQuery, tx: Queryable = this.db): Promise<SearchResult> {
    const where: string[] = ['r.resource_type = $1'];
    const params: unknown[] = [query.resourceType];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.ids) where.push(`r.id = ANY(${param(query.ids)}::text[])`);
    if (query.patientId !== undefined) where.push(`r.patient_id = ${param(query.patientId)}`);
    if (query.status) where.push(`r.status = ANY(${param(query.status)}::text[])`);
    for (const bound of query.lastUpdated ?? []) where.push(`r.last_updated ${bound.op} ${param(bound.value)}::timestamptz`);
    for (const ref of query.references ?? []) {
      where.push(`(r.content->${param(ref.path)}->>'reference' = ${param(ref.reference)}
        OR r.content->${param(ref.path)} @> ${param(JSON.stringify([{ reference: ref.reference }]))}::jsonb)`);
    }
    if (query.identifier) {
      where.push(`EXISTS (SELECT 1 FROM resource_identifiers i WHERE i.resource_type = r.resource_type
        AND i.resource_id = r.id AND i.value = ${param(query.identifier.value)}
        AND (${param(query.identifier.system ?? null)}::text IS NULL OR i.system = $${params.length}))`);
    }
    const filter = where.join(' AND ');
    const order = query.sortDescending ? 'DESC' : 'ASC';
    const countResult = await tx.query<{ n: string | number }>(`SELECT count(*) AS n FROM resources r WHERE ${filter}`, params);
    const rows = await tx.query<Row>(
      `SELECT r.content, r.sealed FROM resources r WHERE ${filter}
       ORDER BY r.last_updated ${order}, r.id ${order} LIMIT ${param(query.count)} OFFSET ${param(query.offset)}`,
      params,
    );
    return { resources: rows.rows.map((row) => this.join(row)), total: Number(countResult.rows[0]?.n ?? 0) };
  }

  private stamp<T extends Resource>(resource: T, version: number): T {
    return { ...resource, meta: { ...resource.meta, versionId: String(version), lastUpdated: new Date().toISOString() } };
  }

  private split(resource: Resource): { content: Record<string, unknown>; sealed: string | null } {
    const fields = SEALED_FIELDS[resource.resourceType as StoredType] ?? [];
    const content: Record<string, unknown> = { ...resource };
    const secret: Record<string, unknown> = {};
    for (const field of fields) {
      if (content[field] !== undefined) {
        secret[field] = content[field];
        delete content[field];
      }
    }
    return { content, sealed: Object.keys(secret).length > 0 ? this.sealer.seal(JSON.stringify(secret)) : null };
  }

  private join(row: Row): Resource {
    const content = typeof row.content === 'string' ? (JSON.parse(row.content) as Resource) : row.content;
    if (!row.sealed) return content;
    return { ...content, ...(JSON.parse(this.sealer.open(row.sealed)) as object) } as Resource;
  }

  private async writeIdentifiers(tx: Queryable, resource: Resource): Promise<void> {
    const identifiers = (resource as { identifier?: Identifier | Identifier[] }).identifier;
    const list = Array.isArray(identifiers) ? identifiers : identifiers ? [identifiers] : [];
    for (const identifier of list) {
      if (!identifier.value) continue;
      const inserted = await tx.query(
        `INSERT INTO resource_identifiers (resource_type, system, value, resource_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING resource_id`,
        [resource.resourceType, identifier.system ?? '', identifier.value, resource.id],
      );
      if (inserted.rows.length === 0) {
        throw new UniqueIdentifierViolation(
          `${resource.resourceType} with identifier ${identifier.system ?? ''}|${identifier.value} already exists`,
        );
      }
    }
  }
}
