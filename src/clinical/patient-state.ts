import type { AllergyIntolerance, Condition, Observation, Patient } from '@medplum/fhirtypes';
import type { PatientContext } from '../ehr/ehr-client';
import { isActiveAllergy } from './resolve-context';

/** Facts about the patient that dosing and contraindication rules depend on, read from the chart. */
export interface PatientState {
  /** `Patient/<id>`: what age-based findings point at. */
  patientReference: string;
  ageYears?: number;
  sex?: string;
  weightKg?: { value: number; reference: string };
  egfr?: { value: number; reference: string };
  pregnancy?: { weeks?: number; reference: string };
  conditions: ResolvedCondition[];
  /** Active allergies by the words of their substance ("bee venom" → bee, venom), for red flags that name an allergen. */
  allergies: { reference: string; words: string[] }[];
}

export interface ResolvedCondition {
  reference: string;
  snomed: string[];
  icd10: string[];
  /** Lower-case display text and codings' displays, for text matching. */
  text: string;
}

const SNOMED = 'http://snomed.info/sct';
const ICD10 = /icd-?10/i;
const LOINC = 'http://loinc.org';
const WEIGHT_CODES = ['29463-7', '3141-9'];
const EGFR_CODES = ['62238-1', '33914-3', '48642-3', '48643-1', '88293-6', '88294-4', '98979-8', '50044-7', '69405-9'];
const PREGNANCY_SNOMED = ['77386006', '72892002'];
const PREGNANCY_STATUS_LOINC = '82810-3';
const GESTATIONAL_AGE_LOINC = ['11884-4', '11885-1', '18185-9', '49051-6'];
/** Feeds that send an Observation with only a name: matched on code.text and the codings' displays. */
const WEIGHT_TEXT = /^\s*(?:body\s+)?weight\b(?!\s*(?:change|loss|gain))|\bbody weight\b|\bweight \(kg\)|^\s*wt\b/i;
const EGFR_TEXT = /\begfr\b|\bglomerular filtration rate\b|^\s*gfr\b/i;
const GESTATIONAL_AGE_TEXT = /\bgestational age\b|\bweeks? (?:of )?gestation\b/i;

export function resolvePatientState(context: PatientContext, at: Date): PatientState {
  const conditions = [...context.conditions.filter(isActiveCondition).map(resolveCondition), ...context.observations.flatMap(findingOf)];
  return {
    patientReference: `Patient/${context.patientId}`,
    ageYears: ageOf(context.patient, at),
    sex: context.patient?.gender,
    weightKg: latestQuantity(context.observations, { codes: WEIGHT_CODES, text: WEIGHT_TEXT }, (unit, value) => (/^(lb|lbs|\[lb_av\])$/i.test(unit) ? value * 0.453592 : /^g$/i.test(unit) ? value / 1000 : value)),
    egfr: latestQuantity(context.observations, { codes: EGFR_CODES, text: EGFR_TEXT }, (_unit, value) => value) ?? egfrFromCkdStage(conditions),
    pregnancy: pregnancyOf(context, conditions, at),
    conditions,
    allergies: context.allergies.filter(isActiveAllergy).map((a) => ({ reference: `AllergyIntolerance/${a.id}`, words: substanceWords(a) })),
  };
}

/** Words that say nothing about which substance: "allergy to", "food", "venom" alone would match any sting or meal. */
const NOT_A_SUBSTANCE = new Set(['allergy', 'allergic', 'allergies', 'intolerance', 'food', 'foods', 'venom', 'extract', 'sting', 'stings', 'insect', 'contact', 'drug', 'medication', 'severe', 'mild', 'reaction', 'the', 'and', 'with']);

function substanceWords(allergy: AllergyIntolerance): string[] {
  const text = [allergy.code?.text, ...(allergy.code?.coding ?? []).map((c) => c.display)].filter(Boolean).join(' ').toLowerCase();
  return [...new Set(text.split(/[^a-z]+/).filter((w) => w.length >= 3 && !NOT_A_SUBSTANCE.has(w)))];
}

export function isActiveCondition(condition: Condition): boolean {
  const clinical = condition.clinicalStatus?.coding?.map((c) => c.code) ?? [];
  const verification = condition.verificationStatus?.coding?.map((c) => c.code) ?? [];
  // A cancer "in remission" still rules out oestrogen: remission is a state of the condition, not its end.
  if (clinical.length > 0 && !clinical.some((c) => c === 'active' || c === 'recurrence' || c === 'relapse' || c === 'remission')) return false;
  return !verification.some((c) => c === 'refuted' || c === 'entered-in-error');
}

/** A result that reads as present: "HLA-B*15:02 positive", "Pregnancy test: positive", "Breastfeeding: yes". */
const PRESENT = /\b(?:positive|detected|present|yes|current(?:ly)?|carrier|confirmed|reactive|every day|daily|some days)\b/i;
const ABSENT = /\b(?:negative|not detected|absent|no|none|never|former|ex-|non-?reactive|not present|unknown)\b/i;

/**
 * An Observation with a coded or text answer is read like a condition when the answer says it is
 * present, so rules matching "HLA-B*15:02", "pregnan" or "breastfeeding" see a result the EHR
 * keeps as an Observation. Numeric results are read elsewhere (weight, eGFR, gestation).
 */
function findingOf(observation: Observation): ResolvedCondition[] {
  if (observation.status === 'entered-in-error' || observation.status === 'cancelled' || observation.valueQuantity) return [];
  const name = [observation.code?.text, ...(observation.code?.coding ?? []).map((c) => c.display)].filter(Boolean).join(' | ');
  const value = observation.valueCodeableConcept
    ? [observation.valueCodeableConcept.text, ...(observation.valueCodeableConcept.coding ?? []).map((c) => c.display ?? c.code)].filter(Boolean).join(' | ')
    : (observation.valueString ?? (observation.valueBoolean === true ? 'yes' : observation.valueBoolean === false ? 'no' : ''));
  if (!name || !value || !PRESENT.test(value) || ABSENT.test(value)) return [];
  return [
    {
      reference: `Observation/${observation.id}`,
      snomed: (observation.valueCodeableConcept?.coding ?? []).filter((c) => c.system === SNOMED && c.code).map((c) => c.code as string),
      icd10: [],
      text: `${name} | ${value}`.toLowerCase(),
    },
  ];
}

function resolveCondition(condition: Condition): ResolvedCondition {
  const codings = condition.code?.coding ?? [];
  return {
    reference: `Condition/${condition.id}`,
    snomed: codings.filter((c) => c.system === SNOMED && c.code).map((c) => c.code as string),
    icd10: codings.filter((c) => ICD10.test(c.system ?? '') && c.code).map((c) => (c.code as string).toUpperCase()),
    text: [condition.code?.text, ...codings.map((c) => c.display)].filter(Boolean).join(' | ').toLowerCase(),
  };
}

/**
 * Upper eGFR bound of each CKD stage (KDIGO 2012), for charts that record "CKD stage 4" or N18.4
 * but no eGFR result. The bound is the most favourable value the stage allows, so a rule only fires
 * when every patient at that stage is below its threshold.
 */
const CKD_STAGE_EGFR: [RegExp, number][] = [
  [/\b(?:end[- ]stage (?:renal|kidney)|esrd|eskd|(?:on |haemo|hemo|peritoneal )dialysis)\b|\b(?:ckd|chronic kidney disease|chronic renal (?:failure|disease))\b[^|]{0,20}\b(?:stage |g)?5d?\b/, 14],
  [/\b(?:ckd|chronic kidney disease|chronic renal (?:failure|disease)|renal impairment)\b[^|]{0,20}\b(?:stage |g)?4\b/, 29],
  [/\b(?:ckd|chronic kidney disease|chronic renal (?:failure|disease)|renal impairment)\b[^|]{0,20}\b(?:stage |g)?3b\b/, 44],
  [/\b(?:ckd|chronic kidney disease|chronic renal (?:failure|disease)|renal impairment)\b[^|]{0,20}\b(?:stage |g)?3a?\b/, 59],
];
const CKD_ICD10_EGFR: [RegExp, number][] = [
  [/^N18\.(?:5|6)/, 14],
  [/^N18\.4/, 29],
  [/^N18\.32/, 44],
  [/^N18\.3/, 59],
];

function egfrFromCkdStage(conditions: ResolvedCondition[]): { value: number; reference: string } | undefined {
  let best: { value: number; reference: string } | undefined;
  for (const condition of conditions) {
    const byCode = CKD_ICD10_EGFR.find(([code]) => condition.icd10.some((c) => code.test(c)))?.[1];
    const byText = CKD_STAGE_EGFR.find(([text]) => text.test(condition.text))?.[1];
    const value = byCode ?? byText;
    if (value !== undefined && (!best || value < best.value)) best = { value, reference: condition.reference };
  }
  return best;
}

function ageOf(patient: Patient | undefined, at: Date): number | undefined {
  if (!patient?.birthDate) return undefined;
  const birth = new Date(patient.birthDate.length === 4 ? `${patient.birthDate}-07-01` : patient.birthDate.length === 7 ? `${patient.birthDate}-15` : patient.birthDate);
  if (Number.isNaN(birth.getTime())) return undefined;
  return (at.getTime() - birth.getTime()) / (365.25 * 24 * 3600 * 1000);
}

function latestQuantity(
  observations: Observation[],
  kind: { codes: string[]; text: RegExp },
  toUnit: (unit: string, value: number) => number,
): { value: number; reference: string } | undefined {
  const named = (o: Observation) => [o.code?.text, ...(o.code?.coding ?? []).map((c) => c.display)].some((name) => name !== undefined && kind.text.test(name));
  const matching = observations
    .filter((o) => o.status !== 'entered-in-error' && o.status !== 'cancelled')
    .filter((o) => o.code?.coding?.some((c) => (c.system === LOINC || !c.system) && kind.codes.includes(c.code ?? '')) || named(o))
    .filter((o) => typeof o.valueQuantity?.value === 'number')
    .sort((a, b) => Date.parse(b.effectiveDateTime ?? b.issued ?? '') - Date.parse(a.effectiveDateTime ?? a.issued ?? ''));
  const latest = matching[0];
  if (!latest) return undefined;
  const q = latest.valueQuantity as { value: number; unit?: string; code?: string };
  return { value: toUnit(q.code ?? q.unit ?? '', q.value), reference: `Observation/${latest.id}` };
}

function pregnancyOf(context: PatientContext, conditions: ResolvedCondition[], at: Date): PatientState['pregnancy'] {
  const gestational = latestQuantity(context.observations, { codes: GESTATIONAL_AGE_LOINC, text: GESTATIONAL_AGE_TEXT }, (unit, value) => (/^d/i.test(unit) ? value / 7 : value));
  const status = context.observations.find(
    (o) =>
      o.code?.coding?.some((c) => c.code === PREGNANCY_STATUS_LOINC) &&
      (o.valueCodeableConcept?.coding?.some((c) => c.code === '77386006') || /pregnant/i.test(o.valueCodeableConcept?.text ?? '')),
  );
  const condition = conditions.find((c) => c.snomed.some((s) => PREGNANCY_SNOMED.includes(s)) || /\bpregnan|\bgestation|\bintrauterine pregnancy|^z33|^o09|\b(?:hcg|beta hcg|b-hcg)\b[^|]*\|\s*(?:positive|detected)/.test(c.text) || c.icd10.some((code) => /^(Z33|O09|Z34)/.test(code)));
  if (!gestational && !status && !condition) return undefined;
  const reference = condition?.reference ?? (status ? `Observation/${status.id}` : gestational?.reference ?? '');
  let weeks = gestational?.value;
  if (weeks === undefined && condition) {
    const stated = /(\d{1,2})\s*(?:weeks?|wks?|\/40)/.exec(condition.text);
    if (stated) weeks = Number(stated[1]);
    const source = context.conditions.find((c) => `Condition/${c.id}` === condition.reference);
    if (weeks !== undefined && source?.recordedDate) weeks += (at.getTime() - Date.parse(source.recordedDate)) / (7 * 24 * 3600 * 1000);
  }
  return { weeks: weeks === undefined ? undefined : Math.floor(weeks), reference };
}

const STATED_PREGNANCY =
  /\b(?:i'?m|i am|im|currently|now)\s+(?:(\d{1,2})\s*(?:weeks?|wks?)\s+)?pregnant\b|\b(\d{1,2})\s*(?:weeks?|wks?)\s+(?:pregnant|preggo|along|gestation)\b|\b(?:i'?m|i am|im)\s+expecting\b|\b(first|second|third|1st|2nd|3rd)\s+trimester\b|\b(\d{1,2})\s*\+\s*[0-6]\s*(?:weeks?)?\b(?=[^.!?]{0,20}\bpregnan)/i;
const TRIMESTER_WEEKS: Record<string, number> = { first: 8, '1st': 8, second: 20, '2nd': 20, third: 32, '3rd': 32 };
const STATED_AGE = /\b(?:i'?m|i am|im|aged?)\s+(\d{2,3})\b(?!\s*(?:kg|lbs?|pounds|weeks?|mg|%|am|pm))|\b(\d{2,3})[- ]?(?:year|yr)s?[- ]?old\b(?=[^.!?]{0,20}\b(?:me|myself|i)\b)/i;

/**
 * What the patient says about themself that the chart does not record: "I'm 16 weeks pregnant",
 * "I'm 82". The chart wins where it speaks; stated facts point at the Patient resource.
 */
export function withStatedFacts(state: PatientState, text: string | undefined): PatientState {
  if (!text) return state;
  let next = state;
  if (!state.pregnancy && (state.sex === undefined || state.sex === 'female' || state.sex === 'unknown')) {
    const m = STATED_PREGNANCY.exec(text);
    if (m) {
      const weeks = m[1] ?? m[2] ?? m[4] ? Number(m[1] ?? m[2] ?? m[4]) : m[3] ? TRIMESTER_WEEKS[m[3].toLowerCase()] : undefined;
      next = { ...next, pregnancy: { weeks, reference: state.patientReference } };
    }
  }
  if (state.ageYears === undefined) {
    const m = STATED_AGE.exec(text);
    const years = m ? Number(m[1] ?? m[2]) : undefined;
    if (years !== undefined && years >= 1 && years <= 110) next = { ...next, ageYears: years };
  }
  return next;
}
