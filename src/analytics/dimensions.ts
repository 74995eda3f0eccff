import { Prisma } from '../generated/prisma/client.ts';
import { badInput } from '../errors.ts';

/** What a breakdown can group by. */
export type Dimension =
  | 'CHANNEL'
  | 'PRIORITY'
  | 'CATEGORY'
  | 'TEAM'
  | 'AGENT'
  | 'CUSTOMER_TIER'
  | 'TAG'
  | 'STATUS'
  | 'HOUR_OF_DAY'
  | 'WEEKDAY';

/** Every dimension, in schema order. */
export const DIMENSIONS: readonly Dimension[] = [
  'CHANNEL',
  'PRIORITY',
  'CATEGORY',
  'TEAM',
  'AGENT',
  'CUSTOMER_TIER',
  'TAG',
  'STATUS',
  'HOUR_OF_DAY',
  'WEEKDAY',
];

/**
 * Dimensions read from the metric's own event time in the query's zone rather than from
 * the row: every value of their fixed domain is returned, zero-filled, so a heatmap has
 * all 7 × 24 cells.
 */
export const CYCLIC_DOMAIN: Partial<Record<Dimension, readonly [number, number]>> = {
  HOUR_OF_DAY: [0, 23],
  WEEKDAY: [1, 7],
};

/** Most dimensions one breakdown may combine. */
export const MAX_DIMENSIONS = 2;

/** The field of GroupKey each dimension fills. */
export const DIMENSION_KEY: Record<Dimension, string> = {
  CHANNEL: 'channel',
  PRIORITY: 'priority',
  CATEGORY: 'category',
  TEAM: 'team',
  AGENT: 'agent',
  CUSTOMER_TIER: 'customerTier',
  TAG: 'tag',
  STATUS: 'status',
  HOUR_OF_DAY: 'hourOfDay',
  WEEKDAY: 'weekday',
};

/** A dimension that names an entity by row id (the others are enum values or tags). */
export type EntityDimension = 'TEAM' | 'AGENT' | 'CATEGORY';

/** Which row a dimension reads: a ticket, or a feedback response (credited as metrics.md says). */
export type RowKind = 'ticket' | 'feedback';

/**
 * SQL that feedback rows are credited by: the ticket's assignee, team and customer when
 * the response names a ticket, else the agent it names, that agent's team (alias `fa`)
 * and its own customer. Shared by dimensions and filters so both agree.
 */
export const FEEDBACK_CREDIT = {
  assigneeId: Prisma.sql`(CASE WHEN f."ticketId" IS NULL THEN f."agentId" ELSE t."assigneeId" END)`,
  teamId: Prisma.sql`(CASE WHEN f."ticketId" IS NULL THEN fa."teamId" ELSE t."teamId" END)`,
  customerId: Prisma.sql`(CASE WHEN f."ticketId" IS NULL THEN f."customerId" ELSE t."customerId" END)`,
};

/** The SQL value of a dimension on a row kind, and the joins it needs. */
export interface DimensionSql {
  value: Prisma.Sql;
  /** Extra FROM items (joins) this dimension needs, each given once. */
  joins: Prisma.Sql[];
  /** Whether the values are enum labels (output as text, sorted by enum order). */
  isEnum: boolean;
}

/** What a source's rows say about their event: when (for the cyclic dimensions) and whose. */
export interface EventClock {
  /** The source's event-time expression (the one that places the row in a bucket). */
  time: Prisma.Sql;
  /** IANA zone name, already validated; sent as a parameter. */
  timeZone: string;
  /** The agent the source's metric is attributed to (AGENT dimension and agentIds filter). */
  agent?: Prisma.Sql;
  /** CATEGORY counts a ticket in its category and every ancestor (a parent counts its subtree). */
  rollUpCategories?: boolean;
}

/** Deepest category nesting the roll-up follows (a guard against a cycle in parentId). */
const MAX_CATEGORY_DEPTH = 32;

/**
 * Every (category, ancestor-or-self) pair, as a derived table with columns
 * `descendant`, `ancestor`: a ticket joined on its category once per ancestor counts in
 * each of them. Computed once per statement (uncorrelated).
 */
export const CATEGORY_CLOSURE = Prisma.raw(`(WITH RECURSIVE up(descendant, ancestor, parent, depth) AS (
      SELECT c."id", c."id", c."parentId", 0 FROM "Category" c
      UNION ALL
      SELECT up.descendant, p."id", p."parentId", up.depth + 1 FROM up JOIN "Category" p ON p."id" = up.parent
       WHERE up.depth < ${MAX_CATEGORY_DEPTH})
    SELECT descendant, ancestor FROM up)`);

/**
 * Who a ticket-row metric belongs to when its event has an author: the assignee at the
 * latest solve for solved-ticket metrics, the author of the first public reply for
 * first-response metrics (both derived from events on ingest). A ticket whose facts were
 * never derived (eventFactsAt null: loaded around ingestion) falls back to its current
 * assignee. Metrics without an author (created, SLA) use the current assignee.
 */
export const ATTRIBUTED_AGENT = {
  current: Prisma.sql`t."assigneeId"`,
  solver: Prisma.sql`(CASE WHEN t."eventFactsAt" IS NULL THEN t."assigneeId" ELSE t."solvedById" END)`,
  firstResponder: Prisma.sql`(CASE WHEN t."eventFactsAt" IS NULL THEN t."assigneeId" ELSE t."firstResponderId" END)`,
};

/**
 * SQL for one dimension (aliases: `t` ticket, `f` feedback; `k` is the key's column
 * index). `clock` is the row's event time and zone, needed by HOUR_OF_DAY and WEEKDAY.
 */
export function dimensionSql(dimension: Dimension, row: RowKind, k: number, clock?: EventClock): DimensionSql {
  const plain = (column: string, isEnum = true): DimensionSql => ({ value: Prisma.raw(`t."${column}"`), joins: [], isEnum });
  switch (dimension) {
    case 'CHANNEL':
      return plain('channel');
    case 'PRIORITY':
      return plain('priority');
    case 'STATUS':
      return plain('status');
    case 'CATEGORY': {
      if (!clock?.rollUpCategories) return plain('categoryId', false);
      const alias = Prisma.raw(`cc${k}`);
      // A ticket without a category keeps one row with a null key.
      return {
        value: Prisma.sql`${alias}."ancestor"`,
        joins: [Prisma.sql`LEFT JOIN ${CATEGORY_CLOSURE} ${alias} ON ${alias}."descendant" = t."categoryId"`],
        isEnum: false,
      };
    }
    case 'TEAM':
      return row === 'ticket' ? plain('teamId', false) : { value: FEEDBACK_CREDIT.teamId, joins: [], isEnum: false };
    case 'AGENT':
      if (clock?.agent) return { value: clock.agent, joins: [], isEnum: false };
      return row === 'ticket' ? plain('assigneeId', false) : { value: FEEDBACK_CREDIT.assigneeId, joins: [], isEnum: false };
    case 'CUSTOMER_TIER': {
      const alias = Prisma.raw(`cu${k}`);
      const customer = row === 'ticket' ? Prisma.sql`t."customerId"` : FEEDBACK_CREDIT.customerId;
      return {
        value: Prisma.sql`${alias}."tier"`,
        joins: [Prisma.sql`LEFT JOIN "Customer" ${alias} ON ${alias}."id" = ${customer}`],
        isEnum: true,
      };
    }
    case 'HOUR_OF_DAY':
    case 'WEEKDAY': {
      // Local wall-clock fields of the event time: `AT TIME ZONE` follows the zone's DST
      // rules, so 09:30 in Berlin is hour 9 in summer and winter alike.
      const field = Prisma.raw(dimension === 'HOUR_OF_DAY' ? 'HOUR' : 'ISODOW');
      const value = clock
        ? Prisma.sql`EXTRACT(${field} FROM (${clock.time}) AT TIME ZONE ${clock.timeZone}::text)::int`
        : Prisma.sql`NULL::int`;
      return { value, joins: [], isEnum: false };
    }
    case 'TAG': {
      const alias = Prisma.raw(`tg${k}`);
      // A ticket with no tags (or feedback without a ticket) keeps one row with a null tag.
      return {
        value: Prisma.sql`${alias}."tag"`,
        joins: [Prisma.sql`LEFT JOIN LATERAL unnest(t."tags") AS ${alias}("tag") ON TRUE`],
        isEnum: false,
      };
    }
  }
}

/** Checks a breakdown's dimensions: one or two, no repeats. */
export function validDimensions(by: readonly Dimension[], argument = 'by'): Dimension[] {
  if (by.length === 0) throw badInput(`${argument} needs at least one dimension`, { argument });
  if (by.length > MAX_DIMENSIONS) {
    throw badInput(`${argument} has ${by.length} dimensions; a breakdown takes at most ${MAX_DIMENSIONS}`, { argument });
  }
  const repeated = by.find((dimension, i) => by.indexOf(dimension) !== i);
  if (repeated) throw badInput(`${argument} names ${repeated} twice; list each dimension once`, { argument });
  return [...by];
}
