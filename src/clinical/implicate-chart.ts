import type { KnowledgeBase } from '../knowledge/knowledge-base';
import { drugsOf } from './checks/drugs-of';
import type { ResolvedMedication } from './resolve-context';
import type { DrugMention, Finding, RiskCategory } from './types';

/** The chart entries for the medicines these mentions name. */
export function chartEntriesNamed(kb: KnowledgeBase, medications: ResolvedMedication[], mentions: Pick<DrugMention, 'ref'>[]): string[] {
  const named = new Set(mentions.flatMap((m) => drugsOf(kb, m.ref)));
  return medications.filter((m) => m.drugIds.some((d) => named.has(d))).map((m) => m.reference);
}

/** Adds chart entries a finding rests on: the first becomes what it conflicts with when it has none, the rest are also implicated. */
export function withImplicated(finding: Finding, references: string[]): Finding {
  const extra = [...new Set(references)].filter((ref) => ref !== finding.conflictsWith && !finding.alsoImplicated?.includes(ref));
  if (extra.length === 0) return finding;
  if (finding.conflictsWith) return { ...finding, alsoImplicated: [...(finding.alsoImplicated ?? []), ...extra] };
  return { ...finding, conflictsWith: extra[0], alsoImplicated: extra.length > 1 ? [...(finding.alsoImplicated ?? []), ...extra.slice(1)] : finding.alsoImplicated };
}

/** Categories whose findings are about a drug the patient may already be taking. */
const ABOUT_A_DRUG: ReadonlySet<RiskCategory> = new Set(['dose-exceeded', 'condition-contraindication', 'unsafe-advice']);

/**
 * Points a finding at the patient's own prescription of the drug it is about: a clinician
 * reviewing "2 Norco every 4 hours plus Tylenol" needs the Norco order, not only the rule.
 * Advice without a named drug ("you can skip it today") is tied to the chart drugs the
 * exchange talks about.
 */
export function implicateChartMedications(findings: Finding[], medications: ResolvedMedication[], exchangeDrugIds: ReadonlySet<string>): Finding[] {
  return findings.map((finding) => {
    if (!ABOUT_A_DRUG.has(finding.category)) return finding;
    const about = finding.agents.length > 0 ? new Set(finding.agents) : finding.category === 'unsafe-advice' ? exchangeDrugIds : new Set<string>();
    const onChart = medications.filter((m) => m.drugIds.some((d) => about.has(d))).map((m) => m.reference);
    const extra = onChart.filter((ref) => ref !== finding.conflictsWith && !finding.alsoImplicated?.includes(ref));
    if (extra.length === 0) return finding;
    // A dose or a stop order is about the prescription itself; a contraindication is about the condition first.
    if (finding.conflictsWith && finding.category !== 'condition-contraindication') return { ...finding, conflictsWith: extra[0], alsoImplicated: [finding.conflictsWith, ...extra.slice(1), ...(finding.alsoImplicated ?? [])] };
    return withImplicated(finding, extra);
  });
}
