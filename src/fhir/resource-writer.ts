import type { Communication, Resource } from '@medplum/fhirtypes';
import { logMessage } from '../pipeline/log-message';
import type { JobStore } from '../queue/job-store';
import type { Queryable } from '../store/database';
import { isStoredType, PATIENT_CONTEXT_TYPES } from '../store/resource-columns';
import { UniqueIdentifierViolation, type ResourceRepository } from '../store/resource-repository';
import { badRequest, conflict, methodNotAllowed, notFound } from './outcomes';
import type { ProfileValidator } from './profile-validator';

export interface WriteResult {
  resource: Resource;
  /** 201 for a new resource, 200 for an update or an idempotent repeat. */
  status: 200 | 201;
  /** true when the write committed a job, so dispatch should be woken. */
  enqueued: boolean;
}

/** Types an API client may write. Vigil owns RiskAssessment and AuditEvent; nobody else writes them. */
export function writableTypes(embeddedEhr: boolean): string[] {
  return embeddedEhr ? ['Communication', ...PATIENT_CONTEXT_TYPES, 'DetectedIssue', 'Flag', 'Task', 'Provenance'] : ['Communication'];
}

/**
 * Writes one resource inside the caller's transaction: validation, business rules, conditional create,
 * and (for chat messages) level 1 of the pipeline. Used by single requests and by Bundle entries alike.
 */
export class ResourceWriter {
  private readonly writable: Set<string>;

  constructor(
    private readonly deps: { repo: ResourceRepository; jobs: JobStore; validator: ProfileValidator; embeddedEhr: boolean },
  ) {
    this.writable = new Set(writableTypes(deps.embeddedEhr));
  }

  /**
   * Creates a resource. `id` is given for Bundle entries whose fullUrl other entries refer to;
   * otherwise the store assigns one. `ifNoneExist` makes the create conditional.
   */
  async create(tx: Queryable, type: string, body: unknown, options: { ifNoneExist?: string; id?: string } = {}): Promise<WriteResult> {
    const resource = this.checkBody(type, body);
    if (options.ifNoneExist) {
      const existing = await this.findExisting(tx, type, options.ifNoneExist);
      if (existing) return { resource: existing, status: 200, enqueued: false };
    }
    if (resource.resourceType === 'Communication') {
      const logged = await logMessage(tx, this.deps, { ...(resource as Communication), id: options.id });
      return { resource: logged.resource, status: logged.created ? 201 : 200, enqueued: logged.created };
    }
    return { resource: await this.guard(() => this.deps.repo.create(tx, { ...resource, id: options.id })), status: 201, enqueued: false };
  }

  async update(tx: Queryable, type: string, id: string, body: unknown): Promise<WriteResult> {
    if (type === 'Communication') throw methodNotAllowed('Chat messages are immutable records: post a new Communication instead');
    const resource = this.checkBody(type, body);
    if (resource.id !== undefined && resource.id !== id) {
      throw badRequest(`Resource id ${resource.id} does not match the id ${id} in the URL`, `${type}.id`);
    }
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) throw badRequest(`Invalid id: ${id}`, `${type}.id`);
    const result = await this.guard(() => this.deps.repo.put(tx, { ...resource, id }));
    return { resource: result.resource, status: result.created ? 201 : 200, enqueued: false };
  }

  private checkBody(type: string, body: unknown): Resource {
    if (!isStoredType(type)) throw notFound(`Resource type ${type} is not supported`);
    if (!this.writable.has(type)) throw methodNotAllowed(`${type} is written by Vigil or by the EHR, not through this API`);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The body must be a FHIR resource (a JSON object)');
    const resource = body as Resource;
    if (resource.resourceType !== type) {
      throw badRequest(`Expected a ${type} but the body is a ${String(resource.resourceType ?? 'resource without resourceType')}`, 'resourceType');
    }
    this.deps.validator.validate(resource);
    return resource;
  }

  private async findExisting(tx: Queryable, type: string, ifNoneExist: string): Promise<Resource | undefined> {
    const params = new URLSearchParams(ifNoneExist);
    const identifier = params.get('identifier');
    if (!identifier || [...params.keys()].some((k) => k !== 'identifier')) {
      throw badRequest('If-None-Exist supports only identifier=system|value');
    }
    const bar = identifier.indexOf('|');
    const search = bar >= 0 ? { system: identifier.slice(0, bar), value: identifier.slice(bar + 1) } : { value: identifier };
    return this.deps.repo.findByIdentifier(type, search, tx);
  }

  private async guard<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof UniqueIdentifierViolation) throw conflict(err.message, 'identifier');
      throw err;
    }
  }
}
