import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { SEEDED_TABLES, isEmpty, resetDemoTables, seedDemo, type SeedSummary } from '../../seeds/demo.ts';

const NOW = new Date('2026-11-25T00:00:00Z');
const OPTIONS = { tickets: 2000, seed: 7, days: 60, now: NOW };

async function checksums(db: TestDatabase): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of SEEDED_TABLES) {
    const [row] = await db.driver.query<{ sum: string | null }>(
      // When derived columns were computed, and the span of materialised open hours, follow the database's clock, not the seed's.
      `SELECT md5(string_agg((to_jsonb(t) - 'slaComputedAt' - 'eventFactsAt' - 'openIntervalsFrom' - 'openIntervalsTo')::text, E'\\n' ORDER BY t.id)) AS sum FROM "${table}" t`,
    );
    out[table] = row.sum ?? '';
  }
  return out;
}

/** Index and foreign-key definitions of the bulk-loaded tables. */
async function schemaOf(db: TestDatabase): Promise<string[]> {
  const rows = await db.driver.query<{ def: string }>(`
    SELECT indexdef AS def FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename IN ('Ticket', 'TicketEvent', 'Feedback')
    UNION ALL
    SELECT c.conname || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
     WHERE c.contype = 'f' AND t.relname IN ('Ticket', 'TicketEvent', 'Feedback')
    ORDER BY 1`);
  return rows.map((r) => r.def);
}

async function one<T>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await db.driver.query(sql, params);
  return row as T;
}

describe('seedDemo', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let summary: SeedSummary;
  let sumsA: Record<string, string>;
  let schemaBefore: string[];

  beforeAll(async () => {
    a = await openTestDatabase();
    b = await openTestDatabase();
    schemaBefore = await schemaOf(b);
    expect(await isEmpty(a)).toBe(true);
    summary = await seedDemo(a, OPTIONS);
    sumsA = await checksums(a);
  });

  afterAll(async () => {
    await a?.destroy();
    await b?.destroy();
  });

  it('reports the rows it wrote', async () => {
    expect(summary).toMatchObject({ teams: 6, agents: 40, categories: 19, tickets: 2000, calendars: 2, slaPolicies: 4 });
    const counts = await one<Record<string, number>>(a, `SELECT
      (SELECT count(*)::int FROM "Team") AS teams, (SELECT count(*)::int FROM "Agent") AS agents,
      (SELECT count(*)::int FROM "Customer") AS customers, (SELECT count(*)::int FROM "Category") AS categories,
      (SELECT count(*)::int FROM "Ticket") AS tickets, (SELECT count(*)::int FROM "TicketEvent") AS events,
      (SELECT count(*)::int FROM "Feedback") AS feedback, (SELECT count(*)::int FROM "BusinessCalendar") AS calendars,
      (SELECT count(*)::int FROM "SlaPolicy") AS "slaPolicies"`);
    const { ms, ...rows } = summary;
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(counts).toEqual(rows);
    // 3 to 8 events per ticket on average keeps a million tickets loadable in minutes.
    expect(summary.events / summary.tickets).toBeGreaterThan(3);
    expect(summary.events / summary.tickets).toBeLessThan(8);
  });

  it('refuses a database that already has data', async () => {
    expect(await isEmpty(a)).toBe(false);
    await expect(seedDemo(a, OPTIONS)).rejects.toThrow(/already has data \(in Team, Agent/);
  });

  it('gives identical rows for the same seed and now, different rows for another seed', async () => {
    await seedDemo(b, OPTIONS);
    expect(await checksums(b)).toEqual(sumsA);

    await resetDemoTables(b);
    expect(await isEmpty(b)).toBe(true);
    const other = await seedDemo(b, { ...OPTIONS, seed: 8, events: false });
    expect(other.events).toBe(0);
    const sumsB = await checksums(b);
    expect(sumsB.Ticket).not.toBe(sumsA.Ticket);
    expect(sumsB.Customer).not.toBe(sumsA.Customer);
    expect(await one(b, 'SELECT count(*)::int AS n FROM "TicketEvent"')).toEqual({ n: 0 });
    // Sequences continue after the explicit ids.
    expect(await one(b, `SELECT nextval(pg_get_serial_sequence('"Ticket"', 'id'))::int AS n`)).toEqual({ n: 2001 });
  });

  it('keeps every ticket inside the period and its timestamps in order', async () => {
    const bad = await one<Record<string, number>>(a, `SELECT
      count(*) FILTER (WHERE "createdAt" < $1::timestamptz - interval '60 days' OR "createdAt" >= $1)::int AS outside,
      count(*) FILTER (WHERE "firstResponseAt" < "createdAt" OR "firstResponseAt" > $1)::int AS response,
      count(*) FILTER (WHERE "solvedAt" < "createdAt" OR "solvedAt" < "firstResponseAt" OR "solvedAt" > $1)::int AS solved,
      count(*) FILTER (WHERE "closedAt" < "solvedAt" OR ("closedAt" IS NOT NULL) <> (status = 'CLOSED'))::int AS closed,
      count(*) FILTER (WHERE ("solvedAt" IS NOT NULL) <> (status IN ('SOLVED', 'CLOSED')))::int AS status,
      count(*) FILTER (WHERE status = 'NEW' AND ("assigneeId" IS NOT NULL OR "firstResponseAt" IS NOT NULL))::int AS new,
      count(*) FILTER (WHERE escalated <> ("escalatedAt" IS NOT NULL) OR "escalatedAt" < "createdAt")::int AS escalation,
      count(*) FILTER (WHERE "slaComputedAt" IS NULL OR "eventFactsAt" IS NULL)::int AS underived
      FROM "Ticket"`, [NOW.toISOString()]);
    expect(bad).toEqual({ outside: 0, response: 0, solved: 0, closed: 0, status: 0, new: 0, escalation: 0, underived: 0 });
  });

  it('leaves the SLA computed: every ticket has its policy and deadlines, 24/7 business time equals calendar time', async () => {
    // One policy per priority covers every ticket; each has both targets.
    const sla = await one<Record<string, number>>(a, `SELECT
      count(*) FILTER (WHERE "slaPolicyId" IS NULL OR "firstResponseDueAt" IS NULL OR "resolutionDueAt" IS NULL)::int AS uncovered,
      count(*) FILTER (WHERE "firstResponseAt" IS NOT NULL AND "firstResponseBusinessSeconds" IS NULL)::int AS "noBusiness",
      count(*) FILTER (WHERE priority = 'URGENT' AND "firstResponseBusinessSeconds" <> EXTRACT(EPOCH FROM ("firstResponseAt" - "createdAt")))::int AS "urgentDiffers",
      count(*) FILTER (WHERE priority = 'URGENT' AND "firstResponseAt" IS NOT NULL)::int AS urgent,
      count(*) FILTER (WHERE "firstResponseSlaStatus" IS NOT NULL)::int AS decided
      FROM "Ticket"`);
    expect(sla).toMatchObject({ uncovered: 0, noBusiness: 0, urgentDiffers: 0 });
    expect(sla.urgent).toBeGreaterThan(0);
    expect(sla.decided).toBe(2000);
  });

  it('derives the ticket fields from its events', async () => {
    const bad = await one<Record<string, number>>(a, `
      WITH e AS (
        SELECT "ticketId",
          min("occurredAt") FILTER (WHERE type = 'AGENT_REPLY' AND public) AS first_reply,
          count(*) FILTER (WHERE type = 'AGENT_REPLY' AND public)::int AS replies,
          count(*) FILTER (WHERE type = 'REOPEN')::int AS reopens,
          max("occurredAt") FILTER (WHERE type = 'SOLVE') AS last_solve,
          min("occurredAt") FILTER (WHERE type = 'ESCALATION') AS escalation,
          min("occurredAt") FILTER (WHERE type = 'CREATED') AS created,
          count(*) FILTER (WHERE type = 'CREATED')::int AS creates
        FROM "TicketEvent" GROUP BY "ticketId")
      SELECT
        (SELECT count(*)::int FROM "Ticket" t WHERE NOT EXISTS (SELECT 1 FROM e WHERE e."ticketId" = t.id)) AS without_events,
        count(*) FILTER (WHERE e.first_reply IS DISTINCT FROM t."firstResponseAt")::int AS first_reply,
        count(*) FILTER (WHERE e.replies <> t."agentReplies")::int AS replies,
        count(*) FILTER (WHERE e.reopens <> t."reopenCount")::int AS reopens,
        count(*) FILTER (WHERE t.status IN ('SOLVED', 'CLOSED') AND e.last_solve IS DISTINCT FROM t."solvedAt")::int AS solve,
        count(*) FILTER (WHERE e.escalation IS DISTINCT FROM t."escalatedAt")::int AS escalation,
        count(*) FILTER (WHERE e.created <> t."createdAt" OR e.creates <> 1)::int AS created
      FROM "Ticket" t JOIN e ON e."ticketId" = t.id`);
    expect(bad).toEqual({ without_events: 0, first_reply: 0, replies: 0, reopens: 0, solve: 0, escalation: 0, created: 0 });

    const order = await one<Record<string, number>>(a, `SELECT
      count(*) FILTER (WHERE e."externalId" <> t."externalId" || '#' || e.seq)::int AS external_ids,
      count(*) FILTER (WHERE e."occurredAt" > $1::timestamptz OR e."occurredAt" < t."createdAt")::int AS outside,
      count(*) FILTER (WHERE e.type = 'CREATED' AND e.seq <> 1)::int AS first,
      count(*) FILTER (WHERE (e.type = 'STATUS_CHANGE') <> (e.status IS NOT NULL))::int AS status,
      count(*) FILTER (WHERE e.type IN ('AGENT_REPLY', 'ASSIGNMENT', 'ESCALATION', 'SOLVE') AND e."agentId" IS NULL)::int AS agent
      FROM "TicketEvent" e JOIN "Ticket" t ON t.id = e."ticketId"`, [NOW.toISOString()]);
    expect(order).toEqual({ external_ids: 0, outside: 0, first: 0, status: 0, agent: 0 });
    // Sequence order is time order.
    expect(await one(a, `SELECT count(*)::int AS n FROM (
      SELECT "occurredAt" <= lag("occurredAt") OVER (PARTITION BY "ticketId" ORDER BY seq) AS backwards FROM "TicketEvent") x
      WHERE backwards`)).toEqual({ n: 0 });
    // Some replies are internal notes, which count neither as response nor as reply.
    expect(await one(a, `SELECT (count(*) > 0) AS some FROM "TicketEvent" WHERE type = 'AGENT_REPLY' AND NOT public`))
      .toEqual({ some: true });
  });

  it('has rates near industry norms', async () => {
    const rates = await one<Record<string, number>>(a, `SELECT
      avg(escalated::int)::float AS escalation,
      avg(("reopenCount" > 0)::int) FILTER (WHERE "solvedAt" IS NOT NULL)::float AS reopen,
      avg(("agentReplies" = 1)::int) FILTER (WHERE "solvedAt" IS NOT NULL)::float AS one_touch,
      (SELECT count(*) FROM "Feedback" WHERE kind = 'CSAT')::float / count(*) FILTER (WHERE "solvedAt" IS NOT NULL) AS csat_share
      FROM "Ticket"`);
    expect(rates.escalation).toBeGreaterThan(0.03);
    expect(rates.escalation).toBeLessThan(0.12);
    expect(rates.reopen).toBeGreaterThan(0.02);
    expect(rates.reopen).toBeLessThan(0.15);
    expect(rates.one_touch).toBeGreaterThan(0.25);
    expect(rates.one_touch).toBeLessThan(0.7);
    expect(rates.csat_share).toBeGreaterThan(0.15);
    expect(rates.csat_share).toBeLessThan(0.35);

    const scores = await one<Record<string, number>>(a, `SELECT
      count(*) FILTER (WHERE kind = 'CSAT' AND score NOT BETWEEN 1 AND 5)::int AS csat,
      count(*) FILTER (WHERE kind = 'NPS' AND score NOT BETWEEN 0 AND 10)::int AS nps,
      count(*) FILTER (WHERE kind = 'CES' AND score NOT BETWEEN 1 AND 7)::int AS ces,
      count(*) FILTER (WHERE f."ticketId" IS NOT NULL AND (f."createdAt" < t."solvedAt" OR t."solvedAt" IS NULL))::int AS early,
      count(*) FILTER (WHERE f."createdAt" > $1::timestamptz)::int AS future,
      count(*) FILTER (WHERE f."ticketId" IS NULL AND f."agentId" IS NULL)::int AS unattributed
      FROM "Feedback" f LEFT JOIN "Ticket" t ON t.id = f."ticketId"`, [NOW.toISOString()]);
    expect(scores).toEqual({ csat: 0, nps: 0, ces: 0, early: 0, future: 0, unattributed: 0 });
  });

  it('rates slow first responses lower than fast ones', async () => {
    const rows = await a.driver.query<{ quartile: number; avg: number }>(`
      SELECT quartile, avg(score)::float AS avg FROM (
        SELECT f.score, ntile(4) OVER (ORDER BY t."firstResponseAt" - t."createdAt") AS quartile
        FROM "Feedback" f JOIN "Ticket" t ON t.id = f."ticketId" WHERE f.kind = 'CSAT') q
      GROUP BY quartile ORDER BY quartile`);
    expect(rows.map((r) => r.quartile)).toEqual([1, 2, 3, 4]);
    expect(rows[0].avg).toBeGreaterThan(rows[3].avg + 0.3);
  });

  it('follows the weekly rhythm and channel-typical response times', async () => {
    const volume = await one<{ weekday: number; weekend: number }>(a, `SELECT
      count(*) FILTER (WHERE extract(isodow FROM "createdAt" AT TIME ZONE 'Europe/Berlin') <= 5)::float / 5 AS weekday,
      count(*) FILTER (WHERE extract(isodow FROM "createdAt" AT TIME ZONE 'Europe/Berlin') > 5)::float / 2 AS weekend
      FROM "Ticket"`);
    expect(volume.weekday).toBeGreaterThan(1.5 * volume.weekend);

    const medians = await a.driver.query<{ channel: string; median: number }>(`
      SELECT channel, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "firstResponseAt" - "createdAt"))::float AS median
      FROM "Ticket" WHERE "firstResponseAt" IS NOT NULL GROUP BY channel`);
    const median = Object.fromEntries(medians.map((m) => [m.channel, m.median]));
    expect(Object.keys(median).sort()).toEqual(['API', 'CHAT', 'EMAIL', 'PHONE', 'SOCIAL', 'WEB']);
    expect(median.CHAT).toBeLessThan(median.EMAIL);
    expect(median.PHONE).toBeLessThan(median.EMAIL);
    expect(median.CHAT).toBeLessThan(15 * 60);
    expect(median.EMAIL).toBeGreaterThan(30 * 60);
  });

  it('leaves recent tickets open and old ones solved', async () => {
    const open = await one<{ recent: number; old: number }>(a, `SELECT
      avg((status NOT IN ('SOLVED', 'CLOSED'))::int) FILTER (WHERE "createdAt" >= $1::timestamptz - interval '2 hours')::float AS recent,
      avg((status NOT IN ('SOLVED', 'CLOSED'))::int) FILTER (WHERE "createdAt" < $1::timestamptz - interval '14 days')::float AS old
      FROM "Ticket"`, [NOW.toISOString()]);
    expect(open.recent).toBeGreaterThan(0.5);
    expect(open.old).toBeLessThan(0.02);
    const statuses = await a.driver.query<{ status: string }>('SELECT DISTINCT status::text FROM "Ticket" ORDER BY 1');
    expect(statuses.map((s) => s.status)).toEqual(expect.arrayContaining(['CLOSED', 'OPEN', 'PENDING', 'SOLVED']));
  });

  it('writes the reference data: teams, agents, category tree, calendars, SLA policies', async () => {
    expect(await one(a, `SELECT count(*) FILTER (WHERE NOT active)::int AS inactive, count(DISTINCT "teamId")::int AS teams,
      count(DISTINCT email)::int AS emails FROM "Agent"`)).toEqual({ inactive: 3, teams: 6, emails: 40 });
    expect(await one(a, `SELECT p."externalId" AS parent FROM "Category" c JOIN "Category" p ON p.id = c."parentId"
      WHERE c."externalId" = 'cat-billing-refund'`)).toEqual({ parent: 'cat-billing' });
    expect(await one(a, `SELECT count(*) FILTER (WHERE "parentId" IS NULL)::int AS roots, count(*)::int AS all FROM "Category"`))
      .toEqual({ roots: 4, all: 19 });
    expect(await one(a, `SELECT count(DISTINCT tier)::int AS tiers, count(*) FILTER (WHERE country !~ '^[A-Z]{2}$')::int AS bad_country,
      count(*) FILTER (WHERE organization IS NOT NULL)::int > 0 AS orgs FROM "Customer"`))
      .toEqual({ tiers: 4, bad_country: 0, orgs: true });

    const calendars = await a.driver.query<{ externalId: string; timeZone: string; hours: unknown; holidays: { date: string; name: string }[] }>(
      'SELECT "externalId", "timeZone", hours, holidays FROM "BusinessCalendar" ORDER BY "externalId"');
    expect(calendars.map((c) => [c.externalId, c.timeZone])).toEqual([
      ['cal-europe', 'Europe/Berlin'], ['cal-us', 'America/New_York'],
    ]);
    expect(calendars[0].hours).toEqual([1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })));
    expect(calendars[1].hours).toEqual([1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '18:00' })));
    // German Unity Day; Thanksgiving 2026 is the fourth Thursday of November (Nov 1 is a Sunday).
    expect(calendars[0].holidays).toContainEqual({ date: '2026-10-03', name: 'Tag der Deutschen Einheit' });
    expect(calendars[1].holidays).toContainEqual({ date: '2026-11-26', name: 'Thanksgiving Day' });

    const policies = await a.driver.query(`SELECT p."externalId", p.priorities::text[] AS priorities, c."externalId" AS calendar,
      p."firstResponseMinutes" > 0 AND p."resolutionMinutes" > p."firstResponseMinutes" AS sensible
      FROM "SlaPolicy" p LEFT JOIN "BusinessCalendar" c ON c.id = p."calendarId" ORDER BY p.id`);
    expect(policies).toEqual([
      { externalId: 'sla-low', priorities: ['LOW'], calendar: 'cal-europe', sensible: true },
      { externalId: 'sla-normal', priorities: ['NORMAL'], calendar: 'cal-europe', sensible: true },
      { externalId: 'sla-high', priorities: ['HIGH'], calendar: 'cal-us', sensible: true },
      { externalId: 'sla-urgent', priorities: ['URGENT'], calendar: null, sensible: true },
    ]);
  });

  it('rebuilds every index and foreign key it set aside while loading', async () => {
    expect(await schemaOf(a)).toEqual(schemaBefore);
  });
});
