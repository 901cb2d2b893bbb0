import crypto from 'node:crypto';
import type { Bundle, Communication, DetectedIssue, Extension, RiskAssessment } from '@medplum/fhirtypes';
import { RISK_CATEGORIES, type RiskCategory, type Severity } from '../src/clinical/types';
import type { EvalCase, Flagged } from './eval-runner';

/** One HTTP call against a running Vigil: supertest in jest, fetch over a socket in `npm run eval:api`. */
export type FhirCall = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

/** What came back for one case through the FHIR API: the findings, or why the case could not be posted. */
export type Replayed = { flagged: Flagged[] } | { rejected: string };

const SYSTEM = 'urn:vigil:eval-replay';

/**
 * Posts a labelled case the way an EHR and a chatbot platform would (the chart as a transaction,
 * then the patient message, then the reply in response to it; or all three in one transaction), waits for both RiskAssessments and
 * reads the DetectedIssues back. Chart ids are prefixed with the case id so cases cannot collide in
 * one server; the findings are mapped back to the case's own ids and message names so they score
 * exactly as `flagsFor` results do.
 */
export async function replayCase(call: FhirCall, c: EvalCase, options: { oneTransaction?: boolean; timeoutMs?: number } = {}): Promise<Replayed> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const patient = c.context.find((r) => r.resourceType === 'Patient');
  const patientId = patient?.id ?? c.id;
  const ids = new Map<string, string>();
  for (const r of c.context) ids.set(`${r.resourceType}/${r.id}`, r.resourceType === 'Patient' ? r.id ?? c.id : `${c.id}-${r.id}`);
  const context = c.context.map((r) => renameReferences(structuredClone(r), ids));
  for (const r of context) r.id = ids.get(`${r.resourceType}/${r.id}`) ?? r.id;

  const sent = Date.parse('2026-11-24T12:00:00Z');
  const question = message(patientId, `${c.id}-patient`, c.patient, new Date(sent));
  const reply = c.bot ? { ...message(patientId, `${c.id}-bot`, c.bot, new Date(sent + 1000)), sender: { reference: 'Device/chatbot' } } : undefined;
  const chart = context.map((resource) => ({ resource, request: { method: 'PUT' as const, url: `${resource.resourceType}/${resource.id}` } }));
  const messages = new Map<string, string>();

  if (options.oneTransaction) {
    // The chart and both messages in one transaction, the reply answering the question by its urn:uuid.
    const questionUrl = `urn:uuid:${crypto.randomUUID()}`;
    const loaded = await call('POST', '/fhir/R4', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        ...chart,
        { fullUrl: questionUrl, resource: question, request: { method: 'POST', url: 'Communication' } },
        ...(reply ? [{ resource: { ...reply, inResponseTo: [{ reference: questionUrl }] }, request: { method: 'POST' as const, url: 'Communication' } }] : []),
      ],
    } satisfies Bundle);
    if (loaded.status !== 200) return { rejected: `transaction: ${loaded.status} ${issueText(loaded.body)}` };
    const locations = ((loaded.body as Bundle).entry ?? []).slice(chart.length).map((e) => e.response?.location?.replace(/\/_history\/.*$/, '') ?? '');
    messages.set(locations[0], `Communication/${c.id}-patient`);
    if (reply) messages.set(locations[1], `Communication/${c.id}-bot`);
  } else {
    const loaded = await call('POST', '/fhir/R4', { resourceType: 'Bundle', type: 'transaction', entry: chart } satisfies Bundle);
    if (loaded.status !== 200) return { rejected: `chart: ${loaded.status} ${issueText(loaded.body)}` };
    const posted = await call('POST', '/fhir/R4/Communication', question);
    if (posted.status !== 201) return { rejected: `patient message: ${posted.status} ${issueText(posted.body)}` };
    const questionRef = `Communication/${(posted.body as Communication).id}`;
    messages.set(questionRef, `Communication/${c.id}-patient`);
    if (reply) {
      const answered = await call('POST', '/fhir/R4/Communication', { ...reply, inResponseTo: [{ reference: questionRef }] });
      if (answered.status !== 201) return { rejected: `reply: ${answered.status} ${issueText(answered.body)}` };
      messages.set(`Communication/${(answered.body as Communication).id}`, `Communication/${c.id}-bot`);
    }
  }
  for (const analysed of messages.keys()) await assessed(call, analysed, timeoutMs);

  const found = await call('GET', `/fhir/R4/DetectedIssue?patient=${encodeURIComponent(patientId)}&_count=100`);
  const back = new Map([...ids].map(([original, renamed]) => [`${original.split('/')[0]}/${renamed}`, original]));
  const issues = ((found.body as Bundle).entry ?? []).map((e) => e.resource as DetectedIssue);
  return { flagged: issues.map((issue) => toFlagged(issue, back, messages)) };
}

function message(patientId: string, value: string, text: string, sent: Date): Communication {
  return {
    resourceType: 'Communication',
    status: 'completed',
    identifier: [{ system: SYSTEM, value }],
    subject: { reference: `Patient/${patientId}` },
    sender: { reference: `Patient/${patientId}` },
    sent: sent.toISOString(),
    payload: [{ contentString: text }],
  };
}

async function assessed(call: FhirCall, communication: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('GET', `/fhir/R4/RiskAssessment?basis=${communication}`);
    const done = ((res.body as Bundle).entry ?? []).some((e) => (e.resource as RiskAssessment).identifier?.[0]?.value === communication);
    if (done) return;
    if (Date.now() > deadline) throw new Error(`no RiskAssessment for ${communication} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function toFlagged(issue: DetectedIssue, chartIds: Map<string, string>, messages: Map<string, string>): Flagged {
  const code = issue.code?.coding?.[0]?.code as RiskCategory;
  if (!RISK_CATEGORIES.includes(code)) throw new Error(`DetectedIssue/${issue.id} has no chat-risk code`);
  const extension = (url: string) => issue.extension?.find((e) => e.url.endsWith(url));
  const implicated = (issue.implicated ?? []).map((r) => chartIds.get(r.reference ?? '') ?? r.reference ?? '');
  return {
    category: code,
    severity: (extension('risk-severity')?.valueCode ?? issue.severity) as Severity,
    rule: extension('detected-by')?.valueString ?? 'unknown',
    conflictsWith: implicated[0],
    alsoImplicated: implicated.slice(1),
    evidence: (issue.evidence ?? []).map((e) => {
      const span = (name: string) => e.extension?.[0]?.extension?.find((x: Extension) => x.url === name);
      const reference = e.detail?.[0]?.reference ?? '';
      return { message: messages.get(reference) ?? reference, start: span('start')?.valueInteger ?? 0, end: span('end')?.valueInteger ?? 0, text: span('text')?.valueString ?? '' };
    }),
  };
}

function renameReferences<T>(value: T, ids: Map<string, string>): T {
  if (Array.isArray(value)) return value.map((v) => renameReferences(v, ids)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === 'reference' && typeof v === 'string' && ids.has(v)) {
        const [type] = v.split('/');
        out[key] = `${type}/${ids.get(v)}`;
      } else out[key] = renameReferences(v, ids);
    }
    return out as T;
  }
  return value;
}

function issueText(body: unknown): string {
  const outcome = body as { issue?: { diagnostics?: string; details?: { text?: string } }[] };
  return (outcome.issue ?? []).map((i) => i.diagnostics ?? i.details?.text ?? '').join('; ').slice(0, 300);
}
