import express, { type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Resource } from '@medplum/fhirtypes';
import type { JobStore } from '../queue/job-store';
import type { JobDispatcher } from '../queue/job';
import type { ApiKeyring } from '../security/api-keys';
import type { AuditLog } from '../security/audit-log';
import { authenticate, requireScope } from '../security/authenticate';
import type { Database } from '../store/database';
import { isStoredType, PATIENT_CONTEXT_TYPES } from '../store/resource-columns';
import type { ResourceRepository } from '../store/resource-repository';
import { processBundle } from './bundle';
import { capabilityStatement } from './capability-statement';
import { errorHandler } from './error-handler';
import { allOk, notFound, unsupportedMediaType } from './outcomes';
import type { ResourceWriter } from './resource-writer';
import { parseSearch } from './search-params';
import { sendFhir } from './send';

export interface AppDeps {
  db: Database;
  repo: ResourceRepository;
  writer: ResourceWriter;
  jobs: JobStore;
  dispatcher: JobDispatcher;
  audit: AuditLog;
  keyring: ApiKeyring;
  log: Logger;
  embeddedEhr: boolean;
  fhirBaseUrl: string;
  maxBodyBytes: number;
  version: string;
}

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(helmet());
  app.use(requestLog(deps.log));

  // Liveness only: it says nothing about data, so it needs no key (container health checks use it).
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const api = express.Router();
  api.use(authenticate(deps.keyring));
  api.use((req, _res, next) => {
    requireScope(req);
    if (req.method === 'POST' || req.method === 'PUT') {
      const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
      if (!JSON_TYPES.includes(type)) throw unsupportedMediaType(type);
    }
    next();
  });
  api.use(express.json({ type: JSON_TYPES, limit: deps.maxBodyBytes, strict: false }));

  api.get('/fhir/R4/metadata', (_req, res) => {
    sendFhir(res, 200, capabilityStatement({ embeddedEhr: deps.embeddedEhr, fhirBaseUrl: deps.fhirBaseUrl, version: deps.version }));
  });

  api.post('/fhir/R4', async (req, res) => {
    const result = await processBundle(deps.db, deps.writer, req.body);
    await deps.audit.record({
      action: 'E',
      interaction: (req.body as { type?: string }).type === 'transaction' ? 'transaction' : 'batch',
      agent: req.principal?.name ?? 'unknown',
      entities: result.written.map(ref),
      outcome: 'success',
      sourceAddress: req.ip,
    });
    if (result.enqueued) deps.dispatcher.wake();
    sendFhir(res, 200, result.bundle);
  });

  api.post('/fhir/R4/:type', async (req, res) => {
    const type = String(req.params.type);
    const result = await deps.db.transaction(async (tx) => {
      const written = await deps.writer.create(tx, type, req.body, { ifNoneExist: req.get('if-none-exist') });
      await deps.audit.record(
        { action: 'C', interaction: 'create', agent: req.principal?.name ?? 'unknown', entities: [ref(written.resource)], outcome: 'success', sourceAddress: req.ip },
        tx,
      );
      return written;
    });
    if (result.enqueued) deps.dispatcher.wake();
    sendResource(req, res, result.status, result.resource);
  });

  api.put('/fhir/R4/:type/:id', async (req, res) => {
    const type = String(req.params.type);
    const result = await deps.db.transaction(async (tx) => {
      const written = await deps.writer.update(tx, type, String(req.params.id), req.body);
      await deps.audit.record(
        { action: 'U', interaction: 'update', agent: req.principal?.name ?? 'unknown', entities: [ref(written.resource)], outcome: 'success', sourceAddress: req.ip },
        tx,
      );
      return written;
    });
    sendResource(req, res, result.status, result.resource);
  });

  api.get('/fhir/R4/:type/:id', async (req, res) => {
    const type = readableType(String(req.params.type), deps.embeddedEhr);
    const resource = await deps.repo.read(type, String(req.params.id));
    if (!resource) throw notFound(`${type}/${String(req.params.id)} not found`);
    await deps.audit.record({ action: 'R', interaction: 'read', agent: req.principal?.name ?? 'unknown', entities: [ref(resource)], outcome: 'success', sourceAddress: req.ip });
    sendResource(req, res, 200, resource);
  });

  api.get('/fhir/R4/:type', async (req, res) => {
    const type = readableType(String(req.params.type), deps.embeddedEhr);
    const query = parseSearch(type, req.query as Record<string, string | string[]>);
    const result = await deps.repo.search(query);
    await deps.audit.record({
      action: 'E',
      interaction: 'search-type',
      agent: req.principal?.name ?? 'unknown',
      entities: [...(query.patientId ? [`Patient/${query.patientId}`] : []), ...result.resources.map(ref)],
      outcome: 'success',
      sourceAddress: req.ip,
    });
    const base = `${req.protocol}://${req.get('host')}/fhir/R4/${type}`;
    const params = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const link = (offset: number) => {
      params.set('_offset', String(offset));
      params.set('_count', String(query.count));
      return `${base}?${params.toString()}`;
    };
    const next = query.offset + result.resources.length < result.total && query.count > 0;
    sendFhir(res, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: result.total,
      link: [
        { relation: 'self', url: `${base}${req.originalUrl.includes('?') ? '?' + req.originalUrl.split('?')[1] : ''}` },
        ...(next ? [{ relation: 'next', url: link(query.offset + query.count) }] : []),
      ],
      entry: result.resources.map((resource) => ({
        fullUrl: `${req.protocol}://${req.get('host')}/fhir/R4/${resource.resourceType}/${resource.id}`,
        resource,
        search: { mode: 'match' },
      })),
    });
  });

  api.get('/admin/dead-letters', async (_req, res) => {
    res.json({ deadLetters: await deps.jobs.deadLetters(), jobs: await deps.jobs.counts() });
  });

  api.post('/admin/dead-letters/:id/replay', async (req, res) => {
    const replayed = await deps.jobs.replay(String(req.params.id));
    if (!replayed) throw notFound(`No unreplayed dead letter ${String(req.params.id)}`);
    await deps.audit.record({ action: 'E', interaction: 'job:replay', agent: req.principal?.name ?? 'unknown', entities: [], outcome: 'success', sourceAddress: req.ip, detail: `dead letter ${String(req.params.id)}` });
    deps.dispatcher.wake();
    sendFhir(res, 200, allOk(`Dead letter ${String(req.params.id)} queued again`));
  });

  app.use(api);
  app.use(() => {
    throw notFound('No such route');
  });
  app.use(errorHandler(deps.log, deps.maxBodyBytes));
  return app;
}

function readableType(type: string, embeddedEhr: boolean) {
  if (!isStoredType(type)) throw notFound(`Resource type ${type} is not supported`);
  if (!embeddedEhr && PATIENT_CONTEXT_TYPES.includes(type)) throw notFound(`${type} lives in the EHR, not in Vigil`);
  return type;
}

const ref = (r: Resource) => `${r.resourceType}/${r.id}`;

function sendResource(req: Request, res: Response, status: number, resource: Resource): void {
  const version = resource.meta?.versionId ?? '1';
  res.setHeader('ETag', `W/"${version}"`);
  if (resource.meta?.lastUpdated) res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
  if (status === 201) res.setHeader('Location', `${req.protocol}://${req.get('host')}/fhir/R4/${ref(resource)}/_history/${version}`);
  sendFhir(res, status, resource);
}

/** Method, path, status and time only: no bodies, no query strings (they can hold patient ids). */
function requestLog(log: Logger) {
  return (req: Request, res: Response, next: () => void) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.info({ method: req.method, route: (req.route as { path?: string } | undefined)?.path ?? 'unmatched', status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  };
}
