import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/schema/index.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient, type GqlResult } from '../helpers/graphql.ts';
import { bearer, TEST_ADMIN_TOKEN } from './helpers.ts';

// Random arguments for every Query field of the schema (derived from it, so new fields
// are fuzzed too): valid values most of the time, else wrong enums, broken dates and
// zones, absurd numbers, SQL injection, NUL characters and 10,000-character strings.
// Whatever arrives, the server answers without a 5xx, every error carries a code, no
// unexpected (INTERNAL_SERVER_ERROR) failure happens, and the data does not change.

const RUNS = 250;
let db: TestDatabase;
let client: GqlClient;
let ids: string[] = [];
const admin = bearer(TEST_ADMIN_TOKEN);

const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');

beforeAll(async () => {
  db = await openTestDatabase();
  const p = db.prisma;
  const team = await p.team.create({ data: { externalId: 'fz-team', name: 'Fuzz team' } });
  const agent = await p.agent.create({ data: { externalId: 'fz-agent', name: 'Fuzz agent', teamId: team.id } });
  const customer = await p.customer.create({ data: { externalId: 'fz-cust', name: 'Fuzz customer', tier: 'FREE' } });
  const category = await p.category.create({ data: { externalId: 'fz-cat', name: 'Fuzz' } });
  for (let i = 0; i < 4; i++) {
    const ticket = await p.ticket.create({
      data: {
        externalId: `fz-t${i}`,
        channel: i % 2 ? 'EMAIL' : 'CHAT',
        status: i % 2 ? 'SOLVED' : 'OPEN',
        createdAt: new Date(Date.UTC(2026, 0, 1 + i)),
        solvedAt: i % 2 ? new Date(Date.UTC(2026, 0, 2 + i)) : null,
        firstResponseDueAt: i % 2 ? null : new Date(Date.now() + 3_600_000),
        teamId: team.id,
        assigneeId: agent.id,
        customerId: customer.id,
        categoryId: category.id,
        tags: ['vip'],
      },
    });
    await p.feedback.create({ data: { externalId: `fz-f${i}`, kind: 'CSAT', score: 4, createdAt: ticket.createdAt, ticketId: ticket.id } });
  }
  ids = [gid('Team', team.id), gid('Agent', agent.id), gid('Customer', customer.id), gid('Category', category.id), gid('Ticket', 1), gid('Feedback', 1)];
  client = gqlClient(db, { production: true, config: { adminToken: TEST_ADMIN_TOKEN } });
});

afterAll(async () => {
  await db?.destroy();
});

const INJECTION = [
  "'; drop table tickets; --",
  '"; DROP TABLE "Ticket"; --',
  "' OR '1'='1",
  '\u0000',
  'a\u0000b',
  '%',
  '_',
  '\\',
  '${{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\uD800',
  '\uDC00 low half first',
  'a\uD83Db',
  '🎫'.repeat(3),
];
// Issue 11: lone surrogates (above), strings past every text limit, instants outside the
// window, and lists past the caps (1000 values; nodes(ids) 100).
const longString = fc.oneof(fc.constant('x'.repeat(10_000)), fc.constant('y'.repeat(100_000)));
const EXTREME_DATES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '3000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
];
const nasty = fc.oneof(fc.constantFrom(...INJECTION), longString, fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 10 }));

const isoDate = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

/** Well-formed values only: they get past coercion and validation into resolvers and SQL. */
function cleanScalar(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'String':
      return fc.oneof(fc.constantFrom('vip', 'Fuzz'), fc.constantFrom(...INJECTION.filter((text) => !text.includes('\u0000'))), longString);
    case 'ID':
      return fc.constantFrom(...ids, gid('Team', 999_999));
    case 'Int':
    case 'NonNegativeInt':
      return fc.integer({ min: 1, max: 100 });
    case 'Float':
      return fc.double({ min: 0, max: 100, noNaN: true });
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      // Well-formed, but now and then outside the accepted window.
      return fc.oneof({ weight: 6, arbitrary: isoDate }, fc.constantFrom(...EXTREME_DATES));
    case 'TimeZone':
      return fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe');
    case 'Duration':
      return fc.constantFrom('PT2H', 'P1D', 'PT0S', 'PT30M');
    default:
      return scalarArb(name);
  }
}

function scalarArb(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'String':
      return fc.oneof(fc.constantFrom('vip', 'Fuzz', ''), nasty);
    case 'ID':
      return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids) }, fc.constantFrom(gid('Team', 999_999), gid('Nope', 1), '1', ''), nasty);
    case 'Int':
    case 'NonNegativeInt':
      return fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 120 }) }, fc.constantFrom(-1, 2_147_483_647, -2_147_483_648), fc.integer());
    case 'Float':
      return fc.double();
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return fc.oneof({ weight: 4, arbitrary: isoDate }, fc.constantFrom(...EXTREME_DATES, '2026-13-45T99:00:00Z', 'yesterday'), nasty);
    case 'TimeZone':
      return fc.oneof({ weight: 3, arbitrary: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe') }, fc.constantFrom('Mars/Phobos', '+05:00', 'EST', 'utc'), nasty);
    case 'Duration':
      return fc.oneof({ weight: 3, arbitrary: fc.constantFrom('PT2H', 'P1D', 'PT0S', 'PT30M') }, fc.constantFrom('P1000Y', '-PT1H', 'P', '2 hours'), nasty);
    case 'LocalDate':
      return fc.oneof(fc.constantFrom('2026-01-01', '2026-02-30'), nasty);
    case 'LocalTime':
      return fc.oneof(fc.constantFrom('09:00', '24:00', '25:61'), nasty);
    case 'JSON':
      return fc.jsonValue({ maxDepth: 2 });
    default:
      return nasty;
  }
}

/** Values of an input type: well-formed only when `clean`, else anything goes. */
function inputArb(type: GraphQLInputType, clean: boolean, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return inputArb(type.ofType, clean, depth);
  if (isListType(type)) {
    const item = inputArb(type.ofType, clean, depth + 1);
    const list = fc.array(item, { maxLength: clean ? 2 : 4 });
    const itemType = getNamedType(type.ofType);
    if (!isScalarType(itemType) && !isEnumType(itemType)) return clean ? list : fc.oneof({ weight: 4, arbitrary: list }, fc.constant(null));
    // Huge lists of ids, tags, enum values: one short value repeated past the caps (101
    // for nodes' ids, 1001 and 5000 for filters).
    const short = isEnumType(itemType) ? item : cleanScalar(itemType.name).filter((value) => typeof value !== 'string' || value.length < 100);
    const huge = fc.tuple(short, fc.constantFrom(101, 1001, 5000)).map(([value, n]) => Array.from({ length: n }, () => value));
    return fc.oneof({ weight: clean ? 8 : 4, arbitrary: list }, { weight: 1, arbitrary: huge }, ...(clean ? [] : [fc.constant(null)]));
  }
  const named = getNamedType(type) as GraphQLNamedType;
  if (isEnumType(named)) {
    const values = fc.constantFrom(...named.getValues().map((value) => value.name));
    return clean ? values : fc.oneof({ weight: 4, arbitrary: values }, fc.constantFrom('DROP', named.getValues()[0].name.toLowerCase()), nasty);
  }
  if (isInputObjectType(named)) {
    if (depth > 3) return fc.constant(null);
    if (clean && named.name === 'DateTimeRange') {
      return fc.tuple(isoDate, isoDate).filter(([a, b]) => a !== b).map(([a, b]) => (a < b ? { from: a, to: b } : { from: b, to: a }));
    }
    const fields = Object.values(named.getFields());
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) shape[field.name] = inputArb(field.type, clean, depth + 1);
    const required = fields.filter((field) => isNonNullType(field.type)).map((field) => field.name);
    return fc.record(shape, { requiredKeys: required });
  }
  return clean ? cleanScalar(named.name) : scalarArb(named.name);
}

/** A shallow selection of a type: its scalar fields, and those of object fields without required arguments. */
function selection(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (isScalarType(named) || isEnumType(named)) return '';
  if (isUnionType(named) || (isInterfaceType(named) && depth > 0)) return '{ __typename }';
  if (!isObjectType(named) && !isInterfaceType(named)) return '';
  const parts: string[] = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const inner = getNamedType(field.type);
    if (isScalarType(inner) || isEnumType(inner)) parts.push(field.name);
    else if (depth < 2) {
      const sub = selection(field.type, depth + 1);
      if (sub) parts.push(`${field.name} ${sub}`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

function operationArb(field: GraphQLField<unknown, unknown>): fc.Arbitrary<{ query: string; variables: Record<string, unknown> }> {
  const declared = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`);
  const passed = field.args.map((arg) => `${arg.name}: $${arg.name}`);
  const query = `query${declared.length ? `(${declared.join(', ')})` : ''} { ${field.name}${passed.length ? `(${passed.join(', ')})` : ''} ${selection(field.type)} }`;
  const required = field.args.filter((arg) => isNonNullType(arg.type)).map((arg) => arg.name);
  // Half the calls are well-formed, so they reach the resolvers and SQL; half are not.
  return fc.boolean().chain((clean) => {
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const arg of field.args) shape[arg.name] = inputArb(arg.type, clean);
    return fc.record(shape, { requiredKeys: required }).map((variables) => ({ query, variables }));
  });
}

const TABLES = ['Team', 'Agent', 'Customer', 'Category', 'Ticket', 'TicketEvent', 'Feedback', 'SlaPolicy', 'BusinessCalendar', 'ApiToken', 'Report'];

async function checksum(): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const rows = await db.driver.query<{ sum: string }>(
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS sum FROM "${table}" t`,
    );
    parts.push(`${table}:${rows[0].sum}`);
  }
  return parts.join(' ');
}

/** Whether an answer is a 5xx or has an error without a code (or an unexpected one). */
function badAnswer(result: GqlResult): boolean {
  return (
    result.status >= 500 ||
    (result.errors ?? []).some((error) => typeof error.extensions?.code !== 'string' || error.extensions.code === 'INTERNAL_SERVER_ERROR')
  );
}

describe('fuzzing every Query field', () => {
  it(`answers ${RUNS} random calls with codes, no 5xx, and changes nothing`, async () => {
    const before = await checksum();
    const fields = Object.values(buildSchema().getQueryType()?.getFields() ?? {}) as GraphQLField<unknown, unknown>[];
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields).chain((field) => operationArb(field)),
        async ({ query, variables }) => {
          const result = await client.query(query, variables, admin);
          const bad =
            result.status >= 500 ||
            (result.errors ?? []).some((error) => typeof error.extensions?.code !== 'string' || error.extensions.code === 'INTERNAL_SERVER_ERROR');
          if (bad) problems.push(`${result.status} ${JSON.stringify(result.errors).slice(0, 300)} for ${query} ${JSON.stringify(variables).slice(0, 300)}`);
          return !bad;
        },
      ),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20260701), endOnFailure: true },
    ).catch((error: unknown) => {
      throw new Error(`${problems.join('\n')}\n${String(error).slice(0, 2000)}`);
    });
    expect(await checksum()).toBe(before);
  });
});

describe('fuzzing the upsert mutations', () => {
  it('answers 120 random batches (surrogates, huge strings, extreme dates, huge lists) with codes and no 5xx', async () => {
    const fields = (Object.values(buildSchema().getMutationType()?.getFields() ?? {}) as GraphQLField<unknown, unknown>[]).filter((field) =>
      field.name.startsWith('upsert'),
    );
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields).chain((field) => operationArb(field).map((op) => ({ ...op, query: op.query.replace(/^query/, 'mutation') }))),
        async ({ query, variables }) => {
          const result = await client.query(query, variables, admin);
          const bad = badAnswer(result);
          if (bad) problems.push(`${result.status} ${JSON.stringify(result.errors).slice(0, 300)} for ${query} ${JSON.stringify(variables).slice(0, 300)}`);
          return !bad;
        },
      ),
      { numRuns: 120, seed: Number(process.env.FUZZ_SEED ?? 20260701), endOnFailure: true },
    ).catch((error: unknown) => {
      throw new Error(`${problems.join('\n')}\n${String(error).slice(0, 2000)}`);
    });
  }, 120_000);
});
