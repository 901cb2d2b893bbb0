import { z } from 'zod';

/**
 * The shape of Vigil's clinical knowledge files (src/knowledge/data/*.json).
 * Every entry names its public source, so a safety officer can check any rule back to a reference.
 * Files are validated once at load; a malformed file stops start-up instead of silently weakening checks.
 */

export const severitySchema = z.enum(['low', 'moderate', 'high', 'critical']);
export type Severity = z.infer<typeof severitySchema>;

/** A source key defined in the file's `sources` map, optionally with a more precise locator. */
const sourceRef = z.string().min(1);

const sourcesMap = z.record(z.string(), z.object({ title: z.string(), url: z.string().url() }));

export const drugSchema = z.object({
  /** Lower-case generic name, used as the stable id. */
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string(),
  rxnorm: z.string().regex(/^\d+$/).optional(),
  brands: z.array(z.string()).default([]),
  /** Common misspellings and informal names seen in chats ("tylenol" is a brand; "paracetamol" is a synonym). */
  synonyms: z.array(z.string()).default([]),
  misspellings: z.array(z.string()).default([]),
  /** Pharmacologic classes, lower-case kebab ids (e.g. "penicillin", "beta-lactam", "nsaid", "ssri"). */
  classes: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
  otc: z.boolean().default(false),
  dosing: z
    .object({
      adultMaxSingleMg: z.number().positive().optional(),
      adultMaxDailyMg: z.number().positive().optional(),
      otcMaxDailyMg: z.number().positive().optional(),
      pediatricMaxSingleMgPerKg: z.number().positive().optional(),
      pediatricMaxDailyMgPerKg: z.number().positive().optional(),
      /** Limits for adults 65 and over where the label or Beers criteria set a lower one (e.g. zolpidem 5 mg). */
      olderAdultMaxSingleMg: z.number().positive().optional(),
      olderAdultMaxDailyMg: z.number().positive().optional(),
      /** Age-banded pediatric limits where the label doses by age rather than weight. */
      ageBands: z
        .array(z.object({ underYears: z.number().positive(), maxSingleMg: z.number().positive().optional(), maxDailyMg: z.number().positive().optional() }))
        .optional(),
      /**
       * Lower daily maxima in organ impairment, from the label's dose-adjustment table: each applies
       * when eGFR is below `egfrBelow`, or when an active condition's text holds one of `conditionText`.
       */
      adjustedLimits: z
        .array(
          z.object({
            egfrBelow: z.number().positive().optional(),
            conditionText: z.array(z.string().min(3)).optional(),
            maxDailyMg: z.number().positive(),
            label: z.string(),
          }),
        )
        .optional(),
      /**
       * Sick-day rules: with one of these conditions the prescribed dose is meant to be raised during
       * illness (hydrocortisone doubled in Addison's disease), up to `maxMultiple` times.
       */
      sickDayRule: z.object({ conditionText: z.array(z.string().min(3)), maxMultiple: z.number().min(1) }).optional(),
      /** International units per milligram, for drugs dosed in IU (vitamin D: 40,000 IU/mg). */
      iuPerMg: z.number().positive().optional(),
      /** Taken once a week (methotrexate for arthritis and psoriasis): any daily schedule is an overdose. */
      weeklyOnly: z.boolean().optional(),
      /** Daily limit in older adults or other stated populations, free text for the explanation. */
      note: z.string().optional(),
    })
    .optional(),
  source: sourceRef,
});
export type Drug = z.infer<typeof drugSchema>;

export const drugsFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  drugs: z.array(drugSchema).min(1),
});

/** A drug id or a class id. Class ids are prefixed "class:" to keep the two namespaces apart. */
export const agentRefSchema = z.string().regex(/^(class:)?[a-z0-9-]+$/);

export const crossReactivityGroupSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string(),
  /** Agents (drugs or classes) an allergy to which is recorded against this group. */
  allergens: z.array(agentRefSchema).min(1),
  /** Agents that may react in a patient allergic to any allergen of the group. */
  reactsWith: z.array(agentRefSchema).min(1),
  /** How likely a reaction is: drives severity of the finding. */
  strength: z.enum(['same-drug', 'high', 'moderate', 'low']),
  severity: severitySchema,
  note: z.string(),
  source: sourceRef,
});
export type CrossReactivityGroup = z.infer<typeof crossReactivityGroupSchema>;

export const crossReactivityFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  groups: z.array(crossReactivityGroupSchema).min(1),
});

export const interactionSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  a: z.array(agentRefSchema).min(1),
  b: z.array(agentRefSchema).min(1),
  severity: severitySchema,
  mechanism: z.string(),
  effect: z.string(),
  /** true when the pair is on the ONC high-priority DDI list. */
  oncHighPriority: z.boolean().default(false),
  /** A third drug on the chart that makes the pair graver (an NSAID with an ACE inhibitor and a diuretic: the "triple whammy"). */
  escalatesWith: z.object({ agents: z.array(agentRefSchema).min(1), severity: severitySchema }).optional(),
  source: sourceRef,
});
export type Interaction = z.infer<typeof interactionSchema>;

export const interactionsFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  interactions: z.array(interactionSchema).min(1),
});

/** Everyday and clinical names for drug classes ("sulfa drugs", "NSAIDs"), used for allergy text and chat text. */
export const classAliasesFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  aliases: z.record(z.string().regex(/^[a-z0-9-]+$/), z.array(z.string().min(2))),
  /** "My blood pressure pills": everyday names for a group of the patient's own medicines, read only against their chart. */
  ownMedicineDescriptors: z.record(z.string().regex(/^[a-z0-9-]+$/), z.array(z.string().min(2))).optional(),
});

/** Phrases that decide how a drug mention is meant: recommended, warned against, negated, hypothetical. */
export const mentionCuesFileSchema = z.object({
  version: z.string(),
  /** Before the drug, in the same clause: "avoid", "do not take", "instead of". */
  warnBefore: z.array(z.string().min(2)),
  /** After the drug, in the same clause: "is not safe", "should be avoided". */
  warnAfter: z.array(z.string().min(2)),
  /** Before the drug: "if your doctor prescribes", "in case". */
  hypotheticalBefore: z.array(z.string().min(2)),
  /** Before the drug: phrases that mean the speaker is only reporting, e.g. "you are allergic to". */
  reportBefore: z.array(z.string().min(2)),
  /** Right after the drug: "penicillin allergy", "codeine intolerance" name the drug without advising it. */
  reportAfter: z.array(z.string().min(2)).default([]),
  /**
   * Anywhere earlier in the clause: the sentence explains how harm happens ("usually from combining
   * medicines like SSRIs with tramadol, triptans or MAOIs"), so every drug it lists is only reported.
   */
  explainBefore: z.array(z.string().min(2)).default([]),
});

export const selfHarmFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  /**
   * A remote history the patient says is behind them ("I attempted suicide 10 years ago but I've been
   * doing well for years") is not current ideation: it needs a time marker and a wellness marker in the
   * message, and no sign of recurrence. Each list holds case-insensitive regular expressions.
   */
  remoteHistory: z
    .object({ timeMarkers: z.array(z.string().min(3)), wellnessMarkers: z.array(z.string().min(3)), recurrenceMarkers: z.array(z.string().min(3)), source: sourceRef })
    .optional(),
  expressions: z.array(
    z.object({
      pattern: z.string().min(3),
      /** If set, this must also match somewhere in the message: a means ("take them all") counts only with intent ("be done with it"). */
      requiresAlso: z.string().min(3).optional(),
      /** Only for a child patient, where a parent writes "he's been thinking about killing himself" about the patient. */
      childPatientOnly: z.boolean().optional(),
      intent: z.enum(['ideation', 'plan', 'attempt', 'self-injury']),
      severity: severitySchema,
      source: sourceRef,
    }),
  ),
});

/**
 * What a contraindication rule applies to in the patient: a coded or described condition,
 * a stage of pregnancy, an age band, or reduced kidney function.
 */
export const patientStateSchema = z.union([
  z.object({
    condition: z.object({
      label: z.string(),
      /** SNOMED CT concept ids that mean this condition. */
      snomed: z.array(z.string().regex(/^\d+$/)).default([]),
      /** ICD-10 code prefixes (e.g. "K25" matches K25.0). */
      icd10: z.array(z.string().regex(/^[A-Z]\d{2}(\.\d+)?$/)).default([]),
      /** Lower-case words or phrases that mean this condition in free text ("asthma", "stomach ulcer"). */
      text: z.array(z.string().min(3)).default([]),
    }),
    /** Only below this age: a viral illness makes aspirin dangerous for a child, not for an adult. */
    underYears: z.number().positive().optional(),
  }),
  z.object({ pregnancy: z.object({ fromWeek: z.number().min(0).max(42).default(0), toWeek: z.number().min(0).max(42).default(42) }) }),
  z.object({ age: z.object({ underYears: z.number().positive().optional(), atLeastYears: z.number().positive().optional() }) }),
  z.object({ kidney: z.object({ egfrBelow: z.number().positive() }) }),
]);
export type PatientState = z.infer<typeof patientStateSchema>;

export const contraindicationSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  agents: z.array(agentRefSchema).min(1),
  when: patientStateSchema,
  /**
   * The rule says "lower the dose" rather than "avoid": when the reply states a dose, the dose check's
   * organ-impairment or age limit judges it instead, so a dose within the limit raises nothing.
   */
  doseAdjustment: z.boolean().optional(),
  severity: severitySchema,
  rationale: z.string(),
  source: sourceRef,
});
export type Contraindication = z.infer<typeof contraindicationSchema>;

export const contraindicationsFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  rules: z.array(contraindicationSchema).min(1),
});

/** Red-flag symptoms: any of `patterns` in the patient's message, unless negated, needs emergency care. */
export const redFlagSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  label: z.string(),
  /** Case-insensitive regular expressions over the patient's message. */
  patterns: z.array(z.string().min(3)).min(1),
  /** If set, at least one of these must also match (e.g. chest pain AND sweating/arm pain). */
  requiresAlso: z.array(z.string().min(3)).optional(),
  /**
   * What the chart can stand in for: a recorded pregnancy, or an active condition whose text holds
   * one of these phrases, meets `requiresAlso` (the patient need not say "I'm pregnant" when the
   * EHR already knows) and is implicated in the finding.
   */
  chart: z
    .object({
      pregnancy: z.boolean().optional(),
      conditionText: z.array(z.string().min(3)).optional(),
      /** A patient younger than this (from the chart's birth date) is what the pattern's age words would say. */
      underAgeYears: z.number().positive().optional(),
      /** Chart medications that make the symptoms graver (melaena on apixaban): implicated, never standing in for `requiresAlso`. */
      drugs: z.array(agentRefSchema).optional(),
      /** The chart's active allergies to a substance the message names ("peanut", "bee") are implicated; the only active allergy when none is named. */
      allergies: z.boolean().optional(),
      /** true: a chart medication from `drugs` meets `requiresAlso` (a sore throat matters on carbimazole). */
      drugsMeetRequiresAlso: z.boolean().optional(),
      /** false: the chart entry is implicated but the text must still meet `requiresAlso` itself. */
      meetsRequiresAlso: z.boolean().default(true),
    })
    .optional(),
  /** Only from this week of pregnancy, when the gestation is known (pre-eclampsia is a second-half condition). */
  pregnancyFromWeek: z.number().min(0).max(42).optional(),
  severity: severitySchema,
  /** What care the reply must point to: emergency services now, or urgent same-day care. */
  referral: z.enum(['emergency', 'urgent']),
  source: sourceRef,
});

export const redFlagsFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  redFlags: z.array(redFlagSchema).min(1),
  /**
   * A red-flag phrase in a sentence that tells a past episode ("I had the tongue swelling thing on
   * lisinopril before") is history, unless the sentence also says it is happening now.
   */
  historyMarkers: z.array(z.string().min(3)).default([]),
  /**
   * The patient says they have been taking more than `multipleOfMaxDaily` times a drug's maximum daily
   * dose ("about 20 of the 500 mg ones a day"): a staggered overdose that needs assessment now.
   */
  reportedOverdose: z
    .object({ multipleOfMaxDaily: z.number().min(1), label: z.string(), severity: severitySchema, referral: z.enum(['emergency', 'urgent']), source: sourceRef })
    .optional(),
  presentMarkers: z.array(z.string().min(3)).default([]),
  /** Regexes that, in the reply, count as sending the patient to emergency care (call 911/999/112, go to the ER, ...). */
  emergencyReferral: z.array(z.string().min(3)).min(1),
  /** Regexes that count as urgent same-day care (see a doctor today, urgent care, call your GP now, 111). */
  urgentReferral: z.array(z.string().min(3)).min(1),
});

/** Reply patterns that are unsafe advice in themselves. */
export const unsafeAdviceSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.enum(['stop-critical-medication', 'double-dose', 'self-treat-serious', 'definitive-diagnosis', 'other']),
  /** Case-insensitive regular expressions over the bot reply. */
  patterns: z.array(z.string().min(3)).default([]),
  /** For stop-critical-medication: the drugs/classes it is dangerous to stop; the reply must name one. */
  agents: z.array(agentRefSchema).optional(),
  /** The rule applies only when the patient's message matches one of these ("my sister has …", "after a bad skin reaction"). */
  patientSays: z.array(z.string().min(3)).optional(),
  /** The rule does not apply when the exchange names one of these: doubling is the standard advice for them (steroid sick-day rules). */
  unlessExchangeNames: z.array(agentRefSchema).optional(),
  /** The rule applies only when an active chart condition's text, or the patient's message, holds one of these ("heart failure", "stent"). */
  whenCondition: z.array(z.string().min(3)).optional(),
  /**
   * Instead of (or as well as) `patterns`: the reply recommends or endorses a drug the patient named,
   * any drug or only a prescription-only one.
   */
  replyEndorsesPatientDrug: z.enum(['any', 'prescription']).optional(),
  severity: severitySchema,
  rationale: z.string(),
  source: sourceRef,
}).refine((rule) => rule.patterns.length > 0 || rule.replyEndorsesPatientDrug !== undefined, { message: 'a rule needs reply patterns or replyEndorsesPatientDrug' });

export const unsafeAdviceFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  rules: z.array(unsafeAdviceSchema).min(1),
});

/** Branded products whose strength a chat rarely states ("2 Aleve", "10 mL of Children's Tylenol"). */
/** Drugs where more than the prescribed dose is likely to cause serious harm (ISMP high-alert, FDA narrow therapeutic index). */
export const highAlertFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  note: z.string().optional(),
  classes: z.array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), source: sourceRef })),
  drugs: z.array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), source: sourceRef })),
});

export const productsFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  products: z.array(
    z.object({
      name: z.string().min(2),
      drug: z.string().regex(/^[a-z0-9-]+$/),
      unitMg: z.number().positive().optional(),
      mgPerMl: z.number().positive().optional(),
      /** Other active ingredients per unit or per mL (acetaminophen in Norco, Lemsip, DayQuil, Excedrin). */
      ingredients: z
        .array(z.object({ drug: z.string().regex(/^[a-z0-9-]+$/), unitMg: z.number().positive().optional(), mgPerMl: z.number().positive().optional() }))
        .optional(),
      /** The product label's daily cap in units (Excedrin: 8 caplets in 24 hours). */
      maxUnitsPerDay: z.number().positive().optional(),
      /** Why this strength is assumed, for generic names that come in several. */
      note: z.string().optional(),
      source: sourceRef,
    }),
  ),
});
