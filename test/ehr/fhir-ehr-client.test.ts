import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Communication, DetectedIssue, Flag, Task } from '@medplum/fhirtypes';
import { FhirEhrClient } from '../../src/ehr/fhir-ehr-client';
import { allergy, botReply, contextTransaction, FHIR_JSON, medication, patient, patientMessage } from '../support/fhir-builders';
import { startVigil, waitFor, WRITER_KEY, type TestVigil } from '../support/test-vigil';

/**
 * The HTTP EhrClient adapter against a real FHIR server over a real socket: a second Vigil,
 * on the embedded EHR, plays the hospital's EHR.
 */
let ehr: TestVigil;
let ehrServer: http.Server;
let ehrUrl: string;
let vigil: TestVigil;

beforeAll(async () => {
  ehr = await startVigil();
  ehrServer = http.createServer(ehr.services.app);
  await new Promise<void>((resolve) => ehrServer.listen(0, '127.0.0.1', resolve));
  ehrUrl = `http://127.0.0.1:${(ehrServer.address() as AddressInfo).port}/fhir/R4`;
  vigil = await startVigil({ EHR_FHIR_URL: ehrUrl, EHR_BEARER_TOKEN: WRITER_KEY, EHR_CACHE_TTL_SECONDS: '0' });
});

afterAll(async () => {
  await vigil?.close();
  await new Promise((resolve) => ehrServer?.close(resolve));
  await ehr?.close();
});

const loadIntoEhr = async (bundle: Bundle) => {
  const res = await ehr.api.post('/fhir/R4').set(ehr.auth).set('Content-Type', FHIR_JSON).send(JSON.stringify(bundle));
  expect(res.status).toBe(200);
};

test('reads patient context from the EHR, honouring only active entries', async () => {
  await loadIntoEhr(
    contextTransaction([
      patient('ehr-1'),
      allergy('ehr-1-a', 'ehr-1', 'Penicillin'),
      medication('ehr-1-m1', 'ehr-1', 'Warfarin 5 mg'),
      medication('ehr-1-m2', 'ehr-1', 'Metformin 500 mg', 'stopped'),
    ]),
  );
  const client = new FhirEhrClient({ baseUrl: ehrUrl, bearerToken: WRITER_KEY, timeoutMs: 5000 });
  const context = await client.patientContext('ehr-1');
  expect(context.patient?.id).toBe('ehr-1');
  expect(context.allergies.map((a) => a.id)).toEqual(['ehr-1-a']);
  expect(context.medications.map((m) => m.id).sort()).toEqual(['ehr-1-m1', 'ehr-1-m2']);
});

test('writes conditionally: the same identifier twice is one resource in the EHR', async () => {
  const client = new FhirEhrClient({ baseUrl: ehrUrl, bearerToken: WRITER_KEY, timeoutMs: 5000 });
  const flag: Flag = {
    resourceType: 'Flag',
    identifier: [{ system: 'urn:test:flag', value: 'once' }],
    status: 'active',
    code: { text: 'test flag' },
    subject: { reference: 'Patient/ehr-1' },
  };
  const first = await client.upsert(flag, { system: 'urn:test:flag', value: 'once' });
  const second = await client.upsert(flag, { system: 'urn:test:flag', value: 'once' });
  expect(second.id).toBe(first.id);
  const found = (await ehr.api.get('/fhir/R4/Flag?identifier=urn:test:flag|once').set(ehr.auth)).body as Bundle;
  expect(found.total).toBe(1);
});

test('a rejected token surfaces as an error, not as an empty chart', async () => {
  const client = new FhirEhrClient({ baseUrl: ehrUrl, bearerToken: 'wrong-token-wrong-token', timeoutMs: 5000 });
  await expect(client.patientContext('ehr-1')).rejects.toThrow();
});

test('a Vigil pointed at the EHR writes its DetectedIssue, Flag and Task there', async () => {
  await loadIntoEhr(contextTransaction([patient('ehr-2'), allergy('ehr-2-a', 'ehr-2', 'Penicillin allergy (hives)')]));
  const post = async (c: Communication) => {
    const res = await vigil.api.post('/fhir/R4/Communication').set(vigil.auth).set('Content-Type', FHIR_JSON).send(JSON.stringify(c));
    expect(res.status).toBe(201);
    return res.body as Communication;
  };
  const question = await post(patientMessage('ehr-2', 'My ear hurts and I have a temperature.'));
  const reply = await post(botReply('ehr-2', `Communication/${question.id}`, 'Ear infections are often treated with amoxicillin; ask for a prescription.'));

  const tasks = await waitFor(async () => {
    const bundle = (await ehr.api.get('/fhir/R4/Task?patient=ehr-2').set(ehr.auth)).body as Bundle;
    return bundle.total ? (bundle.entry ?? []).map((e) => e.resource as Task) : undefined;
  }, 20_000, 'Task in the EHR');
  expect(tasks).toHaveLength(1);
  expect(tasks[0].focus?.reference).toBe(`Communication/${reply.id}`);
  const issues = ((await ehr.api.get('/fhir/R4/DetectedIssue?patient=ehr-2').set(ehr.auth)).body as Bundle).entry?.map((e) => e.resource as DetectedIssue);
  expect(issues?.map((i) => i.implicated?.[0]?.reference)).toEqual(['AllergyIntolerance/ehr-2-a']);
  expect(((await ehr.api.get('/fhir/R4/Flag?patient=ehr-2').set(ehr.auth)).body as Bundle).total).toBe(1);
  // Vigil's own store holds the assessment; the clinician's resources live only in the EHR.
  expect(((await vigil.api.get('/fhir/R4/DetectedIssue?patient=ehr-2').set(vigil.auth)).body as Bundle).total).toBe(0);
  const assessments = await waitFor(async () => {
    const total = ((await vigil.api.get(`/fhir/R4/RiskAssessment?basis=Communication/${reply.id}`).set(vigil.auth)).body as Bundle).total;
    return total ? total : undefined;
  }, 10_000, 'RiskAssessment in Vigil');
  expect(assessments).toBe(1);
});

test('with a remote EHR, patient context is not accepted by Vigil itself', async () => {
  const res = await vigil.api.put('/fhir/R4/Patient/x').set(vigil.auth).set('Content-Type', FHIR_JSON).send(JSON.stringify(patient('x')));
  expect(res.status).toBe(405);
});
