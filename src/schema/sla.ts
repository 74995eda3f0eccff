import DataLoader from 'dataloader';
import { DateTime, Duration } from 'luxon';
import { queryFromInfo } from '@pothos/plugin-prisma';
import { ticketFilterSql } from '../analytics/filter.ts';
import { badInput, userError } from '../errors.ts';
import { Prisma, type BusinessCalendar, type SlaPolicy, type Ticket } from '../generated/prisma/client.ts';
import { SlaStatus, type Channel, type Priority } from '../generated/prisma/enums.ts';
import { deleteSlaPolicy, upsertBusinessCalendar, upsertSlaPolicy } from '../sla/admin.ts';
import { calendarSpecFromRow } from '../sla/recompute.ts';
import { statusAsOf, type SlaStatusValue } from '../sla/ticket-sla.ts';
import { builder } from './builder.ts';
import { loaderFor, type Context } from './context.ts';
import { ChannelEnum, PriorityEnum, WeekdayEnum } from './enums.ts';
import { resolveTicketFilter, TicketFilterInput } from './filters.ts';
import { checkPageArgs } from './pagination.ts';
import { viewerScope } from './scope.ts';
import { TicketRef } from './tickets.ts';

function requireAdmin(ctx: Context, field: string): void {
  if (ctx.viewer.role !== 'ADMIN') {
    throw userError('FORBIDDEN', `${field} changes SLA configuration and needs the ADMIN role; this token has ${ctx.viewer.role}`, {
      requiredRole: 'ADMIN',
    });
  }
}

const calendarLoader = (ctx: Context) =>
  loaderFor(ctx, 'sla.calendarById', () =>
    new DataLoader<number, BusinessCalendar | null>(async (ids) => {
      const rows = await ctx.db.prisma.businessCalendar.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  );

const policyLoader = (ctx: Context) =>
  loaderFor(ctx, 'sla.policyById', () =>
    new DataLoader<number, SlaPolicy | null>(async (ids) => {
      const rows = await ctx.db.prisma.slaPolicy.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  );

// --- enums ---

/** Where an SLA target stands. */
export const SlaStatusEnum = builder.enumType('SlaStatus', {
  description: 'Where an SLA target stands.',
  values: {
    [SlaStatus.ACHIEVED]: { description: 'Fulfilled by its deadline.' },
    [SlaStatus.BREACHED]: { description: 'Fulfilled after its deadline, or the deadline passed unfulfilled.' },
    [SlaStatus.PENDING]: { description: 'Not fulfilled yet and the deadline is still ahead.' },
  } as const,
});

/** The two targets of an SLA policy. */
export const SlaTargetEnum = builder.enumType('SlaTarget', {
  description: 'An SLA target kind.',
  values: {
    FIRST_RESPONSE: { description: 'First public agent reply (a solve without any reply also fulfils it).' },
    RESOLUTION: { description: 'Solve.' },
  } as const,
});

// --- calendars ---

type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

interface OpenIntervalShape {
  weekday: number;
  start: string;
  end: string;
}

interface HolidayShape {
  date: string;
  name?: string | null;
  start?: string | null;
  end?: string | null;
}

const OpenIntervalRef = builder.objectRef<OpenIntervalShape>('OpenInterval').implement({
  description: 'A weekly open interval in the calendar’s time zone; end <= start is an overnight shift ending the next day.',
  fields: (t) => ({
    weekday: t.field({ type: WeekdayEnum, description: 'Day the interval starts on.', resolve: (i) => i.weekday as IsoWeekday }),
    start: t.field({ type: 'LocalTime', description: 'Local opening time.', resolve: (i) => i.start }),
    end: t.field({
      type: 'LocalTime',
      description: 'Local closing time; not after start means the next day (00:00: midnight).',
      resolve: (i) => i.end,
    }),
  }),
});

const HolidayRef = builder.objectRef<HolidayShape>('Holiday').implement({
  description: 'A date (in the calendar’s time zone) on which the calendar is closed, whole or in part.',
  fields: (t) => ({
    date: t.field({ type: 'LocalDate', description: 'The local date.', resolve: (h) => h.date }),
    name: t.string({ nullable: true, description: 'What the holiday is.', resolve: (h) => h.name ?? null }),
    start: t.field({
      type: 'LocalTime',
      nullable: true,
      description: 'Closed from this local time; null: from midnight.',
      resolve: (h) => h.start ?? null,
    }),
    end: t.field({
      type: 'LocalTime',
      nullable: true,
      description: 'Closed until this local time; null: until the end of the day.',
      resolve: (h) => h.end ?? null,
    }),
  }),
});

/** Business hours: a time zone, weekly open intervals and holidays. */
export const BusinessCalendarRef = builder.prismaNode('BusinessCalendar', {
  id: { field: 'id' },
  description:
    'Business hours: open intervals per weekday and holidays in one IANA time zone. SLA policies that use it count business time only while it is open.',
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: 'Your id for the calendar (upsert key).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    timeZone: t.expose('timeZone', { type: 'TimeZone', description: 'The IANA zone its local times are in.' }),
    hours: t.field({
      type: [OpenIntervalRef],
      description: 'Weekly open intervals; empty: never open.',
      resolve: (c) => calendarSpecFromRow(c).hours,
    }),
    holidays: t.field({
      type: [HolidayRef],
      description: 'Closed dates, by date.',
      resolve: (c) => calendarSpecFromRow(c).holidays ?? [],
    }),
    policies: t.relation('slaPolicies', {
      description: 'SLA policies that count time in this calendar.',
      query: { orderBy: [{ externalId: 'asc' }] },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first stored.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last changed.' }),
  }),
});

/** A set of SLA targets for the tickets of some priorities (and channels). */
export const SlaPolicyRef = builder.prismaNode('SlaPolicy', {
  id: { field: 'id' },
  description:
    'SLA targets for tickets of the listed priorities (and channels). A policy naming the ticket’s channel beats one naming none; policies of equal specificity may not overlap, so each ticket has at most one.',
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: 'Your id for the policy (upsert key).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    priorities: t.expose('priorities', { type: [PriorityEnum], description: 'Ticket priorities it covers.' }),
    channels: t.expose('channels', { type: [ChannelEnum], description: 'Channels it is limited to; empty: every channel.' }),
    calendar: t.field({
      type: BusinessCalendarRef,
      nullable: true,
      description: 'The calendar its targets count in; null: calendar time (24/7).',
      resolve: (p, _args, ctx) => (p.calendarId === null ? null : calendarLoader(ctx).load(p.calendarId)),
    }),
    firstResponseMinutes: t.exposeInt('firstResponseMinutes', {
      nullable: true,
      description: 'First-response target in (business) minutes after creation; null: no target.',
    }),
    resolutionMinutes: t.exposeInt('resolutionMinutes', {
      nullable: true,
      description: 'Resolution target in (business) minutes after creation; null: no target.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first stored.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last changed.' }),
  }),
});

// --- ticket SLA ---

interface TicketSlaShape {
  policyId: number;
  firstResponseDueAt: Date | null;
  firstResponseSlaStatus: SlaStatusValue | null;
  resolutionDueAt: Date | null;
  resolutionSlaStatus: SlaStatusValue | null;
}

const TicketSlaRef = builder.objectRef<TicketSlaShape>('TicketSla').implement({
  description: 'A ticket’s SLA policy, deadlines and where each target stands now.',
  fields: (t) => ({
    policy: t.field({
      type: SlaPolicyRef,
      description: 'The policy covering the ticket.',
      resolve: async (s, _args, ctx) => {
        const policy = await policyLoader(ctx).load(s.policyId);
        if (!policy) throw new Error(`SLA policy ${s.policyId} vanished while reading`);
        return policy;
      },
    }),
    firstResponseDueAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'First-response deadline (business time of the policy calendar); null: no such target.',
      resolve: (s) => s.firstResponseDueAt,
    }),
    firstResponseStatus: t.field({
      type: SlaStatusEnum,
      nullable: true,
      description: 'First-response target status now (a passed, unfulfilled deadline reads BREACHED); null: no such target.',
      resolve: (s) => statusAsOf(s.firstResponseSlaStatus, s.firstResponseDueAt, new Date()),
    }),
    resolutionDueAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Resolution deadline; null: no such target.',
      resolve: (s) => s.resolutionDueAt,
    }),
    resolutionStatus: t.field({
      type: SlaStatusEnum,
      nullable: true,
      description: 'Resolution target status now (a passed, unsolved deadline reads BREACHED); null: no such target.',
      resolve: (s) => statusAsOf(s.resolutionSlaStatus, s.resolutionDueAt, new Date()),
    }),
  }),
});

builder.prismaObjectField('Ticket', 'sla', (t) =>
  t.field({
    type: TicketSlaRef,
    nullable: true,
    description: 'The ticket’s SLA policy, deadlines and statuses; null when no policy covers the ticket or the SLA is not computed yet (slaState tells which).',
    select: {
      slaPolicyId: true,
      firstResponseDueAt: true,
      firstResponseSlaStatus: true,
      resolutionDueAt: true,
      resolutionSlaStatus: true,
    },
    resolve: (ticket) =>
      ticket.slaPolicyId === null
        ? null
        : {
            policyId: ticket.slaPolicyId,
            firstResponseDueAt: ticket.firstResponseDueAt,
            firstResponseSlaStatus: ticket.firstResponseSlaStatus,
            resolutionDueAt: ticket.resolutionDueAt,
            resolutionSlaStatus: ticket.resolutionSlaStatus,
          },
  }),
);

/** Whether a ticket's SLA columns can be trusted, and whether a policy covers it. */
export const SlaStateEnum = builder.enumType('SlaState', {
  description: 'Where a ticket stands with SLA computation: covered by a policy, covered by none, or not computed yet.',
  values: {
    COVERED: { description: 'Computed: a policy covers the ticket (see Ticket.sla).' },
    NO_POLICY: { description: 'Computed: no policy matches the ticket (Ticket.sla is null for that reason).' },
    NOT_COMPUTED: {
      description:
        'Never computed (a bulk load that bypassed ingestion): deadlines and business seconds are not known yet; the server computes these at start. Counted in Metrics.sla.notComputed, never as "no policy".',
    },
  } as const,
});

builder.prismaObjectField('Ticket', 'slaState', (t) =>
  t.field({
    type: SlaStateEnum,
    description: 'Whether the SLA columns are computed and whether a policy covers the ticket, so "not computed" is never read as "no policy".',
    select: { slaPolicyId: true, slaComputedAt: true },
    resolve: (ticket) => (ticket.slaComputedAt === null ? 'NOT_COMPUTED' : ticket.slaPolicyId === null ? 'NO_POLICY' : 'COVERED'),
  }),
);

// --- at risk ---

interface SlaRiskShape {
  ticketId: number;
  target: 'FIRST_RESPONSE' | 'RESOLUTION';
  dueAt: Date;
  secondsLeft: number;
  ticket: Ticket;
}

const SlaRiskRef = builder.objectRef<SlaRiskShape>('SlaRisk').implement({
  description: 'An open ticket whose next SLA deadline is near.',
  fields: (t) => ({
    ticket: t.field({
      type: TicketRef,
      description: 'The ticket.',
      resolve: (r) => r.ticket,
    }),
    target: t.field({ type: SlaTargetEnum, description: 'Which target is due next.', resolve: (r) => r.target }),
    dueAt: t.field({ type: 'DateTime', description: 'Its deadline.', resolve: (r) => r.dueAt }),
    secondsLeft: t.int({ description: 'Whole seconds from now until the deadline.', resolve: (r) => r.secondsLeft }),
  }),
});

// --- inputs ---

const OpenIntervalInput = builder.inputType('OpenIntervalInput', {
  description: 'A weekly open interval; end <= start is an overnight shift ending the next day (00:00: midnight).',
  fields: (t) => ({
    weekday: t.field({ type: WeekdayEnum, required: true, description: 'Day the interval starts on.' }),
    start: t.field({ type: 'LocalTime', required: true, description: 'Local opening time.' }),
    end: t.field({ type: 'LocalTime', required: true, description: 'Local closing time; must differ from start.' }),
  }),
});

const HolidayInput = builder.inputType('HolidayInput', {
  description: 'A closed date; without start/end the whole day is closed.',
  fields: (t) => ({
    date: t.field({ type: 'LocalDate', required: true, description: 'The local date.' }),
    name: t.string({ description: 'What the holiday is.' }),
    start: t.field({ type: 'LocalTime', description: 'Closed from this local time (default: midnight).' }),
    end: t.field({ type: 'LocalTime', description: 'Closed until this local time (default: end of day); after start.' }),
  }),
});

const BusinessCalendarInput = builder.inputType('BusinessCalendarInput', {
  description: 'A business calendar to create or replace (matched by externalId).',
  fields: (t) => ({
    externalId: t.string({ required: true, description: 'Your id for the calendar.' }),
    name: t.string({ required: true, description: 'Display name.' }),
    timeZone: t.field({ type: 'TimeZone', required: true, description: 'IANA zone of the local times.' }),
    hours: t.field({
      type: [OpenIntervalInput],
      required: true,
      description: 'Weekly open intervals, which may touch but not overlap; empty: never open (no calendar at all: 24/7).',
    }),
    holidays: t.field({ type: [HolidayInput], description: 'Closed dates (replaces the stored list).' }),
  }),
});

const SlaPolicyInput = builder.inputType('SlaPolicyInput', {
  description: 'An SLA policy to create or replace (matched by externalId).',
  fields: (t) => ({
    externalId: t.string({ required: true, description: 'Your id for the policy.' }),
    name: t.string({ required: true, description: 'Display name.' }),
    priorities: t.field({ type: [PriorityEnum], required: true, description: 'Ticket priorities it covers (at least one).' }),
    channels: t.field({
      type: [ChannelEnum],
      description: 'Limit to these channels; absent: every channel. A policy naming the ticket’s channel beats one that does not.',
    }),
    calendarExternalId: t.string({ description: 'Calendar its targets count in; absent: calendar time (24/7).' }),
    firstResponseMinutes: t.int({ description: 'First-response target in minutes; absent: none.' }),
    resolutionMinutes: t.int({ description: 'Resolution target in minutes; absent: none.' }),
  }),
});

interface CalendarResultShape {
  calendar: BusinessCalendar;
  ticketsRecomputed: number;
}
interface PolicyResultShape {
  policy: SlaPolicy | null;
  ticketsRecomputed: number;
}

const BusinessCalendarResultRef = builder.objectRef<CalendarResultShape>('BusinessCalendarResult').implement({
  description: 'The stored calendar and how many tickets’ SLA fields were recomputed.',
  fields: (t) => ({
    calendar: t.field({ type: BusinessCalendarRef, description: 'The calendar as stored.', resolve: (r) => r.calendar }),
    ticketsRecomputed: t.exposeInt('ticketsRecomputed', {
      description: 'Tickets whose policy uses this calendar, all of which were recomputed.',
    }),
  }),
});

const SlaPolicyResultRef = builder.objectRef<PolicyResultShape>('SlaPolicyResult').implement({
  description: 'The policy (as stored, or as it was before deletion) and how many tickets were recomputed.',
  fields: (t) => ({
    policy: t.field({
      type: SlaPolicyRef,
      nullable: true,
      description: 'The policy; null when deleting one that did not exist.',
      resolve: (r) => r.policy,
    }),
    ticketsRecomputed: t.exposeInt('ticketsRecomputed', {
      description: 'Tickets the policy covers or covered (by priority), all of which were recomputed.',
    }),
  }),
});

// --- queries ---

const OPEN_STATUSES = ['NEW', 'OPEN', 'PENDING', 'ON_HOLD'];

function parseWithin(value: string): Duration {
  const d = Duration.fromISO(value);
  if (!d.isValid) {
    throw badInput(`within "${value}" is not an ISO 8601 duration; write for example PT2H or P1D`, { argument: 'within' });
  }
  if (!(DateTime.utc().plus(d).toMillis() > Date.now())) {
    throw badInput(`within "${value}" must be a positive duration such as PT2H`, { argument: 'within' });
  }
  return d;
}

builder.queryFields((t) => ({
  businessCalendars: t.prismaField({
    type: ['BusinessCalendar'],
    description: 'Every business calendar, by externalId.',
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.businessCalendar.findMany({ ...query, orderBy: [{ externalId: 'asc' }] }),
  }),
  slaPolicies: t.prismaField({
    type: ['SlaPolicy'],
    description: 'Every SLA policy, by externalId.',
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.slaPolicy.findMany({ ...query, orderBy: [{ externalId: 'asc' }] }),
  }),
  slaAtRisk: t.field({
    type: [SlaRiskRef],
    description:
      'Open tickets (NEW, OPEN, PENDING, ON_HOLD) the viewer may see whose next unfulfilled SLA deadline is still ahead but within `within` from now, soonest first, at most `first` (100 max).',
    args: {
      within: t.arg({ type: 'Duration', required: true, description: 'How far ahead to look (ISO 8601, e.g. PT2H).' }),
      filter: t.arg({ type: TicketFilterInput, description: 'Which tickets to consider.' }),
      first: t.arg.int({ defaultValue: 50, description: 'How many to return (at most 100).' }),
    },
    resolve: async (_root, args, ctx, info) => {
      const first = args.first ?? 50;
      checkPageArgs({ first });
      const within = parseWithin(args.within);
      const spec = await resolveTicketFilter(ctx, args.filter);
      const now = new Date();
      const until = DateTime.fromJSDate(now, { zone: 'utc' }).plus(within).toJSDate();
      const where = ticketFilterSql(spec, viewerScope(ctx), 't');
      // Each branch is a range scan on its deadline index; a ticket's next deadline is its earliest one.
      const rows = await ctx.db.prisma.$queryRaw<{ id: number; target: 'FIRST_RESPONSE' | 'RESOLUTION'; due: Date }[]>(Prisma.sql`
        WITH cand AS (
          SELECT t.id, 'FIRST_RESPONSE' AS target, t."firstResponseDueAt" AS due
            FROM "Ticket" t
           WHERE t."firstResponseDueAt" > ${now} AND t."firstResponseDueAt" <= ${until}
             AND t."firstResponseAt" IS NULL AND t."solvedAt" IS NULL
             AND t.status::text = ANY(${OPEN_STATUSES}::text[]) AND ${where}
          UNION ALL
          SELECT t.id, 'RESOLUTION' AS target, t."resolutionDueAt" AS due
            FROM "Ticket" t
           WHERE t."resolutionDueAt" > ${now} AND t."resolutionDueAt" <= ${until}
             AND t."solvedAt" IS NULL
             AND t.status::text = ANY(${OPEN_STATUSES}::text[]) AND ${where}
        ),
        next AS (SELECT DISTINCT ON (id) id, target, due FROM cand ORDER BY id, due, target)
        SELECT id, target, due FROM next ORDER BY due, id LIMIT ${first}`);
      if (rows.length === 0) return [];
      const query = queryFromInfo({ context: ctx, info, typeName: 'Ticket', path: ['ticket'] });
      const tickets = await ctx.db.prisma.ticket.findMany({ ...query, where: { id: { in: rows.map((r) => r.id) } } });
      const byId = new Map<number, Ticket>(tickets.map((tk) => [tk.id, tk]));
      // A ticket deleted between the two statements is left out.
      return rows.flatMap((r) => {
        const ticket = byId.get(r.id);
        return ticket
          ? [{ ticketId: r.id, target: r.target, dueAt: r.due, secondsLeft: Math.floor((r.due.getTime() - now.getTime()) / 1000), ticket }]
          : [];
      });
    },
  }),
}));

// --- mutations ---

builder.mutationFields((t) => ({
  upsertBusinessCalendar: t.field({
    type: BusinessCalendarResultRef,
    description:
      'Creates or replaces a business calendar and recomputes, in the database, the SLA deadlines, statuses and business seconds of every ticket whose policy uses it. ADMIN only.',
    args: { input: t.arg({ type: BusinessCalendarInput, required: true, description: 'The calendar.' }) },
    resolve: async (_root, { input }, ctx) => {
      requireAdmin(ctx, 'upsertBusinessCalendar');
      const { calendarId, ticketsRecomputed } = await upsertBusinessCalendar(ctx.db, {
        externalId: input.externalId,
        name: input.name,
        timeZone: input.timeZone,
        hours: input.hours.map((h) => ({ weekday: h.weekday, start: h.start, end: h.end })),
        holidays: (input.holidays ?? []).map((h) => ({ date: h.date, name: h.name, start: h.start, end: h.end })),
      });
      const calendar = await ctx.db.prisma.businessCalendar.findUniqueOrThrow({ where: { id: calendarId } });
      return { calendar, ticketsRecomputed };
    },
  }),
  upsertSlaPolicy: t.field({
    type: SlaPolicyResultRef,
    description:
      'Creates or replaces an SLA policy and recomputes the tickets of its (old and new) priorities. Rejects a policy that would tie with another for some priority and channel. ADMIN only.',
    args: { input: t.arg({ type: SlaPolicyInput, required: true, description: 'The policy.' }) },
    resolve: async (_root, { input }, ctx) => {
      requireAdmin(ctx, 'upsertSlaPolicy');
      const { policy, ticketsRecomputed } = await upsertSlaPolicy(ctx.db, {
        externalId: input.externalId,
        name: input.name,
        priorities: input.priorities as Priority[],
        channels: (input.channels ?? null) as Channel[] | null,
        calendarExternalId: input.calendarExternalId,
        firstResponseMinutes: input.firstResponseMinutes,
        resolutionMinutes: input.resolutionMinutes,
      });
      return { policy, ticketsRecomputed };
    },
  }),
  deleteSlaPolicy: t.field({
    type: SlaPolicyResultRef,
    description:
      'Deletes an SLA policy and recomputes the tickets it covered (another policy may now cover them). Unknown externalId: policy null, nothing recomputed. ADMIN only.',
    args: { externalId: t.arg.string({ required: true, description: 'The policy’s externalId.' }) },
    resolve: async (_root, { externalId }, ctx) => {
      requireAdmin(ctx, 'deleteSlaPolicy');
      return deleteSlaPolicy(ctx.db, externalId);
    },
  }),
}));
