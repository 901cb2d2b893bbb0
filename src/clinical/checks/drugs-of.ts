import type { AgentRef, KnowledgeBase } from '../../knowledge/knowledge-base';

/** The drug ids a mention stands for: the drug itself, or every drug of a named class. */
export function drugsOf(kb: KnowledgeBase, ref: AgentRef): string[] {
  if (!ref.startsWith('class:')) return [ref];
  return [...(kb.classMembers.get(ref.slice(6)) ?? [])];
}
