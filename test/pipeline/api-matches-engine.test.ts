import fs from 'node:fs';
import path from 'node:path';
import { replayCase, type FhirCall } from '../../bench/api-replay';
import { flagsFor, loadCases, type Flagged } from '../../bench/eval-runner';
import { findHomeDir } from '../../src/config';
import { startVigil, type TestVigil } from '../support/test-vigil';

/**
 * Vigil is judged from outside through its FHIR API, while `npm run eval` scores the engine directly.
 * This replays every tenth labelled case (all sets) through the API, half as separate posts and half
 * as one transaction Bundle, and requires the DetectedIssues written to say what the engine says: same categories, severities, chart entries and text spans.
 */
const home = findHomeDir();
const sets = fs.readdirSync(path.join(home, 'test', 'eval')).filter((name) => name === 'cases' || name.startsWith('holdout'));
const sample = sets.flatMap((name) => loadCases(path.join(home, 'test', 'eval', name))).filter((_, i) => i % 10 === 0);

let vigil: TestVigil;
beforeAll(async () => {
  vigil = await startVigil({ VIGIL_POLL_INTERVAL_MS: '20' });
});
afterAll(async () => {
  await vigil?.close();
});

const call: FhirCall = async (method, url, body) => {
  const req = method === 'GET' ? vigil.api.get(url) : vigil.api.post(url).set('Content-Type', 'application/fhir+json').send(JSON.stringify(body));
  const res = await req.set(vigil.auth);
  return { status: res.status, body: res.body };
};

/** Order-free summary of what was flagged, with the pointers a clinician would follow. */
const summary = (flagged: Flagged[]) =>
  flagged
    .map((f) => [f.category, f.severity, [f.conflictsWith, ...(f.alsoImplicated ?? [])].filter(Boolean).join('+'), f.evidence.map((e) => `${e.message}@${e.start}-${e.end}`).join(',')].join(' '))
    .sort();

test('the sample covers every set and both safe and flagged cases', () => {
  expect(sample.length).toBeGreaterThanOrEqual(100);
  for (const name of sets) expect(sample.some((c) => loadCases(path.join(home, 'test', 'eval', name)).some((d) => d.id === c.id))).toBe(true);
  expect(sample.some((c) => c.expected.length === 0)).toBe(true);
});

test('every sampled case is accepted by the API and flagged there exactly as the engine flags it', async () => {
  const differences: string[] = [];
  for (let i = 0; i < sample.length; i += 6) {
    await Promise.all(
      sample.slice(i, i + 6).map(async (c, j) => {
        // Half the cases arrive as chart, question and reply in one transaction, as some platforms send them.
        const replayed = await replayCase(call, c, { oneTransaction: (i + j) % 2 === 1 });
        if ('rejected' in replayed) return void differences.push(`${c.id} refused: ${replayed.rejected}`);
        const api = summary(replayed.flagged);
        const engine = summary(flagsFor(vigil.services.kb, c, new Date()));
        if (JSON.stringify(api) !== JSON.stringify(engine)) differences.push(`${c.id}: API ${JSON.stringify(api)} engine ${JSON.stringify(engine)}`);
      }),
    );
  }
  expect(differences).toEqual([]);
}, 180_000);
