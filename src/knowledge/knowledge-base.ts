import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { compilePattern, type Pattern } from './pattern';
import {
  classAliasesFileSchema,
  contraindicationsFileSchema,
  crossReactivityFileSchema,
  drugsFileSchema,
  highAlertFileSchema,
  interactionsFileSchema,
  mentionCuesFileSchema,
  productsFileSchema,
  redFlagsFileSchema,
  selfHarmFileSchema,
  unsafeAdviceFileSchema,
  type Contraindication,
  type CrossReactivityGroup,
  type Drug,
  type Interaction,
} from './knowledge-schema';

/** A drug id, or a class id written `class:<id>`: how knowledge entries name what they apply to. */
export type AgentRef = string;

export interface Source {
  title: string;
  url: string;
}

/** The loaded, indexed knowledge: plain data the pure clinical functions take as an argument. */
export interface KnowledgeBase {
  version: string;
  drugs: Map<string, Drug>;
  /** class id → the drug ids in it */
  classMembers: Map<string, Set<string>>;
  /** lower-case surface form → drug id or class ref; used to find mentions in text */
  lexicon: Map<string, AgentRef>;
  /** longest surface form in words, bounding the mention matcher's window */
  lexiconMaxWords: number;
  /** every proper word-prefix of a multi-word surface form ("co", "co amoxiclav"): the matcher grows a phrase only while it is one */
  lexiconPrefixes: Set<string>;
  /** Normalised everyday name for the patient's own medicines of a class ("blood pressure pills") → class id. */
  ownMedicineDescriptors: Map<string, string>;
  byRxnorm: Map<string, string>;
  crossReactivity: CrossReactivityGroup[];
  interactions: Interaction[];
  /** drug id → the interactions naming it (directly or by class), so a check looks at a handful, not all. */
  interactionsByDrug: Map<string, Interaction[]>;
  cues: z.infer<typeof mentionCuesFileSchema>;
  selfHarm: { pattern: Pattern; requiresAlso?: Pattern; childPatientOnly?: boolean; intent: string; severity: Interaction['severity']; source: string }[];
  /** Markers of a remote, resolved history of self-harm (see self-harm.json). */
  selfHarmRemoteHistory?: { timeMarkers: Pattern[]; wellnessMarkers: Pattern[]; recurrenceMarkers: Pattern[]; source: string };
  contraindications: Contraindication[];
  /** drug id → the contraindication rules naming it (directly or by class), in file order. */
  contraindicationsByDrug: Map<string, Contraindication[]>;
  /** Finding rule ids (`contraindication:<id>`) of the rules that only ask for a lower dose. */
  doseAdjustmentRules: Set<string>;
  redFlags: {
    redFlags: { id: string; label: string; patterns: Pattern[]; requiresAlso?: Pattern[]; chart?: { pregnancy?: boolean; conditionText?: string[]; drugs?: AgentRef[]; underAgeYears?: number; allergies?: boolean; drugsMeetRequiresAlso?: boolean; meetsRequiresAlso: boolean }; pregnancyFromWeek?: number; severity: Interaction['severity']; referral: 'emergency' | 'urgent'; source: string }[];
    emergencyReferral: Pattern[];
    urgentReferral: Pattern[];
    historyMarkers: Pattern[];
    presentMarkers: Pattern[];
    reportedOverdose?: { multipleOfMaxDaily: number; label: string; severity: Interaction['severity']; referral: 'emergency' | 'urgent'; source: string };
  };
  /** Normalised product name → its other active ingredients ("norco" → acetaminophen). */
  productIngredients: Map<string, string[]>;
  /** Lower-case product names with their unit strength or concentration, longest name first. */
  products: { name: string; drug: string; unitMg?: number; mgPerMl?: number; ingredients?: { drug: string; unitMg?: number; mgPerMl?: number }[]; maxUnitsPerDay?: number }[];
  /** `drugIds`: every drug the rule's agents cover, expanded once at load. */
  unsafeAdvice: {
    id: string;
    kind: string;
    patterns: Pattern[];
    agents?: AgentRef[];
    drugIds: Set<string>;
    patientSays?: Pattern[];
    whenCondition?: string[];
    /** `whenCondition` as the patient might say it, each phrase a whole word (plural allowed); compiled once. */
    whenConditionSaid?: RegExp;
    /** Drug ids that exempt the exchange from the rule. */
    exemptDrugIds: Set<string>;
    replyEndorsesPatientDrug?: 'any' | 'prescription';
    severity: Interaction['severity'];
    rationale: string;
    source: string;
  }[];
  /** Drug ids where a dose above the prescribed one is likely to cause serious harm. */
  highAlert: Set<string>;
  sources: Map<string, Source>;
}

export class KnowledgeError extends Error {}

function readFile<S extends z.ZodTypeAny>(dir: string, name: string, schema: S): z.infer<S> {
  const file = path.join(dir, name);
  const parsed = schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new KnowledgeError(`${name} is invalid: ${first.join('; ')}`);
  }
  return parsed.data;
}

export function loadKnowledgeBase(dir: string): KnowledgeBase {
  const drugsFile = readFile(dir, 'drugs.json', drugsFileSchema);
  const aliasesFile = readFile(dir, 'class-aliases.json', classAliasesFileSchema);
  const crossFile = readFile(dir, 'allergy-cross-reactivity.json', crossReactivityFileSchema);
  const interactionsFile = readFile(dir, 'interactions.json', interactionsFileSchema);
  const cues = readFile(dir, 'mention-cues.json', mentionCuesFileSchema);
  const selfHarmFile = readFile(dir, 'self-harm.json', selfHarmFileSchema);
  const contraindicationsFile = readFile(dir, 'contraindications.json', contraindicationsFileSchema);
  const redFlagsFile = readFile(dir, 'red-flags.json', redFlagsFileSchema);
  const unsafeFile = readFile(dir, 'unsafe-advice.json', unsafeAdviceFileSchema);
  const productsFile = readFile(dir, 'products.json', productsFileSchema);
  const highAlertFile = readFile(dir, 'high-alert.json', highAlertFileSchema);

  const drugs = new Map<string, Drug>();
  const classMembers = new Map<string, Set<string>>();
  const byRxnorm = new Map<string, string>();
  const lexicon = new Map<string, AgentRef>();
  const sources = new Map<string, Source>();
  for (const file of [drugsFile, aliasesFile, crossFile, interactionsFile, selfHarmFile, contraindicationsFile, redFlagsFile, unsafeFile, productsFile, highAlertFile]) {
    for (const [key, source] of Object.entries(file.sources)) sources.set(key, source);
  }

  for (const drug of drugsFile.drugs) {
    if (drugs.has(drug.id)) throw new KnowledgeError(`drugs.json: duplicate drug ${drug.id}`);
    drugs.set(drug.id, drug);
    if (drug.rxnorm) byRxnorm.set(drug.rxnorm, drug.id);
    for (const cls of drug.classes) {
      if (!classMembers.has(cls)) classMembers.set(cls, new Set());
      classMembers.get(cls)?.add(drug.id);
    }
  }
  // Class names first, so a drug named like its class ("penicillin") wins the shared surface form.
  for (const [cls, aliases] of Object.entries(aliasesFile.aliases)) {
    for (const alias of aliases) lexicon.set(normalizeTerm(alias), `class:${cls}`);
  }
  for (const drug of drugsFile.drugs) {
    for (const term of [drug.id.replace(/-/g, ' '), drug.name, ...drug.brands, ...drug.synonyms, ...drug.misspellings]) {
      lexicon.set(normalizeTerm(term), drug.id);
    }
  }

  const knownRef = (ref: AgentRef) => (ref.startsWith('class:') ? classMembers.has(ref.slice(6)) : drugs.has(ref));
  for (const group of crossFile.groups) {
    for (const ref of [...group.allergens, ...group.reactsWith]) {
      if (!knownRef(ref)) throw new KnowledgeError(`allergy-cross-reactivity.json: ${group.id} names unknown agent ${ref}`);
    }
  }
  for (const interaction of interactionsFile.interactions) {
    for (const ref of [...interaction.a, ...interaction.b]) {
      if (!knownRef(ref)) throw new KnowledgeError(`interactions.json: ${interaction.id} names unknown agent ${ref}`);
    }
  }

  for (const product of productsFile.products) {
    for (const drugId of [product.drug, ...(product.ingredients ?? []).map((i) => i.drug)]) {
      if (!drugs.has(drugId)) throw new KnowledgeError(`products.json: ${product.name} names unknown drug ${drugId}`);
    }
    // A product name the drug list lacks ("DayQuil") still names its main ingredient in chat text.
    const term = normalizeTerm(product.name);
    if (!lexicon.has(term)) lexicon.set(term, product.drug);
  }
  for (const rule of [...contraindicationsFile.rules, ...unsafeFile.rules]) {
    for (const ref of 'agents' in rule ? rule.agents ?? [] : []) {
      if (!knownRef(ref)) throw new KnowledgeError(`${rule.id} names unknown agent ${ref}`);
    }
  }
  const regex = (pattern: string, where: string): Pattern => {
    try {
      return compilePattern(pattern);
    } catch (err) {
      throw new KnowledgeError(`${where}: invalid pattern ${pattern}: ${(err as Error).message}`);
    }
  };

  /** The drugs an entry's agent reference stands for: the drug, or every member of the class. */
  const drugsNamedBy = (ref: AgentRef): string[] => (ref.startsWith('class:') ? [...(classMembers.get(ref.slice(6)) ?? [])] : [ref]);
  const interactionsByDrug = new Map<string, Interaction[]>();
  for (const interaction of interactionsFile.interactions) {
    const named = new Set<string>();
    for (const ref of [...interaction.a, ...interaction.b]) {
      for (const drugId of drugsNamedBy(ref)) named.add(drugId);
    }
    for (const drugId of named) interactionsByDrug.set(drugId, [...(interactionsByDrug.get(drugId) ?? []), interaction]);
  }
  /**
   * `{agents}` in a pattern: every name the lexicon has for the rule's drugs and classes (generic,
   * brands, misspellings, class aliases), longest first, so a brand added to drugs.json is read everywhere.
   */
  const namesOf = (agents: AgentRef[]): string => {
    const drugIds = new Set(agents.flatMap(drugsNamedBy));
    const names = [...lexicon].filter(([, ref]) => drugIds.has(ref) || agents.includes(ref)).map(([name]) => name);
    if (names.length === 0) throw new KnowledgeError(`unsafe-advice.json: {agents} names nothing for ${agents.join(', ')}`);
    return names
      .sort((a, b) => b.length - a.length)
      .map((name) => name.split(' ').map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^a-z0-9]{0,2}'))
      .join('|');
  };
  const contraindicationsByDrug = new Map<string, Contraindication[]>();
  for (const rule of contraindicationsFile.rules) {
    const named = new Set(rule.agents.flatMap(drugsNamedBy));
    for (const drugId of named) contraindicationsByDrug.set(drugId, [...(contraindicationsByDrug.get(drugId) ?? []), rule]);
  }
  const highAlert = new Set<string>();
  for (const entry of highAlertFile.classes) {
    const members = classMembers.get(entry.id);
    if (!members) throw new KnowledgeError(`high-alert.json: unknown class ${entry.id}`);
    for (const drugId of members) highAlert.add(drugId);
  }
  for (const entry of highAlertFile.drugs) {
    if (!drugs.has(entry.id)) throw new KnowledgeError(`high-alert.json: unknown drug ${entry.id}`);
    highAlert.add(entry.id);
  }
  const ownMedicineDescriptors = new Map<string, string>();
  for (const [cls, phrases] of Object.entries(aliasesFile.ownMedicineDescriptors ?? {})) {
    if (!classMembers.has(cls)) throw new KnowledgeError(`class-aliases.json: descriptor for unknown class ${cls}`);
    for (const phrase of phrases) ownMedicineDescriptors.set(normalizeTerm(phrase), cls);
  }
  const lexiconPrefixes = new Set<string>();
  for (const term of lexicon.keys()) {
    const words = term.split(' ');
    for (let n = 1; n < words.length; n++) lexiconPrefixes.add(words.slice(0, n).join(' '));
  }

  return {
    version: drugsFile.version,
    interactionsByDrug,
    drugs,
    classMembers,
    lexicon,
    lexiconMaxWords: Math.max(...[...lexicon.keys()].map((k) => k.split(' ').length)),
    lexiconPrefixes,
    ownMedicineDescriptors,
    byRxnorm,
    crossReactivity: crossFile.groups,
    interactions: interactionsFile.interactions,
    cues: normalizeCues(cues),
    selfHarm: selfHarmFile.expressions.map((e) => ({
      ...e,
      pattern: regex(e.pattern, 'self-harm.json'),
      requiresAlso: e.requiresAlso === undefined ? undefined : regex(e.requiresAlso, 'self-harm.json'),
    })),
    selfHarmRemoteHistory: selfHarmFile.remoteHistory && {
      timeMarkers: selfHarmFile.remoteHistory.timeMarkers.map((p) => regex(p, 'self-harm.json remoteHistory')),
      wellnessMarkers: selfHarmFile.remoteHistory.wellnessMarkers.map((p) => regex(p, 'self-harm.json remoteHistory')),
      recurrenceMarkers: selfHarmFile.remoteHistory.recurrenceMarkers.map((p) => regex(p, 'self-harm.json remoteHistory')),
      source: selfHarmFile.remoteHistory.source,
    },
    contraindications: contraindicationsFile.rules,
    contraindicationsByDrug,
    doseAdjustmentRules: new Set(contraindicationsFile.rules.filter((r) => r.doseAdjustment).map((r) => `contraindication:${r.id}`)),
    redFlags: {
      redFlags: redFlagsFile.redFlags.map((f) => ({
        ...f,
        patterns: f.patterns.map((p) => regex(p, `red-flags.json ${f.id}`)),
        requiresAlso: f.requiresAlso?.map((p) => regex(p, `red-flags.json ${f.id}`)),
      })),
      emergencyReferral: redFlagsFile.emergencyReferral.map((p) => regex(p, 'red-flags.json emergencyReferral')),
      urgentReferral: redFlagsFile.urgentReferral.map((p) => regex(p, 'red-flags.json urgentReferral')),
      historyMarkers: redFlagsFile.historyMarkers.map((p) => regex(p, 'red-flags.json historyMarkers')),
      presentMarkers: redFlagsFile.presentMarkers.map((p) => regex(p, 'red-flags.json presentMarkers')),
      reportedOverdose: redFlagsFile.reportedOverdose,
    },
    productIngredients: new Map(productsFile.products.filter((p) => p.ingredients?.length).map((p) => [normalizeTerm(p.name), (p.ingredients ?? []).map((i) => i.drug)])),
    products: [...productsFile.products].map((p) => ({ ...p, name: p.name.toLowerCase() })).sort((a, b) => b.name.length - a.name.length),
    unsafeAdvice: unsafeFile.rules.map((r) => ({
      ...r,
      patterns: r.patterns.map((p) => regex(p.replaceAll('{agents}', () => namesOf(r.agents ?? [])), `unsafe-advice.json ${r.id}`)),
      patientSays: r.patientSays?.map((p) => regex(p, `unsafe-advice.json ${r.id}`)),
      drugIds: new Set((r.agents ?? []).flatMap(drugsNamedBy)),
      exemptDrugIds: new Set((r.unlessExchangeNames ?? []).flatMap(drugsNamedBy)),
      whenConditionSaid: r.whenCondition && new RegExp(`\\b(?:${r.whenCondition.map((phrase) => phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})s?\\b`, 'i'),
    })),
    highAlert,
    sources,
  };
}

/** Lower case, words separated by single spaces: the form the lexicon and the tokenizer share. */
export function normalizeTerm(term: string): string {
  return term
    .toLowerCase()
    .replace(/[®™]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Does `drugId` fall under `ref` (the same drug, or a member of the class)? */
export function agentCovers(kb: KnowledgeBase, ref: AgentRef, drugId: string): boolean {
  if (ref.startsWith('class:')) return kb.classMembers.get(ref.slice(6))?.has(drugId) ?? false;
  return ref === drugId;
}

/** Cue phrases in the tokenizer's form, computed once instead of for every mention. */
function normalizeCues<T extends Record<string, unknown>>(cues: T): T {
  return Object.fromEntries(
    Object.entries(cues).map(([key, value]) => [key, Array.isArray(value) ? value.map((v) => normalizeTerm(String(v))) : value]),
  ) as T;
}
