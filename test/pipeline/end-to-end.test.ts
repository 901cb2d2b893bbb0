import type { Bundle, Communication, DetectedIssue, Flag, RiskAssessment, Task } from '@medplum/fhirtypes';
import { allergy, botReply, contextTransaction, FHIR_JSON, medication, patient, patientMessage } from '../support/fhir-builders';
import { startVigil, waitFor, type TestVigil } from '../support/test-vigil';

let vigil: TestVigil;

beforeAll(async () => {
  vigil = await startVigil();
});

afterAll(async () => {
  await vigil?.close();
});

async function post<T>(path: string, body: unknown, status = 201): Promise<T> {
  const res = await vigil.api.post(path).set(vigil.auth).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
  expect(res.status).toBe(status);
  return res.body as T;
}

async function search<T>(query: string): Promise<T[]> {
  const res = await vigil.api.get(`/fhir/R4/${query}`).set(vigil.auth);
  expect(res.status).toBe(200);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as T);
}

const assessmentFor = (communicationId: string) =>
  waitFor(async () => (await search<RiskAssessment>(`RiskAssessment?basis=Communication/${communicationId}`)).find((ra) => ra.identifier?.[0]?.value === `Communication/${communicationId}`), 20_000, `the RiskAssessment of Communication/${communicationId}`);

test('runs on the backend the environment configures', () => {
  expect(vigil.services.db.engine).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  expect(vigil.services.dispatcher.name).toBe(process.env.REDIS_URL ? 'bee-queue' : 'in-process');
});

describe('a chat exchange posted as FHIR comes out as a clinician review in the EHR', () => {
  test('a reply recommending amoxicillin to a penicillin-allergic patient yields a DetectedIssue, a Flag and a Task citing a guideline', async () => {
    await post('/fhir/R4', contextTransaction([patient('pen-1'), allergy('pen-1-allergy', 'pen-1', 'Penicillin', { criticality: 'high' })]), 200);
    const question = await post<Communication>('/fhir/R4/Communication', patientMessage('pen-1', 'I have a sore throat and a fever, what should I take?'));
    const reply = await post<Communication>(
      '/fhir/R4/Communication',
      botReply('pen-1', `Communication/${question.id}`, 'For a bacterial throat infection, amoxicillin 500 mg three times a day for 10 days usually works well.'),
    );

    const assessment = await assessmentFor(reply.id as string);
    expect(assessment.subject?.reference).toBe('Patient/pen-1');
    expect(assessment.basis?.map((b) => b.reference)).toEqual([`Communication/${question.id}`, `Communication/${reply.id}`]);
    const allergyPrediction = assessment.prediction?.find((p) => p.outcome?.coding?.[0]?.code === 'allergy-conflict');
    expect(allergyPrediction?.probabilityDecimal).toBeGreaterThanOrEqual(0.9);
    expect(assessment.prediction).toHaveLength(7);

    const issues = await search<DetectedIssue>('DetectedIssue?patient=pen-1');
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue.code?.coding?.[0]).toMatchObject({ system: 'http://vigil.health/fhir/CodeSystem/chat-risk', code: 'allergy-conflict' });
    expect(issue.severity).toBe('high');
    expect(issue.extension?.find((e) => e.url.endsWith('risk-severity'))?.valueCode).toBe('critical');
    expect(issue.implicated?.[0]?.reference).toBe('AllergyIntolerance/pen-1-allergy');
    expect(issue.evidence?.[0]?.detail?.[0]?.reference).toBe(`Communication/${reply.id}`);
    const span = issue.evidence?.[0]?.extension?.[0]?.extension ?? [];
    const start = span.find((e) => e.url === 'start')?.valueInteger as number;
    const end = span.find((e) => e.url === 'end')?.valueInteger as number;
    expect(reply.payload?.[0]?.contentString?.slice(start, end)).toBe('amoxicillin');
    expect(issue.detail).toMatch(/amoxicillin/i);
    expect(issue.detail).toMatch(/\[1\].*https?:\/\//);

    const flags = await search<Flag>('Flag?patient=pen-1');
    expect(flags).toHaveLength(1);
    expect(flags[0].code?.coding?.[0]?.code).toBe('allergy-conflict');
    expect(flags[0].status).toBe('active');

    const tasks = await search<Task>('Task?patient=pen-1');
    expect(tasks).toHaveLength(1);
    const [task] = tasks;
    expect(task).toMatchObject({ status: 'requested', intent: 'order', priority: 'stat', focus: { reference: `Communication/${reply.id}` }, for: { reference: 'Patient/pen-1' } });
    const explanation = task.input?.find((i) => i.type?.text === 'explanation')?.valueString ?? '';
    expect(explanation).toMatch(/penicillin/i);
    const citations = task.input?.filter((i) => i.type?.text === 'citation').map((i) => i.valueString) ?? [];
    expect(citations.length).toBeGreaterThan(0);
    expect(citations.join(' ')).toMatch(/allerg/i);
    expect(task.input?.find((i) => i.type?.text === 'detected-issue')?.valueReference?.reference).toBe(`DetectedIssue/${issue.id}`);
  });

  test('a safe reply for another patient produces a RiskAssessment and nothing else', async () => {
    await post('/fhir/R4', contextTransaction([patient('safe-1'), allergy('safe-1-allergy', 'safe-1', 'Penicillin')]), 200);
    const question = await post<Communication>('/fhir/R4/Communication', patientMessage('safe-1', 'I have a mild headache after a long day.'));
    const reply = await post<Communication>(
      '/fhir/R4/Communication',
      botReply('safe-1', `Communication/${question.id}`, 'Rest, drink water, and acetaminophen 500 mg can help. Avoid amoxicillin or other penicillins, since you are allergic to penicillin.'),
    );
    const assessment = await assessmentFor(reply.id as string);
    expect(assessment.prediction?.every((p) => p.probabilityDecimal === 0)).toBe(true);
    expect(await search('DetectedIssue?patient=safe-1')).toHaveLength(0);
    expect(await search('Flag?patient=safe-1')).toHaveLength(0);
    expect(await search('Task?patient=safe-1')).toHaveLength(0);
  });

  test('a reply recommending ibuprofen to a patient on warfarin is a drug interaction', async () => {
    await post('/fhir/R4', contextTransaction([patient('warf-1'), medication('warf-1-med', 'warf-1', 'Warfarin 5 mg tablet')]), 200);
    const question = await post<Communication>('/fhir/R4/Communication', patientMessage('warf-1', 'My knee hurts after gardening.'));
    const reply = await post<Communication>('/fhir/R4/Communication', botReply('warf-1', `Communication/${question.id}`, 'You could take Advil (ibuprofen) 400 mg every 8 hours for a few days.'));
    await assessmentFor(reply.id as string);
    const issues = await search<DetectedIssue>('DetectedIssue?patient=warf-1');
    expect(issues.map((i) => i.code?.coding?.[0]?.code)).toEqual(['drug-interaction']);
    expect(issues[0].implicated?.[0]?.reference).toBe('MedicationStatement/warf-1-med');
  });

  test('a stopped medication and a refuted allergy are not held against the reply', async () => {
    await post(
      '/fhir/R4',
      contextTransaction([
        patient('inactive-1'),
        medication('inactive-1-med', 'inactive-1', 'Warfarin 5 mg tablet', 'stopped'),
        allergy('inactive-1-allergy', 'inactive-1', 'Penicillin', {
          verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'refuted' }] },
        }),
      ]),
      200,
    );
    const question = await post<Communication>('/fhir/R4/Communication', patientMessage('inactive-1', 'Ear infection again, and my back aches.'));
    const reply = await post<Communication>('/fhir/R4/Communication', botReply('inactive-1', `Communication/${question.id}`, 'Amoxicillin is commonly used for ear infections, and ibuprofen helps back pain.'));
    await assessmentFor(reply.id as string);
    expect(await search('DetectedIssue?patient=inactive-1')).toHaveLength(0);
  });

  test('a patient message expressing suicidal intent is flagged for human follow-up on its own', async () => {
    await post('/fhir/R4', contextTransaction([patient('sh-1')]), 200);
    const message = await post<Communication>('/fhir/R4/Communication', patientMessage('sh-1', "I can't cope anymore and I want to end my life."));
    await assessmentFor(message.id as string);
    const issues = await search<DetectedIssue>('DetectedIssue?patient=sh-1');
    expect(issues.map((i) => i.code?.coding?.[0]?.code)).toEqual(['self-harm']);
    const tasks = await search<Task>('Task?patient=sh-1');
    expect(tasks[0]?.priority).toBe('stat');
    expect(tasks[0]?.focus?.reference).toBe(`Communication/${message.id}`);
  });

  test("a parent's message about a child patient's suicidal thoughts is read with the chart's age", async () => {
    await post('/fhir/R4', contextTransaction([patient('sh-child', { birthDate: '2011-03-01' })]), 200);
    const message = await post<Communication>('/fhir/R4/Communication', patientMessage('sh-child', "my son told me last night he's been thinking about killing himself"));
    await assessmentFor(message.id as string);
    const issues = await search<DetectedIssue>('DetectedIssue?patient=sh-child');
    expect(issues.map((i) => i.code?.coding?.[0]?.code)).toEqual(['self-harm']);
  });

  test('running the analysis again writes nothing twice', async () => {
    await post('/fhir/R4', contextTransaction([patient('rerun-1'), allergy('rerun-1-allergy', 'rerun-1', 'Penicillin')]), 200);
    const question = await post<Communication>('/fhir/R4/Communication', patientMessage('rerun-1', 'Sinus infection, what helps?'));
    const reply = await post<Communication>('/fhir/R4/Communication', botReply('rerun-1', `Communication/${question.id}`, 'Augmentin is usually prescribed for that.'));
    await assessmentFor(reply.id as string);
    await vigil.services.pipeline.analyzeMessage(reply.id as string);
    await vigil.services.pipeline.analyzeMessage(reply.id as string);
    expect(await search('DetectedIssue?patient=rerun-1')).toHaveLength(1);
    expect(await search('Flag?patient=rerun-1')).toHaveLength(1);
    expect(await search('Task?patient=rerun-1')).toHaveLength(1);
    expect(await search(`RiskAssessment?basis=Communication/${reply.id}`)).toHaveLength(1);
  });

  test('the same message posted twice is stored and analysed once', async () => {
    await post('/fhir/R4', contextTransaction([patient('dup-1')]), 200);
    const message = patientMessage('dup-1', 'Is it fine to take vitamin D daily?');
    const first = await post<Communication>('/fhir/R4/Communication', message, 201);
    const second = await post<Communication>('/fhir/R4/Communication', message, 200);
    expect(second.id).toBe(first.id);
    expect(await search('Communication?patient=dup-1')).toHaveLength(1);
    const jobs = await vigil.services.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM jobs WHERE payload->>'communicationId' = $1`, [first.id]);
    expect(Number(jobs.rows[0].n)).toBe(1);
  });
});
