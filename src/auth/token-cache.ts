import type { Database } from '../db/client.ts';
import type { ApiToken } from '../generated/prisma/client.ts';

// Valid stored tokens, by secret hash, for a few seconds: a request with a known token
// then needs no token lookup. Correctness comes first:
// - revokeApiToken empties this process's cache before it returns;
// - any change to a token but its lastUsedAt, by any process or by hand, NOTIFYs
//   TOKEN_CHANNEL at its commit (trigger of migration 0012_token_notify), which empties
//   the cache of every server process listening on that database (milliseconds later);
// - nothing is served from the cache while the listener is not listening (it might miss
//   a notification then);
// - expiry and revocation are checked on the cached row at every request, and a row is
//   read again after TOKEN_CACHE_MS whatever happens.
// Only valid tokens are kept; unknown secrets always go to the database.

/** How long a looked-up token is trusted without reading it again. */
export const TOKEN_CACHE_MS = 5_000;
/** Most tokens kept per database. */
const MAX_TOKENS = 1_000;
/** The NOTIFY channel that tells every server process to forget its cached tokens. */
export const TOKEN_CHANNEL = 'supportgraph_api_tokens';

interface Cache {
  entries: Map<string, { token: ApiToken; until: number }>;
  /** Bumped by every invalidation: a row read before one is not kept after it. */
  generation: number;
  /** While the database's listener is listening on TOKEN_CHANNEL. */
  usable: boolean;
}

const caches = new WeakMap<object, Cache>();

function cacheOf(db: Database): Cache {
  // A database opened with a replica is a copy of the primary's record: key by its Prisma client.
  let cache = caches.get(db.prisma);
  if (!cache) {
    const created: Cache = { entries: new Map(), generation: 0, usable: false };
    cache = created;
    caches.set(db.prisma, created);
    db.listen(
      TOKEN_CHANNEL,
      () => invalidate(created),
      (listening) => {
        invalidate(created);
        created.usable = listening;
      },
    );
  }
  return cache;
}

function invalidate(cache: Cache): void {
  cache.entries.clear();
  cache.generation += 1;
}

/** The cache's generation, to hand to rememberToken with a row read after this call. */
export function tokenGeneration(db: Database): number {
  return cacheOf(db).generation;
}

/** The cached row of a valid token with this secret hash, if one is fresh. */
export function cachedToken(db: Database, secretHash: string): ApiToken | null {
  const cache = cacheOf(db);
  if (!cache.usable) return null;
  const entry = cache.entries.get(secretHash);
  if (!entry) return null;
  if (entry.until <= Date.now()) {
    cache.entries.delete(secretHash);
    return null;
  }
  return entry.token;
}

/**
 * Keeps a token that was just found valid, unless the cache was invalidated since
 * `generation` (the row may predate a revocation) or the token is revoked.
 */
export function rememberToken(db: Database, secretHash: string, token: ApiToken, generation: number): void {
  const cache = cacheOf(db);
  if (!cache.usable || token.revokedAt || cache.generation !== generation) return;
  if (!cache.entries.has(secretHash) && cache.entries.size >= MAX_TOKENS) cache.entries.delete(cache.entries.keys().next().value as string);
  if (!cache.entries.has(secretHash)) cache.entries.set(secretHash, { token, until: Date.now() + TOKEN_CACHE_MS });
}

/** Forgets every cached token of this database in this process (after a revocation). */
export function forgetTokens(db: Database): void {
  const cache = caches.get(db.prisma);
  if (cache) invalidate(cache);
}
