import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { ResourceRepository } from '../store/resource-repository';
import { buildAuditEvent, type AuditFacts } from './audit';

/** Records AuditEvents in Vigil's own store, in the caller's transaction when there is one. */
export class AuditLog {
  constructor(
    private readonly repo: ResourceRepository,
    private readonly db: Queryable,
  ) {}

  record(facts: AuditFacts, tx: Queryable = this.db): Promise<AuditEvent> {
    return this.repo.create(tx, buildAuditEvent(facts));
  }
}
