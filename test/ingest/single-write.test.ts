import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveTicketFacts } from '../../src/analytics/ticket-facts.ts';
import type { TicketInput } from '../../src/ingest/types.ts';
import { inRolledBackTransaction, upsertAgents, upsertTeams, upsertTickets } from '../../src/ingest/upsert.ts';
import { upsertBusinessCalendar, upsertSlaPolicy } from '../../src/sla/admin.ts';
import { recomputeTickets } from '../../src/sla/recompute.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

// A new ticket is written once: its SLA columns and event-derived facts come from the
// statement that inserts it, and the rollups grow by its own contribution. The values
// must be those the previous path stored (INSERT, then the SLA recompute and the facts
// derivation as UPDATEs) — worked out by hand below — and the rollups those of 0009's
// hour-by-hour rebuild, also after an update that moves a ticket to another hour and team.

let db: TestDatabase;

const DERIVED = `"slaPolicyId", "firstResponseDueAt", "firstResponseSlaStatus"::text, "resolutionDueAt", "resolutionSlaStatus"::text,
  "firstResponseBusinessSeconds", "resolutionBusinessSeconds", "firstResponderId", "solvedById", "firstSolvedAt",
  "firstReopenedAt", "reopenReplyAt", "requesterWaitSeconds", "onHoldSeconds"`;

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());

/** The derived columns of every ticket, agents and policies by externalId, instants as ISO strings. */
async function derivedColumns(runner: Pick<TestDatabase['driver'], 'query'> = db.driver): Promise<Record<string, unknown>[]> {
  const rows = await runner.query<Record<string, unknown>>(
    `SELECT t."externalId", p."externalId" AS policy, fr."externalId" AS "firstResponder", sb."externalId" AS "solvedBy", t.*
       FROM (SELECT "externalId", ${DERIVED} FROM "Ticket") t
       LEFT JOIN "SlaPolicy" p ON p.id = t."slaPolicyId"
       LEFT JOIN "Agent" fr ON fr.id = t."firstResponderId"
       LEFT JOIN "Agent" sb ON sb.id = t."solvedById"
      ORDER BY t."externalId"`,
  );
  return rows.map((r) => ({
    externalId: r.externalId,
    policy: r.policy,
    firstResponseDueAt: iso(r.firstResponseDueAt),
    firstResponseSlaStatus: r.firstResponseSlaStatus,
    resolutionDueAt: iso(r.resolutionDueAt),
    resolutionSlaStatus: r.resolutionSlaStatus,
    firstResponseBusinessSeconds: r.firstResponseBusinessSeconds,
    resolutionBusinessSeconds: r.resolutionBusinessSeconds,
    firstResponder: r.firstResponder,
    solvedBy: r.solvedBy,
    firstSolvedAt: iso(r.firstSolvedAt),
    firstReopenedAt: iso(r.firstReopenedAt),
    reopenReplyAt: iso(r.reopenReplyAt),
    requesterWaitSeconds: r.requesterWaitSeconds,
    onHoldSeconds: r.onHoldSeconds,
  }));
}

/** The same columns as the previous path computes them: cleared, then the SLA recompute and the facts UPDATE. */
async function derivedByTwoPasses(): Promise<Record<string, unknown>[]> {
  return inRolledBackTransaction(db, async (tx) => {
    const ids = (await tx.query<{ id: number }>(`SELECT id FROM "Ticket"`)).map((r) => Number(r.id));
    await tx.query(
      `UPDATE "Ticket" SET ${DERIVED.replace(/::text/g, '')
        .split(',')
        .map((c) => `${c.trim()} = NULL`)
        .join(', ')}, "slaComputedAt" = NULL, "eventFactsAt" = NULL`,
    );
    await recomputeTickets(tx, { kind: 'ids', ids });
    await deriveTicketFacts(tx, ids);
    return derivedColumns(tx);
  });
}

/** Rollup rows of the created (1) and SLA decision (4, 5) sources: [source, hour, team, n, c1]. */
async function rollupRows(): Promise<unknown[][]> {
  const rows = await db.driver.query<{ source: number; hour: unknown; team: string | null; n: unknown; c1: unknown }>(
    `SELECT r.source, r.hour, tm."externalId" AS team, r.n, r.c1 FROM "RollupHour" r LEFT JOIN "Team" tm ON tm.id = r."teamId"
      WHERE r.source IN (1, 4, 5) ORDER BY r.source, r.hour, tm."externalId" NULLS FIRST`,
  );
  return rows.map((r) => [Number(r.source), iso(r.hour), r.team, Number(r.n), Number(r.c1)]);
}

/** Rollup rows that migration 0009's hour-by-hour rebuild of every hour would change (0: none). */
async function driftFromHourlyRebuild(): Promise<number> {
  return inRolledBackTransaction(db, async (tx) => {
    await tx.query(`CREATE TEMP TABLE snap_h AS SELECT * FROM "RollupHour"`);
    await tx.query(`CREATE TEMP TABLE snap_b AS SELECT * FROM "RollupHistogram"`);
    await tx.query(`DELETE FROM "RollupHour"`);
    await tx.query(`DELETE FROM "RollupHistogram"`);
    await tx.query(
      `SELECT supportgraph_rollup_rebuild(ARRAY(
         SELECT DISTINCT date_trunc('hour', x AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
           FROM (SELECT unnest(ARRAY["createdAt", "solvedAt", "firstResponseAt", "firstResponseDueAt", "resolutionDueAt"]) AS x FROM "Ticket") e
          WHERE x IS NOT NULL))`,
    );
    const [row] = await tx.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM ((TABLE snap_h EXCEPT ALL TABLE "RollupHour") UNION ALL (TABLE "RollupHour" EXCEPT ALL TABLE snap_h)) x)
             + (SELECT count(*) FROM ((TABLE snap_b EXCEPT ALL TABLE "RollupHistogram") UNION ALL (TABLE "RollupHistogram" EXCEPT ALL TABLE snap_b)) y))::int AS n`,
    );
    return Number(row.n);
  });
}

/** Row writes to "Ticket" since the last call, as [operation, externalId]. */
async function ticketWrites(): Promise<string[][]> {
  const rows = await db.driver.query<{ op: string; externalId: string }>(`DELETE FROM write_log RETURNING op, "externalId"`);
  return rows.map((r) => [r.op, r.externalId]).sort((a, b) => a.join().localeCompare(b.join()));
}

const at = (s: string) => new Date(s);

// Monday 1 June 2026; Berlin is on CEST (UTC+2), the office is open 09:00-17:00.
const T1: TicketInput = {
  externalId: 't1',
  channel: 'EMAIL',
  priority: 'NORMAL',
  status: 'SOLVED',
  teamExternalId: 'A',
  assigneeExternalId: 'ada',
  createdAt: at('2026-06-01T07:30:00Z'),
  events: [
    { type: 'CREATED', occurredAt: at('2026-06-01T07:30:00Z') },
    { type: 'ASSIGNMENT', occurredAt: at('2026-06-01T07:40:00Z'), agentExternalId: 'bo' },
    { type: 'AGENT_REPLY', occurredAt: at('2026-06-01T08:00:00Z'), agentExternalId: 'bo' },
    { type: 'SOLVE', occurredAt: at('2026-06-01T10:00:00Z'), agentExternalId: 'ada' },
  ],
};
const T2: TicketInput = {
  externalId: 't2',
  channel: 'CHAT',
  priority: 'NORMAL',
  status: 'OPEN',
  teamExternalId: 'B',
  assigneeExternalId: 'bo',
  createdAt: at('2026-06-01T15:10:00Z'),
  firstResponseAt: at('2026-06-01T15:40:00Z'),
};
const T3: TicketInput = {
  externalId: 't3',
  channel: 'WEB',
  priority: 'LOW',
  status: 'SOLVED',
  createdAt: at('2026-06-01T07:05:00Z'),
  firstResponseAt: at('2026-06-01T07:20:00Z'),
  solvedAt: at('2026-06-01T07:50:00Z'),
};

beforeAll(async () => {
  db = await openTestDatabase();
  await upsertTeams(db, [
    { externalId: 'A', name: 'Team A' },
    { externalId: 'B', name: 'Team B' },
  ]);
  await upsertAgents(db, [
    { externalId: 'ada', name: 'Ada', teamExternalId: 'A' },
    { externalId: 'bo', name: 'Bo', teamExternalId: 'B' },
  ]);
  await upsertBusinessCalendar(db, {
    externalId: 'office',
    name: 'Office',
    timeZone: 'Europe/Berlin',
    hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
  });
  // NORMAL: 2 business hours to first response, 16 business hours (two days) to resolution.
  await upsertSlaPolicy(db, { externalId: 'std', name: 'Standard', priorities: ['NORMAL'], calendarExternalId: 'office', firstResponseMinutes: 120, resolutionMinutes: 960 });
  await db.driver.execScript(`
    CREATE TABLE write_log (op text, "externalId" text);
    CREATE FUNCTION log_ticket_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO write_log VALUES (TG_OP, NEW."externalId"); RETURN NULL; END $$;
    CREATE TRIGGER "Ticket_write_log" AFTER INSERT OR UPDATE ON "Ticket" FOR EACH ROW EXECUTE FUNCTION log_ticket_write();`);
});
afterAll(async () => {
  await db?.destroy();
});

describe('the single-write ticket path', () => {
  it('inserts each new ticket once, with the SLA columns and facts the two-pass path stored', async () => {
    expect(await upsertTickets(db, [T1, T2, T3])).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(await ticketWrites()).toEqual([
      ['INSERT', 't1'],
      ['INSERT', 't2'],
      ['INSERT', 't3'],
    ]);
    const stored = await derivedColumns();
    expect(stored).toEqual([
      {
        externalId: 't1',
        policy: 'std',
        // 09:30 CEST + 2 business hours = 11:30 CEST; replied 10:00 CEST: achieved.
        firstResponseDueAt: '2026-06-01T09:30:00.000Z',
        firstResponseSlaStatus: 'ACHIEVED',
        // 7.5 h on Monday + 8 h on Tuesday + 0.5 h on Wednesday = Wed 09:30 CEST; solved Monday: achieved.
        resolutionDueAt: '2026-06-03T07:30:00.000Z',
        resolutionSlaStatus: 'ACHIEVED',
        // 09:30-10:00 and 09:30-12:00 CEST, all inside opening hours.
        firstResponseBusinessSeconds: 1800,
        resolutionBusinessSeconds: 9000,
        // Bo wrote the first public reply and was the assignee (ASSIGNMENT 07:40Z) when Ada's SOLVE came.
        firstResponder: 'bo',
        solvedBy: 'bo',
        firstSolvedAt: '2026-06-01T10:00:00.000Z',
        firstReopenedAt: null,
        reopenReplyAt: null,
        // NEW from 07:30Z until the solve at 10:00Z: 2.5 h of waiting, none on hold.
        requesterWaitSeconds: 9000,
        onHoldSeconds: 0,
      },
      {
        externalId: 't2',
        policy: 'std',
        // Created 17:10 CEST, after closing: due Tuesday 11:00 CEST; replied 17:40 CEST Monday: achieved.
        firstResponseDueAt: '2026-06-02T09:00:00.000Z',
        firstResponseSlaStatus: 'ACHIEVED',
        // Tuesday and Wednesday, 8 h each: Wed 17:00 CEST, long passed and unsolved.
        resolutionDueAt: '2026-06-03T15:00:00.000Z',
        resolutionSlaStatus: 'BREACHED',
        // The office was closed between creation and the reply.
        firstResponseBusinessSeconds: 0,
        resolutionBusinessSeconds: null,
        // No reply events: the assignee.
        firstResponder: 'bo',
        solvedBy: null,
        firstSolvedAt: null,
        firstReopenedAt: null,
        reopenReplyAt: null,
        requesterWaitSeconds: null,
        onHoldSeconds: null,
      },
      {
        externalId: 't3',
        // LOW: no policy; business time is calendar time (15 and 45 minutes).
        policy: null,
        firstResponseDueAt: null,
        firstResponseSlaStatus: null,
        resolutionDueAt: null,
        resolutionSlaStatus: null,
        firstResponseBusinessSeconds: 900,
        resolutionBusinessSeconds: 2700,
        firstResponder: null,
        solvedBy: null,
        firstSolvedAt: '2026-06-01T07:50:00.000Z',
        firstReopenedAt: null,
        reopenReplyAt: null,
        requesterWaitSeconds: null,
        onHoldSeconds: null,
      },
    ]);
    expect(await derivedByTwoPasses()).toEqual(stored);
  });

  it('adds the new tickets to the rollups as a rebuild of their hours would', async () => {
    expect(await rollupRows()).toEqual([
      // Created: t3 (no team) and t1 at 07:xxZ, t2 at 15:10Z.
      [1, '2026-06-01T07:00:00.000Z', null, 1, 0],
      [1, '2026-06-01T07:00:00.000Z', 'A', 1, 0],
      [1, '2026-06-01T15:00:00.000Z', 'B', 1, 0],
      // First-response targets decided at the reply (08:00Z, 15:40Z), both met.
      [4, '2026-06-01T08:00:00.000Z', 'A', 1, 1],
      [4, '2026-06-01T15:00:00.000Z', 'B', 1, 1],
      // Resolution: t1 met at its solve; t2 missed at its deadline.
      [5, '2026-06-01T10:00:00.000Z', 'A', 1, 1],
      [5, '2026-06-03T15:00:00.000Z', 'B', 1, 0],
    ]);
    expect(await driftFromHourlyRebuild()).toBe(0);
  });

  it('moves an updated ticket to its new hour and team in one write, and writes nothing for an unchanged batch', async () => {
    const moved: TicketInput = { ...T2, teamExternalId: 'A', createdAt: at('2026-06-01T12:10:00Z') };
    expect(await upsertTickets(db, [T1, moved, T3])).toEqual({ created: 0, updated: 1, unchanged: 2 });
    expect(await ticketWrites()).toEqual([['UPDATE', 't2']]);
    const stored = await derivedColumns();
    expect(stored[1]).toMatchObject({
      externalId: 't2',
      // 14:10 CEST + 2 h = 16:10 CEST; the reply at 17:40 CEST is late.
      firstResponseDueAt: '2026-06-01T14:10:00.000Z',
      firstResponseSlaStatus: 'BREACHED',
      // 2 h 50 min on Monday + 8 h on Tuesday + 5 h 10 min on Wednesday = Wed 14:10 CEST.
      resolutionDueAt: '2026-06-03T12:10:00.000Z',
      // Open from 14:10 to 17:00 CEST before the reply.
      firstResponseBusinessSeconds: 10200,
      firstResponder: 'bo',
    });
    expect(await derivedByTwoPasses()).toEqual(stored);
    expect(await rollupRows()).toEqual([
      [1, '2026-06-01T07:00:00.000Z', null, 1, 0],
      [1, '2026-06-01T07:00:00.000Z', 'A', 1, 0],
      // t2 left 15:00Z of team B for 12:00Z of team A.
      [1, '2026-06-01T12:00:00.000Z', 'A', 1, 0],
      [4, '2026-06-01T08:00:00.000Z', 'A', 1, 1],
      // Now decided at its deadline 14:10Z, missed.
      [4, '2026-06-01T14:00:00.000Z', 'A', 1, 0],
      [5, '2026-06-01T10:00:00.000Z', 'A', 1, 1],
      [5, '2026-06-03T12:00:00.000Z', 'A', 1, 0],
    ]);
    expect(await driftFromHourlyRebuild()).toBe(0);

    expect(await upsertTickets(db, [T1, moved, T3])).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect(await ticketWrites()).toEqual([]);
  });
});
