import crypto from 'node:crypto';
import type { Coding, DetectedIssue, Extension, Flag, RiskAssessment, Task, TaskInput } from '@medplum/fhirtypes';
import { RISK_CATEGORIES, type Finding, type RiskCategory, type Severity } from '../clinical/types';
import type { Assessment } from './score';
import type { Explanation } from './explain';
import type { MergedOpinion } from './second-opinion';

/** Canonical URLs under the configurable base (default http://vigil.health/fhir). */
export function vigilUrls(base: string) {
  return {
    chatRisk: `${base}/CodeSystem/chat-risk`,
    severityExtension: `${base}/StructureDefinition/risk-severity`,
    evidenceExtension: `${base}/StructureDefinition/evidence-span`,
    detectedByExtension: `${base}/StructureDefinition/detected-by`,
    disagreementExtension: `${base}/StructureDefinition/analysis-disagreement`,
    findingId: `${base}/NamingSystem/finding`,
    taskId: `${base}/NamingSystem/review-task`,
    flagId: `${base}/NamingSystem/patient-flag`,
    assessmentId: `${base}/NamingSystem/risk-assessment`,
    analysisMethod: `${base}/CodeSystem/analysis-method`,
  };
}
export type VigilUrls = ReturnType<typeof vigilUrls>;

const DISPLAY: Record<RiskCategory, string> = {
  'allergy-conflict': 'Allergy conflict',
  'drug-interaction': 'Drug interaction',
  'dose-exceeded': 'Dose exceeded',
  'condition-contraindication': 'Condition contraindication',
  'missed-emergency': 'Missed emergency',
  'self-harm': 'Self-harm',
  'unsafe-advice': 'Unsafe advice',
};

const TASK_PRIORITY: Record<Severity, Task['priority']> = { critical: 'stat', high: 'urgent', moderate: 'asap', low: 'routine' };

export const riskCoding = (urls: VigilUrls, category: RiskCategory): Coding => ({ system: urls.chatRisk, code: category, display: DISPLAY[category] });

/** Stable across retries of the same job: the same finding always gets the same identifier. */
export function findingKey(finding: Finding): string {
  const span = finding.evidence[0];
  return crypto
    .createHash('sha256')
    .update([finding.category, finding.rule, finding.conflictsWith ?? '', span?.message ?? '', span?.start ?? '', span?.end ?? ''].join('|'))
    .digest('hex')
    .slice(0, 32);
}

export function buildDetectedIssue(urls: VigilUrls, patientId: string, finding: Finding, explanation: Explanation): DetectedIssue {
  return {
    resourceType: 'DetectedIssue',
    identifier: [{ system: urls.findingId, value: findingKey(finding) }],
    status: 'preliminary',
    code: { coding: [riskCoding(urls, finding.category)], text: DISPLAY[finding.category] },
    // DetectedIssue.severity stops at high; critical travels in the extension (and as Task priority stat).
    severity: finding.severity === 'critical' ? 'high' : finding.severity,
    extension: [
      { url: urls.severityExtension, valueCode: finding.severity },
      { url: urls.detectedByExtension, valueString: `${finding.detectedBy}:${finding.rule}` },
    ],
    patient: { reference: `Patient/${patientId}` },
    identifiedDateTime: new Date().toISOString(),
    author: { display: 'Vigil chatbot safety monitor' },
    implicated: finding.conflictsWith ? [finding.conflictsWith, ...(finding.alsoImplicated ?? [])].map((reference) => ({ reference })) : undefined,
    evidence: finding.evidence.map((e) => ({
      detail: [{ reference: e.message }],
      extension: [evidenceSpan(urls, e.start, e.end, e.text)],
    })),
    detail: explanation.text,
    reference: explanation.citations[0]?.url,
  };
}

function evidenceSpan(urls: VigilUrls, start: number, end: number, text: string): Extension {
  return {
    url: urls.evidenceExtension,
    extension: [
      { url: 'start', valueInteger: start },
      { url: 'end', valueInteger: end },
      { url: 'text', valueString: text },
    ],
  };
}

/** One Flag per patient and category: it says "this patient has had unsafe chatbot advice of this kind". */
export function buildFlag(urls: VigilUrls, patientId: string, category: RiskCategory): Flag {
  return {
    resourceType: 'Flag',
    identifier: [{ system: urls.flagId, value: `${patientId}|${category}` }],
    status: 'active',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'safety', display: 'Safety' }] }],
    code: { coding: [riskCoding(urls, category)], text: `Unsafe chatbot advice: ${DISPLAY[category].toLowerCase()}` },
    subject: { reference: `Patient/${patientId}` },
    period: { start: new Date().toISOString() },
    author: { display: 'Vigil chatbot safety monitor' },
  };
}

export interface ReviewedFinding {
  finding: Finding;
  explanation: Explanation;
  detectedIssue: string;
}

/** The clinician's work item: review this chatbot message, with what was found and why. */
export function buildTask(urls: VigilUrls, patientId: string, focus: string, reviewed: ReviewedFinding[], overall: Severity): Task {
  const input: TaskInput[] = reviewed.flatMap(({ finding, explanation, detectedIssue }) => [
    { type: { coding: [riskCoding(urls, finding.category)], text: 'explanation' }, valueString: explanation.text },
    { type: { coding: [riskCoding(urls, finding.category)], text: 'detected-issue' }, valueReference: { reference: detectedIssue } },
    ...explanation.citations.map((c) => ({
      type: { coding: [riskCoding(urls, finding.category)], text: 'citation' },
      valueString: `${c.title} (${c.issuer}), "${c.section}": ${c.url}`,
    })),
  ]);
  const categories = [...new Set(reviewed.map((r) => DISPLAY[r.finding.category].toLowerCase()))];
  return {
    resourceType: 'Task',
    identifier: [{ system: urls.taskId, value: focus }],
    status: 'requested',
    intent: 'order',
    priority: TASK_PRIORITY[overall],
    code: { text: 'Review chatbot message' },
    description: `Review this chatbot conversation: ${categories.join(', ')} (${overall}).`,
    focus: { reference: focus },
    for: { reference: `Patient/${patientId}` },
    authoredOn: new Date().toISOString(),
    input,
  };
}

export function buildRiskAssessment(
  urls: VigilUrls,
  patientId: string,
  analysed: string,
  basis: string[],
  assessment: Assessment,
  opinion: Pick<MergedOpinion, 'method' | 'disagreements'> = { method: 'rules', disagreements: [] },
): RiskAssessment {
  return {
    resourceType: 'RiskAssessment',
    identifier: [{ system: urls.assessmentId, value: analysed }],
    status: 'final',
    subject: { reference: `Patient/${patientId}` },
    occurrenceDateTime: new Date().toISOString(),
    method: { coding: [{ system: urls.analysisMethod, code: opinion.method.startsWith('rules+llm') ? 'rules+llm' : 'rules', display: opinion.method }] },
    basis: basis.map((reference) => ({ reference })),
    prediction: RISK_CATEGORIES.map((category) => ({
      outcome: { coding: [riskCoding(urls, category)] },
      probabilityDecimal: assessment.probability[category],
    })),
    extension: [
      { url: urls.severityExtension, valueCode: assessment.overall },
      ...opinion.disagreements.map((d) => ({
        url: urls.disagreementExtension,
        extension: [
          { url: 'category', valueCoding: riskCoding(urls, d.category) },
          { url: 'foundBy', valueCode: d.foundBy },
        ],
      })),
    ],
    note: assessment.findings.map((f) => ({ text: `${f.category} (${f.severity}, ${f.detectedBy === 'rules' ? f.rule : f.detectedBy}): ${f.summary}` })),
  };
}
