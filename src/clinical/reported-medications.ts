import type { ResolvedMedication } from './resolve-context';
import type { ChatMessage, DrugMention } from './types';

/** "my warfarin", "I take methotrexate on Fridays", "the GP put me on sertraline": the patient's own current drug. */
const OWN_DRUG_BEFORE =
  /(?:\bmy\s+(?:(?:usual|daily|regular|normal|prescribed|new|old|blood pressure|bp|heart|thyroid|diabetes|water|cholesterol|pain|sleeping|anxiety|mood|weekly)\s+){0,2}|(?<!\b(?:can|could|should|may|would|do|shall|if)\s)\bi(?:'m| am)?\s+(?:on|taking|take|takes)\s+(?:\w+\s+)?|\bi'?ve been (?:on|taking)\s+|\bi'?m also on\s+|\bcurrently (?:on|taking)\s+|\b(?:just )?started(?: on)?\s+|\b(?:they|gp|doctor|dr|hospital|dentist|pharmacy|pharmacist|consultant|surgeon|specialist|urgent care|clinic)\s+(?:just\s+)?(?:gave|prescribed|put|started)\s+me(?:\s+on)?\s+(?:\w+\s+)?)$/i;

/** "…say I'm on warfarin? I've never taken it": the patient denies what they just named. */
const NOT_TAKING_AFTER = /^[^.!?]{0,10}[.!?]?\s*(?:i'?ve never|i have never|i never|i don'?t take|i do not take|i'?m not on|i am not on|i stopped|i came off|not anymore|no longer)\b/i;

/**
 * Medicines the patient says they take that the chart does not list: EHR feeds lag behind what
 * was prescribed yesterday at urgent care. Each points at the patient's own message.
 */
export function reportedMedications(
  patientMessage: ChatMessage | undefined,
  patientMentions: DrugMention[],
  chart: ResolvedMedication[],
  notTheirs: ReadonlySet<string>,
  /** Drugs the chart records as stopped, completed or entered in error: the chart, not the message, is right about those. */
  inactiveOnChart: ReadonlySet<string> = new Set(),
): ResolvedMedication[] {
  if (!patientMessage) return [];
  const onChart = new Set([...chart.flatMap((m) => m.drugIds), ...inactiveOnChart]);
  const reported = new Map<string, ResolvedMedication>();
  for (const mention of patientMentions) {
    if (mention.ref.startsWith('class:') || onChart.has(mention.ref) || notTheirs.has(mention.ref) || mention.stance === 'warned' || mention.stance === 'hypothetical') continue;
    if (!OWN_DRUG_BEFORE.test(patientMessage.text.slice(Math.max(0, mention.start - 60), mention.start))) continue;
    if (NOT_TAKING_AFTER.test(patientMessage.text.slice(mention.end, mention.end + 60))) continue;
    reported.set(mention.ref, { reference: patientMessage.reference, drugIds: [mention.ref], label: mention.surface });
  }
  return [...reported.values()];
}
