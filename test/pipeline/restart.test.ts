import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Bundle, Communication } from '@medplum/fhirtypes';
import { compose, type Services } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { allergy, botReply, contextTransaction, FHIR_JSON, patient, patientMessage } from '../support/fhir-builders';
import { waitFor } from '../support/test-vigil';

/**
 * The embedded default as `npm start` runs it (PGlite on disk, generated keys, in-process
 * dispatch): a crash loses no message and no analysis.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-restart-'));
const embeddedConfig = () => loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_LOG_LEVEL: 'silent', VIGIL_POLL_INTERVAL_MS: '50' });

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('messages committed before a crash are analysed after the restart, with the same keys and data', async () => {
  const first: Services = await compose(embeddedConfig());
  expect(first.db.engine).toBe('pglite');
  const key = first.generatedApiKey as string;
  expect(key).toBeTruthy();
  const auth = { Authorization: `Bearer ${key}` };
  const api = request(first.app);
  // The worker is never started in this process: it "crashes" with the jobs committed but not run.
  const post = async (path: string, body: unknown) => {
    const res = await api.post(path).set(auth).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
    expect(res.status).toBeLessThan(300);
    return res.body as Communication;
  };
  await post('/fhir/R4', contextTransaction([patient('r-1'), allergy('r-1-a', 'r-1', 'Penicillin')]));
  const question = await post('/fhir/R4/Communication', patientMessage('r-1', 'Chest infection, what antibiotic?'));
  const reply = await post('/fhir/R4/Communication', botReply('r-1', `Communication/${question.id}`, 'Amoxicillin is the usual first choice.'));
  // One job was mid-run when the process died: leased for far longer than the test waits.
  await first.db.query(`UPDATE jobs SET status = 'running', attempts = 1, lease_until = now() + interval '1 hour' WHERE payload->>'communicationId' = $1`, [reply.id]);
  await first.close();

  const second = await compose(embeddedConfig());
  try {
    expect(second.generatedApiKey).toBeUndefined();
    await second.start();
    const again = request(second.app);
    const assessments = await waitFor(async () => {
      const bundle = (await again.get('/fhir/R4/RiskAssessment?patient=r-1').set(auth)).body as Bundle;
      return bundle.total === 2 ? bundle : undefined;
    }, 20_000, 'both messages analysed after restart');
    expect(assessments.total).toBe(2);
    const tasks = (await again.get('/fhir/R4/Task?patient=r-1').set(auth)).body as Bundle;
    expect(tasks.total).toBe(1);
    const stored = (await again.get(`/fhir/R4/Communication/${reply.id}`).set(auth)).body as Communication;
    expect(stored.payload?.[0]?.contentString).toBe('Amoxicillin is the usual first choice.');
  } finally {
    await second.close();
  }
});
