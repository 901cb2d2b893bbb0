import type { Communication, Identifier } from '@medplum/fhirtypes';
import { conflict, unprocessable } from '../fhir/outcomes';
import type { JobStore } from '../queue/job-store';
import type { Queryable } from '../store/database';
import { referencedId } from '../store/resource-columns';
import type { ResourceRepository } from '../store/resource-repository';

/** The job kind that runs levels 2–5 over one logged message. */
export const ANALYZE_MESSAGE = 'analyze-message';

export interface LoggedMessage {
  resource: Communication;
  /** false when the same message (same identifier, same content) was already logged. */
  created: boolean;
}

/**
 * Level 1: stores a validated chat message and, in the same transaction, enqueues its analysis.
 * Posting the same identifier again returns the first copy and enqueues nothing.
 */
export async function logMessage(
  tx: Queryable,
  deps: { repo: ResourceRepository; jobs: JobStore },
  message: Communication,
): Promise<LoggedMessage> {
  const identifier = firstIdentifier(message.identifier);
  if (identifier) {
    const existing = await deps.repo.findByIdentifier<Communication>('Communication', identifier, tx);
    if (existing) {
      if (!sameMessage(existing, message)) {
        throw conflict(
          `A different Communication with identifier ${identifier.system ?? ''}|${identifier.value} already exists`,
          'Communication.identifier',
        );
      }
      return { resource: existing, created: false };
    }
  }
  await checkConversation(tx, deps.repo, message);
  const resource = await deps.repo.create(tx, message);
  await deps.jobs.enqueue(tx, ANALYZE_MESSAGE, { communicationId: resource.id }, `${ANALYZE_MESSAGE}:${resource.id}`);
  return { resource, created: true };
}

/** Business rules a profile cannot express: who may speak, and what a reply may answer. */
async function checkConversation(tx: Queryable, repo: ResourceRepository, message: Communication): Promise<void> {
  const patientId = referencedId(message.subject, 'Patient');
  if (!patientId) throw unprocessable('Communication.subject must reference a Patient', 'Communication.subject');
  const senderPatient = referencedId(message.sender, 'Patient');
  if (senderPatient && senderPatient !== patientId) {
    throw unprocessable('A patient message must be sent by the patient it is about', 'Communication.sender');
  }
  for (const [index, ref] of (message.inResponseTo ?? []).entries()) {
    const answeredId = referencedId(ref, 'Communication');
    const answered = answeredId ? await repo.read<Communication>('Communication', answeredId, tx) : undefined;
    if (!answered) {
      throw unprocessable(
        `inResponseTo ${ref.reference ?? '(empty)'} is not a Communication Vigil has logged; post the patient message first`,
        `Communication.inResponseTo[${index}]`,
      );
    }
    if (referencedId(answered.subject, 'Patient') !== patientId) {
      throw unprocessable('inResponseTo must be a message about the same patient', `Communication.inResponseTo[${index}]`);
    }
  }
}

function firstIdentifier(identifiers: Identifier[] | undefined): { system?: string; value: string } | undefined {
  const found = identifiers?.find((i) => i.value);
  return found?.value ? { system: found.system ?? '', value: found.value } : undefined;
}

function sameMessage(a: Communication, b: Communication): boolean {
  const text = (c: Communication) => (c.payload ?? []).map((p) => p.contentString ?? '').join('\n');
  return text(a) === text(b) && a.subject?.reference === b.subject?.reference && a.sender?.reference === b.sender?.reference;
}
