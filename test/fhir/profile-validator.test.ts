import { OperationOutcomeError } from '@medplum/core';
import type { CodeSystem, Communication, OperationOutcomeIssue, Resource, ValueSet } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfileValidator, type ProfileValidator } from '../../src/fhir/profile-validator';
import { RISK_CATEGORIES } from '../../src/clinical/types';

const PROFILES_DIR = join(__dirname, '..', '..', 'fhir-profiles');

let validator: ProfileValidator;

beforeAll(() => {
  validator = loadProfileValidator(PROFILES_DIR); // indexes all of R4: once for the file
});

function patientMessage(): Communication {
  return {
    resourceType: 'Communication',
    identifier: [{ system: 'urn:chat-platform:message', value: 'm-1' }],
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    sender: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/e1' },
    sent: '2024-05-01T10:00:00Z',
    payload: [{ contentString: 'I have a bad headache. Can I take ibuprofen?' }],
  };
}

function botReply(): Communication {
  return {
    ...patientMessage(),
    identifier: [{ system: 'urn:chat-platform:message', value: 'm-2' }],
    sender: { reference: 'Device/chatbot', display: 'Chat assistant' },
    recipient: [{ reference: 'Patient/p1' }],
    inResponseTo: [{ reference: 'Communication/c1' }],
    sent: '2024-05-01T10:00:05+02:00',
    payload: [{ contentString: 'Ibuprofen 400 mg every 6 hours is usually fine for adults.' }],
  };
}

/** Runs the validator and returns the issues it threw, or [] when the resource passed. */
function issuesOf(resource: unknown): OperationOutcomeIssue[] {
  try {
    validator.validate(resource as Resource);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(OperationOutcomeError);
    const outcome = (err as OperationOutcomeError).outcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.id).toBe('bad-request');
    expect(outcome.issue.length).toBeGreaterThan(0);
    expect(outcome.issue.every((i) => i.severity === 'error')).toBe(true);
    return outcome.issue;
  }
}

function expressions(issues: OperationOutcomeIssue[]): string[] {
  return issues.flatMap((i) => i.expression ?? []);
}

describe('chat-message profile', () => {
  test('a patient message passes', () => {
    expect(issuesOf(patientMessage())).toEqual([]);
  });

  test('a bot reply from the chatbot Device, answering a message with inResponseTo, passes', () => {
    expect(issuesOf(botReply())).toEqual([]);
  });

  test('absolute, versioned and bundle-local references pass', () => {
    const message: Communication = {
      ...botReply(),
      subject: { reference: 'https://ehr.example.org/fhir/R4/Patient/p1/_history/3' },
      sender: { reference: 'urn:uuid:3f2b8c1e-4a7d-4e0b-9c55-1a2b3c4d5e6f' },
    };
    expect(issuesOf(message)).toEqual([]);
  });

  test('a message without a subject is rejected at Communication.subject', () => {
    const { subject: _, ...message } = patientMessage();
    const issues = issuesOf(message);
    expect(expressions(issues)).toEqual(['Communication.subject']);
    expect(issues[0].details?.text).toBe('Missing required property');
  });

  test('a message without payload is rejected at Communication.payload', () => {
    const { payload: _, ...message } = patientMessage();
    expect(expressions(issuesOf(message))).toEqual(['Communication.payload']);
  });

  test('a message with an empty payload array is rejected', () => {
    expect(expressions(issuesOf({ ...patientMessage(), payload: [] }))).toContain('Communication.payload');
  });

  test('a message without sent is rejected at Communication.sent', () => {
    const { sent: _, ...message } = patientMessage();
    expect(expressions(issuesOf(message))).toEqual(['Communication.sent']);
  });

  test('a message without a sender is rejected at Communication.sender', () => {
    const { sender: _, ...message } = patientMessage();
    expect(expressions(issuesOf(message))).toEqual(['Communication.sender']);
  });

  test('a subject that is a Group, not a Patient, is rejected', () => {
    const issues = issuesOf({ ...patientMessage(), subject: { reference: 'Group/g1' } });
    expect(expressions(issues)).toEqual(['Communication.subject']);
    expect(issues[0].details?.text).toContain('got Group, expected Patient');
  });

  test('a sender that is a Practitioner is rejected, also as an absolute URL or via Reference.type', () => {
    for (const sender of [
      { reference: 'Practitioner/dr1' },
      { reference: 'https://ehr.example.org/fhir/Practitioner/dr1' },
      { reference: 'Practitioner?identifier=http://npi|123' },
      { type: 'Practitioner', identifier: { system: 'http://npi', value: '123' } },
    ]) {
      expect(expressions(issuesOf({ ...patientMessage(), sender }))).toEqual(['Communication.sender']);
    }
  });

  test('a sender pointing at a contained Practitioner is rejected', () => {
    const message = {
      ...patientMessage(),
      contained: [{ resourceType: 'Practitioner', id: 'dr' }],
      sender: { reference: '#dr' },
    };
    expect(expressions(issuesOf(message))).toContain('Communication.sender');
  });

  test('inResponseTo pointing at something other than a Communication is rejected', () => {
    const message = { ...botReply(), inResponseTo: [{ reference: 'Communication/c1' }, { reference: 'Patient/p1' }] };
    expect(expressions(issuesOf(message))).toEqual(['Communication.inResponseTo[1]']);
  });

  test('message content other than a string (attachment, reference) is rejected', () => {
    const attachment = { ...patientMessage(), payload: [{ contentAttachment: { contentType: 'text/plain', data: 'aGk=' } }] };
    expect(expressions(issuesOf(attachment))).toEqual(['Communication.payload[0].contentAttachment']);
    const reference = { ...patientMessage(), payload: [{ contentString: 'hi' }, { contentReference: { reference: 'Patient/p1' } }] };
    expect(expressions(issuesOf(reference))).toEqual(['Communication.payload[1].contentReference']);
  });

  test('an unknown property is rejected with its path', () => {
    expect(expressions(issuesOf({ ...patientMessage(), mood: 'happy' }))).toEqual(['Communication.mood']);
  });

  test('bad JSON types are rejected: payload not an array, text not a string, sent not a dateTime', () => {
    expect(expressions(issuesOf({ ...patientMessage(), payload: { contentString: 'hi' } }))).toContain(
      'Communication.payload',
    );
    expect(expressions(issuesOf({ ...patientMessage(), payload: [{ contentString: 42 }] }))).toContain(
      'Communication.payload[0].content[x]',
    );
    expect(expressions(issuesOf({ ...patientMessage(), sent: 'yesterday' }))).toEqual(['Communication.sent']);
  });

  test('every problem is reported at once, each once', () => {
    const { subject: _s, sent: _t, ...message } = patientMessage();
    const issues = issuesOf({ ...message, sender: { reference: 'Organization/o1' }, colour: 'blue' });
    expect(expressions(issues).sort()).toEqual(
      ['Communication.colour', 'Communication.sender', 'Communication.sent', 'Communication.subject'].sort(),
    );
  });
});

describe('resources without a Vigil profile', () => {
  test('get base R4 validation only', () => {
    expect(issuesOf({ resourceType: 'Patient', id: 'p1', birthDate: '1980-02-29' })).toEqual([]);
    expect(expressions(issuesOf({ resourceType: 'Patient', birthDate: 'last year' }))).toEqual(['Patient.birthDate']);
  });

  test('anything that is not a FHIR resource is rejected', () => {
    expect(issuesOf(null)).toHaveLength(1);
    expect(issuesOf([])).toHaveLength(1);
    expect(issuesOf({ resourceType: 'NotAType' })).toHaveLength(1);
  });
});

describe('chat-risk terminology', () => {
  const codeSystem = JSON.parse(readFileSync(join(PROFILES_DIR, 'chat-risk.CodeSystem.json'), 'utf8')) as CodeSystem;
  const valueSet = JSON.parse(readFileSync(join(PROFILES_DIR, 'chat-risk.ValueSet.json'), 'utf8')) as ValueSet;

  test('the CodeSystem and ValueSet are valid R4 resources', () => {
    expect(issuesOf(codeSystem)).toEqual([]);
    expect(issuesOf(valueSet)).toEqual([]);
  });

  test('the CodeSystem holds the seven risk categories, each defined, and the ValueSet includes all of it', () => {
    expect(codeSystem.url).toBe('http://vigil.health/fhir/CodeSystem/chat-risk');
    expect(codeSystem.content).toBe('complete');
    expect(codeSystem.concept?.map((c) => c.code)).toEqual([...RISK_CATEGORIES]);
    expect(codeSystem.concept?.every((c) => !!c.definition)).toBe(true);
    expect(valueSet.compose?.include).toEqual([{ system: codeSystem.url }]);
    expect(codeSystem.valueSet).toBe(valueSet.url);
  });
});
