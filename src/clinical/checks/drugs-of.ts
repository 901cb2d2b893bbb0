import { normalizeTerm, type AgentRef, type KnowledgeBase } from '../../knowledge/knowledge-base';
import type { DrugMention } from '../types';

/** The drug ids a mention stands for: the drug itself, or every drug of a named class. */
export function drugsOf(kb: KnowledgeBase, ref: AgentRef): string[] {
  if (!ref.startsWith('class:')) return [ref];
  return [...(kb.classMembers.get(ref.slice(6)) ?? [])];
}

/** What the patient would swallow: a combination product ("Combiflam") brings every ingredient, not only its lead drug. */
export function drugsIn(kb: KnowledgeBase, mention: DrugMention): string[] {
  const ingredients = kb.productIngredients.get(normalizeTerm(mention.surface));
  const own = drugsOf(kb, mention.ref);
  return ingredients ? [...new Set([...own, ...ingredients])] : own;
}
