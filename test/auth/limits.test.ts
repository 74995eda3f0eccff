import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/auth/cost.ts';
import { MAX_BODY_BYTES } from '../../src/auth/plugins.ts';
import { buildSchema } from '../../src/schema/index.ts';
import { parse } from 'graphql';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient, type GqlResult } from '../helpers/graphql.ts';

let db: TestDatabase;
let client: GqlClient;
const COST_LIMIT = 1000;

beforeAll(async () => {
  db = await openTestDatabase();
  client = gqlClient(db, { config: { queryCostLimit: COST_LIMIT } });
});

afterAll(async () => {
  await db?.destroy();
});

const code = (result: GqlResult) => result.errors?.[0]?.extensions?.code ?? null;

/** A query `depth` fields deep: tickets → nodes → assignee → team → agents → nodes → team …, ending in `id`. */
function deepQuery(depth: number): string {
  const path = ['tickets(first: 1)', 'nodes', 'assignee', 'team', 'agents(first: 1)', 'nodes', 'team', 'agents(first: 1)', 'nodes', 'team', 'agents(first: 1)'];
  const fields = path.slice(0, depth - 1);
  return `{ ${fields.map((field) => `${field} { `).join('')}id${' }'.repeat(fields.length)} }`;
}

describe('operation limits (graphql-armor)', () => {
  it('allows depth 10 and refuses 11', async () => {
    expect(code(await client.query(deepQuery(10)))).toBeNull();
    const over = await client.query(deepQuery(11));
    expect(code(over)).toBe('QUERY_TOO_COMPLEX');
    expect(over.errors?.[0].message).toMatch(/depth limit of 10/);
  });

  it('allows 30 aliases and refuses 31', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;
    expect(code(await client.query(aliases(30)))).toBeNull();
    expect(code(await client.query(aliases(31)))).toBe('QUERY_TOO_COMPLEX');
  });

  it('allows 10 directives and refuses 11', async () => {
    const directives = (n: number) => `{ ${'__typename @include(if: true) '.repeat(n)} }`;
    expect(code(await client.query(directives(10)))).toBeNull();
    expect(code(await client.query(directives(11)))).toBe('QUERY_TOO_COMPLEX');
  });

  it('allows 10,000 tokens and refuses 10,001', async () => {
    // a<i>: tickets ( filter : { tags : [ …k strings… ] } ) { totalCount } is 16 + k tokens,
    // plus 2 for the outer braces (commas are not tokens; repeated fields would trip
    // graphql-js's own overlap guard). A list argument holds at most 1000 values, so the
    // strings are spread over aliases of at most 1000 each; each value costs 1, so this
    // client has the default cost limit.
    const wide = gqlClient(db);
    const tokens = (n: number) => {
      let left = n - 2;
      const parts: string[] = [];
      for (let i = 0; left > 0; i++) {
        const k = Math.min(1000, left - 16);
        parts.push(`a${i}: tickets(filter: { tags: [${'"t" '.repeat(k)}] }) { totalCount }`);
        left -= 16 + k;
      }
      return `{ ${parts.join(' ')} }`;
    };
    expect(code(await wide.query(tokens(10_000)))).toBeNull();
    const over = await wide.query(tokens(10_001));
    expect(code(over)).toBe('QUERY_TOO_COMPLEX');
    expect(over.errors?.[0].message).toMatch(/Token limit of 10000/);
  });
});

describe('request limits', () => {
  const body = (size: number) => {
    const start = JSON.stringify({ query: '{ viewer { role } }', variables: { pad: '' } });
    return start.replace('"pad":""', `"pad":"${'x'.repeat(size - start.length)}"`);
  };

  it('accepts a body of 1 MB and refuses one byte more with 413', async () => {
    const post = (text: string) =>
      client.server.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    const atLimit = body(MAX_BODY_BYTES);
    expect(Buffer.byteLength(atLimit)).toBe(MAX_BODY_BYTES);
    expect((await post(atLimit)).status).toBe(200);
    const over = await post(body(MAX_BODY_BYTES + 1));
    expect(over.status).toBe(413);
    expect(((await over.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses an oversized body sent without Content-Length', async () => {
    const bytes = new TextEncoder().encode(body(MAX_BODY_BYTES + 1));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const response = await client.server.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('does not batch operations', async () => {
    const response = await client.server.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ viewer { role } }' }, { query: '{ viewer { role } }' }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const answer = (await response.json()) as { data?: unknown; errors: { extensions: { code?: string } }[] };
    expect(Array.isArray(answer)).toBe(false);
    expect(answer.errors[0].extensions.code).toEqual(expect.any(String));
  });
});

describe('cost limit', () => {
  // tickets(first: n) { nodes { customer { tickets(first: m) { nodes { id } } } } }
  // = 1 (tickets) + n × (1 nodes + 1 customer + 1 tickets + m × (1 nodes + 1 id)) = 1 + n(3 + 2m)
  const nested = 'query($n: Int, $m: Int) { tickets(first: $n) { nodes { customer { tickets(first: $m) { nodes { id } } } } } }';

  it('reads first/last from variables: 10 × 48 is under the limit, 10 × 50 over', async () => {
    // 1 + 10 × (3 + 96) = 991; 1 + 10 × (3 + 100) = 1031.
    expect(code(await client.query(nested, { n: 10, m: 48 }))).toBeNull();
    const over = await client.query(nested, { n: 10, m: 50 });
    expect(code(over)).toBe('QUERY_TOO_COMPLEX');
    expect(over.errors?.[0].extensions).toMatchObject({ cost: 1031, limit: COST_LIMIT });
  });

  it('reads literals the same way', async () => {
    const literal = (m: number) => `{ tickets(first: 10) { nodes { customer { tickets(first: ${m}) { nodes { id } } } } } }`;
    expect(code(await client.query(literal(48)))).toBeNull();
    expect(code(await client.query(literal(50)))).toBe('QUERY_TOO_COMPLEX');
  });

  it('counts the buckets of a time series from its range and granularity', async () => {
    const series = 'query($range: DateTimeRange!, $g: Granularity!) { timeSeries(range: $range, granularity: $g) { label metrics { ticketsCreated } } }';
    const range = { from: '2026-01-01T00:00:00Z', to: '2026-01-31T00:00:00Z' };
    const schema = buildSchema();
    // 30 days: 1 + 30 × (label + metrics + ticketsCreated) = 91; 720 hours: 1 + 720 × 3 = 2161.
    expect(estimateCost(schema, parse(series), null, { range, g: 'DAY' }).cost).toBe(91);
    expect(estimateCost(schema, parse(series), null, { range, g: 'HOUR' }).cost).toBe(2161);
    expect(code(await client.query(series, { range, g: 'DAY' }))).toBeNull();
    expect(code(await client.query(series, { range, g: 'HOUR' }))).toBe('QUERY_TOO_COMPLEX');
  });

  it('counts groups × buckets of a breakdown', () => {
    const schema = buildSchema();
    const breakdown = (args: string) =>
      parse(`{ breakdown(range: { from: "2026-01-01T00:00:00Z", to: "2026-01-31T00:00:00Z" }, ${args}) { metrics { ticketsCreated } buckets { metrics { ticketsCreated } } } }`);
    // Each value of a list argument costs 1 (`by: [CHANNEL]`: 1).
    // CHANNEL: 6 channels + no value = 7 groups, each metrics 2 + buckets 1 (null without a
    // granularity, so nothing below it): 1 + 1 + 7 × 3 = 23.
    expect(estimateCost(schema, breakdown('by: [CHANNEL]'), null, {}).cost).toBe(23);
    // AGENT with limit 5 and 30 DAY buckets: 1 + 1 + 5 × (2 + 1 + 30 × 2) = 317.
    expect(estimateCost(schema, breakdown('by: [AGENT], limit: 5, granularity: DAY'), null, {}).cost).toBe(317);
    // AGENT × CHANNEL without limit: 100 × 7 groups estimated: 1 + 2 + 700 × 3 = 2103.
    expect(estimateCost(schema, breakdown('by: [AGENT, CHANNEL]'), null, {}).cost).toBe(2103);
    // The limit asked is charged, not a guess: AGENT with limit 1000 is 1 + 1 + 1000 × 3.
    expect(estimateCost(schema, breakdown('by: [AGENT], limit: 1000'), null, {}).cost).toBe(3002);
    // CHANNEL has at most 7 groups whatever the limit: 1 + 1 + 7 × 3 + ... as above.
    expect(estimateCost(schema, breakdown('by: [CHANNEL], limit: 1000'), null, {}).cost).toBe(23);
  });
});
