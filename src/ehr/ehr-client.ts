import type {
  AllergyIntolerance,
  Condition,
  Identifier,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Resource,
} from '@medplum/fhirtypes';

/** Everything the clinical checks need to know about one patient, as the EHR holds it. */
export interface PatientContext {
  patientId: string;
  patient?: Patient;
  allergies: AllergyIntolerance[];
  medications: (MedicationStatement | MedicationRequest)[];
  conditions: Condition[];
  observations: Observation[];
}

/** The port through which Vigil reads patient context from, and writes its findings to, the EHR. */
export interface EhrClient {
  readonly name: string;
  patientContext(patientId: string): Promise<PatientContext>;
  /**
   * Creates the resource unless one with this identifier already exists (FHIR conditional create),
   * so a retried job writes each finding once. Returns the stored resource, with its EHR id.
   */
  upsert<T extends Resource>(resource: T, identifier: Required<Pick<Identifier, 'system' | 'value'>>): Promise<T>;
}
