import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusinessCalendarSpec } from '../../src/sla/business-hours.ts';
import { upsertTickets } from '../../src/ingest/upsert.ts';
import { matchPolicy } from '../../src/sla/policies.ts';
import { recomputeAllTickets, recomputeTickets } from '../../src/sla/recompute.ts';
import { computeTicketSla, type TicketSlaValues } from '../../src/sla/ticket-sla.ts';
import type { Channel, Priority } from '../../src/generated/prisma/enums.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { randomCalendar } from './generators.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

const PRIORITIES: Priority[] = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
const CHANNELS: Channel[] = ['EMAIL', 'CHAT', 'PHONE', 'SOCIAL', 'WEB', 'API'];

interface PolicyFixture {
  id: number;
  externalId: string;
  priorities: Priority[];
  channels: Channel[];
  calendar: number | null;
  frm: number | null;
  rm: number | null;
}
interface TicketFixture {
  priority: Priority;
  channel: Channel;
  createdAt: Date;
  firstResponseAt: Date | null;
  solvedAt: Date | null;
}

async function reset(): Promise<void> {
  await db.driver.query(`TRUNCATE "Ticket", "SlaPolicy", "BusinessCalendar" RESTART IDENTITY CASCADE`);
}

async function insertCalendar(externalId: string, spec: BusinessCalendarSpec): Promise<number> {
  const [row] = await db.driver.query<{ id: number }>(
    `INSERT INTO "BusinessCalendar" ("externalId", name, "timeZone", hours, holidays) VALUES ($1, $1, $2, $3::jsonb, $4::jsonb) RETURNING id`,
    [externalId, spec.timeZone, JSON.stringify(spec.hours), JSON.stringify(spec.holidays ?? [])],
  );
  return Number(row.id);
}

async function insertPolicy(p: Omit<PolicyFixture, 'id'>, calendarIds: number[]): Promise<number> {
  const [row] = await db.driver.query<{ id: number }>(
    `INSERT INTO "SlaPolicy" ("externalId", name, priorities, channels, "calendarId", "firstResponseMinutes", "resolutionMinutes")
     VALUES ($1, $1, $2::text[]::"Priority"[], $3::text[]::"Channel"[], $4::int, $5::int, $6::int) RETURNING id`,
    [p.externalId, p.priorities, p.channels, p.calendar === null ? null : calendarIds[p.calendar], p.frm, p.rm],
  );
  return Number(row.id);
}

async function insertTickets(tickets: TicketFixture[], prefix = 't'): Promise<number[]> {
  const rows = await db.driver.query<{ id: number }>(
    `INSERT INTO "Ticket" ("externalId", priority, channel, status, "createdAt", "firstResponseAt", "solvedAt")
     SELECT $1 || '-' || n, p::"Priority", c::"Channel", 'OPEN', cr, fr, sv
       FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[]) WITH ORDINALITY AS u(p, c, cr, fr, sv, n)
     RETURNING id`,
    [
      prefix,
      tickets.map((t) => t.priority),
      tickets.map((t) => t.channel),
      tickets.map((t) => t.createdAt.toISOString()),
      tickets.map((t) => t.firstResponseAt?.toISOString() ?? null),
      tickets.map((t) => t.solvedAt?.toISOString() ?? null),
    ],
  );
  return rows.map((r) => Number(r.id));
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());

async function storedTickets() {
  return db.driver.query<Record<string, unknown>>(
    `SELECT id, priority::text, channel::text, "createdAt", "firstResponseAt", "solvedAt", "slaPolicyId",
            "firstResponseDueAt", "firstResponseSlaStatus"::text, "resolutionDueAt", "resolutionSlaStatus"::text,
            "firstResponseBusinessSeconds", "resolutionBusinessSeconds"
       FROM "Ticket" ORDER BY id`,
  );
}

/** Compares every stored ticket with the pure JS computation. */
async function expectSqlMatchesJs(calendars: BusinessCalendarSpec[], calendarIds: number[], policies: PolicyFixture[], now: Date) {
  const rows = await storedTickets();
  for (const r of rows) {
    const policy = matchPolicy(policies, r.priority as Priority, r.channel as Channel);
    const expected: TicketSlaValues = computeTicketSla(
      { createdAt: new Date(r.createdAt as Date), firstResponseAt: r.firstResponseAt ? new Date(r.firstResponseAt as Date) : null, solvedAt: r.solvedAt ? new Date(r.solvedAt as Date) : null },
      policy && {
        firstResponseMinutes: policy.frm,
        resolutionMinutes: policy.rm,
        calendar: policy.calendar === null ? null : calendars[policy.calendar],
      },
      now,
    );
    const context = { ticket: r, policy, calendar: policy?.calendar == null ? null : calendars[policy.calendar] };
    expect({
      slaPolicyId: r.slaPolicyId === null ? null : Number(r.slaPolicyId),
      firstResponseDueAt: iso(r.firstResponseDueAt),
      firstResponseSlaStatus: r.firstResponseSlaStatus,
      resolutionDueAt: iso(r.resolutionDueAt),
      resolutionSlaStatus: r.resolutionSlaStatus,
      firstResponseBusinessSeconds: r.firstResponseBusinessSeconds,
      resolutionBusinessSeconds: r.resolutionBusinessSeconds,
    }, JSON.stringify(context)).toEqual({
      slaPolicyId: policy?.id ?? null,
      firstResponseDueAt: iso(expected.firstResponseDueAt),
      firstResponseSlaStatus: expected.firstResponseSlaStatus,
      resolutionDueAt: iso(expected.resolutionDueAt),
      resolutionSlaStatus: expected.resolutionSlaStatus,
      firstResponseBusinessSeconds: expected.firstResponseBusinessSeconds,
      resolutionBusinessSeconds: expected.resolutionBusinessSeconds,
    });
  }
  return rows.length;
}

const START = Date.UTC(2024, 0, 1);
const ticketArb: fc.Arbitrary<TicketFixture> = fc
  .record({
    priority: fc.constantFrom(...PRIORITIES),
    channel: fc.constantFrom(...CHANNELS),
    created: fc.integer({ min: 0, max: 300 * 86_400 }),
    fr: fc.option(fc.integer({ min: 0, max: 20 * 86_400_000 })),
    sv: fc.option(fc.integer({ min: 0, max: 40 * 86_400_000 })),
    ms: fc.integer({ min: 0, max: 999 }),
  })
  .map(({ priority, channel, created, fr, sv, ms }) => {
    const createdAt = new Date(START + created * 1000 + ms);
    return {
      priority,
      channel,
      createdAt,
      firstResponseAt: fr === null ? null : new Date(createdAt.getTime() + fr),
      solvedAt: sv === null ? null : new Date(createdAt.getTime() + sv),
    };
  });

// Targets from minutes to (rarely) years of business time: the largest ones lie beyond
// the materialised intervals and exercise the JS fallback, or beyond the ten-year search.
const minutesArb = fc.option(fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 100_000 })), { freq: 4 });
const policiesArb = fc.tuple(
  ...PRIORITIES.map((priority) =>
    fc.record({
      generic: fc.boolean(),
      channels: fc.subarray(CHANNELS, { maxLength: 3 }),
      calendars: fc.tuple(fc.option(fc.integer({ min: 0, max: 2 })), fc.option(fc.integer({ min: 0, max: 2 }))),
      frm: fc.tuple(minutesArb, minutesArb),
      rm: fc.tuple(minutesArb, minutesArb),
      priority: fc.constant(priority),
    }),
  ),
);

describe('the SQL recompute agrees with the pure functions', () => {
  it('on random calendars, policies and tickets (bulk, then on write)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(randomCalendar(), randomCalendar({ neverEmpty: true }), randomCalendar({ neverEmpty: true })),
        policiesArb,
        fc.array(ticketArb, { minLength: 20, maxLength: 40 }),
        fc.array(ticketArb, { minLength: 1, maxLength: 10 }),
        async (calendars, policySpecs, tickets, later) => {
          await reset();
          const calendarIds: number[] = [];
          for (const [i, c] of calendars.entries()) calendarIds.push(await insertCalendar(`cal-${i}`, c));
          const policies: PolicyFixture[] = [];
          for (const s of policySpecs) {
            const variants: Omit<PolicyFixture, 'id'>[] = [];
            if (s.generic) variants.push({ externalId: `${s.priority}-all`, priorities: [s.priority], channels: [], calendar: s.calendars[0], frm: s.frm[0], rm: s.rm[0] });
            if (s.channels.length > 0) {
              variants.push({ externalId: `${s.priority}-some`, priorities: [s.priority], channels: s.channels, calendar: s.calendars[1], frm: s.frm[1], rm: s.rm[1] });
            }
            for (const v of variants) policies.push({ ...v, id: await insertPolicy(v, calendarIds) });
          }
          await insertTickets(tickets);
          const now = new Date(Date.UTC(2024, 8, 1));
          expect(await recomputeAllTickets(db, { now })).toBe(tickets.length);
          await expectSqlMatchesJs(calendars, calendarIds, policies, now);

          // On write: new tickets, some years before the materialised span (which must
          // grow), and changed ones, recomputed by id inside a transaction.
          const older = later.map((t) => ({ ...t, createdAt: new Date(t.createdAt.getTime() - 5 * 365 * 86_400_000) }));
          const ids = await insertTickets(older, 'later');
          await db.driver.query(`UPDATE "Ticket" SET "solvedAt" = "createdAt" + interval '90 minutes' WHERE id % 3 = 0`);
          const changedIds = (await db.driver.query<{ id: number }>(`SELECT id FROM "Ticket" WHERE id % 3 = 0`)).map((r) => Number(r.id));
          await db.driver.transaction((tx) => recomputeTickets(tx, { kind: 'ids', ids: [...ids, ...changedIds] }, { now }));
          expect(await expectSqlMatchesJs(calendars, calendarIds, policies, now)).toBe(tickets.length + later.length);
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('hand-computed cases through the database', () => {
  const BERLIN: BusinessCalendarSpec = {
    timeZone: 'Europe/Berlin',
    hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    holidays: [{ date: '2024-10-03', name: 'Tag der Deutschen Einheit' }],
  };

  it('stores deadlines, statuses and business seconds', async () => {
    await reset();
    const cal = await insertCalendar('berlin', BERLIN);
    // NORMAL: 4 business hours to first response, 2 business days (16 h) to resolution.
    await insertPolicy({ externalId: 'normal', priorities: ['NORMAL'], channels: [], calendar: 0, frm: 240, rm: 960 }, [cal]);
    const t = (createdAt: string, firstResponseAt: string | null, solvedAt: string | null): TicketFixture => ({
      priority: 'NORMAL',
      channel: 'EMAIL',
      createdAt: new Date(createdAt),
      firstResponseAt: firstResponseAt ? new Date(firstResponseAt) : null,
      solvedAt: solvedAt ? new Date(solvedAt) : null,
    });
    await insertTickets([
      // 1: Fri 18:00 CEST → FR due Mon 13:00 CEST (11Z); reply Mon 10:00 CEST = 1 business hour, achieved.
      //    Resolution due Mon 9-17 + Tue 9-17 = Tue 17:00 CEST (15Z); unsolved at now (Wed) → breached at the deadline.
      t('2024-06-07T16:00:00Z', '2024-06-10T08:00:00Z', null),
      // 2: Wed 2 Oct 16:00 CEST, reply Fri 4 Oct 10:00 CEST: Wed 1 h + holiday + Fri 1 h = 7200 s.
      //    FR due: Wed 1 h, Thu closed, Fri 09:00 + 3 h = 12:00 CEST (10Z) → achieved.
      t('2024-10-02T14:00:00Z', '2024-10-04T08:00:00Z', '2024-10-04T08:00:00Z'),
      // 3: Mon 09:00 CEST, solved 10:00 without a reply: FR (due 13:00 = 11Z) achieved by the solve.
      t('2024-06-10T07:00:00Z', null, '2024-06-10T08:00:00Z'),
      // 4: a LOW ticket: no policy, business seconds are calendar seconds (Fri 16Z → Mon 08Z = 64 h).
      { ...t('2024-06-07T16:00:00Z', '2024-06-10T08:00:00Z', null), priority: 'LOW' },
    ]);
    // now: Wed 2024-06-12 12:00Z, after ticket 1's resolution deadline.
    await recomputeAllTickets(db, { now: new Date('2024-06-12T12:00:00Z') });
    const rows = await storedTickets();
    expect(rows.map((r) => [iso(r.firstResponseDueAt), r.firstResponseSlaStatus, iso(r.resolutionDueAt), r.resolutionSlaStatus, r.firstResponseBusinessSeconds, r.resolutionBusinessSeconds])).toEqual([
      ['2024-06-10T11:00:00.000Z', 'ACHIEVED', '2024-06-11T15:00:00.000Z', 'BREACHED', 3600, null],
      ['2024-10-04T10:00:00.000Z', 'ACHIEVED', '2024-10-07T14:00:00.000Z', 'ACHIEVED', 7200, 7200],
      ['2024-06-10T11:00:00.000Z', 'ACHIEVED', '2024-06-11T15:00:00.000Z', 'ACHIEVED', null, 3600],
      [null, null, null, null, 230400, null],
    ]);
    // Ticket 2's resolution: Wed 1 h + Fri 8 h + Mon 7 h = Mon 7 Oct 16:00 CEST = 14Z (above).
  });

  it('computes the SLA columns of tickets written through ingestion, in the statement that writes them', async () => {
    await reset();
    const cal = await insertCalendar('berlin', BERLIN);
    await insertPolicy({ externalId: 'normal', priorities: ['NORMAL'], channels: [], calendar: 0, frm: 240, rm: null }, [cal]);
    await upsertTickets(db, [{ externalId: 'ing-1', priority: 'NORMAL', channel: 'CHAT', status: 'OPEN', createdAt: new Date('2024-06-07T16:00:00Z') }]);
    const [row] = await storedTickets();
    // Friday 18:00 CEST + 4 business hours = Monday 13:00 CEST; long passed, so breached.
    expect([iso(row.firstResponseDueAt), row.firstResponseSlaStatus, row.resolutionDueAt]).toEqual(['2024-06-10T11:00:00.000Z', 'BREACHED', null]);
    // The calendar's intervals were materialised on demand, covering the ticket.
    const [span] = await db.driver.query<{ covered: boolean }>(
      `SELECT "openIntervalsFrom" <= '2024-06-07T16:00:00Z' AND "openIntervalsTo" > now() AS covered FROM "BusinessCalendar"`,
    );
    expect(span.covered).toBe(true);
  });

  it('finds deadlines beyond the materialised intervals with the JS fallback', async () => {
    await reset();
    // Open one hour a week (Monday 09:00-10:00 Berlin); a 200-hour resolution target
    // created Monday 10:00 CEST is used up in the 200th weekly hour: 200 weeks later,
    // Monday 2028-04-10 10:00 CEST (08Z), past the intervals materialised to now + 400 days.
    const cal = await insertCalendar('hour-a-week', { timeZone: 'Europe/Berlin', hours: [{ weekday: 1, start: '09:00', end: '10:00' }] });
    await insertPolicy({ externalId: 'slow', priorities: ['LOW'], channels: [], calendar: 0, frm: null, rm: 200 * 60 }, [cal]);
    await insertTickets([{ priority: 'LOW', channel: 'WEB', createdAt: new Date('2024-06-10T08:00:00Z'), firstResponseAt: null, solvedAt: null }]);
    await recomputeAllTickets(db, { now: new Date('2024-06-10T09:00:00Z') });
    const [row] = await storedTickets();
    expect([iso(row.resolutionDueAt), row.resolutionSlaStatus]).toEqual(['2028-04-10T08:00:00.000Z', 'PENDING']);
    const [span] = await db.driver.query<{ beyond: boolean }>(`SELECT "openIntervalsTo" < '2028-04-10T08:00:00Z' AS beyond FROM "BusinessCalendar"`);
    expect(span.beyond).toBe(true);
  });
});
