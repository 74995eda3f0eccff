import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { onTicketsWritten } from '../../src/ingest/hooks.ts';
import {
  upsertAgents,
  upsertCategories,
  upsertCustomers,
  upsertFeedback,
  upsertTeams,
  upsertTickets,
  upsertTicketsIn,
  validateBatch,
} from '../../src/ingest/upsert.ts';
import type { FeedbackInput, RowError, TicketEventInput, TicketInput } from '../../src/ingest/types.ts';
import { countRows, tableChecksums } from './helpers.ts';

let db: TestDatabase;

const at = (iso: string): Date => new Date(iso);

/** Runs a call that must fail validation and returns its extensions.errors. */
async function rowErrors(call: Promise<unknown>): Promise<RowError[]> {
  const error = await call.then(
    () => {
      throw new Error('expected BAD_USER_INPUT');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  const gql = error as GraphQLError;
  expect(gql.extensions.code).toBe('BAD_USER_INPUT');
  return gql.extensions.errors as RowError[];
}

const ticket = (externalId: string, extra: Partial<TicketInput> = {}): TicketInput => ({
  externalId,
  channel: 'EMAIL',
  status: 'OPEN',
  createdAt: at('2026-03-02T09:00:00Z'),
  ...extra,
});

beforeAll(async () => {
  db = await openTestDatabase();
  expect(await upsertTeams(db, [{ externalId: 't1', name: 'Tier 1' }, { externalId: 't2', name: 'Tier 2' }])).toEqual({
    created: 2,
    updated: 0,
    unchanged: 0,
  });
  await upsertAgents(db, [
    { externalId: 'a1', name: 'Ada', email: 'ada@example.com', teamExternalId: 't1' },
    { externalId: 'a2', name: 'Bo', teamExternalId: 't2', active: false },
  ]);
  await upsertCustomers(db, [{ externalId: 'c1', name: 'Acme', tier: 'PREMIUM', country: 'DE' }]);
  await upsertCategories(db, [{ externalId: 'billing', name: 'Billing' }]);
});

afterAll(async () => {
  await db.destroy();
});

describe('upserts are idempotent', () => {
  it('creates, then reports unchanged and changes no byte', async () => {
    const batch: TicketInput[] = [
      ticket('k1', {
        subject: 'Refund',
        priority: 'HIGH',
        status: 'SOLVED',
        teamExternalId: 't1',
        assigneeExternalId: 'a1',
        customerExternalId: 'c1',
        categoryExternalId: 'billing',
        tags: ['refund', 'vip'],
        firstResponseAt: at('2026-03-02T09:30:00Z'),
        solvedAt: at('2026-03-02T12:00:00.250Z'),
        agentReplies: 2,
      }),
      ticket('k2', { channel: 'CHAT' }),
    ];
    expect(await upsertTickets(db, batch)).toEqual({ created: 2, updated: 0, unchanged: 0 });
    const before = await tableChecksums(db);
    expect(await upsertTickets(db, batch)).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(await tableChecksums(db)).toEqual(before);

    const [row] = await db.driver.query<Record<string, unknown>>(
      `SELECT t.subject, t.priority, t.tags, t."solvedAt", t."agentReplies", a."externalId" AS assignee, c."externalId" AS category
       FROM "Ticket" t JOIN "Agent" a ON a.id = t."assigneeId" JOIN "Category" c ON c.id = t."categoryId" WHERE t."externalId" = 'k1'`,
    );
    expect(row).toEqual({
      subject: 'Refund',
      priority: 'HIGH',
      tags: ['refund', 'vip'],
      solvedAt: at('2026-03-02T12:00:00.250Z'),
      agentReplies: 2,
      assignee: 'a1',
      category: 'billing',
    });
  });

  it('updates only the rows that differ, and only their updatedAt moves', async () => {
    const before = await db.driver.query<{ externalId: string; updatedAt: Date }>(
      `SELECT "externalId", "updatedAt" FROM "Team" ORDER BY "externalId"`,
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await upsertTeams(db, [{ externalId: 't1', name: 'Tier 1' }, { externalId: 't2', name: 'Second line' }])).toEqual({
      created: 0,
      updated: 1,
      unchanged: 1,
    });
    const after = await db.driver.query<{ externalId: string; updatedAt: Date }>(
      `SELECT "externalId", "updatedAt" FROM "Team" ORDER BY "externalId"`,
    );
    expect(after[0].updatedAt).toEqual(before[0].updatedAt);
    expect(after[1].updatedAt.getTime()).toBeGreaterThan(before[1].updatedAt.getTime());
  });

  it('every entity kind re-imports unchanged', async () => {
    const before = await tableChecksums(db);
    expect(await upsertAgents(db, [{ externalId: 'a1', name: 'Ada', email: 'ada@example.com', teamExternalId: 't1' }])).toEqual({
      created: 0,
      updated: 0,
      unchanged: 1,
    });
    expect(await upsertCustomers(db, [{ externalId: 'c1', name: 'Acme', tier: 'PREMIUM', country: 'DE' }])).toEqual({
      created: 0,
      updated: 0,
      unchanged: 1,
    });
    expect(await upsertCategories(db, [{ externalId: 'billing', name: 'Billing' }])).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('holds for random ticket batches (property)', async () => {
    const channel = fc.constantFrom('EMAIL', 'CHAT', 'PHONE', 'SOCIAL', 'WEB', 'API' as const);
    const minute = fc.integer({ min: 0, max: 60 * 24 * 30 });
    const row = fc.record({
      n: fc.integer({ min: 0, max: 40 }),
      channel,
      created: minute,
      reply: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
      solve: fc.option(fc.integer({ min: 0, max: 6000 }), { nil: undefined }),
      tags: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
      subject: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(row, { selector: (r) => r.n, minLength: 1, maxLength: 15 }), async (rows) => {
        const base = Date.UTC(2026, 0, 1);
        const batch: TicketInput[] = rows.map((r) => {
          const createdAt = new Date(base + r.created * 60_000);
          return {
            externalId: `prop-${r.n}`,
            channel: r.channel,
            status: r.solve === undefined ? 'OPEN' : 'SOLVED',
            createdAt,
            subject: r.subject,
            tags: r.tags,
            firstResponseAt: r.reply === undefined ? undefined : new Date(createdAt.getTime() + r.reply * 1000),
            solvedAt: r.solve === undefined ? undefined : new Date(createdAt.getTime() + r.solve * 1000),
          };
        });
        await upsertTickets(db, batch);
        const before = await tableChecksums(db);
        expect(await upsertTickets(db, batch)).toEqual({ created: 0, updated: 0, unchanged: batch.length });
        expect(await tableChecksums(db)).toEqual(before);
      }),
      { numRuns: 15 },
    );
  });
});

describe('validation: every bad row is reported and nothing is stored', () => {
  it('lists each bad row of a batch with index, externalId, field and message', async () => {
    const before = await tableChecksums(db);
    const errors = await rowErrors(
      upsertTickets(db, [
        ticket('v-ok'),
        ticket('v-team', { teamExternalId: 'nope' }),
        ticket('v-ok2'),
        ticket('v-solve', { solvedAt: at('2026-03-02T08:59:59Z'), status: 'SOLVED' }),
        ticket('v-count', { agentReplies: -1, reopenCount: -2 }),
      ]),
    );
    expect(errors).toEqual([
      { index: 1, externalId: 'v-team', field: 'teamExternalId', message: 'unknown team "nope"' },
      {
        index: 3,
        externalId: 'v-solve',
        field: 'solvedAt',
        message: 'solve at 2026-03-02T08:59:59.000Z is before the ticket was created (2026-03-02T09:00:00.000Z)',
      },
      { index: 4, externalId: 'v-count', field: 'agentReplies', message: 'agentReplies is -1; counts cannot be negative' },
      { index: 4, externalId: 'v-count', field: 'reopenCount', message: 'reopenCount is -2; counts cannot be negative' },
    ]);
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('rejects unknown references of every kind', async () => {
    const errors = await rowErrors(
      upsertTickets(db, [
        ticket('r1', {
          categoryExternalId: 'x-cat',
          assigneeExternalId: 'x-agent',
          customerExternalId: 'x-cust',
          events: [{ type: 'AGENT_REPLY', occurredAt: at('2026-03-02T10:00:00Z'), agentExternalId: 'x-agent2' }],
        }),
      ]),
    );
    expect(errors.map((e) => `${e.field}: ${e.message}`).sort()).toEqual([
      'assigneeExternalId: unknown agent "x-agent"',
      'categoryExternalId: unknown category "x-cat"',
      'customerExternalId: unknown customer "x-cust"',
      'events[0].agentExternalId: unknown agent "x-agent2"',
    ]);
    expect((await rowErrors(upsertAgents(db, [{ externalId: 'a9', name: 'X', teamExternalId: 'x-team' }])))[0].message).toBe(
      'unknown team "x-team"',
    );
    const feedback = await rowErrors(
      upsertFeedback(db, [
        { externalId: 'f-x', kind: 'CSAT', score: 5, createdAt: at('2026-03-03T00:00:00Z'), ticketExternalId: 'x-ticket', customerExternalId: 'x-c' },
      ]),
    );
    expect(feedback.map((e) => e.field).sort()).toEqual(['customerExternalId', 'ticketExternalId']);
  });

  it('rejects a first response before creation', async () => {
    const errors = await rowErrors(upsertTickets(db, [ticket('fr', { firstResponseAt: at('2026-03-01T09:00:00Z') })]));
    expect(errors).toHaveLength(1);
    expect(errors[0].field).toBe('firstResponseAt');
  });

  it('rejects SOLVED and CLOSED without solvedAt', async () => {
    const errors = await rowErrors(upsertTickets(db, [ticket('s1', { status: 'SOLVED' }), ticket('s2', { status: 'CLOSED' })]));
    expect(errors.map((e) => [e.index, e.field, e.message])).toEqual([
      [0, 'solvedAt', 'status SOLVED needs solvedAt'],
      [1, 'solvedAt', 'status CLOSED needs solvedAt'],
    ]);
  });

  it('stores no solve time for a ticket that is not solved now (a reopened ticket), and each tag once', async () => {
    // A source that keeps the old solve of a reopened ticket must not count it solved.
    await upsertTickets(db, [ticket('reopened-1', { status: 'OPEN', solvedAt: at('2026-03-02T10:00:00Z'), reopenCount: 1 })]);
    const [row] = await db.driver.query<{ solvedAt: Date | null }>(`SELECT "solvedAt" FROM "Ticket" WHERE "externalId" = 'reopened-1'`);
    expect(row.solvedAt).toBeNull();
    await upsertTickets(db, [ticket('tagged-twice', { tags: ['vip', 'vip', 'refund'] })]);
    const [tagged] = await db.driver.query<{ tags: string[] }>(`SELECT tags FROM "Ticket" WHERE "externalId" = 'tagged-twice'`);
    expect(tagged.tags).toEqual(['vip', 'refund']);
    expect(await upsertTickets(db, [ticket('reopened-1', { status: 'OPEN', solvedAt: at('2026-03-02T10:00:00Z'), reopenCount: 1 })])).toEqual({
      created: 0,
      updated: 0,
      unchanged: 1,
    });
  });

  it('checks scores against the range of their kind', async () => {
    const fb = (externalId: string, kind: FeedbackInput['kind'], score: number): FeedbackInput => ({
      externalId,
      kind,
      score,
      createdAt: at('2026-03-03T00:00:00Z'),
      agentExternalId: 'a1',
    });
    const errors = await rowErrors(
      upsertFeedback(db, [
        fb('csat0', 'CSAT', 0),
        fb('csat1', 'CSAT', 1),
        fb('csat5', 'CSAT', 5),
        fb('csat6', 'CSAT', 6),
        fb('nps-1', 'NPS', -1),
        fb('nps0', 'NPS', 0),
        fb('nps10', 'NPS', 10),
        fb('nps11', 'NPS', 11),
        fb('ces0', 'CES', 0),
        fb('ces7', 'CES', 7),
        fb('ces8', 'CES', 8),
      ]),
    );
    expect(errors.map((e) => e.externalId)).toEqual(['csat0', 'csat6', 'nps-1', 'nps11', 'ces0', 'ces8']);
    expect(errors[0].message).toBe('CSAT scores run from 1 to 5; got 0');
    expect(await countRows(db, 'Feedback')).toBe(0);
  });

  it('rejects feedback with neither ticket nor agent', async () => {
    const errors = await rowErrors(upsertFeedback(db, [{ externalId: 'f0', kind: 'NPS', score: 9, createdAt: at('2026-03-03T00:00:00Z') }]));
    expect(errors).toEqual([
      {
        index: 0,
        externalId: 'f0',
        field: 'ticketExternalId',
        message: 'feedback needs a ticketExternalId or an agentExternalId to be attributed to',
      },
    ]);
  });

  it('rejects more than 1000 rows', async () => {
    const rows = Array.from({ length: 1001 }, (_, i) => ({ externalId: `big-${i}`, name: `Team ${i}` }));
    const errors = await rowErrors(upsertTeams(db, rows));
    expect(errors).toEqual([
      { index: null, externalId: null, field: 'input', message: 'the batch has 1001 rows; the limit is 1000: split it into several calls' },
    ]);
    expect(await upsertTeams(db, rows.slice(0, 1000))).toEqual({ created: 1000, updated: 0, unchanged: 0 });
  });

  it('rejects an externalId twice in one batch', async () => {
    const errors = await rowErrors(upsertTeams(db, [{ externalId: 'd', name: 'A' }, { externalId: 'e', name: 'B' }, { externalId: 'd', name: 'C' }]));
    expect(errors).toEqual([{ index: 2, externalId: 'd', field: 'externalId', message: 'duplicated in this batch: also at index 0' }]);
  });

  it('rejects enum values and country codes that do not exist', async () => {
    const errors = await rowErrors(
      upsertTickets(db, [ticket('en', { channel: 'FAX' as TicketInput['channel'], priority: 'LOWEST' as TicketInput['priority'] })]),
    );
    expect(errors.map((e) => e.field)).toEqual(['channel', 'priority']);
    expect((await rowErrors(upsertCustomers(db, [{ externalId: 'cx', country: 'Germany' }])))[0].field).toBe('country');
  });

  it('accepts category parents from the same batch, rejects unknown parents and loops', async () => {
    expect(
      await upsertCategories(db, [
        { externalId: 'hw-laptop', name: 'Laptops', parentExternalId: 'hw' },
        { externalId: 'hw', name: 'Hardware', parentExternalId: 'billing' },
      ]),
    ).toEqual({ created: 2, updated: 0, unchanged: 0 });
    const [row] = await db.driver.query<{ parent: string }>(
      `SELECT p."externalId" AS parent FROM "Category" c JOIN "Category" p ON p.id = c."parentId" WHERE c."externalId" = 'hw-laptop'`,
    );
    expect(row.parent).toBe('hw');
    expect(await upsertCategories(db, [{ externalId: 'hw-laptop', name: 'Laptops', parentExternalId: 'hw' }])).toEqual({
      created: 0,
      updated: 0,
      unchanged: 1,
    });
    const errors = await rowErrors(
      upsertCategories(db, [
        { externalId: 'orphan', name: 'O', parentExternalId: 'missing' },
        { externalId: 'billing', name: 'Billing', parentExternalId: 'hw-laptop' },
        { externalId: 'self', name: 'S', parentExternalId: 'self' },
      ]),
    );
    expect(errors.map((e) => [e.externalId, e.message])).toEqual([
      ['orphan', 'unknown category "missing"'],
      ['billing', 'parent "hw-laptop" makes the category its own ancestor'],
      ['self', 'a category cannot be its own parent'],
    ]);
  });
});

describe('events', () => {
  const events: TicketEventInput[] = [
    { type: 'CREATED' as const, occurredAt: at('2026-03-05T08:00:00Z') },
    { type: 'AGENT_REPLY' as const, occurredAt: at('2026-03-05T08:20:00Z'), agentExternalId: 'a1', public: false },
    { type: 'AGENT_REPLY' as const, occurredAt: at('2026-03-05T08:30:00Z'), agentExternalId: 'a1' },
    { type: 'ESCALATION' as const, occurredAt: at('2026-03-05T09:00:00Z') },
    { type: 'SOLVE' as const, occurredAt: at('2026-03-05T10:00:00Z') },
    { type: 'REOPEN' as const, occurredAt: at('2026-03-05T11:00:00Z') },
    { type: 'AGENT_REPLY' as const, occurredAt: at('2026-03-05T11:30:00Z'), agentExternalId: 'a2', externalId: 'src-77' },
    { type: 'SOLVE' as const, occurredAt: at('2026-03-05T12:00:00Z') },
  ];
  const evTicket = (list: TicketEventInput[] = events, extra: Partial<TicketInput> = {}) =>
    ticket('ev1', { createdAt: at('2026-03-05T08:00:00Z'), status: 'SOLVED', events: list, ...extra });

  it('derives timestamps and counts from the events', async () => {
    expect(await upsertTickets(db, [evTicket()])).toEqual({ created: 1, updated: 0, unchanged: 0 });
    const [row] = await db.driver.query<Record<string, unknown>>(
      `SELECT "firstResponseAt", "solvedAt", "agentReplies", "reopenCount", escalated, "escalatedAt" FROM "Ticket" WHERE "externalId" = 'ev1'`,
    );
    // First public agent reply 08:30 (the 08:20 one is internal); latest solve 12:00;
    // public agent replies 08:30 and 11:30; one reopen; escalated at 09:00.
    expect(row).toEqual({
      firstResponseAt: at('2026-03-05T08:30:00Z'),
      solvedAt: at('2026-03-05T12:00:00Z'),
      agentReplies: 2,
      reopenCount: 1,
      escalated: true,
      escalatedAt: at('2026-03-05T09:00:00Z'),
    });
    const stored = await db.driver.query<{ externalId: string; seq: number }>(
      `SELECT e."externalId", e.seq FROM "TicketEvent" e JOIN "Ticket" t ON t.id = e."ticketId" WHERE t."externalId" = 'ev1' ORDER BY e.seq`,
    );
    expect(stored.map((e) => e.externalId)).toEqual(['ev1#1', 'ev1#2', 'ev1#3', 'ev1#4', 'ev1#5', 'ev1#6', 'src-77', 'ev1#8']);
  });

  it('re-imports the same events without a change', async () => {
    const before = await tableChecksums(db);
    expect(await upsertTickets(db, [evTicket()])).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('replaces changed events and counts the ticket as updated', async () => {
    const fewer = events.slice(0, 5);
    expect(await upsertTickets(db, [evTicket(fewer)])).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(await countRows(db, 'TicketEvent')).toBe(5);
    // A changed history with identical derived fields still updates the ticket.
    const extra = [...fewer, { type: 'CUSTOMER_REPLY' as const, occurredAt: at('2026-03-05T10:30:00Z') }];
    expect(await upsertTickets(db, [evTicket(extra)])).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(await upsertTickets(db, [evTicket(extra)])).toEqual({ created: 0, updated: 0, unchanged: 1 });
  });

  it('treats a solve followed by a reopen as not solved', async () => {
    const errors = await rowErrors(upsertTickets(db, [evTicket(events.slice(0, 6))]));
    expect(errors).toEqual([
      {
        index: 0,
        externalId: 'ev1',
        field: 'solvedAt',
        message: 'status SOLVED needs solvedAt (the events hold no SOLVE that is not followed by a REOPEN)',
      },
    ]);
  });

  it('rejects given values that contradict the events', async () => {
    const errors = await rowErrors(
      upsertTickets(db, [
        evTicket(events, {
          firstResponseAt: at('2026-03-05T08:20:00Z'),
          solvedAt: at('2026-03-05T12:00:00Z'),
          agentReplies: 3,
          reopenCount: 1,
          escalated: false,
        }),
      ]),
    );
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      ['firstResponseAt', 'firstResponseAt is 2026-03-05T08:20:00.000Z but the events give 2026-03-05T08:30:00.000Z'],
      ['agentReplies', 'agentReplies is 3 but the events give 2'],
      ['escalated', 'escalated is false but the events give true'],
    ]);
  });

  it('rejects an event externalId that belongs to another ticket', async () => {
    const errors = await rowErrors(
      upsertTickets(db, [ticket('ev2', { events: [{ type: 'CREATED', occurredAt: at('2026-03-02T09:00:00Z'), externalId: 'ev1#1' }] })]),
    );
    expect(errors[0]).toEqual({
      index: 0,
      externalId: 'ev2',
      field: 'events[0].externalId',
      message: 'event externalId "ev1#1" belongs to ticket "ev1"',
    });
  });
});

describe('transactions and hooks', () => {
  it('calls a registered hook inside the transaction with the written ticket ids', async () => {
    const calls: { ids: number[]; visible: string[] }[] = [];
    const off = onTicketsWritten(async (tx, ids) => {
      const rows = await tx.query<{ externalId: string }>(
        `SELECT "externalId" FROM "Ticket" WHERE id = ANY($1::int[]) ORDER BY "externalId"`,
        [ids],
      );
      calls.push({ ids, visible: rows.map((r) => r.externalId) });
    });
    try {
      await upsertTickets(db, [ticket('h1'), ticket('h2'), ticket('k2', { channel: 'CHAT' })]);
      await upsertTickets(db, [ticket('h1'), ticket('h2', { subject: 'changed' })]);
      await upsertTickets(db, [ticket('h1')]);
    } finally {
      off();
    }
    const ids = await db.driver.query<{ externalId: string; id: number }>(
      `SELECT "externalId", id FROM "Ticket" WHERE "externalId" IN ('h1', 'h2') ORDER BY "externalId"`,
    );
    // First call: h1 and h2 created, k2 unchanged. Second: only h2 changed. Third: nothing
    // changed, so the hook is not called.
    expect(calls).toEqual([
      { ids: [ids[0].id, ids[1].id], visible: ['h1', 'h2'] },
      { ids: [ids[1].id], visible: ['h2'] },
    ]);
  });

  it('rolls the whole batch back when a hook throws', async () => {
    const before = await tableChecksums(db);
    const off = onTicketsWritten(async () => {
      throw new Error('SLA recompute failed');
    });
    try {
      await expect(upsertTickets(db, [ticket('rb1'), ticket('rb2', { events: [{ type: 'CREATED', occurredAt: at('2026-03-02T09:00:00Z') }] })])).rejects.toThrow(
        'SLA recompute failed',
      );
    } finally {
      off();
    }
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('rolls back a batch that fails in the database after writing some rows', async () => {
    const before = await tableChecksums(db);
    await expect(
      db.driver.transaction(async (tx) => {
        await upsertTicketsIn(tx, [ticket('db1'), ticket('db2')]);
        await tx.query('SELECT 1/0');
      }),
    ).rejects.toThrow();
    expect(await tableChecksums(db)).toEqual(before);
  });
});

describe('partial mode and dry runs', () => {
  it('validateBatch reports bad rows and what would happen to the rest, storing nothing', async () => {
    const before = await tableChecksums(db);
    const result = await validateBatch(db, 'tickets', [ticket('p1'), ticket('h1'), ticket('p2', { teamExternalId: 'zzz' })]);
    expect(result).toEqual({
      created: 1,
      updated: 0,
      unchanged: 1,
      rejected: [{ index: 2, externalId: 'p2', field: 'teamExternalId', message: 'unknown team "zzz"' }],
    });
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('partial mode writes the valid rows', async () => {
    const result = await db.driver.transaction((tx) => upsertTicketsIn(tx, [ticket('p1'), ticket('p2', { teamExternalId: 'zzz' })], 'partial'));
    expect(result.created).toBe(1);
    expect(result.rejected.map((e) => e.externalId)).toEqual(['p2']);
    expect(await db.driver.query(`SELECT 1 FROM "Ticket" WHERE "externalId" = 'p1'`)).toHaveLength(1);
  });
});
