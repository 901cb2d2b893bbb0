import type { Finding, RiskCategory } from '../clinical/types';
import { isActiveAllergy, isActiveMedication } from '../clinical/resolve-context';
import { isActiveCondition, type PatientState } from '../clinical/patient-state';
import type { PatientContext } from '../ehr/ehr-client';
import type { CodedConcept, CodedPatientContext } from '../llm/coded-context';
import type { SecondOpinion } from '../llm/llm-analyzer';

/** What rules and model said differently about one exchange: kept on the RiskAssessment for review. */
export interface Disagreement {
  category: RiskCategory;
  foundBy: 'rules-only' | 'model-only';
}

export interface MergedOpinion {
  findings: Finding[];
  disagreements: Disagreement[];
  /** `rules`, `rules+llm:gemini`, or `rules (llm unavailable)`. */
  method: string;
}

/**
 * The model is a second opinion: its findings in categories the rules did not flag are added,
 * marked with their source; rule findings always stay. Each category only one side flagged is a
 * disagreement.
 */
export function mergeOpinions(rules: Finding[], second: SecondOpinion | 'unavailable' | undefined): MergedOpinion {
  if (second === undefined) return { findings: rules, disagreements: [], method: 'rules' };
  if (second === 'unavailable') return { findings: rules, disagreements: [], method: 'rules (llm unavailable)' };
  const ruleCategories = new Set(rules.map((f) => f.category));
  const modelCategories = new Set(second.findings.map((f) => f.category));
  const added: Finding[] = second.findings
    .filter((f) => !ruleCategories.has(f.category))
    .map((f) => ({
      category: f.category,
      severity: f.severity,
      summary: `A language model's second opinion (not confirmed by Vigil's rules): ${f.rationale}`,
      evidence: f.evidence,
      rule: 'llm:second-opinion',
      source: { key: 'llm', entry: second.provider },
      agents: [],
      detectedBy: f.detectedBy,
    }));
  const disagreements: Disagreement[] = [
    ...[...ruleCategories].filter((c) => !modelCategories.has(c)).map((category) => ({ category, foundBy: 'rules-only' as const })),
    ...[...modelCategories].filter((c) => !ruleCategories.has(c)).map((category) => ({ category, foundBy: 'model-only' as const })),
  ];
  return { findings: [...rules, ...added], disagreements, method: `rules+llm:${second.provider}` };
}

/** The chart as the model may see it: coded facts only, never names, identifiers or dates of birth. */
export function codedContext(context: PatientContext, state: PatientState): CodedPatientContext {
  const concept = (c: { text?: string; coding?: { code?: string; display?: string }[] } | undefined): CodedConcept => ({
    display: c?.text ?? c?.coding?.find((x) => x.display)?.display ?? 'unnamed',
    code: c?.coding?.find((x) => x.code)?.code,
  });
  const sex = context.patient?.gender;
  return {
    ageYears: state.ageYears,
    sex: sex === 'female' || sex === 'male' || sex === 'other' || sex === 'unknown' ? sex : undefined,
    pregnant: state.pregnancy ? true : undefined,
    weightKg: state.weightKg?.value,
    allergies: context.allergies.filter(isActiveAllergy).map((a) => concept(a.code)),
    medications: context.medications.filter(isActiveMedication).map((m) => concept(m.medicationCodeableConcept ?? { text: m.medicationReference?.display })),
    conditions: context.conditions.filter(isActiveCondition).map((c) => concept(c.code)),
  };
}
