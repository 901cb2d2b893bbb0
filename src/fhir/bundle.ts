import crypto from 'node:crypto';
import { OperationOutcomeError } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../store/database';
import { badRequest, statusOf } from './outcomes';
import type { ResourceWriter, WriteResult } from './resource-writer';

const STATUS_TEXT: Record<number, string> = { 200: '200 OK', 201: '201 Created' };

export interface BundleResult {
  bundle: Bundle;
  written: Resource[];
  enqueued: boolean;
}

/**
 * POST /fhir/R4 with a batch or transaction Bundle. A transaction commits every entry or none;
 * a batch commits each entry on its own and reports each outcome. `urn:uuid:` fullUrls become
 * server ids and references to them are rewritten, as the FHIR transaction rules describe.
 */
export async function processBundle(db: Database, writer: ResourceWriter, body: unknown): Promise<BundleResult> {
  const bundle = checkBundle(body);
  const entries = bundle.entry ?? [];
  const ids = assignIds(entries);
  const resolved = entries.map((entry) => rewriteReferences(entry, ids));

  if (bundle.type === 'transaction') {
    const results = await db.transaction(async (tx) => {
      const out: WriteResult[] = [];
      for (const [index, entry] of resolved.entries()) out.push(await withEntryPath(index, () => writeEntry(tx, writer, entry, ids)));
      return out;
    });
    return {
      bundle: { resourceType: 'Bundle', type: 'transaction-response', entry: results.map(responseEntry) },
      written: results.map((r) => r.resource),
      enqueued: results.some((r) => r.enqueued),
    };
  }

  const responses: BundleEntry[] = [];
  const written: Resource[] = [];
  let enqueued = false;
  for (const [index, entry] of resolved.entries()) {
    try {
      const result = await withEntryPath(index, () => db.transaction((tx) => writeEntry(tx, writer, entry, ids)));
      responses.push(responseEntry(result));
      written.push(result.resource);
      enqueued ||= result.enqueued;
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) throw err;
      responses.push({ response: { status: String(statusOf(err.outcome)), outcome: err.outcome } });
    }
  }
  return { bundle: { resourceType: 'Bundle', type: 'batch-response', entry: responses }, written, enqueued };
}

function checkBundle(body: unknown): Bundle {
  const bundle = body as Bundle;
  if (typeof body !== 'object' || body === null || bundle.resourceType !== 'Bundle') {
    throw badRequest('POST to the base URL takes a Bundle', 'Bundle');
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw badRequest(`Bundle.type must be batch or transaction, not ${String(bundle.type)}`, 'Bundle.type');
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw badRequest('Bundle.entry must be an array', 'Bundle.entry');
  return bundle;
}

async function writeEntry(tx: Queryable, writer: ResourceWriter, entry: BundleEntry, ids: Map<string, { type: string; id: string }>): Promise<WriteResult> {
  const method = entry.request?.method;
  const url = (entry.request?.url ?? '').replace(/^\/+/, '').split('?')[0];
  const [type, id, ...rest] = url.split('/');
  if (!type || rest.length > 0) throw badRequest(`Unsupported request url ${entry.request?.url ?? '(none)'}`, 'request.url');
  if (method === 'POST' && !id) {
    const id = entry.fullUrl ? ids.get(entry.fullUrl)?.id : undefined;
    return writer.create(tx, type, entry.resource, { ifNoneExist: entry.request?.ifNoneExist, id });
  }
  if (method === 'PUT' && id) return writer.update(tx, type, id, entry.resource);
  throw badRequest(`Unsupported entry request ${method ?? '(no method)'} ${entry.request?.url ?? ''}: use POST {type} or PUT {type}/{id}`, 'request');
}

/** Gives each POST entry with a urn:uuid fullUrl the server id it will get. */
function assignIds(entries: BundleEntry[]): Map<string, { type: string; id: string }> {
  const ids = new Map<string, { type: string; id: string }>();
  for (const entry of entries) {
    const type = entry.request?.url?.replace(/^\/+/, '').split(/[/?]/)[0];
    if (entry.fullUrl?.startsWith('urn:uuid:') && entry.request?.method === 'POST' && type) {
      ids.set(entry.fullUrl, { type, id: crypto.randomUUID() });
    }
  }
  return ids;
}

function rewriteReferences(entry: BundleEntry, ids: Map<string, { type: string; id: string }>): BundleEntry {
  if (ids.size === 0 || !entry.resource) return entry;
  const resource = JSON.parse(JSON.stringify(entry.resource), (key, value) => {
    const target = key === 'reference' && typeof value === 'string' ? ids.get(value) : undefined;
    return target ? `${target.type}/${target.id}` : value;
  }) as Resource;
  return { ...entry, resource };
}

async function withEntryPath<T>(index: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OperationOutcomeError) throw new OperationOutcomeError(prefixPaths(err.outcome, index), err);
    throw err;
  }
}

function prefixPaths(outcome: OperationOutcome, index: number): OperationOutcome {
  return {
    ...outcome,
    issue: outcome.issue.map((issue) => ({
      ...issue,
      expression: (issue.expression ?? ['']).map((e) => `Bundle.entry[${index}].resource${e ? '.' + e.replace(/^[A-Z][A-Za-z]+\.?/, '') : ''}`.replace(/\.$/, '')),
    })),
  };
}

function responseEntry(result: WriteResult): BundleEntry {
  const r = result.resource;
  return {
    fullUrl: `${r.resourceType}/${r.id}`,
    resource: r,
    response: {
      status: STATUS_TEXT[result.status],
      location: `${r.resourceType}/${r.id}/_history/${r.meta?.versionId ?? '1'}`,
      etag: `W/"${r.meta?.versionId ?? '1'}"`,
      lastModified: r.meta?.lastUpdated,
    },
  };
}
