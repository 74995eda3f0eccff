import { randomUUID } from 'node:crypto';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertTeams, upsertTickets } from '../../src/ingest/upsert.ts';
import type { TicketInput } from '../../src/ingest/types.ts';
import type { Context, Viewer } from '../../src/schema/context.ts';
import { buildSchema } from '../../src/schema/index.ts';
import { markPassedDeadlines } from '../../src/sla/recompute.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';

let db: TestDatabase;
let client: GqlClient;

beforeAll(async () => {
  db = await openTestDatabase();
  client = gqlClient(db);
  await upsertTeams(db, [
    { externalId: 'team-a', name: 'A' },
    { externalId: 'team-b', name: 'B' },
  ]);
});
afterAll(async () => {
  await db?.destroy();
});

const UPSERT_CALENDAR = `mutation($input: BusinessCalendarInput!) {
  upsertBusinessCalendar(input: $input) {
    ticketsRecomputed
    calendar { id externalId name timeZone hours { weekday start end } holidays { date name start end } }
  }
}`;
const UPSERT_POLICY = `mutation($input: SlaPolicyInput!) {
  upsertSlaPolicy(input: $input) {
    ticketsRecomputed
    policy { externalId priorities channels firstResponseMinutes resolutionMinutes calendar { externalId } }
  }
}`;
const TICKET_SLA = `query($filter: TicketFilter) {
  tickets(first: 50, filter: $filter, orderBy: { field: CREATED_AT, direction: ASC }) {
    nodes {
      externalId firstResponseBusinessSeconds resolutionBusinessSeconds
      sla { policy { externalId } firstResponseDueAt firstResponseStatus resolutionDueAt resolutionStatus }
    }
  }
}`;

const weekdays = (start: string, end: string) =>
  ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((weekday) => ({ weekday, start, end }));

function ticket(externalId: string, fields: Partial<TicketInput> & Pick<TicketInput, 'createdAt'>): TicketInput {
  return { externalId, channel: 'EMAIL', priority: 'NORMAL', status: 'OPEN', teamExternalId: 'team-a', ...fields };
}

interface TicketSlaNode {
  externalId: string;
  firstResponseBusinessSeconds: number | null;
  resolutionBusinessSeconds: number | null;
  sla: { policy: { externalId: string }; firstResponseDueAt: string | null; firstResponseStatus: string | null } | null;
}

async function slaOf(externalId: string): Promise<TicketSlaNode | undefined> {
  const res = await client.query(TICKET_SLA);
  expect(res.errors).toBeUndefined();
  return (res.data.tickets.nodes as TicketSlaNode[]).find((n) => n.externalId === externalId);
}

/** Runs a document against the schema as a given viewer (the test server is always an unrestricted admin). */
async function runAs(viewer: Viewer, document: string, variables: Record<string, unknown> = {}) {
  const contextValue: Context = { db, viewer, requestId: randomUUID(), loaders: new Map() };
  return execute({ schema: buildSchema(), document: parse(document), variableValues: variables, contextValue });
}

describe('calendars, policies and ticket SLA through GraphQL', () => {
  it('stores a calendar (no tickets to recompute yet) and lists it', async () => {
    const res = await client.query(UPSERT_CALENDAR, {
      input: {
        externalId: 'berlin',
        name: 'Berlin office',
        timeZone: 'Europe/Berlin',
        hours: weekdays('09:00', '17:00'),
        holidays: [{ date: '2024-10-03', name: 'Tag der Deutschen Einheit' }],
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.upsertBusinessCalendar.ticketsRecomputed).toBe(0);
    expect(res.data.upsertBusinessCalendar.calendar.hours[0]).toEqual({ weekday: 'MONDAY', start: '09:00', end: '17:00' });
    expect(res.data.upsertBusinessCalendar.calendar.holidays).toEqual([{ date: '2024-10-03', name: 'Tag der Deutschen Einheit', start: null, end: null }]);
    const list = await client.query(`{ businessCalendars { externalId timeZone } }`);
    expect(list.data.businessCalendars).toEqual([{ externalId: 'berlin', timeZone: 'Europe/Berlin' }]);
  });

  it('stores a policy and computes SLA fields of tickets written through ingestion', async () => {
    const res = await client.query(UPSERT_POLICY, {
      input: { externalId: 'normal', name: 'Normal', priorities: ['NORMAL'], calendarExternalId: 'berlin', firstResponseMinutes: 60, resolutionMinutes: 960 },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.upsertSlaPolicy).toEqual({
      ticketsRecomputed: 0,
      policy: { externalId: 'normal', priorities: ['NORMAL'], channels: [], firstResponseMinutes: 60, resolutionMinutes: 960, calendar: { externalId: 'berlin' } },
    });
    await upsertTickets(db, [
      // Mon 10 Jun 16:30 CEST, reply 17:45, solved Tue 10:00 CEST.
      ticket('late-reply', { createdAt: new Date('2024-06-10T14:30:00Z'), firstResponseAt: new Date('2024-06-10T15:45:00Z'), solvedAt: new Date('2024-06-11T08:00:00Z'), status: 'SOLVED' }),
      // Sat 8 Jun 10:00 CEST (outside open hours), reply Mon 09:30 CEST.
      ticket('weekend', { createdAt: new Date('2024-06-08T08:00:00Z'), firstResponseAt: new Date('2024-06-10T07:30:00Z') }),
      // Mon 10 Jun 09:00 CEST, solved at 10:00 without any reply.
      ticket('no-reply', { createdAt: new Date('2024-06-10T07:00:00Z'), solvedAt: new Date('2024-06-10T08:00:00Z'), status: 'SOLVED' }),
      // Mon 10 Jun 09:00 CEST, never answered: breached while open.
      ticket('ignored', { createdAt: new Date('2024-06-10T07:00:00Z') }),
      // HIGH: no policy covers it.
      ticket('high', { priority: 'HIGH', createdAt: new Date('2024-06-07T16:00:00Z'), firstResponseAt: new Date('2024-06-10T08:00:00Z') }),
    ]);

    // FR due: Mon 16:30 + 30 min to closing + Tue 09:00-09:30 → Tue 09:30 CEST (07:30Z); reply Mon 17:45 in time.
    // Resolution due (16 h): Mon 0.5 + Tue 8 + Wed 7.5 → Wed 16:30 CEST (14:30Z); solved Tue 10:00 in time.
    // Business seconds: reply 16:30-17:00 = 1800; solve Mon 0.5 h + Tue 09-10 = 5400.
    expect(await slaOf('late-reply')).toEqual({
      externalId: 'late-reply',
      firstResponseBusinessSeconds: 1800,
      resolutionBusinessSeconds: 5400,
      sla: {
        policy: { externalId: 'normal' },
        firstResponseDueAt: '2024-06-11T07:30:00.000Z',
        firstResponseStatus: 'ACHIEVED',
        resolutionDueAt: '2024-06-12T14:30:00.000Z',
        resolutionStatus: 'ACHIEVED',
      },
    });
    // Created Saturday: the clock starts Monday 09:00; due 10:00 CEST (08Z); reply 09:30 = 1800 s.
    expect(await slaOf('weekend')).toMatchObject({
      firstResponseBusinessSeconds: 1800,
      sla: { firstResponseDueAt: '2024-06-10T08:00:00.000Z', firstResponseStatus: 'ACHIEVED' },
    });
    // The solve without a reply fulfils the first-response target (due 10:00 CEST = 08Z, solved 08Z).
    expect(await slaOf('no-reply')).toMatchObject({
      firstResponseBusinessSeconds: null,
      resolutionBusinessSeconds: 3600,
      sla: { firstResponseDueAt: '2024-06-10T08:00:00.000Z', firstResponseStatus: 'ACHIEVED', resolutionStatus: 'ACHIEVED' },
    });
    // Never answered: breached at the deadline, Mon 10:00 CEST; resolution (Mon 8 h + Tue 8 h) breached Tue 17:00.
    expect(await slaOf('ignored')).toMatchObject({
      sla: {
        firstResponseDueAt: '2024-06-10T08:00:00.000Z',
        firstResponseStatus: 'BREACHED',
        resolutionDueAt: '2024-06-11T15:00:00.000Z',
        resolutionStatus: 'BREACHED',
      },
    });
    // No policy: no sla, business seconds are calendar seconds (Fri 16Z → Mon 08Z = 64 h).
    expect(await slaOf('high')).toEqual({ externalId: 'high', firstResponseBusinessSeconds: 230400, resolutionBusinessSeconds: null, sla: null });
  });

  it('flips a ticket from achieved to breached when the calendar changes', async () => {
    const res = await client.query(UPSERT_CALENDAR, {
      input: { externalId: 'berlin', name: 'Berlin office (long days)', timeZone: 'Europe/Berlin', hours: weekdays('09:00', '20:00') },
    });
    expect(res.errors).toBeUndefined();
    // Every NORMAL ticket uses the calendar: late-reply, weekend, no-reply, ignored.
    expect(res.data.upsertBusinessCalendar.ticketsRecomputed).toBe(4);
    expect(res.data.upsertBusinessCalendar.calendar.holidays).toEqual([]);
    // Open until 20:00: FR due Mon 16:30 + 60 min = 17:30 CEST (15:30Z); the 17:45 reply is now late.
    // Reply business seconds 16:30-17:45 = 4500; solve: Mon 16:30-20:00 + Tue 09-10 = 4.5 h = 16200.
    // Resolution (16 h): Mon 3.5 + Tue 11 + Wed 1.5 → Wed 10:30 CEST (08:30Z); solved Tue 10:00 in time.
    expect(await slaOf('late-reply')).toEqual({
      externalId: 'late-reply',
      firstResponseBusinessSeconds: 4500,
      resolutionBusinessSeconds: 16200,
      sla: {
        policy: { externalId: 'normal' },
        firstResponseDueAt: '2024-06-10T15:30:00.000Z',
        firstResponseStatus: 'BREACHED',
        resolutionDueAt: '2024-06-12T08:30:00.000Z',
        resolutionStatus: 'ACHIEVED',
      },
    });
  });

  it('lets a channel-specific policy win, and falls back when it is deleted', async () => {
    await upsertTickets(db, [ticket('chat', { channel: 'CHAT', createdAt: new Date('2024-06-10T07:00:00Z'), firstResponseAt: new Date('2024-06-10T07:20:00Z') })]);
    expect((await slaOf('chat'))?.sla?.policy.externalId).toBe('normal');
    const res = await client.query(UPSERT_POLICY, {
      input: { externalId: 'normal-chat', name: 'Normal chat', priorities: ['NORMAL'], channels: ['CHAT'], firstResponseMinutes: 15 },
    });
    expect(res.errors).toBeUndefined();
    // Every NORMAL ticket is re-matched: the four EMAIL ones and chat.
    expect(res.data.upsertSlaPolicy.ticketsRecomputed).toBe(5);
    // 24/7: due 07:15Z; replied 07:20Z → breached; no resolution target.
    expect(await slaOf('chat')).toMatchObject({
      sla: { policy: { externalId: 'normal-chat' }, firstResponseDueAt: '2024-06-10T07:15:00.000Z', firstResponseStatus: 'BREACHED', resolutionDueAt: null, resolutionStatus: null },
    });

    const del = await client.query(`mutation { deleteSlaPolicy(externalId: "normal-chat") { ticketsRecomputed policy { externalId } } }`);
    expect(del.data.deleteSlaPolicy).toEqual({ ticketsRecomputed: 5, policy: { externalId: 'normal-chat' } });
    // Back on the Berlin policy (open 09-20): due Mon 09:00 + 60 min = 10:00 CEST (08Z); 09:20 reply in time.
    expect(await slaOf('chat')).toMatchObject({
      sla: { policy: { externalId: 'normal' }, firstResponseDueAt: '2024-06-10T08:00:00.000Z', firstResponseStatus: 'ACHIEVED' },
    });
    const missing = await client.query(`mutation { deleteSlaPolicy(externalId: "nope") { ticketsRecomputed policy { externalId } } }`);
    expect(missing.data.deleteSlaPolicy).toEqual({ ticketsRecomputed: 0, policy: null });
  });

  it('lists policies with their calendars, and calendars with their policies', async () => {
    const res = await client.query(`{ slaPolicies { externalId calendar { externalId policies { externalId } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.slaPolicies).toEqual([{ externalId: 'normal', calendar: { externalId: 'berlin', policies: [{ externalId: 'normal' }] } }]);
  });

  it('loads the policies of a page of tickets in one statement', async () => {
    const count = async (first: number) => {
      const before = db.statementCount();
      const res = await client.query(`{ tickets(first: ${first}) { nodes { sla { policy { name calendar { name } } } } } }`);
      expect(res.errors).toBeUndefined();
      return db.statementCount() - before;
    };
    expect(await count(1)).toBe(await count(6));
  });
});

describe('validation', () => {
  const calendar = (fields: Record<string, unknown>) =>
    client.query(UPSERT_CALENDAR, { input: { externalId: 'bad', name: 'Bad', timeZone: 'Europe/Berlin', hours: [], ...fields } });

  it('rejects overlapping intervals and empty ones, listing each', async () => {
    const res = await calendar({
      hours: [
        { weekday: 'MONDAY', start: '09:00', end: '17:00' },
        { weekday: 'MONDAY', start: '16:00', end: '18:00' },
        { weekday: 'SUNDAY', start: '08:00', end: '08:00' },
      ],
    });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toBe(
      'input.hours[2] (SUNDAY 08:00-08:00) is empty: end equals start. For an overnight shift make end earlier than start (22:00-06:00); ' +
        'to be open a whole day use two intervals such as 00:00-12:00 and 12:00-00:00, or no calendar for 24/7 (and 1 more problem)',
    );
    expect((res.errors?.[0].extensions?.errors as { field: string }[]).map((e) => e.field)).toEqual(['input.hours[2]', 'input.hours[1]']);
    // Nothing was stored.
    expect((await client.query(`{ businessCalendars { externalId } }`)).data.businessCalendars).toEqual([{ externalId: 'berlin' }]);
  });

  it('rejects an unknown time zone and malformed times', async () => {
    const zone = await calendar({ timeZone: 'Mars/Olympus' });
    expect(zone.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(zone.errors?.[0].message).toMatch(/input\.timeZone.*not a valid IANA time zone: Mars\/Olympus/);
    const time = await calendar({ hours: [{ weekday: 'MONDAY', start: '9:00', end: '17:00' }] });
    expect(time.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(time.errors?.[0].message).toMatch(/not a valid LocalTime: 9:00/);
    const holiday = await calendar({ holidays: [{ date: '2024-12-24', start: '17:00', end: '12:00' }] });
    expect(holiday.errors?.[0].message).toBe(
      'input.holidays[0] closes 2024-12-24 from 17:00 to 12:00: end must be after start on the same date (omit end to close until midnight)',
    );
  });

  it('rejects a policy that would tie with another, an unknown calendar and bad targets', async () => {
    const tie = await client.query(UPSERT_POLICY, { input: { externalId: 'other', name: 'Other', priorities: ['HIGH', 'NORMAL'], firstResponseMinutes: 10 } });
    expect(tie.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(tie.errors?.[0].message).toBe(
      'input: SLA policy "other" would cover the same tickets as "normal" (priority NORMAL on every channel); a ticket may match only one policy: change the priorities, name different channels, or edit the other policy first',
    );
    const cal = await client.query(UPSERT_POLICY, { input: { externalId: 'x', name: 'X', priorities: ['LOW'], calendarExternalId: 'nowhere' } });
    expect(cal.errors?.[0].message).toMatch(/^input\.calendarExternalId: no business calendar "nowhere"/);
    const minutes = await client.query(UPSERT_POLICY, { input: { externalId: 'x', name: 'X', priorities: ['LOW'], firstResponseMinutes: 0 } });
    expect(minutes.errors?.[0].message).toMatch(/^input\.firstResponseMinutes must be a whole number of minutes from 1 to 5260320/);
    const none = await client.query(UPSERT_POLICY, { input: { externalId: 'x', name: 'X', priorities: [] } });
    expect(none.errors?.[0].message).toBe('input.priorities must list at least one priority the policy covers');
    expect((await client.query(`{ slaPolicies { externalId } }`)).data.slaPolicies).toEqual([{ externalId: 'normal' }]);
  });

  it('lets only admins change SLA configuration', async () => {
    const res = await runAs({ role: 'ANALYST', teamIds: null, tokenName: 't', tokenId: 1 }, `mutation { deleteSlaPolicy(externalId: "normal") { ticketsRecomputed } }`);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('slaAtRisk', () => {
  const AT_RISK = `query($within: Duration!, $filter: TicketFilter, $first: Int) {
    slaAtRisk(within: $within, filter: $filter, first: $first) { ticket { externalId team { externalId } } target dueAt secondsLeft }
  }`;
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

  beforeAll(async () => {
    // Calendar-time policies so the deadlines are relative to now, whatever the hour.
    const res = await client.query(UPSERT_POLICY, {
      input: { externalId: 'urgent', name: 'Urgent', priorities: ['URGENT'], firstResponseMinutes: 30, resolutionMinutes: 240 },
    });
    expect(res.errors).toBeUndefined();
    await upsertTickets(db, [
      // FR due in 20 min.
      ticket('u-soon', { priority: 'URGENT', createdAt: minutesAgo(10) }),
      // Answered: next deadline is resolution, due in 4 h - 50 min = 190 min.
      ticket('u-answered', { priority: 'URGENT', createdAt: minutesAgo(50), firstResponseAt: minutesAgo(45), teamExternalId: 'team-b' }),
      // FR breached 10 min ago; resolution due in 200 min.
      ticket('u-late', { priority: 'URGENT', createdAt: minutesAgo(40) }),
      // Solved: nothing at risk.
      ticket('u-solved', { priority: 'URGENT', createdAt: minutesAgo(5), solvedAt: minutesAgo(1), status: 'SOLVED' }),
    ]);
  });

  it('lists open tickets whose next deadline is within the window, soonest first', async () => {
    const res = await client.query(AT_RISK, { within: 'PT4H' });
    expect(res.errors).toBeUndefined();
    const risks = res.data.slaAtRisk as { ticket: { externalId: string }; target: string; secondsLeft: number }[];
    expect(risks.map((r) => [r.ticket.externalId, r.target])).toEqual([
      ['u-soon', 'FIRST_RESPONSE'],
      ['u-answered', 'RESOLUTION'],
      ['u-late', 'RESOLUTION'],
    ]);
    // 20 min = 1200 s, less the moments the test took.
    expect(risks[0].secondsLeft).toBeGreaterThan(1100);
    expect(risks[0].secondsLeft).toBeLessThanOrEqual(1200);
    const narrow = await client.query(AT_RISK, { within: 'PT1H' });
    expect(narrow.data.slaAtRisk.map((r: { ticket: { externalId: string } }) => r.ticket.externalId)).toEqual(['u-soon']);
    const first = await client.query(AT_RISK, { within: 'P1D', first: 1 });
    expect(first.data.slaAtRisk).toHaveLength(1);
  });

  it('respects the filter and the viewer’s teams', async () => {
    const teams = await client.query(`{ teams { id externalId } }`);
    const teamB = teams.data.teams.find((t: { externalId: string }) => t.externalId === 'team-b');
    const filtered = await client.query(AT_RISK, { within: 'PT4H', filter: { teamIds: [teamB.id] } });
    expect(filtered.data.slaAtRisk.map((r: { ticket: { externalId: string } }) => r.ticket.externalId)).toEqual(['u-answered']);
    const teamBRow = await db.prisma.team.findUniqueOrThrow({ where: { externalId: 'team-b' } });
    const scoped = await runAs({ role: 'TEAM_LEAD', teamIds: [teamBRow.id], tokenName: 'lead', tokenId: 2 }, AT_RISK, { within: 'PT4H' });
    expect(scoped.errors).toBeUndefined();
    expect((scoped.data?.slaAtRisk as { ticket: { externalId: string } }[]).map((r) => r.ticket.externalId)).toEqual(['u-answered']);
  });

  it('reads a passed PENDING deadline as BREACHED', async () => {
    // Time passes without a recompute: the stored status is still PENDING.
    await db.driver.query(`UPDATE "Ticket" SET "firstResponseDueAt" = now() - interval '1 minute' WHERE "externalId" = 'u-soon'`);
    const [row] = await db.driver.query<{ s: string }>(`SELECT "firstResponseSlaStatus"::text AS s FROM "Ticket" WHERE "externalId" = 'u-soon'`);
    expect(row.s).toBe('PENDING');
    expect((await slaOf('u-soon'))?.sla?.firstResponseStatus).toBe('BREACHED');
    // A scheduled catch-up stores it; only that ticket had a passed PENDING deadline.
    expect(await markPassedDeadlines(db.driver)).toBe(1);
    const [after] = await db.driver.query<{ s: string }>(`SELECT "firstResponseSlaStatus"::text AS s FROM "Ticket" WHERE "externalId" = 'u-soon'`);
    expect(after.s).toBe('BREACHED');
  });

  it('rejects bad durations and page sizes', async () => {
    const bad = await client.query(AT_RISK, { within: 'two hours' });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const negative = await client.query(AT_RISK, { within: '-PT1H' });
    expect(negative.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const big = await client.query(AT_RISK, { within: 'PT1H', first: 500 });
    expect(big.errors?.[0].message).toMatch(/first: 500 is over the page size limit of 100/);
  });
});
