import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { gqlClient, type GqlClient } from '../../helpers/graphql.ts';
import { connectorFor } from '../../../src/ingest/sources/index.ts';
import { cliConnection } from '../../../src/ingest/sync/connections.ts';
import { runSync } from '../../../src/ingest/sync/runner.ts';
import { tableChecksums } from '../helpers.ts';
import { startFakeZendesk, type FakeZendesk } from './fake-zendesk.ts';
import { contentChecksum, recordingRetry } from './helpers.ts';
import { zendeskAccount } from './zendesk-account.ts';

// The Zendesk sync against a fake account (test/ingest/sync/fake-zendesk.ts) that
// pages the ticket export two tickets at a time, answers the second request 429 with
// Retry-After: 7 and the third 500 once.

let db: TestDatabase;
let gql: GqlClient;
let fake: FakeZendesk;
const credentials = { email: 'admin@acme.example', token: 'secret-token-123' };

async function sync(options: { full?: boolean } = {}) {
  const connection = await cliConnection(db, { name: 'zendesk:acme', kind: 'ZENDESK', account: 'acme', baseUrl: fake.url, startTime: null });
  if (options.full) connection.cursor = {};
  const retry = recordingRetry();
  const { connector, http } = connectorFor(connection, credentials, { retry });
  const lines: string[] = [];
  const summary = await runSync(db, connection, connector, { progress: (line) => lines.push(line) });
  return { summary, waits: retry.waits, stats: http.stats, lines };
}

const withoutConnection = (sums: Record<string, string>) => Object.fromEntries(Object.entries(sums).filter(([table]) => table !== 'Connection'));

beforeAll(async () => {
  db = await openTestDatabase();
  gql = gqlClient(db);
  fake = await startFakeZendesk({ ...credentials, ...zendeskAccount(), ticketsPerPage: 2, auditsPerPage: 4, rateLimitAt: [2], failAt: [3] });
});

afterAll(async () => {
  await fake.close();
  await db.destroy();
});

describe('Zendesk sync', () => {
  it('pages through the ticket and event exports, honouring Retry-After and retrying a 500', async () => {
    const { summary, waits, stats, lines } = await sync();
    // Request 2 was a 429 (Retry-After: 7 → 7000 ms), request 3 a 500 (first backoff 1000 ms).
    expect(waits).toEqual([7000, 1000]);
    expect(stats).toMatchObject({ rateLimited: 1, retried: 1 });
    // 3 ticket pages (6 snapshots: 104 twice) + 4 event pages (16 audits, 4 a page).
    expect(summary).toMatchObject({ pages: 7, tickets: 6, created: 5, rejected: 0, deleted: 1, removed: 1 });
    expect(lines[0]).toMatch(/^zendesk:acme: tickets page 1, 2 tickets \(\d+\/s\), created 2/);
  });

  it('stores what the vendor says: names from side-loads, deleted tickets gone, KPIs as worked out by hand', async () => {
    const tickets = await db.driver.query<{ externalId: string; status: string; assignee: string; reopenCount: number; agentReplies: number }>(
      `SELECT t."externalId", t.status, a.name AS assignee, t."reopenCount", t."agentReplies"
       FROM "Ticket" t LEFT JOIN "Agent" a ON a.id = t."assigneeId" ORDER BY t."externalId"`,
    );
    expect(tickets).toEqual([
      { externalId: 'zendesk:101', status: 'SOLVED', assignee: 'Cy Agent', reopenCount: 0, agentReplies: 2 },
      { externalId: 'zendesk:102', status: 'SOLVED', assignee: 'Cy Agent', reopenCount: 1, agentReplies: 3 },
      { externalId: 'zendesk:103', status: 'SOLVED', assignee: 'Di Admin', reopenCount: 0, agentReplies: 1 },
      { externalId: 'zendesk:105', status: 'OPEN', assignee: 'Di Admin', reopenCount: 0, agentReplies: 1 },
    ]);
    const result = await gql.query(
      `{ metrics(range: { from: "2024-05-01T00:00:00Z", to: "2024-06-01T00:00:00Z" }) {
           ticketsCreated ticketsSolved reopenRate firstResponseTime { count avg } resolutionTime { count avg } csat { responses score } } }`,
    );
    // FRT: 30, 15, 20, 5 min → avg (1800 + 900 + 1200 + 300) / 4 = 1050 s.
    // Resolution (to the latest solve): 101 2 h, 102 24 h, 103 1 h → (7200 + 86400 + 3600) / 3 = 32400 s.
    // Reopen rate: 1 of 3 solved. CSAT: 101 good → 1 response, 100 %.
    expect(result.data.metrics).toEqual({
      ticketsCreated: 4,
      ticketsSolved: 3,
      reopenRate: 1 / 3,
      firstResponseTime: { count: 4, avg: 1050 },
      resolutionTime: { count: 3, avg: 32400 },
      csat: { responses: 1, score: 100 },
    });
  });

  it('keeps the history: replies by author, reopen, and each solve credited to the assignee at that time', async () => {
    const events = await db.driver.query<{ ticket: string; type: string; agent: string | null; public: boolean; n: number }>(
      `SELECT t."externalId" AS ticket, e.type, a.name AS agent, e.public, count(*)::int AS n
       FROM "TicketEvent" e JOIN "Ticket" t ON t.id = e."ticketId" LEFT JOIN "Agent" a ON a.id = e."agentId"
       WHERE e.type IN ('SOLVE', 'REOPEN', 'AGENT_REPLY', 'CUSTOMER_REPLY')
       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    );
    expect(events).toEqual([
      { ticket: 'zendesk:101', type: 'AGENT_REPLY', agent: 'Cy Agent', public: true, n: 2 },
      { ticket: 'zendesk:101', type: 'SOLVE', agent: 'Cy Agent', public: true, n: 1 },
      { ticket: 'zendesk:102', type: 'AGENT_REPLY', agent: 'Cy Agent', public: true, n: 3 },
      { ticket: 'zendesk:102', type: 'CUSTOMER_REPLY', agent: null, public: true, n: 1 },
      { ticket: 'zendesk:102', type: 'REOPEN', agent: null, public: true, n: 1 },
      { ticket: 'zendesk:102', type: 'SOLVE', agent: 'Cy Agent', public: true, n: 2 },
      { ticket: 'zendesk:103', type: 'AGENT_REPLY', agent: 'Cy Agent', public: false, n: 1 },
      { ticket: 'zendesk:103', type: 'AGENT_REPLY', agent: 'Cy Agent', public: true, n: 1 },
      // Solved by Cy's ticket at 11:00, reassigned to Di at 15:00: the solve stays Cy's.
      { ticket: 'zendesk:103', type: 'SOLVE', agent: 'Cy Agent', public: true, n: 1 },
      { ticket: 'zendesk:105', type: 'AGENT_REPLY', agent: 'Di Admin', public: true, n: 1 },
    ]);
    // The KPI engine's "who solved" / "who replied first" columns come from this history.
    const credit = await db.driver.query<{ externalId: string; solvedBy: string | null; firstResponder: string | null }>(
      `SELECT t."externalId", s.name AS "solvedBy", f.name AS "firstResponder" FROM "Ticket" t
       LEFT JOIN "Agent" s ON s.id = t."solvedById" LEFT JOIN "Agent" f ON f.id = t."firstResponderId" ORDER BY 1`,
    );
    expect(credit).toEqual([
      { externalId: 'zendesk:101', solvedBy: 'Cy Agent', firstResponder: 'Cy Agent' },
      { externalId: 'zendesk:102', solvedBy: 'Cy Agent', firstResponder: 'Cy Agent' },
      { externalId: 'zendesk:103', solvedBy: 'Cy Agent', firstResponder: 'Cy Agent' },
      { externalId: 'zendesk:105', solvedBy: null, firstResponder: 'Di Admin' },
    ]);
    const seqs = await db.driver.query<{ seq: number; type: string }>(
      `SELECT e.seq, e.type FROM "TicketEvent" e JOIN "Ticket" t ON t.id = e."ticketId" WHERE t."externalId" = 'zendesk:102' ORDER BY e.seq`,
    );
    expect(seqs.map((e) => e.type)).toEqual(['CREATED', 'ASSIGNMENT', 'AGENT_REPLY', 'SOLVE', 'REOPEN', 'CUSTOMER_REPLY', 'AGENT_REPLY', 'SOLVE', 'AGENT_REPLY']);
  });

  it('lists the connection with its last sync in the API', async () => {
    const result = await gql.query(`{ connections { name kind account status error ticketsSynced lastSyncAt } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.connections).toEqual([
      { name: 'zendesk:acme', kind: 'ZENDESK', account: 'acme', status: 'SUCCEEDED', error: null, ticketsSynced: 5, lastSyncAt: expect.any(String) },
    ]);
  });

  it('re-syncing an unchanged account changes nothing', async () => {
    const before = withoutConnection(await tableChecksums(db));
    const requests = fake.requests.length;
    const { summary } = await sync();
    // From the stored cursors: one ticket page and one event page, both empty.
    expect(fake.requests.length - requests).toBe(2);
    expect(summary).toMatchObject({ tickets: 0, created: 0, updated: 0 });
    expect(withoutConnection(await tableChecksums(db))).toEqual(before);
    // Reading everything again from the start changes nothing either.
    const content = await contentChecksum(db);
    const again = await sync({ full: true });
    expect(again.summary).toMatchObject({ tickets: 6, created: 1, updated: 0, unchanged: 4, removed: 1, eventsAdded: 0 });
    expect(await contentChecksum(db)).toEqual(content);
  });
});
