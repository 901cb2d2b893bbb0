import type { KnowledgeBase } from '../../knowledge/knowledge-base';
import { extractDose, ingredientDailyDoses, numbersAsDigits, productAt, type ProductStrength, type StatedDose } from '../extract-doses';
import type { CurrentRegimen } from '../current-regimen';
import type { PatientState } from '../patient-state';
import type { ResolvedMedication } from '../resolve-context';
import type { DrugMention, Finding, Severity } from '../types';
import { drugsIn } from './drugs-of';
import { sentenceBounds } from '../sentences';

/** Below this age, weight-based pediatric limits apply when the knowledge base has them. */
const PEDIATRIC_UNDER_YEARS = 12;
/** Adults under this weight are dosed by weight too (BNF: paracetamol 15 mg/kg, and similar). */
const LOW_WEIGHT_ADULT_KG = 50;

/**
 * The reply's dosing exceeds a maximum single or daily dose for this patient: mg/kg limits for
 * children with a recorded weight, adult limits otherwise, and the OTC label limit for OTC products.
 */
export interface DoseContext {
  /** The patient's current medications, with the doses and strengths the chart records. */
  medications?: ResolvedMedication[];
  /** The product the patient named for a drug the reply doses without naming it. */
  impliedProducts?: Map<DrugMention, ProductStrength>;
  /** What the patient already takes. */
  regimens?: CurrentRegimen[];
  /** Strengths the patient gave ("we have Nurofen for Children 100mg/5mL"), by drug. */
  statedStrengths?: Map<string, ProductStrength>;
  /** The reply with written-out numbers as digits at the same offsets; computed here when not given. */
  readable?: string;
  /** Filled with the drugs whose stated dose was judged against their limits. */
  judged?: Set<string>;
}

export function checkDoses(kb: KnowledgeBase, text: string, recommended: DrugMention[], state: PatientState, context: DoseContext = {}): Finding[] {
  const { medications = [], impliedProducts = new Map(), regimens = [], statedStrengths = new Map(), judged = new Set<string>() } = context;
  const findings: Finding[] = [];
  // "five hundred milligrams" read as 500, at the same offsets.
  const readable = context.readable ?? numbersAsDigits(text);
  const undosed: DrugMention[] = [];
  const totals = new Map<string, { mg: number; sources: number; evidence: Finding['evidence']; products: string[]; conflictsWith?: string; fromIngredient?: boolean }>();
  const addDaily = (drugId: string, mg: number, dose: StatedDose, mention: DrugMention, fromIngredient = false) => {
    const total = totals.get(drugId) ?? { mg: 0, sources: 0, evidence: [], products: [] };
    if (fromIngredient) total.fromIngredient = true;
    total.mg += mg;
    total.sources++;
    total.evidence.push({ message: mention.message, start: dose.start, end: dose.end, text: dose.text });
    total.products.push(dose.product?.name.toLowerCase() ?? '');
    totals.set(drugId, total);
  };
  recommended.forEach((mention, i) => {
    if (mention.ref.startsWith('class:')) return;
    // A strength the reply leaves out comes from what the patient named, else from the chart's own product.
    const chartStrength = medications.find((m) => m.strength && m.drugIds.includes(mention.ref))?.strength;
    const iuPerMg = kb.drugs.get(mention.ref)?.dosing?.iuPerMg;
    const previous = recommended[i - 1];
    // "Tylenol (acetaminophen)" names one drug twice: the second name still leads.
    const leadsSentence = !previous || previous.message !== mention.message || previous.ref === mention.ref || /[.!?\n]/.test(text.slice(previous.end, mention.start));
    const implied = impliedProducts.get(mention) ?? statedStrengths.get(mention.ref) ?? chartStrength;
    const dose = extractDose(readable, mention, recommended[i + 1]?.start, kb.products, implied, iuPerMg, leadsSentence);
    if (dose) dose.text = text.slice(dose.start, dose.end).trim();
    // A drug that only follows another in its sentence owns just an amount right after its name ("with paracetamol 1 g").
    if (dose && !leadsSentence && !AMOUNT_RIGHT_AFTER.test(readable.slice(mention.end, mention.end + 12)) && !AMOUNT_RIGHT_BEFORE.test(readable.slice(Math.max(0, mention.start - 24), mention.start))) return;
    if (!dose) undosed.push(mention);
    if (!dose || implausibleForDrug(kb, mention.ref, dose, leadsSentence)) return;
    // A stated ceiling is judged against the maximum below, but is not an amount that adds up.
    if (dose.dailyMg !== undefined && !dose.dailyIsLimit) addDaily(mention.ref, dose.dailyMg, dose, mention);
    for (const ingredient of ingredientDailyDoses(dose)) addDaily(ingredient.drug, ingredient.dailyMg, dose, mention, true);
    const drug = kb.drugs.get(mention.ref);
    const aboveChart = talksAboutDosing(text, dose.start) ? undefined : abovePrescribed(kb, mention.ref, dose, medications, state.conditions);
    if (aboveChart) {
      findings.push({
        category: 'dose-exceeded',
        severity: aboveChart.severity,
        summary: `The reply's dosing of ${drug?.name ?? mention.ref} (${describe(dose)}) is ${aboveChart.times} times the dose the chart records (${aboveChart.medication.label}).`,
        evidence: [{ message: mention.message, start: dose.start, end: dose.end, text: dose.text }],
        conflictsWith: aboveChart.medication.reference,
        rule: 'dose:above-prescribed',
        source: { key: drug?.source ?? 'drugs', entry: mention.ref },
        agents: [mention.ref],
        detectedBy: 'rules',
      });
    }
    const cap = dose.product?.maxUnitsPerDay;
    if (drug && cap && dose.units !== undefined && dose.perDay !== undefined && dose.units * dose.perDay > cap) {
      findings.push({
        category: 'dose-exceeded',
        severity: 'moderate',
        summary: `The reply's dosing of ${dose.product?.name} (${dose.units * dose.perDay} a day) exceeds the label's maximum of ${cap} in 24 hours.`,
        evidence: [{ message: mention.message, start: dose.start, end: dose.end, text: dose.text }],
        rule: 'dose:product-label',
        source: { key: drug.source, entry: drug.id },
        agents: [drug.id],
        detectedBy: 'rules',
      });
    }
    if (!drug?.dosing) return;
    judged.add(drug.id);
    const excess = worstExcess(drug.dosing, dose, state, kb.highAlert.has(drug.id));
    if (!excess) return;
    findings.push({
      category: 'dose-exceeded',
      severity: excess.severity,
      summary: `The reply's dosing of ${drug.name} (${describe(dose)}) exceeds ${excess.limit}.`,
      evidence: [{ message: mention.message, start: dose.start, end: dose.end, text: dose.text }],
      conflictsWith: excess.basis,
      rule: `dose:${excess.rule}`,
      source: { key: drug.source, entry: drug.id },
      agents: [drug.id],
      detectedBy: 'rules',
    });
  });
  // What the patient already takes adds to a different product the reply recommends ("carry on with
  // your paracetamol, and a Lemsip Max at night"); the same product again only restates the regimen.
  const lowerText = text.toLowerCase();
  for (const regimen of regimens) {
    if (regimen.asNeeded && !takenAlongside(lowerText, regimen.product)) continue;
    const total = totals.get(regimen.drugId);
    if (!total || total.products.every((p) => p === regimen.product)) continue;
    total.mg += regimen.dailyMg;
    total.sources++;
    if (regimen.evidence) total.evidence.push(regimen.evidence);
    if (regimen.reference) total.conflictsWith ??= regimen.reference;
  }
  // Already at the day's maximum, any further product with the same ingredient is too much, dose or no dose.
  for (const regimen of regimens) {
    const max = kb.drugs.get(regimen.drugId)?.dosing?.adultMaxDailyMg;
    if (!max || regimen.dailyMg < max * 0.99 || totals.has(regimen.drugId) || findings.some((f) => f.agents.includes(regimen.drugId))) continue;
    // Another product that contains it (DayQuil on top of Tylenol), not the same medicine named again.
    const adding = undosed.find((m) => {
      const product = productAt(kb.products, m, lowerText)?.name.toLowerCase();
      return drugsIn(kb, m).includes(regimen.drugId) && (m.ref !== regimen.drugId || (product !== undefined && product !== regimen.product));
    });
    if (!adding) continue;
    const name = kb.drugs.get(regimen.drugId)?.name ?? regimen.drugId;
    findings.push({
      category: 'dose-exceeded',
      severity: 'high',
      summary: `The patient already takes about ${round(regimen.dailyMg)} mg of ${name} a day, the maximum of ${max} mg, and the reply adds ${adding.surface}, which contains more.`,
      evidence: [{ message: adding.message, start: adding.start, end: adding.end, text: adding.surface }, ...(regimen.evidence ? [regimen.evidence] : [])],
      conflictsWith: regimen.reference,
      rule: 'dose:cumulative',
      source: { key: kb.drugs.get(regimen.drugId)?.source ?? 'drugs', entry: regimen.drugId },
      agents: [regimen.drugId],
      detectedBy: 'rules',
    });
  }
  // The same ingredient from several products ("Norco, plus Tylenol in between") adds up.
  for (const [drugId, total] of totals) {
    const max = kb.drugs.get(drugId)?.dosing?.adultMaxDailyMg;
    // One product counts on its own when the ingredient is a second one ("Panadeine Forte" is also paracetamol), which no other check judges.
    if ((total.sources < 2 && !total.fromIngredient) || !max || total.mg <= max * 1.01) continue;
    if (findings.some((f) => f.agents.includes(drugId))) continue;
    const name = kb.drugs.get(drugId)?.name ?? drugId;
    findings.push({
      category: 'dose-exceeded',
      severity: total.mg > max * 1.5 ? 'critical' : 'high',
      summary: `Taken together with what the patient already takes, the products the reply recommends add up to about ${round(total.mg)} mg of ${name} a day, over the maximum of ${max} mg.`,
      evidence: total.evidence,
      conflictsWith: total.conflictsWith,
      rule: 'dose:cumulative',
      source: { key: kb.drugs.get(drugId)?.source ?? 'drugs', entry: drugId },
      agents: [drugId],
      detectedBy: 'rules',
    });
  }
  return findings;
}

/**
 * "No interaction between creatine and sertraline. Stick to 3–5 g a day." A dose in the following
 * sentence that is ten times anything given of the drug is about something the lexicon does not know.
 */
function implausibleForDrug(kb: KnowledgeBase, drugId: string, dose: StatedDose, leadsSentence: boolean): boolean {
  // Also a drug that only follows another in its sentence ("paracetamol is safer with warfarin — up to 1 g").
  if (!dose.fromNextSentence && leadsSentence) return false;
  const max = kb.drugs.get(drugId)?.dosing?.adultMaxDailyMg;
  return max !== undefined && Math.max(dose.singleMg ?? 0, dose.dailyMg ?? 0) > max * 10;
}

const AMOUNT_RIGHT_AFTER = /^\s*(?:\(|,)?\s*\d/;
const AMOUNT_RIGHT_BEFORE = /(?:\d[\d,.]*\s*(?:mg|g|mcg|micrograms?|ml|mls?)\s+(?:of\s+)?(?:your\s+|the\s+)?|\b(?:\d|one|two|three|four|five|six)\s+(?:x\s+)?)$/i;

/** "in between your co-codamol doses", "alongside the co-codamol": an as-needed regimen the reply has taken too. */
function takenAlongside(lowerText: string, product: string): boolean {
  if (!product) return false;
  const at = lowerText.indexOf(product);
  return at >= 0 && /\b(?:in between|between|alongside|on top of|as well as|along with|together with|plus|with)\s+(?:your|the|her|his)\s+$/.test(lowerText.slice(Math.max(0, at - 30), at));
}

/** Half again the recorded dose is no rounding or tablet-size difference: the reply is giving more than prescribed. */
const ABOVE_PRESCRIBED_RATIO = 1.5;

/**
 * The reply doses a drug the patient already takes at well above what the chart records
 * ("5–10 mL of the Oramorph" for a 2.5–5 mg breakthrough order; "levothyroxine 100 mg" for 100 micrograms).
 */
function abovePrescribed(
  kb: KnowledgeBase,
  drugId: string,
  dose: StatedDose,
  medications: ResolvedMedication[],
  conditions: PatientState['conditions'],
): { medication: ResolvedMedication; times: string; severity: Severity } | undefined {
  for (const medication of medications) {
    const recorded = medication.dose;
    if (!recorded || !medication.drugIds.includes(drugId)) continue;
    const single = dose.singleMg !== undefined && recorded.singleMg ? dose.singleMg / recorded.singleMg : 0;
    const daily = dose.dailyMg !== undefined && recorded.dailyMg ? dose.dailyMg / recorded.dailyMg : 0;
    // "1 tab every 6 hours" against "take 2 every 4 hours": tablets a day, when milligrams are not recorded.
    const unitsDaily = dose.units !== undefined && dose.perDay !== undefined && recorded.unitsPerDay && !recorded.singleMg ? (dose.units * dose.perDay) / recorded.unitsPerDay : 0;
    const unitsSingle = dose.units !== undefined && recorded.unitsPerDose && !recorded.singleMg ? dose.units / recorded.unitsPerDose : 0;
    // A weekly prescription taken daily: seven times the week's amount.
    const weekly = dose.dailyMg !== undefined && recorded.weeklyMg ? (dose.dailyMg * 7) / recorded.weeklyMg : 0;
    const ratio = Math.max(single, daily, unitsDaily, unitsSingle, weekly);
    if (ratio < ABOVE_PRESCRIBED_RATIO) continue;
    // Sick-day rules raise the dose on purpose: doubling hydrocortisone in Addison's disease is right.
    const sickDay = kb.drugs.get(drugId)?.dosing?.sickDayRule;
    if (sickDay && ratio <= sickDay.maxMultiple && conditions.some((c) => sickDay.conditionText.some((phrase) => c.text.includes(phrase)))) continue;
    const severity: Severity = kb.highAlert.has(drugId) ? (ratio >= 4 ? 'critical' : ratio >= 2 ? 'high' : 'moderate') : 'moderate';
    return { medication, times: ratio >= 10 ? String(Math.round(ratio)) : String(Math.round(ratio * 10) / 10), severity };
  }
  return undefined;
}

interface Excess {
  severity: Severity;
  limit: string;
  rule: string;
  basis?: string;
}

type Dosing = NonNullable<NonNullable<ReturnType<KnowledgeBase['drugs']['get']>>['dosing']>;

/** The lowest organ-impairment limit that applies to this patient, and the chart entry it rests on. */
function adjustedLimitFor(dosing: Dosing, state: PatientState): { limit: NonNullable<Dosing['adjustedLimits']>[number]; basis: string } | undefined {
  let best: { limit: NonNullable<Dosing['adjustedLimits']>[number]; basis: string } | undefined;
  for (const limit of dosing.adjustedLimits ?? []) {
    let basis: string | undefined;
    if (limit.egfrBelow !== undefined && state.egfr && state.egfr.value < limit.egfrBelow) basis = state.egfr.reference;
    const condition = limit.conditionText && state.conditions.find((c) => limit.conditionText?.some((phrase) => c.text.includes(phrase)));
    if (condition) basis = condition.reference;
    if (basis && (!best || limit.maxDailyMg < best.limit.maxDailyMg)) best = { limit, basis };
  }
  return best;
}

function worstExcess(dosing: Dosing, dose: StatedDose, state: PatientState, highAlert = false): Excess | undefined {
  const child = state.ageYears !== undefined && state.ageYears < PEDIATRIC_UNDER_YEARS;
  const lowWeight = state.weightKg !== undefined && state.weightKg.value < LOW_WEIGHT_ADULT_KG;
  if ((child || lowWeight) && state.weightKg) {
    const kg = state.weightKg.value;
    const perKgDaily = dose.dailyMg !== undefined ? dose.dailyMg / kg : undefined;
    const perKgSingle = dose.singleMg !== undefined ? dose.singleMg / kg : undefined;
    if (dosing.pediatricMaxDailyMgPerKg && perKgDaily !== undefined && perKgDaily > dosing.pediatricMaxDailyMgPerKg * 1.05) {
      return { severity: perKgDaily > dosing.pediatricMaxDailyMgPerKg * 1.5 ? 'critical' : 'high', limit: `the weight-based maximum of ${dosing.pediatricMaxDailyMgPerKg} mg/kg/day for ${round(kg)} kg`, rule: 'pediatric-daily', basis: state.weightKg.reference };
    }
    if (dosing.pediatricMaxSingleMgPerKg && perKgSingle !== undefined && perKgSingle > dosing.pediatricMaxSingleMgPerKg * 1.1) {
      return { severity: 'high', limit: `the weight-based maximum single dose of ${dosing.pediatricMaxSingleMgPerKg} mg/kg for ${round(kg)} kg`, rule: 'pediatric-single', basis: state.weightKg.reference };
    }
  }
  if (dosing.weeklyOnly && dose.perDay !== undefined && dose.perDay >= 1) {
    return { severity: 'critical', limit: 'a once-weekly schedule: taken daily it causes fatal toxicity', rule: 'weekly-only' };
  }
  const band = state.ageYears === undefined ? undefined : dosing.ageBands?.filter((b) => (state.ageYears as number) < b.underYears).sort((a, b) => a.underYears - b.underYears)[0];
  if (band?.maxDailyMg && dose.dailyMg !== undefined && dose.dailyMg > band.maxDailyMg * 1.01) {
    return { severity: dose.dailyMg > band.maxDailyMg * 2 ? 'high' : 'moderate', limit: `the maximum of ${band.maxDailyMg} mg a day under ${band.underYears} years`, rule: 'age-band-daily', basis: state.patientReference };
  }
  if (band?.maxDailyMg && dose.dailyMg === undefined && dose.singleMg !== undefined && dose.singleMg > band.maxDailyMg * 1.01) {
    return { severity: 'moderate', limit: `the maximum of ${band.maxDailyMg} mg a day under ${band.underYears} years`, rule: 'age-band-daily', basis: state.patientReference };
  }
  if (band?.maxSingleMg && dose.singleMg !== undefined && dose.singleMg > band.maxSingleMg * 1.01) {
    return { severity: 'moderate', limit: `the maximum single dose of ${band.maxSingleMg} mg under ${band.underYears} years`, rule: 'age-band-single', basis: state.patientReference };
  }
  const older = state.ageYears !== undefined && state.ageYears >= 65;
  if (older && dosing.olderAdultMaxSingleMg && dose.singleMg !== undefined && dose.singleMg > dosing.olderAdultMaxSingleMg * 1.01) {
    const times = dose.singleMg / dosing.olderAdultMaxSingleMg;
    return { severity: times >= 2 ? 'high' : 'moderate', limit: `the maximum single dose of ${dosing.olderAdultMaxSingleMg} mg for adults 65 and over`, rule: 'older-adult-single', basis: state.patientReference };
  }
  // Adult limits also bound children: a child never safely takes more than an adult maximum.
  if (dosing.adultMaxDailyMg && dose.dailyMg !== undefined && dose.dailyMg > dosing.adultMaxDailyMg * 1.01) {
    return { severity: dose.dailyMg > dosing.adultMaxDailyMg * 1.5 || child ? 'critical' : 'high', limit: `the maximum daily dose of ${dosing.adultMaxDailyMg} mg`, rule: 'adult-daily' };
  }
  const adjusted = adjustedLimitFor(dosing, state);
  if (adjusted && dose.dailyMg !== undefined && dose.dailyMg > adjusted.limit.maxDailyMg * 1.01) {
    const times = dose.dailyMg / adjusted.limit.maxDailyMg;
    return {
      severity: times >= 2 || highAlert ? 'high' : 'moderate',
      limit: `the maximum of ${adjusted.limit.maxDailyMg} mg a day with ${adjusted.limit.label}`,
      rule: 'adjusted-daily',
      basis: adjusted.basis,
    };
  }
  if (dosing.adultMaxSingleMg && dose.singleMg !== undefined && dose.singleMg > dosing.adultMaxSingleMg * 1.01) {
    return { severity: dose.singleMg >= dosing.adultMaxSingleMg * 2 ? 'high' : 'moderate', limit: `the maximum single dose of ${dosing.adultMaxSingleMg} mg`, rule: 'adult-single' };
  }
  // The OTC label limit is advisory (prescribers go higher): only a clear excess is unsafe self-treatment advice.
  // Within a prescription maximum (naproxen 500 mg twice a day) it is a prescriber's dose, not an OTC
  // excess; counted over-the-counter tablets ("four Advil every 6 hours") are self-treatment all the same.
  const countedOtcUnits = dose.units !== undefined && dose.product?.unitMg !== undefined;
  const prescriptionDose = !countedOtcUnits && dosing.adultMaxDailyMg !== undefined && dose.dailyMg !== undefined && dose.dailyMg <= dosing.adultMaxDailyMg;
  if (dosing.otcMaxDailyMg && !prescriptionDose && dose.dailyMg !== undefined && dose.dailyMg > dosing.otcMaxDailyMg * 1.5) {
    return { severity: 'moderate', limit: `the over-the-counter daily limit of ${dosing.otcMaxDailyMg} mg (higher doses only under medical supervision)`, rule: 'otc-daily' };
  }
  return undefined;
}

function describe(dose: StatedDose): string {
  const parts: string[] = [];
  if (dose.singleMg !== undefined) parts.push(`${round(dose.singleMg)} mg a dose`);
  if (dose.dailyMg !== undefined) parts.push(`${round(dose.dailyMg)} mg a day`);
  return parts.join(', ');
}

const round = (n: number) => Math.round(n * 10) / 10;

/** "50-100 mg a day is typical", "it's often increased to 10 mg": how the drug is dosed in general, not an order for this patient. */
const GENERAL_DOSE_TALK =
  /\b(?:typical(?:ly)?|usual(?:ly)?|often|range|recommended (?:total|dose|range)|(?<!back to |as |than |to )normal(?:ly)?|standard|generally|some (?:prescribers|doctors|people)|many (?:people|patients)|can go up to|goes up to|(?:is|gets|may be|could be|can be) (?:increased|raised|titrated)|build(?:s)? up|titrat\w*|starting dose|maintenance dose|cancer treatment)\b/i;
const ORDER_TO_PATIENT =
  /\b(?:you|he|she|your (?:dad|mum|mom|son|daughter|husband|wife|child|partner))\s+(?:can|could|should|may|might|need to|ought to)\s+(?:safely\s+|now\s+|just\s+|also\s+)?(?:take|have|increase|go up|double|use|give|try)\b|(?:^|[,;:]\s*|\b(?:so|just|then|now|please|yes)\s+)(?:take|increase|go up to|double|give|use)\b/i;
/** Whether the sentence holding a dose talks about dosing in general rather than telling this patient what to take. */
function talksAboutDosing(text: string, at: number): boolean {
  const { start, end } = sentenceBounds(text, at);
  const sentence = text.slice(start, end);
  return GENERAL_DOSE_TALK.test(sentence) && !ORDER_TO_PATIENT.test(sentence);
}

