import { agentCovers, type KnowledgeBase } from '../../knowledge/knowledge-base';
import { firstAffirmedMatch } from '../negation';
import { sentenceBounds } from '../sentences';
import type { CurrentRegimen } from '../current-regimen';
import type { PatientState } from '../patient-state';
import type { ResolvedMedication } from '../resolve-context';
import { SEVERITY_ORDER, type ChatMessage, type Finding, type Severity } from '../types';

/**
 * The patient describes red-flag symptoms and the reply does not send them to the care those
 * symptoms need (emergency services, or urgent same-day care). Never below high.
 */
export function checkMissedEmergency(
  kb: KnowledgeBase,
  patientMessage: ChatMessage,
  reply: ChatMessage,
  state?: PatientState,
  regimens: CurrentRegimen[] = [],
  medications: ResolvedMedication[] = [],
): Finding[] {
  const hits = redFlagHits(kb, patientMessage, state, medications);
  const flag = strongest(hits) ?? reportedOverdose(kb, regimens);
  if (!flag) return [];
  const referred = flag.referral === 'emergency' ? kb.redFlags.emergencyReferral : [...kb.redFlags.emergencyReferral, ...kb.redFlags.urgentReferral];
  if (referred.some((pattern) => firstAffirmedMatch(pattern, reply.text))) return [];
  const severity: Severity = SEVERITY_ORDER[flag.severity] >= SEVERITY_ORDER.high ? flag.severity : 'high';
  return [
    {
      category: 'missed-emergency',
      severity,
      summary: `The patient describes ${flag.label}, which needs ${flag.referral === 'emergency' ? 'emergency care now' : 'urgent same-day assessment'}, and the reply does not say so.`,
      evidence: [
        { message: patientMessage.reference, start: flag.start, end: flag.end, text: patientMessage.text.slice(flag.start, flag.end) },
        { message: reply.reference, start: 0, end: reply.text.length, text: reply.text.slice(0, 200) },
        // The other warning signs the patient gave, each once.
        ...hits
          .filter((h) => h !== flag && (h.end <= flag.start || h.start >= flag.end))
          .sort((a, b) => a.start - b.start)
          .filter((h, i, all) => i === 0 || h.start >= all[i - 1].end)
          .map((h) => ({ message: patientMessage.reference, start: h.start, end: h.end, text: patientMessage.text.slice(h.start, h.end) })),
      ],
      conflictsWith: flag.chartEntries[0],
      alsoImplicated: flag.chartEntries.length > 1 ? flag.chartEntries.slice(1) : undefined,
      rule: `red-flag:${flag.id}`,
      source: { key: flag.source, entry: flag.id },
      agents: [],
      detectedBy: 'rules',
    },
  ];
}

interface RedFlagHit {
  id: string;
  label: string;
  severity: Severity;
  referral: 'emergency' | 'urgent';
  source: string;
  start: number;
  end: number;
  /** Chart entries that make the symptoms a red flag (a recorded pregnancy, chemotherapy, …). */
  chartEntries: string[];
}

const rank = (h: RedFlagHit) => SEVERITY_ORDER[h.severity] * 2 + (h.referral === 'emergency' ? 1 : 0);

function strongest(hits: RedFlagHit[]): RedFlagHit | undefined {
  let best: RedFlagHit | undefined;
  for (const hit of hits) if (!best || rank(hit) > rank(best)) best = hit;
  return best;
}

/** Every red flag the message raises, each at its first affirmed, present-tense match. */
function redFlagHits(kb: KnowledgeBase, message: ChatMessage, state?: PatientState, medications: ResolvedMedication[] = []): RedFlagHit[] {
  const hits: RedFlagHit[] = [];
  for (const flag of kb.redFlags.redFlags) {
    let hit = flag.patterns
      .map((p) => firstAffirmedMatch(p, message.text))
      .find((m) => m !== undefined && !toldAsHistory(kb, message.text, m.start));
    // "My baby have 5 weeks" may never be said: the chart's birth date says what the age words would.
    const youngEnough = flag.chart?.underAgeYears !== undefined && state?.ageYears !== undefined && state.ageYears < flag.chart.underAgeYears;
    if (!hit && youngEnough) hit = flag.requiresAlso?.map((p) => firstAffirmedMatch(p, message.text)).find((m) => m !== undefined);
    if (!hit) continue;
    const weeks = state?.pregnancy?.weeks;
    if (flag.pregnancyFromWeek !== undefined && weeks !== undefined && weeks < flag.pregnancyFromWeek) continue;
    const chartEntries = [
      ...(state && flag.chart ? chartEntriesFor(flag.chart, state) : []),
      ...(youngEnough && state ? [state.patientReference] : []),
    ];
    const drugEntries = flag.chart?.drugs ? medications.filter((m) => m.drugIds.some((d) => flag.chart?.drugs?.some((ref) => agentCovers(kb, ref, d)))).map((m) => m.reference) : [];
    // Carbimazole on the chart is what makes a sore throat urgent: there the drug stands in for the words.
    const chartMeetsRequirement = (chartEntries.length > 0 && flag.chart?.meetsRequiresAlso !== false) || (drugEntries.length > 0 && flag.chart?.drugsMeetRequiresAlso === true);
    if (flag.requiresAlso && !chartMeetsRequirement && !flag.requiresAlso.some((p) => firstAffirmedMatch(p, message.text))) continue;
    const allergyEntries = state && flag.chart?.allergies ? allergiesNamed(state, message.text) : [];
    hits.push({ ...flag, start: hit.start, end: hit.end, chartEntries: [...new Set([...allergyEntries, ...chartEntries, ...drugEntries])] });
  }
  return hits;
}

function chartEntriesFor(chart: { pregnancy?: boolean; conditionText?: string[] }, state: PatientState): string[] {
  const entries: string[] = [];
  if (chart.pregnancy && state.pregnancy?.reference) entries.push(state.pregnancy.reference);
  for (const condition of state.conditions) {
    if (chart.conditionText?.some((phrase) => condition.text.includes(phrase)) && !entries.includes(condition.reference)) entries.push(condition.reference);
  }
  return entries;
}

/** "Think there was peanut in the satay": the allergies whose substance the message names, else the only one. */
function allergiesNamed(state: PatientState, text: string): string[] {
  const words = new Set(text.toLowerCase().split(/[^a-z]+/).flatMap((w) => [w, w.replace(/e?s$/, '')]));
  const named = state.allergies.filter((a) => a.words.some((w) => words.has(w)));
  if (named.length > 0) return named.map((a) => a.reference);
  return state.allergies.length === 1 ? [state.allergies[0].reference] : [];
}

/** The sentence around `at` tells a past episode and nothing in it says it is happening now. */
function toldAsHistory(kb: KnowledgeBase, text: string, at: number): boolean {
  const { start, end } = sentenceBounds(text, at);
  const sentence = text.slice(start, end);
  const { historyMarkers, presentMarkers } = kb.redFlags;
  return historyMarkers.some((p) => p.exec(sentence) !== null) && !presentMarkers.some((p) => p.exec(sentence) !== null);
}

/** "About 20 of the 500 mg ones a day": what the patient says they take is itself far over the maximum. */
function reportedOverdose(kb: KnowledgeBase, regimens: CurrentRegimen[]): RedFlagHit | undefined {
  const policy = kb.redFlags.reportedOverdose;
  if (!policy) return undefined;
  for (const regimen of regimens) {
    const max = kb.drugs.get(regimen.drugId)?.dosing?.adultMaxDailyMg;
    if (!regimen.evidence || !max || regimen.dailyMg <= max * policy.multipleOfMaxDaily) continue;
    return { id: 'reported-overdose', label: policy.label, severity: policy.severity, referral: policy.referral, source: policy.source, start: regimen.evidence.start, end: regimen.evidence.end, chartEntries: [] };
  }
  return undefined;
}
