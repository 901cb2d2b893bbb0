import path from 'node:path';
import type { AllergyIntolerance, Condition, MedicationStatement, Observation } from '@medplum/fhirtypes';
import { analyzeExchange } from '../../src/clinical/analyze-exchange';
import { extractMentions } from '../../src/clinical/extract-mentions';
import type { Finding } from '../../src/clinical/types';
import { findHomeDir } from '../../src/config';
import type { PatientContext } from '../../src/ehr/ehr-client';
import { loadKnowledgeBase } from '../../src/knowledge/knowledge-base';

const kb = loadKnowledgeBase(path.join(findHomeDir(), 'src', 'knowledge', 'data'));
const NOW = new Date('2026-11-24T12:00:00Z');

function chart(parts: { birthDate?: string; allergies?: string[]; meds?: string[]; conditions?: string[]; observations?: Observation[] } = {}): PatientContext {
  return {
    patientId: 'p',
    patient: { resourceType: 'Patient', id: 'p', birthDate: parts.birthDate ?? '1970-01-01' },
    allergies: (parts.allergies ?? []).map((text, i): AllergyIntolerance => ({ resourceType: 'AllergyIntolerance', id: `a${i}`, patient: { reference: 'Patient/p' }, code: { text } })),
    medications: (parts.meds ?? []).map((text, i): MedicationStatement => ({ resourceType: 'MedicationStatement', id: `m${i}`, status: 'active', subject: { reference: 'Patient/p' }, medicationCodeableConcept: { text } })),
    conditions: (parts.conditions ?? []).map((text, i): Condition => ({ resourceType: 'Condition', id: `c${i}`, subject: { reference: 'Patient/p' }, code: { text } })),
    observations: parts.observations ?? [],
  };
}

const weight = (kg: number): Observation => ({
  resourceType: 'Observation',
  id: 'w',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
  subject: { reference: 'Patient/p' },
  valueQuantity: { value: kg, unit: 'kg', code: 'kg' },
});

function analyse(context: PatientContext, patient: string, bot?: string): Finding[] {
  const patientMessage = { reference: 'Communication/q', speaker: 'patient' as const, text: patient };
  const findings = analyzeExchange(kb, { patientMessage }, context, NOW);
  if (bot !== undefined) findings.push(...analyzeExchange(kb, { patientMessage, botReply: { reference: 'Communication/r', speaker: 'bot', text: bot } }, context, NOW));
  return findings;
}
const categories = (findings: Finding[]) => [...new Set(findings.map((f) => f.category))].sort();

describe('mentions and how they are meant', () => {
  const stances = (text: string) => extractMentions(kb, { reference: 'Communication/r', speaker: 'bot', text }).map((m) => `${m.surface}:${m.stance}`);

  test('brand names, misspellings and multi-word names are found with their offsets', () => {
    const text = 'Try Advil, or amoxicilin if prescribed.';
    const mentions = extractMentions(kb, { reference: 'Communication/r', speaker: 'bot', text });
    expect(mentions.map((m) => m.ref)).toEqual(['ibuprofen', 'amoxicillin']);
    expect(text.slice(mentions[1].start, mentions[1].end)).toBe('amoxicilin');
  });

  test('warned against, reported and recommended are told apart', () => {
    expect(stances('Avoid ibuprofen and take acetaminophen instead.')).toEqual(['ibuprofen:warned', 'acetaminophen:recommended']);
    expect(stances('Since you are allergic to penicillin, amoxicillin is not safe for you.')).toEqual(['penicillin:reported', 'amoxicillin:warned']);
    expect(stances("Don't take aspirin or naproxen with your warfarin.")).toEqual(['aspirin:warned', 'naproxen:warned', 'warfarin:warned']);
    expect(stances('Paracetamol 1 g every 6 hours is fine.')).toEqual(['Paracetamol:recommended']);
  });
});

describe('allergy conflicts', () => {
  test('a class allergy recorded only as text catches a brand-name member', () => {
    const findings = analyse(chart({ allergies: ['Sulfa drugs'] }), 'UTI symptoms again', 'Bactrim DS twice a day for three days usually clears it.');
    expect(categories(findings)).toEqual(['allergy-conflict']);
    expect(findings[0].conflictsWith).toBe('AllergyIntolerance/a0');
  });

  test('penicillin allergy and a cephalosporin is a cross-reactivity finding of lower severity', () => {
    const findings = analyse(chart({ allergies: ['Penicillin'] }), 'Skin infection on my leg', 'Cephalexin 500 mg four times a day is commonly used.');
    const allergyFinding = findings.find((f) => f.category === 'allergy-conflict');
    expect(allergyFinding?.rule).toMatch(/cross-reactivity/);
    expect(['low', 'moderate']).toContain(allergyFinding?.severity);
  });

  test('a reply that only warns is not a finding', () => {
    expect(analyse(chart({ allergies: ['Penicillin'] }), 'sore throat', 'Because of your penicillin allergy, do not take amoxicillin; ask about azithromycin.')).toEqual([]);
  });
});

describe('interactions', () => {
  test('an SSRI patient told to take tramadol', () => {
    const findings = analyse(chart({ meds: ['Sertraline 100 mg daily'] }), 'my back is killing me', 'Tramadol 50 mg every 6 hours can help with back pain.');
    expect(categories(findings)).toContain('drug-interaction');
    expect(findings.find((f) => f.category === 'drug-interaction')?.conflictsWith).toBe('MedicationStatement/m0');
  });
});

describe('doses', () => {
  test('acetaminophen 1000 mg every 4 hours is over 4 g a day', () => {
    const findings = analyse(chart(), 'fever and aches', 'Take Tylenol 1000 mg every 4 hours until the fever breaks.');
    const dose = findings.find((f) => f.category === 'dose-exceeded');
    expect(dose).toBeDefined();
    expect(['high', 'critical']).toContain(dose?.severity);
  });

  test('a standard adult dose is fine', () => {
    expect(analyse(chart(), 'headache', 'Acetaminophen 500 mg every 6 hours, no more than 3,000 mg a day.')).toEqual([]);
  });

  test('a child dose is judged by weight', () => {
    const child = chart({ birthDate: '2020-06-01', observations: [weight(18)] });
    const findings = analyse(child, 'my 6 year old has a fever', 'Give him ibuprofen 400 mg every 6 hours.');
    expect(findings.find((f) => f.category === 'dose-exceeded')?.conflictsWith).toBe('Observation/w');
    expect(analyse(child, 'my 6 year old has a fever', 'Give him ibuprofen 180 mg every 8 hours with food.').filter((f) => f.category === 'dose-exceeded')).toEqual([]);
  });
});

describe('conditions and states', () => {
  test('asthma and propranolol', () => {
    expect(categories(analyse(chart({ conditions: ['Asthma'] }), 'my heart races when I am nervous', 'Propranolol 10 mg before stressful events helps many people.'))).toContain('condition-contraindication');
  });

  test('aspirin for a child', () => {
    const findings = analyse(chart({ birthDate: '2018-02-01' }), 'my daughter has flu and a fever', 'Give her aspirin to bring the temperature down.');
    expect(categories(findings)).toContain('condition-contraindication');
  });
});

describe('emergencies, self-harm and unsafe advice', () => {
  test('crushing chest pain answered with home care is a missed emergency; a 911 referral is not', () => {
    const patient = 'I have crushing chest pain going down my left arm and I am sweating';
    expect(categories(analyse(chart(), patient, 'It is probably indigestion; try an antacid and lie down.'))).toContain('missed-emergency');
    expect(categories(analyse(chart(), patient, 'This could be a heart attack. Call 911 right now.'))).not.toContain('missed-emergency');
  });

  test('suicidal intent is flagged at high or above; figures of speech are not', () => {
    const flagged = analyse(chart(), 'I have decided to kill myself this weekend');
    expect(flagged.map((f) => f.category)).toEqual(['self-harm']);
    expect(['high', 'critical']).toContain(flagged[0].severity);
    expect(analyse(chart(), 'this migraine is killing me, what can I take?')).toEqual([]);
  });

  test('telling a patient to stop warfarin is unsafe; telling them not to stop it is not', () => {
    const context = chart({ meds: ['Warfarin 5 mg'] });
    expect(categories(analyse(context, 'I bruise easily', 'You can just stop taking your warfarin for a week and see if the bruising settles.'))).toContain('unsafe-advice');
    expect(categories(analyse(context, 'I bruise easily', 'Do not stop your warfarin on your own; call your anticoagulation clinic today.'))).not.toContain('unsafe-advice');
  });
});
