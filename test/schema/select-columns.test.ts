import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';

// Tickets, customers and survey responses are read in Pothos' select mode: a page reads
// the columns its fields need (plus id, and a ticket's teamId, which the row guard
// checks), not whole rows. One team, one agent, one customer, two tickets and one
// response whose values are set by hand below.

let db: TestDatabase;
let client: GqlClient;
const statements: string[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  const p = db.prisma;
  const team = await p.team.create({ data: { externalId: 'team-1', name: 'Support' } });
  const agent = await p.agent.create({ data: { externalId: 'a1', name: 'Ada', teamId: team.id } });
  const customer = await p.customer.create({ data: { externalId: 'c1', name: 'Acme', email: 'ops@acme.example', organization: 'Acme Inc.' } });
  const t1 = await p.ticket.create({
    data: {
      customerId: customer.id,
      externalId: 't1', subject: 'Printer on fire', channel: 'EMAIL', priority: 'HIGH', status: 'SOLVED', tags: ['fire'],
      createdAt: new Date('2026-03-02T09:00:00Z'), firstResponseAt: new Date('2026-03-02T09:12:30Z'), solvedAt: new Date('2026-03-02T11:00:00Z'),
      teamId: team.id, assigneeId: agent.id, agentReplies: 2,
    },
  });
  await p.ticket.create({
    data: { externalId: 't2', subject: 'Login', channel: 'CHAT', status: 'OPEN', createdAt: new Date('2026-03-01T08:00:00Z'), teamId: team.id },
  });
  await p.feedback.create({
    data: { externalId: 'f1', kind: 'CSAT', score: 4, comment: 'Fast, but the printer is still warm. '.repeat(50), createdAt: new Date('2026-03-02T12:00:00Z'), ticketId: t1.id },
  });
  db.prisma.$on('query' as never, (event: { query: string }) => statements.push(event.query));
  client = gqlClient(db, { responseCache: false });
});

afterAll(async () => {
  await db?.destroy();
});

/** The columns of `table` ("Ticket" unless given) the statements of one request selected. */
async function ticketColumns(document: string, table = 'Ticket'): Promise<{ data: any; columns: Set<string> }> {
  statements.length = 0;
  const result = await client.query(document);
  expect(result.errors).toBeUndefined();
  const columns = new Set<string>();
  for (const sql of statements) {
    const select = new RegExp(`^SELECT (.*?) FROM "public"\\."${table}"`, 's').exec(sql);
    if (!select) continue;
    for (const match of select[1].matchAll(new RegExp(`"public"\\."${table}"\\."(\\w+)"`, 'g'))) columns.add(match[1]);
  }
  return { data: result.data, columns };
}

describe('a page reads the columns its fields ask for', () => {
  it('ids only: id and teamId', async () => {
    const { data, columns } = await ticketColumns('{ tickets(first: 10) { nodes { externalId } } }');
    expect(data.tickets.nodes).toEqual([{ externalId: 't1' }, { externalId: 't2' }]);
    // The page is ordered by createdAt in SQL without reading it.
    expect([...columns].sort()).toEqual(['externalId', 'id', 'teamId']);
  });

  it('a computed field brings the columns it is computed from, and its values are right', async () => {
    const { data, columns } = await ticketColumns('{ tickets(first: 10) { nodes { subject firstResponseSeconds resolutionSeconds } } }');
    // 09:00:00 -> 09:12:30 is 750 s; 09:00 -> 11:00 is 7200 s; t2 has neither.
    expect(data.tickets.nodes).toEqual([
      { subject: 'Printer on fire', firstResponseSeconds: 750, resolutionSeconds: 7200 },
      { subject: 'Login', firstResponseSeconds: null, resolutionSeconds: null },
    ]);
    expect(columns).toEqual(new Set(['id', 'teamId', 'subject', 'createdAt', 'firstResponseAt', 'solvedAt']));
    expect(columns.has('tags')).toBe(false);
  });

  it('relations and SLA state load what they need, nothing of the other 40 columns', async () => {
    const { data, columns } = await ticketColumns('{ tickets(first: 10) { nodes { tags assignee { name } slaState } } }');
    expect(data.tickets.nodes).toEqual([
      { tags: ['fire'], assignee: { name: 'Ada' }, slaState: 'NOT_COMPUTED' },
      { tags: [], assignee: null, slaState: 'NOT_COMPUTED' },
    ]);
    expect(columns).toEqual(new Set(['id', 'teamId', 'tags', 'assigneeId', 'slaPolicyId', 'slaComputedAt']));
  });

  it('a customer and a survey response read their fields, not the e-mail or the long comment', async () => {
    const document = '{ tickets(first: 1) { nodes { customer { name } feedback { score } } } }';
    const customers = await ticketColumns(document, 'Customer');
    expect(customers.data.tickets.nodes).toEqual([{ customer: { name: 'Acme' }, feedback: [{ score: 4 }] }]);
    expect(customers.columns).toEqual(new Set(['id', 'name']));
    const responses = await ticketColumns(document, 'Feedback');
    // ticketId joins the responses to their tickets.
    expect(responses.columns).toEqual(new Set(['id', 'score', 'ticketId']));
  });
});
