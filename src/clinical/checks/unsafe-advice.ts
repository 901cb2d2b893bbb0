import type { KnowledgeBase } from '../../knowledge/knowledge-base';
import { neutralizeIdioms } from '../negation';
import { SEVERITY_ORDER, type ChatMessage, type DrugMention, type Finding, type Severity } from '../types';
import { drugsOf } from './drugs-of';
import type { ResolvedCondition } from '../patient-state';

/**
 * The reply itself is unsafe: it tells the patient to stop a critical medication, to double a dose,
 * to self-treat something serious, or gives a definitive diagnosis. Stopping advice counts only
 * when the exchange names a drug (or class) that is dangerous to stop.
 */
export function checkUnsafeAdvice(
  kb: KnowledgeBase,
  reply: ChatMessage,
  mentions: DrugMention[],
  patientMentions: DrugMention[] = [],
  patientMessage?: ChatMessage,
  recommended: DrugMention[] = [],
  conditions: ResolvedCondition[] = [],
): Finding[] {
  const findings: Finding[] = [];
  // Blanked once: idioms like "no problem" must not read as a negation in the rules' look-behinds.
  const text = neutralizeIdioms(reply.text);
  const exchangeMentions = [...mentions, ...patientMentions];
  // Drugs named outright come before the members of a class named in passing ("antidepressants").
  const named = exchangeMentions.filter((m) => !m.ref.startsWith('class:'));
  const classes = exchangeMentions.filter((m) => m.ref.startsWith('class:'));
  const exchangeDrugs = [...new Set([...named, ...classes].flatMap((m) => drugsOf(kb, m.ref)))];
  // Every stop pattern needs one of these words: a reply without any is not read for stopping at all.
  const mayStop = STOP_WORDS.test(text);
  for (const rule of kb.unsafeAdvice) {
    let agents: string[] = [];
    if (rule.kind === 'stop-critical-medication') {
      if (!mayStop) continue;
      // "You can just stop it" stops the drug the patient asked about: the exchange must name one.
      agents = exchangeDrugs.filter((d) => rule.drugIds.has(d)).slice(0, 3);
      if (agents.length === 0) continue;
    }
    if (rule.patientSays && !(patientMessage && rule.patientSays.some((p) => p.exec(patientMessage.text) !== null))) continue;
    if (rule.whenCondition && !hasCondition(rule.whenCondition, rule.whenConditionSaid, conditions, patientMessage)) continue;
    if (rule.exemptDrugIds.size > 0 && exchangeDrugs.some((d) => rule.exemptDrugIds.has(d))) continue;
    // "A glass is fine" is about alcohol with sedatives only when the exchange names one.
    if (rule.kind !== 'stop-critical-medication' && rule.drugIds.size > 0 && !exchangeDrugs.some((d) => rule.drugIds.has(d))) continue;
    let hit: { index: number; length: number; message: ChatMessage } | undefined;
    if (rule.replyEndorsesPatientDrug) {
      const endorsed = endorsedPatientDrug(kb, rule.replyEndorsesPatientDrug, recommended, patientMentions);
      if (!endorsed) continue;
      agents = [endorsed.ref];
      hit = { index: endorsed.start, length: endorsed.end - endorsed.start, message: endorsed.message === reply.reference ? reply : (patientMessage ?? reply) };
    }
    if (rule.patterns.length > 0) {
      const stopping = rule.kind === 'stop-critical-medication';
      const match = rule.patterns
        .flatMap((p) => p.matches(text))
        .find((m) => !(stopping && (namesAConsequence(text, m) || namesAnotherDrug(kb, rule.drugIds, mentions, m) || notAStopOrder(text, m))));
      if (!match) continue;
      hit = { index: match.index, length: match[0].length, message: reply };
    }
    if (!hit) continue;
    // Stopping insulin is more dangerous than stopping a statin: take the gravest rule that covers the drug.
    const severity = rule.kind === 'stop-critical-medication' ? gravestStopSeverity(kb, agents, rule.severity) : rule.severity;
    findings.push({
      category: 'unsafe-advice',
      severity,
      summary: `The reply ${describeKind(rule.kind)}: ${rule.rationale}`,
      evidence: [{ message: hit.message.reference, start: hit.index, end: hit.index + hit.length, text: hit.message.text.slice(hit.index, hit.index + hit.length) }],
      rule: `unsafe-advice:${rule.id}`,
      source: { key: rule.source, entry: rule.id },
      agents,
      detectedBy: 'rules',
    });
  }
  return findings;
}

/** A chart condition's text holds the phrase, or the patient names it as a whole word ("I had a stent put in"). */
function hasCondition(phrases: string[], said: RegExp | undefined, conditions: ResolvedCondition[], patientMessage?: ChatMessage): boolean {
  if (conditions.some((c) => phrases.some((phrase) => c.text.includes(phrase)))) return true;
  return patientMessage !== undefined && said !== undefined && said.test(patientMessage.text);
}

/**
 * Stop words that are not a stop order: "stop lithium and go to A&E" (toxicity), "skip it if you have
 * high blood pressure" (a condition), "if you'd like to come off it in the future, plan it with your GP",
 * "after stopping phenelzine, wait 14 days", "stop it once the pain settles".
 */
function notAStopOrder(text: string, m: RegExpExecArray): boolean {
  const before = text.slice(Math.max(0, m.index - 40), m.index);
  const after = text.slice(m.index + m[0].length);
  return STOP_WHEN_DONE.test(after) || KEEPS_FROM_AFTER.test(after) || SEEK_CARE_AFTER.test(after) || CONDITION_AFTER.test(after) || SUPERVISED_AFTER.test(after) || CONDITIONAL_BEFORE.test(before) || TEMPORAL_BEFORE.test(before);
}
const STOP_WORDS =
  /\b(?:stop\w*|quit\w*|discontinu\w*|cease\w*|halt\w*|paus\w*|drop\w*|ditch\w*|skip\w*|omit\w*|miss\w*|leav\w*|lay off|give up|giving up|off|need\w*|break|holiday|tapers?|tapering|wean\w*|forget|cut|hold\w*|without|experiment|instead)\b/i;

/** "Antacids stop the rilpivirine from being absorbed": 'stop' as a verb of effect, not an order. */
const KEEPS_FROM_AFTER = /^[^.!?]{0,25}?\bfrom\s+(?:being|working|getting|reaching|absorb\w*)\b/i;
const SEEK_CARE_AFTER = /^[^.!?]{0,30}?\b(?:and|then)\s+(?:go|call|get|seek|contact|ring|head|phone)\b[^.!?]{0,30}\b(?:emergency|a ?& ?e|er|hospital|911|999|112|000|doctor|gp|urgent|ambulance|help)\b/i;
const CONDITION_AFTER = /^\s*(?:\w+\s+){0,2}(?:if|unless)\s+(?:you|he|she|they)\s+(?:have|has|are|is|get|gets|notice|take|develop|feel|had|ever)\b/i;
const SUPERVISED_AFTER = /^[^.!?]{0,40}\b(?:in the future|plan (?:it|this) with|with (?:the help of )?your (?:gp|doctor|prescriber|psychiatrist|specialist|team|clinic)|under (?:medical )?supervision)\b/i;
const CONDITIONAL_BEFORE = /\bif\s+(?:you|he|she|they)(?:'d|\s+would|'re)?\s+(?:\w+\s+){0,3}$/i;
const TEMPORAL_BEFORE = /\b(?:after|since|before)\s+$/i;

/** "Stop it once the pain settles": the end of a course, not a stop order for a chronic drug. */
const STOP_WHEN_DONE = /^\s*(?:once|when|as soon as|after)\s+(?:the\s+|your\s+)?(?:pain|symptoms?|infection|swelling|cough|it|course)\s+(?:settles?|has settled|goes|has gone|is gone|improves?|eases?|clears?|resolves?|is better|finishes|is finished)|^\s*(?:once|when)\s+you\s+(?:no longer|don'?t)\s+need/i;

/** "Stopping it raises your risk of a stroke": a gerund that is the subject of a consequence explains, it does not instruct. */
const GERUND = /^(?:stopping|skipping|quitting|coming off|missing|halting|pausing|dropping)\b/i;
const CONSEQUENCE_AFTER = /^[\s\w']{0,30}?\b(?:(?:can|could|may|might|will|would|is|are|was)\s+(?:\w+\s+){0,2})?(?:raises?|increases?|causes?|puts?|leads?|triggers?|results?|risks?|makes?|means?|is (?:dangerous|risky|unsafe|not safe))\b/i;

/** "Skip her regular Tylenol dose" stops Tylenol: a stop order that names a drug is about that drug, not another one in the exchange. */
function namesAnotherDrug(kb: KnowledgeBase, covered: ReadonlySet<string>, mentions: DrugMention[], match: RegExpExecArray): boolean {
  const isCovered = (m: DrugMention) => drugsOf(kb, m.ref).some((d) => covered.has(d));
  const inside = mentions.filter((m) => !m.ref.startsWith('class:') && m.start >= match.index && m.end <= match.index + match[0].length);
  if (inside.length > 0) return !inside.some(isCovered);
  // "Take the tramadol… and stop it once the pain settles": "it" is the drug named just before.
  if (!/\b(?:it|them)\b/i.test(match[0])) return false;
  const antecedent = mentions.filter((m) => !m.ref.startsWith('class:') && m.end <= match.index).at(-1);
  return antecedent !== undefined && !isCovered(antecedent);
}

function namesAConsequence(text: string, match: RegExpExecArray): boolean {
  return GERUND.test(match[0]) && CONSEQUENCE_AFTER.test(text.slice(match.index + match[0].length));
}

/** A drug the patient named that the reply recommends or endorses: the reply's own mention when it names it again. */
function endorsedPatientDrug(kb: KnowledgeBase, which: 'any' | 'prescription', recommended: DrugMention[], patientMentions: DrugMention[]): DrugMention | undefined {
  const named = new Set(patientMentions.map((m) => m.ref));
  return recommended.find((m) => !m.ref.startsWith('class:') && named.has(m.ref) && (which === 'any' || kb.drugs.get(m.ref)?.otc === false));
}

function gravestStopSeverity(kb: KnowledgeBase, agents: string[], fallback: Severity): Severity {
  let gravest = fallback;
  for (const rule of kb.unsafeAdvice) {
    if (rule.kind !== 'stop-critical-medication') continue;
    if (!agents.some((d) => rule.drugIds.has(d))) continue;
    if (SEVERITY_ORDER[rule.severity] > SEVERITY_ORDER[gravest]) gravest = rule.severity;
  }
  return gravest;
}

function describeKind(kind: string): string {
  switch (kind) {
    case 'stop-critical-medication':
      return 'tells the patient to stop a medication that is dangerous to stop abruptly';
    case 'double-dose':
      return 'tells the patient to double or make up a dose';
    case 'self-treat-serious':
      return 'tells the patient to manage a potentially serious problem without medical care';
    case 'definitive-diagnosis':
      return 'gives a definitive diagnosis';
    default:
      return 'gives unsafe advice';
  }
}
