import { REFUSES } from './endorsement';
import { firstDoseAt, firstDoseSentence, numbersAsDigits, productAt, type ProductStrength } from './extract-doses';
import type { ChatMessage, DrugMention } from './types';

export interface ImpliedMention {
  mention: DrugMention;
  /** The product the patient named ("children's Tylenol"), whose strength the reply's dose refers to. */
  product?: ProductStrength;
}

/**
 * "How do I take the colchicine?" — "Take 1.2 mg now, then 0.6 mg every hour." A reply that names
 * no drug but states a dose is dosing the one drug the patient asked about. Returns that drug as a
 * mention placed at the reply's first dose sentence, or nothing when the subject is not clear.
 */
export function impliedDoseSubject(
  patientMentions: DrugMention[],
  patientText: string,
  reply: ChatMessage,
  replyMentions: DrugMention[],
  products: ProductStrength[],
  readable = numbersAsDigits(reply.text),
): ImpliedMention | undefined {
  if (REFUSES.test(reply.text)) return undefined;
  const asked = patientMentions.filter((m) => !m.ref.startsWith('class:') && m.stance !== 'warned');
  if (asked.length === 0 || new Set(asked.map((m) => m.ref)).size !== 1) return undefined;
  const at = firstDoseSentence(readable);
  if (at === undefined) return undefined;
  // A drug the reply names before the dose ("Ibuprofen is fine. Take two tablets") is what the dose is for.
  const doseAt = firstDoseAt(readable, at);
  if (replyMentions.some((m) => !m.ref.startsWith('class:') && m.start < doseAt)) return undefined;
  const subject = asked[0];
  const lower = patientText.toLowerCase();
  const product = asked.map((m) => productAt(products, m, lower)).find((p) => p !== undefined);
  return {
    mention: { ref: subject.ref, surface: '', start: at, end: at, message: reply.reference, speaker: 'bot', stance: 'recommended' },
    product,
  };
}
