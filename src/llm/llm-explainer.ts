import type { Passage } from '../knowledge/guideline-index';
import { checkCitations, renumberCitations } from './citation-check';
import { LlmUnavailableError } from './llm-errors';
import type { LlmProvider } from './llm-provider';
import type { PromptPair } from './prompts';
import { redactIdentifiers } from './redact-identifiers';

export const EXPLAIN_PLACEHOLDERS = ['finding', 'passages'] as const;

export type ExplainPassage = Pick<Passage, 'documentId' | 'title' | 'issuer' | 'section' | 'url' | 'content'>;

export interface ExplanationCitation {
  documentId: string;
  title: string;
  issuer: string;
  section: string;
  url: string;
}

/** Same shape as the template's explanation, plus who phrased it; [n] in text is citations[n-1]. */
export interface LlmExplanation {
  text: string;
  citations: ExplanationCitation[];
  provider: string;
}

export interface LlmExplainerDeps {
  llm: LlmProvider;
  prompts: PromptPair;
  timeoutMs: number;
  /** Longest explanation accepted; a rambling answer is not what a reviewer needs. Default 1200. */
  maxChars?: number;
}

/** Characters of each passage put in the prompt: enough for the key sentences, bounded cost. */
const PASSAGE_CHARS = 1200;

/**
 * Has a model phrase a finding's explanation from retrieved guideline passages. Only text in which
 * every sentence cites a passage it was given is accepted; otherwise it throws LlmUnavailableError
 * and the caller keeps the template's explanation.
 */
export class LlmExplainer {
  constructor(private readonly deps: LlmExplainerDeps) {}

  async explain(summary: string, passages: ExplainPassage[]): Promise<LlmExplanation> {
    if (passages.length === 0) throw new LlmUnavailableError([], 'no guideline passage to cite');
    const maxChars = this.deps.maxChars ?? 1200;
    const acceptable = (text: string) => text.trim().length <= maxChars && checkCitations(text, passages.length) === undefined;
    const response = await this.deps.llm.generate({
      system: this.deps.prompts.system.fill({}),
      prompt: this.deps.prompts.user.fill({
        finding: redactIdentifiers(summary),
        passages: passages.map((p, i) => `[${i + 1}] ${p.title} (${p.issuer}), "${p.section}":\n${p.content.slice(0, PASSAGE_CHARS)}`).join('\n\n'),
      }),
      timeoutMs: this.deps.timeoutMs,
      isAcceptable: acceptable,
    });
    if (!acceptable(response.text)) throw new LlmUnavailableError([{ provider: response.provider, kind: 'malformed' }]);
    const { text, order } = renumberCitations(response.text.trim());
    const citations = order.map((n) => {
      const { documentId, title, issuer, section, url } = passages[n - 1];
      return { documentId, title, issuer, section, url };
    });
    return { text, citations, provider: response.provider };
  }
}
