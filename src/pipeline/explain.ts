import type { Finding } from '../clinical/types';
import type { KnowledgeBase } from '../knowledge/knowledge-base';
import type { Passage } from '../knowledge/guideline-index';

export interface Citation {
  documentId: string;
  title: string;
  issuer: string;
  section: string;
  url: string;
}

export interface Explanation {
  text: string;
  citations: Citation[];
}

export type Retrieve = (query: string, finding: Finding) => Promise<Passage[]>;

const CATEGORY_WORDS: Record<Finding['category'], string> = {
  'allergy-conflict': 'drug allergy cross-reactivity hypersensitivity reaction',
  'drug-interaction': 'drug interaction combination risk',
  'dose-exceeded': 'maximum dose overdose limit',
  'condition-contraindication': 'contraindicated condition avoid',
  'missed-emergency': 'emergency symptoms call emergency services',
  'self-harm': 'suicide self-harm crisis line risk response',
  'unsafe-advice': 'stopping medication unsafe advice',
};

/** What to search the guidelines for: the category's vocabulary plus the drugs and their classes. */
export function retrievalQuery(kb: KnowledgeBase, finding: Finding): string {
  const drugs = finding.agents.flatMap((id) => {
    const drug = kb.drugs.get(id);
    return drug ? [drug.name, ...drug.classes.map((c) => c.replace(/-/g, ' '))] : [id];
  });
  return [...new Set([...drugs, CATEGORY_WORDS[finding.category]])].join(' ');
}

/**
 * Level 4: a short explanation for the clinician, every claim from the guidelines cited.
 * The template states the finding (from the rules) and quotes the most relevant guideline sentence.
 */
export function explainFinding(kb: KnowledgeBase, finding: Finding, passages: Passage[]): Explanation {
  const citations = dedupe(passages).slice(0, 2).map((p) => ({ documentId: p.documentId, title: p.title, issuer: p.issuer, section: p.section, url: p.url }));
  const terms = finding.agents.flatMap((id) => {
    const drug = kb.drugs.get(id);
    return drug ? [drug.name.toLowerCase(), ...drug.classes.map((c) => c.replace(/-/g, ' '))] : [];
  });
  const guidance = passages.slice(0, citations.length).map((p, i) => `${keySentence(p.content, terms)} [${i + 1}]`);
  const parts = [finding.summary];
  if (guidance.length > 0) parts.push(`Guidance: ${guidance.join(' ')}`);
  parts.push(citations.length > 0 ? `Sources: ${citations.map((c, i) => `[${i + 1}] ${c.title} (${c.issuer}), "${c.section}", ${c.url}`).join('; ')}` : 'No guideline passage was found for this finding.');
  return { text: parts.join('\n'), citations };
}

function dedupe(passages: Passage[]): Passage[] {
  const seen = new Set<string>();
  return passages.filter((p) => !seen.has(p.documentId) && seen.add(p.documentId));
}

/** The sentence of the passage that names the most of the finding's drugs and classes. */
function keySentence(content: string, terms: string[]): string {
  const sentences = content
    .replace(/^\s*[-*]\s+/gm, '')
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 20);
  let best = sentences[0] ?? content.slice(0, 200);
  let bestScore = -1;
  for (const sentence of sentences) {
    const lower = sentence.toLowerCase();
    const hits = terms.filter((t) => lower.includes(t)).length;
    if (hits > bestScore) {
      best = sentence;
      bestScore = hits;
    }
  }
  return best.length > 400 ? `${best.slice(0, 397)}...` : best;
}
