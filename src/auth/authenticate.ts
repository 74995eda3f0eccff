import type { Database } from '../db/client.ts';
import { userError } from '../errors.ts';
import { DEVELOPMENT_VIEWER, type Viewer } from '../schema/context.ts';
import { hashSecret, sameSecret } from './tokens.ts';
import { cachedToken, rememberToken, tokenGeneration } from './token-cache.ts';

/** How requests are authenticated. */
export interface AuthSettings {
  /** Production: every request needs a valid token. Otherwise no token means ADMIN. */
  production: boolean;
  /** ADMIN_TOKEN: a secret that is an ADMIN token. */
  adminToken: string | null;
  /** Requests a minute for tokens without their own limit. */
  defaultRateLimit: number;
}

/** Who a request acts as, and which rate-limit budget it spends. */
export interface Authenticated {
  viewer: Viewer;
  /** Budget key (null: not limited, only development requests without a token). */
  rateKey: string | null;
  ratePerMinute: number;
}

/** The viewer of the ADMIN_TOKEN. */
export const ADMIN_TOKEN_VIEWER: Viewer = { role: 'ADMIN', teamIds: null, tokenName: 'ADMIN_TOKEN', tokenId: null };

// lastUsedAt is for people ("is this token still in use?"): minute precision is plenty
// and saves a write on every request.
const LAST_USED_PRECISION_MS = 60_000;

const unauthenticated = (message: string) => userError('UNAUTHENTICATED', message);

/** The bearer secret of an Authorization header; null without one. Throws on a malformed header. */
export function bearerSecret(header: string | null): string | null {
  if (header === null || header.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * Resolves the viewer of a request from its Authorization header: ADMIN_TOKEN, a stored
 * token (valid, not revoked, not expired), or, outside production, no token at all.
 * Throws UNAUTHENTICATED otherwise; the message never repeats the secret.
 */
export async function authenticate(db: Database, authorization: string | null, settings: AuthSettings, now = new Date()): Promise<Authenticated> {
  const secret = bearerSecret(authorization);
  if (secret === null) {
    if (settings.production) {
      throw unauthenticated('this server needs an API token: send the header "Authorization: Bearer <token>"');
    }
    return { viewer: DEVELOPMENT_VIEWER, rateKey: null, ratePerMinute: settings.defaultRateLimit };
  }
  if (settings.adminToken !== null && sameSecret(secret, settings.adminToken)) {
    return { viewer: ADMIN_TOKEN_VIEWER, rateKey: 'admin-token', ratePerMinute: settings.defaultRateLimit };
  }
  const secretHash = hashSecret(secret);
  const generation = tokenGeneration(db);
  const token = cachedToken(db, secretHash) ?? (await db.prisma.apiToken.findUnique({ where: { secretHash } }));
  if (!token) throw unauthenticated('the API token is not valid');
  if (token.revokedAt) throw unauthenticated(`the API token "${token.name}" was revoked`);
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
    throw unauthenticated(`the API token "${token.name}" expired at ${token.expiresAt.toISOString()}`);
  }
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
    await db.prisma.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now }, select: { id: true } });
    token.lastUsedAt = now;
  }
  rememberToken(db, secretHash, token, generation);
  return {
    viewer: {
      role: token.role,
      teamIds: token.role === 'TEAM_LEAD' ? token.teamIds : null,
      tokenName: token.name,
      tokenId: token.id,
    },
    rateKey: `token:${token.id}`,
    ratePerMinute: token.rateLimitPerMinute ?? settings.defaultRateLimit,
  };
}
