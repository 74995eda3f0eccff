import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { createServer, type SupportgraphServer } from '../../src/server.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

/** Fixture ids by external id. */
export interface Fixture {
  teams: Record<string, number>;
  agents: Record<string, number>;
  tickets: Record<string, number>;
}

/** Subjects that stress CSV quoting and formula escaping. */
export const SUBJECTS = {
  t1: 'Plain subject',
  t2: 'Comma, "quoted" and\nnewline',
  t3: '=HYPERLINK("http://x","y")',
  t4: '-5',
  t5: null,
  t6: '@cmd|calc',
} as const;

/**
 * Six tickets over two days (UTC), written literally so expected numbers can be worked
 * out by hand:
 *
 * | ticket | created (UTC)    | channel | team  | status | first response      | solved        |
 * |--------|------------------|---------|-------|--------|---------------------|---------------|
 * | t1     | 2026-03-02 08:00 | EMAIL   | Alpha | SOLVED | 08:30 (1800 s)      | 03-02 10:00   |
 * | t2     | 2026-03-02 09:00 | CHAT    | Beta  | OPEN   | none                |               |
 * | t3     | 2026-03-02 10:00 | EMAIL   | none  | NEW    | none                |               |
 * | t4     | 2026-03-03 08:00 | EMAIL   | Alpha | SOLVED | 09:00 (3600 s)      | 03-03 12:00   |
 * | t5     | 2026-03-03 09:00 | CHAT    | Alpha | OPEN   | 09:15 (900 s)       |               |
 * | t6     | 2026-03-03 10:00 | PHONE   | Beta  | SOLVED | 10:20 (1200 s)      | 03-03 11:00   |
 *
 * CSAT: t1 5 (03-02 12:00), t2 2 (03-02 13:00), t4 4 (03-03 13:00). Category "Billing, Invoices"
 * on t1 and t2. Plus `bulk` extra tickets in January 2025 tagged "bulk", without team.
 */
export async function seedFixture(db: Database, bulk = 0): Promise<Fixture> {
  const p = db.prisma;
  const alpha = await p.team.create({ data: { externalId: 'alpha', name: 'Alpha' } });
  const beta = await p.team.create({ data: { externalId: 'beta', name: 'Beta' } });
  const ada = await p.agent.create({ data: { externalId: 'ada', name: 'Ada', teamId: alpha.id } });
  const bo = await p.agent.create({ data: { externalId: 'bo', name: 'Bo', teamId: beta.id } });
  const category = await p.category.create({ data: { externalId: 'billing', name: 'Billing, Invoices' } });
  const at = (iso: string) => new Date(iso);
  const rows = [
    { externalId: 't1', channel: 'EMAIL', team: alpha.id, agent: ada.id, status: 'SOLVED', created: '2026-03-02T08:00:00Z', first: '2026-03-02T08:30:00Z', solved: '2026-03-02T10:00:00Z', tags: ['vip', 'billing'], category: category.id },
    { externalId: 't2', channel: 'CHAT', team: beta.id, agent: bo.id, status: 'OPEN', created: '2026-03-02T09:00:00Z', first: null, solved: null, tags: [], category: category.id },
    { externalId: 't3', channel: 'EMAIL', team: null, agent: null, status: 'NEW', created: '2026-03-02T10:00:00Z', first: null, solved: null, tags: [], category: null },
    { externalId: 't4', channel: 'EMAIL', team: alpha.id, agent: ada.id, status: 'SOLVED', created: '2026-03-03T08:00:00Z', first: '2026-03-03T09:00:00Z', solved: '2026-03-03T12:00:00Z', tags: [], category: null },
    { externalId: 't5', channel: 'CHAT', team: alpha.id, agent: ada.id, status: 'OPEN', created: '2026-03-03T09:00:00Z', first: '2026-03-03T09:15:00Z', solved: null, tags: [], category: null },
    { externalId: 't6', channel: 'PHONE', team: beta.id, agent: bo.id, status: 'SOLVED', created: '2026-03-03T10:00:00Z', first: '2026-03-03T10:20:00Z', solved: '2026-03-03T11:00:00Z', tags: [], category: null },
  ] as const;
  const tickets: Record<string, number> = {};
  for (const row of rows) {
    const ticket = await p.ticket.create({
      data: {
        externalId: row.externalId,
        subject: SUBJECTS[row.externalId],
        channel: row.channel,
        status: row.status,
        teamId: row.team,
        assigneeId: row.agent,
        categoryId: row.category,
        createdAt: at(row.created),
        firstResponseAt: row.first ? at(row.first) : null,
        solvedAt: row.solved ? at(row.solved) : null,
        agentReplies: row.first ? 1 : 0,
        tags: [...row.tags],
      },
    });
    tickets[row.externalId] = ticket.id;
  }
  await p.feedback.createMany({
    data: [
      { externalId: 'f1', kind: 'CSAT', score: 5, createdAt: at('2026-03-02T12:00:00Z'), ticketId: tickets.t1 },
      { externalId: 'f2', kind: 'CSAT', score: 2, createdAt: at('2026-03-02T13:00:00Z'), ticketId: tickets.t2 },
      { externalId: 'f4', kind: 'CSAT', score: 4, createdAt: at('2026-03-03T13:00:00Z'), ticketId: tickets.t4 },
    ],
  });
  if (bulk > 0) await seedBulkTickets(db, bulk);
  return { teams: { alpha: alpha.id, beta: beta.id }, agents: { ada: ada.id, bo: bo.id }, tickets };
}

/** `count` tickets tagged "bulk", one a minute from 2025-01-01T00:00Z, inserted by one SQL statement. */
export async function seedBulkTickets(db: Database, count: number, subject = 'Bulk ticket number'): Promise<void> {
  await db.driver.query(
    `INSERT INTO "Ticket" ("externalId", "subject", "channel", "status", "createdAt", "tags", "updatedAt")
     SELECT 'bulk-' || lpad(i::text, 7, '0'), $2 || ' ' || i, 'EMAIL', 'OPEN',
            TIMESTAMPTZ '2025-01-01 00:00:00+00' + i * INTERVAL '1 minute', ARRAY['bulk'], now()
       FROM generate_series(1, $1::int) AS i`,
    [count, subject],
  );
}

/**
 * A test file's database of `count` bulk tickets (seedBulkTickets) and a server on it:
 * opened before the file's tests, destroyed after them. Read its fields inside tests.
 */
export function bulkTicketsFixture(count: number): { readonly db: TestDatabase; readonly server: SupportgraphServer } {
  const fixture = {} as { db: TestDatabase; server: SupportgraphServer };
  beforeAll(async () => {
    fixture.db = await openTestDatabase();
    await seedBulkTickets(fixture.db, count);
    fixture.server = createServer({ db: fixture.db });
  });
  afterAll(async () => {
    await fixture.db?.destroy();
  });
  return fixture;
}

/** POSTs an export request to the in-process server. */
export function postExport(server: SupportgraphServer, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    server.fetch('http://test/export', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** Parses CSV text (RFC 4180) into rows of strings. */
export function parseCsv(text: string): string[][] {
  return parse(text, { relax_column_count: false, bom: true }) as string[][];
}

/** A GraphQL global id. */
export function globalId(type: string, id: number): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}

/** A clock tests move by hand; `sleep` records the wait and moves the clock on. */
export interface FakeClock {
  clock: { now(): Date; sleep(ms: number): Promise<void> };
  set(iso: string | Date): void;
  sleeps: number[];
}

/** Creates a controllable clock starting at `start`. */
export function fakeClock(start: string): FakeClock {
  let now = new Date(start).getTime();
  const sleeps: number[] = [];
  return {
    clock: {
      now: () => new Date(now),
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    },
    set(iso) {
      now = new Date(iso).getTime();
    },
    sleeps,
  };
}

/** A report row written straight to the database, owned by an unrestricted admin. */
export async function insertReport(
  db: Database,
  data: { name: string; query: string; format?: 'CSV' | 'XLSX' | 'JSON'; variables?: Record<string, unknown>; range?: 'LAST_WEEK' | 'YESTERDAY' | 'LAST_7_DAYS'; timeZone?: string; schedule?: string; nextRunAt?: Date | null; destinations?: unknown[] },
): Promise<number> {
  const report = await db.prisma.report.create({
    data: {
      name: data.name,
      query: data.query,
      format: data.format ?? 'CSV',
      variables: data.variables as never,
      range: data.range ?? null,
      timeZone: data.timeZone ?? 'UTC',
      schedule: data.schedule ?? null,
      nextRunAt: data.nextRunAt ?? null,
      destinations: (data.destinations ?? []) as never,
      tokenHash: '0'.repeat(64),
      ownerRole: 'ADMIN',
      ownerAllTeams: true,
    },
  });
  return report.id;
}

/** A request a local webhook received. */
export interface WebhookHit {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A webhook receiver on 127.0.0.1 answering with the statuses `respond` picks per request (1-based). */
export async function startWebhook(respond: (n: number) => number = () => 200): Promise<{ url: string; hits: WebhookHit[]; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const hits: WebhookHit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = respond(hits.length + 1);
      hits.push({ status, headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = status;
      res.end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook?secret=s3cret`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Export settings for tests: short, recorded backoff and a one-minute lease. */
export async function testSettings(overrides: Partial<import('../../src/config.ts').ExportSettings> = {}) {
  const { loadExportSettings } = await import('../../src/config.ts');
  return { ...loadExportSettings({}), retryDelaysMs: [1000, 2000, 4000], leaseMs: 60_000, ...overrides };
}
