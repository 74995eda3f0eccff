import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { resolveRelativeRange } from '../../src/exports/ranges.ts';
import { nextScheduledRun } from '../../src/exports/reports.ts';
import { dueSlot, ReportScheduler } from '../../src/exports/scheduler.ts';
import { createServer } from '../../src/server.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { fakeClock, insertReport, startWebhook, testSettings } from './helpers.ts';

let db: TestDatabase;

// Tickets around the spring DST change in Berlin (2026-03-29 02:00 CET -> 03:00 CEST),
// each placed in a Monday-to-Sunday Berlin week by its local time:
// w1 Sun 03-22 23:30 CET (week of 03-16), w2 Mon 03-23 00:30 CET (week of 03-23),
// w3 Sun 03-29 23:30 CEST (week of 03-23), w4 Mon 03-30 00:30 CEST (week of 03-30).
const WEEK_TICKETS = [
  ['w1', '2026-03-22T22:30:00Z'],
  ['w2', '2026-03-22T23:30:00Z'],
  ['w3', '2026-03-29T21:30:00Z'],
  ['w4', '2026-03-29T22:30:00Z'],
] as const;

beforeAll(async () => {
  db = await openTestDatabase();
  for (const [externalId, createdAt] of WEEK_TICKETS) {
    await db.prisma.ticket.create({ data: { externalId, channel: 'EMAIL', status: 'OPEN', createdAt: new Date(createdAt) } });
  }
});

afterAll(async () => {
  await db?.destroy();
});

const WEEKLY_QUERY = `query($range: DateTimeRange!) { tickets(filter: { createdAt: $range }) { nodes { externalId createdAt } } }`;
const HOUR = 3_600_000;

async function scheduler(database: Database, clock: ReturnType<typeof fakeClock>['clock']) {
  return new ReportScheduler({ db: database, gateway: createServer({ db: database }), settings: await testSettings(), clock });
}

describe('relative ranges', () => {
  it('LAST_WEEK is the Monday-to-Sunday week before, in local time, 167 or 169 hours across DST', () => {
    // Monday 2026-03-30 08:00 CEST: the week of 03-23, which lost an hour on 03-29.
    expect(resolveRelativeRange('LAST_WEEK', 'Europe/Berlin', new Date('2026-03-30T06:00:00Z'))).toEqual({
      from: new Date('2026-03-22T23:00:00Z'),
      to: new Date('2026-03-29T22:00:00Z'),
    });
    // Monday 2026-10-26 08:00 CET: the week of 10-19, which gained an hour on 10-25.
    expect(resolveRelativeRange('LAST_WEEK', 'Europe/Berlin', new Date('2026-10-26T07:00:00Z'))).toEqual({
      from: new Date('2026-10-18T22:00:00Z'),
      to: new Date('2026-10-25T23:00:00Z'),
    });
    // A Sunday evening still belongs to the current week: last week is the one before.
    expect(resolveRelativeRange('LAST_WEEK', 'UTC', new Date('2026-03-29T20:00:00Z'))).toEqual({
      from: new Date('2026-03-16T00:00:00Z'),
      to: new Date('2026-03-23T00:00:00Z'),
    });
  });

  it('resolves the other ranges at local midnight', () => {
    const now = new Date('2026-05-14T10:00:00Z'); // Thursday 12:00 in Berlin
    const r = (range: Parameters<typeof resolveRelativeRange>[0], lastDays?: number) =>
      resolveRelativeRange(range, 'Europe/Berlin', now, lastDays);
    const at = (from: string, to: string) => ({ from: new Date(from), to: new Date(to) });
    expect(r('TODAY')).toEqual(at('2026-05-13T22:00:00Z', '2026-05-14T22:00:00Z'));
    expect(r('YESTERDAY')).toEqual(at('2026-05-12T22:00:00Z', '2026-05-13T22:00:00Z'));
    expect(r('LAST_7_DAYS')).toEqual(at('2026-05-06T22:00:00Z', '2026-05-13T22:00:00Z'));
    expect(r('LAST_N_DAYS', 30)).toEqual(at('2026-04-13T22:00:00Z', '2026-05-13T22:00:00Z'));
    expect(r('LAST_MONTH')).toEqual(at('2026-03-31T22:00:00Z', '2026-04-30T22:00:00Z'));
    expect(r('MONTH_TO_DATE')).toEqual(at('2026-04-30T22:00:00Z', '2026-05-14T22:00:00Z'));
    expect(r('QUARTER_TO_DATE')).toEqual(at('2026-03-31T22:00:00Z', '2026-05-14T22:00:00Z'));
    expect(() => r('LAST_N_DAYS')).toThrow(/needs lastDays/);
  });
});

describe('the report scheduler', () => {
  it('fires a Monday 08:00 Europe/Berlin report at 07:00 UTC in winter and 06:00 UTC in summer, across both DST changes', async () => {
    const time = fakeClock('2026-03-15T00:00:00Z');
    const schedule = '0 8 * * 1';
    const reportId = await insertReport(db, {
      name: 'Weekly',
      query: WEEKLY_QUERY,
      range: 'LAST_WEEK',
      timeZone: 'Europe/Berlin',
      schedule,
      nextRunAt: nextScheduledRun(schedule, 'Europe/Berlin', time.clock.now()),
    });
    const s = await scheduler(db, time.clock);
    const fired: string[] = [];
    // Poll every hour, on the hour, for three weeks around each DST change.
    for (const [start, end] of [
      ['2026-03-15T00:00:00Z', '2026-04-07T00:00:00Z'],
      ['2026-10-11T00:00:00Z', '2026-11-03T00:00:00Z'],
    ]) {
      time.set(start);
      await db.prisma.report.update({ where: { id: reportId }, data: { nextRunAt: nextScheduledRun(schedule, 'Europe/Berlin', time.clock.now()) } });
      for (let t = new Date(start).getTime(); t < new Date(end).getTime(); t += HOUR) {
        time.set(new Date(t));
        if ((await s.tick()) > 0) fired.push(time.clock.now().toISOString());
      }
    }
    expect(fired).toEqual([
      '2026-03-16T07:00:00.000Z',
      '2026-03-23T07:00:00.000Z',
      '2026-03-30T06:00:00.000Z', // first Monday of summer time
      '2026-04-06T06:00:00.000Z',
      '2026-10-12T06:00:00.000Z',
      '2026-10-19T06:00:00.000Z',
      '2026-10-26T07:00:00.000Z', // first Monday of winter time
      '2026-11-02T07:00:00.000Z',
    ]);
    const runs = await db.prisma.reportRun.findMany({ where: { reportId }, orderBy: { id: 'asc' } });
    expect(runs.map((r) => r.scheduledFor?.toISOString())).toEqual(fired);
    expect(runs.every((r) => r.status === 'SUCCEEDED' && r.trigger === 'SCHEDULE')).toBe(true);
    // LAST_WEEK of each spring run, and the fixture tickets it therefore holds.
    expect(runs.slice(0, 4).map((r) => [r.rangeFrom?.toISOString(), r.rangeTo?.toISOString(), r.rows])).toEqual([
      ['2026-03-08T23:00:00.000Z', '2026-03-15T23:00:00.000Z', 0],
      ['2026-03-15T23:00:00.000Z', '2026-03-22T23:00:00.000Z', 1], // w1
      ['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 2], // w2, w3: a 167-hour week
      ['2026-03-29T22:00:00.000Z', '2026-04-05T22:00:00.000Z', 1], // w4
    ]);
    expect([runs[6].rangeFrom?.toISOString(), runs[6].rangeTo?.toISOString()]).toEqual(['2026-10-18T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    await s.stop();
  });

  it('after downtime runs the missed slot once, late, for the period of that slot', async () => {
    const time = fakeClock('2026-06-01T05:00:00Z');
    const hook = await startWebhook();
    try {
      const reportId = await insertReport(db, {
        name: 'Daily',
        query: WEEKLY_QUERY,
        range: 'YESTERDAY',
        schedule: '0 6 * * *',
        nextRunAt: new Date('2026-06-01T06:00:00Z'),
        destinations: [{ webhookUrl: hook.url }],
      });
      // The server was down from 05:00 to 09:30: the 06:00 slot passed unseen. A new process starts.
      time.set('2026-06-01T09:30:00Z');
      const restarted = await scheduler(db, time.clock);
      expect(await restarted.tick()).toBe(1);
      expect(await restarted.tick()).toBe(0);
      const [run] = await db.prisma.reportRun.findMany({ where: { reportId } });
      expect(run.scheduledFor?.toISOString()).toBe('2026-06-01T06:00:00.000Z');
      expect(run.rangeFrom?.toISOString()).toBe('2026-05-31T00:00:00.000Z');
      expect(hook.hits).toHaveLength(1);
      expect((await db.prisma.report.findUniqueOrThrow({ where: { id: reportId } })).nextRunAt?.toISOString()).toBe('2026-06-02T06:00:00.000Z');
      // Three days down: only the latest missed slot runs.
      time.set('2026-06-05T07:00:00Z');
      expect(await restarted.tick()).toBe(1);
      const latest = await db.prisma.reportRun.findMany({ where: { reportId }, orderBy: { id: 'asc' } });
      expect(latest.map((r) => r.scheduledFor?.toISOString())).toEqual(['2026-06-01T06:00:00.000Z', '2026-06-05T06:00:00.000Z']);
      expect(hook.hits).toHaveLength(2);
      await db.prisma.report.delete({ where: { id: reportId } });
    } finally {
      await hook.close();
    }
  });

  it('resumes a run whose process died after its lease expires, sending only what was not delivered; the dead claim can no longer write', async () => {
    const time = fakeClock('2026-07-01T06:00:00Z');
    const hook = await startWebhook();
    try {
      const reportId = await insertReport(db, {
        name: 'Crashy',
        query: WEEKLY_QUERY,
        range: 'YESTERDAY',
        schedule: '0 6 * * *',
        nextRunAt: new Date('2026-07-01T06:00:00Z'),
        destinations: [{ webhookUrl: hook.url }],
      });
      const first = await scheduler(db, time.clock);
      await first.enqueueDue();
      const claim = await first.claimNext();
      expect(claim).toMatchObject({ claim: 1 });
      // The first process dies here. Within the lease nobody else takes the run.
      const second = await scheduler(db, time.clock);
      time.set('2026-07-01T06:00:30Z');
      expect(await second.tick()).toBe(0);
      // After the lease (60 s in tests) the second process resumes it.
      time.set('2026-07-01T06:01:01Z');
      expect(await second.tick()).toBe(1);
      const run = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: claim!.runId } });
      expect(run).toMatchObject({ status: 'SUCCEEDED', claims: 2 });
      expect(hook.hits).toHaveLength(1);
      // The first process wakes up: its claim is stale, so it neither delivers nor writes.
      await first.runner.execute(claim!.runId, 1);
      expect(hook.hits).toHaveLength(1);

      // A run that had reached its first destination before dying sends only the second one.
      const resumed = await db.prisma.reportRun.create({
        data: {
          reportId,
          trigger: 'MANUAL',
          status: 'RUNNING',
          claims: 1,
          leaseUntil: new Date('2026-07-01T06:00:00Z'),
          createdAt: new Date('2026-07-01T05:59:00Z'),
          deliveries: [{ destination: 'folder gone', kind: 'FOLDER', status: 'DELIVERED', attempts: 1, detail: '/x', error: null, deliveredAt: '2026-07-01T05:59:30Z' }],
        },
      });
      await db.prisma.report.update({ where: { id: reportId }, data: { destinations: [{ folder: 'gone' }, { webhookUrl: hook.url }] } });
      expect(await second.tick()).toBe(1);
      const done = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: resumed.id } });
      expect(done.status).toBe('SUCCEEDED');
      expect((done.deliveries as { status: string; attempts: number }[]).map((d) => [d.status, d.attempts])).toEqual([
        ['DELIVERED', 1],
        ['DELIVERED', 1],
      ]);
      expect(hook.hits).toHaveLength(2);
      await db.prisma.report.delete({ where: { id: reportId } });
    } finally {
      await hook.close();
    }
  });

  it('walks missed slots to the latest one', () => {
    expect(dueSlot('0 6 * * *', 'UTC', new Date('2026-06-01T06:00:00Z'), new Date('2026-06-05T07:00:00Z'))).toEqual({
      slot: new Date('2026-06-05T06:00:00Z'),
      next: new Date('2026-06-06T06:00:00Z'),
    });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'two scheduler processes against one PostgreSQL send each run exactly once (PostgreSQL only: PGlite serves one process)',
    async () => {
      const other = await openDatabase({ kind: 'postgres', url: db.location }, { poolSize: 5 });
      const hook = await startWebhook();
      try {
        const time = fakeClock('2026-08-01T00:00:00Z');
        const reports: number[] = [];
        for (let i = 0; i < 3; i++) {
          reports.push(
            await insertReport(db, {
              name: `Hourly ${i}`,
              query: '{ teams { name } }',
              schedule: '0 * * * *',
              nextRunAt: new Date('2026-08-01T01:00:00Z'),
              destinations: [{ webhookUrl: hook.url }],
            }),
          );
        }
        const a = await scheduler(db, time.clock);
        const b = await scheduler(other, time.clock);
        for (let hour = 1; hour <= 8; hour++) {
          time.set(new Date(Date.UTC(2026, 7, 1, hour)));
          // Both processes poll at the same moment, twice, racing for the same slots.
          await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
        }
        // 3 reports x 8 hourly slots, each delivered exactly once.
        const runIds = hook.hits.map((h) => String(h.headers['x-supportgraph-run-id']));
        expect(runIds).toHaveLength(24);
        expect(new Set(runIds).size).toBe(24);
        const runs = await db.prisma.reportRun.findMany({ where: { reportId: { in: reports } } });
        expect(runs).toHaveLength(24);
        expect(runs.every((r) => r.status === 'SUCCEEDED' && r.claims === 1)).toBe(true);
      } finally {
        await hook.close();
        await other.close();
      }
    },
  );
});
