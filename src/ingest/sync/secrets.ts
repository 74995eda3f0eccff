import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

// Connection credentials at rest: AES-256-GCM with a key from SYNC_ENCRYPTION_KEY, a
// fresh 12-byte IV per value, the auth tag stored beside the ciphertext, so a changed
// or swapped value fails to decrypt instead of yielding garbage. Stored as
// `v1:<iv>:<tag>:<ciphertext>` in base64. The plaintext never leaves this module except
// to build the request headers of a sync.

/** A missing or unusable key, or credentials that do not decrypt with it. */
export class SecretsError extends Error {
  override name = 'SecretsError';
}

/**
 * The 32-byte key from SYNC_ENCRYPTION_KEY: 64 hex digits or 44 base64 characters are
 * used as they are; any other text of at least 32 characters is stretched with scrypt.
 */
export function encryptionKey(value: string | undefined): Buffer {
  if (!value) throw new SecretsError('SYNC_ENCRYPTION_KEY is not set: stored connections need it to encrypt their credentials (e.g. `openssl rand -hex 32`)');
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return Buffer.from(value, 'base64');
  if (value.length < 32) throw new SecretsError('SYNC_ENCRYPTION_KEY is too short: give 64 hex digits (openssl rand -hex 32) or at least 32 characters');
  return scryptSync(value, 'supportgraph-connections', 32);
}

/** Encrypts a credentials object. */
export function encryptSecret(plain: Record<string, string>, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
}

/** Decrypts what encryptSecret wrote; a wrong key or a changed value is a SecretsError. */
export function decryptSecret(stored: string, key: Buffer): Record<string, string> {
  const [version, iv, tag, data] = stored.split(':');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new SecretsError('stored credentials are not in the v1 format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as Record<string, string>;
  } catch {
    throw new SecretsError('stored credentials do not decrypt with SYNC_ENCRYPTION_KEY (was the key changed?); set the connection’s credentials again');
  }
}
