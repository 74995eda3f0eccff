import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { gqlClient, type GqlClient } from '../../helpers/graphql.ts';
import { connectorFor } from '../../../src/ingest/sources/index.ts';
import { cliConnection } from '../../../src/ingest/sync/connections.ts';
import { runSync } from '../../../src/ingest/sync/runner.ts';
import { tableChecksums } from '../helpers.ts';
import { startFakeFreshdesk, type FakeFreshdesk } from './fake-freshdesk.ts';
import { recordingRetry } from './helpers.ts';

// The Freshdesk sync against a fake account paging 2 tickets at a time, answering the
// second request 429 (Retry-After: 7) and the third 500; satisfaction ratings come
// newest first (the API documents no order), two of them for one ticket.

let db: TestDatabase;
let gql: GqlClient;
let fake: FakeFreshdesk;
const apiKey = 'fd-api-key-123';

const stats = (over: Record<string, unknown>) => ({
  agent_responded_at: null,
  requester_responded_at: null,
  first_responded_at: null,
  status_updated_at: null,
  reopened_at: null,
  resolved_at: null,
  closed_at: null,
  pending_since: null,
  ...over,
});
const requesters: Record<number, Record<string, unknown>> = {
  9001: { id: 9001, name: 'Eve Requester', email: 'eve@customer.example', mobile: null, phone: null },
  9002: { id: 9002, name: 'Fin Requester', email: 'fin@customer.example', mobile: null, phone: null },
};
function ticket(id: number, over: Record<string, unknown>): Record<string, unknown> {
  const requester = requesters[(over.requester_id as number | undefined) ?? 9001];
  return {
    cc_emails: [],
    fwd_emails: [],
    reply_cc_emails: [],
    fr_escalated: false,
    spam: false,
    email_config_id: null,
    group_id: 6001,
    priority: 2,
    requester_id: requester.id,
    responder_id: 5001,
    source: 1,
    company_id: null,
    status: 2,
    subject: `Ticket ${id}`,
    to_emails: null,
    product_id: null,
    id,
    type: 'Question',
    due_by: '2024-06-10T00:00:00Z',
    fr_due_by: '2024-06-05T00:00:00Z',
    is_escalated: false,
    custom_fields: {},
    tags: [],
    stats: stats({}),
    requester,
    ...over,
  };
}
const rating = (id: number, ticketId: number, at: string, ratings: Record<string, number>, extra: Record<string, unknown> = {}) => ({
  id,
  survey_id: 3001,
  user_id: ticketId === 202 ? 9002 : 9001,
  agent_id: 5001,
  group_id: 6001,
  ticket_id: ticketId,
  feedback: '',
  ratings,
  created_at: at,
  updated_at: at,
  ...extra,
});
const reply = (id: number, at: string, extra: Record<string, unknown> = {}) => ({
  id,
  body_text: '…',
  incoming: false,
  private: false,
  user_id: 5001,
  support_email: 'support@acme.example',
  source: 0,
  ticket_id: 0,
  created_at: at,
  updated_at: at,
  ...extra,
});

beforeAll(async () => {
  db = await openTestDatabase();
  gql = gqlClient(db);
  fake = await startFakeFreshdesk({
    apiKey,
    pageSize: 2,
    rateLimitAt: [2],
    failAt: [3],
    agents: [
      { id: 5001, available: true, occasional: false, contact: { name: 'Riley Agent', email: 'riley@acme.example' } },
      { id: 5002, available: true, occasional: false, contact: { name: 'Morgan Agent', email: 'morgan@acme.example' } },
    ],
    groups: [{ id: 6001, name: 'Tier 1', description: null }],
    tickets: [
      // Resolved: first reply 45 min, resolved after 4 h; 2 public agent replies (plus a customer message and a note).
      ticket(201, { status: 4, created_at: '2024-06-03T08:00:00Z', updated_at: '2024-06-03T12:00:00Z',
        stats: stats({ first_responded_at: '2024-06-03T08:45:00Z', resolved_at: '2024-06-03T12:00:00Z' }) }),
      // Reopened then resolved again: latest resolve after 24 h, one reopen.
      ticket(202, { status: 4, source: 3, priority: 4, requester_id: 9002, created_at: '2024-06-03T09:00:00Z', updated_at: '2024-06-04T09:00:00Z',
        stats: stats({ first_responded_at: '2024-06-03T09:05:00Z', reopened_at: '2024-06-03T18:00:00Z', resolved_at: '2024-06-04T09:00:00Z' }) }),
      // Resolved by Riley after 1 h, reassigned to Morgan afterwards, then closed.
      ticket(203, { status: 5, responder_id: 5002, created_at: '2024-06-03T10:00:00Z', updated_at: '2024-06-05T11:00:00Z',
        stats: stats({ first_responded_at: '2024-06-03T10:10:00Z', resolved_at: '2024-06-03T11:00:00Z', closed_at: '2024-06-05T11:00:00Z' }) }),
      // Open chat, not answered yet.
      ticket(204, { status: 2, source: 7, created_at: '2024-06-03T11:00:00Z', updated_at: '2024-06-03T11:00:00Z' }),
    ],
    deleted: [],
    ratings: [
      rating(7001, 201, '2024-06-03T13:00:00Z', { default_question: 103, question_17: 101 }, { feedback: 'Quick and kind' }),
      // 201 answered again later, neutral: this answer replaces the first.
      rating(7004, 201, '2024-06-05T09:00:00Z', { default_question: 100 }),
      rating(7002, 202, '2024-06-04T10:00:00Z', { default_question: -101 }),
      // An answer outside Freshdesk's scale: refused, 202 keeps its answer.
      rating(7006, 202, '2024-06-04T11:00:00Z', { default_question: 7 }),
      // Credited to Riley, who resolved 203, though Morgan holds it now.
      rating(7003, 203, '2024-06-03T12:00:00Z', { default_question: 101 }),
      // Custom questions only: not a CSAT answer.
      rating(7005, 204, '2024-06-03T11:30:00Z', { question_17: 103 }),
    ],
    conversations: {
      '201': [reply(1, '2024-06-03T08:45:00Z'), reply(2, '2024-06-03T09:30:00Z', { incoming: true, user_id: 9001 }), reply(3, '2024-06-03T10:00:00Z', { private: true, source: 2 }), reply(4, '2024-06-03T11:59:00Z')],
      '202': [reply(5, '2024-06-03T09:05:00Z'), reply(6, '2024-06-03T17:00:00Z'), reply(7, '2024-06-04T08:59:00Z')],
      '203': [reply(8, '2024-06-03T10:10:00Z')],
    },
  });
});

afterAll(async () => {
  await fake.close();
  await db.destroy();
});

async function sync() {
  const connection = await cliConnection(db, { name: 'freshdesk:acme', kind: 'FRESHDESK', account: 'acme', baseUrl: fake.url, startTime: null });
  const retry = recordingRetry();
  const { connector } = connectorFor(connection, { apiKey }, { retry });
  const summary = await runSync(db, connection, connector);
  return { summary, waits: retry.waits };
}

describe('Freshdesk sync', () => {
  it('reads agents, groups, tickets with stats and conversations, honouring Retry-After and retrying a 500', async () => {
    const { summary, waits } = await sync();
    expect(waits).toEqual([7000, 1000]);
    // Oldest change first: [204, 201] (more to come), then from 201's update time
    // (inclusive) [201, 202], then [202, 203] (the last page); then the empty deleted
    // list: 4 pages, 6 reads of 4 tickets. Then 3 pages of ratings (6, newest first).
    expect(summary).toMatchObject({ pages: 7, tickets: 6, created: 4, unchanged: 2, rejected: 0, deleted: 0, feedbackWritten: 3, feedbackRejected: 1 });
    const rows = await db.driver.query(
      `SELECT t."externalId", t.status, t.channel, a.name AS assignee, tm.name AS team, c.name AS customer, t."agentReplies", t."reopenCount"
       FROM "Ticket" t LEFT JOIN "Agent" a ON a.id = t."assigneeId" LEFT JOIN "Team" tm ON tm.id = t."teamId" LEFT JOIN "Customer" c ON c.id = t."customerId"
       ORDER BY t."externalId"`,
    );
    expect(rows).toEqual([
      { externalId: 'freshdesk:201', status: 'SOLVED', channel: 'EMAIL', assignee: 'Riley Agent', team: 'Tier 1', customer: 'Eve Requester', agentReplies: 2, reopenCount: 0 },
      { externalId: 'freshdesk:202', status: 'SOLVED', channel: 'PHONE', assignee: 'Riley Agent', team: 'Tier 1', customer: 'Fin Requester', agentReplies: 3, reopenCount: 1 },
      // Freshdesk's API does not say who held a ticket when it was resolved: the current assignee.
      { externalId: 'freshdesk:203', status: 'CLOSED', channel: 'EMAIL', assignee: 'Morgan Agent', team: 'Tier 1', customer: 'Eve Requester', agentReplies: 1, reopenCount: 0 },
      { externalId: 'freshdesk:204', status: 'OPEN', channel: 'CHAT', assignee: 'Riley Agent', team: 'Tier 1', customer: 'Eve Requester', agentReplies: 0, reopenCount: 0 },
    ]);
    const result = await gql.query(
      `{ metrics(range: { from: "2024-06-01T00:00:00Z", to: "2024-07-01T00:00:00Z" }) { ticketsCreated ticketsSolved firstResponseTime { count avg } resolutionTime { count avg } } }`,
    );
    // FRT 45, 5, 10 min → (2700 + 300 + 600) / 3 = 1200 s. Resolution 4 h, 24 h, 1 h → (14400 + 86400 + 3600) / 3 = 34800 s.
    expect(result.data.metrics).toEqual({ ticketsCreated: 4, ticketsSolved: 3, firstResponseTime: { count: 3, avg: 1200 }, resolutionTime: { count: 3, avg: 34800 } });
  });

  it('stores one CSAT answer per ticket from the satisfaction ratings: the latest, credited to the rated agent', async () => {
    const answers = await db.driver.query(
      `SELECT f."externalId", f.score, f.comment, f."createdAt", t."externalId" AS ticket, a.name AS agent, c.name AS customer
       FROM "Feedback" f JOIN "Ticket" t ON t.id = f."ticketId" LEFT JOIN "Agent" a ON a.id = f."agentId" LEFT JOIN "Customer" c ON c.id = f."customerId"
       WHERE f.kind = 'CSAT' ORDER BY f."externalId"`,
    );
    // 100 → 3 (neutral), -101 → 2 (unhappy), 101 → 4 (happy); 7001 (103) was read after 7004 and is older.
    expect(answers).toEqual([
      { externalId: 'freshdesk:csat:201', score: 3, comment: null, createdAt: new Date('2024-06-05T09:00:00Z'), ticket: 'freshdesk:201', agent: 'Riley Agent', customer: 'Eve Requester' },
      { externalId: 'freshdesk:csat:202', score: 2, comment: null, createdAt: new Date('2024-06-04T10:00:00Z'), ticket: 'freshdesk:202', agent: 'Riley Agent', customer: 'Fin Requester' },
      { externalId: 'freshdesk:csat:203', score: 4, comment: null, createdAt: new Date('2024-06-03T12:00:00Z'), ticket: 'freshdesk:203', agent: 'Riley Agent', customer: 'Eve Requester' },
    ]);
    const result = await gql.query(`{ metrics(range: { from: "2024-06-01T00:00:00Z", to: "2024-07-01T00:00:00Z" }) { csat { responses score average } } }`);
    // One of three rated 4 or 5: 33.33…%; mean (3 + 2 + 4) / 3 = 3.
    expect(result.data.metrics.csat.responses).toBe(3);
    expect(result.data.metrics.csat.score).toBeCloseTo(100 / 3, 9);
    expect(result.data.metrics.csat.average).toBe(3);
  });

  it('re-syncing an unchanged account changes nothing; later changes and deletions arrive', async () => {
    const before = Object.fromEntries(Object.entries(await tableChecksums(db)).filter(([t]) => t !== 'Connection'));
    const again = await sync();
    // updated_since is inclusive: the newest ticket is read again, unchanged.
    expect(again.summary).toMatchObject({ created: 0, updated: 0, feedbackWritten: 0 });
    // The ratings resume from the newest one read (created_since, inclusive).
    expect(fake.requests.filter((r) => r.startsWith('/api/v2/surveys/satisfaction_ratings')).at(-1)).toContain(`created_since=${encodeURIComponent('2024-06-05T09:00:00Z')}`);
    expect(Object.fromEntries(Object.entries(await tableChecksums(db)).filter(([t]) => t !== 'Connection'))).toEqual(before);

    // 204 is deleted in Freshdesk.
    const deleted = fake.options.tickets.find((t) => t.id === 204) as Record<string, unknown>;
    fake.options.tickets = fake.options.tickets.filter((t) => t.id !== 204);
    fake.options.deleted = [{ ...deleted, deleted: true, updated_at: '2024-06-06T00:00:00Z' }];
    const later = await sync();
    expect(later.summary).toMatchObject({ deleted: 1, removed: 1 });
    const [{ n }] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Ticket" WHERE "externalId" = 'freshdesk:204'`);
    expect(n).toBe(0);
  });
});
