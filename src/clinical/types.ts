import type { AgentRef } from '../knowledge/knowledge-base';
import type { Severity } from '../knowledge/knowledge-schema';

export type { Severity };

export const RISK_CATEGORIES = [
  'allergy-conflict',
  'drug-interaction',
  'dose-exceeded',
  'condition-contraindication',
  'missed-emergency',
  'self-harm',
  'unsafe-advice',
] as const;
export type RiskCategory = (typeof RISK_CATEGORIES)[number];

export const SEVERITY_ORDER: Record<Severity, number> = { low: 1, moderate: 2, high: 3, critical: 4 };

export type Speaker = 'patient' | 'bot';

export interface ChatMessage {
  /** `Communication/<id>` */
  reference: string;
  speaker: Speaker;
  text: string;
}

/** A patient message and the bot reply that answers it; either may be absent. */
export interface Exchange {
  patientMessage?: ChatMessage;
  botReply?: ChatMessage;
}

/**
 * How a mention is meant. Only `recommended` drugs can be unsafe advice from the bot:
 * a drug named to warn against it, to report a fact, or as a what-if is not a finding.
 */
export type Stance = 'recommended' | 'warned' | 'hypothetical' | 'reported';

export interface DrugMention {
  ref: AgentRef;
  surface: string;
  start: number;
  end: number;
  message: string;
  speaker: Speaker;
  stance: Stance;
  /** "A different statin", "another antibiotic": a member of the class other than one already in question. */
  anotherOfClass?: boolean;
}

export interface Evidence {
  /** `Communication/<id>` holding the phrase */
  message: string;
  start: number;
  end: number;
  text: string;
}

export interface Finding {
  category: RiskCategory;
  severity: Severity;
  /** One sentence for a clinician, without quoting the patient's identity. */
  summary: string;
  evidence: Evidence[];
  /** The EHR resource the reply conflicts with, e.g. `AllergyIntolerance/123`. */
  conflictsWith?: string;
  /** Other chart entries the finding rests on, e.g. the patient's own prescription of the drug dosed too high. */
  alsoImplicated?: string[];
  /** Rule id, e.g. `allergy:direct` or `interaction:warfarin-nsaids`. */
  rule: string;
  /** Knowledge-base source key and entry. */
  source: { key: string; entry: string };
  /** Drug ids involved, for retrieval and explanation. */
  agents: string[];
  /** Which analyzer found it. */
  detectedBy: 'rules' | `llm:${string}`;
}
