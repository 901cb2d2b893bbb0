import crypto from 'node:crypto';
import type { AllergyIntolerance, Bundle, BundleEntry, Communication, MedicationStatement, Patient, Resource } from '@medplum/fhirtypes';

/** Small builders for the FHIR a chatbot platform and an EHR would send. */

export const patient = (id: string, extra: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family: 'Tester', given: [id] }],
  birthDate: '1980-04-12',
  gender: 'female',
  ...extra,
});

export const allergy = (id: string, patientId: string, text: string, extra: Partial<AllergyIntolerance> = {}): AllergyIntolerance => ({
  resourceType: 'AllergyIntolerance',
  id,
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
  code: { text },
  patient: { reference: `Patient/${patientId}` },
  ...extra,
});

export const medication = (id: string, patientId: string, text: string, status: MedicationStatement['status'] = 'active'): MedicationStatement => ({
  resourceType: 'MedicationStatement',
  id,
  status,
  medicationCodeableConcept: { text },
  subject: { reference: `Patient/${patientId}` },
});

export const patientMessage = (patientId: string, text: string, extra: Partial<Communication> = {}): Communication => ({
  resourceType: 'Communication',
  status: 'completed',
  identifier: [{ system: 'urn:test:chat', value: crypto.randomUUID() }],
  subject: { reference: `Patient/${patientId}` },
  sender: { reference: `Patient/${patientId}` },
  sent: new Date().toISOString(),
  payload: [{ contentString: text }],
  ...extra,
});

export const botReply = (patientId: string, inResponseTo: string | undefined, text: string, extra: Partial<Communication> = {}): Communication => ({
  resourceType: 'Communication',
  status: 'completed',
  identifier: [{ system: 'urn:test:chat', value: crypto.randomUUID() }],
  subject: { reference: `Patient/${patientId}` },
  sender: { reference: 'Device/chatbot' },
  sent: new Date(Date.now() + 1000).toISOString(),
  ...(inResponseTo ? { inResponseTo: [{ reference: inResponseTo }] } : {}),
  payload: [{ contentString: text }],
  ...extra,
});

/** A transaction that PUTs resources with their ids, as an EHR loads patient context. */
export function contextTransaction(resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map(
      (resource): BundleEntry => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } }),
    ),
  };
}

export const FHIR_JSON = 'application/fhir+json';
