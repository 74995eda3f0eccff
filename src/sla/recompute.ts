import type { Database } from '../db/client.ts';
import { rebuildRollupRange, withRollupsOff } from '../analytics/rollups/maintain.ts';
import type { Priority } from '../generated/prisma/enums.ts';
import { openIntervals, type BusinessCalendarSpec, type Holiday, type OpenInterval } from './business-hours.ts';
import { computeTicketSla, type TicketSlaValues } from './ticket-sla.ts';

/** Anything that runs one SQL statement with `$n` parameters: a driver, a driver transaction, a Prisma transaction adapter. */
export interface SqlRunner {
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

const DAY_MS = 86_400_000;
/** Open intervals are materialised this long before the earliest ticket … */
const SPAN_BEFORE_MS = 2 * DAY_MS;
/** … and this long after the latest ticket timestamp or now, so new tickets and most deadlines fit. */
const SPAN_AFTER_MS = 400 * DAY_MS;

/** Which tickets a recompute covers. */
export type RecomputeScope =
  | { kind: 'all' }
  | { kind: 'ids'; ids: number[] }
  | { kind: 'calendar'; calendarId: number }
  /** Tickets of these priorities, plus those the policy currently covers. */
  | { kind: 'policy'; priorities: Priority[]; policyId: number | null };

/** What a recompute did. */
export interface RecomputeResult {
  /** Tickets in scope: every one was evaluated. */
  recomputed: number;
  /** Tickets whose stored SLA columns changed. */
  changed: number;
}

const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
const toNumber = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v));

/** Parses JSON the drivers may return as text or as a value. */
function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

/** A stored calendar row as its rules. */
export function calendarSpecFromRow(row: { timeZone: unknown; hours: unknown; holidays: unknown }): BusinessCalendarSpec {
  return {
    timeZone: String(row.timeZone),
    hours: json<OpenInterval[]>(row.hours) ?? [],
    holidays: json<Holiday[] | null>(row.holidays) ?? [],
  };
}

// --- SQL building blocks (identifiers from code only; values are parameters) ---

const ms = (x: string) => `(EXTRACT(EPOCH FROM ${x}) * 1000)::bigint`;
const IV = '"BusinessCalendarInterval"';

/**
 * Open milliseconds of calendar `cal` from its materialised start until instant `x`:
 * the last interval starting at or before `x` gives `openBeforeMs + clamp(x - start, 0, length)`.
 * Without a calendar (24/7) every millisecond counts, so epoch milliseconds do.
 * Served by the primary key ("calendarId", "start") read backwards.
 */
function openMsAt(cal: string, x: string): string {
  return `CASE WHEN ${cal} IS NULL THEN ${ms(x)} ELSE COALESCE((
      SELECT i."openBeforeMs" + LEAST(GREATEST(${ms(x)} - ${ms('i."start"')}, 0), ${ms('i."end"')} - ${ms('i."start"')})
        FROM ${IV} i WHERE i."calendarId" = ${cal} AND i."start" <= ${x}
       ORDER BY i."start" DESC LIMIT 1), 0) END`;
}

/**
 * The instant at which calendar `cal` has been open `minutes` more than at `created`
 * (whose open-ms is `openCreated`): the interval with openBeforeMs < target <= openBeforeMs + length.
 * Null beyond the materialised intervals (the JS fallback then searches further) and
 * beyond ten years. Served by the index ("calendarId", "openBeforeMs").
 */
function dueAt(cal: string, created: string, openCreated: string, minutes: string): string {
  const target = `(${openCreated} + ${minutes}::bigint * 60000)`;
  return `CASE WHEN ${minutes} IS NULL THEN NULL
    WHEN ${cal} IS NULL THEN ${created} + ${minutes} * interval '1 minute'
    ELSE (SELECT CASE WHEN ${target} <= i."openBeforeMs" + ${ms('i."end"')} - ${ms('i."start"')}
                       AND ${target} - i."openBeforeMs" + ${ms('i."start"')} - ${ms(created)} <= ${3653 * DAY_MS}::bigint
                      THEN i."start" + (${target} - i."openBeforeMs")::float8 * interval '1 millisecond' END
            FROM ${IV} i WHERE i."calendarId" = ${cal} AND i."openBeforeMs" < ${target}
           ORDER BY i."openBeforeMs" DESC LIMIT 1) END`;
}

function statusSql(due: string, fulfilled: string, now: string): string {
  return `(CASE WHEN ${due} IS NULL THEN NULL
    WHEN ${fulfilled} IS NOT NULL AND ${fulfilled} <= ${due} THEN 'ACHIEVED'
    WHEN ${fulfilled} IS NOT NULL OR ${due} <= ${now} THEN 'BREACHED'
    ELSE 'PENDING' END)::"SlaStatus"`;
}

/**
 * The policy for every (priority, channel) pair: the policies listing the priority,
 * those naming the channel first, then those with no channels; ties (rejected on
 * upsert) by smallest id. 24 rows, so tickets join it by hash.
 */
export const POLICY_MATCH_SQL = `SELECT pr.v AS priority, ch.v AS channel, m.id, m."calendarId" AS cal,
         m."firstResponseMinutes" AS frm, m."resolutionMinutes" AS rm
    FROM unnest(enum_range(NULL::"Priority")) AS pr(v)
    CROSS JOIN unnest(enum_range(NULL::"Channel")) AS ch(v)
    CROSS JOIN LATERAL (
      SELECT p.id, p."calendarId", p."firstResponseMinutes", p."resolutionMinutes"
        FROM "SlaPolicy" p
       WHERE pr.v = ANY(p.priorities) AND (cardinality(p.channels) = 0 OR ch.v = ANY(p.channels))
       ORDER BY cardinality(p.channels) > 0 DESC, p.id
       LIMIT 1) m`;

function scopeSql(scope: RecomputeScope, params: unknown[]): string {
  switch (scope.kind) {
    case 'all':
      return 'TRUE';
    case 'ids':
      params.push(scope.ids);
      return `t.id = ANY($${params.length}::int[])`;
    case 'calendar':
      params.push(scope.calendarId);
      return `t."slaPolicyId" IN (SELECT p.id FROM "SlaPolicy" p WHERE p."calendarId" = $${params.length}::int)`;
    case 'policy': {
      params.push(scope.priorities);
      const prs = `$${params.length}::text[]`;
      params.push(scope.policyId);
      return `(t.priority::text = ANY(${prs}) OR t."slaPolicyId" = $${params.length}::int)`;
    }
  }
}

/**
 * The SELECT giving every SLA value of some tickets, one row per ticket: `from` names
 * them as alias `t` with columns id (any type; returned as is), priority, channel,
 * "createdAt", "firstResponseAt" and "solvedAt"; the statement must define the CTE
 * `pol` (POLICY_MATCH_SQL). Columns: id, pid, fr_due, res_due, fr_status, res_status,
 * fr_secs, res_secs and needs_js (a deadline lies beyond the materialised intervals:
 * recomputeBeyondIntervals then finds it). Shared by the recompute UPDATE and by
 * ingestion, which computes the values in the statement that writes the ticket.
 */
export function slaValuesSql(from: string, where: string, nowSql: string): string {
  // Every derived value is computed once per ticket in its own LATERAL; OFFSET 0 keeps
  // PostgreSQL from inlining them into each use (which would repeat the index lookups).
  return `SELECT t.id, pol.id AS pid, d.fr_due, d.res_due,
           ${statusSql('d.fr_due', 'LEAST(t."firstResponseAt", t."solvedAt")', nowSql)} AS fr_status,
           ${statusSql('d.res_due', 't."solvedAt"', nowSql)} AS res_status,
           -- Exact to the millisecond, like calendar seconds (one rounding rule for both).
           CASE WHEN t."firstResponseAt" IS NULL THEN NULL ELSE (GREATEST(o.ofr - o.oc, 0) / 1000.0)::float8 END AS fr_secs,
           CASE WHEN t."solvedAt" IS NULL THEN NULL ELSE (GREATEST(o.osv - o.oc, 0) / 1000.0)::float8 END AS res_secs,
           (pol.cal IS NOT NULL AND ((pol.frm IS NOT NULL AND d.fr_due IS NULL) OR (pol.rm IS NOT NULL AND d.res_due IS NULL))) AS needs_js
      FROM ${from}
      LEFT JOIN pol ON pol.priority = t.priority AND pol.channel = t.channel
      CROSS JOIN LATERAL (
        SELECT ${openMsAt('pol.cal', 't."createdAt"')} AS oc,
               CASE WHEN t."firstResponseAt" IS NULL THEN NULL ELSE ${openMsAt('pol.cal', 't."firstResponseAt"')} END AS ofr,
               CASE WHEN t."solvedAt" IS NULL THEN NULL ELSE ${openMsAt('pol.cal', 't."solvedAt"')} END AS osv
        OFFSET 0) o
      CROSS JOIN LATERAL (
        SELECT ${dueAt('pol.cal', 't."createdAt"', 'o.oc', 'pol.frm')} AS fr_due,
               ${dueAt('pol.cal', 't."createdAt"', 'o.oc', 'pol.rm')} AS res_due
        OFFSET 0) d
     WHERE ${where}`;
}

/**
 * One statement that recomputes every SLA column of the tickets in scope, writes the
 * rows that changed (and those never computed, stamping slaComputedAt), and reports the tickets whose deadline lies beyond the
 * materialised intervals. `$1` is the instant statuses are evaluated at.
 */
export function recomputeSql(scope: RecomputeScope, now: Date | null): { sql: string; params: unknown[] } {
  const params: unknown[] = [now ? now.toISOString() : null];
  const nowSql = 'COALESCE($1::timestamptz, now())';
  const where = scopeSql(scope, params);
  const sql = `WITH pol AS (${POLICY_MATCH_SQL}),
  calc AS (${slaValuesSql('"Ticket" t', where, nowSql)}),
  upd AS (
    UPDATE "Ticket" t
       SET "slaPolicyId" = calc.pid,
           "firstResponseDueAt" = calc.fr_due,
           "firstResponseSlaStatus" = calc.fr_status,
           "resolutionDueAt" = calc.res_due,
           "resolutionSlaStatus" = calc.res_status,
           "firstResponseBusinessSeconds" = calc.fr_secs,
           "resolutionBusinessSeconds" = calc.res_secs,
           "slaComputedAt" = CURRENT_TIMESTAMP
      FROM calc
     WHERE t.id = calc.id
       AND (t."slaComputedAt" IS NULL OR (t."slaPolicyId", t."firstResponseDueAt", t."firstResponseSlaStatus", t."resolutionDueAt",
            t."resolutionSlaStatus", t."firstResponseBusinessSeconds", t."resolutionBusinessSeconds")
           IS DISTINCT FROM
           (calc.pid, calc.fr_due, calc.fr_status, calc.res_due, calc.res_status, calc.fr_secs, calc.res_secs))
    RETURNING t.id, calc.needs_js
  )
  SELECT (SELECT count(*) FROM calc)::int AS scoped,
         (SELECT count(*) FROM upd)::int AS changed,
         COALESCE((SELECT array_agg(id) FROM upd WHERE needs_js), '{}'::int[]) AS fallback`;
  return { sql, params };
}

// --- materialised open intervals ---

/**
 * Some tickets by id. OFFSET 0 keeps PostgreSQL from answering min()/max() over them by
 * walking a timestamp index until it meets one of the ids (slow when they are recent).
 */
const TICKETS_BY_ID = (param: string) =>
  `(SELECT "createdAt", "firstResponseAt", "solvedAt" FROM "Ticket" WHERE id = ANY(${param}::int[]) OFFSET 0) AS t`;

/** The instants every calendar's intervals must cover: all tickets, now, and a margin after. */
async function ticketSpan(runner: SqlRunner, ids: number[] | null): Promise<{ from: number; to: number }> {
  // Separate min/max aggregates so PostgreSQL answers each from its index.
  const rows = await runner.query<{ lo: unknown; hi: unknown; now: unknown }>(
    `SELECT min("createdAt") AS lo,
            GREATEST(max("createdAt"), max("firstResponseAt"), max("solvedAt")) AS hi,
            now() AS now
       FROM ${ids ? TICKETS_BY_ID('$1') : '"Ticket"'}`,
    ids ? [ids] : [],
  );
  const now = (toDate(rows[0]?.now) ?? new Date()).getTime();
  const lo = toDate(rows[0]?.lo)?.getTime() ?? now;
  const hi = toDate(rows[0]?.hi)?.getTime() ?? now;
  return { from: Math.min(lo, now) - SPAN_BEFORE_MS, to: Math.max(hi, now) + SPAN_AFTER_MS };
}

/**
 * Rewrites a calendar's materialised open intervals over `[from, to)` (widened to the
 * span it already covers unless `replace`), with the running open milliseconds before
 * each interval. Locks the calendar row so concurrent writers do not race. Returns the row count.
 */
export async function materialiseCalendar(
  runner: SqlRunner,
  calendarId: number,
  span: { from: number; to: number },
  replace = false,
): Promise<number> {
  const rows = await runner.query<{ timeZone: unknown; hours: unknown; holidays: unknown; from: unknown; to: unknown }>(
    `SELECT "timeZone", hours, holidays, "openIntervalsFrom" AS "from", "openIntervalsTo" AS "to"
       FROM "BusinessCalendar" WHERE id = $1::int FOR UPDATE`,
    [calendarId],
  );
  if (rows.length === 0) return 0;
  const row = rows[0];
  const oldFrom = toDate(row.from)?.getTime();
  const oldTo = toDate(row.to)?.getTime();
  const from = !replace && oldFrom !== undefined ? Math.min(oldFrom, span.from) : span.from;
  const to = !replace && oldTo !== undefined ? Math.max(oldTo, span.to) : span.to;
  if (!replace && oldFrom === from && oldTo === to) return 0;
  const intervals = openIntervals(calendarSpecFromRow(row), from, to);
  const starts: string[] = [];
  const ends: string[] = [];
  const before: string[] = [];
  let open = 0;
  for (const [s, e] of intervals) {
    starts.push(new Date(s).toISOString());
    ends.push(new Date(e).toISOString());
    before.push(String(open));
    open += e - s;
  }
  await runner.query(`DELETE FROM ${IV} WHERE "calendarId" = $1::int`, [calendarId]);
  if (starts.length > 0) {
    await runner.query(
      `INSERT INTO ${IV} ("calendarId", "start", "end", "openBeforeMs")
       SELECT $1::int, u.s, u.e, u.b FROM unnest($2::timestamptz[], $3::timestamptz[], $4::bigint[]) AS u(s, e, b)`,
      [calendarId, starts, ends, before],
    );
  }
  await runner.query(
    `UPDATE "BusinessCalendar" SET "openIntervalsFrom" = $2::timestamptz, "openIntervalsTo" = $3::timestamptz WHERE id = $1::int`,
    [calendarId, new Date(from).toISOString(), new Date(to).toISOString()],
  );
  return starts.length;
}

/**
 * Extends the calendars of every policy whose materialised intervals do not cover
 * `bounds` (a SELECT of one row: lo, hi) to `span()`. One statement when none needs it.
 */
async function extendStaleCalendars(
  runner: SqlRunner,
  bounds: string,
  params: unknown[],
  span: () => Promise<{ from: number; to: number }>,
): Promise<void> {
  const stale = await runner.query<{ id: unknown }>(
    `WITH b AS (${bounds})
     SELECT c.id FROM "BusinessCalendar" c CROSS JOIN b
      WHERE c.id IN (SELECT p."calendarId" FROM "SlaPolicy" p)
        AND (c."openIntervalsFrom" IS NULL OR c."openIntervalsFrom" > b.lo OR c."openIntervalsTo" < b.hi)`,
    params,
  );
  if (stale.length === 0) return;
  const wanted = await span();
  for (const row of stale) await materialiseCalendar(runner, toNumber(row.id), wanted);
}

/**
 * Makes sure the calendars of every policy cover the given tickets (or all tickets),
 * extending those that do not. One statement when nothing needs extending.
 */
async function ensureCoverage(runner: SqlRunner, ids: number[] | null): Promise<void> {
  const params: unknown[] = [];
  let tickets = '"Ticket"';
  if (ids) {
    params.push(ids);
    tickets = TICKETS_BY_ID(`$${params.length}`);
  }
  await extendStaleCalendars(
    runner,
    `SELECT LEAST(min("createdAt"), now()) AS lo,
            GREATEST(max("createdAt"), max("firstResponseAt"), max("solvedAt"), now()) AS hi
       FROM ${tickets}`,
    params,
    () => ticketSpan(runner, ids),
  );
}

/**
 * Makes sure the calendars of every policy cover the instants from `lo` (the earliest
 * creation of some tickets not stored yet) to `hi` (their latest timestamp), before a
 * statement computes their SLA values with slaValuesSql. One statement when they do.
 */
export async function ensureCoverageOf(runner: SqlRunner, lo: Date, hi: Date): Promise<void> {
  await extendStaleCalendars(
    runner,
    `SELECT LEAST($1::timestamptz, now()) AS lo, GREATEST($2::timestamptz, now()) AS hi`,
    [lo.toISOString(), hi.toISOString()],
    async () => {
      const now = Date.now();
      return { from: Math.min(lo.getTime(), now) - SPAN_BEFORE_MS, to: Math.max(hi.getTime(), now) + SPAN_AFTER_MS };
    },
  );
}

/**
 * Recomputes, in JS, the deadlines and statuses of the few tickets whose deadline lies
 * beyond the materialised intervals (slaValuesSql's needs_js); their policy is stored.
 */
export async function recomputeBeyondIntervals(runner: SqlRunner, ids: number[], now: Date | null): Promise<void> {
  if (ids.length === 0) return;
  const rows = await runner.query<Record<string, unknown>>(
    `SELECT t.id, t."createdAt", t."firstResponseAt", t."solvedAt", now() AS now,
            p."firstResponseMinutes", p."resolutionMinutes", c."timeZone", c.hours, c.holidays
       FROM "Ticket" t JOIN "SlaPolicy" p ON p.id = t."slaPolicyId"
       LEFT JOIN "BusinessCalendar" c ON c.id = p."calendarId"
      WHERE t.id = ANY($1::int[])`,
    [ids],
  );
  const out: { id: number; v: TicketSlaValues }[] = rows.map((r) => ({
    id: toNumber(r.id),
    v: computeTicketSla(
      { createdAt: toDate(r.createdAt) as Date, firstResponseAt: toDate(r.firstResponseAt), solvedAt: toDate(r.solvedAt) },
      {
        firstResponseMinutes: r.firstResponseMinutes == null ? null : toNumber(r.firstResponseMinutes),
        resolutionMinutes: r.resolutionMinutes == null ? null : toNumber(r.resolutionMinutes),
        calendar: r.timeZone == null ? null : calendarSpecFromRow(r as { timeZone: unknown; hours: unknown; holidays: unknown }),
      },
      now ?? (toDate(r.now) as Date),
    ),
  }));
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  await runner.query(
    `UPDATE "Ticket" t
        SET "firstResponseDueAt" = u.frd, "firstResponseSlaStatus" = u.frs::"SlaStatus",
            "resolutionDueAt" = u.rd, "resolutionSlaStatus" = u.rs::"SlaStatus"
       FROM unnest($1::int[], $2::timestamptz[], $3::text[], $4::timestamptz[], $5::text[]) AS u(id, frd, frs, rd, rs)
      WHERE t.id = u.id`,
    [
      out.map((o) => o.id),
      out.map((o) => iso(o.v.firstResponseDueAt)),
      out.map((o) => o.v.firstResponseSlaStatus),
      out.map((o) => iso(o.v.resolutionDueAt)),
      out.map((o) => o.v.resolutionSlaStatus),
    ],
  );
}

/** Options for a recompute. */
export interface RecomputeOptions {
  /** The instant statuses are evaluated at (default: the database's now()). */
  now?: Date;
}

/** The earliest and latest instant any rollup contribution of the tickets in scope can be placed at. */
async function rollupSpan(runner: SqlRunner, scope: RecomputeScope): Promise<{ lo: Date | null; hi: Date | null }> {
  const params: unknown[] = [];
  const where = scopeSql(scope, params);
  // SLA columns feed the rollups at the first response, the solve and the SLA decisions
  // (the least of fulfilment and deadline): all between these bounds.
  const [row] = await runner.query<{ lo: unknown; hi: unknown }>(
    `SELECT LEAST(min(t."firstResponseAt"), min(t."solvedAt"), min(t."firstResponseDueAt"), min(t."resolutionDueAt")) AS lo,
            GREATEST(max(t."firstResponseAt"), max(t."solvedAt"), max(t."firstResponseDueAt"), max(t."resolutionDueAt")) AS hi
       FROM "Ticket" t WHERE ${where}`,
    params,
  );
  return { lo: toDate(row?.lo), hi: toDate(row?.hi) };
}

/** The recompute statement and the JS fallback for deadlines beyond the intervals. */
async function recomputeInScope(runner: SqlRunner, scope: RecomputeScope, options: RecomputeOptions): Promise<RecomputeResult> {
  const { sql, params } = recomputeSql(scope, options.now ?? null);
  const [row] = await runner.query<{ scoped: unknown; changed: unknown; fallback: unknown }>(sql, params);
  const fallback = (Array.isArray(row.fallback) ? row.fallback : json<unknown[]>(String(row.fallback).replace(/^\{(.*)\}$/, '[$1]'))).map(toNumber);
  await recomputeBeyondIntervals(runner, fallback, options.now ?? null);
  return { recomputed: toNumber(row.scoped), changed: toNumber(row.changed) };
}

/**
 * Recomputes the SLA columns of the tickets in scope inside the caller's transaction:
 * extends calendar intervals if the tickets fall outside them, then one set-based UPDATE.
 * A recompute of every ticket a calendar or policy covers (or of all) changes too many
 * rows for the rollup triggers' hour-by-hour rebuild: it runs with them off and rebuilds
 * the rollups of the hours its tickets span, before and after, in one grouped pass.
 */
export async function recomputeTickets(runner: SqlRunner, scope: RecomputeScope, options: RecomputeOptions = {}): Promise<RecomputeResult> {
  if (scope.kind === 'ids' && scope.ids.length === 0) return { recomputed: 0, changed: 0 };
  await ensureCoverage(runner, scope.kind === 'ids' ? scope.ids : null);
  if (scope.kind === 'ids') return recomputeInScope(runner, scope, options);
  const before = await rollupSpan(runner, scope);
  const result = await withRollupsOff(
    runner,
    () => recomputeInScope(runner, scope, options),
    async ({ changed }) => {
      const after = await rollupSpan(runner, scope);
      const bounds = [before.lo, before.hi, after.lo, after.hi].filter((d): d is Date => d !== null).map((d) => d.getTime());
      if (changed > 0 && bounds.length > 0) await rebuildRollupRange(runner, new Date(Math.min(...bounds)), new Date(Math.max(...bounds)));
    },
  );
  return result;
}

/**
 * Stores BREACHED for PENDING targets whose deadline has passed (at `now`, default the
 * database's now()), so stored statuses catch up with time without a full recompute;
 * reads (Ticket.sla, the KPI engine) already judge passed deadlines at read time.
 * Returns the number of tickets changed. Cheap enough to run from a schedule.
 */
export async function markPassedDeadlines(runner: SqlRunner, now: Date | null = null): Promise<number> {
  const [row] = await runner.query<{ n: unknown }>(
    `WITH upd AS (
       UPDATE "Ticket"
          SET "firstResponseSlaStatus" = CASE WHEN "firstResponseSlaStatus" = 'PENDING' AND "firstResponseDueAt" <= COALESCE($1::timestamptz, now())
                                              THEN 'BREACHED'::"SlaStatus" ELSE "firstResponseSlaStatus" END,
              "resolutionSlaStatus" = CASE WHEN "resolutionSlaStatus" = 'PENDING' AND "resolutionDueAt" <= COALESCE($1::timestamptz, now())
                                           THEN 'BREACHED'::"SlaStatus" ELSE "resolutionSlaStatus" END
        WHERE ("firstResponseSlaStatus" = 'PENDING' AND "firstResponseDueAt" <= COALESCE($1::timestamptz, now()))
           OR ("resolutionSlaStatus" = 'PENDING' AND "resolutionDueAt" <= COALESCE($1::timestamptz, now()))
       RETURNING 1)
     SELECT count(*)::int AS n FROM upd`,
    [now ? now.toISOString() : null],
  );
  return toNumber(row.n);
}

/** Rewrites the open intervals of one calendar (after its rules changed) over every ticket's span. */
export async function rematerialiseCalendar(runner: SqlRunner, calendarId: number): Promise<number> {
  return materialiseCalendar(runner, calendarId, await ticketSpan(runner, null), true);
}

/**
 * Rebuilds every calendar's open intervals and recomputes the SLA columns of every
 * ticket, in one transaction; returns the number of tickets. Call after bulk loads
 * that bypass ingestion (seeding) or to refresh PENDING statuses whose deadline passed.
 */
export async function recomputeAllTickets(db: Database, options: RecomputeOptions = {}): Promise<number> {
  return db.driver.transaction((tx) => recomputeAllTicketsIn(tx, options));
}

/** recomputeAllTickets inside an open transaction (the demo seed uses it before rebuilding indexes). */
export async function recomputeAllTicketsIn(tx: SqlRunner, options: RecomputeOptions = {}): Promise<number> {
  const span = await ticketSpan(tx, null);
  const calendars = await tx.query<{ id: unknown }>(`SELECT id FROM "BusinessCalendar" ORDER BY id`);
  for (const c of calendars) await materialiseCalendar(tx, toNumber(c.id), span, true);
  return (await recomputeTickets(tx, { kind: 'all' }, options)).recomputed;
}

/**
 * Recomputes the tickets whose SLA columns were never computed (slaComputedAt is null:
 * bulk loads that bypassed ingestion, rows written before migration 0007), so no ticket
 * reads as "no policy" only because nothing computed it. Returns the number recomputed.
 */
export async function recomputeUncomputedTickets(db: Database, options: RecomputeOptions = {}): Promise<number> {
  return db.driver.transaction(async (tx) => {
    const rows = await tx.query<{ id: unknown }>(`SELECT id FROM "Ticket" WHERE "slaComputedAt" IS NULL`);
    const ids = rows.map((r) => toNumber(r.id));
    if (ids.length === 0) return 0;
    return (await recomputeTickets(tx, { kind: 'ids', ids }, options)).recomputed;
  });
}
