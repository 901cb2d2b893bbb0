import type { Evidence, RiskCategory, Severity } from '../clinical/types';
import { renderCodedContext, type CodedPatientContext } from './coded-context';
import { LlmUnavailableError } from './llm-errors';
import type { LlmProvider } from './llm-provider';
import type { PromptPair } from './prompts';
import { redactIdentifiers } from './redact-identifiers';
import { modelFindingSchema, parseEnvelope, secondOpinionJsonSchema } from './second-opinion-schema';

export const SECOND_OPINION_PLACEHOLDERS = ['context', 'patient_message', 'bot_reply'] as const;

/** One chat message: the Communication it came from (for evidence) and its text. */
export interface ExchangeMessage {
  reference: string;
  text: string;
}

export interface SecondOpinionInput {
  patientMessage?: ExchangeMessage;
  botReply: ExchangeMessage;
  context: CodedPatientContext;
}

export interface LlmFinding {
  category: RiskCategory;
  severity: Severity;
  /** Why the model thinks this is a risk, in its words: for the reviewer, never used as fact. */
  rationale: string;
  /** Where the model's quote sits in the original messages. */
  evidence: Evidence[];
  detectedBy: `llm:${string}`;
}

export interface SecondOpinion {
  provider: string;
  findings: LlmFinding[];
  /** Findings the model gave that were malformed or quoted text that is not in the exchange. */
  dropped: number;
}

export interface LlmAnalyzerDeps {
  llm: LlmProvider;
  prompts: PromptPair;
  timeoutMs: number;
}

/**
 * Second-opinion analysis by a language model, run beside the rules, never instead of them.
 * Sends the exchange with identifiers redacted and coded context only; keeps only findings that
 * validate and whose evidence is a real quote. Throws LlmUnavailableError when no model answered
 * usably (the caller carries on with the rules' findings).
 */
export class LlmAnalyzer {
  constructor(private readonly deps: LlmAnalyzerDeps) {}

  async analyze(input: SecondOpinionInput): Promise<SecondOpinion> {
    const fence = (text: string) => redactIdentifiers(text).replace(/<\/?\s*(patient_message|bot_reply)\s*>/gi, '');
    const prompt = this.deps.prompts.user.fill({
      context: renderCodedContext(input.context),
      patient_message: input.patientMessage ? fence(input.patientMessage.text) : '(none)',
      bot_reply: fence(input.botReply.text),
    });
    const response = await this.deps.llm.generate({
      prompt,
      system: this.deps.prompts.system.fill({}),
      jsonSchema: secondOpinionJsonSchema,
      timeoutMs: this.deps.timeoutMs,
      isAcceptable: (text) => parseEnvelope(text) !== undefined,
    });
    const raw = parseEnvelope(response.text);
    if (!raw) throw new LlmUnavailableError([{ provider: response.provider, kind: 'malformed' }]);

    const findings: LlmFinding[] = [];
    for (const item of raw) {
      const parsed = modelFindingSchema.safeParse(item);
      const evidence = parsed.success ? locate(parsed.data.evidence, [input.botReply, input.patientMessage]) : undefined;
      if (!parsed.success || !evidence) continue;
      const { category, severity, rationale } = parsed.data;
      findings.push({ category, severity, rationale, evidence: [evidence], detectedBy: `llm:${response.provider}` });
    }
    return { provider: response.provider, findings, dropped: raw.length - findings.length };
  }
}

/**
 * Finds the model's quote in the original messages, ignoring case, spacing, typographic quotes and
 * surrounding quotation marks. A quote that is not there is invented evidence, so the finding goes.
 */
export function locate(quote: string, messages: (ExchangeMessage | undefined)[]): Evidence | undefined {
  const core = quote.trim().replace(/^["'“‘]+|["'”’.]+$/g, '').trim();
  if (core.length < 3) return undefined;
  const pattern = new RegExp(
    core
      .split(/\s+/)
      .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/['‘’]/g, "['‘’]").replace(/["“”]/g, '["“”]'))
      .join('\\s+'),
    'i',
  );
  for (const message of messages) {
    const match = message && pattern.exec(message.text);
    if (message && match) return { message: message.reference, start: match.index, end: match.index + match[0].length, text: match[0] };
  }
  return undefined;
}
