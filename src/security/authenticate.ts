import type { NextFunction, Request, Response } from 'express';
import { forbidden, unauthorized } from '../fhir/outcomes';
import type { ApiKeyring, ApiPrincipal, Scope } from './api-keys';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: ApiPrincipal;
  }
}

/** Every FHIR and admin route: `Authorization: Bearer <key>`. */
export function authenticate(keyring: ApiKeyring) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match ? keyring.authenticate(match[1]) : undefined;
    if (!principal) throw unauthorized();
    req.principal = principal;
    next();
  };
}

/** Reads need `read`; anything that changes data needs `write`. */
export function requireScope(req: Request): void {
  const needed: Scope = req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
  if (!req.principal?.scopes.includes(needed)) throw forbidden(`The API key "${req.principal?.name ?? ''}" does not have ${needed} access`);
}
