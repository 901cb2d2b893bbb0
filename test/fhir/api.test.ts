import type { Bundle, CapabilityStatement, Communication, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { allergy, botReply, contextTransaction, FHIR_JSON, patient, patientMessage } from '../support/fhir-builders';
import { READER_KEY, startVigil, type TestVigil } from '../support/test-vigil';

let vigil: TestVigil;

beforeAll(async () => {
  vigil = await startVigil();
});

afterAll(async () => {
  await vigil?.close();
});

const postJson = (path: string, body: string, headers: Record<string, string> = {}) =>
  vigil.api.post(path).set(vigil.auth).set('Content-Type', FHIR_JSON).set(headers).send(body);

function expectOutcome(res: { status: number; body: unknown; headers: Record<string, string> }, status: number, text?: RegExp, expression?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].severity).toBe('error');
  if (text) expect(JSON.stringify(outcome.issue)).toMatch(text);
  if (expression) expect(outcome.issue.flatMap((i) => i.expression ?? [])).toContain(expression);
  return outcome;
}

const countRows = async (type: string) =>
  Number((await vigil.services.db.query<{ n: string | number }>('SELECT count(*) AS n FROM resources WHERE resource_type = $1', [type])).rows[0].n);

describe('authentication and authorization', () => {
  test('no token gets 401 with an OperationOutcome and a WWW-Authenticate challenge', async () => {
    const res = await vigil.api.get('/fhir/R4/metadata');
    expectOutcome(res, 401, /bearer token/i);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test('a wrong token gets 401', async () => {
    expectOutcome(await vigil.api.get('/fhir/R4/Communication').set('Authorization', 'Bearer not-a-real-key-at-all'), 401);
  });

  test('a read-only key may search but not write (403)', async () => {
    const reader = { Authorization: `Bearer ${READER_KEY}` };
    expect((await vigil.api.get('/fhir/R4/Communication').set(reader)).status).toBe(200);
    const res = await vigil.api.post('/fhir/R4/Communication').set(reader).set('Content-Type', FHIR_JSON).send(JSON.stringify(patientMessage('x', 'hi')));
    expectOutcome(res, 403, /read/);
  });

  test('health check answers without a key and reveals nothing', async () => {
    const res = await vigil.api.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('bad input gets a clear OperationOutcome and writes nothing', () => {
  test('broken JSON is 400', async () => {
    expectOutcome(await postJson('/fhir/R4/Communication', '{"resourceType": "Communication", '), 400, /not valid JSON/);
  });

  test('a resource of the wrong type is 400', async () => {
    expectOutcome(await postJson('/fhir/R4/Communication', JSON.stringify(patient('p-wrong'))), 400, /Expected a Communication/);
  });

  test('a chat message without subject is 400 naming the path', async () => {
    const message = patientMessage('p-1', 'hello');
    delete message.subject;
    expectOutcome(await postJson('/fhir/R4/Communication', JSON.stringify(message)), 400, undefined, 'Communication.subject');
  });

  test('a chat message without payload text or sent time is 400', async () => {
    const message = patientMessage('p-1', 'hello');
    delete message.sent;
    expectOutcome(await postJson('/fhir/R4/Communication', JSON.stringify(message)), 400, undefined, 'Communication.sent');
  });

  test('a 5 MB body is 413', async () => {
    const big = patientMessage('p-1', 'x'.repeat(5 * 1024 * 1024));
    expectOutcome(await postJson('/fhir/R4/Communication', JSON.stringify(big)), 413, /exceeds/);
  });

  test('a body that is not JSON is 415', async () => {
    const res = await vigil.api.post('/fhir/R4/Communication').set(vigil.auth).set('Content-Type', 'text/plain').send('hello');
    expectOutcome(res, 415, /Content-Type/);
  });

  test('an unknown resource type is 404 and an unknown id is 404', async () => {
    expectOutcome(await vigil.api.get('/fhir/R4/Spaceship').set(vigil.auth), 404, /not supported/);
    expectOutcome(await vigil.api.get('/fhir/R4/Communication/does-not-exist').set(vigil.auth), 404, /not found/);
  });

  test('a reply to a message Vigil never saw is 422', async () => {
    const before = await countRows('Communication');
    const reply = botReply('p-1', 'Communication/never-logged', 'Take some rest.');
    expectOutcome(await postJson('/fhir/R4/Communication', JSON.stringify(reply)), 422, /post the patient message first/, 'Communication.inResponseTo[0]');
    expect(await countRows('Communication')).toBe(before);
  });

  test('reusing a message identifier for different text is 409', async () => {
    const message = patientMessage('p-409', 'first text');
    expect((await postJson('/fhir/R4/Communication', JSON.stringify(message))).status).toBe(201);
    const changed = { ...message, payload: [{ contentString: 'different text' }] };
    expectOutcome(await postJson('/fhir/R4/Communication', JSON.stringify(changed)), 409, /already exists/);
  });

  test('Communication cannot be updated in place (405)', async () => {
    const res = await vigil.api.put('/fhir/R4/Communication/abc').set(vigil.auth).set('Content-Type', FHIR_JSON).send(JSON.stringify({ ...patientMessage('p-1', 'x'), id: 'abc' }));
    expectOutcome(res, 405, /immutable/);
  });

  test('an unknown search parameter is 400 rather than returning everyone', async () => {
    expectOutcome(await vigil.api.get('/fhir/R4/Communication?pateint=p-1').set(vigil.auth), 400, /Unknown search parameter pateint/);
  });

  test('an unexpected failure is a 500 that reveals no internals', async () => {
    const original = vigil.services.repo.read.bind(vigil.services.repo);
    vigil.services.repo.read = () => Promise.reject(new Error('secret connection string postgres://admin:pw@db'));
    try {
      const res = await vigil.api.get('/fhir/R4/Patient/any').set(vigil.auth);
      expectOutcome(res, 500, /Internal server error/);
      expect(JSON.stringify(res.body)).not.toMatch(/postgres|secret/);
    } finally {
      vigil.services.repo.read = original;
    }
  });
});

describe('bundles', () => {
  test('a transaction with one invalid entry writes nothing at all', async () => {
    const jobTotal = async () => Object.values(await vigil.services.jobs.counts()).reduce((a, b) => a + b, 0);
    const before = { patients: await countRows('Patient'), comms: await countRows('Communication'), jobs: await jobTotal() };
    const bad = patientMessage('tx-1', 'hello');
    delete bad.sent;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient('tx-1'), request: { method: 'PUT', url: 'Patient/tx-1' } },
        { resource: patientMessage('tx-1', 'first message'), request: { method: 'POST', url: 'Communication' } },
        { resource: bad, request: { method: 'POST', url: 'Communication' } },
      ],
    };
    expectOutcome(await postJson('/fhir/R4', JSON.stringify(bundle)), 400, undefined, 'Bundle.entry[2].resource.sent');
    expect(await countRows('Patient')).toBe(before.patients);
    expect(await countRows('Communication')).toBe(before.comms);
    expect(await jobTotal()).toBe(before.jobs);
  });

  test('a transaction resolves urn:uuid references between its entries', async () => {
    const question = patientMessage('tx-2', 'Can I take something for a cold?');
    const reply = botReply('tx-2', 'urn:uuid:6d3f1c1e-0000-4000-8000-000000000001', 'Rest and fluids help most.');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient('tx-2'), request: { method: 'PUT', url: 'Patient/tx-2' } },
        { fullUrl: 'urn:uuid:6d3f1c1e-0000-4000-8000-000000000001', resource: question, request: { method: 'POST', url: 'Communication' } },
        { resource: reply, request: { method: 'POST', url: 'Communication' } },
      ],
    };
    const res = await postJson('/fhir/R4', JSON.stringify(bundle));
    expect(res.status).toBe(200);
    const response = res.body as Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    const questionId = (response.entry?.[1]?.resource as Communication).id;
    expect((response.entry?.[2]?.resource as Communication).inResponseTo?.[0]?.reference).toBe(`Communication/${questionId}`);
  });

  test('a batch commits good entries and reports each bad one', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: patient('batch-1'), request: { method: 'PUT', url: 'Patient/batch-1' } },
        { resource: { resourceType: 'Patient', id: 'batch-2', birthDate: 'not-a-date' } as Patient, request: { method: 'PUT', url: 'Patient/batch-2' } },
      ],
    };
    const res = await postJson('/fhir/R4', JSON.stringify(bundle));
    expect(res.status).toBe(200);
    const entries = (res.body as Bundle).entry ?? [];
    expect(entries[0].response?.status).toBe('201 Created');
    expect(entries[1].response?.status).toBe('400');
    expect(entries[1].response?.outcome?.resourceType).toBe('OperationOutcome');
    expect((await vigil.api.get('/fhir/R4/Patient/batch-1').set(vigil.auth)).status).toBe(200);
    expect((await vigil.api.get('/fhir/R4/Patient/batch-2').set(vigil.auth)).status).toBe(404);
  });

  test('a Bundle of another type is 400', async () => {
    expectOutcome(await postJson('/fhir/R4', JSON.stringify({ resourceType: 'Bundle', type: 'collection' })), 400, /batch or transaction/);
  });

  test('PUT with a client id creates, then updates with a new version', async () => {
    const first = await vigil.api.put('/fhir/R4/Patient/put-1').set(vigil.auth).set('Content-Type', FHIR_JSON).send(JSON.stringify(patient('put-1')));
    expect(first.status).toBe(201);
    const second = await vigil.api.put('/fhir/R4/Patient/put-1').set(vigil.auth).set('Content-Type', FHIR_JSON).send(JSON.stringify(patient('put-1', { gender: 'male' })));
    expect(second.status).toBe(200);
    expect((second.body as Patient).meta?.versionId).toBe('2');
    expect(((await vigil.api.get('/fhir/R4/Patient/put-1').set(vigil.auth)).body as Patient).gender).toBe('male');
  });
});

describe('search', () => {
  beforeAll(async () => {
    const entries = [patient('s-1'), ...Array.from({ length: 5 }, (_, i) => allergy(`s-1-a${i}`, 's-1', `Allergy ${i}`)), allergy('s-1-old', 's-1', 'Old', { clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'resolved' }] } })];
    expect((await postJson('/fhir/R4', JSON.stringify(contextTransaction(entries)))).status).toBe(200);
  });

  test('by patient, with _count paging through next links', async () => {
    const first = await vigil.api.get('/fhir/R4/AllergyIntolerance?patient=Patient/s-1&_count=4').set(vigil.auth);
    expect(first.status).toBe(200);
    const page1 = first.body as Bundle;
    expect(page1.total).toBe(6);
    expect(page1.entry).toHaveLength(4);
    const next = page1.link?.find((l) => l.relation === 'next')?.url as string;
    expect(next).toMatch(/_offset=4/);
    const page2 = (await vigil.api.get(new URL(next).pathname + new URL(next).search).set(vigil.auth)).body as Bundle;
    expect(page2.entry).toHaveLength(2);
    expect(page2.link?.find((l) => l.relation === 'next')).toBeUndefined();
    const ids = [...(page1.entry ?? []), ...(page2.entry ?? [])].map((e) => e.resource?.id);
    expect(new Set(ids).size).toBe(6);
  });

  test('by status and _lastUpdated', async () => {
    const resolved = (await vigil.api.get('/fhir/R4/AllergyIntolerance?patient=s-1&clinical-status=resolved').set(vigil.auth)).body as Bundle;
    expect(resolved.entry?.map((e) => e.resource?.id)).toEqual(['s-1-old']);
    const future = (await vigil.api.get(`/fhir/R4/AllergyIntolerance?patient=s-1&_lastUpdated=gt${new Date(Date.now() + 60_000).toISOString()}`).set(vigil.auth)).body as Bundle;
    expect(future.total).toBe(0);
    const past = (await vigil.api.get('/fhir/R4/AllergyIntolerance?patient=s-1&_lastUpdated=ge2020-01-01').set(vigil.auth)).body as Bundle;
    expect(past.total).toBe(6);
  });

  test('another patient sees none of them', async () => {
    const other = (await vigil.api.get('/fhir/R4/AllergyIntolerance?patient=someone-else').set(vigil.auth)).body as Bundle;
    expect(other.total).toBe(0);
  });

  test('every read and search is audited', async () => {
    await vigil.api.get('/fhir/R4/Patient/s-1').set(vigil.auth);
    const audits = (await vigil.api.get('/fhir/R4/AuditEvent?patient=s-1&_count=100').set(vigil.auth)).body as Bundle;
    const subtypes = audits.entry?.map((e) => (e.resource as { subtype?: { code?: string }[] }).subtype?.[0]?.code);
    expect(subtypes).toEqual(expect.arrayContaining(['read', 'search-type', 'transaction']));
  });
});

describe('storage', () => {
  test('message text is encrypted at rest and readable through the API', async () => {
    const secretText = 'my very private symptom description 7f3a';
    const res = await postJson('/fhir/R4/Communication', JSON.stringify(patientMessage('enc-1', secretText)));
    expect(res.status).toBe(201);
    const row = (await vigil.services.db.query<{ content: unknown; sealed: string }>(
      "SELECT content, sealed FROM resources WHERE resource_type = 'Communication' AND id = $1",
      [(res.body as Communication).id],
    )).rows[0];
    expect(JSON.stringify(row.content)).not.toContain('private symptom');
    expect(row.sealed).not.toContain('private symptom');
    expect(row.sealed).toMatch(/^v1\./);
    const read = await vigil.api.get(`/fhir/R4/Communication/${(res.body as Communication).id}`).set(vigil.auth);
    expect((read.body as Communication).payload?.[0]?.contentString).toBe(secretText);
  });
});

describe('metadata', () => {
  test('the CapabilityStatement lists the supported types, interactions and search parameters', async () => {
    const res = await vigil.api.get('/fhir/R4/metadata').set(vigil.auth);
    expect(res.status).toBe(200);
    const cs = res.body as CapabilityStatement;
    expect(cs.fhirVersion).toBe('4.0.1');
    const types = cs.rest?.[0]?.resource?.map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['Communication', 'DetectedIssue', 'Flag', 'Task', 'RiskAssessment', 'AuditEvent', 'Patient', 'AllergyIntolerance']));
    const comm = cs.rest?.[0]?.resource?.find((r) => r.type === 'Communication');
    expect(comm?.interaction?.map((i) => i.code).sort()).toEqual(['create', 'read', 'search-type']);
    expect(comm?.searchParam?.map((p) => p.name)).toEqual(expect.arrayContaining(['patient', 'status', '_lastUpdated', '_count']));
    const audit = cs.rest?.[0]?.resource?.find((r) => r.type === 'AuditEvent');
    expect(audit?.interaction?.map((i) => i.code)).not.toContain('create');
  });
});
