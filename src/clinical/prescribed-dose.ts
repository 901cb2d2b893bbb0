import type { Dosage, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { frequencyOf, parseDose, type ProductStrength } from './extract-doses';

/** What the chart says the patient takes of one medication, in milligrams. */
export interface PrescribedDose {
  singleMg?: number;
  dailyMg?: number;
  /** For a once-weekly prescription (methotrexate, high-dose vitamin D): the week's amount. */
  weeklyMg?: number;
  /** Tablets or capsules, when the chart counts units of a product whose strength it does not give ("1 tab q6h"). */
  unitsPerDose?: number;
  unitsPerDay?: number;
  /** "as needed": the daily figure is a ceiling, not what the patient takes every day. */
  asNeeded: boolean;
}

const ONCE_WEEKLY = /\bonce\s+(?:a\s+)?week(?:ly)?\b|\bweekly\b|\bevery\s+(?:week|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/i;
const TAPER = /\b(?:reduce|reducing|decrease|decreasing|taper|tapering|wean|weaning|increase|increasing|titrate|titrating)\b[^.]{0,20}\bby\b|\b(?:taper|titrate|wean)\w*\b/i;
const UNITS = /\b(\d)\s*(?:tabs?|tablets?|caps?|capsules?|pills?)\b/i;
const MASS_UNITS: Record<string, number> = { mg: 1, g: 1000, mcg: 0.001, ug: 0.001, µg: 0.001, microgram: 0.001, micrograms: 0.001, milligram: 1, milligrams: 1, gram: 1000, grams: 1000 };
const PERIOD_DAYS: Record<string, number> = { s: 1 / 86400, min: 1 / 1440, h: 1 / 24, d: 1, wk: 7, mo: 30, a: 365 };

/**
 * Reads a MedicationStatement's or MedicationRequest's dosage: the structured dose and timing
 * when present, else the free-text instruction ("5 mg twice daily", "1–2 tablets every 4–6 hours"),
 * with the strength in the medication's name filling in what "1 tablet" means.
 */
export function prescribedDose(med: MedicationStatement | MedicationRequest, drugId: string, iuPerMg?: number): PrescribedDose | undefined {
  const dosages: Dosage[] = med.resourceType === 'MedicationStatement' ? (med.dosage ?? []) : (med.dosageInstruction ?? []);
  const dosage = dosages[0];
  if (!dosage) return undefined;
  const strength = strengthOf(medicationName(med), drugId, iuPerMg);
  const asNeeded = dosage.asNeededBoolean === true || dosage.asNeededCodeableConcept !== undefined || /\b(?:as needed|prn|when required|if needed|as required)\b/i.test(dosage.text ?? '');
  const structured = structuredDose(dosage, strength);
  if (structured) return { ...structured, asNeeded };
  // "Reduce by 5 mg every week": a taper's step is not a dose.
  if (!dosage.text || TAPER.test(dosage.text)) return undefined;
  const parsed = parseDose(dosage.text, strength, iuPerMg);
  const perDay = frequencyOf(dosage.text) || undefined;
  // "100 mg daily (2 x 50 mg)" states the day's amount, which is also the single dose when taken once.
  const singleMg = perDay === 1 && parsed?.dailyMg !== undefined ? Math.max(parsed.dailyMg, parsed.singleMg ?? 0) : (parsed?.singleMg ?? (perDay === 1 ? parsed?.dailyMg : undefined));
  const units = parsed?.units ?? UNITS.exec(dosage.text)?.[1];
  const unitsPerDose = units !== undefined ? Number(units) : undefined;
  const unitCount = unitsPerDose !== undefined && Number.isFinite(unitsPerDose) ? { unitsPerDose, unitsPerDay: perDay !== undefined ? unitsPerDose * perDay : undefined } : {};
  if (!singleMg) return unitsPerDose !== undefined ? { ...unitCount, asNeeded } : undefined;
  const weeklyMg = perDay === undefined && ONCE_WEEKLY.test(dosage.text) ? singleMg : undefined;
  return { singleMg, dailyMg: parsed?.dailyMg ?? (perDay !== undefined ? singleMg * perDay : undefined), weeklyMg, ...unitCount, asNeeded };
}

function structuredDose(dosage: Dosage, strength: ProductStrength | undefined): Omit<PrescribedDose, 'asNeeded'> | undefined {
  const rate = dosage.doseAndRate?.[0];
  const quantity = rate?.doseQuantity ?? rate?.doseRange?.high;
  if (quantity?.value === undefined) return undefined;
  const unit = (quantity.code ?? quantity.unit ?? '').toLowerCase();
  const factor = MASS_UNITS[unit];
  const singleMg = factor !== undefined ? quantity.value * factor : strength?.unitMg && /^(tab|cap|\{tab|\{cap|1$)/.test(unit) ? quantity.value * strength.unitMg : strength?.mgPerMl && /^ml$/.test(unit) ? quantity.value * strength.mgPerMl : undefined;
  if (singleMg === undefined) return undefined;
  const repeat = dosage.timing?.repeat;
  const days = repeat?.periodUnit ? (repeat.period ?? 1) * (PERIOD_DAYS[repeat.periodUnit] ?? NaN) : undefined;
  const times = repeat?.frequencyMax ?? repeat?.frequency ?? (days !== undefined ? 1 : undefined);
  const perDay = times !== undefined && days !== undefined && Number.isFinite(days) ? times / days : undefined;
  return { singleMg, dailyMg: perDay !== undefined ? singleMg * perDay : undefined };
}

/** "Warfarin 5 mg tablet" → 5 mg a unit; "Oramorph 10 mg/5 mL" → 2 mg per mL. */
export function strengthOf(name: string, drugId: string, iuPerMg?: number): ProductStrength | undefined {
  const concentration = /(\d+(?:\.\d+)?)\s*(mg|mcg|micrograms?|g)\s*(?:\/|per|in)\s*(\d+(?:\.\d+)?)?\s*ml\b/i.exec(name);
  if (concentration) {
    const mg = Number(concentration[1]) * (MASS_UNITS[concentration[2].toLowerCase()] ?? 1);
    return { name, drug: drugId, mgPerMl: mg / Number(concentration[3] ?? 1) };
  }
  // "Colecalciferol 20,000 unit capsules": international units where the drug has a factor.
  const units = /(\d{1,3}(?:,\d{3})+|\d+)\s*(?:units?|iu)\b/i.exec(name);
  if (units && iuPerMg && !/\/\s*ml\b/i.test(name)) return { name, drug: drugId, unitMg: Number(units[1].replace(/,/g, '')) / iuPerMg };
  // Combination strengths ("10 mg/325 mg") name several ingredients: no single unit strength.
  const strengths = [...name.matchAll(/(\d+(?:\.\d+)?)\s*(mg|mcg|micrograms?|g)\b/gi)];
  if (strengths.length !== 1) {
    // "the paracetamol 500s": a strength written as a plural number.
    const plural = /\b(\d{2,4})s\b/.exec(name);
    return strengths.length === 0 && plural ? { name, drug: drugId, unitMg: Number(plural[1]) } : undefined;
  }
  return { name, drug: drugId, unitMg: Number(strengths[0][1]) * (MASS_UNITS[strengths[0][2].toLowerCase()] ?? 1) };
}

export function medicationName(med: MedicationStatement | MedicationRequest): string {
  return med.medicationCodeableConcept?.text ?? med.medicationCodeableConcept?.coding?.find((c) => c.display)?.display ?? med.medicationReference?.display ?? '';
}

/** "Nurofen for Children 100mg/5mL", "Imodium 2mg caps": a strength the patient states right after naming the drug. */
export function statedStrengths(text: string | undefined, mentions: { ref: string; start: number; end: number }[]): Map<string, ProductStrength> {
  const strengths = new Map<string, ProductStrength>();
  if (!text) return strengths;
  for (const mention of mentions) {
    if (mention.ref.startsWith('class:') || strengths.has(mention.ref)) continue;
    const window = text.slice(mention.start, Math.min(text.length, mention.end + 40)).split(/[.!?\n]/)[0];
    const strength = strengthOf(window, mention.ref);
    if (strength) strengths.set(mention.ref, strength);
  }
  return strengths;
}
