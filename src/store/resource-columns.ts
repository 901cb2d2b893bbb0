import type { Reference, Resource } from '@medplum/fhirtypes';

/**
 * What Vigil pulls out of each stored resource type for search, and which fields hold PHI
 * that is sealed (encrypted) instead of kept in the JSONB column.
 */

export const STORED_TYPES = [
  'Communication',
  'DetectedIssue',
  'Flag',
  'Task',
  'RiskAssessment',
  'AuditEvent',
  'Provenance',
  'Patient',
  'AllergyIntolerance',
  'MedicationStatement',
  'MedicationRequest',
  'Condition',
  'Observation',
] as const;
export type StoredType = (typeof STORED_TYPES)[number];

/** The chart: what Vigil reads from the EHR, and stores itself only when it is its own EHR. */
export const PATIENT_CONTEXT_TYPES: readonly StoredType[] = ['Patient', 'AllergyIntolerance', 'MedicationStatement', 'MedicationRequest', 'Condition', 'Observation'];

export function isStoredType(type: string): type is StoredType {
  return (STORED_TYPES as readonly string[]).includes(type);
}

/** The element that points at the patient, per type (its FHIR search parameter is `patient`). */
const PATIENT_PATH: Partial<Record<StoredType, string>> = {
  Communication: 'subject',
  DetectedIssue: 'patient',
  Flag: 'subject',
  Task: 'for',
  RiskAssessment: 'subject',
  AllergyIntolerance: 'patient',
  MedicationStatement: 'subject',
  MedicationRequest: 'subject',
  Condition: 'subject',
  Observation: 'subject',
};

export const SEALED_FIELDS: Partial<Record<StoredType, string[]>> = {
  Communication: ['payload', 'note', 'text'],
  Patient: ['name', 'telecom', 'address', 'contact', 'text'],
};

export function patientIdOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  if (resource.resourceType === 'AuditEvent') {
    for (const entity of resource.entity ?? []) {
      const id = referencedId(entity.what, 'Patient');
      if (id) return id;
    }
    return undefined;
  }
  const pathName = PATIENT_PATH[resource.resourceType as StoredType];
  if (!pathName) return undefined;
  return referencedId((resource as unknown as Record<string, Reference | undefined>)[pathName], 'Patient');
}

export function statusOf(resource: Resource): string | undefined {
  const r = resource as { status?: string; clinicalStatus?: { coding?: { code?: string }[] } };
  if (typeof r.status === 'string') return r.status;
  return r.clinicalStatus?.coding?.[0]?.code;
}

/** `Patient/123` (or an absolute URL ending so) → `123` when it is of the expected type. */
export function referencedId(ref: Reference | undefined, type: string): string | undefined {
  const value = ref?.reference;
  if (!value) return undefined;
  const parts = value.split('/');
  const id = parts.at(-1);
  return parts.at(-2) === type && id ? id : undefined;
}
