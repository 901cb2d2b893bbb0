import type { SearchQuery } from '../store/resource-repository';
import type { StoredType } from '../store/resource-columns';
import { badRequest } from './outcomes';

/**
 * The search parameters Vigil supports, per type. Unknown parameters are rejected rather than
 * ignored: a mistyped `patient` must never return every patient's records.
 */
const PATIENT_PARAMS: Partial<Record<StoredType, string[]>> = {
  Communication: ['patient', 'subject'],
  DetectedIssue: ['patient'],
  Flag: ['patient', 'subject'],
  Task: ['patient', 'for'],
  RiskAssessment: ['patient', 'subject'],
  AuditEvent: ['patient'],
  AllergyIntolerance: ['patient'],
  MedicationStatement: ['patient', 'subject'],
  MedicationRequest: ['patient', 'subject'],
  Condition: ['patient', 'subject'],
  Observation: ['patient', 'subject'],
};

const STATUS_PARAM: Partial<Record<StoredType, string>> = {
  Communication: 'status',
  DetectedIssue: 'status',
  Flag: 'status',
  Task: 'status',
  RiskAssessment: 'status',
  MedicationStatement: 'status',
  MedicationRequest: 'status',
  Observation: 'status',
  AllergyIntolerance: 'clinical-status',
  Condition: 'clinical-status',
};

/** Reference search parameters matched exactly against a JSONB element. */
const REFERENCE_PARAMS: Partial<Record<StoredType, Record<string, { path: string; type: string }>>> = {
  Task: { focus: { path: 'focus', type: 'Communication' } },
  RiskAssessment: { basis: { path: 'basis', type: 'Communication' } },
};

const COMMON_PARAMS = ['_id', '_lastUpdated', '_count', '_offset', '_sort', 'identifier'];
export const MAX_COUNT = 100;
const DEFAULT_COUNT = 20;

export function supportedSearchParams(type: StoredType): string[] {
  return [
    ...(PATIENT_PARAMS[type] ?? []),
    ...(STATUS_PARAM[type] ? [STATUS_PARAM[type] as string] : []),
    ...Object.keys(REFERENCE_PARAMS[type] ?? {}),
    ...COMMON_PARAMS,
  ];
}

const PREFIX_OP = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

export function parseSearch(type: StoredType, query: Record<string, string | string[] | undefined>): SearchQuery {
  const allowed = new Set(supportedSearchParams(type));
  const search: SearchQuery = { resourceType: type, count: DEFAULT_COUNT, offset: 0 };
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    if (!allowed.has(name)) {
      throw badRequest(`Unknown search parameter ${name} for ${type}; supported: ${[...allowed].join(', ')}`, name);
    }
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) applyParam(type, search, name, value);
  }
  return search;
}

function applyParam(type: StoredType, search: SearchQuery, name: string, value: string): void {
  if ((PATIENT_PARAMS[type] ?? []).includes(name)) {
    const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
    if (!id || id.includes('/')) throw badRequest(`${name} must be a Patient id or Patient/{id}`, name);
    if (search.patientId !== undefined && search.patientId !== id) search.patientId = '\u0000'; // two patients: nothing matches
    else search.patientId = id;
    return;
  }
  if (name === STATUS_PARAM[type]) {
    search.status = value.split(',').map((v) => v.trim()).filter(Boolean);
    return;
  }
  const ref = REFERENCE_PARAMS[type]?.[name];
  if (ref) {
    const reference = value.includes('/') ? value : `${ref.type}/${value}`;
    search.references = [...(search.references ?? []), { path: ref.path, reference }];
    return;
  }
  switch (name) {
    case '_id':
      search.ids = value.split(',').map((v) => v.trim()).filter(Boolean);
      return;
    case 'identifier': {
      const bar = value.indexOf('|');
      search.identifier = bar >= 0 ? { system: value.slice(0, bar), value: value.slice(bar + 1) } : { value };
      return;
    }
    case '_lastUpdated': {
      const match = /^(eq|gt|ge|lt|le)?(\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?)$/.exec(value);
      if (!match || Number.isNaN(Date.parse(match[2]))) throw badRequest(`Invalid _lastUpdated: ${value}`, '_lastUpdated');
      search.lastUpdated = [...(search.lastUpdated ?? []), { op: PREFIX_OP[(match[1] ?? 'eq') as keyof typeof PREFIX_OP], value: match[2] }];
      return;
    }
    case '_count': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw badRequest('_count must be a non-negative integer', '_count');
      search.count = Math.min(n, MAX_COUNT);
      return;
    }
    case '_offset': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw badRequest('_offset must be a non-negative integer', '_offset');
      search.offset = n;
      return;
    }
    case '_sort':
      if (value !== '_lastUpdated' && value !== '-_lastUpdated') throw badRequest('_sort supports _lastUpdated and -_lastUpdated', '_sort');
      search.sortDescending = value.startsWith('-');
      return;
  }
}
