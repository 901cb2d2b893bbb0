import type { AllergyIntolerance, CodeableConcept, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import type { PatientContext } from '../ehr/ehr-client';
import type { AgentRef, KnowledgeBase } from '../knowledge/knowledge-base';
import { namesIn } from './extract-mentions';
import type { ProductStrength } from './extract-doses';
import { medicationName, prescribedDose, strengthOf, type PrescribedDose } from './prescribed-dose';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

export interface ResolvedAllergy {
  /** `AllergyIntolerance/<id>` */
  reference: string;
  agents: AgentRef[];
  label: string;
  /** Recorded as a non-immune intolerance (statin myalgia): only the same drug repeats it, not its class or relatives. */
  intolerance: boolean;
  /** true when the record says the reaction was severe or life-threatening. */
  severe: boolean;
}

export interface ResolvedMedication {
  reference: string;
  drugIds: string[];
  label: string;
  /** The dose the chart records, when it can be read and the medication is a single drug. */
  dose?: PrescribedDose;
  /** The strength in the medication's name ("Oramorph 10 mg/5 mL"), which "2 tablets of your …" refers to. */
  strength?: ProductStrength;
}

export interface ResolvedContext {
  allergies: ResolvedAllergy[];
  medications: ResolvedMedication[];
  /** Drugs the chart lists only as stopped, completed or entered in error. */
  inactiveDrugIds: Set<string>;
}

/** Active, confirmed-or-unconfirmed allergies and active medications, matched to the knowledge base by code, then by text. */
export function resolveContext(kb: KnowledgeBase, context: PatientContext): ResolvedContext {
  return {
    allergies: context.allergies.filter(isActiveAllergy).map((a) => resolveAllergy(kb, a)).filter((a) => a.agents.length > 0),
    medications: context.medications.filter(isActiveMedication).map((m) => resolveMedication(kb, m)).filter((m) => m.drugIds.length > 0),
    inactiveDrugIds: new Set(
      context.medications.filter((m) => !isActiveMedication(m)).flatMap((m) => agentsOf(kb, m.medicationCodeableConcept ?? (m.medicationReference?.display ? { text: m.medicationReference.display } : undefined)).filter((ref) => !ref.startsWith('class:'))),
    ),
  };
}

export function isActiveAllergy(allergy: AllergyIntolerance): boolean {
  const clinical = allergy.clinicalStatus?.coding?.map((c) => c.code) ?? [];
  const verification = allergy.verificationStatus?.coding?.map((c) => c.code) ?? [];
  if (clinical.length > 0 && !clinical.includes('active')) return false;
  return !verification.some((code) => code === 'refuted' || code === 'entered-in-error');
}

export function isActiveMedication(med: MedicationStatement | MedicationRequest): boolean {
  if (med.resourceType === 'MedicationStatement') return med.status === 'active' || med.status === 'intended';
  return med.status === 'active';
}

function resolveAllergy(kb: KnowledgeBase, allergy: AllergyIntolerance): ResolvedAllergy {
  const agents = agentsOf(kb, allergy.code);
  for (const reaction of allergy.reaction ?? []) {
    for (const ref of agentsOf(kb, reaction.substance)) if (!agents.includes(ref)) agents.push(ref);
  }
  const manifestations = (allergy.reaction ?? []).flatMap((r) => r.manifestation ?? []).map(conceptText).join(' ').toLowerCase();
  return {
    reference: `AllergyIntolerance/${allergy.id}`,
    agents,
    label: conceptText(allergy.code) || agents.join(', '),
    intolerance: allergy.type === 'intolerance',
    severe:
      allergy.criticality === 'high' ||
      (allergy.reaction ?? []).some((r) => r.severity === 'severe') ||
      /anaphyla|angioedema|stevens|toxic epidermal/.test(manifestations),
  };
}

function resolveMedication(kb: KnowledgeBase, med: MedicationStatement | MedicationRequest): ResolvedMedication {
  const concept = med.medicationCodeableConcept ?? (med.medicationReference?.display ? { text: med.medicationReference.display } : undefined);
  const drugIds = agentsOf(kb, concept).filter((ref) => !ref.startsWith('class:'));
  const single = drugIds.length === 1 ? drugIds[0] : undefined;
  const iuPerMg = single ? kb.drugs.get(single)?.dosing?.iuPerMg : undefined;
  return {
    reference: `${med.resourceType}/${med.id}`,
    drugIds,
    label: conceptText(concept) || drugIds.join(', '),
    dose: prescribedDose(med, single ?? drugIds[0] ?? '', iuPerMg),
    strength: single ? strengthOf(medicationName(med), single, iuPerMg) : undefined,
  };
}

/** RxNorm codes first; then the words of every display and the text, so text-only EHR feeds still match. */
export function agentsOf(kb: KnowledgeBase, concept: CodeableConcept | undefined): AgentRef[] {
  if (!concept) return [];
  const found = new Set<AgentRef>();
  for (const coding of concept.coding ?? []) {
    const id = coding.system === RXNORM && coding.code ? kb.byRxnorm.get(coding.code) : undefined;
    if (id) found.add(id);
  }
  if (found.size > 0) return [...found];
  const texts = [concept.text, ...(concept.coding ?? []).map((c) => c.display)].filter((t): t is string => !!t);
  for (const text of texts) {
    for (const name of namesIn(kb, text)) found.add(name.ref);
  }
  return [...found];
}

export function conceptText(concept: CodeableConcept | undefined): string {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? concept?.coding?.[0]?.code ?? '';
}
