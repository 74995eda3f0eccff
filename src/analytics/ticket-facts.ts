import type { SqlDriver } from '../db/client.ts';

/** Anything that runs SQL with `$n` parameters (a driver or an open transaction). */
export type FactsRunner = Omit<SqlDriver, 'transaction'>;

/** Which tickets to derive facts for: all, or some by id. */
export type FactsScope = 'all' | readonly number[];

/**
 * Statuses that count as the requester waiting on the support side (Zendesk's
 * "requester wait time": New, Open and On-hold; Pending waits on the requester).
 */
const WAITING = `('NEW', 'OPEN', 'ON_HOLD')`;

/**
 * The CTEs (to follow `WITH scoped AS (…), `) that derive, from each ticket's events,
 * the columns the KPI engine reads, as CTE `facts` (id, first_responder, solved_by,
 * first_solved, first_reopen, reopen_reply, wait, hold), one row per `scoped` ticket.
 * `scoped` gives id (any type), "createdAt", "solvedAt", "firstResponseAt" and
 * "assigneeId"; `events` is a relation of their events keyed by "ticketId" = that id,
 * with seq, type, "occurredAt", public, "agentId" and status ("TicketEvent" itself, or a
 * batch's events before they are stored). The facts:
 * - `firstResponderId`: author of the first public AGENT_REPLY (the current assignee
 *   when the ticket has a first response but no reply events);
 * - `solvedById`: assignee at the latest solve, from the last ASSIGNMENT event at or
 *   before `solvedAt` (unassigned if every ASSIGNMENT is later); without ASSIGNMENT
 *   events the agent on the last SOLVE event, else the current assignee;
 * - `firstSolvedAt`: the first SOLVE (or STATUS_CHANGE to SOLVED), else `solvedAt`;
 * - `firstReopenedAt`, `reopenReplyAt`: the first REOPEN and the first public agent
 *   reply after it;
 * - `requesterWaitSeconds`, `onHoldSeconds`: time in NEW/OPEN/ON_HOLD and in ON_HOLD
 *   between creation and the latest solve, from the status timeline (NEW from creation,
 *   then STATUS_CHANGE → its status, SOLVE → SOLVED, REOPEN → OPEN); null while
 *   unsolved or without events.
 * Events at one instant are ordered by their position (`seq`).
 */
export function eventFactsCtes(events: string): string {
  return `ev AS (
    -- Every event of the scoped tickets with the ticket's first reopen beside it. Joins
    -- by hash, not per-ticket lookups: the seed runs this while indexes are dropped.
    SELECT e.*, s."solvedAt" AS solved_at,
           min(e."occurredAt") FILTER (WHERE e.type = 'REOPEN') OVER (PARTITION BY e."ticketId") AS first_reopen
      FROM scoped s JOIN ${events} e ON e."ticketId" = s.id
  ),
  agg AS (
    SELECT s.id,
           count(e."ticketId") AS events,
           (array_agg(e."agentId" ORDER BY e."occurredAt", e.seq) FILTER (WHERE e.type = 'AGENT_REPLY' AND e.public))[1] AS first_replier,
           bool_or(e.type = 'AGENT_REPLY' AND e.public) AS has_reply,
           bool_or(e.type = 'ASSIGNMENT') AS has_assignment,
           (array_agg(e."agentId" ORDER BY e."occurredAt" DESC, e.seq DESC)
              FILTER (WHERE e.type = 'ASSIGNMENT' AND e."occurredAt" <= s."solvedAt"))[1] AS assignee_at_solve,
           bool_or(e.type = 'ASSIGNMENT' AND e."occurredAt" <= s."solvedAt") AS assigned_before_solve,
           (array_agg(e."agentId" ORDER BY e."occurredAt" DESC, e.seq DESC) FILTER (WHERE e.type = 'SOLVE'))[1] AS solver,
           min(e."occurredAt") FILTER (WHERE e.type = 'SOLVE' OR (e.type = 'STATUS_CHANGE' AND e.status = 'SOLVED')) AS first_solve,
           min(e.first_reopen) AS first_reopen,
           min(e."occurredAt") FILTER (WHERE e.type = 'AGENT_REPLY' AND e.public AND e."occurredAt" > e.first_reopen) AS reopen_reply
      FROM scoped s LEFT JOIN ev e ON e."ticketId" = s.id
     GROUP BY s.id
  ),
  timeline AS (
    -- NEW from creation, then each status-setting event until the next one.
    SELECT x.id, x.st, x.at,
           lead(x.at) OVER (PARTITION BY x.id ORDER BY x.at, x.seq) AS until
      FROM (
        SELECT s.id, 'NEW'::text AS st, s."createdAt" AS at, -1 AS seq FROM scoped s JOIN agg a ON a.id = s.id
         WHERE s."solvedAt" IS NOT NULL AND a.events > 0
        UNION ALL
        SELECT e."ticketId",
               CASE e.type WHEN 'STATUS_CHANGE' THEN e.status::text WHEN 'SOLVE' THEN 'SOLVED' WHEN 'REOPEN' THEN 'OPEN' END,
               e."occurredAt", e.seq
          FROM ev e
         WHERE e.solved_at IS NOT NULL AND (e.type IN ('SOLVE', 'REOPEN') OR (e.type = 'STATUS_CHANGE' AND e.status IS NOT NULL))
      ) x
  ),
  waits AS (
    -- Each stretch clipped to [createdAt, solvedAt]; exact to the millisecond.
    SELECT tl.id,
           sum(sp.secs) FILTER (WHERE tl.st IN ${WAITING}) AS wait,
           sum(sp.secs) FILTER (WHERE tl.st = 'ON_HOLD') AS hold
      FROM timeline tl JOIN scoped s ON s.id = tl.id
     CROSS JOIN LATERAL (
       SELECT GREATEST(EXTRACT(EPOCH FROM (LEAST(COALESCE(tl.until, s."solvedAt"), s."solvedAt") - GREATEST(tl.at, s."createdAt"))), 0)::float8 AS secs
     ) sp
     GROUP BY tl.id
  ),
  facts AS (
    SELECT s.id,
           CASE WHEN s."firstResponseAt" IS NULL THEN NULL WHEN a.has_reply THEN a.first_replier ELSE s."assigneeId" END AS first_responder,
           CASE WHEN s."solvedAt" IS NULL THEN NULL
                WHEN a.has_assignment THEN (CASE WHEN a.assigned_before_solve THEN a.assignee_at_solve END)
                WHEN a.solver IS NOT NULL THEN a.solver
                ELSE s."assigneeId" END AS solved_by,
           COALESCE(a.first_solve, s."solvedAt") AS first_solved,
           a.first_reopen,
           a.reopen_reply,
           CASE WHEN s."solvedAt" IS NULL THEN NULL ELSE COALESCE(w.wait, CASE WHEN a.events > 0 THEN 0 END) END AS wait,
           CASE WHEN s."solvedAt" IS NULL THEN NULL ELSE COALESCE(w.hold, CASE WHEN a.events > 0 THEN 0 END) END AS hold
      FROM scoped s JOIN agg a ON a.id = s.id LEFT JOIN waits w ON w.id = s.id
  )`;
}

/** One UPDATE that derives the event facts (see eventFactsCtes) of the tickets in scope from their stored events. */
export function deriveFactsSql(scope: FactsScope): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let where = 'TRUE';
  if (scope !== 'all') {
    params.push([...scope]);
    where = `t.id = ANY($1::int[])`;
  }
  const sql = `WITH scoped AS (
    SELECT t.id, t."createdAt", t."solvedAt", t."firstResponseAt", t."assigneeId" FROM "Ticket" t WHERE ${where}
  ),
  ${eventFactsCtes('"TicketEvent"')}
  UPDATE "Ticket" t
     SET "firstResponderId" = f.first_responder,
         "solvedById" = f.solved_by,
         "firstSolvedAt" = f.first_solved,
         "firstReopenedAt" = f.first_reopen,
         "reopenReplyAt" = f.reopen_reply,
         "requesterWaitSeconds" = f.wait,
         "onHoldSeconds" = f.hold,
         "eventFactsAt" = CURRENT_TIMESTAMP
    FROM facts f
   WHERE t.id = f.id
     AND (t."eventFactsAt" IS NULL OR (t."firstResponderId", t."solvedById", t."firstSolvedAt", t."firstReopenedAt", t."reopenReplyAt",
          t."requesterWaitSeconds", t."onHoldSeconds")
         IS DISTINCT FROM (f.first_responder, f.solved_by, f.first_solved, f.first_reopen, f.reopen_reply, f.wait, f.hold))`;
  return { sql, params };
}

/**
 * Derives the event facts (see deriveFactsSql) of the tickets in scope, in the caller's
 * transaction. Ingestion derives them in the statement that writes a ticket
 * (eventFactsCtes) and runs this when only a ticket's events changed; the seed for all.
 */
export async function deriveTicketFacts(runner: FactsRunner, scope: FactsScope): Promise<void> {
  if (scope !== 'all' && scope.length === 0) return;
  const { sql, params } = deriveFactsSql(scope);
  await runner.query(sql, params);
}

/**
 * Derives the facts of the tickets never derived (eventFactsAt is null: bulk loads,
 * rows written before migration 0007), in one transaction. Returns how many.
 */
export async function deriveMissingTicketFacts(db: { driver: SqlDriver }): Promise<number> {
  return db.driver.transaction(async (tx) => {
    const rows = await tx.query<{ id: unknown }>(`SELECT id FROM "Ticket" WHERE "eventFactsAt" IS NULL`);
    const ids = rows.map((r) => Number(r.id));
    await deriveTicketFacts(tx, ids);
    return ids.length;
  });
}
