import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketGrid, type Granularity } from '../../src/analytics/buckets.ts';
import {
  computeBreakdown,
  computeEntityMetrics,
  computeSeries,
  computeTotals,
  type MetricsRequest,
} from '../../src/analytics/engine.ts';
import { RELATIVE_ERROR, ROLLUP_SOURCES } from '../../src/analytics/rollups/definition.ts';
import { coverBuckets, coverInterval } from '../../src/analytics/rollups/planner.ts';
import { collectAnalyticsPaths, type AnalyticsPathReport } from '../../src/analytics/rollups/report.ts';
import { upsertAgents, upsertFeedback, upsertTeams, upsertTickets } from '../../src/ingest/upsert.ts';
import type { FeedbackInput, TicketInput } from '../../src/ingest/types.ts';
import type { Channel, FeedbackKind, Priority, TicketStatus } from '../../src/generated/prisma/enums.ts';
import { upsertBusinessCalendar, upsertSlaPolicy } from '../../src/sla/admin.ts';
import { Random } from '../../seeds/random.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { rollupDriftOf } from '../helpers/rollups.ts';
import { gqlClient } from '../helpers/graphql.ts';

// Rollups against the raw path: every measure a rollup serves must equal the raw path's
// answer exactly (same SQL types, same arithmetic on exact integers), on random filters,
// scopes, zones, granularities and ranges; percentiles within RELATIVE_ERROR. Writes of
// every kind (ingest, feedback, team moves, SLA policy and calendar changes) must be
// visible to the rollup path in the same transaction.

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

/** A seeded stream in [0, 1): the demo generator's mulberry32, so a run can be replayed. */
function random(seed: number): () => number {
  const rng = new Random(seed);
  return () => rng.next();
}

const HOUR = 3_600_000;
const START = Date.parse('2026-03-24T00:00:00Z');
const SPAN_HOURS = 14 * 24; // 24 March to 7 April: Berlin's and Sydney's DST changes inside
const NOW = new Date('2026-04-03T12:34:56.789Z'); // SLA targets after it are still pending

/** Every measure path a rollup can serve, split into exact ones and percentiles. */
const ROLLUP_MEASURES = Object.values(ROLLUP_SOURCES).flatMap((s) => Object.entries(s?.measures ?? {}));
const EXACT_MEASURES = [...ROLLUP_MEASURES.filter(([, m]) => m.kind === 'additive').map(([p]) => p), 'backlog'];
const PERCENTILES = ROLLUP_MEASURES.filter(([, m]) => m.kind === 'quantile').map(([p]) => p);

async function loadRandomDataset(): Promise<void> {
  const next = random(16);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  await upsertTeams(db, ['a', 'b', 'c'].map((t) => ({ externalId: t, name: `Team ${t}` })));
  await upsertAgents(db, [
    { externalId: 'ada', name: 'Ada', teamExternalId: 'a' },
    { externalId: 'bo', name: 'Bo', teamExternalId: 'b' },
    { externalId: 'cy', name: 'Cy', teamExternalId: 'c' },
    { externalId: 'dee', name: 'Dee' },
  ]);
  await upsertBusinessCalendar(db, {
    externalId: 'office',
    name: 'Office',
    timeZone: 'Europe/Berlin',
    hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
  });
  await upsertSlaPolicy(db, { externalId: 'std', name: 'Standard', priorities: ['LOW', 'NORMAL'], calendarExternalId: 'office', firstResponseMinutes: 120, resolutionMinutes: 960 });
  await upsertSlaPolicy(db, { externalId: 'fast', name: 'Fast', priorities: ['HIGH', 'URGENT'], firstResponseMinutes: 30, resolutionMinutes: 480 });
  const tickets: TicketInput[] = Array.from({ length: 240 }, (_, i) => {
    // Millisecond timestamps, so sums of durations are not whole seconds.
    const created = START + Math.floor(next() * (SPAN_HOURS - 48) * HOUR);
    const fr = next() < 0.8 ? created + Math.floor(next() ** 3 * 30 * HOUR) : null;
    const solved = next() < 0.7 ? (fr ?? created) + Math.floor(next() ** 2 * 60 * HOUR) : null;
    const team = pick(['a', 'b', 'c', null]);
    return {
      externalId: `t${i}`,
      channel: pick<Channel>(['EMAIL', 'CHAT', 'PHONE', 'WEB']),
      priority: pick<Priority>(['LOW', 'NORMAL', 'HIGH', 'URGENT']),
      status: (solved ? 'SOLVED' : 'OPEN') as TicketStatus,
      teamExternalId: team,
      assigneeExternalId: team ? { a: 'ada', b: 'bo', c: 'cy' }[team] : pick(['dee', null]),
      tags: next() < 0.3 ? ['vip'] : [],
      createdAt: new Date(created),
      firstResponseAt: fr === null ? null : new Date(fr),
      solvedAt: solved === null ? null : new Date(solved),
      agentReplies: fr === null ? 0 : 1 + Math.floor(next() * 3),
      reopenCount: solved && next() < 0.2 ? 1 : 0,
      escalated: next() < 0.15,
    };
  });
  for (let i = 0; i < tickets.length; i += 60) await upsertTickets(db, tickets.slice(i, i + 60));
  const feedback: FeedbackInput[] = Array.from({ length: 160 }, (_, i) => {
    const kind = pick<FeedbackKind>(['CSAT', 'CSAT', 'NPS', 'CES']);
    const ticket = next() < 0.8 ? `t${Math.floor(next() * tickets.length)}` : null;
    return {
      externalId: `f${i}`,
      kind,
      score: kind === 'CSAT' ? 1 + Math.floor(next() * 5) : kind === 'NPS' ? Math.floor(next() * 11) : 1 + Math.floor(next() * 7),
      createdAt: new Date(START + Math.floor(next() * SPAN_HOURS * HOUR)),
      ticketExternalId: ticket,
      agentExternalId: ticket ? null : pick(['ada', 'bo', 'dee']),
    };
  });
  await upsertFeedback(db, feedback);
}

/** Runs `work` and returns the paths the engine reported for it. */
async function withPaths<T>(work: () => Promise<T>): Promise<{ value: T; reports: AnalyticsPathReport[] }> {
  const reports: AnalyticsPathReport[] = [];
  const value = await collectAnalyticsPaths(reports, work);
  return { value, reports };
}

/** Rows of the rollup tables that a rebuild from scratch would change (none: maintenance kept up). */
const rollupDrift = (rebuild: 'hourly' | 'full' = 'hourly') => rollupDriftOf(db, rebuild);

const WHOLE_HOUR_ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'];
const OFFSET_ZONES = ['Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide'];

describe('covering buckets with rollup rows', () => {
  const at = (s: string) => Date.parse(s);
  const day = (s: string) => ({ grain: 1, start: at(s), b: 1 });

  it('reads a Berlin week across the DST change as 1 + 22 edge hours and 6 whole UTC days', () => {
    // Monday 23 March 2026 00:00 CET = Sunday 22:00... 23:00 UTC; the next Monday 00:00 is
    // CEST (UTC+2, from 29 March) = Sunday 29 March 22:00 UTC. 23 March is a Monday, but
    // the week [23 Mar, 30 Mar) UTC does not fit, so days 23-28 and two runs of hours.
    const cover = coverInterval(at('2026-03-22T23:00:00Z'), at('2026-03-29T22:00:00Z'), 1);
    expect(cover.spans).toEqual(['23', '24', '25', '26', '27', '28'].map((d) => day(`2026-03-${d}T00:00:00Z`)));
    expect(cover.hours).toEqual([
      { lo: at('2026-03-22T23:00:00Z'), hi: at('2026-03-23T00:00:00Z'), b: 1 },
      { lo: at('2026-03-29T00:00:00Z'), hi: at('2026-03-29T22:00:00Z'), b: 1 },
    ]);
  });

  it('takes whole UTC weeks where they fit, days up to them and hours at the edges', () => {
    // Tue 24 Mar 05:00 to Tue 7 Apr 03:00 UTC: 19 hours, Wed-Sun as days, the week of
    // Monday 30 March, Monday 6 April as a day, 3 hours.
    const cover = coverInterval(at('2026-03-24T05:00:00Z'), at('2026-04-07T03:00:00Z'), 2);
    expect(cover.spans).toEqual([
      ...['25', '26', '27', '28', '29'].map((d) => ({ ...day(`2026-03-${d}T00:00:00Z`), b: 2 })),
      { grain: 2, start: at('2026-03-30T00:00:00Z'), b: 2 },
      { grain: 1, start: at('2026-04-06T00:00:00Z'), b: 2 },
    ]);
    expect(cover.hours).toEqual([
      { lo: at('2026-03-24T05:00:00Z'), hi: at('2026-03-25T00:00:00Z'), b: 2 },
      { lo: at('2026-04-07T00:00:00Z'), hi: at('2026-04-07T03:00:00Z'), b: 2 },
    ]);
  });

  it('reads most of a UTC day as the day minus its other hours, for histograms', () => {
    // The Berlin week of the DST change again, all teams: the 22 hours of Sunday 29 March
    // are the day less 22:00 and 23:00; the single hour before Monday stays an hour.
    const week = [{ start: new Date('2026-03-22T23:00:00Z'), end: new Date('2026-03-29T22:00:00Z') }];
    const cover = coverBuckets(week, week[0].start, week[0].end, { totals: false, allTeams: true, complement: true });
    expect(cover.hours).toEqual([]);
    expect(cover.spans).toEqual([
      ...['23', '24', '25', '26', '27', '28'].map((d) => day(`2026-03-${d}T00:00:00Z`)),
      { grain: 0, start: at('2026-03-22T23:00:00Z'), b: 1 },
      day('2026-03-29T00:00:00Z'),
      { grain: 0, start: at('2026-03-29T22:00:00Z'), b: 1, sign: -1 },
      { grain: 0, start: at('2026-03-29T23:00:00Z'), b: 1, sign: -1 },
    ]);
    // Without the option (counts and sums, whose min and max cannot be taken away) every hour is read.
    const plain = coverBuckets(week, week[0].start, week[0].end, { totals: false, allTeams: true });
    expect(plain.spans.filter((p) => p.grain === 0)).toHaveLength(23);
  });

  it('numbers pieces by bucket, repeats them as bucket 0 for totals, and reads hours from all-teams spans when it may', () => {
    const buckets = [
      { start: new Date('2026-03-30T00:00:00Z'), end: new Date('2026-04-06T00:00:00Z') },
      { start: new Date('2026-04-06T00:00:00Z'), end: new Date('2026-04-06T02:00:00Z') },
    ];
    const cover = coverBuckets(buckets, buckets[0].start, buckets[1].end, { totals: true, allTeams: true });
    const h = (s: string, b: number) => ({ grain: 0, start: at(s), b });
    expect(cover.hours).toEqual([]);
    expect(cover.spans).toEqual([
      { grain: 2, start: at('2026-03-30T00:00:00Z'), b: 1 },
      h('2026-04-06T00:00:00Z', 2),
      h('2026-04-06T01:00:00Z', 2),
      { grain: 2, start: at('2026-03-30T00:00:00Z'), b: 0 },
      h('2026-04-06T00:00:00Z', 0),
      h('2026-04-06T01:00:00Z', 0),
    ]);
  });
});

describe('rollups against the raw path', () => {
  beforeAll(async () => {
    await loadRandomDataset();
  });

  it('keeps the rollup tables equal to a rebuild from scratch after ingest', async () => {
    const [row] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "RollupHour"`);
    expect(row.n).toBeGreaterThan(100);
    expect(await rollupDrift()).toBe(0);
    expect(await rollupDrift('full')).toBe(0);
  });

  /** One random request of the properties below: call kind, zone, granularity, range, filters. */
  const requestCase = (teamIds: number[]) => {
    // Half of the cases without a team list: the all-teams rows are read only then.
    const teamSubset = fc.option(fc.subarray(teamIds, { minLength: 1 }), { nil: null, freq: 2 });
    return fc.record({
      call: fc.constantFrom('totals', 'series', 'breakdown', 'entities'),
      granularity: fc.constantFrom<Granularity>('HOUR', 'DAY', 'WEEK', 'MONTH'),
      zone: fc.constantFrom(...WHOLE_HOUR_ZONES, ...OFFSET_ZONES),
      startHour: fc.integer({ min: 0, max: SPAN_HOURS - 1 }),
      hours: fc.integer({ min: 1, max: 10 * 24 }),
      midHour: fc.boolean(),
      filterTeams: teamSubset,
      scopeTeams: teamSubset,
      filterChannel: fc.boolean(),
      totals: fc.boolean(),
      // A range holding the whole UTC week of Monday 30 March (random edges around it).
      wholeWeek: fc.boolean(),
    });
  };
  type RequestCase = ReturnType<typeof requestCase> extends fc.Arbitrary<infer T> ? T : never;
  const shape = (c: RequestCase) => {
    const startHour = c.wholeWeek ? 6 * 24 - (c.startHour % 30) : c.startHour;
    const hours = c.wholeWeek ? 6 * 24 - startHour + 7 * 24 + (c.hours % 40) : c.hours;
    const from = new Date(START + startHour * HOUR + (c.midHour ? 30 * 60_000 : 0));
    const to = new Date(from.getTime() + hours * HOUR);
    const granularity: Granularity = hours > 3 * 24 && c.granularity === 'HOUR' ? 'DAY' : c.granularity;
    return { from, to, granularity };
  };
  const runCase = (c: RequestCase, teamIds: number[], measures: string[], rollups: boolean): Promise<unknown> => {
    const { from, to, granularity } = shape(c);
    const req: MetricsRequest = {
      range: { from, to },
      filter: { teamIds: c.filterTeams, channels: c.filterChannel ? ['EMAIL', 'CHAT'] : null },
      scope: { teamIds: c.scopeTeams },
      measures,
      now: NOW,
      rollups,
    };
    switch (c.call) {
      case 'totals':
        return computeTotals(db, req);
      case 'series':
        return computeSeries(db, { ...req, granularity, timeZone: c.zone });
      case 'breakdown':
        return computeBreakdown(db, { ...req, by: ['TEAM'], granularity, timeZone: c.zone, totals: c.totals });
      case 'entities':
        return computeEntityMetrics(db, { ...req, dimension: 'TEAM', ids: teamIds }).then((m) => [...m.entries()]);
    }
  };
  /**
   * Which kinds of rollup rows a case reads when rollups answer it (planner.ts's cover):
   * the properties must have exercised each kind at least once to mean anything.
   */
  const tally = { week: 0, day: 0, hourAllTeams: 0, hourPerTeam: 0 };
  const countCover = (c: RequestCase) => {
    const { from, to, granularity } = shape(c);
    if (c.midHour || c.filterChannel || OFFSET_ZONES.includes(c.zone)) return;
    const buckets = c.call === 'series' || c.call === 'breakdown' ? bucketGrid({ from, to }, { granularity, timeZone: c.zone }) : [{ start: from, end: to }];
    const allTeams = (c.call === 'totals' || c.call === 'series') && !c.filterTeams && !c.scopeTeams;
    const cover = coverBuckets(buckets, from, to, { totals: false, allTeams });
    tally.week += cover.spans.filter((p) => p.grain === 2).length;
    tally.day += cover.spans.filter((p) => p.grain === 1).length;
    tally.hourAllTeams += cover.spans.filter((p) => p.grain === 0).length;
    tally.hourPerTeam += cover.hours.length;
  };

  it('answers every rollup measure exactly as the rows do, on random filters, scopes, zones and granularities (property)', async () => {
    const teamIds = (await db.prisma.team.findMany({ orderBy: { id: 'asc' } })).map((t) => t.id);
    await fc.assert(
      fc.asyncProperty(requestCase(teamIds), async (c) => {
        const { from } = shape(c);
        countCover(c);
        const raw = await withPaths(() => runCase(c, teamIds, EXACT_MEASURES, false));
        const rolled = await withPaths(() => runCase(c, teamIds, EXACT_MEASURES, true));
        expect(rolled.value).toEqual(raw.value);
        expect(raw.reports.flatMap((r) => Object.values(r.paths))).not.toContain('rollup');
        // Whole-hour bucket edges and a team-only filter: every source from rollups; a
        // mid-hour range or a channel filter: the raw path (zones with :30/:45 offsets
        // have their own test below: their week and month edges fall on :30 too).
        // SLA sources are decided by "now": a range starting after its hour reads the rows.
        const cut = Math.floor(NOW.getTime() / HOUR) * HOUR;
        const paths = rolled.reports.flatMap((r) =>
          Object.entries(r.paths).filter(([source]) => !(source.startsWith('sla') && from.getTime() >= cut)).map(([, path]) => path),
        );
        expect(paths.length).toBeGreaterThan(0);
        const edgesWholeHours = !c.midHour && (c.call === 'totals' || c.call === 'entities' || WHOLE_HOUR_ZONES.includes(c.zone));
        if (c.filterChannel || c.midHour) expect(new Set(paths)).toEqual(new Set(['raw']));
        else if (edgesWholeHours) expect(new Set(paths)).toEqual(new Set(['rollup']));
      }),
      { numRuns: 60, seed: 1616 },
    );
    // Weekly and daily span rows, hourly all-teams spans and hourly per-team rows were all read.
    expect(Object.values(tally).every((n) => n > 0), JSON.stringify(tally)).toBe(true);
  });

  it('gives percentiles within 1 % of the rows on random filters, scopes, zones (Berlin and Sydney DST weeks, Kolkata) and granularities (property)', async () => {
    const teamIds = (await db.prisma.team.findMany({ orderBy: { id: 'asc' } })).map((t) => t.id);
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(requestCase(teamIds), async (c) => {
        const exact = await runCase(c, teamIds, PERCENTILES, false);
        const rolled = await withPaths(() => runCase(c, teamIds, PERCENTILES, true));
        // Walk both answers side by side: every number within RELATIVE_ERROR, nulls alike.
        const close = (a: unknown, e: unknown, where: string): void => {
          if (typeof e === 'number') {
            expect(typeof a, where).toBe('number');
            expect(Math.abs((a as number) - e), where).toBeLessThanOrEqual(RELATIVE_ERROR * Math.abs(e) + 1e-9);
            compared += 1;
          } else if (e !== null && typeof e === 'object' && !(e instanceof Date)) {
            expect(Object.keys(a as object).sort(), where).toEqual(Object.keys(e).sort());
            for (const [k, v] of Object.entries(e)) close((a as Record<string, unknown>)[k], v, `${where}.${k}`);
          } else expect(a, where).toEqual(e);
        };
        close(rolled.value, exact, c.call);
        const paths = new Set(rolled.reports.flatMap((r) => Object.values(r.paths)));
        if (c.midHour || c.filterChannel) expect(paths).toEqual(new Set(['raw']));
        else if (WHOLE_HOUR_ZONES.includes(c.zone) || c.call === 'totals' || c.call === 'entities') expect(paths).toEqual(new Set(['rollup']));
      }),
      { numRuns: 40, seed: 1617 },
    );
    expect(compared).toBeGreaterThan(200);
  });

  it('takes the raw path for buckets cut at :30 and :45 (Kolkata, Kathmandu days), counts and percentiles alike', async () => {
    const range = { from: new Date('2026-03-25T00:00:00Z'), to: new Date('2026-03-28T00:00:00Z') };
    for (const timeZone of ['Asia/Kolkata', 'Asia/Kathmandu']) {
      const { reports } = await withPaths(() =>
        computeSeries(db, { range, granularity: 'DAY', timeZone, scope: { teamIds: null }, measures: ['ticketsCreated', 'firstResponseTime.median'], now: NOW }),
      );
      expect(reports).toEqual([{ call: 'series', paths: { created: 'raw', firstResponse: 'raw' }, timeDependent: false }]);
    }
    const { reports } = await withPaths(() =>
      computeSeries(db, { range, granularity: 'DAY', timeZone: 'Europe/Berlin', scope: { teamIds: null }, measures: ['ticketsCreated', 'firstResponseTime.median'], now: NOW }),
    );
    expect(reports).toEqual([{ call: 'series', paths: { created: 'rollup', firstResponse: 'rollup' }, timeDependent: false }]);
  });

  it('gives percentiles from histograms within 1 % of percentile_cont, and exact ones with exact: true', async () => {
    const range = { from: new Date(START), to: new Date(START + SPAN_HOURS * HOUR) };
    for (const timeZone of ['UTC', 'Europe/Berlin']) {
      const req = { range, granularity: 'DAY' as const, timeZone, scope: { teamIds: null }, measures: PERCENTILES, now: NOW };
      const approx = await withPaths(() => computeSeries(db, req));
      const exact = await withPaths(() => computeSeries(db, { ...req, exact: true }));
      const raw = await computeSeries(db, { ...req, rollups: false });
      expect(exact.value).toEqual(raw);
      expect(approx.reports[0].paths).toEqual({ solved: 'rollup', firstResponse: 'rollup' });
      expect(exact.reports[0].paths).toEqual({ solved: 'raw', firstResponse: 'raw' });
      let compared = 0;
      approx.value.forEach((bucket, i) => {
        for (const path of PERCENTILES) {
          const [group, stat] = path.split('.');
          const a = (bucket.metrics[group] as Record<string, number | null>)[stat];
          const e = (raw[i].metrics[group] as Record<string, number | null>)[stat];
          if (e === null) expect(a).toBeNull();
          else {
            expect(Math.abs((a as number) - e), `${bucket.label} ${path}`).toBeLessThanOrEqual(RELATIVE_ERROR * Math.abs(e) + 1e-9);
            compared += 1;
          }
        }
      });
      expect(compared).toBeGreaterThan(40);
    }
  });

  it('says which path it took in extensions.analyticsPaths, and exact: true moves percentiles to the rows', async () => {
    const client = gqlClient(db);
    const q = `query ($exact: Boolean) { timeSeries(range: { from: "2026-03-24T00:00:00Z", to: "2026-04-07T00:00:00Z" }, granularity: WEEK, timeZone: "Europe/Berlin", exact: $exact) {
      metrics { ticketsCreated firstResponseTime { median } csat { score } } } }`;
    const approx = await client.query(q, { exact: false });
    expect(approx.errors).toBeUndefined();
    expect(approx.extensions?.analyticsPaths).toEqual([{ call: 'series', paths: { created: 'rollup', firstResponse: 'rollup', feedback: 'rollup' }, timeDependent: false, reusedBuckets: 0 }]);
    const exact = await client.query(q, { exact: true });
    expect(exact.extensions?.analyticsPaths).toEqual([{ call: 'series', paths: { created: 'rollup', firstResponse: 'raw', feedback: 'rollup' }, timeDependent: false, reusedBuckets: 0 }]);
  });
});

describe('rollups stay fresh in the writing transaction', () => {
  // A small known dataset, hourly UTC over [10:00, 13:00) on Monday 2026-06-01.
  const range = { from: new Date('2026-06-01T10:00:00Z'), to: new Date('2026-06-01T13:00:00Z') };
  const measures = ['ticketsCreated', 'ticketsSolved', 'backlog', 'sla.firstResponse.achieved', 'sla.firstResponse.breached', 'csat.responses'];
  const series = async (scope: number[] | null = null) => {
    const req = { range, granularity: 'HOUR' as const, timeZone: 'UTC', scope: { teamIds: scope }, measures, now: new Date('2026-07-01T00:00:00Z') };
    const rolled = await withPaths(() => computeSeries(db, req));
    const raw = await computeSeries(db, { ...req, rollups: false });
    expect(rolled.value).toEqual(raw);
    expect(new Set(rolled.reports.flatMap((r) => Object.values(r.paths)))).toEqual(new Set(['rollup']));
    expect(await rollupDrift()).toBe(0);
    const column = (path: string) =>
      rolled.value.map((b) => path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], b.metrics));
    return Object.fromEntries(measures.map((m) => [m, column(m)]));
  };
  const ticket = (id: string, team: string, fields: Partial<TicketInput>): TicketInput => ({
    externalId: id,
    channel: 'EMAIL',
    priority: 'LOW',
    status: 'OPEN',
    teamExternalId: team,
    createdAt: new Date('2026-06-01T10:00:00Z'),
    ...fields,
  });
  let teamX = 0;
  let main: TestDatabase;

  beforeAll(async () => {
    // A database of its own: its SLA policy must not meet the random dataset's.
    main = db;
    db = await openTestDatabase();
    await upsertTeams(db, [{ externalId: 'x', name: 'X' }, { externalId: 'y', name: 'Y' }]);
    teamX = (await db.prisma.team.findUniqueOrThrow({ where: { externalId: 'x' } })).id;
    await upsertAgents(db, [{ externalId: 'xavier', name: 'Xavier', teamExternalId: 'x' }]);
  });
  afterAll(async () => {
    await db.destroy();
    db = main;
  });

  it('sees ingest, solves, team moves, feedback, SLA policy and calendar changes at once', async () => {
    // P1 created 10:10, first reply 10:20, solved 12:20; P2 created 10:40, no reply; both
    // URGENT CHAT tickets under a 30-minute first-response target.
    await upsertSlaPolicy(db, { externalId: 'fresh', name: 'Fresh', priorities: ['URGENT'], channels: ['CHAT'], firstResponseMinutes: 30 });
    const p1 = ticket('p1', 'x', {
      channel: 'CHAT', priority: 'URGENT', status: 'SOLVED',
      createdAt: new Date('2026-06-01T10:10:00Z'), firstResponseAt: new Date('2026-06-01T10:20:00Z'), solvedAt: new Date('2026-06-01T12:20:00Z'),
    });
    const p2 = ticket('p2', 'x', { channel: 'CHAT', priority: 'URGENT', createdAt: new Date('2026-06-01T10:40:00Z') });
    await upsertTickets(db, [p1, p2]);
    // P1's target (due 10:40) met at 10:20; P2's (due 11:10) passed unfulfilled: breached at 11:10.
    expect(await series()).toEqual({
      ticketsCreated: [2, 0, 0],
      ticketsSolved: [0, 0, 1],
      backlog: [2, 2, 1],
      'sla.firstResponse.achieved': [1, 0, 0],
      'sla.firstResponse.breached': [0, 1, 0],
      'csat.responses': [0, 0, 0],
    });

    // P2 solved at 11:30 (a solve fulfils the first-response target too, late: 11:30 > 11:10).
    await upsertTickets(db, [{ ...p2, status: 'SOLVED', solvedAt: new Date('2026-06-01T11:30:00Z') }]);
    expect(await series()).toMatchObject({ ticketsSolved: [0, 1, 1], backlog: [2, 1, 0], 'sla.firstResponse.breached': [0, 1, 0] });

    // A CSAT response on P1 at 12:05, then P1 moves to team Y: team X's view loses both.
    await upsertFeedback(db, [{ externalId: 'pf1', kind: 'CSAT', score: 5, createdAt: new Date('2026-06-01T12:05:00Z'), ticketExternalId: 'p1' }]);
    expect((await series([teamX]))['csat.responses']).toEqual([0, 0, 1]);
    await upsertTickets(db, [{ ...p1, teamExternalId: 'y' }]);
    expect(await series([teamX])).toMatchObject({ ticketsCreated: [1, 0, 0], ticketsSolved: [0, 1, 0], 'csat.responses': [0, 0, 0] });

    // SLA recompute: a 90-minute target makes P2's solve at 11:30 (due 12:10) a success.
    await upsertSlaPolicy(db, { externalId: 'fresh', name: 'Fresh', priorities: ['URGENT'], channels: ['CHAT'], firstResponseMinutes: 90 });
    expect(await series()).toMatchObject({ 'sla.firstResponse.achieved': [1, 1, 0], 'sla.firstResponse.breached': [0, 0, 0] });

    // Calendar change: 15 business minutes of a calendar open 10:00-10:30 UTC on Mondays
    // (1 June 2026 is a Monday). P1 (10:10) is due 10:25, replied 10:20: met. P2 arrived
    // after 10:30, so it is due next Monday; its solve at 11:30 is on time.
    await upsertBusinessCalendar(db, { externalId: 'narrow', name: 'Narrow', timeZone: 'UTC', hours: [{ weekday: 1, start: '10:00', end: '10:30' }] });
    await upsertSlaPolicy(db, { externalId: 'fresh', name: 'Fresh', priorities: ['URGENT'], channels: ['CHAT'], calendarExternalId: 'narrow', firstResponseMinutes: 15 });
    expect(await series()).toMatchObject({ 'sla.firstResponse.achieved': [1, 1, 0], 'sla.firstResponse.breached': [0, 0, 0] });
    // Only the calendar changes: open 00:00-23:59 every day. P1 is still due 10:25 (met);
    // P2 is due 10:55, so its solve at 11:30 is late: breached, decided at 10:55.
    await upsertBusinessCalendar(db, {
      externalId: 'narrow', name: 'Narrow', timeZone: 'UTC',
      hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:59' })),
    });
    expect(await series()).toMatchObject({ 'sla.firstResponse.achieved': [1, 0, 0], 'sla.firstResponse.breached': [1, 0, 0] });

    // A plain UPDATE outside ingestion is seen as well (the triggers are in the database).
    await db.driver.query(`UPDATE "Ticket" SET "createdAt" = '2026-06-01T11:05:00Z' WHERE "externalId" = 'p2'`);
    expect(await series()).toMatchObject({ ticketsCreated: [1, 1, 0] });
    await db.driver.query(`DELETE FROM "Feedback" WHERE "externalId" = 'pf1'`);
    expect(await series()).toMatchObject({ 'csat.responses': [0, 0, 0] });
  });
});
