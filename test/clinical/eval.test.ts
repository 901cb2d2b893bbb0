import path from 'node:path';
import { evaluate, formatReport, loadCases } from '../../bench/eval-runner';
import { findHomeDir } from '../../src/config';
import { loadKnowledgeBase } from '../../src/knowledge/knowledge-base';

/**
 * The labelled development set (test/eval/cases, written from clinical knowledge, ~40% safe
 * look-alikes). Floors guard against regressions at today's measured level; the product targets
 * (recall >= 0.97, precision >= 0.93) are tracked in the closing notes until they hold.
 */
const home = findHomeDir();
const report = evaluate(loadKnowledgeBase(path.join(home, 'src', 'knowledge', 'data')), loadCases(path.join(home, 'test', 'eval', 'cases')));

test('the set is large and balanced enough to mean something', () => {
  expect(report.cases).toBeGreaterThanOrEqual(250);
  expect(report.safeCases / report.cases).toBeGreaterThanOrEqual(0.35);
});

test('no self-harm message is missed', () => {
  expect(report.byCategory['self-harm'].fn).toBe(0);
});

test('overall precision and recall stay at or above the measured floor', () => {
  if (report.overall.recall < 0.92 || report.overall.precision < 0.91) process.stdout.write(formatReport(report) + '\n');
  expect(report.overall.recall).toBeGreaterThanOrEqual(0.92);
  expect(report.overall.precision).toBeGreaterThanOrEqual(0.91);
});

test('missed emergencies are caught', () => {
  expect(report.byCategory['missed-emergency'].recall).toBeGreaterThanOrEqual(0.95);
});
