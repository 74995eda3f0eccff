import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/client.ts';
import { badInput, userError } from '../errors.ts';
import type { ApiToken } from '../generated/prisma/client.ts';
import type { RoleName } from '../schema/context.ts';
import { forgetTokens } from './token-cache.ts';

/** Prefix of every generated secret: lets secret scanners and people recognise one. */
export const SECRET_PREFIX = 'sgt_';
/** Random bytes in a secret (256 bits). */
export const SECRET_BYTES = 32;
/** Longest token name. */
export const MAX_TOKEN_NAME = 100;
/** Largest per-token rate limit, requests a minute. */
export const MAX_RATE_LIMIT = 1_000_000;

/** A fresh secret: the prefix and 32 random bytes, base64url. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
}

/** The SHA-256 (hex) of a secret: what the database stores and looks up. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

// The expected side is the configured ADMIN_TOKEN, the same on every request: its digest is
// worked out once (a few entries at most, for tests that configure several).
const expectedDigests = new Map<string, Buffer>();
const digest = (secret: string) => createHash('sha256').update(secret).digest();

/** Compares two secrets in time independent of where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  let wanted = expectedDigests.get(expected);
  if (!wanted) {
    wanted = digest(expected);
    if (expectedDigests.size >= 8) expectedDigests.clear();
    expectedDigests.set(expected, wanted);
  }
  // Hashing first gives equal lengths, which timingSafeEqual needs.
  return timingSafeEqual(digest(given), wanted);
}

/** A stored token row (its `secretHash` is never exposed by the API). */
export type ApiTokenRow = ApiToken;

/** What creating a token needs, ids already decoded. */
export interface NewApiToken {
  name: string;
  role: RoleName;
  teamIds?: number[] | null;
  expiresAt?: Date | null;
  rateLimitPerMinute?: number | null;
}

/**
 * Checks a new token's fields: a name, teams exactly for TEAM_LEAD (and they exist), an
 * expiry in the future, a sane rate limit. Throws BAD_USER_INPUT naming the field.
 */
export async function validateNewToken(db: Database, input: NewApiToken, now = new Date()): Promise<NewApiToken> {
  const name = input.name.trim();
  if (name === '' || name.length > MAX_TOKEN_NAME) {
    throw badInput(`input.name must be 1 to ${MAX_TOKEN_NAME} characters (got ${name.length})`, { argument: 'input.name' });
  }
  const teamIds = [...new Set(input.teamIds ?? [])].sort((a, b) => a - b);
  if (input.role === 'TEAM_LEAD' && teamIds.length === 0) {
    throw badInput('input.teamIds: a TEAM_LEAD token needs at least one team; it reads only those teams', {
      argument: 'input.teamIds',
    });
  }
  if (input.role !== 'TEAM_LEAD' && teamIds.length > 0) {
    throw badInput(`input.teamIds: only TEAM_LEAD tokens are limited to teams; a ${input.role} token takes none`, {
      argument: 'input.teamIds',
    });
  }
  if (teamIds.length > 0) {
    const found = await db.prisma.team.findMany({ where: { id: { in: teamIds } }, select: { id: true } });
    const missing = teamIds.filter((id) => !found.some((team) => team.id === id));
    if (missing.length > 0) throw badInput(`input.teamIds: no Team with id ${missing.join(', ')}`, { argument: 'input.teamIds' });
  }
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    throw badInput(`input.expiresAt (${input.expiresAt.toISOString()}) must be in the future`, { argument: 'input.expiresAt' });
  }
  const limit = input.rateLimitPerMinute;
  if (limit !== null && limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_RATE_LIMIT)) {
    throw badInput(`input.rateLimitPerMinute must be an integer from 1 to ${MAX_RATE_LIMIT} (got ${limit})`, {
      argument: 'input.rateLimitPerMinute',
    });
  }
  return { ...input, name, teamIds };
}

/** Creates a token and returns it with its secret, which is not stored and cannot be shown again. */
export async function createApiToken(db: Database, input: NewApiToken): Promise<{ token: ApiTokenRow; secret: string }> {
  const valid = await validateNewToken(db, input);
  const secret = generateSecret();
  const token = await db.prisma.apiToken.create({
    data: {
      name: valid.name,
      role: valid.role,
      teamIds: valid.teamIds ?? [],
      expiresAt: valid.expiresAt ?? null,
      rateLimitPerMinute: valid.rateLimitPerMinute ?? null,
      secretHash: hashSecret(secret),
    },
  });
  return { token, secret };
}

/** Revokes a token (idempotent: a revoked token keeps its first revocation time). */
export async function revokeApiToken(db: Database, id: number, now = new Date()): Promise<ApiTokenRow> {
  const existing = await db.prisma.apiToken.findUnique({ where: { id } });
  if (!existing) throw userError('NOT_FOUND', `no ApiToken with id ${id}`, { argument: 'id' });
  if (existing.revokedAt) return existing;
  // Its trigger (migration 0012_token_notify) tells the other server processes at the
  // commit; this one forgets its cached tokens before answering.
  const revoked = await db.prisma.apiToken.update({ where: { id }, data: { revokedAt: now } });
  forgetTokens(db);
  return revoked;
}
