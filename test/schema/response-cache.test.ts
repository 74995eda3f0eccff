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
  // The data version is the database snapshot, and on PostgreSQL transaction ids are
  // cluster-wide: a write in any other database of the server (the other test worker's)
  // also counts, so a HIT is asked for until it comes; a fresh value is asked for always.
  const askUntilHit = async (header: Record<string, string>, expected: number) => {
    for (let i = 0; i < 25; i++) {
      const [value, cache] = await ask(header);
      expect(value).toBe(expected);
      if (cache === 'HIT') return;
    }
    throw new Error(`no cache hit in 25 identical requests (expected ${expected})`);
  };
  // Creating the tokens was a write: the first answers are computed.
  expect(await ask(north.header)).toEqual([2, 'MISS']);
  expect(await ask(south.header)).toEqual([1, 'MISS']); // same document, other scope: its own answer
  // Then identical requests come from the cache, each scope its own entry.
  await askUntilHit(north.header, 2);
  await askUntilHit(south.header, 1);
  // A write (one more North ticket) changes the data version: computed again, fresh.
  await upsertTickets(db, [
    { externalId: `n3-${Math.random()}`, channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: new Date('2026-05-04T12:00:00Z') },
  ]);
  expect(await ask(north.header)).toEqual([3, 'MISS']);
  await askUntilHit(north.header, 3);
  expect(await ask(south.header)).toEqual([1, 'MISS']);
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
    let hit = false;
    for (let i = 0; i < 25 && !hit; i++) hit = (await client.query(q, { range: RANGE })).extensions?.responseCache === 'HIT';
    expect(hit).toBe(true);
  });
});
