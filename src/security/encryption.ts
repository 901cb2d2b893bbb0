import crypto from 'node:crypto';

/**
 * AES-256-GCM for PHI at rest. Sealed text is `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts),
 * so a later key rotation can tell which key sealed a value.
 */
export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error('The data key must be 32 bytes (AES-256)');
  const keyId = crypto.createHash('sha256').update(key).digest('base64url').slice(0, 8);
  return {
    seal(plaintext) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, sealedKeyId, iv, tag, ciphertext] = sealed.split('.');
      if (version !== 'v1' || ciphertext === undefined) throw new Error('Unrecognised sealed value');
      if (sealedKeyId !== keyId) throw new Error(`Value was sealed with another data key (${sealedKeyId})`);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** Parses VIGIL_DATA_KEY: 32 bytes as base64 or 64 hex characters. */
export function parseDataKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('VIGIL_DATA_KEY must be 32 bytes, base64 or hex encoded');
  return key;
}
