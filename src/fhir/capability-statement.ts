import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { PATIENT_CONTEXT_TYPES, STORED_TYPES } from '../store/resource-columns';
import { supportedSearchParams } from './search-params';
import { writableTypes } from './resource-writer';

/** Built from the same tables the routes use, so it lists exactly what is supported. */
export function capabilityStatement(options: { embeddedEhr: boolean; fhirBaseUrl: string; version: string }): CapabilityStatement {
  const writable = new Set(writableTypes(options.embeddedEhr));
  const readable = STORED_TYPES.filter((t) => options.embeddedEhr || !PATIENT_CONTEXT_TYPES.includes(t));
  const resource: CapabilityStatementRestResource[] = readable.map((type) => ({
    type,
    ...(type === 'Communication' ? { supportedProfile: [`${options.fhirBaseUrl}/StructureDefinition/chat-message`] } : {}),
    interaction: [
      { code: 'read' },
      { code: 'search-type' },
      ...(writable.has(type) ? [{ code: 'create' as const }] : []),
      ...(writable.has(type) && type !== 'Communication' ? [{ code: 'update' as const }] : []),
    ],
    updateCreate: writable.has(type) && type !== 'Communication' ? true : undefined,
    conditionalCreate: writable.has(type) ? true : undefined,
    searchParam: supportedSearchParams(type).map((name) => ({ name, type: searchParamType(name) })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Vigil', version: options.version },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    rest: [
      {
        mode: 'server',
        security: {
          description: 'Every request needs Authorization: Bearer <API key>. Keys with the read scope may only read and search.',
        },
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}

function searchParamType(name: string): 'token' | 'reference' | 'date' | 'number' | 'string' {
  if (name === '_lastUpdated') return 'date';
  if (name === '_count' || name === '_offset') return 'number';
  if (name === '_sort') return 'string';
  if (['patient', 'subject', 'for', 'focus', 'basis'].includes(name)) return 'reference';
  return 'token';
}
