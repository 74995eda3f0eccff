import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSeries, computeTotals, type MetricsRequest } from '../../src/analytics/engine.ts';
import { deferRollupsForTransaction, flushPendingRollups, flushPendingRollupsIn, startPendingRollupSweep } from '../../src/analytics/rollups/maintain.ts';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../../src/analytics/rollups/report.ts';
import { parseImportArgs, runImport } from '../../src/ingest/cli.ts';
import { deleteTicketsIn } from '../../src/ingest/delete.ts';
import { upsertTicketsIn } from '../../src/ingest/upsert.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { rollupDriftOf } from '../helpers/rollups.ts';
import { countRows } from './helpers.ts';

// Imports defer rollup maintenance (migration 0013): batches only note the UTC hours they
// touch, the import rebuilds those hours once at its end, and until then the engine
// answers any range a pending hour can affect from the rows. The dataset is small and
// hand-built, so every number below is worked out in the comments.

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await openTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'sg-deferred-'));
});
afterAll(async () => {
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const WEEK = { from: new Date('2026-01-05T00:00:00Z'), to: new Date('2026-01-12T00:00:00Z') };
const MEASURES = ['ticketsCreated', 'ticketsSolved', 'firstResponseTime.avg', 'resolutionTime.avg', 'backlog'];

/** Runs an engine call with rollups allowed; returns its answer and the path of the `created` source. */
async function withPath<T>(work: () => Promise<T>): Promise<{ value: T; created: string | undefined }> {
  const reports: AnalyticsPathReport[] = [];
  const value = await collectAnalyticsPaths(reports, work);
  return { value, created: reports[0]?.paths.created };
}

const request = (range = WEEK): MetricsRequest => ({ range, scope: { teamIds: null }, measures: MEASURES, now: new Date('2026-02-01T00:00:00Z') });
const daily = (range = WEEK) => computeSeries(db, { ...request(range), granularity: 'DAY', timeZone: 'UTC' });
const rawDaily = (range = WEEK) => computeSeries(db, { ...request(range), granularity: 'DAY', timeZone: 'UTC', rollups: false });

/** Same-named CSV columns as our fields (a mapping file of them), for importCsv. */
const FIELD_OF: Record<string, string> = {
  id: 'externalId', subject: 'subject', channel: 'channel', status: 'status', created: 'createdAt',
  first_reply: 'firstResponseAt', solved: 'solvedAt', team: 'team', agent: 'assignee', customer: 'customer', csat: 'csat',
};

/** Imports CSV lines (header first) through `npm run import`'s path in batches of `batch`. */
async function importCsv(name: string, lines: string[], batch: number) {
  const csv = join(dir, `${name}.csv`);
  writeFileSync(csv, lines.join('\n') + '\n');
  const mapping = join(dir, `${name}.json`);
  writeFileSync(mapping, JSON.stringify({ columns: Object.fromEntries(lines[0].split(',').map((c) => [c, FIELD_OF[c]])) }));
  return runImport(parseImportArgs([csv, '--format', 'csv', '--mapping', mapping, '--batch', String(batch), '--rejects', join(dir, `${name}-rejects.csv`)]), db, {
    out: () => undefined,
    progress: { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream,
  });
}

describe('rollups deferred by an import', () => {
  it('imports with no hour left pending and rollups equal to a rebuild from scratch', async () => {
    // t1: Mon 09:10, reply after 30 min, solved after 2 h; t2: Mon 10:00, reply after
    // 60 min, solved after 24 h (Tue 10:00); t3: Tue 08:00, open. Batches of 1 row, so
    // the three are written side by side on PostgreSQL.
    const summary = await importCsv(
      'week',
      [
        'id,subject,channel,status,created,first_reply,solved,team,agent,csat',
        't1,Login,EMAIL,SOLVED,2026-01-05T09:10:00Z,2026-01-05T09:40:00Z,2026-01-05T11:10:00Z,a,ada,5',
        't2,Refund,CHAT,SOLVED,2026-01-05T10:00:00Z,2026-01-05T11:00:00Z,2026-01-06T10:00:00Z,b,bo,2',
        't3,Invoice,EMAIL,OPEN,2026-01-06T08:00:00Z,,,a,ada,',
      ],
      1,
    );
    expect(summary.created).toBe(3);
    expect(await countRows(db, 'RollupPending')).toBe(0);
    expect(await rollupDriftOf(db, 'full')).toBe(0);

    const { value: totals, created } = await withPath(() => computeTotals(db, request()));
    expect(created).toBe('rollup');
    expect(totals.ticketsCreated).toBe(3);
    expect(totals.ticketsSolved).toBe(2);
    expect((totals.firstResponseTime as { avg: number }).avg).toBe(2700); // (1800 + 3600) / 2
    expect((totals.resolutionTime as { avg: number }).avg).toBe(46_800); // (7200 + 86400) / 2
  });

  it('answers from the rows while hours are pending, and from rollups again after the flush', async () => {
    // t4 (Wed 12:00, solved 13:00) is written with maintenance deferred and not flushed.
    await db.driver.transaction(async (tx) => {
      await deferRollupsForTransaction(tx);
      await upsertTicketsIn(tx, [
        { externalId: 't4', channel: 'EMAIL', status: 'SOLVED', createdAt: new Date('2026-01-07T12:00:00Z'), firstResponseAt: new Date('2026-01-07T12:30:00Z'), solvedAt: new Date('2026-01-07T13:00:00Z') },
      ]);
    });
    // Its earliest hour, 12:00 (created): the guard asks only for a pending hour before a
    // range's end, so an insert notes no later one (13:00, solved).
    const [noted] = await db.driver.query<{ hour: Date }>(`SELECT "hour" FROM "RollupPending"`);
    expect(await countRows(db, 'RollupPending')).toBe(1);
    expect(new Date(noted.hour).toISOString()).toBe('2026-01-07T12:00:00.000Z');

    const pending = await withPath(() => daily());
    expect(pending.created).toBe('raw');
    const wednesday = pending.value[2].metrics;
    expect(wednesday.ticketsCreated).toBe(1);
    expect(wednesday.ticketsSolved).toBe(1);
    // Backlog at the end of each day: Mon 1 (t2), Tue 1 (t3), Wed 1 (t3; t4 came and went).
    expect(pending.value.slice(0, 3).map((b) => b.metrics.backlog)).toEqual([1, 1, 1]);
    expect(pending.value).toEqual(await rawDaily());

    // A range that ends before the first pending hour keeps to the rollups.
    const before = await withPath(() => daily({ from: WEEK.from, to: new Date('2026-01-07T12:00:00Z') }));
    expect(before.created).toBe('rollup');

    expect(await flushPendingRollups(db)).toBe(1);
    expect(await countRows(db, 'RollupPending')).toBe(0);
    expect(await rollupDriftOf(db, 'full')).toBe(0);
    const flushed = await withPath(() => daily());
    expect(flushed.created).toBe('rollup');
    expect(flushed.value).toEqual(pending.value);
    expect(await flushPendingRollups(db)).toBe(0);
  });

  it('rebuilds the old and the new hours of deferred updates and deletions', async () => {
    await db.driver.transaction(async (tx) => {
      await deferRollupsForTransaction(tx);
      // t1 now solved on Thursday instead of Monday; t2 deleted.
      await upsertTicketsIn(tx, [
        { externalId: 't1', subject: 'Login', channel: 'EMAIL', status: 'SOLVED', teamExternalId: 'a', assigneeExternalId: 'ada', createdAt: new Date('2026-01-05T09:10:00Z'), firstResponseAt: new Date('2026-01-05T09:40:00Z'), solvedAt: new Date('2026-01-08T09:10:00Z') },
      ]);
      await deleteTicketsIn(tx, ['t2']);
    });
    expect(await countRows(db, 'RollupPending')).toBeGreaterThan(0);
    expect((await withPath(() => daily())).created).toBe('raw');
    await flushPendingRollups(db);
    expect(await rollupDriftOf(db, 'full')).toBe(0);
    const { value, created } = await withPath(() => daily());
    expect(created).toBe('rollup');
    // Created: Mon t1, Tue t3, Wed t4. Solved: Wed t4, Thu t1 (72 h).
    expect(value.slice(0, 4).map((b) => [b.metrics.ticketsCreated, b.metrics.ticketsSolved])).toEqual([[1, 0], [1, 0], [1, 1], [0, 1]]);
    expect((value[3].metrics.resolutionTime as { avg: number }).avg).toBe(259_200);
    expect(value).toEqual(await rawDaily());
  });

  it('catches up while it writes, and ends with the rollups equal to a rebuild from scratch', async () => {
    // 3,000 tickets in batches of 100: on PostgreSQL three batches are written at once and
    // the rollups catch up on another connection every 10 batches, while writing goes on.
    const lines = ['id,channel,status,created,first_reply,solved,team,agent,customer,csat'];
    for (let i = 0; i < 3000; i++) {
      const created = Date.parse('2026-01-12T00:00:00Z') + i * 7 * 60_000;
      const iso = (ms: number) => new Date(ms).toISOString();
      const solved = i % 4 !== 0;
      lines.push(
        `m${i},${['EMAIL', 'CHAT', 'WEB'][i % 3]},${solved ? 'SOLVED' : 'OPEN'},${iso(created)},${iso(created + ((i * 37) % 5400) * 1000)},` +
          `${solved ? iso(created + ((i * 7919) % 172_800) * 1000 + 60_000) : ''},${['a', 'b', 'c'][i % 3]},${['ada', 'bo', 'cy'][i % 3]},c${i % 400},${solved ? 1 + (i % 5) : ''}`,
      );
    }
    // Ten tickets again at the end with another team: the last row of a ticket wins.
    for (let i = 0; i < 10; i++) lines.push(`m${i},EMAIL,OPEN,${new Date(Date.parse('2026-01-12T00:00:00Z') + i * 7 * 60_000).toISOString()},,,c,cy,c1,`);
    const reltuples = async (table: string) =>
      Number((await db.driver.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [`"${table}"`]))[0].n);
    const summary = await importCsv('many', lines, 100);
    expect(summary.created).toBe(3000);
    expect(summary.updated).toBe(10);
    // 3,010 tickets written into a table of a few: the import refreshed the planner's
    // statistics (ANALYZE reads tables this small whole, so the estimates are the counts).
    for (const table of ['Ticket', 'RollupSpanHistogram']) expect(await reltuples(table)).toBe(await countRows(db, table));
    expect(await countRows(db, 'RollupPending')).toBe(0);
    expect(await countRows(db, 'RollupPendingRow')).toBe(0);
    expect(await rollupDriftOf(db, 'full')).toBe(0);
    const [row] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Ticket" t JOIN "Team" g ON g.id = t."teamId" WHERE t."externalId" LIKE 'm%' AND g."externalId" = 'c' AND t."solvedAt" IS NULL`);
    // Team c is i % 3 = 2 and open when i % 4 = 0, so i % 12 = 8: 8, 20, …, 2996 is 250
    // tickets, one of them (m8) among the ten sent again; those ten (m0–m9) are now open in team c.
    expect(row.n).toBe(250 - 1 + 10);
  });

  it('leaves what a killed import deferred to the server, which rebuilds it once it is old enough', async () => {
    await db.driver.transaction(async (tx) => {
      await deferRollupsForTransaction(tx);
      await upsertTicketsIn(tx, [{ externalId: 't5', channel: 'WEB', status: 'OPEN', createdAt: new Date('2026-01-09T15:00:00Z') }]);
    });
    expect(await countRows(db, 'RollupPending')).toBe(1);
    // Too young: an import may still be running and flush it itself.
    const flushedHours: number[] = [];
    let done = new Promise<void>((resolve) => {
      const stop = startPendingRollupSweep(db, { everyMs: 3_600_000, olderThanMs: 3_600_000, onFlushed: (h) => flushedHours.push(h) });
      setTimeout(() => {
        stop();
        resolve();
      }, 300);
    });
    await done;
    expect(flushedHours).toEqual([]);
    expect(await countRows(db, 'RollupPending')).toBe(1);
    // Noted long enough ago: the sweep's first pass rebuilds it.
    done = new Promise<void>((resolve, reject) => {
      const stop = startPendingRollupSweep(db, {
        everyMs: 3_600_000,
        olderThanMs: 0,
        onFlushed: (h) => {
          stop();
          flushedHours.push(h);
          resolve();
        },
        onError: reject,
      });
    });
    await done;
    expect(flushedHours).toEqual([1]);
    expect(await countRows(db, 'RollupPending')).toBe(0);
    expect(await rollupDriftOf(db, 'full')).toBe(0);
  });

  it('refuses a flush outside one REPEATABLE READ snapshot', async () => {
    await expect(db.driver.query('SELECT supportgraph_rollup_flush_pending()')).rejects.toMatchObject({ code: 'SGR02' });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('lets deferred writers commit beside a running flush, whose snapshot leaves their rows to the next one', async () => {
    // r1 (Tue 10 Mar 10:05) is pending when the flush starts. While the flush holds its
    // transaction open, another writer adds r2 in the same hour and moves r1's solve to
    // 14:00: both notes land on hours the flush took. In 0013 that writer waited for the
    // flush's row locks (lock_timeout would fail it here); now it commits at once.
    const r = (externalId: string, solvedAt: string | null) => ({
      externalId, channel: 'EMAIL' as const, status: solvedAt ? ('SOLVED' as const) : ('OPEN' as const),
      createdAt: new Date('2026-03-10T10:05:00Z'), firstResponseAt: new Date('2026-03-10T10:35:00Z'), solvedAt: solvedAt ? new Date(solvedAt) : null,
    });
    const deferred = (rows: ReturnType<typeof r>[]) =>
      db.driver.transaction(async (tx) => {
        await tx.query(`SET LOCAL lock_timeout = '5s'`);
        await deferRollupsForTransaction(tx);
        await upsertTicketsIn(tx, rows);
      });
    await deferred([r('r1', '2026-03-10T11:05:00Z')]);
    let flushed = 0;
    await db.driver.transaction(async (flush) => {
      flushed = await flushPendingRollupsIn(flush);
      await deferred([r('r2', null), r('r1', '2026-03-10T14:00:00Z')]);
    });
    expect(flushed).toBe(1); // 10:00, the earliest hour of the insert
    // The flush saw neither r2 nor the move, and left their notes: the rollups lack them.
    expect(await countRows(db, 'RollupPendingRow')).toBe(1);
    expect(await rollupDriftOf(db, 'full')).toBeGreaterThan(0);
    const day = { from: new Date('2026-03-10T00:00:00Z'), to: new Date('2026-03-11T00:00:00Z') };
    const pending = await withPath(() => computeTotals(db, request(day)));
    expect(pending.created).toBe('raw');
    expect(pending.value.ticketsCreated).toBe(2);
    expect((pending.value.resolutionTime as { avg: number }).avg).toBe(14_100); // r1 only: 10:05 to 14:00

    await flushPendingRollups(db);
    expect(await rollupDriftOf(db, 'full')).toBe(0);
    const after = await withPath(() => computeTotals(db, request(day)));
    expect(after.created).toBe('rollup');
    expect(after.value).toEqual(pending.value);
  });

  it('takes a deferred TRUNCATE as every hour pending, and rebuilds everything at the flush', async () => {
    const january = { range: { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') }, scope: { teamIds: null }, measures: ['csat.responses'] };
    const responses = async () => {
      const reports: AnalyticsPathReport[] = [];
      const value = await collectAnalyticsPaths(reports, () => computeTotals(db, january));
      return { n: (value.csat as { responses: number }).responses, path: reports[0]?.paths.feedback };
    };
    const before = await responses();
    expect(before.path).toBe('rollup');
    expect(before.n).toBeGreaterThan(0);
    await db.driver.transaction(async (tx) => {
      await deferRollupsForTransaction(tx);
      await tx.query('TRUNCATE "Feedback"');
    });
    // The marker precedes the end of any range: nothing is read from the stale rollups.
    expect(await responses()).toEqual({ n: 0, path: 'raw' });
    await flushPendingRollups(db);
    expect(await countRows(db, 'RollupPending')).toBe(0);
    expect(await rollupDriftOf(db, 'full')).toBe(0);
    expect(await responses()).toEqual({ n: 0, path: 'rollup' });
  });
});
