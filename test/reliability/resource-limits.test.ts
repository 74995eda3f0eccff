import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { estimateCost } from '../../src/auth/cost.ts';
import { buildSchema } from '../../src/schema/index.ts';
import { newRequestSqlContext, runInRequest, STATEMENT_BUDGET } from '../../src/db/request-context.ts';
import { lockTableElsewhere, openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { bearer, captureLogger, TEST_ADMIN_TOKEN } from '../auth/helpers.ts';

// Issue 11, item 5: limits that bound the work of a request, each with a request just
// inside and one just outside: nodes(ids) at 100 ids (in one statement per type, as for 10), list
// arguments at 1000 values (and each value costs 1), breakdown(limit) at 1000 groups
// (charged as asked), and a whole-request budget of statements and time.

let db: TestDatabase;
let client: GqlClient;
const log = captureLogger('info');
const admin = bearer(TEST_ADMIN_TOKEN);
const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');
let ticketIds: number[] = [];
let teamIds: number[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  const teams = Array.from({ length: 50 }, (_, i) => ({ externalId: `rt${i}`, name: `Team ${i}` }));
  await db.prisma.team.createMany({ data: teams });
  teamIds = (await db.prisma.team.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((t) => t.id);
  await db.prisma.ticket.createMany({
    data: Array.from({ length: 60 }, (_, i) => ({ externalId: `rk${i}`, channel: 'EMAIL' as const, status: 'OPEN' as const, createdAt: new Date(Date.UTC(2026, 1, 1, i)), tags: [`tag${i}`] })),
  });
  ticketIds = (await db.prisma.ticket.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((t) => t.id);
  client = gqlClient(db, { production: true, logger: log.logger, config: { adminToken: TEST_ADMIN_TOKEN, rateLimitPerMinute: 100_000 } });
});

afterAll(async () => {
  await db?.destroy();
});

const NODES = 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Ticket { externalId } ... on Team { name } } }';

function sqlStatementsOfLastRequest(): number {
  const line = log.lines().filter((entry) => entry.msg === 'request').at(-1);
  return Number(line?.sqlStatements);
}

describe('nodes(ids)', () => {
  it('100 ids of two types answer in one statement per type, as 10 do; 101 are refused naming the cap', async () => {
    // 50 tickets and 50 teams, interleaved, plus the same with 5 of each.
    const ids = Array.from({ length: 50 }, (_, i) => [gid('Ticket', ticketIds[i]), gid('Team', teamIds[i])]).flat();
    const few = await client.query(NODES, { ids: ids.slice(0, 10) }, admin);
    expect(few.errors).toBeUndefined();
    expect(few.data.nodes.map((node: { id: string }) => node.id)).toEqual(ids.slice(0, 10));
    const fewStatements = sqlStatementsOfLastRequest();
    const inside = await client.query(NODES, { ids }, admin);
    expect(inside.errors).toBeUndefined();
    // In the order asked, each with its own type's fields.
    expect(inside.data.nodes.map((node: { id: string }) => node.id)).toEqual(ids);
    expect(inside.data.nodes[0]).toEqual({ id: ids[0], externalId: 'rk0' });
    expect(inside.data.nodes[1]).toEqual({ id: ids[1], name: 'Team 0' });
    // One findMany per type (Ticket, Team), whatever the number of ids; PostgreSQL adds
    // the same session statements to both requests.
    expect(sqlStatementsOfLastRequest()).toBe(fewStatements);
    expect(fewStatements).toBeLessThanOrEqual(4);
    // Missing ids and repeated ids: null in their place, the repeated one twice.
    const gaps = await client.query(NODES, { ids: [gid('Ticket', 999_999), ids[0], ids[0], gid('Team', 999_999)] }, admin);
    expect(gaps.data.nodes).toEqual([null, { id: ids[0], externalId: 'rk0' }, { id: ids[0], externalId: 'rk0' }, null]);
    const outside = await client.query(NODES, { ids: [...ids, gid('Ticket', ticketIds[50])] }, admin);
    expect(outside.status).toBeLessThan(500);
    expect(outside.errors?.[0]).toMatchObject({
      message: 'nodes(ids) asks for 101 ids; the limit is 100: split the ids into several requests',
      extensions: { code: 'BAD_USER_INPUT', field: 'nodes(ids)' },
    });
    // The 20,000 of the report: refused before any SQL.
    const huge = await client.query(NODES, { ids: Array.from({ length: 20_000 }, (_, i) => gid('Ticket', i + 1)) }, admin);
    expect(huge.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(sqlStatementsOfLastRequest()).toBe(0);
  });
});

describe('list arguments', () => {
  const TAGS = 'query($tags: [String!], $categoryIds: [ID!]) { tickets(filter: { tags: $tags, categoryIds: $categoryIds }) { totalCount } }';

  it('1000 tags are accepted, 1001 refused naming tickets(filter.tags); 20,000 category ids never reach SQL', async () => {
    const tags = Array.from({ length: 1000 }, (_, i) => `tag${i}`);
    // tag0..tag59 exist, one ticket each.
    expect((await client.query(TAGS, { tags }, admin)).data).toEqual({ tickets: { totalCount: 60 } });
    const outside = await client.query(TAGS, { tags: [...tags, 'one-more'] }, admin);
    expect(outside.errors?.[0]).toMatchObject({
      message: 'tickets(filter.tags) has 1001 values; the limit is 1000',
      extensions: { code: 'BAD_USER_INPUT', field: 'tickets(filter.tags)' },
    });
    const categories = await client.query(TAGS, { categoryIds: Array.from({ length: 20_000 }, (_, i) => gid('Category', i + 1)) }, admin);
    expect(categories.status).toBeLessThan(500);
    expect(categories.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'tickets(filter.categoryIds)' });
    expect(sqlStatementsOfLastRequest()).toBe(0);
  });

  it('list values count in the cost: each tag adds 1, so 900 tags fit a budget that 901 exceed', async () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag${i}`);
    const schema = buildSchema();
    const cost = (n: number) => estimateCost(schema, parse(TAGS), null, { tags: tags(n) }).cost;
    const base = cost(0);
    expect(cost(10)).toBe(base + 10);
    expect(cost(1000)).toBe(base + 1000);
    const small = gqlClient(db, { config: { queryCostLimit: base + 900 } });
    expect((await small.query(TAGS, { tags: tags(900) })).errors).toBeUndefined();
    const over = await small.query(TAGS, { tags: tags(901) });
    expect(over.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: base + 901, limit: base + 900 });
  });
});

describe('breakdown(limit)', () => {
  const BREAKDOWN = 'query($limit: Int) { breakdown(by: [TAG], range: { from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z" }, limit: $limit) { key { tag } metrics { ticketsCreated } } }';

  it('limit 1000 answers, 1001 is refused naming limit', async () => {
    const inside = await client.query(BREAKDOWN, { limit: 1000 }, admin);
    expect(inside.errors).toBeUndefined();
    // 60 tags, one ticket each.
    expect(inside.data.breakdown).toHaveLength(60);
    const outside = await client.query(BREAKDOWN, { limit: 1001 }, admin);
    expect(outside.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'breakdown(limit)' } });
    expect(outside.errors?.[0].message).toMatch(/breakdown\(limit\) is 1001; the limit is 1000 groups/);
    const huge = await client.query(BREAKDOWN, { limit: 100_000 }, admin);
    expect(huge.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is charged for the limit asked: TAG with limit 1000 costs 1 + 1 + 1000 × 4', async () => {
    const small = gqlClient(db, { config: { queryCostLimit: 4001 } });
    // by: [TAG] costs 1; each group: key 1 + tag 1 + metrics 1 + ticketsCreated 1.
    expect((await small.query(BREAKDOWN, { limit: 999 })).errors).toBeUndefined();
    const over = await small.query(BREAKDOWN, { limit: 1000 });
    expect(over.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 4002, limit: 4001 });
  });
});

describe('the budget of a whole request', () => {
  it('statements: 3 of a budget of 3 run, the 4th fails with the budget error', async () => {
    const context = newRequestSqlContext(10_000, null, { maxStatements: 3, deadlineMs: 60_000 });
    await runInRequest(context, async () => {
      for (let i = 0; i < 3; i++) await db.driver.query('SELECT 1');
      await expect(db.driver.query('SELECT 1')).rejects.toMatchObject({ code: STATEMENT_BUDGET });
    });
    expect(context.budgetExceeded).toBe('statements');
  });

  it('time: statements before the deadline run, one after it is refused (and one running is cancelled on PostgreSQL)', async () => {
    const context = newRequestSqlContext(10_000, null, { maxStatements: 100, deadlineMs: 300 });
    await runInRequest(context, async () => {
      await db.driver.query('SELECT 1');
      if (process.env.TEST_DATABASE_URL) {
        // Each statement may take 10 s; the request as a whole only 300 ms.
        await expect(db.driver.query('SELECT pg_sleep(3)')).rejects.toMatchObject({ code: '57014' });
      } else {
        await new Promise((resolve) => setTimeout(resolve, 400));
        await expect(db.driver.query('SELECT 1')).rejects.toMatchObject({ code: '57014' });
      }
    });
    expect(context.budgetExceeded).toBe('deadline');
  });

  it('the execution stops when the client goes away, not at the deadline (whose SQL errors tell the client why)', async () => {
    const expired = newRequestSqlContext(10_000, null, { maxStatements: 100, deadlineMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(expired.signal?.aborted).toBe(true);
    expect(expired.clientSignal?.aborted).toBe(false);
    expired.finish();

    const client = new AbortController();
    const gone = newRequestSqlContext(10_000, client.signal, { maxStatements: 100, deadlineMs: 60_000 });
    expect(gone.clientSignal?.aborted).toBe(false);
    client.abort();
    expect(gone.clientSignal?.aborted).toBe(true);
    expect(gone.signal?.aborted).toBe(true);
    gone.finish();
  });

  // Through a GraphQL request: the budget a server gets is the one its requests live by.
  const BUDGETED = 'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Ticket { externalId } ... on Team { name } } tickets(first: 1) { totalCount } }';

  it('statements through GraphQL: a budget of exactly what the request needs answers; one less is refused with a coded error', async () => {
    const ids = [gid('Ticket', ticketIds[0]), gid('Team', teamIds[0])];
    const measuring = gqlClient(db, { production: true, logger: log.logger, responseCache: false, config: { adminToken: TEST_ADMIN_TOKEN, rateLimitPerMinute: 100_000 } });
    expect((await measuring.query(BUDGETED, { ids }, admin)).errors).toBeUndefined();
    const needed = sqlStatementsOfLastRequest();
    // Ticket and Team lookups, the count (and PostgreSQL session statements): more than one.
    expect(needed).toBeGreaterThanOrEqual(3);
    const budgeted = (maxStatements: number) =>
      gqlClient(db, { production: true, responseCache: false, requestBudget: { maxStatements }, config: { adminToken: TEST_ADMIN_TOKEN, rateLimitPerMinute: 100_000 } });
    const inside = await budgeted(needed).query(BUDGETED, { ids }, admin);
    expect(inside.errors).toBeUndefined();
    expect(inside.data).toEqual({ nodes: [{ id: ids[0], externalId: 'rk0' }, { id: ids[1], name: 'Team 0' }], tickets: { totalCount: 60 } });
    const outside = await budgeted(needed - 1).query(BUDGETED, { ids }, admin);
    expect(outside.status).toBeLessThan(500);
    expect(outside.errors?.[0]).toMatchObject({
      message: `this request needed more than ${needed - 1} SQL statements; the limit is ${needed - 1}. Ask for fewer items or split it into several requests`,
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: needed - 1 },
    });
    expect(JSON.stringify(outside)).not.toMatch(/\bat \w+ \(|\.ts:\d+/);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('time through GraphQL: a request waiting past its whole-request deadline is cancelled with QUERY_TIMEOUT though each statement may take 10 s', async () => {
    const deadlined = gqlClient(db, {
      production: true,
      responseCache: false,
      requestBudget: { deadlineMs: 300 },
      config: { adminToken: TEST_ADMIN_TOKEN, rateLimitPerMinute: 100_000, queryTimeoutMs: 10_000 },
    });
    const release = await lockTableElsewhere(db, 'Ticket');
    let released = false;
    try {
      const cut = await deadlined.query(BUDGETED, { ids: [gid('Team', teamIds[0])] }, admin);
      // Answered while the lock is still held: the deadline, not the lock's end, ended it.
      expect(released).toBe(false);
      expect(cut.status).toBeLessThan(500);
      expect(cut.errors?.[0]).toMatchObject({
        message: 'the request ran longer than 300 ms in total and was cancelled; narrow the range or filter, ask for fewer fields, or split it',
        extensions: { code: 'QUERY_TIMEOUT' },
      });
    } finally {
      await release();
      released = true;
    }
    const after = await deadlined.query(BUDGETED, { ids: [gid('Team', teamIds[0])] }, admin);
    expect(after.errors).toBeUndefined();
    expect(after.data.tickets.totalCount).toBe(60);
  });
});
