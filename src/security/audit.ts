import type { AuditEvent, Reference } from '@medplum/fhirtypes';

/**
 * Builds the AuditEvent recorded for every access. Holds no message text: only who, what, when, outcome.
 */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

export interface AuditFacts {
  action: AuditAction;
  /** FHIR restful interaction: create, update, read, search-type, transaction, batch, or a job name. */
  interaction: string;
  agent: string;
  /** Resources touched: references such as `Communication/123`. */
  entities: string[];
  outcome: 'success' | 'failure';
  sourceAddress?: string;
  detail?: string;
}

const OUTCOME_CODE = { success: '0', failure: '8' } as const;

export function buildAuditEvent(facts: AuditFacts, recorded = new Date()): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: {
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: facts.interaction.startsWith('job:') ? '110100' : 'rest',
      display: facts.interaction.startsWith('job:') ? 'Application Activity' : 'RESTful Operation',
    },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: facts.interaction }],
    action: facts.action,
    recorded: recorded.toISOString(),
    outcome: OUTCOME_CODE[facts.outcome],
    outcomeDesc: facts.detail,
    agent: [
      {
        who: { display: facts.agent },
        requestor: true,
        network: facts.sourceAddress ? { address: facts.sourceAddress, type: '2' } : undefined,
      },
    ],
    source: { observer: { display: 'Vigil' } },
    entity: facts.entities.map((reference): { what: Reference } => ({ what: { reference } })),
  };
}
