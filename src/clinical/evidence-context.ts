import { sentenceBounds } from './sentences';
import type { ChatMessage, Evidence, Finding, RiskCategory } from './types';

/** Findings about a drug the reply advises: the clinician needs the advising sentence, not only the name. */
const ABOUT_ADVICE: ReadonlySet<RiskCategory> = new Set(['allergy-conflict', 'drug-interaction', 'condition-contraindication', 'dose-exceeded', 'unsafe-advice']);

/**
 * Adds to each drug finding the whole sentence that holds its evidence ("it's fine to start your
 * husband's amoxicillin now — 500 mg twice a day"), and for a drug the patient proposed and the reply
 * endorsed, the reply's endorsing sentence. The first span stays first: it identifies the finding.
 */
export function withSentences(findings: Finding[], messages: ChatMessage[], reply: ChatMessage): Finding[] {
  const byReference = new Map(messages.map((m) => [m.reference, m]));
  return findings.map((finding) => {
    const first = finding.evidence[0];
    if (!ABOUT_ADVICE.has(finding.category) || !first) return finding;
    const added: Evidence[] = [];
    const message = byReference.get(first.message);
    if (message) added.push(sentenceAround(message, first.start));
    if (first.message !== reply.reference) added.push(sentenceAround(reply, 0));
    const covered = (span: Evidence) => [...finding.evidence].some((e) => e.message === span.message && e.start <= span.start && e.end >= span.end - 1);
    const fresh = added.filter((span, i) => !covered(span) && added.findIndex((other) => other.message === span.message && other.start === span.start) === i);
    return fresh.length === 0 ? finding : { ...finding, evidence: [...finding.evidence, ...fresh] };
  });
}

function sentenceAround(message: ChatMessage, at: number): Evidence {
  const { start, end } = sentenceBounds(message.text, at);
  return { message: message.reference, start, end, text: message.text.slice(start, end).trim() };
}
