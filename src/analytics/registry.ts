import { Prisma } from '../generated/prisma/client.ts';

/**
 * The event sources a metric can be computed from. Each is one CTE in the compiled
 * statement: the rows whose event time falls in the range, grouped by bucket.
 * In the SQL fragments below, `t` is the ticket row and `f` the feedback row.
 */
export type EventSource =
  | 'created'
  | 'solved'
  | 'firstResponse'
  | 'feedback'
  | 'slaFirstResponse'
  | 'slaResolution'
  | 'firstSolve'
  | 'reopenReply'
  | 'reply'
  | 'nextReply'
  | 'surveySent'
  | 'backlogEnd';

/** What an event source counts and which instant places a row in a bucket. */
export interface SourceDefinition {
  name: EventSource;
  /** The instant that places a row in a bucket, for docs. */
  eventTime: string;
}

/** Every event source, in the order the compiler emits its CTE. */
export const SOURCES: readonly SourceDefinition[] = [
  { name: 'created', eventTime: 'Ticket.createdAt' },
  { name: 'solved', eventTime: 'Ticket.solvedAt (latest solve)' },
  { name: 'firstResponse', eventTime: 'Ticket.firstResponseAt' },
  { name: 'feedback', eventTime: 'Feedback.createdAt' },
  {
    name: 'slaFirstResponse',
    eventTime: 'decision time: first response (or solve, if earlier) when met, else firstResponseDueAt',
  },
  { name: 'slaResolution', eventTime: 'decision time: solvedAt when met, else resolutionDueAt' },
  { name: 'firstSolve', eventTime: 'Ticket.firstSolvedAt (the first solve, from events)' },
  { name: 'reopenReply', eventTime: 'Ticket.reopenReplyAt (the first public agent reply after the first reopen)' },
  { name: 'reply', eventTime: 'TicketEvent.occurredAt of the public agent reply' },
  { name: 'nextReply', eventTime: 'TicketEvent.occurredAt of the agent reply that answers' },
  { name: 'surveySent', eventTime: 'TicketEvent.occurredAt of the SURVEY_SENT event' },
  { name: 'backlogEnd', eventTime: 'the end of the bucket (a state: tickets open at that instant)' },
];

/**
 * Sources that are a state at each bucket's end rather than events in it: their rows are
 * (bucket end `be.end_at`, ticket open then); range totals read the state at the range end.
 */
export const STATE_SOURCES: ReadonlySet<EventSource> = new Set<EventSource>(['backlogEnd']);

/** How a number reads when its bucket has no rows: a count is 0, an average or rate is null. */
export type EmptyValue = 'zero' | 'null';

/** One number in the Metrics tree, computed by one SQL aggregate over one source. */
export interface MetricLeaf {
  kind: 'leaf';
  name: string;
  /** Column header text in CSV/XLSX exports, without the unit (e.g. `median`, `Tickets created`). */
  label: string;
  description: string;
  unit: string;
  type: 'Int' | 'Float';
  empty: EmptyValue;
  source: EventSource;
  /** Aggregate over the source's rows (aliases `t`, `f`); must yield int4 or float8. */
  sql: Prisma.Sql;
  /**
   * A state instead of a flow: the rows open at each bucket's end, i.e. those open at
   * the range start plus the running sum of rows entering (by `entering`'s event time)
   * minus rows leaving (by `leaving`'s). Requires leaving time >= entering time, which
   * ingestion enforces (a ticket cannot be solved before it was created). `source` and
   * `sql` are unused for a stock.
   */
  stock?: { entering: EventSource; leaving: EventSource; eventTime: string };
}

/** An object of related numbers (DurationStats, CsatStats, ...). */
export interface MetricGroup {
  kind: 'group';
  name: string;
  /** Header text its leaves' export columns start with (`First response time` + `, median`). */
  label: string;
  description: string;
  unit: string;
  /** The GraphQL object type; groups sharing a type have the same children. */
  typeName: string;
  typeDescription: string;
  children: MetricNode[];
}

/** A node of the Metrics tree. */
export type MetricNode = MetricLeaf | MetricGroup;

/** A leaf with its dotted path in the tree, e.g. `firstResponseTime.median`. */
export interface MeasureEntry {
  path: string;
  leaf: MetricLeaf;
}

const count = (name: string, label: string, description: string, source: EventSource, sql = Prisma.sql`count(*)::int`): MetricLeaf => ({
  kind: 'leaf',
  name,
  label,
  description,
  unit: 'tickets',
  type: 'Int',
  empty: 'zero',
  source,
  sql,
});

/** A fraction of a source's rows matching `condition`; null when the source has no rows. */
const rate = (name: string, label: string, description: string, source: EventSource, condition: Prisma.Sql): MetricLeaf => ({
  kind: 'leaf',
  name,
  label,
  description,
  unit: 'fraction 0..1',
  type: 'Float',
  empty: 'null',
  source,
  sql: Prisma.sql`((count(*) FILTER (WHERE ${condition}))::float8 / NULLIF(count(*), 0))`,
});

/** count/avg/median/p90/min/max of a duration in seconds (null durations are left out). */
const duration = (name: string, label: string, description: string, source: EventSource, seconds: Prisma.Sql): MetricGroup => {
  const v = Prisma.sql`(${seconds})`;
  const stat = (statName: string, statLabel: string, statDescription: string, sql: Prisma.Sql, type: 'Int' | 'Float' = 'Float'): MetricLeaf => ({
    kind: 'leaf',
    name: statName,
    label: statLabel,
    description: statDescription,
    unit: type === 'Int' ? 'tickets' : 'seconds',
    type,
    empty: type === 'Int' ? 'zero' : 'null',
    source,
    sql,
  });
  return {
    kind: 'group',
    name,
    label,
    description,
    unit: 'seconds',
    typeName: 'DurationStats',
    typeDescription: 'Statistics of a duration in seconds over the tickets whose event falls in the bucket.',
    children: [
      stat('count', 'count', 'Tickets with a duration (those without one are left out, never counted as 0).', Prisma.sql`count(${v})::int`, 'Int'),
      // Summed in whole microseconds (exact integers), so the mean is the same whether it
      // is computed from the rows or from hourly rollups (src/analytics/rollups/).
      stat(
        'avg',
        'mean',
        'Mean duration in seconds (durations summed exactly in whole microseconds); null without tickets.',
        Prisma.sql`(sum(round(${v} * 1000000)::bigint)::float8 / 1000000 / NULLIF(count(${v}), 0))`,
      ),
      stat('median', 'median', 'Median in seconds: exact (percentile_cont 0.5, interpolated) when the read asks exact: true or the raw path answers; otherwise from hourly log-binned histograms, within 1 % of the exact value (extensions.analyticsPaths says which path); null without tickets.', Prisma.sql`percentile_cont(0.5) WITHIN GROUP (ORDER BY ${v})`),
      stat('p90', 'p90', '90th percentile in seconds: exact (percentile_cont 0.9, interpolated) when the read asks exact: true or the raw path answers; otherwise from hourly log-binned histograms, within 1 % of the exact value (extensions.analyticsPaths says which path); null without tickets.', Prisma.sql`percentile_cont(0.9) WITHIN GROUP (ORDER BY ${v})`),
      stat('p75', 'p75', '75th percentile in seconds, exact (percentile_cont 0.75, interpolated); null without tickets.', Prisma.sql`percentile_cont(0.75) WITHIN GROUP (ORDER BY ${v})`),
      stat('p95', 'p95', '95th percentile in seconds, exact (percentile_cont 0.95, interpolated); null without tickets.', Prisma.sql`percentile_cont(0.95) WITHIN GROUP (ORDER BY ${v})`),
      stat('p99', 'p99', '99th percentile in seconds, exact (percentile_cont 0.99, interpolated); null without tickets.', Prisma.sql`percentile_cont(0.99) WITHIN GROUP (ORDER BY ${v})`),
      stat('min', 'min', 'Shortest duration in seconds; null without tickets.', Prisma.sql`min(${v})::float8`),
      stat('max', 'max', 'Longest duration in seconds; null without tickets.', Prisma.sql`max(${v})::float8`),
    ],
  };
};

const epochSeconds = (later: string, earlier: string) =>
  Prisma.raw(`EXTRACT(EPOCH FROM (t."${later}" - t."${earlier}"))::float8`);

/** SLA outcome counts for one target, decided by `fulfilled <= due`. */
const slaTarget = (name: string, label: string, description: string, source: EventSource, fulfilled: Prisma.Sql, due: Prisma.Sql): MetricGroup => {
  // At a bucket's end (`be.end_at`, over the tickets open then): a target not decided yet
  // (not fulfilled and its deadline still ahead), and of those the ones due within an hour.
  const pendingAtEnd = Prisma.sql`(${due} IS NOT NULL AND ${due} > be.end_at AND (${fulfilled} IS NULL OR ${fulfilled} > be.end_at))`;
  const overrun = duration(
    'overrun',
    'overrun',
    'How late breached targets were: fulfilment (or, still unfulfilled, now) minus the deadline, in seconds; placed like breached. Met targets are left out.',
    source,
    Prisma.sql`CASE WHEN NOT (${fulfilled} IS NOT NULL AND ${fulfilled} <= ${due}) THEN EXTRACT(EPOCH FROM (COALESCE(${fulfilled}, qn.now_at) - ${due}))::float8 END`,
  );
  // The source only holds decided targets; a fulfilment after the deadline is a breach,
  // and so is a deadline that passed with no fulfilment.
  const achieved = Prisma.sql`(${fulfilled} IS NOT NULL AND ${fulfilled} <= ${due})`;
  const achievedCount = Prisma.sql`(count(*) FILTER (WHERE ${achieved}))`;
  return {
    kind: 'group',
    name,
    label,
    description,
    unit: 'tickets',
    typeName: 'SlaTargetStats',
    typeDescription: 'Outcomes of one SLA target, each placed in the bucket where it was decided.',
    children: [
      {
        kind: 'leaf',
        name: 'achieved',
        label: 'achieved',
        description: 'Targets met: fulfilled at or before the deadline.',
        unit: 'tickets',
        type: 'Int',
        empty: 'zero',
        source,
        sql: Prisma.sql`${achievedCount}::int`,
      },
      {
        kind: 'leaf',
        name: 'breached',
        label: 'breached',
        description: 'Targets missed: fulfilled after the deadline, or the deadline passed unfulfilled.',
        unit: 'tickets',
        type: 'Int',
        empty: 'zero',
        source,
        sql: Prisma.sql`(count(*) FILTER (WHERE NOT ${achieved}))::int`,
      },
      {
        kind: 'leaf',
        name: 'attainment',
        label: 'attainment',
        description: 'achieved / (achieved + breached), a fraction 0..1; null when no target was decided.',
        unit: 'fraction 0..1',
        type: 'Float',
        empty: 'null',
        source,
        sql: Prisma.sql`(${achievedCount}::float8 / NULLIF(count(*), 0))`,
      },
      {
        kind: 'leaf',
        name: 'pending',
        label: 'pending',
        description:
          "Targets still open at the bucket's end: the ticket is unsolved then, the target unfulfilled and its deadline ahead (a state; in totals, at the range end).",
        unit: 'tickets',
        type: 'Int',
        empty: 'zero',
        source: 'backlogEnd',
        sql: Prisma.sql`(count(*) FILTER (WHERE ${pendingAtEnd}))::int`,
      },
      {
        kind: 'leaf',
        name: 'atRisk',
        label: 'at risk',
        description: "Pending targets due within one hour after the bucket's end (a state; in totals, at the range end).",
        unit: 'tickets',
        type: 'Int',
        empty: 'zero',
        source: 'backlogEnd',
        sql: Prisma.sql`(count(*) FILTER (WHERE ${pendingAtEnd} AND ${due} <= be.end_at + interval '1 hour'))::int`,
      },
      overrun,
    ],
  };
};

const feedbackOf = (kind: 'CSAT' | 'NPS' | 'CES') => Prisma.raw(`f."kind" = '${kind}'`);
const responses = (kind: 'CSAT' | 'NPS' | 'CES', unit: string): MetricLeaf => ({
  kind: 'leaf',
  name: 'responses',
  label: 'responses',
  description: `${kind} survey responses received in the bucket.`,
  unit,
  type: 'Int',
  empty: 'zero',
  source: 'feedback',
  sql: Prisma.sql`(count(*) FILTER (WHERE ${feedbackOf(kind)}))::int`,
});
const feedbackLeaf = (name: string, label: string, description: string, unit: string, type: 'Int' | 'Float', sql: Prisma.Sql): MetricLeaf => ({
  kind: 'leaf',
  name,
  label,
  description,
  unit,
  type,
  empty: type === 'Int' ? 'zero' : 'null',
  source: 'feedback',
  sql,
});
const npsCount = (condition: string) => Prisma.raw(`(count(*) FILTER (WHERE f."kind" = 'NPS' AND ${condition}))`);

/**
 * THE metric registry: every field of the GraphQL `Metrics` type, declared once. The
 * schema, the SQL for a selection and the docs table are all generated from it.
 */
export const METRICS: readonly MetricNode[] = [
  count('ticketsCreated', 'Tickets created', 'Tickets created in the bucket (placed by createdAt).', 'created'),
  count('ticketsSolved', 'Tickets solved', 'Tickets whose latest solve falls in the bucket (placed by solvedAt).', 'solved'),
  {
    ...count(
      'backlog',
      'Backlog',
      'Unsolved tickets at the end of the bucket: created before the end and not solved, or solved at or after the end. A state, not a flow; in totals, the backlog at the end of the range.',
      'created',
    ),
    stock: { entering: 'created', leaving: 'solved', eventTime: 'the end of the bucket (a state: tickets open at that instant)' },
  },
  duration(
    'firstResponseTime',
    'First response time',
    'Seconds from creation to the first public agent reply (calendar time), placed by firstResponseAt. Tickets without a reply are left out.',
    'firstResponse',
    epochSeconds('firstResponseAt', 'createdAt'),
  ),
  duration(
    'firstResponseBusinessTime',
    'First response business time',
    "Seconds from creation to the first public agent reply counting only the open hours of the ticket's SLA calendar (24/7 without one, so equal to firstResponseTime), placed by firstResponseAt.",
    'firstResponse',
    Prisma.sql`COALESCE(t."firstResponseBusinessSeconds"::float8, ${epochSeconds('firstResponseAt', 'createdAt')})`,
  ),
  duration(
    'resolutionTime',
    'Resolution time',
    'Seconds from creation to the latest solve (calendar time), placed by solvedAt.',
    'solved',
    epochSeconds('solvedAt', 'createdAt'),
  ),
  duration(
    'resolutionBusinessTime',
    'Resolution business time',
    "Seconds from creation to the latest solve counting only the open hours of the ticket's SLA calendar (24/7 without one, so equal to resolutionTime), placed by solvedAt.",
    'solved',
    Prisma.sql`COALESCE(t."resolutionBusinessSeconds"::float8, ${epochSeconds('solvedAt', 'createdAt')})`,
  ),
  rate(
    'reopenRate',
    'Reopen rate',
    'Solved tickets that were reopened at least once / solved tickets, placed by solvedAt; a fraction 0..1, null with no solved tickets.',
    'solved',
    Prisma.sql`t."reopenCount" > 0`,
  ),
  rate(
    'oneTouchRate',
    'One-touch rate',
    'Solved tickets with exactly one public agent reply / solved tickets, placed by solvedAt; a fraction 0..1, null with no solved tickets.',
    'solved',
    Prisma.sql`t."agentReplies" = 1`,
  ),
  rate(
    'firstContactResolutionRate',
    'First contact resolution rate',
    'Solved tickets with exactly one public agent reply and never reopened / solved tickets, placed by solvedAt; a fraction 0..1, null with no solved tickets.',
    'solved',
    Prisma.sql`t."agentReplies" = 1 AND t."reopenCount" = 0`,
  ),
  rate(
    'escalationRate',
    'Escalation rate',
    'Created tickets that were escalated / created tickets, placed by createdAt; a fraction 0..1, null with no created tickets.',
    'created',
    Prisma.sql`t."escalated"`,
  ),
  count(
    'reopenedTickets',
    'Reopened tickets',
    'Solved tickets that were reopened at least once, placed by solvedAt (the count behind reopenRate).',
    'solved',
    Prisma.sql`(count(*) FILTER (WHERE t."reopenCount" > 0))::int`,
  ),
  count(
    'oneTouchTickets',
    'One-touch tickets',
    'Solved tickets with exactly one public agent reply, placed by solvedAt (the count behind oneTouchRate).',
    'solved',
    Prisma.sql`(count(*) FILTER (WHERE t."agentReplies" = 1))::int`,
  ),
  count(
    'firstContactResolvedTickets',
    'First contact resolved tickets',
    'Solved tickets with exactly one public agent reply and never reopened, placed by solvedAt (the count behind firstContactResolutionRate).',
    'solved',
    Prisma.sql`(count(*) FILTER (WHERE t."agentReplies" = 1 AND t."reopenCount" = 0))::int`,
  ),
  count(
    'escalatedTickets',
    'Escalated tickets',
    'Created tickets that were escalated, placed by createdAt (the count behind escalationRate).',
    'created',
    Prisma.sql`(count(*) FILTER (WHERE t."escalated"))::int`,
  ),
  {
    ...count(
      'replies',
      'Replies',
      "Public agent replies written in the bucket (TicketEvent AGENT_REPLY, public), placed by the reply's time; per agent, by the reply's author. Needs ticket events.",
      'reply',
    ),
    unit: 'replies',
  },
  {
    kind: 'leaf',
    name: 'repliesPerSolvedTicket',
    label: 'Replies per solved ticket',
    description: 'Public agent replies per ticket solved in the bucket (mean of agentReplies over those tickets), placed by solvedAt; null with no solved tickets.',
    unit: 'replies per ticket',
    type: 'Float',
    empty: 'null',
    source: 'solved',
    sql: Prisma.sql`avg(t."agentReplies")::float8`,
  },
  duration(
    'firstResolutionTime',
    'First resolution time',
    'Seconds from creation to the first solve (a reopened ticket keeps its first solve), placed by that first solve (Ticket.firstSolvedAt, derived from events; tickets whose events were never derived are left out).',
    'firstSolve',
    epochSeconds('firstSolvedAt', 'createdAt'),
  ),
  duration(
    'requesterWaitTime',
    'Requester wait time',
    'Seconds the ticket spent in NEW, OPEN or ON_HOLD (waiting on the support side) from creation to the latest solve, from status-change events (NEW from creation; SOLVE → SOLVED, REOPEN → OPEN), placed by solvedAt. Tickets without events are left out.',
    'solved',
    Prisma.sql`t."requesterWaitSeconds"`,
  ),
  duration(
    'onHoldTime',
    'On-hold time',
    'Seconds the ticket spent in ON_HOLD from creation to the latest solve, from status-change events, placed by solvedAt (0 for a ticket with events that was never on hold; tickets without events are left out).',
    'solved',
    Prisma.sql`t."onHoldSeconds"`,
  ),
  duration(
    'nextReplyTime',
    'Next reply time',
    "Seconds from a customer message to the next public agent reply, for every customer message after the first agent reply (several messages before one reply count once, from the first), placed by the answering reply; per agent, by that reply's author.",
    'nextReply',
    Prisma.sql`EXTRACT(EPOCH FROM (e."occurredAt" - nr.asked))::float8`,
  ),
  duration(
    'firstReplyAfterReopenTime',
    'First reply after reopen time',
    'Seconds from the first reopen to the first public agent reply after it, placed by that reply (Ticket.reopenReplyAt).',
    'reopenReply',
    epochSeconds('reopenReplyAt', 'firstReopenedAt'),
  ),
  duration(
    'backlogAge',
    'Backlog age',
    "Age in seconds (bucket end − createdAt) of the tickets open at the bucket's end, the backlog's tickets (a state; in totals, at the range end).",
    'backlogEnd',
    Prisma.sql`EXTRACT(EPOCH FROM (be.end_at - t."createdAt"))::float8`,
  ),
  {
    kind: 'group',
    name: 'backlogAging',
    label: 'Backlog by age',
    description: "The tickets open at the bucket's end by age (bucket end − createdAt): [0, 1 day), [1, 3 days), [3, 7 days), 7 days and more (a state; in totals, at the range end).",
    unit: 'tickets',
    typeName: 'BacklogAgingBands',
    typeDescription: "Open tickets at a bucket's end by age band; the bands add up to backlog.",
    children: (
      [
        ['underOneDay', 'under 1 day', 'Open tickets younger than 1 day.', `< interval '1 day'`],
        ['oneToThreeDays', '1 to 3 days', 'Open tickets aged 1 day or more and under 3 days.', `>= interval '1 day' AND be.end_at - t."createdAt" < interval '3 days'`],
        ['threeToSevenDays', '3 to 7 days', 'Open tickets aged 3 days or more and under 7 days.', `>= interval '3 days' AND be.end_at - t."createdAt" < interval '7 days'`],
        ['overSevenDays', '7 days or more', 'Open tickets aged 7 days or more.', `>= interval '7 days'`],
      ] as const
    ).map(([name, label, description, condition]) =>
      count(name, label, description, 'backlogEnd', Prisma.raw(`(count(*) FILTER (WHERE be.end_at - t."createdAt" ${condition}))::int`)),
    ),
  },
  count(
    'unassignedBacklog',
    'Unassigned backlog',
    "Tickets open at the bucket's end with no assignee. Assignment history is not kept per instant, so this reads the current assignee (a ticket assigned later counts as assigned at every past end).",
    'backlogEnd',
    Prisma.sql`(count(*) FILTER (WHERE t."assigneeId" IS NULL))::int`,
  ),
  {
    kind: 'group',
    name: 'surveys',
    label: 'Surveys',
    description: 'Satisfaction surveys sent in the bucket (SURVEY_SENT events), placed by the sending time. Only sources that report invitations have them.',
    unit: 'surveys',
    typeName: 'SurveyStats',
    typeDescription: 'Survey invitations and how many got an answer.',
    children: [
      count('sent', 'sent', 'Surveys sent in the bucket.', 'surveySent'),
      count(
        'responded',
        'responded',
        'Surveys sent in the bucket whose ticket got a survey response (any kind) at or after the sending time.',
        'surveySent',
        Prisma.sql`(count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "Feedback" sf WHERE sf."ticketId" = e."ticketId" AND sf."createdAt" >= e."occurredAt")))::int`,
      ),
      rate(
        'responseRate',
        'response rate',
        'responded / sent, a fraction 0..1, placed by the sending time; null where no survey was sent (surveys sent are known only from SURVEY_SENT events).',
        'surveySent',
        Prisma.sql`EXISTS (SELECT 1 FROM "Feedback" sf WHERE sf."ticketId" = e."ticketId" AND sf."createdAt" >= e."occurredAt")`,
      ),
    ],
  },
  {
    kind: 'group',
    name: 'sla',
    label: 'SLA',
    description:
      'SLA targets decided in the bucket: a met target is placed at its fulfilment, a missed one at its deadline; targets still pending (deadline ahead, unfulfilled) are in neither count.',
    unit: 'tickets',
    typeName: 'SlaStats',
    typeDescription: 'SLA outcomes per target kind.',
    children: [
      count(
        'notComputed',
        'not computed',
        'Tickets created in the bucket whose SLA columns were never computed (loaded around ingestion): their targets are unknown, not absent, so attainment may be incomplete while this is above 0. The server computes them at start. Placed by createdAt.',
        'created',
        Prisma.sql`(count(*) FILTER (WHERE t."slaComputedAt" IS NULL))::int`,
      ),
      slaTarget(
        'firstResponse',
        'first response',
        'First-response target (Ticket.firstResponseDueAt); fulfilled by the first public agent reply, or by a solve without a reply.',
        'slaFirstResponse',
        Prisma.sql`LEAST(t."firstResponseAt", t."solvedAt")`,
        Prisma.sql`t."firstResponseDueAt"`,
      ),
      slaTarget(
        'resolution',
        'resolution',
        'Resolution target (Ticket.resolutionDueAt); fulfilled by the latest solve.',
        'slaResolution',
        Prisma.sql`t."solvedAt"`,
        Prisma.sql`t."resolutionDueAt"`,
      ),
    ],
  },
  {
    kind: 'group',
    name: 'csat',
    label: 'CSAT',
    description:
      "Customer satisfaction survey responses (ratings 1 to 5) received in the bucket (placed by Feedback.createdAt), credited to the ticket's assignee and team, or to the agent named when there is no ticket.",
    unit: 'responses',
    typeName: 'CsatStats',
    typeDescription: 'CSAT: ratings from 1 to 5.',
    children: [
      feedbackLeaf(
        'score',
        'score',
        'Responses rated 4 or 5 / all responses × 100, in percent 0..100; null without responses.',
        'percent',
        'Float',
        Prisma.raw(
          `(100.0 * (count(*) FILTER (WHERE f."kind" = 'CSAT' AND f."score" >= 4)) / NULLIF(count(*) FILTER (WHERE f."kind" = 'CSAT'), 0))::float8`,
        ),
      ),
      feedbackLeaf('average', 'average', 'Mean rating, 1..5; null without responses.', 'rating', 'Float', Prisma.raw(`(avg(f."score") FILTER (WHERE f."kind" = 'CSAT'))::float8`)),
      responses('CSAT', 'responses'),
    ],
  },
  {
    kind: 'group',
    name: 'nps',
    label: 'NPS',
    description:
      "Net Promoter Score survey responses (0 to 10) received in the bucket (placed by Feedback.createdAt), credited like csat.",
    unit: 'responses',
    typeName: 'NpsStats',
    typeDescription: 'NPS: promoters rate 9-10, passives 7-8, detractors 0-6.',
    children: [
      feedbackLeaf(
        'score',
        'score',
        '% promoters − % detractors, −100..100; null without responses.',
        'NPS points',
        'Float',
        Prisma.sql`(100.0 * (${npsCount('f."score" >= 9')} - ${npsCount('f."score" <= 6')}) / NULLIF(${npsCount('TRUE')}, 0))::float8`,
      ),
      feedbackLeaf('promoters', 'promoters', 'Responses rating 9 or 10.', 'responses', 'Int', Prisma.sql`${npsCount('f."score" >= 9')}::int`),
      feedbackLeaf('passives', 'passives', 'Responses rating 7 or 8.', 'responses', 'Int', Prisma.sql`${npsCount('f."score" BETWEEN 7 AND 8')}::int`),
      feedbackLeaf('detractors', 'detractors', 'Responses rating 0 to 6.', 'responses', 'Int', Prisma.sql`${npsCount('f."score" <= 6')}::int`),
      responses('NPS', 'responses'),
    ],
  },
  {
    kind: 'group',
    name: 'ces',
    label: 'CES',
    description:
      'Customer Effort Score survey responses (1 to 7) received in the bucket (placed by Feedback.createdAt), credited like csat.',
    unit: 'responses',
    typeName: 'CesStats',
    typeDescription: 'CES: effort ratings from 1 to 7.',
    children: [
      feedbackLeaf('average', 'average', 'Mean rating, 1..7; null without responses.', 'rating', 'Float', Prisma.raw(`(avg(f."score") FILTER (WHERE f."kind" = 'CES'))::float8`)),
      responses('CES', 'responses'),
    ],
  },
];

function flatten(nodes: readonly MetricNode[], prefix: string, out: MeasureEntry[]): MeasureEntry[] {
  for (const node of nodes) {
    const path = prefix ? `${prefix}.${node.name}` : node.name;
    if (node.kind === 'leaf') out.push({ path, leaf: node });
    else flatten(node.children, path, out);
  }
  return out;
}

/** Every leaf of the registry with its dotted path, in registry order. */
export const MEASURES: readonly MeasureEntry[] = flatten(METRICS, '', []);

const BY_PATH = new Map(MEASURES.map((entry) => [entry.path, entry]));

/** The leaf at a dotted path, or undefined. */
export function measureAt(path: string): MeasureEntry | undefined {
  return BY_PATH.get(path);
}

/** The feedback kinds a set of measure paths reads, so the feedback CTE can skip the rest. */
export function feedbackKinds(paths: Iterable<string>): ('CSAT' | 'NPS' | 'CES')[] {
  const kinds = new Set<'CSAT' | 'NPS' | 'CES'>();
  for (const path of paths) {
    if (path.startsWith('csat.')) kinds.add('CSAT');
    else if (path.startsWith('nps.')) kinds.add('NPS');
    else if (path.startsWith('ces.')) kinds.add('CES');
  }
  return [...kinds];
}

/** An UPPER_SNAKE name for a measure path (`firstResponseTime.median` → FIRST_RESPONSE_TIME_MEDIAN). */
export function orderName(path: string): string {
  return path
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_');
}

/** A markdown table documenting every measure: path, unit, event time, empty value, meaning. */
export function metricsMarkdownTable(): string {
  const eventTime = new Map(SOURCES.map((s) => [s.name, s.eventTime]));
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '| metric | unit | placed in a bucket by | empty bucket | meaning |',
    '|---|---|---|---|---|',
  ];
  const describe = (nodes: readonly MetricNode[], prefix: string, parents: string[]) => {
    for (const node of nodes) {
      const path = prefix ? `${prefix}.${node.name}` : node.name;
      if (node.kind === 'group') {
        describe(node.children, path, [...parents, node.description]);
        continue;
      }
      const meaning = [...parents, node.description].join(' — ');
      lines.push(
        `| \`${path}\` | ${node.unit} | ${escape(node.stock?.eventTime ?? eventTime.get(node.source) ?? node.source)} | ${node.empty === 'zero' ? '0' : 'null'} | ${escape(meaning)} |`,
      );
    }
  };
  describe(METRICS, '', []);
  return `${lines.join('\n')}\n`;
}
