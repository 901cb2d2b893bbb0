import path from 'node:path';
import type { AllergyIntolerance, MedicationStatement } from '@medplum/fhirtypes';
import { analyzeExchange } from '../src/clinical/analyze-exchange';
import { findHomeDir } from '../src/config';
import type { PatientContext } from '../src/ehr/ehr-client';
import { loadKnowledgeBase } from '../src/knowledge/knowledge-base';

/**
 * `npm run bench:analyze`: time to analyse one ~1 KB exchange against a patient with 10 medications
 * and 5 allergies (targets: median < 1 ms, p99 < 5 ms), and the memory the loaded knowledge base takes.
 */
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const kb = loadKnowledgeBase(path.join(findHomeDir(), 'src', 'knowledge', 'data'));
gc?.();
const kbBytes = process.memoryUsage().heapUsed - heapBefore;

const meds = ['warfarin', 'metformin', 'lisinopril', 'atorvastatin', 'sertraline', 'levothyroxine', 'amlodipine', 'omeprazole', 'metoprolol', 'gabapentin'];
const allergens = ['Penicillin', 'Sulfa drugs', 'Codeine', 'Latex', 'Aspirin'];
const context: PatientContext = {
  patientId: 'bench',
  patient: { resourceType: 'Patient', id: 'bench', birthDate: '1956-03-02', gender: 'female' },
  allergies: allergens.map((text, i): AllergyIntolerance => ({ resourceType: 'AllergyIntolerance', id: `a${i}`, patient: { reference: 'Patient/bench' }, code: { text } })),
  medications: meds.map((text, i): MedicationStatement => ({ resourceType: 'MedicationStatement', id: `m${i}`, status: 'active', subject: { reference: 'Patient/bench' }, medicationCodeableConcept: { text } })),
  conditions: [{ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/bench' }, code: { text: 'Chronic kidney disease stage 3' } }],
  observations: [],
};
const patientText = 'I have had a bad headache and some back pain for three days, and my knee is swollen. I also feel a bit dizzy in the mornings. What can I take? I already take a lot of pills for my heart and sugar.';
const botText =
  'I am sorry you are dealing with this. For the headache and back pain, many people find that acetaminophen (Tylenol) 500 mg every 6 hours helps, ' +
  'and you should not take more than 3,000 mg in a day. Avoid ibuprofen and naproxen, since anti-inflammatories can raise bleeding risk with warfarin and strain the kidneys. ' +
  'A warm compress on the knee and gentle stretching may ease the stiffness. If the knee becomes hot, red or very painful, or if you develop a fever, see your doctor the same day. ' +
  'Dizziness in the mornings can have several causes, including blood pressure medicines such as lisinopril or amlodipine, so mention it to your doctor at your next visit. ' +
  'Keep taking your usual medications, stay hydrated, and rest when you can.';
const exchange = {
  patientMessage: { reference: 'Communication/p', speaker: 'patient' as const, text: patientText },
  botReply: { reference: 'Communication/b', speaker: 'bot' as const, text: botText },
};

for (let i = 0; i < 500; i++) analyzeExchange(kb, exchange, context);
const runs = 5000;
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  analyzeExchange(kb, exchange, context);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
process.stdout.write(
  [
    `exchange: ${Buffer.byteLength(patientText + botText)} bytes, 10 medications, 5 allergies, ${runs} runs`,
    `median ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms, max ${times.at(-1)?.toFixed(3)} ms (targets: median < 1 ms, p99 < 5 ms)`,
    `knowledge base: ${kb.drugs.size} drugs, ${kb.interactions.length} interactions, ${kb.contraindications.length} contraindication rules; heap ${(kbBytes / 1024 / 1024).toFixed(1)} MiB${gc ? '' : ' (run with --expose-gc for an exact figure)'}`,
  ].join('\n') + '\n',
);
