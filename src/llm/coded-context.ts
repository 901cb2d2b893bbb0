import { redactIdentifiers } from './redact-identifiers';

/** A coded clinical concept: its display name and, when known, its code (RxNorm, SNOMED CT, ...). */
export interface CodedConcept {
  display: string;
  code?: string;
}

/**
 * The only patient facts a model ever sees. Deliberately no name, identifier, birth date, address
 * or contact field exists here, so none can be passed by mistake.
 */
export interface CodedPatientContext {
  ageYears?: number;
  sex?: 'female' | 'male' | 'other' | 'unknown';
  pregnant?: boolean;
  weightKg?: number;
  /** Active allergies only. */
  allergies: CodedConcept[];
  /** Active medications only. */
  medications: CodedConcept[];
  conditions: CodedConcept[];
}

/**
 * Renders the context field by field from a fixed list. It never serialises the object itself:
 * TypeScript lets a wider object (say, a full patient record) be passed where this type is expected,
 * and its extra fields must not reach the prompt.
 */
export function renderCodedContext(context: CodedPatientContext): string {
  const lines = [
    `Age: ${context.ageYears === undefined ? 'unknown' : ageBand(context.ageYears)}`,
    `Sex: ${context.sex ?? 'unknown'}`,
    `Pregnant: ${context.pregnant === undefined ? 'unknown' : context.pregnant ? 'yes' : 'no'}`,
    `Weight: ${context.weightKg === undefined ? 'unknown' : `${Math.round(context.weightKg * 10) / 10} kg`}`,
    `Allergies: ${concepts(context.allergies)}`,
    `Active medications: ${concepts(context.medications)}`,
    `Conditions: ${concepts(context.conditions)}`,
  ];
  return lines.join('\n');
}

/** Ages over 89 are themselves identifying (HIPAA safe harbour), so they are pooled. */
function ageBand(years: number): string {
  return years >= 90 ? '90 or older' : `${Math.floor(years)} years`;
}

function concepts(list: CodedConcept[]): string {
  if (list.length === 0) return 'none recorded';
  return list
    .map((c) => {
      const display = redactIdentifiers(String(c.display).replace(/\s+/g, ' ').trim()).slice(0, 120);
      const code = c.code && /^[\w.-]{1,40}$/.test(c.code) ? ` (code ${c.code})` : '';
      return `${display}${code}`;
    })
    .join('; ');
}
