import type { KnowledgeBase } from '../../knowledge/knowledge-base';
import { SEVERITY_ORDER, type ChatMessage, type Finding } from '../types';

/** "I don't want to die" is not ideation: a negation just before the phrase cancels it. */
const NEGATION_BEFORE = /\b(don'?t|do not|never|not|no longer)\s+(\w+\s+){0,2}$/i;

/** The patient expresses suicidal ideation or self-harm. Always for human follow-up, never below high. */
export function checkSelfHarm(kb: KnowledgeBase, message: ChatMessage): Finding[] {
  let best: Finding | undefined;
  for (const expression of kb.selfHarm) {
    const match = expression.pattern.exec(message.text);
    if (!match) continue;
    if (NEGATION_BEFORE.test(message.text.slice(Math.max(0, match.index - 30), match.index))) continue;
    const severity = SEVERITY_ORDER[expression.severity] >= SEVERITY_ORDER.high ? expression.severity : 'high';
    if (best && SEVERITY_ORDER[best.severity] >= SEVERITY_ORDER[severity]) continue;
    best = {
      category: 'self-harm',
      severity,
      summary:
        expression.intent === 'self-injury'
          ? 'The patient describes harming themselves; a clinician should follow up.'
          : `The patient's message expresses suicidal ${expression.intent}; a clinician should follow up.`,
      evidence: [{ message: message.reference, start: match.index, end: match.index + match[0].length, text: match[0] }],
      rule: `self-harm:${expression.intent}`,
      source: { key: expression.source, entry: expression.pattern.source },
      agents: [],
      detectedBy: 'rules',
    };
  }
  return best ? [best] : [];
}
