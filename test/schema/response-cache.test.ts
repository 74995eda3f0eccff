import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertTeams, upsertTickets } from '../../src/ingest/upsert.ts';
import { MemoryResponseCache, RedisResponseCache, type ResponseCacheStore } from '../../src/schema/response-cache-plugin.ts';
import { makeToken, TEST_ADMIN_TOKEN } from '../auth/helpers.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';

// The response cache: identical (document, variables, viewer scope) answers come from the
// cache until a write changes the data version; two team leads never share an answer.

let db: TestDatabase;
const RANGE = { from: '2026-05-04T00:00:00Z', to: '2026-05-05T00:00:00Z' };
const Q = `query ($range: DateTimeRange!) { metrics(range: $range) { ticketsCreated } }`;

beforeAll(async () => {
  db = await openTestDatabase();
  await upsertTeams(db, [{ externalId: 'north', name: 'North' }, { externalId: 'south', name: 'South' }]);
  // North: 2 tickets on 4 May, South: 1.
  await upsertTickets(db, [
    { externalId: 'n1', channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: new Date('2026-05-04T09:00:00Z') },
    { externalId: 'n2', channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: new Date('2026-05-04T10:00:00Z') },
    { externalId: 's1', channel: 'CHAT', status: 'OPEN', teamExternalId: 'south', createdAt: new Date('2026-05-04T11:00:00Z') },
  ]);
});
afterAll(async () => {
  await db?.destroy();
});

/**
 * Writes one ticket into another database: on PostgreSQL a scratch database of the same
 * server (which moved the old, cluster-wide snapshot version), on PGlite another instance.
 */
async function writeElsewhere(): Promise<void> {
  const other = await openTestDatabase();
  try {
    await upsertTeams(other, [{ externalId: 'north', name: 'North' }]);
    await upsertTickets(other, [
      { externalId: 'x1', channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: new Date('2026-05-04T09:30:00Z') },
    ]);
  } finally {
    await other.destroy();
  }
}

async function scenario(store: ResponseCacheStore) {
  const client: GqlClient = gqlClient(db, { production: true, config: { adminToken: TEST_ADMIN_TOKEN }, responseCacheStore: store });
  const teams = await db.prisma.team.findMany({ orderBy: { externalId: 'asc' } });
  const north = await makeToken(db, 'TEAM_LEAD', { teamIds: [teams.find((t) => t.externalId === 'north')!.id] });
  const south = await makeToken(db, 'TEAM_LEAD', { teamIds: [teams.find((t) => t.externalId === 'south')!.id] });
  const ask = async (header: Record<string, string>) => {
    const r = await client.query(Q, { range: RANGE }, header);
    expect(r.errors).toBeUndefined();
    return [r.data.metrics.ticketsCreated, r.extensions?.responseCache];
  };
  // Each scope's first answer is computed (North 2 tickets, South 1: the beforeAll rows).
  expect(await ask(north.header)).toEqual([2, 'MISS']);
  expect(await ask(south.header)).toEqual([1, 'MISS']); // same document, other scope: its own answer
  // Identical requests come from the cache, each scope its own entry.
  expect(await ask(north.header)).toEqual([2, 'HIT']);
  expect(await ask(south.header)).toEqual([1, 'HIT']);
  // A write in another database of the same server does not change this one's version.
  await writeElsewhere();
  expect(await ask(north.header)).toEqual([2, 'HIT']);
  // A statement that changes no row, and a write that is rolled back, change nothing either.
  await db.driver.query(`UPDATE "Ticket" SET "subject" = 'never' WHERE "externalId" = 'no-such-ticket'`);
  await expect(
    db.driver.transaction(async (tx) => {
      await tx.query(`UPDATE "Ticket" SET "subject" = 'rolled back' WHERE "externalId" = 'n1'`);
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
  expect(await ask(north.header)).toEqual([2, 'HIT']);
  // A write here (one more North ticket) is a new version: computed again, fresh, then cached.
  await upsertTickets(db, [
    { externalId: `n3-${Math.random()}`, channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: new Date('2026-05-04T12:00:00Z') },
  ]);
  expect(await ask(north.header)).toEqual([3, 'MISS']);
  expect(await ask(north.header)).toEqual([3, 'HIT']);
  expect(await ask(south.header)).toEqual([1, 'MISS']);
  expect(await ask(south.header)).toEqual([1, 'HIT']);
  // Other variables are another entry.
  const other = await client.query(Q, { range: { ...RANGE, to: '2026-05-04T10:00:00Z' } }, north.header);
  expect([other.data.metrics.ticketsCreated, other.extensions?.responseCache]).toEqual([1, 'MISS']);
  // Entity lists are not cached (no responseCache extension).
  const list = await client.query(`{ teams { name } }`, {}, north.header);
  expect(list.extensions?.responseCache).toBeUndefined();
  await store.close();
  // Undo the extra ticket for the next scenario.
  await db.prisma.ticket.deleteMany({ where: { externalId: { startsWith: 'n3-' } } });
}

describe('response cache', () => {
  it('answers from memory per scope until a write, never sharing across team leads', async () => {
    await scenario(new MemoryResponseCache());
  });

  it('does the same through Redis (REDIS_URL)', async () => {
    await scenario(new RedisResponseCache(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'));
  });

  it('does not cache SLA answers whose range reaches past now (deadlines pass without writes)', async () => {
    const client = gqlClient(db, { responseCacheStore: new MemoryResponseCache() });
    const q = `query ($range: DateTimeRange!) { metrics(range: $range) { sla { firstResponse { breached } } } }`;
    const future = { from: '2026-05-04T00:00:00Z', to: '2099-01-01T00:00:00Z' };
    await client.query(q, { range: future });
    const again = await client.query(q, { range: future });
    expect(again.extensions?.responseCache).toBe('MISS');
    // A range in the past is decided by writes alone: the second answer is a hit.
    expect((await client.query(q, { range: RANGE })).extensions?.responseCache).toBe('MISS');
    expect((await client.query(q, { range: RANGE })).extensions?.responseCache).toBe('HIT');
  });
});
