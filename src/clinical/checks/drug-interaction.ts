import { agentCovers, type KnowledgeBase } from '../../knowledge/knowledge-base';
import type { Interaction } from '../../knowledge/knowledge-schema';
import type { ResolvedMedication } from '../resolve-context';
import type { DrugMention, Finding } from '../types';

/**
 * The reply recommends a drug that interacts with one the patient already takes. Continuing an
 * existing medication is not a new interaction, so drugs already on the list are skipped.
 */
export function checkDrugInteractions(kb: KnowledgeBase, recommended: DrugMention[], medications: ResolvedMedication[]): Finding[] {
  const findings: Finding[] = [];
  const current = new Set(medications.flatMap((m) => m.drugIds));
  const seen = new Set<string>();
  for (const mention of recommended) {
    if (mention.ref.startsWith('class:')) continue; // "an NSAID" names no single drug to check pairwise
    const drugId = mention.ref;
    if (current.has(drugId)) continue;
    for (const med of medications) {
      for (const medDrug of med.drugIds) {
        const key = `${drugId}|${med.reference}`;
        const interaction = seen.has(key) ? undefined : (kb.interactionsByDrug.get(drugId) ?? []).find((i) => pairs(kb, i, drugId, medDrug));
        if (!interaction) continue;
        seen.add(key);
        const drug = kb.drugs.get(drugId);
        const other = kb.drugs.get(medDrug);
        findings.push({
          category: 'drug-interaction',
          severity: interaction.severity,
          summary: `The reply recommends ${drug?.name ?? drugId}, which interacts with the patient's ${other?.name ?? medDrug}: ${interaction.effect}`,
          evidence: [{ message: mention.message, start: mention.start, end: mention.end, text: mention.surface }],
          conflictsWith: med.reference,
          rule: `interaction:${interaction.id}`,
          source: { key: interaction.source, entry: interaction.id },
          agents: [drugId, medDrug],
          detectedBy: 'rules',
        });
      }
    }
  }
  return findings;
}

function pairs(kb: KnowledgeBase, i: Interaction, x: string, y: string): boolean {
  const covers = (refs: string[], d: string) => refs.some((ref) => agentCovers(kb, ref, d));
  return (covers(i.a, x) && covers(i.b, y)) || (covers(i.b, x) && covers(i.a, y));
}
