import type { Identifier, Resource } from '@medplum/fhirtypes';
import type { Database } from '../store/database';
import type { SearchQuery } from '../store/resource-repository';
import type { ResourceRepository } from '../store/resource-repository';
import type { EhrClient, PatientContext } from './ehr-client';

const PAGE = 1000;

/** The embedded default: Vigil's own store plays the EHR. */
export class LocalEhrClient implements EhrClient {
  readonly name = 'local';

  constructor(
    private readonly db: Database,
    private readonly repo: ResourceRepository,
  ) {}

  async patientContext(patientId: string): Promise<PatientContext> {
    const all = async <T extends Resource>(resourceType: SearchQuery['resourceType']) =>
      (await this.repo.search({ resourceType, patientId, count: PAGE, offset: 0 })).resources as T[];
    const [patient, allergies, statements, requests, conditions, observations] = await Promise.all([
      this.repo.read('Patient', patientId),
      all('AllergyIntolerance'),
      all('MedicationStatement'),
      all('MedicationRequest'),
      all('Condition'),
      all('Observation'),
    ]);
    return {
      patientId,
      patient: patient as PatientContext['patient'],
      allergies: allergies as PatientContext['allergies'],
      medications: [...(statements as PatientContext['medications']), ...(requests as PatientContext['medications'])],
      conditions: conditions as PatientContext['conditions'],
      observations: observations as PatientContext['observations'],
    };
  }

  async upsert<T extends Resource>(resource: T, identifier: Required<Pick<Identifier, 'system' | 'value'>>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const existing = await this.repo.findByIdentifier<T>(resource.resourceType, identifier, tx);
      if (existing) return existing;
      return this.repo.create(tx, resource);
    });
  }
}
