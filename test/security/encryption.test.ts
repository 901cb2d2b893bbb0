import crypto from 'node:crypto';
import { createKeyring, parseApiKeys } from '../../src/security/api-keys';
import { createSealer, parseDataKey } from '../../src/security/encryption';

describe('encryption at rest', () => {
  const key = crypto.randomBytes(32);

  test('sealed text opens to the original and does not contain it', () => {
    const sealer = createSealer(key);
    const sealed = sealer.seal('I take warfarin and feel dizzy');
    expect(sealed).not.toContain('warfarin');
    expect(sealer.open(sealed)).toBe('I take warfarin and feel dizzy');
  });

  test('the same text seals differently each time (random IV)', () => {
    const sealer = createSealer(key);
    expect(sealer.seal('same')).not.toBe(sealer.seal('same'));
  });

  test('tampered ciphertext and a different key are refused', () => {
    const sealed = createSealer(key).seal('hello');
    const parts = sealed.split('.');
    parts[4] = Buffer.from('jello').toString('base64url');
    expect(() => createSealer(key).open(parts.join('.'))).toThrow();
    expect(() => createSealer(crypto.randomBytes(32)).open(sealed)).toThrow(/another data key/);
  });

  test('VIGIL_DATA_KEY accepts base64 or hex of 32 bytes only', () => {
    expect(parseDataKey(key.toString('base64'))).toEqual(key);
    expect(parseDataKey(key.toString('hex'))).toEqual(key);
    expect(() => parseDataKey('short')).toThrow(/32 bytes/);
  });
});

describe('API keys', () => {
  test('name:secret[:scope] entries authenticate with their scopes', () => {
    const keyring = createKeyring(parseApiKeys('ehr:ehr-secret-0123456789abc, auditor:auditor-secret-012345:read'));
    expect(keyring.authenticate('ehr-secret-0123456789abc')).toEqual({ name: 'ehr', scopes: ['read', 'write'] });
    expect(keyring.authenticate('auditor-secret-012345')).toEqual({ name: 'auditor', scopes: ['read'] });
    expect(keyring.authenticate('ehr-secret-0123456789ab')).toBeUndefined();
  });

  test('malformed entries and short secrets are refused', () => {
    expect(() => parseApiKeys('nocolon')).toThrow(/name:secret/);
    expect(() => parseApiKeys('a:short')).toThrow(/16 characters/);
    expect(() => parseApiKeys('a:long-enough-secret-123:admin')).toThrow(/read or write/);
  });
});
