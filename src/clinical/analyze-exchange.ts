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
import { chartNames } from './chart-names';
import { currentRegimens } from './current-regimen';
import { numbersAsDigits } from './extract-doses';
import { endorsedByReply, thirdPartyDrugs } from './endorsement';
import { extractMentions, namesIn } from './extract-mentions';
import { chartEntriesNamed, implicateChartMedications, withImplicated } from './implicate-chart';
import { impliedDoseSubject } from './implied-subject';
import { settleOverlaps } from './overlaps';
import { resolvePatientState, withStatedFacts, type PatientState } from './patient-state';
import { statedStrengths } from './prescribed-dose';
import { reportedMedications } from './reported-medications';
import { resolveContext, type ResolvedContext } from './resolve-context';
import { withSentences } from './evidence-context';
import type { ChatMessage, DrugMention, Exchange, Finding } from './types';

/**
 * Level 2: every rule-based check over one exchange. Pure: the same text, context and knowledge
 * always give the same findings. A patient message alone is checked for what the patient says;
 * a bot reply is checked for what it tells this patient.
 */
export function analyzeExchange(kb: KnowledgeBase, exchange: Exchange, context: PatientContext, at = new Date()): Finding[] {
  if (!exchange.botReply) {
    if (!exchange.patientMessage) return [];
    const age = resolvePatientState(context, at).ageYears;
    // A parent, carer or support worker writing for the patient speaks of them in the third person.
    // So does a son or daughter opening with "Mum (88) keeps telling me…" about an older patient.
    const forThePatient =
      (age !== undefined && age < 18) || PROXY_WRITER.test(exchange.patientMessage.text) || (age !== undefined && age >= 65 && ABOUT_AN_OLDER_RELATIVE.test(exchange.patientMessage.text));
    return checkSelfHarmWithMeans(kb, exchange.patientMessage, context, forThePatient);
  }
  const { findings, replyMentions } = analyzeReply(kb, exchange.patientMessage, exchange.botReply, context, at);
  const messages = exchange.patientMessage ? [exchange.patientMessage, exchange.botReply] : [exchange.botReply];
  return withSentences(kb, findings, messages, exchange.botReply, replyMentions);
}

/**
 * Self-harm read with the means in view. Every medicine the message names reads as "meds" for the
 * expressions ("saving up my zoloft" is "saving up my meds"), and the chart entry for a named medicine
 * is the means at hand, which the clinician following up needs to see.
 */
function checkSelfHarmWithMeans(kb: KnowledgeBase, message: ChatMessage, context: PatientContext, forThePatient: boolean): Finding[] {
  const { medications } = resolveContext(kb, context);
  const mentions = namesIn(kb, message.text, chartNames(kb, medications));
  const findings = checkSelfHarm(kb, { ...message, text: withMedicinesAsMeds(message.text, mentions) }, forThePatient, mentions.length > 0).map((f) => ({
    ...f,
    evidence: f.evidence.map((e) => ({ ...e, text: message.text.slice(e.start, e.end) })),
  }));
  const means = findings.length > 0 ? chartEntriesNamed(kb, medications, mentions) : [];
  return findings.map((f) => withImplicated(f, means));
}

/** "my zoloft" → "my meds  ": the same length, so offsets into the original still hold. */
function withMedicinesAsMeds(text: string, mentions: { start: number; end: number }[]): string {
  let out = text;
  for (const m of mentions) {
    if (m.end - m.start < 4) continue;
    out = out.slice(0, m.start) + 'meds'.padEnd(m.end - m.start, ' ') + out.slice(m.end);
  }
  return out;
}

const ABOUT_AN_OLDER_RELATIVE = /^\s*(?:hi,?\s+|hello,?\s+)?(?:my\s+)?(?:mum|mom|mother|dad|father|nan|nana|gran|granny|grandma|grandad|granddad|grandpa)\b/i;

/** "Should I keep taking the lithium?" in a toxicity picture: the chart entry for a medicine the patient names is part of the emergency. */
function withNamedMedicines(findings: Finding[], medications: ResolvedContext['medications'], patientMentions: DrugMention[], kb: KnowledgeBase): Finding[] {
  const entries = findings.length > 0 ? chartEntriesNamed(kb, medications, patientMentions) : [];
  return findings.map((f) => withImplicated(f, entries));
}

/** A dose judged for a child or a light adult rests on the patient's age and weight as well as on any prescription. */
function withPatientBasis(findings: Finding[], state: PatientState): Finding[] {
  const child = state.ageYears !== undefined && state.ageYears < 18;
  const light = state.weightKg !== undefined && state.weightKg.value < 50;
  if (!child && !light) return findings;
  const basis = [state.patientReference, ...(state.weightKg ? [state.weightKg.reference] : [])];
  return findings.map((f) => (f.category === 'dose-exceeded' ? withImplicated(f, basis) : f));
}

const TOPICAL_AFTER = /^\s*(?:\w+\s+)?(?:gel|emulgel|cream|ointment|spray|foam|patch(?:es)?|plaster|lotion|rub)\b/i;
const isNsaid = (kb: KnowledgeBase, ref: string) => ref === 'class:nsaid' || kb.classMembers.get('nsaid')?.has(ref) === true;

const REPEATS_A_MISSED_EMERGENCY = new Set(['unsafe-advice:sleep-it-off', 'unsafe-advice:wait-and-see']);

const PROXY_WRITER = /\b(?:support worker|carer|caregiver|care worker|care assistant|key ?worker|personal assistant)\b[^.!?]{0,20}\b(?:here\s+)?(?:for|of|to)\b|\b(?:i'?m|i am)\s+(?:his|her|their)\s+(?:carer|caregiver|support worker|mum|mom|dad|guardian)\b/i;

const RESTART_BEFORE = /\b(?:restart|re-start|resume|start|go back on|get back on|take|try|use|ask(?:ing)?\s+(?:\w+\s+){0,3}for|prescribe|get)\s+(?:\w+\s+){0,3}$/i;

function restarts(text: string, at: number): boolean {
  return RESTART_BEFORE.test(text.slice(Math.max(0, at - 40), at));
}

/** "The dentist has given me metronidazole", "new prescription for bendroflumethiazide": just started, whatever the chart's date. */
const NEWLY_STARTED_BEFORE =
  /\b(?:(?:has|have|just)\s+(?:given|prescribed|started|added)\s+(?:me|him|her|them)(?:\s+on)?|(?:gave|prescribed|added)\s+(?:me|him|her|them)|started (?:me|him|her|them) on|put (?:me|him|her|them) on|new prescription (?:for|of)|newly prescribed|just (?:got|been given|started)|been (?:given|prescribed)|(?:gp|doctor|dentist|consultant|specialist|oncologist|surgeon|nurse|clinic|hospital)\s+(?:has\s+|just\s+)?(?:added|started|prescribed|gave|given)|(?:i'?m|i am|he'?s|she'?s|we'?re|they'?re)\s+(?:due to\s+|about to\s+|going to\s+)?start(?:ing)?(?:\s+on)?|going back on(?:to)?|restart(?:ing|ed)?)\s+(?:\w+\s+){0,2}$/i;

function newlyStarted(patientMessage: ChatMessage | undefined, patientMentions: DrugMention[]): Set<string> {
  if (!patientMessage) return new Set();
  return new Set(patientMentions.filter((m) => NEWLY_STARTED_BEFORE.test(patientMessage.text.slice(Math.max(0, m.start - 50), m.start))).map((m) => m.ref));
}

function analyzeReply(kb: KnowledgeBase, patientMessage: ChatMessage | undefined, reply: ChatMessage, context: PatientContext, at: Date): { findings: Finding[]; replyMentions: DrugMention[] } {
  const resolved = resolveContext(kb, context);
  const state = withStatedFacts(resolvePatientState(context, at), patientMessage?.text);
  const names = chartNames(kb, resolved.medications);
  const mentions = extractMentions(kb, reply, names);
  const patientMentions = patientMessage ? extractMentions(kb, patientMessage, names) : [];
  const isChild = state.ageYears !== undefined && state.ageYears < 18;
  const someoneElses = patientMessage ? thirdPartyDrugs(patientMentions, patientMessage.text, isChild) : new Set<string>();
  // A drug the chart records as stopped is being talked about, not advised, unless the reply restarts it.
  const advised = mentions.filter((m) => m.stance === 'recommended' && !someoneElses.has(m.ref) && !(resolved.inactiveDrugIds.has(m.ref) && !restarts(reply.text, m.start)));
  const reported = reportedMedications(patientMessage, patientMentions, resolved.medications, someoneElses, resolved.inactiveDrugIds);
  // "Yes" to "I take methotrexate… is trimethoprim fine?" endorses the new drug, not what the patient already takes.
  const alreadyTaken = new Set(reported.flatMap((m) => m.drugIds));
  const endorsed = endorsedByReply(patientMentions, reply, mentions).filter((m) => !someoneElses.has(m.ref) && !alreadyTaken.has(m.ref));
  const recommended = [...advised, ...endorsed];
  // "A little ibuprofen gel on the knee": a topical NSAID barely reaches the blood, so the systemic rules do not apply.
  const systemic = recommended.filter((m) => !(isNsaid(kb, m.ref) && TOPICAL_AFTER.test(reply.text.slice(m.end, m.end + 24))));
  const exchangeDrugIds = new Set([...mentions, ...patientMentions].flatMap((m) => drugsOf(kb, m.ref)));
  const readable = numbersAsDigits(reply.text);
  const implied = patientMessage ? impliedDoseSubject(patientMentions, patientMessage.text, reply, mentions, kb.products, readable) : undefined;
  const dosed = implied && !someoneElses.has(implied.mention.ref) ? [implied.mention, ...advised] : advised;
  const regimens = currentRegimens(kb, patientMessage, patientMentions, resolved.medications, someoneElses);
  const dosesJudged = new Set<string>();
  const impliedProducts = implied?.product ? new Map([[implied.mention, implied.product]]) : undefined;
  const aboutDrugs = [
    ...checkDoses(kb, reply.text, dosed, state, {
      medications: resolved.medications,
      impliedProducts,
      regimens,
      statedStrengths: statedStrengths(patientMessage?.text, patientMentions),
      readable,
      judged: dosesJudged,
    }),
    ...checkContraindications(kb, systemic, state),
    ...checkUnsafeAdvice(kb, reply, mentions, patientMentions, patientMessage, recommended, state.conditions),
  ];
  const drugFindings = [...checkAllergyConflicts(kb, recommended, resolved.allergies), ...checkDrugInteractions(
      kb,
      systemic,
      resolved.medications,
      exchangeDrugIds,
      reported,
      new Set(mentions.filter((m) => m.stance === 'warned').flatMap((m) => drugsOf(kb, m.ref))),
      newlyStarted(patientMessage, patientMentions),
    ), ...aboutDrugs];
  const emergencies = patientMessage ? checkMissedEmergency(kb, patientMessage, reply, state, regimens, resolved.medications) : [];
  const drugProblems = settleOverlaps(kb, drugFindings, dosesJudged, new Set(resolved.medications.flatMap((m) => m.drugIds)))
    // "Sleep it off" or "wait and see" said to a red-flag patient is the missed emergency itself, told once.
    .filter((f) => emergencies.length === 0 || !REPEATS_A_MISSED_EMERGENCY.has(f.rule));
  const findings = withPatientBasis(
    [...implicateChartMedications(drugProblems, resolved.medications, exchangeDrugIds), ...withNamedMedicines(emergencies, resolved.medications, patientMentions, kb)],
    state,
  );
  return { findings, replyMentions: mentions };
}
