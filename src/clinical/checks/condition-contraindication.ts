import type { KnowledgeBase } from '../../knowledge/knowledge-base';
import type { Contraindication } from '../../knowledge/knowledge-schema';
import type { PatientState } from '../patient-state';
import { SEVERITY_ORDER, type DrugMention, type Finding } from '../types';
import { drugsIn } from './drugs-of';

/** The reply recommends a drug that is inappropriate for a condition or state of this patient. */
export function checkContraindications(kb: KnowledgeBase, recommended: DrugMention[], state: PatientState): Finding[] {
  const best = new Map<string, Finding>();
  for (const mention of recommended) {
    for (const drugId of drugsIn(kb, mention)) {
      // "An opioid" is not meperidine: a class named in passing meets only the rules written for the class.
      const rules = (kb.contraindicationsByDrug.get(drugId) ?? []).filter((r) => !mention.ref.startsWith('class:') || r.agents.includes(mention.ref));
      for (const rule of rules) {
        const basis = matchState(rule, state);
        if (!basis) continue;
        const key = `${mention.start}|${basis.reference ?? basis.label}`;
        const current = best.get(key);
        if (current && SEVERITY_ORDER[current.severity] >= SEVERITY_ORDER[rule.severity]) continue;
        const drug = kb.drugs.get(drugId);
        best.set(key, {
          category: 'condition-contraindication',
          severity: rule.severity,
          summary: `The reply recommends ${drug?.name ?? drugId} for a patient with ${basis.label}: ${rule.rationale}`,
          evidence: [{ message: mention.message, start: mention.start, end: mention.end, text: mention.surface }],
          conflictsWith: basis.reference,
          rule: `contraindication:${rule.id}`,
          source: { key: rule.source, entry: rule.id },
          agents: [drugId],
          detectedBy: 'rules',
        });
      }
      if (mention.ref.startsWith('class:') && best.size > 0) break;
    }
  }
  return [...best.values()];
}

function matchState(rule: Contraindication, state: PatientState): { label: string; reference?: string } | undefined {
  const when = rule.when;
  if ('condition' in when) {
    const c = when.condition;
    if (when.underYears !== undefined && (state.ageYears === undefined || state.ageYears >= when.underYears)) return undefined;
    const hit = state.conditions.find(
      (condition) =>
        condition.snomed.some((code) => c.snomed.includes(code)) ||
        condition.icd10.some((code) => c.icd10.some((prefix) => code.startsWith(prefix.toUpperCase()))) ||
        c.text.some((phrase) => wordPattern(phrase).test(condition.text)),
    );
    return hit ? { label: c.label, reference: hit.reference } : undefined;
  }
  if ('pregnancy' in when) {
    if (!state.pregnancy) return undefined;
    const { fromWeek, toWeek } = when.pregnancy;
    const weeks = state.pregnancy.weeks;
    // Unknown gestation: a rule for any part of pregnancy still applies, since the risk cannot be excluded.
    if (weeks !== undefined && (weeks < fromWeek || weeks > toWeek)) return undefined;
    return { label: weeks !== undefined ? `a pregnancy at ${weeks} weeks` : 'a pregnancy', reference: state.pregnancy.reference };
  }
  if ('age' in when) {
    if (state.ageYears === undefined) return undefined;
    const { underYears, atLeastYears } = when.age;
    if (underYears !== undefined && state.ageYears >= underYears) return undefined;
    if (atLeastYears !== undefined && state.ageYears < atLeastYears) return undefined;
    return { label: `age ${Math.floor(state.ageYears)}`, reference: state.patientReference };
  }
  if (!state.egfr || state.egfr.value >= when.kidney.egfrBelow) return undefined;
  return { label: `an eGFR of ${state.egfr.value}`, reference: state.egfr.reference };
}

/** Compiled once per phrase: the rules are fixed data, so the cache stays as small as they are. */
const WORD_PATTERNS = new Map<string, RegExp>();
function wordPattern(phrase: string): RegExp {
  let pattern = WORD_PATTERNS.get(phrase);
  if (!pattern) {
    pattern = new RegExp(`\\b${escape(phrase.toLowerCase())}\\b`);
    WORD_PATTERNS.set(phrase, pattern);
  }
  return pattern;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
