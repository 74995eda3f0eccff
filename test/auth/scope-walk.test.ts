import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/schema/index.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient, type GqlResult } from '../helpers/graphql.ts';
import { makeToken, TEST_ADMIN_TOKEN, bearer } from './helpers.ts';

// The TEAM_LEAD scope walk: every Query field of the schema is called by two TEAM_LEAD
// tokens (lead1 reads team A; lead2 reads teams B and C) with selections that reach
// every nested relation where another team's rows could slip in. Each team's rows carry
// its marker (zzA_, zzB_, zzC_) in every name, e-mail, subject, tag and comment, so a
// leak shows as a foreign marker or a foreign global id anywhere in the answer; the
// analytics fields are checked against numbers counted by hand. The list of fields
// comes from the schema: a field without a caller below fails the test.

type Team = 'A' | 'B' | 'C';
const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');
const RANGE = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' };
/** The next whole week from the coming hour: forecasts take future ranges only. */
const NEXT_WEEK = () => {
  const from = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  return { from: new Date(from).toISOString(), to: new Date(from + 7 * 86_400_000).toISOString() };
};

interface Row {
  type: string;
  id: number;
  /** The teams whose leads may see the row. */
  teams: Team[];
}

interface Fixture {
  teamIds: Record<Team, number>;
  rows: Row[];
  categoryId: number;
}

let db: TestDatabase;
let client: GqlClient;
let fx: Fixture;
const leads: Record<'lead1' | 'lead2', { teams: Team[]; header: Record<string, string> }> = {
  lead1: { teams: ['A'], header: {} },
  lead2: { teams: ['B', 'C'], header: {} },
};
let ingest: Record<string, string>;
const admin = bearer(TEST_ADMIN_TOKEN);

async function buildFixture(): Promise<Fixture> {
  const p = db.prisma;
  const rows: Row[] = [];
  const teamIds = {} as Record<Team, number>;
  const agents = {} as Record<Team, number>;
  const customers = {} as Record<Team, number>;
  for (const team of ['A', 'B', 'C'] as const) {
    const t = await p.team.create({ data: { externalId: `zz${team}_team`, name: `zz${team}_team` } });
    teamIds[team] = t.id;
    rows.push({ type: 'Team', id: t.id, teams: [team] });
    const a = await p.agent.create({
      data: { externalId: `zz${team}_agent`, name: `zz${team}_agent`, email: `zz${team}_agent@example.com`, teamId: t.id },
    });
    agents[team] = a.id;
    rows.push({ type: 'Agent', id: a.id, teams: [team] });
    const c = await p.customer.create({
      data: { externalId: `zz${team}_cust`, name: `zz${team}_cust`, email: `zz${team}_cust@example.com`, tier: 'PREMIUM' },
    });
    customers[team] = c.id;
    rows.push({ type: 'Customer', id: c.id, teams: [team] });
  }
  const shared = await p.customer.create({ data: { externalId: 'shared_cust', name: 'shared_cust', tier: 'FREE' } });
  rows.push({ type: 'Customer', id: shared.id, teams: ['A', 'B'] });
  const category = await p.category.create({ data: { externalId: 'cat', name: 'Billing' } });
  rows.push({ type: 'Category', id: category.id, teams: ['A', 'B', 'C'] });

  // Team A 3 tickets, B 4, C 5, created hourly from 2026-01-05; ticket 1 of each team
  // is open with a first-response deadline ahead (A +30 min, B +40, C +50), the rest solved.
  // zzA_t3 is assigned to team B's agent and has a reply by it; zzA_t2 and zzB_t3 belong
  // to the shared customer.
  const counts: Record<Team, number> = { A: 3, B: 4, C: 5 };
  const ticketIds = {} as Record<string, number>;
  let hour = 0;
  for (const team of ['A', 'B', 'C'] as const) {
    for (let i = 1; i <= counts[team]; i++) {
      const open = i === 1;
      const createdAt = new Date(Date.UTC(2026, 0, 5, hour++));
      const crossAssigned = team === 'A' && i === 3;
      const ticket = await p.ticket.create({
        data: {
          externalId: `zz${team}_t${i}`,
          subject: `zz${team}_subject_${i}`,
          channel: i % 2 === 0 ? 'EMAIL' : 'CHAT',
          status: open ? 'OPEN' : 'SOLVED',
          createdAt,
          solvedAt: open ? null : new Date(createdAt.getTime() + 3_600_000),
          firstResponseAt: open ? null : new Date(createdAt.getTime() + 600_000),
          firstResponseDueAt: open ? new Date(Date.now() + ({ A: 30, B: 40, C: 50 }[team] * 60_000)) : null,
          agentReplies: open ? 0 : 1,
          teamId: teamIds[team],
          assigneeId: crossAssigned ? agents.B : agents[team],
          customerId: (team === 'A' && i === 2) || (team === 'B' && i === 3) ? shared.id : customers[team],
          categoryId: category.id,
          tags: [`zz${team}_tag`],
        },
      });
      ticketIds[`${team}${i}`] = ticket.id;
      rows.push({ type: 'Ticket', id: ticket.id, teams: [team] });
      if (crossAssigned) {
        await p.ticketEvent.create({
          data: { externalId: `zzA_t3#1`, ticketId: ticket.id, seq: 1, type: 'AGENT_REPLY', occurredAt: createdAt, agentId: agents.B },
        });
      }
    }
  }
  // CSAT responses, all 5 points: A 3 (two on its tickets, one on zzA_t2 by team B's
  // customer; one without a ticket for A's agent), B 2 (one on a ticket, one without a
  // ticket for B's agent), C 2 — so csat.responses is 3 for lead1 and 4 for lead2.
  const feedback: [string, Team, number | null, number | null, number][] = [
    ['zzA_f1', 'A', ticketIds.A1, null, customers.A],
    ['zzA_f2', 'A', ticketIds.A2, null, customers.B],
    ['zzA_f3', 'A', null, agents.A, customers.A],
    ['zzB_f1', 'B', ticketIds.B1, null, customers.B],
    ['zzB_f2', 'B', null, agents.B, customers.B],
    ['zzC_f1', 'C', ticketIds.C1, null, customers.C],
    ['zzC_f2', 'C', ticketIds.C2, null, customers.C],
  ];
  for (const [externalId, team, ticketId, agentId, customerId] of feedback) {
    const f = await p.feedback.create({
      data: { externalId, kind: 'CSAT', score: 5, comment: `${externalId}_comment`, createdAt: new Date('2026-01-10T00:00:00Z'), ticketId, agentId, customerId },
    });
    rows.push({ type: 'Feedback', id: f.id, teams: [team] });
  }
  // Targets: one for everyone (visible to both leads), one scoped to team A.
  const everyone = await p.target.create({ data: { name: 'everyone_target', metric: 'ticketsCreated', comparison: 'AT_LEAST', threshold: 5, granularity: 'WEEK' } });
  rows.push({ type: 'Target', id: everyone.id, teams: ['A', 'B', 'C'] });
  const teamA = await p.target.create({ data: { name: 'zzA_target', metric: 'ticketsCreated', comparison: 'AT_LEAST', threshold: 1, granularity: 'WEEK', scopeTeamId: teamIds.A } });
  rows.push({ type: 'Target', id: teamA.id, teams: ['A'] });
  return { teamIds, rows, categoryId: category.id };
}

beforeAll(async () => {
  db = await openTestDatabase();
  fx = await buildFixture();
  client = gqlClient(db, { production: true, config: { adminToken: TEST_ADMIN_TOKEN } });
  leads.lead1.header = (await makeToken(db, 'TEAM_LEAD', { name: 'lead1', teamIds: [fx.teamIds.A] })).header;
  leads.lead2.header = (await makeToken(db, 'TEAM_LEAD', { name: 'lead2', teamIds: [fx.teamIds.B, fx.teamIds.C] })).header;
  ingest = (await makeToken(db, 'INGEST', { name: 'ingest' })).header;
});

afterAll(async () => {
  await db?.destroy();
});

// Selections that reach every relation a foreign row could come through.
const FRAGMENTS: Record<string, string> = {
  T: `fragment T on Ticket { id externalId subject tags team { id name } category { name }
      assignee { id name email team { id name agents(first: 20) { nodes { id name } } } }
      customer { id name email tickets(first: 20) { totalCount nodes { id externalId } } }
      feedback { id comment agent { id name } customer { id name } } events { agent { id name } } sla { firstResponseDueAt } }`,
  A: `fragment A on Agent { id name email team { id name } metrics(range: $range) { ticketsCreated }
      tickets(first: 20) { totalCount nodes { id externalId assignee { name } customer { name } } } }`,
  C: `fragment C on Customer { id customerName: name email tickets(first: 20) { totalCount nodes { id externalId team { name } } } }`,
  F: `fragment F on Feedback { id comment ticket { id externalId } agent { id name team { name } } customer { id name } }`,
  M: `fragment M on Team { id name metrics(range: $range) { ticketsCreated }
      agents(first: 20) { totalCount nodes { id name } } tickets(first: 20) { totalCount nodes { id externalId } } }`,
  K: `fragment K on Category { id name metrics(range: $range) { ticketsCreated csat { responses } } }`,
  // One level of relations, for the lookups by id: the deep ones above run on the lists.
  t: `fragment t on Ticket { id externalId subject assignee { id name } customer { id name } team { id name } }`,
  a: `fragment a on Agent { id name team { id name } tickets(first: 5) { totalCount nodes { id externalId } } }`,
  c: `fragment c on Customer { id customerName: name tickets(first: 5) { totalCount nodes { id externalId } } }`,
  f: `fragment f on Feedback { id comment ticket { id externalId } agent { id name } customer { id name } }`,
  m: `fragment m on Team { id name agents(first: 5) { nodes { id name } } tickets(first: 5) { totalCount nodes { id externalId } } }`,
};

function doc(body: string, ...fragments: string[]): string {
  return [body, ...fragments.map((name) => FRAGMENTS[name])].join('\n');
}

interface Request {
  query: string;
  variables?: Record<string, unknown>;
}

interface Caller {
  requests: () => Request[];
  /** What a TEAM_LEAD gets: data (checked for leaks) or a FORBIDDEN refusal. */
  lead: 'data' | 'FORBIDDEN';
  /** The ADMIN answer shows rows of every team: proof the caller selects leakable data. */
  adminSeesEveryTeam?: boolean;
  /** Known answers for a lead, counted by hand from the fixture. */
  check?: (results: GqlResult[], lead: 'lead1' | 'lead2') => void;
}

const idsOf = (type: string) => fx.rows.filter((row) => row.type === type).map((row) => gid(type, row.id));
const each = (type: string, body: string, ...fragments: string[]) => () =>
  idsOf(type).map((id) => ({ query: doc(body, ...fragments), variables: { id, range: RANGE } }));
/** Which of the ids a lead's answers returned non-null, per field. */
const visibleOwn = (results: GqlResult[], field: string, lead: 'lead1' | 'lead2', type: string) => {
  const seen = results.map((result) => result.data?.[field] !== null);
  const expected = fx.rows.filter((row) => row.type === type).map((row) => row.teams.some((team) => leads[lead].teams.includes(team)));
  expect({ field, seen }).toEqual({ field, seen: expected });
};

const CALLERS: Record<string, Caller> = {
  tickets: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () => [{ query: doc('{ tickets(first: 50) { totalCount nodes { ...T } } }', 'T') }],
    // A has 3 tickets; B and C 4 + 5.
    check: ([r], lead) => expect(r.data.tickets.totalCount).toBe(lead === 'lead1' ? 3 : 9),
  },
  ticket: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: each('Ticket', 'query($id: ID!) { ticket(id: $id) { ...t } }', 't'),
    check: (results, lead) => visibleOwn(results, 'ticket', lead, 'Ticket'),
  },
  agents: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () => [{ query: doc('query($range: DateTimeRange!) { agents(first: 50) { totalCount nodes { ...A } } }', 'A'), variables: { range: RANGE } }],
    check: ([r], lead) => expect(r.data.agents.totalCount).toBe(lead === 'lead1' ? 1 : 2),
  },
  agent: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: each('Agent', 'query($id: ID!) { agent(id: $id) { ...a } }', 'a'),
    check: (results, lead) => visibleOwn(results, 'agent', lead, 'Agent'),
  },
  teams: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () => [{ query: doc('query($range: DateTimeRange!) { teams { ...M } }', 'M'), variables: { range: RANGE } }],
    check: ([r], lead) =>
      expect(r.data.teams.map((t: { name: string; metrics: { ticketsCreated: number } }) => [t.name, t.metrics.ticketsCreated])).toEqual(
        lead === 'lead1' ? [['zzA_team', 3]] : [['zzB_team', 4], ['zzC_team', 5]],
      ),
  },
  team: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: each('Team', 'query($id: ID!) { team(id: $id) { ...m } }', 'm'),
    check: (results, lead) => visibleOwn(results, 'team', lead, 'Team'),
  },
  customers: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () => [{ query: doc('{ customers(first: 50) { totalCount nodes { ...C } } }', 'C') }],
    // lead1: zzA_cust and the shared customer; lead2: zzB_cust, zzC_cust and the shared one.
    check: ([r], lead) => expect(r.data.customers.totalCount).toBe(lead === 'lead1' ? 2 : 3),
  },
  customer: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: each('Customer', 'query($id: ID!) { customer(id: $id) { ...c } }', 'c'),
    check: (results, lead) => visibleOwn(results, 'customer', lead, 'Customer'),
  },
  feedback: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () => [{ query: doc('{ feedback(first: 50) { totalCount nodes { ...F } } }', 'F') }],
    check: ([r], lead) => expect(r.data.feedback.totalCount).toBe(lead === 'lead1' ? 3 : 4),
  },
  feedbackResponse: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: each('Feedback', 'query($id: ID!) { feedbackResponse(id: $id) { ...f } }', 'f'),
    check: (results, lead) => visibleOwn(results, 'feedbackResponse', lead, 'Feedback'),
  },
  categories: {
    lead: 'data',
    requests: () => [{ query: doc('query($range: DateTimeRange!) { categories { ...K children { ...K } } }', 'K'), variables: { range: RANGE } }],
    // Responses without a ticket have no category: lead1 counts zzA_f1 and zzA_f2, lead2 zzB_f1, zzC_f1 and zzC_f2.
    check: ([r], lead) =>
      expect(r.data.categories[0].metrics).toEqual(lead === 'lead1' ? { ticketsCreated: 3, csat: { responses: 2 } } : { ticketsCreated: 9, csat: { responses: 3 } }),
  },
  category: {
    lead: 'data',
    requests: each('Category', 'query($id: ID!, $range: DateTimeRange!) { category(id: $id) { ...K parent { ...K } } }', 'K'),
    check: ([r], lead) => expect(r.data.category.metrics.ticketsCreated).toBe(lead === 'lead1' ? 3 : 9),
  },
  node: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () =>
      fx.rows.map((row) => ({
        query: doc('query($id: ID!) { node(id: $id) { id __typename ...t ...a ...c ...f ...m } }', 't', 'a', 'c', 'f', 'm'),
        variables: { id: gid(row.type, row.id) },
      })),
    check: (results, lead) => {
      const seen = results.map((result) => result.data?.node !== null);
      expect(seen).toEqual(fx.rows.map((row) => row.teams.some((team) => leads[lead].teams.includes(team))));
    },
  },
  nodes: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () => [
      {
        query: doc('query($ids: [ID!]!, $range: DateTimeRange!) { nodes(ids: $ids) { id __typename ...T ...A ...C ...F ...M ...K } }', 'T', 'A', 'C', 'F', 'M', 'K'),
        variables: { ids: fx.rows.map((row) => gid(row.type, row.id)), range: RANGE },
      },
    ],
    check: ([r], lead) =>
      expect(r.data.nodes.map((node: unknown) => node !== null)).toEqual(fx.rows.map((row) => row.teams.some((team) => leads[lead].teams.includes(team)))),
  },
  metrics: {
    lead: 'data',
    requests: () => [
      { query: 'query($range: DateTimeRange!) { metrics(range: $range) { ticketsCreated ticketsSolved backlog csat { responses score } } }', variables: { range: RANGE } },
    ],
    // lead1: 3 created, 2 solved, 1 open at the end; lead2: 9, 7, 2. All CSAT 5: score 100.
    check: ([r], lead) =>
      expect(r.data.metrics).toEqual(
        lead === 'lead1'
          ? { ticketsCreated: 3, ticketsSolved: 2, backlog: 1, csat: { responses: 3, score: 100 } }
          : { ticketsCreated: 9, ticketsSolved: 7, backlog: 2, csat: { responses: 4, score: 100 } },
      ),
  },
  timeSeries: {
    lead: 'data',
    requests: () => [
      { query: 'query($range: DateTimeRange!) { timeSeries(range: $range, granularity: WEEK) { label metrics { ticketsCreated } } }', variables: { range: RANGE } },
    ],
    // Every ticket was created on 2026-01-05 (ISO week 2).
    check: ([r], lead) =>
      expect(r.data.timeSeries.filter((b: { metrics: { ticketsCreated: number } }) => b.metrics.ticketsCreated > 0)).toEqual([
        { label: '2026-W02', metrics: { ticketsCreated: lead === 'lead1' ? 3 : 9 } },
      ]),
  },
  breakdown: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () =>
      ['TEAM', 'AGENT', 'CUSTOMER_TIER', 'TAG'].map((by) => ({
        query: `query($range: DateTimeRange!) { breakdown(by: [${by}], range: $range, granularity: WEEK) {
          key { team { id name } agent { id name email } customerTier tag } metrics { ticketsCreated csat { responses } }
          buckets { label metrics { ticketsCreated } } } }`,
        variables: { range: RANGE },
      })),
    check: ([byTeam, byAgent], lead) => {
      // No group of another team, not even with zeros.
      expect(byTeam.data.breakdown.map((g: { key: { team: { name: string } }; metrics: { ticketsCreated: number } }) => [g.key.team.name, g.metrics.ticketsCreated])).toEqual(
        lead === 'lead1' ? [['zzA_team', 3]] : [['zzB_team', 4], ['zzC_team', 5]],
      );
      const created = byAgent.data.breakdown.reduce((sum: number, g: { metrics: { ticketsCreated: number } }) => sum + g.metrics.ticketsCreated, 0);
      expect(created).toBe(lead === 'lead1' ? 3 : 9);
    },
  },
  slaAtRisk: {
    lead: 'data',
    adminSeesEveryTeam: true,
    requests: () => [{ query: doc('{ slaAtRisk(within: "PT2H") { target secondsLeft ticket { ...T } } }', 'T') }],
    check: ([r], lead) =>
      expect(r.data.slaAtRisk.map((risk: { ticket: { externalId: string } }) => risk.ticket.externalId)).toEqual(
        lead === 'lead1' ? ['zzA_t1'] : ['zzB_t1', 'zzC_t1'],
      ),
  },
  targets: {
    lead: 'data',
    requests: () => [{ query: '{ targets { id name teamId agentId } }' }],
    check: ([r], lead) =>
      expect(r.data.targets.map((t: { name: string }) => t.name)).toEqual(lead === 'lead1' ? ['everyone_target', 'zzA_target'] : ['everyone_target']),
  },
  targetAttainment: {
    lead: 'data',
    requests: () => [
      {
        query: 'query($id: ID!, $range: DateTimeRange!) { targetAttainment(target: $id, range: $range) { target { name } met missed buckets { actual } } }',
        variables: { id: idsOf('Target')[0], range: RANGE },
      },
    ],
    // The everyone target (ticketsCreated >= 5 a week) counts the lead's tickets only:
    // lead1 3 in W02 (missed), lead2 9 (met); the other weeks of January have none (0, missed).
    check: ([r], lead) => {
      expect(r.data.targetAttainment.target.name).toBe('everyone_target');
      expect(Math.max(...r.data.targetAttainment.buckets.map((b: { actual: number }) => b.actual))).toBe(lead === 'lead1' ? 3 : 9);
      expect(r.data.targetAttainment.met).toBe(lead === 'lead1' ? 0 : 1);
    },
  },
  scorecards: { lead: 'data', requests: () => [{ query: '{ scorecards { id name components { metric weight } } }' }] },
  connections: { lead: 'FORBIDDEN', requests: () => [{ query: '{ connections { id name status } }' }] },
  forecast: {
    lead: 'data',
    requests: () => [{ query: 'query($range: DateTimeRange!) { forecast(range: $range, granularity: DAY, by: [TEAM]) { key { team { id name } } buckets { expected } } }', variables: { range: NEXT_WEEK() } }],
    // A series per team with history: the lead's own teams only (A; B and C).
    check: ([r], lead) =>
      expect(r.data.forecast.map((s: { key: { team: { name: string } | null } }) => s.key.team?.name).sort()).toEqual(lead === 'lead1' ? ['zzA_team'] : ['zzB_team', 'zzC_team']),
  },
  forecastAccuracy: {
    lead: 'data',
    requests: () => [{ query: '{ forecastAccuracy(asOf: "2026-02-01T00:00:00Z") { weeks actualTotal } }' }],
    // The eight weeks before 2026-02-01 hold every fixture ticket (created 2026-01-05): A 3, B and C 4 + 5.
    check: ([r], lead) => expect(r.data.forecastAccuracy.actualTotal).toBe(lead === 'lead1' ? 3 : 9),
  },
  staffing: {
    lead: 'data',
    requests: () => [{ query: 'query($range: DateTimeRange!) { staffing(range: $range, channel: EMAIL, handleTimeSeconds: 300) { channel buckets { arrivals agents } } }', variables: { range: NEXT_WEEK() } }],
  },
  alertRules: { lead: 'FORBIDDEN', requests: () => [{ query: '{ alertRules { id name } }' }] },
  alertEvents: { lead: 'FORBIDDEN', requests: () => [{ query: '{ alertEvents { id toState } }' }] },
  businessCalendars: { lead: 'data', requests: () => [{ query: '{ businessCalendars { id name timeZone } }' }] },
  slaPolicies: { lead: 'data', requests: () => [{ query: '{ slaPolicies { id name priorities } }' }] },
  viewer: {
    lead: 'data',
    requests: () => [{ query: '{ viewer { role tokenName restrictedToTeams teams { id name } } }' }],
    check: ([r], lead) =>
      expect(r.data.viewer.teams.map((t: { name: string }) => t.name)).toEqual(leads[lead].teams.map((team) => `zz${team}_team`)),
  },
  apiTokens: { lead: 'FORBIDDEN', requests: () => [{ query: '{ apiTokens { id name teams { name } } }' }] },
  reports: { lead: 'FORBIDDEN', requests: () => [{ query: '{ reports { id name } }' }] },
  report: { lead: 'FORBIDDEN', requests: () => [{ query: 'query($id: ID!) { report(id: $id) { id name } }', variables: { id: gid('Report', 1) } }] },
};

function foreignEvidence(result: unknown, lead: 'lead1' | 'lead2'): string[] {
  const text = JSON.stringify(result);
  const own = leads[lead].teams;
  const foreignTeams = (['A', 'B', 'C'] as const).filter((team) => !own.includes(team));
  const found = foreignTeams.map((team) => `zz${team}_`).filter((marker) => text.includes(marker));
  for (const row of fx.rows) {
    if (row.teams.some((team) => own.includes(team))) continue;
    const id = gid(row.type, row.id);
    if (text.includes(`"${id}"`)) found.push(`${row.type} ${row.id}`);
  }
  return found;
}

describe('TEAM_LEAD scope walk', () => {
  it('has a caller for every Query field of the schema', () => {
    const fields = Object.keys(buildSchema().getQueryType()?.getFields() ?? {});
    const missing = fields.filter((field) => !(field in CALLERS));
    // A new Query field needs a caller in CALLERS (test/auth/scope-walk.test.ts) showing what a TEAM_LEAD sees.
    expect(missing).toEqual([]);
  });

  const fields = Object.keys(CALLERS);
  for (const lead of ['lead1', 'lead2'] as const) {
    it.each(fields)(`${lead}: %s shows only the token's teams`, async (field) => {
      if (!buildSchema().getQueryType()?.getFields()[field]) return;
      const caller = CALLERS[field];
      const results: GqlResult[] = [];
      for (const request of caller.requests()) results.push(await client.query(request.query, request.variables, leads[lead].header));
      if (caller.lead === 'FORBIDDEN') {
        for (const result of results) expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        return;
      }
      for (const result of results) {
        expect(result.errors).toBeUndefined();
        expect(foreignEvidence(result, lead)).toEqual([]);
      }
      caller.check?.(results, lead);
    });
  }

  it.each(fields.filter((field) => CALLERS[field].adminSeesEveryTeam))('ADMIN: %s selects rows of every team (the walk can see a leak)', async (field) => {
    if (!buildSchema().getQueryType()?.getFields()[field]) return;
    const answers = [];
    for (const request of CALLERS[field].requests()) answers.push(await client.query(request.query, request.variables, admin));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const text = JSON.stringify(answers);
    for (const marker of ['zzA_', 'zzB_', 'zzC_']) expect({ field, marker, found: text.includes(marker) }).toEqual({ field, marker, found: true });
  });

  it.each(fields)('INGEST: %s is refused', async (field) => {
    if (!buildSchema().getQueryType()?.getFields()[field]) return;
    const [request] = CALLERS[field].requests();
    const result = await client.query(request.query, request.variables, ingest);
    if (field === 'viewer') expect(result.data.viewer.role).toBe('INGEST');
    else expect({ field, code: result.errors?.[0]?.extensions?.code }).toEqual({ field, code: 'FORBIDDEN' });
  });
});

describe('TEAM_LEAD filters', () => {
  it("answers another team's id exactly like an id that does not exist", async () => {
    const query = `query($t: ID!) { tickets(filter: { teamIds: [$t] }) { totalCount } }`;
    const other = await client.query(query, { t: gid('Team', fx.teamIds.B) }, leads.lead1.header);
    const madeUp = await client.query(query, { t: gid('Team', 999_999) }, leads.lead1.header);
    expect(other.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(other.errors?.[0].message).toBe(`filter.teamIds: no Team with id ${fx.teamIds.B}`);
    expect(madeUp.errors?.[0].message).toBe('filter.teamIds: no Team with id 999999');
    const own = await client.query(query, { t: gid('Team', fx.teamIds.A) }, leads.lead1.header);
    expect(own.errors).toBeUndefined();
  });
});
