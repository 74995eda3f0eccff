import { rebuildAllRollups, rollupsOffForTransaction } from '../src/analytics/rollups/maintain.ts';
import type { Database, SqlDriver } from '../src/db/client.ts';
import { deriveTicketFacts } from '../src/analytics/ticket-facts.ts';
import { recomputeAllTicketsIn } from '../src/sla/recompute.ts';
import { ArrivalPlan } from './arrivals.ts';
import { insertColumns, type SqlRunner } from './bulk-insert.ts';
import { CALENDARS, OpenHours, holidaysBetween, type CalendarSpec } from './calendars.ts';
import { LEAF_CATEGORIES, PARENT_CATEGORIES, TEAMS, type CustomerRegion } from './catalog.ts';
import { simulateTicket, type SimContext, type SimTicket } from './lifecycle.ts';
import { agentsByTeam, buildAgents, buildCustomers, customerCount, type Agent, type Customer } from './people.ts';
import { Random } from './random.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Tickets per transaction: large enough to amortise round trips, small enough to keep memory flat. */
const BATCH = 5000;

/** What to generate. */
export interface SeedOptions {
  /** Number of tickets. */
  tickets: number;
  /** PRNG seed: the same seed and `now` give identical rows. */
  seed: number;
  /** Tickets arrive over the last `days` days up to `now`. */
  days: number;
  /** The end of the period (default: the current time). */
  now?: Date;
  /** Also write TicketEvent rows (default true); without them seeding is about twice as fast. */
  events?: boolean;
  /** Called after each committed batch with tickets written so far. */
  onProgress?: (done: number, total: number) => void;
  /** Compute every ticket's SLA columns before returning (default true); false leaves them "not computed". */
  computeSla?: boolean;
  /** Runs inside the seed's transaction after all rows are in and before the indexes return. */
  beforeIndexes?: (tx: Omit<SqlDriver, 'transaction'>) => Promise<void>;
}

/** Rows written per table, and how long it took. */
export interface SeedSummary {
  teams: number;
  agents: number;
  customers: number;
  categories: number;
  tickets: number;
  events: number;
  feedback: number;
  calendars: number;
  slaPolicies: number;
  ms: number;
}

/** The tables the demo data fills, in an order that respects foreign keys. */
export const SEEDED_TABLES = [
  'Team', 'Agent', 'Customer', 'Category', 'BusinessCalendar', 'SlaPolicy', 'Ticket', 'TicketEvent', 'Feedback',
] as const;

/** True when none of the tables the demo data fills has a row. */
export async function isEmpty(db: Database): Promise<boolean> {
  return (await nonEmptyTables(db)).length === 0;
}

async function nonEmptyTables(db: Database): Promise<string[]> {
  const checks = SEEDED_TABLES.map((t) => `SELECT '${t}' AS name WHERE EXISTS (SELECT 1 FROM "${t}")`).join(' UNION ALL ');
  const rows = await db.driver.query<{ name: string }>(checks);
  return rows.map((r) => r.name);
}

/** Deletes every row of the seeded tables (and of tables referencing them) and restarts their ids. */
export async function resetDemoTables(db: Database): Promise<void> {
  await db.driver.query(`TRUNCATE ${SEEDED_TABLES.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
}

function validate(options: SeedOptions): void {
  const { tickets, seed, days, now } = options;
  if (!Number.isInteger(tickets) || tickets < 0) throw new Error(`tickets must be a non-negative integer, got ${tickets}`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(days) || days < 1 || days > 3660) throw new Error(`days must be an integer from 1 to 3660, got ${days}`);
  if (now !== undefined && Number.isNaN(now.getTime())) throw new Error('now must be a valid date');
}

/**
 * Fills an empty, migrated database with a realistic help desk: teams, agents,
 * customers, contact reasons, business calendars, one SLA policy per priority, and
 * `tickets` tickets with their events and survey answers over the last `days` days.
 * Rows go in through the raw driver as batches of multi-row `unnest` inserts inside
 * one transaction, so a failed or interrupted seed leaves the database empty.
 * SLA columns and event-derived ticket columns are computed before it returns.
 */
export async function seedDemo(db: Database, options: SeedOptions): Promise<SeedSummary> {
  validate(options);
  const began = Date.now();
  const filled = await nonEmptyTables(db);
  if (filled.length > 0) {
    throw new Error(
      `The database already has data (in ${filled.join(', ')}); demo data is only loaded into an empty database. ` +
        'Empty it first (the seed CLI does this with --reset) or use another database.',
    );
  }
  const nowMs = Math.floor((options.now ?? new Date()).getTime());
  const startMs = nowMs - options.days * DAY_MS;
  const withEvents = options.events ?? true;
  const stamp = new Date(nowMs).toISOString();

  const agents = buildAgents(options.seed, startMs, nowMs);
  const customers = buildCustomers(options.seed, customerCount(options.tickets), startMs);
  // Business-hour grids reach past `now` so histories that run beyond it still follow office hours.
  const gridStart = Math.floor(startMs / HOUR_MS) * HOUR_MS;
  const gridHours = Math.ceil((nowMs - gridStart) / HOUR_MS) + 24 * 60;
  const hours = { EU: new OpenHours(gridStart, gridHours, CALENDARS.europe), US: new OpenHours(gridStart, gridHours, CALENDARS.us) };
  const share = Object.fromEntries(
    (['EU', 'AM', 'AP'] as const).map((r) => [r, customers.byRegion[r].total]),
  ) as Record<CustomerRegion, number>;
  const plan = new ArrivalPlan(options.seed, startMs, nowMs, options.tickets, share);
  const ctx: SimContext = { seed: options.seed, nowMs, plan, customers, agents, byTeam: agentsByTeam(agents), hours };

  const counts = { tickets: 0, events: 0, feedback: 0 };
  // One transaction: the seed lands whole or not at all, and the big tables can load
  // without their secondary indexes and foreign keys, which are rebuilt once at the end
  // (a sort per index instead of a million index insertions and trigger calls).
  await db.driver.transaction(async (tx) => {
    await tx.query('SET LOCAL synchronous_commit = off');
    // Rollups are built once from the loaded rows (below) instead of per inserted chunk.
    await rollupsOffForTransaction(tx);
    if (db.kind === 'postgres') await tx.query("SET LOCAL maintenance_work_mem = '512MB'");
    await insertDimensions(tx, agents, customers.all, startMs, stamp);
    const restore = await dropSecondaryIndexes(tx, BULK_TABLES);

    const arrivals = plan.arrivals(options.seed);
    let pending: Promise<void> | null = null;
    let index = 0;
    while (index < options.tickets) {
      const batch: SimTicket[] = [];
      const firstId = index + 1;
      while (batch.length < BATCH && index < options.tickets) {
        const next = arrivals.next();
        if (next.done) break;
        batch.push(simulateTicket(ctx, index, next.value));
        index += 1;
        // Yield now and then so the previous batch's statements keep flowing while this one is built.
        if (index % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      if (batch.length === 0) break;
      const rows = ticketColumns(batch, firstId, counts.events + 1, counts.feedback + 1, withEvents);
      counts.tickets += batch.length;
      counts.events += rows.eventCount;
      counts.feedback += rows.feedbackCount;
      if (pending) await pending;
      const done = counts.tickets;
      pending = (async () => {
        await insertColumns(tx, 'Ticket', rows.tickets, ingestStamps(stamp));
        if (rows.eventCount > 0) await insertColumns(tx, 'TicketEvent', rows.events);
        if (rows.feedbackCount > 0) await insertColumns(tx, 'Feedback', rows.feedback, ingestStamps(stamp));
        options.onProgress?.(done, options.tickets);
      })();
      // Awaited before the next batch; until then a failure must not count as unhandled.
      pending.catch(() => undefined);
    }
    if (pending) await pending;

    const relationship = relationshipNps(options.seed, customers.all, agents, startMs, nowMs, counts.feedback + 1);
    if (relationship.count > 0) {
      await insertColumns(tx, 'Feedback', relationship.columns, ingestStamps(stamp));
      counts.feedback += relationship.count;
    }
    // Derived columns (event facts, SLA) are cheapest to fill while the ticket indexes
    // are still off; the seed leaves the database ready to query.
    await deriveTicketFacts(tx, 'all');
    if (options.computeSla !== false) await recomputeAllTicketsIn(tx, options.now ? { now: options.now } : {});
    if (options.beforeIndexes) await options.beforeIndexes(tx);
    for (const sql of restore) await tx.query(sql);
    await rebuildAllRollups(tx);
    for (const table of SEEDED_TABLES) {
      await tx.query(`SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT max(id) FROM "${table}"))`);
    }
  });
  // Fresh statistics so the first analytic queries get good plans.
  await db.driver.query(`ANALYZE ${SEEDED_TABLES.map((t) => `"${t}"`).join(', ')}`);

  return {
    teams: TEAMS.length,
    agents: agents.length,
    customers: customers.all.length,
    categories: PARENT_CATEGORIES.length + LEAF_CATEGORIES.length,
    tickets: counts.tickets,
    events: counts.events,
    feedback: counts.feedback,
    calendars: Object.keys(CALENDARS).length,
    slaPolicies: SLA_POLICIES.length,
    ms: Date.now() - began,
  };
}

/** The tables loaded in bulk, whose secondary indexes and foreign keys are rebuilt after loading. */
const BULK_TABLES = ['Ticket', 'TicketEvent', 'Feedback'];

/**
 * Drops the foreign keys and the indexes that back no constraint on `tables`, and
 * returns the statements that recreate them exactly (names and definitions read from
 * the catalog, so indexes added by later migrations are covered too). Run inside the
 * loading transaction: if anything fails, the drops roll back with it.
 */
async function dropSecondaryIndexes(tx: SqlRunner, tables: string[]): Promise<string[]> {
  const foreignKeys = await tx.query<{ tbl: string; name: string; def: string }>(
    `SELECT t.relname AS tbl, c.conname AS name, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = ANY($1::text[])
      ORDER BY t.relname, c.conname`,
    [tables],
  );
  const indexes = await tx.query<{ name: string; def: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.conrelid = t.oid)
      ORDER BY t.relname, i.relname`,
    [tables],
  );
  const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
  for (const fk of foreignKeys) await tx.query(`ALTER TABLE ${ident(fk.tbl)} DROP CONSTRAINT ${ident(fk.name)}`);
  for (const index of indexes) await tx.query(`DROP INDEX ${ident(index.name)}`);
  return [
    ...indexes.map((index) => index.def),
    ...foreignKeys.map((fk) => `ALTER TABLE ${ident(fk.tbl)} ADD CONSTRAINT ${ident(fk.name)} ${fk.def}`),
  ];
}

function ingestStamps(stamp: string): Record<string, { sql: string; value: unknown }> {
  return { ingestedAt: { sql: 'timestamptz', value: stamp }, updatedAt: { sql: 'timestamptz', value: stamp } };
}

/** The SLA policies: business-hours targets for low to high, around the clock for urgent. */
export const SLA_POLICIES: {
  externalId: string; name: string; priority: string; calendar: CalendarSpec | null;
  firstResponseMinutes: number; resolutionMinutes: number;
}[] = [
  { externalId: 'sla-low', name: 'Low priority', priority: 'LOW', calendar: CALENDARS.europe, firstResponseMinutes: 24 * 60, resolutionMinutes: 10 * 8 * 60 },
  { externalId: 'sla-normal', name: 'Normal priority', priority: 'NORMAL', calendar: CALENDARS.europe, firstResponseMinutes: 8 * 60, resolutionMinutes: 5 * 8 * 60 },
  { externalId: 'sla-high', name: 'High priority (extended hours)', priority: 'HIGH', calendar: CALENDARS.us, firstResponseMinutes: 2 * 60, resolutionMinutes: 2 * 10 * 60 },
  { externalId: 'sla-urgent', name: 'Urgent, around the clock', priority: 'URGENT', calendar: null, firstResponseMinutes: 30, resolutionMinutes: 8 * 60 },
];

async function insertDimensions(tx: SqlRunner, agents: Agent[], customers: Customer[], startMs: number, stamp: string): Promise<void> {
  const stamps = { createdAt: { sql: 'timestamptz', value: stamp }, updatedAt: { sql: 'timestamptz', value: stamp } };
  const setUpMs = startMs - 400 * DAY_MS;
  await insertColumns(tx, 'Team', [
    { name: 'id', type: 'int', values: TEAMS.map((t) => t.id) },
    { name: 'externalId', type: 'text', values: TEAMS.map((t) => t.externalId) },
    { name: 'name', type: 'text', values: TEAMS.map((t) => t.name) },
    { name: 'createdAt', type: 'ms', values: TEAMS.map(() => setUpMs) },
  ], { updatedAt: stamps.updatedAt });
  await insertColumns(tx, 'Agent', [
    { name: 'id', type: 'int', values: agents.map((a) => a.id) },
    { name: 'externalId', type: 'text', values: agents.map((a) => a.externalId) },
    { name: 'name', type: 'text', values: agents.map((a) => a.name) },
    { name: 'email', type: 'text', values: agents.map((a) => a.email) },
    { name: 'role', type: 'text', values: agents.map((a) => a.role) },
    { name: 'active', type: 'bool', values: agents.map((a) => a.active) },
    { name: 'teamId', type: 'int', values: agents.map((a) => a.teamId) },
    { name: 'createdAt', type: 'ms', values: agents.map((a) => a.hiredMs) },
  ], { updatedAt: stamps.updatedAt });
  await insertColumns(tx, 'Customer', [
    { name: 'id', type: 'int', values: customers.map((c) => c.id) },
    { name: 'externalId', type: 'text', values: customers.map((c) => c.externalId) },
    { name: 'name', type: 'text', values: customers.map((c) => c.name) },
    { name: 'email', type: 'text', values: customers.map((c) => c.email) },
    { name: 'organization', type: 'text', values: customers.map((c) => c.organization) },
    { name: 'tier', type: '"CustomerTier"', values: customers.map((c) => c.tier) },
    { name: 'country', type: 'text', values: customers.map((c) => c.country) },
    { name: 'createdAt', type: 'ms', values: customers.map((c) => c.createdMs) },
  ], { updatedAt: stamps.updatedAt });
  const parents = PARENT_CATEGORIES.map((p, i) => ({ id: i + 1, externalId: p.externalId, name: p.name, parentId: null as number | null }));
  const leaves = LEAF_CATEGORIES.map((c, i) => ({
    id: PARENT_CATEGORIES.length + 1 + i,
    externalId: c.externalId,
    name: c.name,
    parentId: PARENT_CATEGORIES.findIndex((p) => p.group === c.group) + 1,
  }));
  const categories = [...parents, ...leaves];
  await insertColumns(tx, 'Category', [
    { name: 'id', type: 'int', values: categories.map((c) => c.id) },
    { name: 'externalId', type: 'text', values: categories.map((c) => c.externalId) },
    { name: 'name', type: 'text', values: categories.map((c) => c.name) },
    { name: 'parentId', type: 'int', values: categories.map((c) => c.parentId) },
    { name: 'createdAt', type: 'ms', values: categories.map(() => setUpMs) },
  ], { updatedAt: stamps.updatedAt });

  const calendars = [CALENDARS.europe, CALENDARS.us];
  const fromYear = new Date(startMs).getUTCFullYear();
  const toYear = new Date(stamp).getUTCFullYear() + 1;
  await insertColumns(tx, 'BusinessCalendar', [
    { name: 'id', type: 'int', values: calendars.map((_, i) => i + 1) },
    { name: 'externalId', type: 'text', values: calendars.map((c) => c.externalId) },
    { name: 'name', type: 'text', values: calendars.map((c) => c.name) },
    { name: 'timeZone', type: 'text', values: calendars.map((c) => c.timeZone) },
    { name: 'hours', type: 'jsonb', values: calendars.map((c) => JSON.stringify(c.hours)) },
    { name: 'holidays', type: 'jsonb', values: calendars.map((c) => JSON.stringify(holidaysBetween(c, fromYear, toYear))) },
  ], stamps);
  await insertColumns(tx, 'SlaPolicy', [
    { name: 'id', type: 'int', values: SLA_POLICIES.map((_, i) => i + 1) },
    { name: 'externalId', type: 'text', values: SLA_POLICIES.map((p) => p.externalId) },
    { name: 'name', type: 'text', values: SLA_POLICIES.map((p) => p.name) },
    { name: 'priorities', type: '"Priority"[]', values: SLA_POLICIES.map((p) => [p.priority]) },
    { name: 'calendarId', type: 'int', values: SLA_POLICIES.map((p) => (p.calendar ? calendars.indexOf(p.calendar) + 1 : null)) },
    { name: 'firstResponseMinutes', type: 'int', values: SLA_POLICIES.map((p) => p.firstResponseMinutes) },
    { name: 'resolutionMinutes', type: 'int', values: SLA_POLICIES.map((p) => p.resolutionMinutes) },
  ], stamps);
}

function externalTicketId(id: number): string {
  return `tkt-${String(id).padStart(7, '0')}`;
}

interface BatchColumns {
  tickets: Parameters<typeof insertColumns>[2];
  events: Parameters<typeof insertColumns>[2];
  feedback: Parameters<typeof insertColumns>[2];
  eventCount: number;
  feedbackCount: number;
}

function ticketColumns(batch: SimTicket[], firstId: number, firstEventId: number, firstFeedbackId: number, withEvents: boolean): BatchColumns {
  const n = batch.length;
  const t = {
    id: new Array<number>(n), ext: new Array<string>(n), subject: new Array<string>(n), channel: new Array<string>(n),
    priority: new Array<string>(n), status: new Array<string>(n), category: new Array<number>(n), team: new Array<number>(n),
    assignee: new Array<number | null>(n), customer: new Array<number>(n), tags: new Array<string>(n),
    created: new Array<number>(n), firstResponse: new Array<number | null>(n), solved: new Array<number | null>(n),
    closed: new Array<number | null>(n), replies: new Array<number>(n), reopens: new Array<number>(n),
    escalated: new Array<boolean>(n), escalatedAt: new Array<number | null>(n),
  };
  const e = {
    id: [] as number[], ext: [] as string[], ticket: [] as number[], seq: [] as number[], type: [] as string[],
    at: [] as number[], isPublic: [] as boolean[], agent: [] as (number | null)[], status: [] as (string | null)[],
  };
  const f = {
    id: [] as number[], ext: [] as string[], kind: [] as string[], score: [] as number[], comment: [] as (string | null)[],
    at: [] as number[], ticket: [] as number[], customer: [] as number[],
  };
  for (let i = 0; i < n; i += 1) {
    const s = batch[i];
    const id = firstId + i;
    const ext = externalTicketId(id);
    t.id[i] = id; t.ext[i] = ext; t.subject[i] = s.subject; t.channel[i] = s.channel; t.priority[i] = s.priority;
    t.status[i] = s.status; t.category[i] = s.categoryId; t.team[i] = s.teamId; t.assignee[i] = s.assigneeId;
    t.customer[i] = s.customerId; t.tags[i] = s.tags.join('|'); t.created[i] = s.createdMs;
    t.firstResponse[i] = s.firstResponseMs; t.solved[i] = s.solvedMs; t.closed[i] = s.closedMs;
    t.replies[i] = s.agentReplies; t.reopens[i] = s.reopenCount; t.escalated[i] = s.escalatedMs !== null;
    t.escalatedAt[i] = s.escalatedMs;
    if (withEvents) {
      for (let k = 0; k < s.events.length; k += 1) {
        const ev = s.events[k];
        e.id.push(firstEventId + e.id.length); e.ext.push(`${ext}#${k + 1}`); e.ticket.push(id); e.seq.push(k + 1);
        e.type.push(ev.type); e.at.push(ev.ms); e.isPublic.push(ev.public); e.agent.push(ev.agentId); e.status.push(ev.status);
      }
    }
    for (const fb of s.feedback) {
      f.id.push(firstFeedbackId + f.id.length); f.ext.push(`fb-${ext}-${fb.kind.toLowerCase()}`); f.kind.push(fb.kind);
      f.score.push(fb.score); f.comment.push(fb.comment); f.at.push(fb.ms); f.ticket.push(id); f.customer.push(s.customerId);
    }
  }
  return {
    tickets: [
      { name: 'id', type: 'int', values: t.id },
      { name: 'externalId', type: 'text', values: t.ext },
      { name: 'subject', type: 'text', values: t.subject },
      { name: 'channel', type: '"Channel"', values: t.channel },
      { name: 'priority', type: '"Priority"', values: t.priority },
      { name: 'status', type: '"TicketStatus"', values: t.status },
      { name: 'categoryId', type: 'int', values: t.category },
      { name: 'teamId', type: 'int', values: t.team },
      { name: 'assigneeId', type: 'int', values: t.assignee },
      { name: 'customerId', type: 'int', values: t.customer },
      { name: 'tags', type: 'tags', values: t.tags },
      { name: 'createdAt', type: 'ms', values: t.created },
      { name: 'firstResponseAt', type: 'ms', values: t.firstResponse },
      { name: 'solvedAt', type: 'ms', values: t.solved },
      { name: 'closedAt', type: 'ms', values: t.closed },
      { name: 'agentReplies', type: 'int', values: t.replies },
      { name: 'reopenCount', type: 'int', values: t.reopens },
      { name: 'escalated', type: 'bool', values: t.escalated },
      { name: 'escalatedAt', type: 'ms', values: t.escalatedAt },
    ],
    events: [
      { name: 'id', type: 'int', values: e.id },
      { name: 'externalId', type: 'text', values: e.ext },
      { name: 'ticketId', type: 'int', values: e.ticket },
      { name: 'seq', type: 'int', values: e.seq },
      { name: 'type', type: '"TicketEventType"', values: e.type },
      { name: 'occurredAt', type: 'ms', values: e.at },
      { name: 'public', type: 'bool', values: e.isPublic },
      { name: 'agentId', type: 'int', values: e.agent },
      { name: 'status', type: '"TicketStatus"', values: e.status },
    ],
    feedback: [
      { name: 'id', type: 'int', values: f.id },
      { name: 'externalId', type: 'text', values: f.ext },
      { name: 'kind', type: '"FeedbackKind"', values: f.kind },
      { name: 'score', type: 'int', values: f.score },
      { name: 'comment', type: 'text', values: f.comment },
      { name: 'createdAt', type: 'ms', values: f.at },
      { name: 'ticketId', type: 'int', values: f.ticket },
      { name: 'customerId', type: 'int', values: f.customer },
    ],
    eventCount: e.id.length,
    feedbackCount: f.id.length,
  };
}

/**
 * Relationship NPS: premium and enterprise accounts are surveyed each quarter by
 * their customer success manager, without a ticket; the answer credits that manager.
 */
function relationshipNps(
  seed: number, customers: Customer[], agents: Agent[], startMs: number, nowMs: number, firstId: number,
): { columns: Parameters<typeof insertColumns>[2]; count: number } {
  const rng = Random.named(seed, 'relationship-nps');
  const enterpriseTeam = TEAMS.find((t) => t.kind === 'ENTERPRISE')?.id;
  const managers = agents.filter((a) => a.teamId === enterpriseTeam);
  const quarter = 91 * DAY_MS;
  const cols = { id: [] as number[], ext: [] as string[], score: [] as number[], at: [] as number[], agent: [] as number[], customer: [] as number[] };
  for (const c of customers) {
    if (c.tier !== 'PREMIUM' && c.tier !== 'ENTERPRISE') continue;
    const manager = managers[c.id % managers.length];
    for (let q = 0, from = startMs; from < nowMs; q += 1, from += quarter) {
      if (!rng.chance(0.3)) continue;
      const at = Math.round(from + rng.next() * (Math.min(nowMs, from + quarter) - from));
      const score = Math.round(Math.min(10, Math.max(0, 7.8 + (c.tier === 'ENTERPRISE' ? 0.4 : 0) + 3 * (manager.quality - 1) + 1.8 * rng.normal())));
      cols.id.push(firstId + cols.id.length); cols.ext.push(`fb-nps-${c.externalId}-q${q + 1}`); cols.score.push(score);
      cols.at.push(at); cols.agent.push(manager.id); cols.customer.push(c.id);
    }
  }
  return {
    count: cols.id.length,
    columns: [
      { name: 'id', type: 'int', values: cols.id },
      { name: 'externalId', type: 'text', values: cols.ext },
      { name: 'kind', type: '"FeedbackKind"', values: cols.id.map(() => 'NPS') },
      { name: 'score', type: 'int', values: cols.score },
      { name: 'createdAt', type: 'ms', values: cols.at },
      { name: 'agentId', type: 'int', values: cols.agent },
      { name: 'customerId', type: 'int', values: cols.customer },
    ],
  };
}
