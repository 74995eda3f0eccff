import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient, type GqlResult } from '../helpers/graphql.ts';

let db: TestDatabase;
let client: GqlClient;

// 2 teams, 3 agents, 2 customers, 1 category, 30 tickets (t01..t30) created one hour
// apart from 2026-03-01T00:00Z; even tickets are EMAIL, odd CHAT; every third ticket
// (t03, t06, ...) is URGENT; each ticket has one CSAT response.
beforeAll(async () => {
  db = await openTestDatabase();
  const p = db.prisma;
  const [support, billing] = await Promise.all([
    p.team.create({ data: { externalId: 'team-support', name: 'Support' } }),
    p.team.create({ data: { externalId: 'team-billing', name: 'Billing' } }),
  ]);
  const agents = await Promise.all([
    p.agent.create({ data: { externalId: 'a1', name: 'Ada', teamId: support.id } }),
    p.agent.create({ data: { externalId: 'a2', name: 'Bo', teamId: support.id } }),
    p.agent.create({ data: { externalId: 'a3', name: 'Cy', teamId: billing.id } }),
  ]);
  const customers = await Promise.all([
    p.customer.create({ data: { externalId: 'c1', name: 'Acme', tier: 'ENTERPRISE' } }),
    p.customer.create({ data: { externalId: 'c2', name: 'Zed', tier: 'FREE' } }),
  ]);
  const category = await p.category.create({ data: { externalId: 'cat-billing', name: 'Billing' } });
  for (let i = 1; i <= 30; i++) {
    const agent = agents[i % 3];
    const ticket = await p.ticket.create({
      data: {
        externalId: `t${String(i).padStart(2, '0')}`,
        subject: `Ticket ${i}`,
        channel: i % 2 === 0 ? 'EMAIL' : 'CHAT',
        priority: i % 3 === 0 ? 'URGENT' : 'NORMAL',
        status: 'SOLVED',
        createdAt: new Date(Date.UTC(2026, 2, 1, i)),
        firstResponseAt: new Date(Date.UTC(2026, 2, 1, i, 10)),
        solvedAt: new Date(Date.UTC(2026, 2, 1, i + 2)),
        agentReplies: 1,
        teamId: agent.teamId,
        assigneeId: agent.id,
        customerId: customers[i % 2].id,
        categoryId: category.id,
        tags: i % 5 === 0 ? ['vip'] : [],
      },
    });
    await p.feedback.create({
      data: { externalId: `f${i}`, kind: 'CSAT', score: (i % 5) + 1, createdAt: new Date(Date.UTC(2026, 2, 2)), ticketId: ticket.id },
    });
  }
});

afterAll(async () => {
  await db?.destroy();
});

beforeAll(() => {
  client = gqlClient(db);
});

const NESTED = `query($first: Int!) {
  tickets(first: $first, orderBy: { field: CREATED_AT, direction: ASC }) {
    totalCount
    nodes { externalId assignee { name team { name } } customer { name } feedback { score } }
  }
}`;

describe('entity API', () => {
  it('pages tickets with totalCount, nested relations and a stable statement count', async () => {
    const before10 = db.statementCount();
    const small = await client.query(NESTED, { first: 10 });
    const count10 = db.statementCount() - before10;
    const before100 = db.statementCount();
    const big = await client.query(NESTED, { first: 100 });
    const count100 = db.statementCount() - before100;
    expect(small.errors).toBeUndefined();
    expect(big.errors).toBeUndefined();
    expect(small.data.tickets.totalCount).toBe(30);
    expect(small.data.tickets.nodes).toHaveLength(10);
    expect(big.data.tickets.nodes).toHaveLength(30);
    // t01 is assigned to agents[1] (Bo, Support), customer c2 (Zed), CSAT score 2.
    expect(small.data.tickets.nodes[0]).toEqual({
      externalId: 't01',
      assignee: { name: 'Bo', team: { name: 'Support' } },
      customer: { name: 'Zed' },
      feedback: [{ score: 2 }],
    });
    // N+1 would make the 100-row page cost ~3 statements per extra row.
    expect(count100).toBe(count10);
    expect(count10).toBeLessThanOrEqual(7);
  });

  it('walks pages with cursors without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result: GqlResult = await client.query(
        `query($after: String) { tickets(first: 7, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
          edges { cursor node { externalId } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(result.errors).toBeUndefined();
      seen.push(...result.data.tickets.edges.map((e: { node: { externalId: string } }) => e.node.externalId));
      after = result.data.tickets.pageInfo.endCursor;
      if (!result.data.tickets.pageInfo.hasNextPage) break;
    }
    expect(seen).toHaveLength(30);
    expect(seen[0]).toBe('t30');
    expect(seen[29]).toBe('t01');
    expect(new Set(seen).size).toBe(30);
  });

  it('filters tickets (channel, priority, tags, team, createdAt)', async () => {
    const teams = await client.query(`{ teams { id name } }`);
    const billing = teams.data.teams.find((t: { name: string }) => t.name === 'Billing');
    const result = await client.query(
      `query($team: ID!) {
        urgentEmail: tickets(filter: { channels: [EMAIL], priorities: [URGENT] }) { totalCount }
        vip: tickets(filter: { tags: ["vip"] }) { totalCount }
        billing: tickets(filter: { teamIds: [$team] }) { totalCount }
        early: tickets(filter: { createdAt: { from: "2026-03-01T00:00:00Z", to: "2026-03-01T05:00:00Z" } }) { totalCount }
      }`,
      { team: billing.id },
    );
    expect(result.errors).toBeUndefined();
    // URGENT = multiples of 3, EMAIL = even: 6, 12, 18, 24, 30.
    expect(result.data.urgentEmail.totalCount).toBe(5);
    // vip = multiples of 5: 5, 10, 15, 20, 25, 30.
    expect(result.data.vip.totalCount).toBe(6);
    // Billing = agents[0] (Cy... index 0 is Ada? no: agents[i % 3], Cy is index 2) → i % 3 == 2: 2,5,...,29 = 10 tickets.
    expect(result.data.billing.totalCount).toBe(10);
    // created 01:00..04:00 (t01..t04).
    expect(result.data.early.totalCount).toBe(4);
  });

  it('resolves node(id) and nodes(ids) for every entity kind', async () => {
    const list = await client.query(`{ tickets(first: 1, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { id assignee { id } customer { id } category { id } team { id } feedback { id } } } }`);
    const t = list.data.tickets.nodes[0];
    const ids = [t.id, t.assignee.id, t.customer.id, t.category.id, t.team.id, t.feedback[0].id];
    const result = await client.query(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, { ids });
    expect(result.errors).toBeUndefined();
    expect(result.data.nodes.map((n: { __typename: string }) => n.__typename)).toEqual([
      'Ticket', 'Agent', 'Customer', 'Category', 'Team', 'Feedback',
    ]);
    const one = await client.query(`query($id: ID!) { node(id: $id) { ... on Ticket { externalId } } }`, { id: t.id });
    expect(one.data.node).toEqual({ externalId: 't01' });
    const single = await client.query(`query($id: ID!) { ticket(id: $id) { externalId } }`, { id: t.id });
    expect(single.data.ticket).toEqual({ externalId: 't01' });
  });

  it('lists agents, customers, feedback and categories', async () => {
    const result = await client.query(`{
      agents(first: 10) { totalCount nodes { name team { name } tickets(first: 2) { totalCount } } }
      customers(filter: { tiers: [ENTERPRISE] }) { totalCount nodes { name } }
      feedback(first: 3, filter: { kinds: [CSAT] }) { totalCount nodes { score kind } }
      categories { name }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.agents.totalCount).toBe(3);
    expect(result.data.agents.nodes.map((a: { name: string }) => a.name)).toEqual(['Ada', 'Bo', 'Cy']);
    // Ada = agents[0] gets i % 3 == 0: 10 tickets.
    expect(result.data.agents.nodes[0].tickets.totalCount).toBe(10);
    expect(result.data.customers).toEqual({ totalCount: 1, nodes: [{ name: 'Acme' }] });
    expect(result.data.feedback.totalCount).toBe(30);
    expect(result.data.categories).toEqual([{ name: 'Billing' }]);
  });
});

describe('bad input', () => {
  it('rejects first over the cap, naming the cap', async () => {
    const result = await client.query(`{ tickets(first: 100000) { totalCount } }`);
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(/limit of 100/);
  });

  it('rejects a malformed cursor', async () => {
    const result = await client.query(`{ tickets(first: 5, after: "not-a-cursor") { totalCount } }`);
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(/cursor/i);
  });

  it('rejects an unknown enum value', async () => {
    const literal = await client.query(`{ tickets(filter: { channels: [FAX] }) { totalCount } }`);
    expect(literal.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(literal.errors?.[0].message).toMatch(/FAX/);
    const variable = await client.query(`query($c: [Channel!]) { tickets(filter: { channels: $c }) { totalCount } }`, { c: ['FAX'] });
    expect(variable.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects an id of the wrong type and garbage ids', async () => {
    const agents = await client.query(`{ agents(first: 1) { nodes { id } } }`);
    const agentId = agents.data.agents.nodes[0].id;
    const wrong = await client.query(`query($id: ID!) { ticket(id: $id) { id } }`, { id: agentId });
    expect(wrong.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(wrong.errors?.[0].message).toMatch(/is a Agent id, expected a Ticket id/);
    const filter = await client.query(`query($id: ID!) { tickets(filter: { teamIds: [$id] }) { totalCount } }`, { id: agentId });
    expect(filter.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const garbage = await client.query(`{ ticket(id: "%%%") { id } }`);
    expect(garbage.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a reversed createdAt range', async () => {
    const result = await client.query(`{ tickets(filter: { createdAt: { from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" } }) { totalCount } }`);
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(/must be before/);
  });
});

describe('HTTP routes', () => {
  it('answers /health when the database does', async () => {
    const response = await client.server.fetch('http://test/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: db.kind });
  });
});
