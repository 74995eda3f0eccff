import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { countRows, tableChecksums } from './helpers.ts';

let db: TestDatabase;
let client: GqlClient;

const RESULT = '{ created updated unchanged }';
const upsert = (name: string, type: string) => `mutation($input: [${type}!]!) { ${name}(input: $input) ${RESULT} }`;

const teams = [{ externalId: 'g-t1', name: 'Support' }];
const agents = [{ externalId: 'g-a1', name: 'Ada', email: 'ada@example.com', teamExternalId: 'g-t1', role: 'agent' }];
const customers = [{ externalId: 'g-c1', name: 'Acme', tier: 'ENTERPRISE', country: 'FR', organization: 'Acme SA' }];
const categories = [
  { externalId: 'g-sub', name: 'Refunds', parentExternalId: 'g-top' },
  { externalId: 'g-top', name: 'Billing' },
];
const tickets = [
  {
    externalId: 'g-k1',
    subject: 'Refund please',
    channel: 'EMAIL',
    status: 'SOLVED',
    categoryExternalId: 'g-sub',
    teamExternalId: 'g-t1',
    assigneeExternalId: 'g-a1',
    customerExternalId: 'g-c1',
    tags: ['refund'],
    createdAt: '2026-02-02T10:00:00+01:00',
    events: [
      { type: 'CREATED', occurredAt: '2026-02-02T09:00:00Z' },
      { type: 'AGENT_REPLY', occurredAt: '2026-02-02T09:05:00Z', agentExternalId: 'g-a1' },
      { type: 'SOLVE', occurredAt: '2026-02-02T11:00:00Z', agentExternalId: 'g-a1' },
    ],
  },
  { externalId: 'g-k2', channel: 'CHAT', priority: 'URGENT', status: 'OPEN', createdAt: '2026-02-03T08:00:00Z' },
];
const feedback = [
  { externalId: 'g-f1', kind: 'CSAT', score: 4, createdAt: '2026-02-02T12:00:00Z', ticketExternalId: 'g-k1', customerExternalId: 'g-c1' },
  { externalId: 'g-f2', kind: 'NPS', score: 10, comment: 'Great', createdAt: '2026-02-04T12:00:00Z', agentExternalId: 'g-a1' },
];

const batches: [string, string, unknown[]][] = [
  ['upsertTeams', 'TeamInput', teams],
  ['upsertAgents', 'AgentInput', agents],
  ['upsertCustomers', 'CustomerInput', customers],
  ['upsertCategories', 'CategoryInput', categories],
  ['upsertTickets', 'TicketInput', tickets],
  ['upsertFeedback', 'FeedbackInput', feedback],
];

beforeAll(async () => {
  db = await openTestDatabase();
  client = gqlClient(db);
});

afterAll(async () => {
  await db.destroy();
});

describe('ingestion mutations', () => {
  it('create every kind of entity', async () => {
    for (const [name, type, input] of batches) {
      const result = await client.query(upsert(name, type), { input });
      expect(result.errors, name).toBeUndefined();
      expect(result.data[name], name).toEqual({ created: input.length, updated: 0, unchanged: 0 });
    }
    const [row] = await db.driver.query<Record<string, unknown>>(
      `SELECT t."createdAt", t."firstResponseAt", t."solvedAt", t."agentReplies", t.priority, p."externalId" AS parent
       FROM "Ticket" t JOIN "Category" c ON c.id = t."categoryId" JOIN "Category" p ON p.id = c."parentId" WHERE t."externalId" = 'g-k1'`,
    );
    // createdAt 10:00+01:00 = 09:00Z; first public agent reply 09:05Z; solve 11:00Z; priority default NORMAL.
    expect(row).toEqual({
      createdAt: new Date('2026-02-02T09:00:00Z'),
      firstResponseAt: new Date('2026-02-02T09:05:00Z'),
      solvedAt: new Date('2026-02-02T11:00:00Z'),
      agentReplies: 1,
      priority: 'NORMAL',
      parent: 'g-top',
    });
  });

  it('report unchanged rows on a second send and leave the database byte for byte equal', async () => {
    const before = await tableChecksums(db);
    for (const [name, type, input] of batches) {
      const result = await client.query(upsert(name, type), { input });
      expect(result.data[name], name).toEqual({ created: 0, updated: 0, unchanged: input.length });
    }
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('count changed rows as updated', async () => {
    const result = await client.query(upsert('upsertTickets', 'TicketInput'), {
      input: [tickets[0], { ...tickets[1], status: 'PENDING' }],
    });
    expect(result.data.upsertTickets).toEqual({ created: 0, updated: 1, unchanged: 1 });
  });

  it('fail a batch with any bad row as BAD_USER_INPUT listing every bad row, storing nothing', async () => {
    const before = await tableChecksums(db);
    const tickets = await countRows(db, 'Ticket');
    const result = await client.query(upsert('upsertTickets', 'TicketInput'), {
      input: [
        { externalId: 'g-new', channel: 'WEB', status: 'OPEN', createdAt: '2026-02-05T08:00:00Z' },
        { externalId: 'g-bad1', channel: 'WEB', status: 'SOLVED', createdAt: '2026-02-05T08:00:00Z' },
        { externalId: 'g-bad2', channel: 'WEB', status: 'OPEN', createdAt: '2026-02-05T08:00:00Z', teamExternalId: 'nope', reopenCount: -1 },
      ],
    });
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors ?? [];
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe(
      '2 of 3 rows are invalid, so nothing was stored; first problem (row 1 "g-bad1", solvedAt): status SOLVED needs solvedAt. Every problem is listed in extensions.errors.',
    );
    expect(error.extensions?.errors).toEqual([
      { index: 1, externalId: 'g-bad1', field: 'solvedAt', message: 'status SOLVED needs solvedAt' },
      { index: 2, externalId: 'g-bad2', field: 'reopenCount', message: 'reopenCount is -1; counts cannot be negative' },
      { index: 2, externalId: 'g-bad2', field: 'teamExternalId', message: 'unknown team "nope"' },
    ]);
    expect(await countRows(db, 'Ticket')).toBe(tickets);
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('reject feedback without a ticket or agent, and scores outside their kind', async () => {
    const result = await client.query(upsert('upsertFeedback', 'FeedbackInput'), {
      input: [
        { externalId: 'g-f3', kind: 'CES', score: 8, createdAt: '2026-02-04T12:00:00Z', agentExternalId: 'g-a1' },
        { externalId: 'g-f4', kind: 'CSAT', score: 3, createdAt: '2026-02-04T12:00:00Z' },
      ],
    });
    expect(result.errors?.[0].extensions?.errors).toEqual([
      { index: 0, externalId: 'g-f3', field: 'score', message: 'CES scores run from 1 to 7; got 8' },
      {
        index: 1,
        externalId: 'g-f4',
        field: 'ticketExternalId',
        message: 'feedback needs a ticketExternalId or an agentExternalId to be attributed to',
      },
    ]);
  });

  it('are documented: every ingestion input field and UpsertResult field has a description', async () => {
    const names = ['TeamInput', 'AgentInput', 'CustomerInput', 'CategoryInput', 'TicketInput', 'TicketEventInput', 'FeedbackInput'];
    const result = await client.query(
      `{ ${names.map((n, i) => `t${i}: __type(name: "${n}") { name description inputFields { name description } }`).join(' ')}
         r: __type(name: "UpsertResult") { description fields { name description } }
         m: __schema { mutationType { fields { name description args { name type { kind ofType { kind ofType { kind ofType { name } } } } } } } } }`,
    );
    expect(result.errors).toBeUndefined();
    for (let i = 0; i < names.length; i += 1) {
      const type = result.data[`t${i}`];
      expect(type?.name).toBe(names[i]);
      expect(type.description).toBeTruthy();
      for (const field of type.inputFields) expect(field.description, `${names[i]}.${field.name}`).toBeTruthy();
    }
    expect(result.data.r.fields.map((f: { name: string }) => f.name).sort()).toEqual(['created', 'unchanged', 'updated']);
    const mutations = result.data.m.mutationType.fields as { name: string; description: string; args: { name: string; type: unknown }[] }[];
    for (const [name, type] of batches) {
      const field = mutations.find((f) => f.name === name);
      expect(field?.description, name).toBeTruthy();
      // input: [XInput!]!
      expect(field?.args[0]).toEqual({
        name: 'input',
        type: { kind: 'NON_NULL', ofType: { kind: 'LIST', ofType: { kind: 'NON_NULL', ofType: { name: type } } } },
      });
    }
  });
});
