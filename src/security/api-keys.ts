import crypto from 'node:crypto';

export type Scope = 'read' | 'write';

export interface ApiPrincipal {
  name: string;
  scopes: Scope[];
}

export interface ApiKeyring {
  authenticate(secret: string): ApiPrincipal | undefined;
}

/** Parses `name:secret[:read|write],...`. A key without a scope may read and write. */
export function parseApiKeys(text: string): { name: string; secret: string; scopes: Scope[] }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, secret, scope] = entry.split(':');
      if (!name || !secret) throw new Error(`VIGIL_API_KEYS: entry "${name ?? ''}" must be name:secret[:scope]`);
      if (secret.length < 16) throw new Error(`VIGIL_API_KEYS: the secret of "${name}" must be at least 16 characters`);
      if (scope !== undefined && scope !== 'read' && scope !== 'write') {
        throw new Error(`VIGIL_API_KEYS: scope of "${name}" must be read or write`);
      }
      const scopes: Scope[] = scope === 'read' ? ['read'] : ['read', 'write'];
      return { name, secret, scopes };
    });
}

export function createKeyring(keys: { name: string; secret: string; scopes: Scope[] }[]): ApiKeyring {
  // Compare digests so every comparison takes the same time whatever the secret's length.
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  const entries = keys.map((k) => ({ ...k, digest: digest(k.secret) }));
  return {
    authenticate(secret) {
      const presented = digest(secret);
      let match: ApiPrincipal | undefined;
      for (const e of entries) {
        if (crypto.timingSafeEqual(presented, e.digest)) match = { name: e.name, scopes: e.scopes };
      }
      return match;
    },
  };
}

export function generateSecret(): string {
  return crypto.randomBytes(24).toString('base64url');
}
