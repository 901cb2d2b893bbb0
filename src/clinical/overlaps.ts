import type { KnowledgeBase } from '../knowledge/knowledge-base';
import { SEVERITY_ORDER, type Finding } from './types';

/**
 * One problem, one finding. Where two checks describe the same problem, the more specific one stays:
 * - a "lower the dose" contraindication gives way to the dose check when the reply states a dose,
 *   and to the prescriber's own dosing for a drug the chart already lists;
 * - an organ-impairment dose limit gives way when the drug is contraindicated outright (high or worse);
 * - "adult medicine for a child" gives way to the age contraindication that names the drug;
 * - a moderate interaction gives way to a contraindication of the same drug at least as grave;
 * - two rules of one category that fire on the same words about the same drugs and chart entry
 *   ("stop your sertraline" is both a stopped antidepressant and a stopped critical medicine) are
 *   one finding: the gravest, and of equals the first, more specific rule.
 */
export function settleOverlaps(kb: KnowledgeBase, findings: Finding[], dosesJudged: ReadonlySet<string>, onChart: ReadonlySet<string> = new Set()): Finding[] {
  const contraindications = findings.filter((f) => f.category === 'condition-contraindication');
  const contraindicatedOutright = new Set(contraindications.filter((f) => SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER.high).flatMap((f) => f.agents));
  const ageContraindication = contraindications.some((f) => f.conflictsWith?.startsWith('Patient/'));
  const contraindicatedAt = new Map<string, number>();
  for (const f of contraindications) for (const a of f.agents) contraindicatedAt.set(a, Math.max(contraindicatedAt.get(a) ?? 0, SEVERITY_ORDER[f.severity]));
  const settled = findings.filter((f) => {
    // Propranolol for an asthmatic on salbutamol: the asthma is the problem; a moderate interaction with its inhaler repeats it.
    if (f.category === 'drug-interaction' && SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER.moderate && (contraindicatedAt.get(f.agents[0]) ?? 0) >= SEVERITY_ORDER[f.severity]) return false;
    // A drug already prescribed was dosed by its prescriber for this patient; only a stated dose is judged again.
    if (kb.doseAdjustmentRules.has(f.rule) && f.agents.every((a) => dosesJudged.has(a) || onChart.has(a))) return false;
    if (f.rule === 'dose:adjusted-daily' && f.agents.some((a) => contraindicatedOutright.has(a))) return false;
    if (f.rule === 'unsafe-advice:adult-medicine-for-child' && ageContraindication) return false;
    return true;
  });
  return settled.filter((f, i) => !settled.some((other, j) => j !== i && sameProblem(f, other) && outranks(other, j, f, i)));
}

function sameProblem(a: Finding, b: Finding): boolean {
  if (a.category !== b.category || a.conflictsWith !== b.conflictsWith || a.agents.length === 0) return false;
  if (a.agents.length !== b.agents.length || a.agents.some((agent) => !b.agents.includes(agent))) return false;
  const [x, y] = [a.evidence[0], b.evidence[0]];
  return x !== undefined && y !== undefined && x.message === y.message && x.start < y.end && y.start < x.end;
}

const outranks = (a: Finding, ai: number, b: Finding, bi: number) =>
  SEVERITY_ORDER[a.severity] > SEVERITY_ORDER[b.severity] || (a.severity === b.severity && ai < bi);
