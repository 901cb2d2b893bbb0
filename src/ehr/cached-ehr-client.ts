import type { Identifier, Resource } from '@medplum/fhirtypes';
import type { EhrClient, PatientContext } from './ehr-client';

/**
 * Caches patient context for a short time: one conversation posts many messages in a minute,
 * and each would otherwise read the whole chart from the EHR again.
 */
export class CachedEhrClient implements EhrClient {
  private readonly cache = new Map<string, { expires: number; context: Promise<PatientContext> }>();

  constructor(
    private readonly inner: EhrClient,
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get name(): string {
    return `${this.inner.name}+cache`;
  }

  patientContext(patientId: string): Promise<PatientContext> {
    const hit = this.cache.get(patientId);
    if (hit && hit.expires > this.now()) return hit.context;
    if (this.cache.size >= this.maxEntries) this.evictExpired();
    const context = this.inner.patientContext(patientId);
    this.cache.set(patientId, { expires: this.now() + this.ttlMs, context });
    context.catch(() => this.cache.delete(patientId));
    return context;
  }

  upsert<T extends Resource>(resource: T, identifier: Required<Pick<Identifier, 'system' | 'value'>>): Promise<T> {
    return this.inner.upsert(resource, identifier);
  }

  private evictExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.cache) if (entry.expires <= now) this.cache.delete(key);
    // Still full: drop the oldest entries (Map keeps insertion order).
    for (const key of this.cache.keys()) {
      if (this.cache.size < this.maxEntries) break;
      this.cache.delete(key);
    }
  }
}
