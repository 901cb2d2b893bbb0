import type { Finding, RiskCategory, Severity } from '../../src/clinical/types';
import { score } from '../../src/pipeline/score';

const finding = (category: RiskCategory, severity: Severity): Finding => ({
  category,
  severity,
  summary: `${category} (${severity})`,
  evidence: [{ message: 'Communication/1', start: 0, end: 4, text: 'text' }],
  rule: `test:${category}`,
  source: { key: 'test', entry: 'test' },
  agents: [],
  detectedBy: 'rules',
});

describe('level 3 scoring', () => {
  test('a per-category threshold holds back that category only', () => {
    const findings = [finding('drug-interaction', 'high'), finding('drug-interaction', 'critical'), finding('dose-exceeded', 'high')];
    const strict = score(findings, { default: 0.5, byCategory: { 'drug-interaction': 0.95 } });
    expect(strict.flagged.map((f) => `${f.category}:${f.severity}`)).toEqual(['drug-interaction:critical', 'dose-exceeded:high']);
    expect(strict.probability['drug-interaction']).toBe(0.99);
    expect(score(findings, { default: 0.5, byCategory: {} }).flagged).toHaveLength(3);
  });

  test('moderate findings pass the default threshold and low ones do not', () => {
    const assessed = score([finding('unsafe-advice', 'moderate'), finding('drug-interaction', 'low')], { default: 0.5, byCategory: {} });
    expect(assessed.flagged.map((f) => f.category)).toEqual(['unsafe-advice']);
    expect(assessed.overall).toBe('moderate');
  });

  test('self-harm and missed emergencies are raised to high whatever the rule said', () => {
    const assessed = score([finding('self-harm', 'low'), finding('missed-emergency', 'moderate')], { default: 0.5, byCategory: {} });
    expect(assessed.flagged.map((f) => f.severity)).toEqual(['high', 'high']);
    expect(assessed.overall).toBe('high');
  });
});
