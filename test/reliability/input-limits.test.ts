import pg from 'pg';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertTeams } from '../../src/ingest/upsert.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { bearer, TEST_ADMIN_TOKEN } from '../auth/helpers.ts';

// Issue 11, items 6-9: each limit with a request just inside and one just outside it.
// Outside is BAD_USER_INPUT naming the field, never a 5xx, and nothing is stored.

let db: TestDatabase;
let client: GqlClient;
const admin = bearer(TEST_ADMIN_TOKEN);

beforeAll(async () => {
  db = await openTestDatabase();
  client = gqlClient(db, { production: true, config: { adminToken: TEST_ADMIN_TOKEN, rateLimitPerMinute: 100_000 } });
  await client.query('mutation { upsertTeams(input: [{ externalId: "team-1", name: "One" }]) { created } }', {}, admin);
});

afterAll(async () => {
  await db?.destroy();
});

const UPSERT_TICKETS = 'mutation($t: [TicketInput!]!) { upsertTickets(input: $t) { created updated unchanged } }';
const ticket = (overrides: Record<string, unknown>) => ({
  externalId: 'lim-1',
  channel: 'EMAIL',
  status: 'OPEN',
  createdAt: '2026-03-01T10:00:00Z',
  ...overrides,
});

async function ticketCount(): Promise<number> {
  const rows = await db.driver.query<{ n: number }>('SELECT count(*)::int AS n FROM "Ticket"');
  return rows[0].n;
}

/** Sends one ticket; outside a limit it must be refused naming `field`. */
async function refused(overrides: Record<string, unknown>, field: string, message: RegExp) {
  const before = await ticketCount();
  const result = await client.query(UPSERT_TICKETS, { t: [ticket(overrides)] }, admin);
  expect(result.status).toBeLessThan(500);
  expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  const problems = (result.errors?.[0].extensions?.errors ?? []) as { field: string; message: string }[];
  expect(problems.map((p) => p.field)).toContain(field);
  expect(problems.find((p) => p.field === field)?.message).toMatch(message);
  expect(await ticketCount()).toBe(before);
}

async function accepted(overrides: Record<string, unknown>) {
  const result = await client.query(UPSERT_TICKETS, { t: [ticket(overrides)] }, admin);
  expect(result.errors).toBeUndefined();
  const counts = result.data.upsertTickets;
  expect(counts.created + counts.updated + counts.unchanged).toBe(1);
}

describe('item 6: text lengths (README "Limits")', () => {
  it('externalId: 255 characters stored, 256 refused', async () => {
    await accepted({ externalId: 'e'.repeat(255) });
    await refused({ externalId: 'e'.repeat(256) }, 'externalId', /externalId is 256 characters long; the limit is 255/);
    // The 100 KB id of the report: refused the same way, not a btree error.
    await refused({ externalId: 'e'.repeat(100_000) }, 'externalId', /the limit is 255/);
  });

  it('a tag: 100 characters stored, 101 refused; 100 tags stored, 101 refused', async () => {
    await accepted({ tags: ['t'.repeat(100)] });
    await refused({ tags: ['ok', 't'.repeat(101)] }, 'tags[1]', /tags\[1\] is 101 characters long; the limit is 100/);
    await refused({ tags: ['t'.repeat(100_000)] }, 'tags[0]', /the limit is 100/);
    await accepted({ tags: Array.from({ length: 100 }, (_, i) => `tag${i}`) });
    await refused({ tags: Array.from({ length: 101 }, (_, i) => `tag${i}`) }, 'tags', /101 tags; the limit is 100/);
  });

  it('subject: 1000 characters stored, 1001 refused', async () => {
    await accepted({ subject: 's'.repeat(1000) });
    await refused({ subject: 's'.repeat(1001) }, 'subject', /subject is 1001 characters long; the limit is 1000/);
  });
});

describe('item 6: strings PostgreSQL cannot store', () => {
  it('a whole surrogate pair (an emoji) is stored; a lone surrogate is refused naming the variable path', async () => {
    await accepted({ subject: 'ticket 🎫' });
    for (const text of ['broken \uD800', '\uDC00 broken', 'x\uD83Dy']) {
      const result = await client.query(UPSERT_TICKETS, { t: [ticket({ externalId: 'sur', subject: text })] }, admin);
      expect(result.status).toBe(200);
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toMatch(/^the string at \$t\[0\]\.subject holds a lone UTF-16 surrogate/);
      expect(result.errors?.[0].extensions?.field).toBe('$t[0].subject');
    }
    // In a query's filter too, and NUL as before.
    const query = 'query($tags: [String!]) { tickets(filter: { tags: $tags }) { totalCount } }';
    const lone = await client.query(query, { tags: ['vip', '\uD800'] }, admin);
    expect(lone.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: '$tags[1]' } });
    const nul = await client.query(query, { tags: ['a\u0000b'] }, admin);
    expect(nul.errors?.[0].message).toBe('the string at $tags[0] holds a NUL character (\\u0000); remove it');
    expect((await client.query(query, { tags: ['🎫'] }, admin)).data).toEqual({ tickets: { totalCount: 0 } });
  });
});

describe('item 6: the window of instants, 1970-01-01T00:00:00Z to 3000-01-01T00:00:00Z', () => {
  it('createdAt: the window edges are stored, a millisecond outside is refused', async () => {
    await accepted({ externalId: 'w-start', createdAt: '1970-01-01T00:00:00.000Z' });
    await accepted({ externalId: 'w-end', createdAt: '2999-12-31T23:59:59.999Z' });
    for (const createdAt of ['1969-12-31T23:59:59.999Z', '3000-01-01T00:00:00.000Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      const before = await ticketCount();
      const result = await client.query(UPSERT_TICKETS, { t: [ticket({ externalId: 'w-out', createdAt })] }, admin);
      expect(result.status).toBeLessThan(500);
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toMatch(/Variable "\$t" got invalid value .* at "t\[0\]\.createdAt"; DateTime .* is outside the accepted window of instants, 1970-01-01T00:00:00\.000Z \(inclusive\) to 3000-01-01T00:00:00\.000Z \(exclusive\)/);
      expect(await ticketCount()).toBe(before);
    }
  });

  it('range.from: year 1970 answers, year 0 is refused naming range.from', async () => {
    const query = 'query($range: DateTimeRange!) { metrics(range: $range) { ticketsCreated } }';
    // Tickets stored above: w-start at 1970-01-01 and the others in 2026 and 2999.
    const inside = await client.query(query, { range: { from: '1970-01-01T00:00:00Z', to: '1970-01-02T00:00:00Z' } }, admin);
    expect(inside.data).toEqual({ metrics: { ticketsCreated: 1 } });
    const outside = await client.query(query, { range: { from: '0000-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }, admin);
    expect(outside.status).toBeLessThan(500);
    expect(outside.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(outside.errors?.[0].message).toMatch(/at "range\.from"/);
    const literal = await client.query('{ metrics(range: { from: "9999-12-31T23:59:59Z", to: "9999-12-31T23:59:59Z" }) { ticketsCreated } }', {}, admin);
    expect(literal.errors?.[0].extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    expect(literal.errors?.[0].message).toMatch(/outside the accepted window/);
  });
});

describe('item 7: CSV quotes bare CR and LF and escapes formulas on every line', () => {
  it('a subject with a bare LF stays one quoted cell; its second line cannot start a formula', async () => {
    const subjects: [string, string][] = [
      ['csv-plain', 'plain, with comma'],
      ['csv-lf', 'x\n=1+1'],
      ['csv-cr', 'y\r+SUM(A1)'],
      ['csv-crlf', 'z\r\n@cmd'],
    ];
    const rows = subjects.map(([externalId, subject]) => ticket({ externalId, subject, createdAt: '2026-05-01T00:00:00Z' }));
    expect((await client.query(UPSERT_TICKETS, { t: rows }, admin)).errors).toBeUndefined();
    const response = await client.server.fetch('http://test/export', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ format: 'csv', query: '{ tickets(first: 10, filter: { createdAt: { from: "2026-05-01T00:00:00Z", to: "2026-05-02T00:00:00Z" } }) { nodes { externalId subject } } }' }),
    });
    const text = await response.text();
    // Just inside: a comma is quoted as before. Outside: bare LF / CR are quoted too.
    expect(text).toContain('"plain, with comma"');
    expect(text).toContain('"x\n\'=1+1"');
    expect(text).toContain('"y\r\'+SUM(A1)"');
    expect(text).toContain('"z\r\n\'@cmd"');
    // No physical line of the file starts with a formula character.
    expect(text.split(/\r\n|\r|\n/).filter((line) => /^[=+\-@]/.test(line))).toEqual([]);
    const parsed = parse(text, { columns: true }) as { 'External ID': string; Subject: string }[];
    expect(parsed.map((row) => [row['External ID'], row.Subject]).sort()).toEqual(
      [
        ['csv-cr', "y\r'+SUM(A1)"],
        ['csv-crlf', "z\r\n'@cmd"],
        ['csv-lf', "x\n'=1+1"],
        ['csv-plain', 'plain, with comma'],
      ],
    );
  });
});

describe('item 8: no enum suggestions in production', () => {
  it('a wrong enum literal or variable is refused without "Did you mean"; a right one works', async () => {
    const inside = await client.query('{ tickets(filter: { channels: [EMAIL] }) { totalCount } }', {}, admin);
    expect(inside.errors).toBeUndefined();
    for (const [query, variables] of [
      ['{ tickets(filter: { channels: [EMAL] }) { totalCount } }', {}],
      ['query($c: [Channel!]) { tickets(filter: { channels: $c }) { totalCount } }', { c: ['EMAL'] }],
      ['mutation { createApiToken(input: { name: "x", role: ADMN }) { secret } }', {}],
    ] as const) {
      const result = await client.query(query, variables, admin);
      expect(result.errors?.length).toBeGreaterThan(0);
      for (const error of result.errors ?? []) {
        expect(typeof error.extensions?.code).toBe('string');
        expect(error.message).not.toMatch(/Did you mean|EMAIL|ADMIN/);
      }
    }
    // Outside production (GraphiQL on) suggestions help a developer.
    const dev = gqlClient(db, { config: { rateLimitPerMinute: 100_000 } });
    const suggested = await dev.query('{ tickets(filter: { channels: [EMAL] }) { totalCount } }');
    expect(suggested.errors?.[0].message).toMatch(/Did you mean the enum value "EMAIL"\?/);
  });
});

describe('item 9: concurrent identical upserts', () => {
  const teams = Array.from({ length: 1000 }, (_, i) => ({ externalId: `cc-${i}`, name: `Team ${i}` }));

  it('two writers of the same 1000 rows: each call reports counts that add up to 1000', async () => {
    const [a, b] = await Promise.all([upsertTeams(db, teams), upsertTeams(db, teams)]);
    expect(a.created + a.updated + a.unchanged).toBe(1000);
    expect(b.created + b.updated + b.unchanged).toBe(1000);
    // One of them created each row: 1000 in total, never 2000 and never 0.
    expect(a.created + b.created).toBe(1000);
    const third = await upsertTeams(db, teams);
    expect(third).toEqual({ created: 0, updated: 0, unchanged: 1000 });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('forced race: the rows appear between the statement snapshot and its insert; the call says unchanged: 1000', async () => {
    const rows = teams.map((team) => ({ ...team, externalId: `race-${team.externalId}` }));
    const other = new pg.Client({ connectionString: db.location });
    other.on('error', () => undefined);
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO "Team" ("externalId", name) SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("externalId" text, name text)`, [JSON.stringify(rows)]);
      const racing = upsertTeams(db, rows);
      // Wait until our upsert is blocked on the other writer's uncommitted rows.
      for (let i = 0; i < 200; i++) {
        const waiting = await other.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (waiting.rowCount) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await other.query('COMMIT');
      // Before the fix this was { created: 0, updated: 0, unchanged: 0 }.
      expect(await racing).toEqual({ created: 0, updated: 0, unchanged: 1000 });
    } finally {
      await other.end();
    }
  });
});
