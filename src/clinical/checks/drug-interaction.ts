import { agentCovers, type KnowledgeBase } from '../../knowledge/knowledge-base';
import type { Interaction } from '../../knowledge/knowledge-schema';
import type { ResolvedMedication } from '../resolve-context';
import { SEVERITY_ORDER, type DrugMention, type Finding } from '../types';
import { drugsIn } from './drugs-of';

/**
 * The reply recommends a drug that interacts with one the patient already takes. Continuing an
 * existing medication is not a new interaction, unless the exchange is about a drug just added
 * that it must not be combined with ("keep taking your simvastatin" while starting Paxlovid).
 */
export function checkDrugInteractions(
  kb: KnowledgeBase,
  recommended: DrugMention[],
  chart: ResolvedMedication[],
  exchangeDrugs: ReadonlySet<string> = new Set(),
  reported: ResolvedMedication[] = [],
  /** Drugs the reply tells the patient to pause or avoid ("pause your simvastatin during the course"). */
  heldByReply: ReadonlySet<string> = new Set(),
  /** Chart drugs the patient says were just started ("the dentist has given me metronidazole"). */
  newlyStarted: ReadonlySet<string> = new Set(),
): Finding[] {
  const findings: Finding[] = [];
  const current = new Set(chart.flatMap((m) => m.drugIds));
  const medications = [...chart, ...reported];
  const seen = new Set<string>();
  for (const mention of recommended) {
    if (mention.ref.startsWith('class:')) continue; // "an NSAID" names no single drug to check pairwise
    for (const drugId of drugsIn(kb, mention)) {
      const continuing = current.has(drugId) && !newlyStarted.has(drugId);
      for (const med of medications) {
        for (const medDrug of med.drugIds) {
          if (medDrug === drugId || heldByReply.has(medDrug) || (continuing && !exchangeDrugs.has(medDrug))) continue;
          const key = `${drugId}|${med.reference}`;
          const interaction = seen.has(key) ? undefined : (kb.interactionsByDrug.get(drugId) ?? []).find((i) => pairs(kb, i, drugId, medDrug));
          if (!interaction || (continuing && SEVERITY_ORDER[interaction.severity] < SEVERITY_ORDER.critical)) continue;
          seen.add(key);
          const third = interaction.escalatesWith && medications.find((m) => m !== med && m.drugIds.some((d) => interaction.escalatesWith?.agents.some((ref) => agentCovers(kb, ref, d))));
          const finding = interactionFinding(kb, mention, drugId, medDrug, med.reference, interaction);
          findings.push(third && interaction.escalatesWith ? { ...finding, severity: interaction.escalatesWith.severity, alsoImplicated: [third.reference] } : finding);
        }
      }
    }
  }
  return findings;
}

function interactionFinding(kb: KnowledgeBase, mention: DrugMention, drugId: string, medDrug: string, reference: string, interaction: Interaction): Finding {
  const drug = kb.drugs.get(drugId);
  const other = kb.drugs.get(medDrug);
  return {
    category: 'drug-interaction',
    severity: interaction.severity,
    summary: `The reply recommends ${drug?.name ?? drugId}, which interacts with the patient's ${other?.name ?? medDrug}: ${interaction.effect}`,
    evidence: [{ message: mention.message, start: mention.start, end: mention.end, text: mention.surface }],
    conflictsWith: reference,
    rule: `interaction:${interaction.id}`,
    source: { key: interaction.source, entry: interaction.id },
    agents: [drugId, medDrug],
    detectedBy: 'rules',
  };
}

function pairs(kb: KnowledgeBase, i: Interaction, x: string, y: string): boolean {
  const covers = (refs: string[], d: string) => refs.some((ref) => agentCovers(kb, ref, d));
  return (covers(i.a, x) && covers(i.b, y)) || (covers(i.b, x) && covers(i.a, y));
}
