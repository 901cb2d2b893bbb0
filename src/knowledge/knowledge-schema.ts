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
});

export const selfHarmFileSchema = z.object({
  version: z.string(),
  sources: sourcesMap,
  expressions: z.array(
    z.object({
      pattern: z.string().min(3),
      intent: z.enum(['ideation', 'plan', 'attempt', 'self-injury']),
      severity: severitySchema,
      source: sourceRef,
    }),
  ),
});
