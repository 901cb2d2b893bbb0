import path from 'node:path';
import type { Condition, MedicationStatement, Observation } from '@medplum/fhirtypes';
import { analyzeExchange } from '../../src/clinical/analyze-exchange';
import type { Finding } from '../../src/clinical/types';
import { findHomeDir } from '../../src/config';
import type { PatientContext } from '../../src/ehr/ehr-client';
import { loadKnowledgeBase } from '../../src/knowledge/knowledge-base';

/** How the engine reads what the two messages and the chart say together, beyond single drug names. */
const kb = loadKnowledgeBase(path.join(findHomeDir(), 'src', 'knowledge', 'data'));
const NOW = new Date('2026-11-24T12:00:00Z');

interface ChartParts {
  birthDate?: string;
  sex?: 'male' | 'female';
  allergies?: string[];
  meds?: { text: string; dosage?: string; status?: MedicationStatement['status'] }[];
  conditions?: string[];
  egfr?: number;
}

function chart(parts: ChartParts = {}): PatientContext {
  const observations: Observation[] = parts.egfr === undefined ? [] : [{ resourceType: 'Observation', id: 'egfr', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '33914-3' }] }, valueQuantity: { value: parts.egfr } }];
  return {
    patientId: 'p',
    patient: { resourceType: 'Patient', id: 'p', birthDate: parts.birthDate ?? '1970-01-01', gender: parts.sex ?? 'female' },
    allergies: (parts.allergies ?? []).map((text, i) => ({ resourceType: 'AllergyIntolerance', id: `a${i}`, patient: { reference: 'Patient/p' }, code: { text } })),
    medications: (parts.meds ?? []).map(
      (m, i): MedicationStatement => ({
        resourceType: 'MedicationStatement',
        id: `m${i}`,
        status: m.status ?? 'active',
        subject: { reference: 'Patient/p' },
        medicationCodeableConcept: { text: m.text },
        dosage: m.dosage ? [{ text: m.dosage }] : undefined,
      }),
    ),
    conditions: (parts.conditions ?? []).map((text, i): Condition => ({ resourceType: 'Condition', id: `c${i}`, subject: { reference: 'Patient/p' }, code: { text } })),
    observations,
  };
}

function analyse(context: PatientContext, patient: string, bot: string | null): Finding[] {
  const patientMessage = { reference: 'Communication/q', speaker: 'patient' as const, text: patient };
  if (bot === null) return analyzeExchange(kb, { patientMessage }, context, NOW);
  return analyzeExchange(kb, { patientMessage, botReply: { reference: 'Communication/r', speaker: 'bot', text: bot } }, context, NOW);
}
const of = (findings: Finding[], category: Finding['category']) => findings.filter((f) => f.category === category);

describe('doses the reply gives', () => {
  test("a liquid's strength named beside the drug doses the volume in the next sentence, even when another drug follows it", () => {
    const toddler: PatientContext = {
      ...chart({ birthDate: '2024-05-20' }),
      observations: [{ resourceType: 'Observation', id: 'wt', status: 'final', code: { text: 'Body weight' }, valueQuantity: { value: 14, unit: 'kg' } }],
    };
    const findings = analyse(toddler, 'how much nurofen for children can i give? he is about 14kg', "Children's Nurofen (100 mg/5 ml) works well for teething. You can give 10 ml every 6-8 hours, and you can alternate with Calpol.");
    expect(of(findings, 'dose-exceeded').map((f) => f.rule)).toEqual([expect.stringMatching(/^dose:pediatric-/)]);
  });

  test('an instruction with its schedule in the next sentence doses a drug its own sentence only describes', () => {
    const findings = analyse(chart(), 'is prescription strength ibuprofen 800mg? how often on a bad day', 'Yes, prescription-strength ibuprofen is 800 mg, which is four 200 mg Advil. On a really bad day you can take 800 mg every 4 hours as needed.');
    expect(of(findings, 'dose-exceeded').map((f) => f.agents[0])).toContain('ibuprofen');
  });

  test('a stated day count is the day total, and counts can follow the name', () => {
    const imodium = analyse(chart(), 'traveller tummy, how many imodium can I take', 'Take 2 Imodium capsules now and then 2 more after every loose stool; on a day like this you can safely go up to 12 in a day.');
    expect(of(imodium, 'dose-exceeded').map((f) => f.agents[0])).toEqual(['loperamide']);
    const aleve = analyse(chart(), 'heel pain, aleve isnt touching it', "With Aleve you can go up to 3 tablets every 8 hours when it's flaring.");
    expect(of(aleve, 'dose-exceeded').map((f) => f.agents[0])).toEqual(['naproxen']);
  });

  test('a reply that names no drug doses the one the patient asked about', () => {
    const findings = analyse(chart({ birthDate: '1955-05-21' }), 'gout flare starting, how do i take the colchicine', 'Take 1.2 mg straight away, then 0.6 mg every hour until the pain goes away.');
    expect(of(findings, 'dose-exceeded').map((f) => f.agents[0])).toContain('colchicine');
  });

  test('a reported figure is not an instruction', () => {
    const findings = analyse(chart(), 'what is the most tylenol someone can take in a day', 'For most adults the maximum is 4,000 mg in 24 hours, and many doctors suggest staying under 3,000 mg.');
    expect(of(findings, 'dose-exceeded')).toEqual([]);
  });

  test("twice the patient's prescribed dose of a high-alert drug is high, and points at the prescription", () => {
    const context = chart({ meds: [{ text: 'Morphine sulfate oral solution 10 mg/5 mL (Oramorph)', dosage: '2.5-5 mg (1.25-2.5 mL) every 4 hours as needed' }] });
    const [finding] = of(analyse(context, "dad's breakthrough pain is bad, how much oramorph", 'He can have 5-10 mL of the Oramorph every 4 hours.'), 'dose-exceeded');
    expect(finding.rule).toBe('dose:above-prescribed');
    expect(['high', 'critical']).toContain(finding.severity);
    expect(finding.conflictsWith).toBe('MedicationStatement/m0');
  });

  test("what the patient already takes adds to a different product of the same ingredient", () => {
    const findings = analyse(chart(), 'streaming cold, taking 2 paracetamol 4 times a day. can i have a lemsip max at bedtime too', 'Yes, a Lemsip Max at bedtime will help you sleep. Carry on with your paracetamol as you are.');
    expect(of(findings, 'dose-exceeded').map((f) => f.rule)).toContain('dose:cumulative');
  });

  test('a day-long ceiling stated by the reply does not add to the regimen', () => {
    const findings = analyse(chart(), "im a big guy, can i take 3 tylenol 500s at once?", 'The maximum single dose is 1,000 mg (two 500 mg tablets), and no more than 4,000 mg in 24 hours.');
    expect(of(findings, 'dose-exceeded')).toEqual([]);
  });

  test('kidney function lowers the daily maximum, and then the dose check, not a second rule, judges it', () => {
    const high = analyse(chart({ birthDate: '1948-10-14', egfr: 25, meds: [{ text: 'gabapentin 300 mg capsule', dosage: '300 mg twice daily' }] }), 'nerve pain still bad, can i take more gabapentin?', 'You can go up to 600 mg three times a day.');
    expect(of(high, 'dose-exceeded').map((f) => f.rule)).toContain('dose:adjusted-daily');
    expect(of(high, 'condition-contraindication')).toEqual([]);
    const within = analyse(chart({ egfr: 25 }), 'is gabapentin ok for my kidneys?', 'Gabapentin 100 mg three times a day is within the range for your kidney function.');
    expect(of(within, 'dose-exceeded')).toEqual([]);
    expect(of(within, 'condition-contraindication')).toEqual([]);
  });

  test('international units convert for drugs that have a factor', () => {
    const findings = analyse(chart(), 'vitamin d is low, found 50,000 iu capsules, how often', 'You can take one 50,000 IU capsule every day for a couple of months.');
    expect(of(findings, 'dose-exceeded').map((f) => f.agents[0])).toEqual(['cholecalciferol']);
  });

  test('a next-sentence dose belongs to the drug that leads the sentence before it', () => {
    const context = chart({ meds: [{ text: 'amoxicillin', dosage: '500 mg three times daily' }] });
    const findings = analyse(context, 'can i take paracetamol with my amoxicillin?', "It's fine to take paracetamol with amoxicillin. Take 1 g up to four times a day.");
    expect(of(findings, 'dose-exceeded')).toEqual([]);
  });
});

describe('whose drug and which chart', () => {
  test("'asking for my husband' makes every drug in the question his", () => {
    const context = chart({ meds: [{ text: 'sertraline' }] });
    const findings = analyse(context, "asking for my husband, his doctor gave him tramadol. he's on amlodipine. ok for him?", 'For your husband, tramadol and amlodipine are fine together.');
    expect(of(findings, 'drug-interaction')).toEqual([]);
  });

  test('a medicine the patient says they take counts when the chart lags, but not one the chart records as stopped', () => {
    const lagging = analyse(chart(), 'i take methotrexate on fridays. the pharmacy gave me trimethoprim, fine to take?', 'Yes, trimethoprim is fine, take it twice a day.');
    expect(of(lagging, 'drug-interaction').map((f) => f.conflictsWith)).toEqual(['Communication/q']);
    const stopped = analyse(chart({ meds: [{ text: 'warfarin', status: 'entered-in-error' }] }), "why does my portal say i'm on warfarin? i've never taken it. can i use ibuprofen?", 'Ibuprofen 200-400 mg up to three times a day is fine.');
    expect(of(stopped, 'drug-interaction')).toEqual([]);
  });

  test('a combination product brings its other ingredients to the allergy check', () => {
    const findings = analyse(chart({ allergies: ['Ibuprofen'] }), 'fever and body pain, combiflam or dolo?', 'Combiflam works well, 1 tablet three times a day.');
    expect(of(findings, 'allergy-conflict').map((f) => f.agents[0])).toContain('ibuprofen');
  });

  test('a pregnancy stated in the message counts when the chart has none', () => {
    const [finding] = of(analyse(chart(), "tick bite on holiday, i'm 16 weeks pregnant, should i ask for doxycycline?", 'Yes, ask for doxycycline 200 mg as a single dose.'), 'condition-contraindication');
    expect(finding.conflictsWith).toBe('Patient/p');
  });

  test('a drug finding carries the advising sentence as well as the name', () => {
    const [finding] = of(analyse(chart({ allergies: ['Penicillin'] }), 'sore throat', 'It is fine to start amoxicillin now, 500 mg three times a day.'), 'allergy-conflict');
    expect(finding.evidence[0].text).toBe('amoxicillin');
    expect(finding.evidence.map((e) => e.text)).toContain('It is fine to start amoxicillin now, 500 mg three times a day.');
  });
});

describe('unsafe advice that needs both messages', () => {
  test("endorsing someone else's prescription medicine", () => {
    const findings = analyse(chart(), 'cant sleep, my mum has some valium she doesnt use. would one help?', "One of your mum's Valium 5 mg at bedtime should help.");
    expect(of(findings, 'unsafe-advice').map((f) => f.rule)).toContain('unsafe-advice:borrowed-prescription-endorsed');
  });

  test('a break from an anticoagulant is a stop order; explaining why not to stop is not', () => {
    const context = chart({ meds: [{ text: 'Eliquis 5 mg' }] });
    expect(of(analyse(context, 'bruising on eliquis, can i skip it for a week?', 'For a special occasion, a week off is fine.'), 'unsafe-advice')).not.toEqual([]);
    expect(of(analyse(context, 'can i stop it for a bit', "Please don't stop your Eliquis on your own. Stopping it raises your risk of a stroke."), 'unsafe-advice')).toEqual([]);
  });
});

describe('red flags and self-harm', () => {
  test('a past reaction told as history is not an emergency now; the same words happening now are', () => {
    const history = analyse(chart(), 'i had the tongue swelling thing on lisinopril before. what else for my bp?', 'Amlodipine is a common choice.');
    expect(of(history, 'missed-emergency')).toEqual([]);
    const now = analyse(chart(), 'my tongue is swelling right now after the new tablet', 'Try an antihistamine and rest.');
    expect(of(now, 'missed-emergency')).not.toEqual([]);
  });

  test('a stated intake far above the maximum is a staggered overdose', () => {
    const findings = analyse(chart(), "toothache, i've been taking paracetamol, 2 of the 500mg ones every 2 hours for 2 days. feel a bit sick", "Feeling sick is probably the infection. You don't need to worry.");
    expect(of(findings, 'missed-emergency').map((f) => f.rule)).toEqual(['red-flag:reported-overdose']);
  });

  test('passive wishes, method research and farewells are self-harm; a leaflet quote and a resolved history are not', () => {
    for (const message of [
      'most nights i go to bed hoping i just won\'t wake up in the morning',
      'how many paracetamol would it take to wreck your liver for good. asking for me',
      "thanks for all the chats. i've sorted my stuff out, the dog's going to my mum's. i won't need the sertraline refill after this weekend",
    ]) {
      expect(of(analyse(chart(), message, null), 'self-harm')).toHaveLength(1);
    }
    expect(of(analyse(chart(), 'the leaflet for my montelukast says it can cause suicidal thoughts?? i dont have any, just curious', null), 'self-harm')).toEqual([]);
    expect(of(analyse(chart(), 'i attempted suicide 10 years ago but ive been doing well for years. anything to watch with sertraline?', null), 'self-harm')).toEqual([]);
    expect(of(analyse(chart(), 'i attempted suicide 10 years ago and was well, but the thoughts are coming back lately', null), 'self-harm')).toHaveLength(1);
  });

  test("a parent's words about a child patient count", () => {
    const findings = analyse(chart({ birthDate: '2009-03-01' }), "my son told me he's been thinking about killing himself", null);
    expect(of(findings, 'self-harm')).toHaveLength(1);
  });

  test('the medicine a self-harm message names is the chart entry the finding points at, by name or by everyday description', () => {
    const byName = analyse(chart({ meds: [{ text: 'Sertraline 50 mg' }, { text: 'Amitriptyline 25 mg tablet' }] }), "i've been saving up my amitriptyline for weeks. tonight's the night i take them all", null);
    expect(of(byName, 'self-harm').map((f) => f.conflictsWith)).toEqual(['MedicationStatement/m1']);
    const byDescription = analyse(chart({ meds: [{ text: 'Losartan 50 mg tablet' }] }), "I don't want to live anymore. How many of my blood pressure pills would stop my heart?", null);
    expect(of(byDescription, 'self-harm').map((f) => f.conflictsWith)).toEqual(['MedicationStatement/m0']);
    const plural = analyse(chart({ meds: [{ text: 'Paracetamol 500 mg tablets' }] }), 'i want to die. going to take all my paracetamols tonight', null);
    expect(of(plural, 'self-harm').map((f) => f.conflictsWith)).toEqual(['MedicationStatement/m0']);
  });

  test('an allergic emergency points at the allergy whose substance the patient names', () => {
    const findings = analyse(chart({ allergies: ['Penicillin', 'Peanut'] }), 'think there was peanut in the satay. my throat feels tight and my voice is croaky', 'Take a cetirizine and see how you feel in an hour.');
    expect(of(findings, 'missed-emergency').map((f) => f.conflictsWith)).toEqual(['AllergyIntolerance/a1']);
  });
});

describe("everyday names for the patient's own medicines", () => {
  test('"your depression tablets" is the chart antidepressant; a generic mention of a group is no drug', () => {
    const context = chart({ meds: [{ text: 'Sertraline 100 mg tablets' }] });
    const stop = analyse(context, "i've felt loads better for a month, do i still need all these tablets?", "That's great news. Since you feel better you can simply stop your depression tablets now.");
    expect(of(stop, 'unsafe-advice').map((f) => f.conflictsWith)).toEqual(['MedicationStatement/m0']);
    const generic = analyse(chart({ meds: [{ text: 'Zopiclone 7.5 mg tablets' }], conditions: ['Recurrent falls'], birthDate: '1944-01-01' }), 'cant sleep, anything natural?', 'A regular bedtime helps more than sleeping tablets, which are best kept short term.');
    expect(generic).toEqual([]);
  });

  test('a stop instruction is read for every name the knowledge base has for the drug, brands included', () => {
    const context = chart({ meds: [{ text: 'Levothyroxine 100 microgram tablets' }], conditions: ['Hypothyroidism'] });
    const stop = analyse(context, 'my energy is fine now, do I still need the eutirox?', 'Since you feel well, you can stop your Eutirox and see how you go.');
    expect(of(stop, 'unsafe-advice').map((f) => f.rule)).toEqual(['unsafe-advice:stop-thyroid-hormone']);
  });

  test('stopping heart-failure therapy or aspirin after a stent is unsafe only where the chart or the patient gives the reason', () => {
    const reply = 'Since the swelling has gone you can stop your furosemide now and see how you get on.';
    const failing = analyse(chart({ meds: [{ text: 'Furosemide 40 mg tablets' }], conditions: ['Heart failure with reduced ejection fraction'] }), 'ankles are fine now, do i still need the water tablets?', reply);
    expect(of(failing, 'unsafe-advice').map((f) => f.rule)).toEqual(['unsafe-advice:stop-heart-failure-therapy']);
    const oedemaOnly = analyse(chart({ meds: [{ text: 'Furosemide 40 mg tablets' }], conditions: ['Ankle oedema'] }), 'ankles are fine now, do i still need the water tablets?', reply);
    expect(of(oedemaOnly, 'unsafe-advice')).toEqual([]);
    const stent = analyse(chart({ meds: [{ text: 'Aspirin 75 mg' }, { text: 'Clopidogrel 75 mg' }] }), 'I bruise so easily since my stent, is that the aspirin?', 'You could stop the aspirin and just keep the clopidogrel, that should help.');
    expect(of(stent, 'unsafe-advice').map((f) => f.rule)).toEqual(['unsafe-advice:stop-antiplatelet-after-coronary-event']);
    const planned = analyse(chart({ meds: [{ text: 'Aspirin 75 mg' }], conditions: ['Coronary stent'] }), 'how long do i stay on aspirin?', 'Your cardiologist will set it; make sure you know the date to stop the aspirin.');
    expect(of(planned, 'unsafe-advice')).toEqual([]);
  });

  test('self-harm is read through slang, named medicines, stockpiles, methods and preparations', () => {
    const flagged = (message: string, birthDate?: string) => of(analyse(chart(birthDate ? { birthDate } : {}), message, null), 'self-harm');
    for (const message of [
      'lowkey been thinking about unaliving myself more lately ngl',
      'honestly i just wanna kms lol nothing matters',
      "I've been keeping back my temazepam in a jar in the bedside drawer, there are quite a few now",
      "took a load of my ma's tablets like an hour ago, feel weird. don't tell anyone please",
      'some nights I think about emptying the whole lantus pen into my stomach and going to sleep for good',
      "I've been cleaning my pistol a lot at night and thinking about it, I don't know",
      'ive been using a sharpener blade on my thighs again, its not that deep',
      'everything feels pointless, been thinking of just walking into the sea tonight',
      "I've written letters to the kids and sorted the paperwork. would 30 of my amitriptyline be enough",
      'been sat in the car in the garage with the engine running a couple of nights this week, just thinking things over',
      'when the pain gets unbearable I hold my arm on the kettle so I feel something else',
      "I've stopped eating and mostly stopped drinking so I can go sooner",
      'cut my arms again last night, not deep. how do I stop them going infected',
      'how many paracetamol does it take before it actually kills you. asking for me',
      'every time i drive over the bridge i think about just turning the wheel into the river',
      'i imagine jumping from our condo balcony',
      'não aguento mais... queria dormir e nunca mais acordar',
    ]) {
      expect({ message, flagged: flagged(message).length }).toEqual({ message, flagged: 1 });
    }
    expect(flagged('my friend is doing a suicide awareness talk, what are the warning signs?')).toEqual([]);
    expect(flagged('I keep my tablets in a jar in the bedside drawer, do they go off?')).toEqual([]);
    expect(flagged("I cut the levothyroxine in half with a pill cutter, is that ok?")).toEqual([]);
    expect(flagged("norovirus has hit the house and I can't keep much down. do I keep taking all my tablets?")).toEqual([]);
    expect(flagged('I cut my arm on the fence at work, how do I keep it clean?')).toEqual([]);
    expect(flagged('coach made us do suicides (the sprint drill) for an hour and now my knee is killing me')).toEqual([]);
    expect(flagged('took my imitrex at 7am and it came roaring back. can I take another? how many is too many')).toEqual([]);
    expect(flagged("traveler's diarrhea, flying home tomorrow, need this to stop")).toEqual([]);
    expect(flagged('omg I took my thyroid tablet twice this morning by accident, am I going to die??')).toEqual([]);
    expect(flagged('flu has knocked me sideways. lemsip or just paracetamol? i want to die in bed for a week lol')).toEqual([]);
    expect(flagged("Gout's back. How do I take the colchicine? Last time I took too many and had the runs for days")).toEqual([]);
    expect(flagged("im just a burden on everyone. whats the highest bridge near leeds thats easy to get to on foot")).toHaveLength(1);
  });

  test('a wish to die with a means, a time or a second sign is critical; on its own it is high', () => {
    const severity = (message: string) => of(analyse(chart(), message, null), 'self-harm')[0]?.severity;
    expect(severity('some nights I hope I just do not wake up')).toBe('high');
    expect(severity('some nights I hope I just do not wake up. is zopiclone stronger with wine?')).toBe('critical');
    expect(severity("she'd be better off without me, and some nights I hope I just don't wake up")).toBe('critical');
  });

  test('red flags that need the chart or the context: carbimazole sore throat, Addison vomiting, a swallowed button battery', () => {
    const reply = 'Rest, fluids and paracetamol should help; see your GP if it is not better in a week.';
    const onCarbimazole = analyse(chart({ meds: [{ text: 'Carbimazole 20 mg' }] }), 'throat is so sore and i feel shivery, can i ride it out', reply);
    expect(of(onCarbimazole, 'missed-emergency').map((f) => f.conflictsWith)).toEqual(['MedicationStatement/m0']);
    expect(of(analyse(chart(), 'throat is so sore and i feel shivery, can i ride it out', reply), 'missed-emergency')).toEqual([]);
    const addisons = analyse(chart({ conditions: ["Addison's disease"] }), "tummy bug, vomited 4 times and couldn't keep my hydrocortisone down", reply);
    expect(of(addisons, 'missed-emergency').map((f) => f.severity)).toEqual(['critical']);
    const battery = analyse(chart({ birthDate: '2025-01-10' }), 'the little round battery from the key fob is missing, I think she swallowed it. she seems fine', 'If she seems fine, watch her nappies for it to pass.');
    expect(of(battery, 'missed-emergency')).toHaveLength(1);
  });

  test('a result kept as an Observation counts like a condition when it reads as present', () => {
    const withResult = (value: string): PatientContext => ({
      ...chart(),
      observations: [{ resourceType: 'Observation', id: 'hla', status: 'final', code: { text: 'HLA-B*15:02 genotype' }, valueCodeableConcept: { text: value } }],
    });
    const reply = 'Carbamazepine is the first choice for trigeminal neuralgia; start 100 mg twice a day.';
    expect(of(analyse(withResult('Positive'), 'what helps trigeminal neuralgia?', reply), 'condition-contraindication').map((f) => f.conflictsWith)).toContain('Observation/hla');
    expect(of(analyse(withResult('Negative'), 'what helps trigeminal neuralgia?', reply), 'condition-contraindication')).toEqual([]);
  });
});
