import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, RedisRateLimiter } from '../../src/auth/rate-limit.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient } from '../helpers/graphql.ts';
import { makeToken } from './helpers.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let db: TestDatabase;
let redisUp = false;

beforeAll(async () => {
  db = await openTestDatabase();
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  redisUp = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
  probe.disconnect();
});

afterAll(async () => {
  await db?.destroy();
});

describe('MemoryRateLimiter', () => {
  it('counts a fixed one-minute window and says when it resets', async () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    expect(await limiter.hit('k', 2)).toEqual({ allowed: true, limit: 2, remaining: 1, retryAfterSeconds: 60 });
    now += 10_000;
    expect((await limiter.hit('k', 2)).allowed).toBe(true);
    expect(await limiter.hit('k', 2)).toEqual({ allowed: false, limit: 2, remaining: 0, retryAfterSeconds: 50 });
    expect((await limiter.hit('other', 2)).allowed).toBe(true);
    now += 50_000;
    expect((await limiter.hit('k', 2)).allowed).toBe(true);
  });
});

describe('rate limit per token', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the token budget, other tokens unaffected', async () => {
    const client = gqlClient(db, { production: true });
    const limited = await makeToken(db, 'ANALYST', { rateLimitPerMinute: 3 });
    const other = await makeToken(db, 'ANALYST');
    for (let i = 0; i < 3; i++) expect((await client.query('{ viewer { role } }', {}, limited.header)).status).toBe(200);
    const response = await client.server.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...limited.header },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0].message).toMatch(/3 requests a minute/);
    expect((await client.query('{ viewer { role } }', {}, other.header)).status).toBe(200);
  });

  it('uses the server default (RATE_LIMIT_PER_MINUTE) for tokens without their own', async () => {
    const client = gqlClient(db, { production: true, config: { rateLimitPerMinute: 2 } });
    const token = await makeToken(db, 'INGEST');
    expect((await client.query('{ viewer { role } }', {}, token.header)).status).toBe(200);
    expect((await client.query('{ viewer { role } }', {}, token.header)).status).toBe(200);
    expect((await client.query('{ viewer { role } }', {}, token.header)).status).toBe(429);
  });

  it('shares one budget between two servers through Redis', async (context) => {
    if (!redisUp) context.skip(`no Redis at ${REDIS_URL}`);
    // A fresh key space per run, so earlier runs' counters do not count.
    const prefix = `supportgraph-test:${randomBytes(6).toString('hex')}:`;
    const limiters = [new RedisRateLimiter(REDIS_URL, { prefix }), new RedisRateLimiter(REDIS_URL, { prefix })];
    try {
      const servers = limiters.map((rateLimiter) => gqlClient(db, { production: true, rateLimiter }));
      const token = await makeToken(db, 'ANALYST', { rateLimitPerMinute: 5 });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await servers[i % 2].query('{ viewer { role } }', {}, token.header)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      expect((await servers[0].query('{ viewer { role } }', {}, token.header)).status).toBe(429);
    } finally {
      await Promise.all(limiters.map((limiter) => limiter.close()));
    }
  });

  it('counts in memory when Redis cannot be reached', async () => {
    const limiter = new RedisRateLimiter('redis://127.0.0.1:1', { prefix: 'x:' });
    try {
      expect((await limiter.hit('k', 1)).allowed).toBe(true);
      expect((await limiter.hit('k', 1)).allowed).toBe(false);
    } finally {
      await limiter.close();
    }
  });
});
