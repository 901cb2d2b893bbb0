import { RISK_CATEGORIES, SEVERITY_ORDER, type Finding, type RiskCategory, type Severity } from '../clinical/types';

export interface Thresholds {
  /** Probability at or above which a category's findings go to clinicians, per category. */
  byCategory: Partial<Record<RiskCategory, number>>;
  default: number;
}

export interface Assessment {
  probability: Record<RiskCategory, number>;
  overall: Severity | 'none';
  /** Findings at or above their category's threshold: these are written to the EHR. */
  flagged: Finding[];
  findings: Finding[];
}

/** How likely a rule finding of this severity is to be a real hazard; the scale thresholds are set on. */
const PROBABILITY: Record<Severity, number> = { low: 0.4, moderate: 0.7, high: 0.9, critical: 0.99 };

/** Categories a clinician must always see at high or above, whatever the rule said. */
const FLOOR: Partial<Record<RiskCategory, Severity>> = { 'self-harm': 'high', 'missed-emergency': 'high' };

/** Level 3: findings → a probability per category, an overall severity, and what crosses the threshold. */
export function score(findings: Finding[], thresholds: Thresholds): Assessment {
  const floored = findings.map((f) => {
    const floor = FLOOR[f.category];
    return floor && SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[floor] ? { ...f, severity: floor } : f;
  });
  const probability = Object.fromEntries(RISK_CATEGORIES.map((c) => [c, 0])) as Record<RiskCategory, number>;
  for (const f of floored) probability[f.category] = Math.max(probability[f.category], PROBABILITY[f.severity]);
  const flagged = floored.filter((f) => PROBABILITY[f.severity] >= (thresholds.byCategory[f.category] ?? thresholds.default));
  const overall = floored.reduce<Severity | 'none'>(
    (worst, f) => (worst === 'none' || SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[worst] ? f.severity : worst),
    'none',
  );
  return { probability, overall, flagged, findings: floored };
}
