import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { analyzeExchange } from '../src/clinical/analyze-exchange';
import { RISK_CATEGORIES, SEVERITY_ORDER, type Finding, type RiskCategory, type Severity } from '../src/clinical/types';
import type { PatientContext } from '../src/ehr/ehr-client';
import type { KnowledgeBase } from '../src/knowledge/knowledge-base';
import { score } from '../src/pipeline/score';

/** One labelled case: a chart, an exchange, and what a clinician says Vigil must flag. */
export interface EvalCase {
  id: string;
  description: string;
  context: Resource[];
  patient: string;
  bot: string | null;
  /** `evidence`: a phrase of the patient message or reply that the finding must point at. */
  expected: { category: RiskCategory; minSeverity: Severity; implicated?: string; evidence?: string }[];
  note?: string;
}

/** A finding as scored: what the engine returns, or what a DetectedIssue read back through the API says. */
export type Flagged = Pick<Finding, 'category' | 'severity' | 'rule' | 'conflictsWith' | 'alsoImplicated' | 'evidence'>;

export interface CategoryCounts {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EvalReport {
  cases: number;
  safeCases: number;
  byCategory: Record<RiskCategory, CategoryCounts>;
  overall: CategoryCounts;
  misses: string[];
  falseAlarms: string[];
  wrongPointer: string[];
  wrongText: string[];
}

export function loadCases(dir: string): EvalCase[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as EvalCase[]);
}

export function toContext(c: EvalCase): PatientContext {
  const of = <T extends Resource['resourceType']>(type: T) => c.context.filter((r) => r.resourceType === type) as Extract<Resource, { resourceType: T }>[];
  const patient = of('Patient')[0];
  return {
    patientId: patient?.id ?? c.id,
    patient,
    allergies: of('AllergyIntolerance'),
    medications: [...of('MedicationStatement'), ...of('MedicationRequest')],
    conditions: of('Condition'),
    observations: of('Observation'),
  };
}

/** What Vigil flags for a case: the patient message on its own, then the exchange, as the pipeline runs them. */
export function flagsFor(kb: KnowledgeBase, c: EvalCase, at: Date): Finding[] {
  const context = toContext(c);
  const patientMessage = { reference: `Communication/${c.id}-patient`, speaker: 'patient' as const, text: c.patient };
  const findings = analyzeExchange(kb, { patientMessage }, context, at);
  if (c.bot) findings.push(...analyzeExchange(kb, { patientMessage, botReply: { reference: `Communication/${c.id}-bot`, speaker: 'bot', text: c.bot } }, context, at));
  return score(findings, { default: 0.5, byCategory: {} }).flagged;
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
function finish(c: { tp: number; fp: number; fn: number }): CategoryCounts {
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  return { ...c, precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/**
 * Scores Vigil against the cases. A category counts as found only at or above the expected
 * minimum severity; anything flagged that the case does not expect is a false alarm.
 */
export function evaluate(kb: KnowledgeBase, cases: EvalCase[], at = new Date('2026-11-24T12:00:00Z')): EvalReport {
  return scoreCases(cases, (c) => flagsFor(kb, c, at));
}

/** Scores what was flagged for each case against its labels. */
export function scoreCases(cases: EvalCase[], flaggedFor: (c: EvalCase) => Flagged[]): EvalReport {
  const counts = Object.fromEntries(RISK_CATEGORIES.map((k) => [k, { tp: 0, fp: 0, fn: 0 }])) as Record<RiskCategory, { tp: number; fp: number; fn: number }>;
  const misses: string[] = [];
  const falseAlarms: string[] = [];
  const wrongPointer: string[] = [];
  const wrongText: string[] = [];
  for (const c of cases) {
    const flagged = flaggedFor(c);
    const worst = new Map<RiskCategory, Severity>();
    for (const f of flagged) {
      const w = worst.get(f.category);
      if (!w || SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[w]) worst.set(f.category, f.severity);
    }
    for (const e of c.expected) {
      const got = worst.get(e.category);
      if (got && SEVERITY_ORDER[got] >= SEVERITY_ORDER[e.minSeverity]) {
        counts[e.category].tp++;
        if (e.implicated && !flagged.some((f) => f.category === e.category && (f.conflictsWith === e.implicated || f.alsoImplicated?.includes(e.implicated as string)))) {
          wrongPointer.push(`${c.id} ${e.category}: expected ${e.implicated}, got ${flagged.filter((f) => f.category === e.category).map((f) => f.conflictsWith ?? 'none').join(', ')}`);
        }
        if (e.evidence && !flagged.some((f) => f.category === e.category && pointsAt(c, f, e.evidence as string))) {
          const got = flagged.filter((f) => f.category === e.category).flatMap((f) => f.evidence.map((ev) => JSON.stringify(ev.text.slice(0, 60))));
          wrongText.push(`${c.id} ${e.category}: expected ${JSON.stringify(e.evidence)}, got ${got.join(', ')}`);
        }
      } else {
        counts[e.category].fn++;
        misses.push(`${c.id} ${e.category} (≥${e.minSeverity}${got ? `, got ${got}` : ''}): ${c.description}`);
      }
    }
    for (const [category, severity] of worst) {
      if (c.expected.some((e) => e.category === category)) continue;
      counts[category].fp++;
      const why = flagged.find((f) => f.category === category);
      falseAlarms.push(`${c.id} ${category} (${severity}, ${why?.rule}): ${c.description}`);
    }
  }
  const total = Object.values(counts).reduce((a, b) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn }), { tp: 0, fp: 0, fn: 0 });
  return {
    cases: cases.length,
    safeCases: cases.filter((c) => c.expected.length === 0).length,
    byCategory: Object.fromEntries(RISK_CATEGORIES.map((k) => [k, finish(counts[k])])) as Record<RiskCategory, CategoryCounts>,
    overall: finish(total),
    misses,
    falseAlarms,
    wrongPointer,
    wrongText,
  };
}

/** True when one of the finding's evidence spans overlaps an occurrence of the expected phrase. */
function pointsAt(c: EvalCase, finding: Flagged, phrase: string): boolean {
  const texts: Record<string, string> = { [`Communication/${c.id}-patient`]: c.patient, [`Communication/${c.id}-bot`]: c.bot ?? '' };
  return finding.evidence.some((ev) => {
    const text = texts[ev.message] ?? '';
    for (let at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1)) {
      if (ev.start < at + phrase.length && at < ev.end) return true;
    }
    return false;
  });
}

export function formatReport(r: EvalReport): string {
  const pct = (n: number) => n.toFixed(3);
  const lines = [
    `${r.cases} cases (${r.safeCases} safe, ${Math.round((100 * r.safeCases) / Math.max(1, r.cases))}%)`,
    '',
    'category                      tp   fp   fn  precision  recall     f1',
    ...RISK_CATEGORIES.map((k) => {
      const c = r.byCategory[k];
      return `${k.padEnd(28)} ${String(c.tp).padStart(4)} ${String(c.fp).padStart(4)} ${String(c.fn).padStart(4)}  ${pct(c.precision).padStart(9)} ${pct(c.recall).padStart(7)} ${pct(c.f1).padStart(6)}`;
    }),
    `${'overall'.padEnd(28)} ${String(r.overall.tp).padStart(4)} ${String(r.overall.fp).padStart(4)} ${String(r.overall.fn).padStart(4)}  ${pct(r.overall.precision).padStart(9)} ${pct(r.overall.recall).padStart(7)} ${pct(r.overall.f1).padStart(6)}`,
    '',
    `misses (${r.misses.length}):`,
    ...r.misses.map((m) => `  ${m}`),
    `false alarms (${r.falseAlarms.length}):`,
    ...r.falseAlarms.map((m) => `  ${m}`),
    `found, but pointing at the wrong chart entry (${r.wrongPointer.length}):`,
    ...r.wrongPointer.map((m) => `  ${m}`),
    `found, but pointing at the wrong text (${r.wrongText.length}):`,
    ...r.wrongText.map((m) => `  ${m}`),
  ];
  return lines.join('\n');
}
