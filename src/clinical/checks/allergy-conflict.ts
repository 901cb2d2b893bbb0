import { agentCovers, type AgentRef, type KnowledgeBase } from '../../knowledge/knowledge-base';
import type { CrossReactivityGroup } from '../../knowledge/knowledge-schema';
import type { ResolvedAllergy } from '../resolve-context';
import { SEVERITY_ORDER, type DrugMention, type Finding, type Severity } from '../types';
import { drugsIn } from './drugs-of';

/**
 * The reply recommends a drug the patient is allergic to: the same drug or class (direct), or a
 * drug the knowledge base says cross-reacts with the allergen (with that group's severity).
 */
export function checkAllergyConflicts(kb: KnowledgeBase, recommended: DrugMention[], allergies: ResolvedAllergy[]): Finding[] {
  const findings: Finding[] = [];
  const groupsOf = new Map(allergies.map((allergy) => [allergy, kb.crossReactivity.filter((group) => allergy.agents.some((allergen) => allergenInGroup(kb, allergen, group)))]));
  for (const mention of recommended) {
    for (const allergy of allergies) {
      const hit = strongestConflict(kb, mention, allergy, groupsOf.get(allergy) ?? []);
      if (!hit) continue;
      const drug = kb.drugs.get(hit.drugId);
      const name = drug?.name ?? hit.drugId;
      findings.push({
        category: 'allergy-conflict',
        severity: hit.severity,
        summary: hit.group
          ? `The reply recommends ${name}, which can cross-react with the patient's recorded ${allergy.label} allergy (${hit.group.name}).`
          : `The reply recommends ${name}, and the patient has a recorded ${allergy.label} allergy.`,
        evidence: [{ message: mention.message, start: mention.start, end: mention.end, text: mention.surface }],
        conflictsWith: allergy.reference,
        rule: hit.group ? `allergy:cross-reactivity:${hit.group.id}` : 'allergy:direct',
        source: hit.group ? { key: hit.group.source, entry: hit.group.id } : { key: drug?.source ?? 'drugs', entry: hit.drugId },
        agents: [hit.drugId],
        detectedBy: 'rules',
      });
    }
  }
  return findings;
}

interface Conflict {
  drugId: string;
  severity: Severity;
  group?: CrossReactivityGroup;
}

/** `groups`: the cross-reactivity groups the allergy's agents belong to. */
function strongestConflict(kb: KnowledgeBase, mention: DrugMention, allergy: ResolvedAllergy, groups: CrossReactivityGroup[]): Conflict | undefined {
  let best: Conflict | undefined;
  const consider = (c: Conflict) => {
    if (!best || SEVERITY_ORDER[c.severity] > SEVERITY_ORDER[best.severity]) best = c;
  };
  // "A different statin" is not the simvastatin the patient reacted to: it conflicts only with an allergy to the whole class.
  const other = mention.anotherOfClass === true;
  for (const drugId of drugsIn(kb, mention)) {
    const direct = allergy.agents.some((allergen) => (!other || allergen.startsWith('class:')) && agentCovers(kb, allergen, drugId));
    if (direct && !(allergy.intolerance && mention.ref.startsWith('class:'))) {
      consider({ drugId, severity: allergy.severe ? 'critical' : 'high' });
      continue;
    }
    if (allergy.intolerance && !allergy.severe) continue;
    for (const group of groups) {
      if (!group.reactsWith.some((ref) => agentCovers(kb, ref, drugId))) continue;
      const severity: Severity = allergy.severe && SEVERITY_ORDER[group.severity] >= SEVERITY_ORDER.high ? 'critical' : group.severity;
      consider({ drugId, severity, group });
    }
  }
  return best;
}

/**
 * Is the recorded allergen one the group is about? A drug is, when the group names it or its class;
 * a class is, when the group names it or covers every drug of it.
 */
function allergenInGroup(kb: KnowledgeBase, allergen: AgentRef, group: CrossReactivityGroup): boolean {
  return group.allergens.some((ref) => {
    if (ref === allergen) return true;
    if (!allergen.startsWith('class:')) return agentCovers(kb, ref, allergen);
    const members = [...(kb.classMembers.get(allergen.slice(6)) ?? [])];
    return members.length > 0 && members.every((drugId) => agentCovers(kb, ref, drugId));
  });
}
