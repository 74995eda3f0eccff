import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new report link token (256 random bits, URL-safe) and the hash stored in its place. */
export function newReportToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashReportToken(token) };
}

/** SHA-256 of a token, hex: what the database keeps, so a leaked table opens no report. */
export function hashReportToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` matches the stored hash, compared in constant time. */
export function reportTokenMatches(token: string | null | undefined, storedHash: string): boolean {
  // Hashing first gives equal-length inputs, so the comparison time says nothing about the token.
  const given = Buffer.from(hashReportToken(token ?? ''), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === given.length && timingSafeEqual(given, stored) && typeof token === 'string' && token !== '';
}
