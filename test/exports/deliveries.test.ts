import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { createExampleReports } from '../../src/exports/examples.ts';
import { ReportRunner } from '../../src/exports/runner.ts';
import { createServer } from '../../src/server.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { fakeClock, insertReport, parseCsv, seedFixture, startWebhook, testSettings } from './helpers.ts';

let db: TestDatabase;
let exportDir: string;
let smtp: SMTPServer;
let smtpUrl: string;
const mails: { from: string; to: string[]; raw: string }[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  await seedFixture(db);
  exportDir = await mkdtemp(join(tmpdir(), 'sg-deliveries-'));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const address = smtp.server.address();
  smtpUrl = `smtp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await db?.destroy();
  await rm(exportDir, { recursive: true, force: true });
});

const EMAIL_TICKETS = `{ tickets(filter: { channels: [EMAIL] }, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { externalId } } }`;

async function runOnce(destinations: unknown[], query = EMAIL_TICKETS) {
  const time = fakeClock('2026-04-01T10:00:00Z');
  const runner = new ReportRunner({
    db,
    gateway: createServer({ db }),
    settings: await testSettings({ exportDir, smtpUrl }),
    clock: time.clock,
  });
  const reportId = await insertReport(db, { name: 'Email tickets', query, destinations });
  const runId = await runner.runNow(reportId);
  const run = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: runId } });
  return { run, sleeps: time.sleeps, deliveries: run.deliveries as { status: string; attempts: number; error: string | null; detail: string | null }[] };
}

describe('report deliveries', () => {
  it('a webhook that fails twice, then succeeds, is delivered once, after backoff', async () => {
    const hook = await startWebhook((n) => (n <= 2 ? 503 : 200));
    try {
      const { run, sleeps, deliveries } = await runOnce([{ webhookUrl: hook.url }]);
      expect(run.status).toBe('SUCCEEDED');
      expect(deliveries).toMatchObject([{ status: 'DELIVERED', attempts: 3, error: null, detail: 'HTTP 200' }]);
      expect(hook.hits.map((h) => h.status)).toEqual([503, 503, 200]);
      expect(hook.hits.filter((h) => h.status === 200)).toHaveLength(1);
      // Growing waits before the 2nd and 3rd attempt.
      expect(sleeps).toEqual([1000, 2000]);
      // One idempotency key per run on every attempt; the body is the file.
      expect(new Set(hook.hits.map((h) => h.headers['idempotency-key'])).size).toBe(1);
      expect(hook.hits[2].headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(parseCsv(hook.hits[2].body.toString('utf8'))).toEqual([['External ID'], ['t1'], ['t3'], ['t4']]);
    } finally {
      await hook.close();
    }
  });

  it('a webhook that keeps failing is reported after the last retry', async () => {
    const hook = await startWebhook(() => 500);
    try {
      const { run, sleeps, deliveries } = await runOnce([{ webhookUrl: hook.url }]);
      expect(run.status).toBe('FAILED');
      expect(hook.hits).toHaveLength(4);
      expect(sleeps).toEqual([1000, 2000, 4000]);
      expect(deliveries).toMatchObject([{ status: 'FAILED', attempts: 4 }]);
      // The readable destination leaves the webhook's query string (a secret) out.
      expect(run.error).toBe(`1 of 1 deliveries failed: webhook ${new URL(hook.url).origin}/hook: HTTP 500 Internal Server Error (after 4 attempts)`);
    } finally {
      await hook.close();
    }
  });

  it('sends e-mail through SMTP with the file attached', async () => {
    mails.length = 0;
    const { run, deliveries } = await runOnce([{ email: ['lead@example.com', 'boss@example.com'] }]);
    expect(run.status).toBe('SUCCEEDED');
    expect(deliveries[0]).toMatchObject({ status: 'DELIVERED', attempts: 1 });
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(['lead@example.com', 'boss@example.com']);
    expect(mails[0].raw).toContain('Subject: Report: Email tickets');
    const filename = /filename="?([^";\r\n]+\.csv)"?/.exec(mails[0].raw)?.[1];
    expect(filename).toMatch(/^email-tickets-2026-04-01T1000-run\d+\.csv$/);
    const attachment = /Content-Transfer-Encoding: base64\r\n(?:[^\r\n]+\r\n)*\r\n([A-Za-z0-9+/=\r\n]+)/.exec(mails[0].raw)?.[1] ?? '';
    expect(parseCsv(Buffer.from(attachment.replace(/\s+/g, ''), 'base64').toString('utf8'))).toEqual([['External ID'], ['t1'], ['t3'], ['t4']]);
  });

  it('delivers to several destinations at once', async () => {
    mails.length = 0;
    const hook = await startWebhook();
    try {
      const { run, deliveries } = await runOnce([{ folder: 'several' }, { webhookUrl: hook.url }, { email: ['team@example.com'] }]);
      expect(run.status).toBe('SUCCEEDED');
      expect(deliveries.map((d) => d.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
      expect(await readdir(join(exportDir, 'several'))).toHaveLength(1);
      expect(hook.hits).toHaveLength(1);
      expect(mails).toHaveLength(1);
      expect(run.rows).toBe(3);
      const file = await readFile(deliveries[0].detail as string);
      expect(file.byteLength).toBe(run.bytes);
    } finally {
      await hook.close();
    }
  });

  it('records a failing query as a failed run and delivers nothing', async () => {
    const hook = await startWebhook();
    try {
      const { run } = await runOnce([{ webhookUrl: hook.url }], `{ tickets(filter: { teamIds: ["VGVhbTo5OTk="] }) { nodes { externalId } } }`);
      expect(run.status).toBe('FAILED');
      expect(run.error).toContain('no Team with id 999');
      expect(hook.hits).toHaveLength(0);
    } finally {
      await hook.close();
    }
  });

  it('fails e-mail destinations clearly when SMTP_URL is not set', async () => {
    const time = fakeClock('2026-04-01T10:00:00Z');
    const runner = new ReportRunner({ db, gateway: createServer({ db }), settings: await testSettings({ exportDir, smtpUrl: null, retryDelaysMs: [] }), clock: time.clock });
    const reportId = await insertReport(db, { name: 'No smtp', query: EMAIL_TICKETS, destinations: [{ email: ['x@example.com'] }] });
    const run = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: await runner.runNow(reportId) } });
    expect(run.status).toBe('FAILED');
    expect(run.error).toContain('e-mail delivery needs SMTP_URL set on the server');
  });

  it('ships two example reports, weekly team KPIs and monthly CSAT by category, that run against the KPI engine', async () => {
    const created = await createExampleReports(db, new Date('2026-03-01T00:00:00Z'));
    expect(created.map((c) => c.name)).toEqual(['Weekly team KPIs', 'Monthly CSAT by category']);
    expect(created[0].link).toMatch(/^\/reports\/\d+\.xlsx\?token=[\w-]{43}$/);
    expect(await createExampleReports(db)).toEqual([]);
    const [weekly, monthly] = await Promise.all(created.map((c) => db.prisma.report.findUniqueOrThrow({ where: { id: c.id } })));
    // Mondays 08:00 Berlin (07:00 UTC in March); the 1st of the month 07:00 Berlin.
    expect(weekly.nextRunAt?.toISOString()).toBe('2026-03-02T07:00:00.000Z');
    expect(monthly.nextRunAt?.toISOString()).toBe('2026-03-01T06:00:00.000Z');

    const time = fakeClock('2026-03-09T07:00:00Z');
    const runner = new ReportRunner({ db, gateway: createServer({ db }), settings: await testSettings({ exportDir }), clock: time.clock });
    const weeklyRun = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: await runner.runNow(weekly.id) } });
    // LAST_WEEK on Monday 03-09: 03-02 to 03-08 in Berlin, holding all six fixture tickets.
    expect(weeklyRun).toMatchObject({ status: 'SUCCEEDED', rows: 3, rangeFrom: new Date('2026-03-01T23:00:00Z'), rangeTo: new Date('2026-03-08T23:00:00Z') });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile((weeklyRun.deliveries as { detail: string }[])[0].detail);
    const sheet = workbook.worksheets[0];
    const header = (sheet.getRow(1).values as string[]).slice(1);
    const alpha = sheet.getRows(2, 3)!.find((row) => row.getCell(1).value === 'Alpha')!;
    const cell = (column: string) => alpha.getCell(header.indexOf(column) + 1).value;
    // Alpha: t1 t4 t5 created, t1 t4 solved; first responses 1800, 3600, 900 s: median 1800 s = 0.5 h;
    // CSAT 5 and 4: both satisfied, 100.
    expect([cell('Tickets created'), cell('Tickets solved'), cell('First response time, median (h)'), cell('CSAT, score (%)'), cell('CSAT, responses')]).toEqual([3, 2, 0.5, 100, 2]);

    time.set('2026-04-01T05:00:00Z');
    const monthlyRun = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: await runner.runNow(monthly.id) } });
    expect(monthlyRun).toMatchObject({ status: 'SUCCEEDED', rows: 2 });
    // March in Berlin. "Billing, Invoices": t1 t2, CSAT 5 and 2 (score 50, average 3.5);
    // no category: t3 to t6, CSAT 4 (score 100). Highest score first.
    expect(parseCsv(await readFile((monthlyRun.deliveries as { detail: string }[])[0].detail, 'utf8'))).toEqual([
      ['Category name', 'CSAT, score (%)', 'CSAT, average', 'CSAT, responses', 'Tickets created'],
      ['', '100', '4', '1', '4'],
      ['Billing, Invoices', '50', '3.5', '2', '2'],
    ]);
  });
});
