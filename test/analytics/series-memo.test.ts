import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSeries, type SeriesBucket, type SeriesRequest } from '../../src/analytics/engine.ts';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../../src/analytics/rollups/report.ts';
import { SeriesMemo } from '../../src/analytics/series-memo.ts';
import { DATA_VERSION_UNTRACKED_TABLES } from '../../src/db/data-version.ts';
import { upsertAgents, upsertFeedback, upsertTeams, upsertTickets } from '../../src/ingest/upsert.ts';
import type { TicketInput } from '../../src/ingest/types.ts';
import { upsertBusinessCalendar, upsertSlaPolicy } from '../../src/sla/admin.ts';
import { gqlClient } from '../helpers/graphql.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { column } from '../helpers/series.ts';

// Closed-bucket reuse (migration 0019_data_change_log, src/analytics/series-memo.ts): a
// series asked again after a write recomputes only the buckets from the earliest instant
// the write reaches; the others come from the earlier answer. Every reused answer below
// is compared with the same series computed whole (from rollups and from the rows) and
// with counts worked out by hand.

let db: TestDatabase;
const at = (s: string) => new Date(`2026-03-${s}Z`);
const day = (d: number) => `2026-03-${String(d).padStart(2, '0')}`;

const TICKETS: TicketInput[] = [
  { externalId: 'a', channel: 'EMAIL', status: 'SOLVED', teamExternalId: 'north', createdAt: at('02T10:00:00'), solvedAt: at('03T09:00:00') },
  { externalId: 'b', channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: at('03T12:00:00') },
  { externalId: 'c', channel: 'CHAT', status: 'SOLVED', teamExternalId: 'north', createdAt: at('05T08:00:00'), solvedAt: at('05T20:00:00') },
  { externalId: 'd', channel: 'CHAT', status: 'SOLVED', teamExternalId: 'north', createdAt: at('06T09:00:00'), solvedAt: at('09T10:00:00') },
  // Open, with a survey sent on the 3rd (answered only later in the test).
  {
    externalId: 's',
    channel: 'EMAIL',
    status: 'OPEN',
    teamExternalId: 'north',
    createdAt: at('02T08:00:00'),
    events: [{ type: 'SURVEY_SENT', occurredAt: at('03T10:00:00') }],
  },
];

beforeAll(async () => {
  db = await openTestDatabase();
  await upsertTeams(db, [{ externalId: 'north', name: 'North' }]);
  await upsertTickets(db, TICKETS);
  await upsertFeedback(db, [{ externalId: 'f-c', kind: 'CSAT', score: 5, createdAt: at('06T10:00:00'), ticketExternalId: 'c' }]);
});
afterAll(async () => {
  await db?.destroy();
});

const MEASURES = ['ticketsCreated', 'ticketsSolved', 'backlog', 'csat.responses', 'surveys.sent', 'surveys.responded'];
/** Eight days, 2–10 March, long past. */
const request = (memo: SeriesMemo | undefined, overrides: Partial<SeriesRequest> = {}): SeriesRequest => ({
  range: { from: at('02T00:00:00'), to: at('10T00:00:00') },
  granularity: 'DAY',
  timeZone: 'UTC',
  scope: { teamIds: null },
  measures: MEASURES,
  now: new Date('2026-04-01T00:00:00Z'),
  memo,
  ...overrides,
});

/** The series through the memo, with the statements' reports. */
async function viaMemo(memo: SeriesMemo, overrides: Partial<SeriesRequest> = {}) {
  const reports: AnalyticsPathReport[] = [];
  const series = await collectAnalyticsPaths(reports, () => computeSeries(db, request(memo, overrides)));
  return { series, reports };
}


/** The memo's answer equals the series computed whole, from rollups and from the rows. */
async function expectWhole(series: SeriesBucket[], overrides: Partial<SeriesRequest> = {}) {
  expect(series).toEqual(await computeSeries(db, request(undefined, overrides)));
  expect(series).toEqual(await computeSeries(db, request(undefined, { ...overrides, rollups: false })));
}

/** The newest DataChange row. */
async function lastChange() {
  const [row] = await db.driver.query<{ version: string; since: Date | null; everything: boolean }>(
    `SELECT c."version"::text AS version, c."since", c."everything" FROM "DataChange" c ORDER BY c."version" DESC LIMIT 1`,
  );
  return { ...row, since: row.since === null ? null : new Date(row.since).toISOString() };
}

describe('the data change log', () => {
  it('puts the reach triggers on every tracked table by what its rows are', async () => {
    const tables = await db.driver.query<{ name: string; triggers: string[] }>(
      `SELECT c.relname AS name,
              ARRAY(SELECT substr(t.tgname::text, length(c.relname) + 14) FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname::text LIKE '%\\_data\\_change\\_%' ORDER BY 1) AS triggers
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1`,
    );
    const entities = ['Team', 'Agent', 'Customer', 'Category', 'Target', 'Scorecard'];
    for (const { name, triggers } of tables) {
      const expected = DATA_VERSION_UNTRACKED_TABLES.has(name) || name.startsWith('Rollup')
        ? []
        : entities.includes(name)
          ? ['delete', 'truncate', 'update']
          : ['delete', 'insert', 'truncate', 'update'];
      expect({ name, triggers }).toEqual({ name, triggers: expected });
    }
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['Ticket', 'Feedback', 'TicketEvent', 'SlaPolicy', 'BusinessCalendar']));
  });

  it('gives a table tracked by a later migration both kinds of trigger, reaching everything', async () => {
    await db.driver.query(`CREATE TABLE "LaterTable" ("id" INTEGER PRIMARY KEY)`);
    try {
      await db.driver.query(`SELECT supportgraph_track_data_version('"LaterTable"')`);
      const [row] = await db.driver.query<{ triggers: string[] }>(
        `SELECT ARRAY(SELECT tgname::text FROM pg_trigger WHERE tgrelid = '"LaterTable"'::regclass ORDER BY 1) AS triggers`,
      );
      expect(row.triggers).toEqual(
        ['data_change_delete', 'data_change_insert', 'data_change_truncate', 'data_change_update', 'data_version_delete', 'data_version_insert', 'data_version_truncate', 'data_version_update'].map((t) => `LaterTable_${t}`),
      );
      await db.driver.query(`INSERT INTO "LaterTable" VALUES (1)`);
      expect(await lastChange()).toMatchObject({ everything: true });
    } finally {
      await db.driver.query(`DROP TABLE "LaterTable"`);
    }
  });

  it('logs each committed write once, with the version it bumped', async () => {
    const [state] = await db.driver.query<{ version: string }>(`SELECT "version"::text AS version FROM "DataVersion"`);
    const change = await lastChange();
    expect(change.version).toBe(state.version);
    const [{ n }] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "DataChange"`);
    expect(n).toBe(Number(state.version));
  });

  it('notes what a write reaches: a ticket its creation, a response its own time, a new entity nothing, an edit everything', async () => {
    await upsertTickets(db, [{ externalId: 'probe', channel: 'WEB', status: 'OPEN', createdAt: at('20T07:00:00') }]);
    expect(await lastChange()).toMatchObject({ since: '2026-03-20T07:00:00.000Z', everything: false });
    await upsertFeedback(db, [{ externalId: 'f-probe', kind: 'NPS', score: 9, createdAt: at('21T07:00:00'), ticketExternalId: 'probe' }]);
    expect(await lastChange()).toMatchObject({ since: '2026-03-21T07:00:00.000Z', everything: false });
    // An agent or customer that is new changes no stored answer; renaming a team changes every one.
    await upsertAgents(db, [{ externalId: 'ann', name: 'Ann', email: 'ann@example.com', teamExternalId: 'north' }]);
    expect(await lastChange()).toMatchObject({ since: null, everything: false });
    await upsertTeams(db, [{ externalId: 'north', name: 'North desk' }]);
    expect(await lastChange()).toMatchObject({ everything: true });
    // A calendar can change what business hours mean: everything, even when it is new.
    await upsertBusinessCalendar(db, { externalId: 'cal', name: 'Cal', timeZone: 'UTC', hours: [{ weekday: 1, start: '09:00', end: '17:00' }] });
    expect(await lastChange()).toMatchObject({ everything: true });
    // TRUNCATE has no rows to look at: everything.
    await db.driver.query(`TRUNCATE "Target" CASCADE`);
    expect(await lastChange()).toMatchObject({ everything: true });
    // Rolled back: no version, no log row.
    const before = await lastChange();
    await expect(
      db.driver.transaction(async (tx) => {
        await tx.query(`UPDATE "Ticket" SET "subject" = 'x' WHERE "externalId" = 'a'`);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await lastChange()).toEqual(before);
    // An update of a stored ticket reaches back to its creation (its events and responses are later here).
    await db.driver.query(`UPDATE "Ticket" SET "subject" = 'moved' WHERE "externalId" = 'probe'`);
    expect(await lastChange()).toMatchObject({ since: '2026-03-20T07:00:00.000Z', everything: false });
    // Deleting the probe ticket reaches its creation too.
    await db.driver.query(`DELETE FROM "Feedback" WHERE "externalId" = 'f-probe'`);
    await db.driver.query(`DELETE FROM "Ticket" WHERE "externalId" = 'probe'`);
    expect(await lastChange()).toMatchObject({ since: '2026-03-20T07:00:00.000Z', everything: false });
  });
});

describe('a series reusing its closed buckets', () => {
  const memo = new SeriesMemo();

  it('computes every bucket the first time, with the counts worked out by hand', async () => {
    const { series, reports } = await viaMemo(memo);
    expect(reports).toHaveLength(1);
    expect(reports[0].reusedBuckets).toBe(0);
    expect(series.map((b) => b.label)).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map(day));
    expect(column(series, 'ticketsCreated')).toEqual([2, 1, 0, 1, 1, 0, 0, 0]);
    expect(column(series, 'ticketsSolved')).toEqual([0, 1, 0, 1, 0, 0, 0, 1]);
    // Open at each day's end: s always; a until the 3rd 09:00; b from the 3rd; d from the 6th to the 9th.
    expect(column(series, 'backlog')).toEqual([2, 2, 2, 2, 3, 3, 3, 2]);
    expect(column(series, 'csat.responses')).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(column(series, 'surveys.sent')).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(column(series, 'surveys.responded')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    await expectWhole(series);
  });

  it('answers from the kept buckets alone while nothing was written', async () => {
    const first = (await viaMemo(memo)).series;
    const { series, reports } = await viaMemo(memo);
    expect(reports).toEqual([{ call: 'series', paths: {}, timeDependent: false, reusedBuckets: 8 }]);
    expect(series).toEqual(first);
  });

  it('recomputes from the day of a new ticket on', async () => {
    await upsertTickets(db, [{ externalId: 'e', channel: 'WEB', status: 'OPEN', teamExternalId: 'north', createdAt: at('07T15:00:00') }]);
    const { series, reports } = await viaMemo(memo);
    // 2–6 March ended before the 7th 15:00.
    expect(reports[0].reusedBuckets).toBe(5);
    expect(reports[0].paths.created).toBeDefined();
    expect(column(series, 'ticketsCreated')).toEqual([2, 1, 0, 1, 1, 1, 0, 0]);
    expect(column(series, 'backlog')).toEqual([2, 2, 2, 2, 3, 4, 4, 3]);
    await expectWhole(series);
  });

  it('recomputes from an updated ticket’s creation on, states included', async () => {
    // d is solved a day earlier: its solve moves from the 9th to the 8th.
    await upsertTickets(db, [{ ...TICKETS[3], solvedAt: at('08T10:00:00') }]);
    const { series, reports } = await viaMemo(memo);
    // d was created on the 6th: 2–5 March are kept.
    expect(reports[0].reusedBuckets).toBe(4);
    expect(column(series, 'ticketsSolved')).toEqual([0, 1, 0, 1, 0, 0, 1, 0]);
    expect(column(series, 'backlog')).toEqual([2, 2, 2, 2, 3, 4, 3, 3]);
    await expectWhole(series);
  });

  it('recomputes a sent survey’s day when its answer arrives days later', async () => {
    // The response is on the 9th; the survey it answers was sent on the 3rd.
    await upsertFeedback(db, [{ externalId: 'f-s', kind: 'CSAT', score: 2, createdAt: at('09T13:00:00'), ticketExternalId: 's' }]);
    const { series, reports } = await viaMemo(memo);
    expect(reports[0].reusedBuckets).toBe(1);
    expect(column(series, 'surveys.responded')).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(column(series, 'csat.responses')).toEqual([0, 0, 0, 0, 1, 0, 0, 1]);
    await expectWhole(series);
  });

  it('keeps every bucket across a new agent, and none across a renamed team', async () => {
    await upsertAgents(db, [{ externalId: 'bob', name: 'Bob', email: 'bob@example.com', teamExternalId: 'north' }]);
    expect((await viaMemo(memo)).reports[0].reusedBuckets).toBe(8);
    await upsertTeams(db, [{ externalId: 'north', name: 'North team' }]);
    const { series, reports } = await viaMemo(memo);
    expect(reports[0].reusedBuckets).toBe(0);
    await expectWhole(series);
  });

  it('reuses the shared days of a window moved by a day', async () => {
    const moved = { range: { from: at('03T00:00:00'), to: at('11T00:00:00') } };
    const { series, reports } = await viaMemo(memo, moved);
    // 3–9 March are kept; only the 10th is new.
    expect(reports[0].reusedBuckets).toBe(7);
    expect(series.map((b) => b.label)).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map(day));
    await expectWhole(series, moved);
  });

  it('never keeps a bucket that had not ended, and keeps series of other filters apart', async () => {
    const fresh = new SeriesMemo();
    const midway = { now: at('07T12:00:00') };
    expect((await viaMemo(fresh, midway)).reports[0].reusedBuckets).toBe(0);
    // 2–6 March had ended at noon on the 7th; the 7th, 8th and 9th had not.
    const { series, reports } = await viaMemo(fresh, midway);
    expect(reports[0].reusedBuckets).toBe(5);
    await expectWhole(series, midway);
    const chat = { filter: { channels: ['CHAT' as const] } };
    const { series: chats, reports: chatReports } = await viaMemo(fresh, chat);
    expect(chatReports[0].reusedBuckets).toBe(0);
    expect(column(chats, 'ticketsCreated')).toEqual([0, 0, 0, 1, 1, 0, 0, 0]);
    await expectWhole(chats, chat);
  });

  it('keeps at most the buckets it is sized for, dropping the series used longest ago', async () => {
    const small = new SeriesMemo(500, 10);
    const chat = { filter: { channels: ['CHAT' as const] } };
    await viaMemo(small);
    expect((await viaMemo(small)).reports[0].reusedBuckets).toBe(8);
    // A second series of 8 buckets does not fit beside the first: the first goes.
    await viaMemo(small, chat);
    expect((await viaMemo(small, chat)).reports[0].reusedBuckets).toBe(8);
    expect((await viaMemo(small)).reports[0].reusedBuckets).toBe(0);
  });

  it('recomputes everything when the log no longer reaches back to the kept answer', async () => {
    await viaMemo(memo);
    await upsertTickets(db, [{ externalId: 'g', channel: 'WEB', status: 'OPEN', createdAt: at('09T23:00:00') }]);
    expect((await viaMemo(memo)).reports[0].reusedBuckets).toBe(7);
    await upsertTickets(db, [{ externalId: 'h', channel: 'WEB', status: 'OPEN', createdAt: at('09T23:30:00') }]);
    // As pruning would: the log row of the last version is gone.
    await db.driver.query(`DELETE FROM "DataChange" WHERE "version" = (SELECT max("version") FROM "DataChange")`);
    const { series, reports } = await viaMemo(memo);
    expect(reports[0].reusedBuckets).toBe(0);
    await expectWhole(series);
  });

  it('reuses SLA outcomes of ended buckets, but not overruns, which grow while a breach stays open', async () => {
    // First response within 8 calendar hours for NORMAL tickets; none of them got one.
    await upsertSlaPolicy(db, { externalId: 'fr', name: 'First reply', priorities: ['NORMAL'], firstResponseMinutes: 480 });
    const sla = { measures: ['ticketsCreated', 'sla.firstResponse.breached', 'sla.firstResponse.attainment'] };
    const first = await viaMemo(memo, sla);
    // The policy recomputed every ticket: nothing is kept.
    expect(first.reports[0].reusedBuckets).toBe(0);
    // Breached 8 h after creation: s and a on the 2nd, b on the 3rd, c and d on 5th and 6th, e on the 7th, g and h on the 10th.
    expect(column(first.series, 'sla.firstResponse.breached')).toEqual([2, 1, 0, 1, 1, 1, 0, 0]);
    const { series, reports } = await viaMemo(memo, sla);
    expect(reports[0].reusedBuckets).toBe(8);
    await expectWhole(series, sla);
    const overrun = { measures: ['ticketsCreated', 'sla.firstResponse.overrun.avg'] };
    await viaMemo(memo, overrun);
    expect((await viaMemo(memo, overrun)).reports[0].reusedBuckets).toBeUndefined();
  });
});

describe('closed-bucket reuse through GraphQL', () => {
  it('says how many buckets it reused, and answers like a server without the memo', async () => {
    const client = gqlClient(db);
    const plain = gqlClient(db, { responseCache: false });
    const query = `query($tz: TimeZone) { timeSeries(range: { from: "2026-03-02T00:00:00Z", to: "2026-03-10T00:00:00Z" }, granularity: DAY, timeZone: $tz) { label metrics { ticketsCreated backlog } } }`;
    const first = await client.query(query, { tz: 'UTC' });
    expect(first.errors).toBeUndefined();
    expect((first.extensions?.analyticsPaths as AnalyticsPathReport[])[0].reusedBuckets).toBe(0);
    await upsertTickets(db, [{ externalId: 'late', channel: 'WEB', status: 'OPEN', createdAt: at('08T06:00:00') }]);
    const second = await client.query(query, { tz: 'UTC' });
    expect(second.extensions?.responseCache).toBe('MISS');
    expect((second.extensions?.analyticsPaths as AnalyticsPathReport[])[0].reusedBuckets).toBe(6);
    expect(second.data).toEqual((await plain.query(query, { tz: 'UTC' })).data);
    expect(second.data.timeSeries[6].metrics.ticketsCreated).toBe(1);
  });
});
