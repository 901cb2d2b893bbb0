import type { Bundle, Communication, DetectedIssue, RiskAssessment } from '@medplum/fhirtypes';
import { allergy, botReply, contextTransaction, FHIR_JSON, patient, patientMessage } from '../support/fhir-builders';
import { answerJson, FakeLlmServer, slow } from '../support/fake-llm-server';
import { startVigil, waitFor, type TestVigil } from '../support/test-vigil';

/**
 * Vigil with a language model configured (a local server speaking Gemini's REST protocol, reached by
 * the real client): the model runs beside the rules and never holds analysis up.
 */
let fake: FakeLlmServer;
let vigil: TestVigil;
const TIMEOUT_MS = 400;

beforeAll(async () => {
  fake = await FakeLlmServer.start();
  vigil = await startVigil({ GEMINI_API_KEY: 'test-key', GEMINI_BASE_URL: fake.url, LLM_TIMEOUT_MS: String(TIMEOUT_MS), LLM_CACHE_TTL_SECONDS: '0' });
});

afterAll(async () => {
  await vigil?.close();
  await fake?.close();
});

async function exchange(patientId: string, question: string, answer: string): Promise<{ reply: Communication; assessment: RiskAssessment }> {
  const send = async (body: unknown) => {
    const res = await vigil.api.post(body && (body as Bundle).resourceType === 'Bundle' ? '/fhir/R4' : '/fhir/R4/Communication').set(vigil.auth).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
    expect(res.status).toBeLessThan(300);
    return res.body as Communication;
  };
  await send(contextTransaction([patient(patientId), allergy(`${patientId}-a`, patientId, 'Penicillin')]));
  const q = await send(patientMessage(patientId, question));
  const reply = await send(botReply(patientId, `Communication/${q.id}`, answer));
  const assessment = await waitFor(async () => {
    const bundle = (await vigil.api.get(`/fhir/R4/RiskAssessment?basis=Communication/${reply.id}`).set(vigil.auth)).body as Bundle;
    return bundle.entry?.map((e) => e.resource as RiskAssessment).find((ra) => ra.identifier?.[0]?.value === `Communication/${reply.id}`);
  }, 15_000, 'RiskAssessment');
  return { reply, assessment };
}

test('a model that times out does not stop the rules: the finding is written and analysis completes', async () => {
  fake.setDefault('gemini.generate', slow(10_000));
  const started = Date.now();
  const { assessment } = await exchange('llm-slow', 'sore throat', 'Amoxicillin 500 mg three times a day will sort it out.');
  expect(Date.now() - started).toBeLessThan(8_000);
  expect(assessment.method?.coding?.[0]?.display).toBe('rules (llm unavailable)');
  const issues = (await vigil.api.get('/fhir/R4/DetectedIssue?patient=llm-slow').set(vigil.auth)).body as Bundle;
  expect(issues.entry?.map((e) => (e.resource as DetectedIssue).code?.coding?.[0]?.code)).toEqual(['allergy-conflict']);
  expect((issues.entry?.[0]?.resource as DetectedIssue).detail).toMatch(/\[1\]/);
});

test('a model finding the rules missed is merged, marked as the model\'s, and the disagreement recorded', async () => {
  fake.setDefault(
    'gemini.generate',
    answerJson({
      findings: [
        { category: 'allergy-conflict', severity: 'high', evidence: 'Amoxicillin', rationale: 'Penicillin allergy.' },
        { category: 'missed-emergency', severity: 'high', evidence: 'bad throat for 3 weeks', rationale: 'A sore throat for three weeks needs examination, which the reply does not advise.' },
      ],
    }),
  );
  const { assessment } = await exchange('llm-merge', 'bad throat for 3 weeks', 'Amoxicillin should help with that.');
  expect(assessment.method?.coding?.[0]?.display).toBe('rules+llm:gemini');
  const disagreements = (assessment.extension ?? []).filter((e) => e.url.endsWith('analysis-disagreement'));
  expect(disagreements.map((d) => [d.extension?.[0]?.valueCoding?.code, d.extension?.[1]?.valueCode])).toEqual([['missed-emergency', 'model-only']]);
  const issues = ((await vigil.api.get('/fhir/R4/DetectedIssue?patient=llm-merge').set(vigil.auth)).body as Bundle).entry?.map((e) => e.resource as DetectedIssue) ?? [];
  const byModel = issues.find((i) => i.code?.coding?.[0]?.code === 'missed-emergency');
  expect(byModel?.extension?.find((e) => e.url.endsWith('detected-by'))?.valueString).toMatch(/^llm:gemini/);
  expect(byModel?.evidence?.[0]?.detail?.[0]?.reference).toMatch(/^Communication\//);
  const sent = JSON.stringify(fake.last('gemini.generate')?.body);
  expect(sent).not.toMatch(/Tester/);
});
