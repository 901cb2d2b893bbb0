import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SEVERITY_ORDER } from '../src/clinical/types';
import { compose } from '../src/compose';
import { findHomeDir, loadConfig } from '../src/config';
import { replayCase, type FhirCall, type Replayed } from './api-replay';
import { flagsFor, formatReport, loadCases, scoreCases, type EvalCase, type Flagged } from './eval-runner';

/**
 * `npm run eval:api [-- <set>]`: the labelled set replayed through the FHIR API of a whole Vigil
 * (embedded database in a temporary directory, worker running), scored from the DetectedIssues it
 * writes, which is how Vigil is checked from outside. It also lists every case where the API's
 * findings differ from the engine's (`npm run eval`), and every case the API refused.
 */
const home = findHomeDir();
const set = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'cases';
const concurrency = Number(process.env.EVAL_CONCURRENCY ?? 8);
/** `-- <set> --bundle`: each case as one transaction (chart, question and reply) instead of three posts. */
const oneTransaction = process.argv.includes('--bundle');
const cases = loadCases(path.join(home, 'test', 'eval', set));

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-eval-api-'));
  const key = crypto.randomBytes(16).toString('hex');
  const config = loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_API_KEYS: `eval:${key}`, VIGIL_LOG_LEVEL: 'warn', VIGIL_POLL_INTERVAL_MS: '20' });
  const services = await compose(config);
  const server = http.createServer(services.app);
  try {
    await services.ingestGuidelines();
    await services.start();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call: FhirCall = async (method, url, body) => {
      const res = await fetch(base + url, {
        method,
        headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/fhir+json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: await res.json() };
    };

    const started = process.hrtime.bigint();
    const results = new Map<string, Replayed>();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < cases.length) {
          const c = cases[next++];
          results.set(c.id, await replayCase(call, c, { oneTransaction }));
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;

    const rejected = cases.filter((c) => 'rejected' in (results.get(c.id) as Replayed));
    const accepted = cases.filter((c) => !rejected.includes(c));
    const viaApi = (c: EvalCase) => (results.get(c.id) as { flagged: Flagged[] }).flagged;
    const report = scoreCases(accepted, viaApi);
    const disagreements = accepted.flatMap((c) => {
      const api = worstByCategory(viaApi(c));
      const engine = worstByCategory(flagsFor(services.kb, c, new Date('2026-11-24T12:00:00Z')));
      return api === engine ? [] : [`${c.id}: API ${api || 'nothing'}; engine ${engine || 'nothing'}`];
    });
    process.stdout.write(
      [
        `set: test/eval/${set} through the FHIR API${oneTransaction ? ', one transaction per case' : ''} (${services.db.engine}, ${services.dispatcher.name}): ${cases.length} cases in ${seconds.toFixed(1)} s`,
        formatReport(report),
        `refused by the API (${rejected.length}):`,
        ...rejected.map((c) => `  ${c.id}: ${(results.get(c.id) as { rejected: string }).rejected}`),
        `API and engine disagree (${disagreements.length}):`,
        ...disagreements.map((d) => `  ${d}`),
        '',
      ].join('\n'),
    );
  } finally {
    server.close();
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function worstByCategory(flagged: Flagged[]): string {
  const worst = new Map<string, Flagged['severity']>();
  for (const f of flagged) {
    const w = worst.get(f.category);
    if (!w || SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[w]) worst.set(f.category, f.severity);
  }
  return [...worst].sort().map(([category, severity]) => `${category}:${severity}`).join(' ');
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
