import type { PatientContext } from '../ehr/ehr-client';
import type { KnowledgeBase } from '../knowledge/knowledge-base';
import { checkAllergyConflicts } from './checks/allergy-conflict';
import { checkDrugInteractions } from './checks/drug-interaction';
import { checkSelfHarm } from './checks/self-harm';
import { extractMentions } from './extract-mentions';
import { resolveContext } from './resolve-context';
import type { Exchange, Finding } from './types';

/**
 * Level 2: every rule-based check over one exchange. Pure: the same text, context and knowledge
 * always give the same findings. A patient message alone is checked for what the patient says;
 * a bot reply is checked for what it recommends to this patient.
 */
export function analyzeExchange(kb: KnowledgeBase, exchange: Exchange, context: PatientContext): Finding[] {
  const findings: Finding[] = [];
  if (exchange.patientMessage && !exchange.botReply) findings.push(...checkSelfHarm(kb, exchange.patientMessage));
  if (exchange.botReply) {
    const resolved = resolveContext(kb, context);
    const recommended = extractMentions(kb, exchange.botReply).filter((m) => m.stance === 'recommended');
    findings.push(...checkAllergyConflicts(kb, recommended, resolved.allergies));
    findings.push(...checkDrugInteractions(kb, recommended, resolved.medications));
  }
  return findings;
}
