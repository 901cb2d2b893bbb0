import type { KnowledgeBase } from '../knowledge/knowledge-base';
import { normalizeTerm } from '../knowledge/knowledge-base';
import { extractDose, ingredientDailyDoses } from './extract-doses';
import type { ResolvedMedication } from './resolve-context';
import type { ChatMessage, DrugMention, Evidence } from './types';

/** What the patient already takes of one drug every day, from their own words or the chart. */
export interface CurrentRegimen {
  drugId: string;
  dailyMg: number;
  /** Lower-case product name, or '' for the plain drug: a reply naming the same product restates the regimen. */
  product: string;
  /** The chart entry, when the regimen comes from the chart. */
  reference?: string;
  /** The patient's words, when the regimen comes from the message. */
  evidence?: Evidence;
  /** Taken as needed: counts only when the reply has it taken alongside ("in between your co-codamol doses"). */
  asNeeded?: boolean;
}

/**
 * "I'm taking 2 paracetamol 4 times a day": doses the patient says they take, and scheduled
 * (not as-needed) chart medications with a readable dose. A reply adding another product of the
 * same ingredient adds to these.
 */
export function currentRegimens(kb: KnowledgeBase, patientMessage: ChatMessage | undefined, patientMentions: DrugMention[], medications: ResolvedMedication[], notTheirs: ReadonlySet<string>): CurrentRegimen[] {
  const regimens: CurrentRegimen[] = [];
  const own = patientMentions.filter((m) => !m.ref.startsWith('class:') && m.stance !== 'hypothetical' && m.stance !== 'warned' && !notTheirs.has(m.ref));
  own.forEach((mention, i) => {
    if (!patientMessage) return;
    // "Can I take 3 Tylenol at once?" proposes a dose; only a statement says what they take.
    if (asksAbout(patientMessage.text, mention.start)) return;
    const dose = extractDose(patientMessage.text, mention, own[i + 1]?.start, kb.products);
    if (!dose || dose.fromNextSentence || dose.dailyIsLimit) return;
    const product = dose.product?.name.toLowerCase() ?? '';
    const evidence = { message: patientMessage.reference, start: dose.start, end: dose.end, text: dose.text };
    if (dose.dailyMg) regimens.push({ drugId: mention.ref, dailyMg: dose.dailyMg, product, evidence });
    for (const ingredient of ingredientDailyDoses(dose)) regimens.push({ drugId: ingredient.drug, dailyMg: ingredient.dailyMg, product, evidence });
  });
  for (const medication of medications) {
    regimens.push(...combinationRegimens(kb, medication));
    const daily = medication.dose?.dailyMg;
    if (!daily || medication.dose?.asNeeded || medication.drugIds.length !== 1) continue;
    if (regimens.some((r) => r.drugId === medication.drugIds[0])) continue;
    // The chart's product is what a reply dosing "your metformin" reads its strength from.
    regimens.push({ drugId: medication.drugIds[0], dailyMg: daily, product: medication.strength?.name.toLowerCase() ?? '', reference: medication.reference });
  }
  return regimens;
}

const QUESTION_START = /^\s*(?:can|could|should|may|is it|would|will|do|does|how|what|am i)\b/i;

/** The mention sits in a question ("can I take…?", "is 3 at once ok?"). */
function asksAbout(text: string, at: number): boolean {
  const start = Math.max(text.lastIndexOf('.', at), text.lastIndexOf('?', at - 1), text.lastIndexOf('!', at), text.lastIndexOf('\n', at)) + 1;
  const endMatch = /[.?!\n]/.exec(text.slice(at));
  const end = endMatch ? at + endMatch.index : text.length;
  return text[end] === '?' || QUESTION_START.test(text.slice(start, at));
}

/** "Co-codamol 30/500, 2 tablets four times daily (regular)": the paracetamol in a scheduled combination product. */
function combinationRegimens(kb: KnowledgeBase, medication: ResolvedMedication): CurrentRegimen[] {
  const dose = medication.dose;
  if (!dose || dose.unitsPerDay === undefined) return [];
  const label = ` ${normalizeTerm(medication.label)} `;
  const product = kb.products.find((p) => p.ingredients?.length && label.includes(` ${normalizeTerm(p.name)} `));
  if (!product) return [];
  const unitsPerDay = dose.unitsPerDay;
  const parts = [{ drug: product.drug, unitMg: product.unitMg }, ...(product.ingredients ?? [])];
  return parts
    .filter((p): p is { drug: string; unitMg: number } => p.unitMg !== undefined)
    .map((p) => ({ drugId: p.drug, dailyMg: p.unitMg * unitsPerDay, product: product.name, reference: medication.reference, asNeeded: dose.asNeeded }));
}
