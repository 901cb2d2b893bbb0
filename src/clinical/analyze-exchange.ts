import type { PatientContext } from '../ehr/ehr-client';
import type { KnowledgeBase } from '../knowledge/knowledge-base';
import { checkAllergyConflicts } from './checks/allergy-conflict';
import { checkContraindications } from './checks/condition-contraindication';
import { checkDoses } from './checks/dose-exceeded';
import { drugsOf } from './checks/drugs-of';
import { checkDrugInteractions } from './checks/drug-interaction';
import { checkMissedEmergency } from './checks/missed-emergency';
import { checkSelfHarm } from './checks/self-harm';
import { checkUnsafeAdvice } from './checks/unsafe-advice';
import { currentRegimens } from './current-regimen';
import { endorsedByReply, thirdPartyDrugs } from './endorsement';
import { extractMentions } from './extract-mentions';
import { implicateChartMedications } from './implicate-chart';
import { impliedDoseSubject } from './implied-subject';
import { settleOverlaps } from './overlaps';
import { resolvePatientState } from './patient-state';
import { reportedMedications } from './reported-medications';
import { resolveContext } from './resolve-context';
import type { Exchange, Finding } from './types';

/**
 * Level 2: every rule-based check over one exchange. Pure: the same text, context and knowledge
 * always give the same findings. A patient message alone is checked for what the patient says;
 * a bot reply is checked for what it tells this patient.
 */
export function analyzeExchange(kb: KnowledgeBase, exchange: Exchange, context: PatientContext, at = new Date()): Finding[] {
  const findings: Finding[] = [];
  if (exchange.patientMessage && !exchange.botReply) findings.push(...checkSelfHarm(kb, exchange.patientMessage));
  if (exchange.botReply) {
    const resolved = resolveContext(kb, context);
    const state = resolvePatientState(context, at);
    const mentions = extractMentions(kb, exchange.botReply);
    const patientMentions = exchange.patientMessage ? extractMentions(kb, exchange.patientMessage) : [];
    const isChild = state.ageYears !== undefined && state.ageYears < 18;
    const someoneElses = exchange.patientMessage ? thirdPartyDrugs(patientMentions, exchange.patientMessage.text, isChild) : new Set<string>();
    const advised = mentions.filter((m) => m.stance === 'recommended' && !someoneElses.has(m.ref));
    const recommended = [...advised, ...endorsedByReply(patientMentions, exchange.botReply, mentions).filter((m) => !someoneElses.has(m.ref))];
    findings.push(...checkAllergyConflicts(kb, recommended, resolved.allergies));
    const exchangeDrugIds = new Set([...mentions, ...patientMentions].flatMap((m) => drugsOf(kb, m.ref)));
    const reported = reportedMedications(exchange.patientMessage, patientMentions, resolved.medications, someoneElses);
    findings.push(...checkDrugInteractions(kb, recommended, resolved.medications, exchangeDrugIds, reported));
    const implied = exchange.patientMessage ? impliedDoseSubject(patientMentions, exchange.patientMessage.text, exchange.botReply, mentions, kb.products) : undefined;
    const dosed = implied && !someoneElses.has(implied.mention.ref) ? [implied.mention, ...advised] : advised;
    const dosesJudged = new Set<string>();
    const regimens = currentRegimens(kb, exchange.patientMessage, patientMentions, resolved.medications, someoneElses);
    const aboutDrugs = [
      ...checkDoses(
        kb,
        exchange.botReply.text,
        dosed,
        state,
        resolved.medications,
        implied?.product ? new Map([[implied.mention, implied.product]]) : undefined,
        regimens,
        dosesJudged,
      ),
      ...checkContraindications(kb, recommended, state),
      ...checkUnsafeAdvice(kb, exchange.botReply, mentions, patientMentions, exchange.patientMessage, recommended),
    ];
    findings.push(...implicateChartMedications(settleOverlaps(kb, aboutDrugs, dosesJudged), resolved.medications, exchangeDrugIds));
    if (exchange.patientMessage) findings.push(...checkMissedEmergency(kb, exchange.patientMessage, exchange.botReply, state, regimens));
  }
  return findings;
}
