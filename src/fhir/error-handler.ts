import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { badRequest, internalError, isOutcomeError, payloadTooLarge, statusOf } from './outcomes';
import { sendFhir } from './send';

/** The one place an error becomes a response: always an OperationOutcome, never internals. */
export function errorHandler(log: Logger, maxBodyBytes: number) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const outcomeError = isOutcomeError(err) ? err : fromBodyParser(err, maxBodyBytes);
    if (outcomeError) {
      const status = statusOf(outcomeError.outcome);
      if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="vigil"');
      sendFhir(res, status, outcomeError.outcome);
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    sendFhir(res, 500, internalError);
  };
}

function fromBodyParser(err: unknown, maxBodyBytes: number) {
  const type = (err as { type?: string } | undefined)?.type;
  if (type === 'entity.too.large') return payloadTooLarge(maxBodyBytes);
  if (type === 'entity.parse.failed') return badRequest('The request body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return badRequest('Unsupported body encoding');
  return undefined;
}
