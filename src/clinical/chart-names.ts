import type { AgentRef, KnowledgeBase } from '../knowledge/knowledge-base';
import { normalizeTerm } from '../knowledge/knowledge-base';
import type { ResolvedMedication } from './resolve-context';

/** Words of a medication's name that say nothing about which drug it is. */
const NOT_A_NAME = new Set(
  'tablet tablets tab tabs capsule capsules cap caps caplet caplets oral solution suspension syrup liquid injection injectable pen cream ointment gel patch patches inhaler spray drops sachet sachets chewable dispersible soluble effervescent film coated extended release modified prolonged delayed sustained controlled immediate sodium potassium hydrochloride hydrobromide sulfate sulphate phosphate acetate maleate tartrate citrate besylate mesylate succinate fumarate forte plus retard daily twice once every hours hour needed when required pain regular nightly morning evening night dose doses strength children child adult adults infant infants original generic brand with and for the per unit units'.split(' '),
);

/**
 * Brand names this patient's chart uses that the knowledge base does not know: "Endone (oxycodone)
 * 5 mg" teaches that "Endone" is oxycodone, so a reply saying "two Endone every 3 hours" is read.
 * Everyday names for the patient's own medicines ("my water tablets") are added as phrases.
 */
export function chartNames(kb: KnowledgeBase, medications: ResolvedMedication[]): Map<string, AgentRef> {
  const names = new Map<string, AgentRef>();
  for (const medication of medications) {
    if (medication.drugIds.length !== 1) continue;
    for (const word of normalizeTerm(medication.label).split(' ')) {
      if (word.length < 4 || /\d/.test(word) || NOT_A_NAME.has(word) || kb.lexicon.has(word) || kb.lexiconPrefixes.has(word)) continue;
      names.set(word, medication.drugIds[0]);
    }
  }
  // "My blood pressure pills" names the chart's own medicine of that class, the first one listed.
  for (const [phrase, cls] of kb.ownMedicineDescriptors) {
    const members = kb.classMembers.get(cls);
    const own = medications.find((m) => m.drugIds.length === 1 && members?.has(m.drugIds[0]));
    if (own) names.set(phrase, own.drugIds[0]);
  }
  return names;
}
