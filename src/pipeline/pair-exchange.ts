import type { Communication } from '@medplum/fhirtypes';
import type { ChatMessage, Exchange } from '../clinical/types';
import { referencedId } from '../store/resource-columns';
import type { ResourceRepository } from '../store/resource-repository';

/** How far back to look for the patient message a reply answers when it does not say. */
const LOOKBACK = 50;

export function speakerOf(message: Communication): 'patient' | 'bot' {
  return referencedId(message.sender, 'Patient') ? 'patient' : 'bot';
}

export function toChatMessage(message: Communication): ChatMessage {
  return {
    reference: `Communication/${message.id}`,
    speaker: speakerOf(message),
    text: (message.payload ?? []).map((p) => p.contentString ?? '').join('\n'),
  };
}

/**
 * Level 2, first step: the exchange to analyse. A bot reply is paired with the patient message in
 * its inResponseTo, else with the latest earlier patient message in the same encounter.
 */
export async function pairExchange(repo: ResourceRepository, message: Communication): Promise<Exchange> {
  if (speakerOf(message) === 'patient') return { patientMessage: toChatMessage(message) };
  const answered = await answeredMessage(repo, message);
  return { botReply: toChatMessage(message), patientMessage: answered ? toChatMessage(answered) : undefined };
}

async function answeredMessage(repo: ResourceRepository, reply: Communication): Promise<Communication | undefined> {
  const explicit = referencedId(reply.inResponseTo?.[0], 'Communication');
  if (explicit) return repo.read<Communication>('Communication', explicit);
  const patientId = referencedId(reply.subject, 'Patient');
  if (!patientId) return undefined;
  const recent = await repo.search({ resourceType: 'Communication', patientId, sortDescending: true, count: LOOKBACK, offset: 0 });
  const sentAt = Date.parse(reply.sent ?? '') || Number.POSITIVE_INFINITY;
  return (recent.resources as Communication[])
    .filter((c) => c.id !== reply.id && speakerOf(c) === 'patient')
    .filter((c) => (c.encounter?.reference ?? '') === (reply.encounter?.reference ?? ''))
    .filter((c) => (Date.parse(c.sent ?? '') || 0) <= sentAt)
    .sort((a, b) => Date.parse(b.sent ?? '') - Date.parse(a.sent ?? ''))[0];
}
