import type { KnowledgeBase } from '../knowledge/knowledge-base';
import { drugsOf } from './checks/drugs-of';
import { INSTRUCTION } from './extract-doses';
import { sentenceBounds } from './sentences';
import type { ChatMessage, DrugMention, Evidence, Finding, RiskCategory } from './types';

/** Findings about a drug the reply advises: the clinician needs the advising sentence, not only the name. */
const ABOUT_ADVICE: ReadonlySet<RiskCategory> = new Set(['allergy-conflict', 'drug-interaction', 'condition-contraindication', 'dose-exceeded', 'unsafe-advice']);

/** Findings where the drug is the problem, so how to take it ("You can take it as directed") is part of it. */
const DRUG_IS_THE_PROBLEM: ReadonlySet<RiskCategory> = new Set(['allergy-conflict', 'drug-interaction', 'condition-contraindication']);

/**
 * Adds to each drug finding the whole sentence that holds its evidence ("it's fine to start your
 * husband's amoxicillin now — 500 mg twice a day"), for a drug the patient proposed and the reply
 * endorsed, the reply's endorsing sentence, and the instruction that follows the drug's sentence
 * ("Septra DS is often used for acne. You can take it twice daily."). The first span stays first:
 * it identifies the finding.
 */
export function withSentences(kb: KnowledgeBase, findings: Finding[], messages: ChatMessage[], reply: ChatMessage, replyMentions: DrugMention[] = []): Finding[] {
  const byReference = new Map(messages.map((m) => [m.reference, m]));
  return findings.map((finding) => {
    const first = finding.evidence[0];
    if (!ABOUT_ADVICE.has(finding.category) || !first) return finding;
    const added: Evidence[] = [];
    const message = byReference.get(first.message);
    if (message) added.push(sentenceAround(message, first.start));
    if (first.message !== reply.reference) added.push(sentenceAround(reply, 0));
    if (DRUG_IS_THE_PROBLEM.has(finding.category) && first.message === reply.reference) {
      const instruction = instructionAfter(kb, reply, first.start, finding.agents, replyMentions);
      if (instruction) added.push(instruction);
    }
    const covered = (span: Evidence) => [...finding.evidence].some((e) => e.message === span.message && e.start <= span.start && e.end >= span.end - 1);
    const fresh = added.filter((span, i) => !covered(span) && added.findIndex((other) => other.message === span.message && other.start === span.start) === i);
    return fresh.length === 0 ? finding : { ...finding, evidence: [...finding.evidence, ...fresh] };
  });
}

function sentenceAround(message: ChatMessage, at: number): Evidence {
  const { start, end } = sentenceBounds(message.text, at);
  return { message: message.reference, start, end, text: message.text.slice(start, end).trim() };
}

/** The next sentence, when it tells the patient how to take something and names no other drug. */
function instructionAfter(kb: KnowledgeBase, reply: ChatMessage, at: number, agents: string[], mentions: DrugMention[]): Evidence | undefined {
  const own = sentenceBounds(reply.text, at);
  const next = sentenceAround(reply, Math.min(reply.text.length, own.end + 1));
  if (next.start <= own.start || next.text.length === 0 || !INSTRUCTION.test(next.text)) return undefined;
  const others = mentions.filter((m) => m.start >= next.start && m.end <= next.end && !drugsOf(kb, m.ref).some((d) => agents.includes(d)));
  return others.length === 0 ? next : undefined;
}
