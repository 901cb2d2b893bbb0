import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * Vigil's one error currency: deep code throws OperationOutcomeError built by these helpers,
 * and the HTTP error handler turns the outcome's id into the status.
 */

const STATUS_BY_ID: Record<string, number> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'server-error': 500,
  unavailable: 503,
};

function outcome(id: string, code: OperationOutcomeIssue['code'], text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id,
    issue: [{ severity: 'error', code, details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

const fail = (o: OperationOutcome): OperationOutcomeError => new OperationOutcomeError(o);

export const badRequest = (text: string, expression?: string) => fail(outcome('bad-request', 'invalid', text, expression));
export const invalidResource = (issues: OperationOutcomeIssue[]) =>
  fail({ resourceType: 'OperationOutcome', id: 'bad-request', issue: issues });
export const unauthorized = (text = 'Missing or invalid bearer token') => fail(outcome('unauthorized', 'login', text));
export const forbidden = (text: string) => fail(outcome('forbidden', 'forbidden', text));
export const notFound = (text: string) => fail(outcome('not-found', 'not-found', text));
export const methodNotAllowed = (text: string) => fail(outcome('method-not-allowed', 'not-supported', text));
export const conflict = (text: string, expression?: string) => fail(outcome('conflict', 'conflict', text, expression));
export const payloadTooLarge = (limit: number) =>
  fail(outcome('payload-too-large', 'too-long', `Request body exceeds the limit of ${limit} bytes`));
export const unsupportedMediaType = (type: string) =>
  fail(
    outcome('unsupported-media-type', 'not-supported', `Content-Type ${type || '(none)'} is not supported; use application/fhir+json`),
  );
export const unprocessable = (text: string, expression?: string) =>
  fail(outcome('unprocessable', 'business-rule', text, expression));
export const unavailable = (text: string) => fail(outcome('unavailable', 'transient', text));

export const internalError: OperationOutcome = outcome('server-error', 'exception', 'Internal server error');

export function statusOf(o: OperationOutcome): number {
  return (o.id && STATUS_BY_ID[o.id]) || getStatus(o);
}

export function isOutcomeError(err: unknown): err is OperationOutcomeError {
  return err instanceof OperationOutcomeError;
}

export function allOk(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', details: { text } }] };
}
