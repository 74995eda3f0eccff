import type { Database } from '../db/client.ts';
import { badInput } from '../errors.ts';
import { runTicketsWrittenHooks, type IngestTx } from './hooks.ts';
import { recordset, resolveExternalIds, upsertRows, type ColumnSpec, type DerivedColumns, type RefKind, type UpsertedRow } from './sql.ts';
import { deriveTicketFacts, eventFactsCtes } from '../analytics/ticket-facts.ts';
import { ensureCoverageOf, POLICY_MATCH_SQL, recomputeBeyondIntervals, slaValuesSql } from '../sla/recompute.ts';
import type {
  AgentInput,
  CategoryInput,
  CustomerInput,
  FeedbackInput,
  PartialUpsertResult,
  RowError,
  TeamInput,
  TicketInput,
  UpsertResult,
} from './types.ts';
import {
  checkAgentRow,
  checkBatchShape,
  checkCategoryRow,
  checkCustomerRow,
  checkFeedbackRow,
  checkTeamRow,
  checkTicketRow,
  RowErrors,
  type NormalizedTicket,
} from './validate.ts';

// The ingestion engine: validation against the database and set-based writes, shared by
// the GraphQL mutations (all or nothing) and the importers (valid rows in, the rest
// reported). One call runs in one transaction.

/**
 * `all`: any invalid row fails the whole call with BAD_USER_INPUT listing every bad row
 * (the mutations). `partial`: the valid rows are written and the others returned in
 * `rejected` (the importers).
 */
export type IngestMode = 'all' | 'partial';

/** A reference from a row to another entity, by externalId. */
interface Reference {
  index: number;
  field: string;
  kind: RefKind;
  externalId: string;
}

const REF_NOUN: Record<RefKind, string> = {
  Team: 'team',
  Agent: 'agent',
  Customer: 'customer',
  Category: 'category',
  Ticket: 'ticket',
};

/** Adds a reference when the value is given. */
function pushRef(refs: Reference[], index: number, field: string, kind: RefKind, externalId: string | null | undefined): void {
  if (externalId !== undefined && externalId !== null) refs.push({ index, field, kind, externalId });
}

/**
 * Resolves every reference in one statement (those in `given` from it instead); unknown
 * ones become row errors unless `alsoKnown` (externalIds of rows in the same batch) holds them.
 */
async function resolveReferences(
  tx: IngestTx,
  rows: readonly { externalId: string }[],
  refs: readonly Reference[],
  errors: RowErrors,
  alsoKnown?: { kind: RefKind; ids: ReadonlySet<string> },
  given?: KnownIds,
): Promise<Map<RefKind, Map<string, number>>> {
  const wanted = new Map<RefKind, Set<string>>();
  for (const ref of refs) {
    if (given?.get(ref.kind)?.has(ref.externalId)) continue;
    if (!wanted.has(ref.kind)) wanted.set(ref.kind, new Set());
    wanted.get(ref.kind)?.add(ref.externalId);
  }
  const found = await resolveExternalIds(tx, wanted);
  for (const ref of refs) {
    if (found.get(ref.kind)?.has(ref.externalId)) continue;
    // Only the ids the rows name are taken from `given`, which may hold a batch's worth of each kind.
    const id = given?.get(ref.kind)?.get(ref.externalId);
    if (id !== undefined) {
      if (!found.has(ref.kind)) found.set(ref.kind, new Map());
      found.get(ref.kind)?.set(ref.externalId, id);
      continue;
    }
    if (alsoKnown && alsoKnown.kind === ref.kind && alsoKnown.ids.has(ref.externalId)) continue;
    errors.add(ref.index, rows[ref.index]?.externalId ?? null, ref.field, `unknown ${REF_NOUN[ref.kind]} "${ref.externalId}"`);
  }
  return found;
}

/** Throws the BAD_USER_INPUT error of an all-or-nothing call. */
function invalidBatch(errors: readonly RowError[], total: number): Error {
  const rows = new Set(errors.map((e) => e.index)).size;
  const first = errors[0];
  const where = first.index === null ? '' : ` (row ${first.index}${first.externalId ? ` "${first.externalId}"` : ''}, ${first.field})`;
  return badInput(
    `${rows} of ${total} rows are invalid, so nothing was stored; first problem${where}: ${first.message}. ` +
      'Every problem is listed in extensions.errors.',
    { errors },
  );
}

/** Applies the mode: throws or returns the indexes of the rows to write. */
function settle(errors: RowErrors, total: number, mode: IngestMode): Set<number> {
  const list = errors.list;
  const batchWide = list.some((e) => e.index === null);
  if (list.length > 0 && (mode === 'all' || batchWide)) throw invalidBatch(list, total);
  return errors.badIndexes();
}

function tally(rows: readonly UpsertedRow[], rejected: RowError[]): PartialUpsertResult {
  const result: PartialUpsertResult = { created: 0, updated: 0, unchanged: 0, rejected, ids: new Map() };
  for (const row of rows) {
    result[row.outcome] += 1;
    result.ids.set(row.externalId, row.id);
  }
  return result;
}

/** Ids the caller already knows, by kind and externalId: references to them are not looked up again. */
export type KnownIds = ReadonlyMap<RefKind, ReadonlyMap<string, number>>;

const id = (map: Map<RefKind, Map<string, number>>, kind: RefKind, externalId: string | null | undefined): number | null =>
  externalId === undefined || externalId === null ? null : (map.get(kind)?.get(externalId) ?? null);

/** Runs work in one transaction of the database's driver. */
function inTransaction<T>(db: Database, work: (tx: IngestTx) => Promise<T>): Promise<T> {
  return db.driver.transaction(work);
}

const withoutRejected = ({ created, updated, unchanged }: PartialUpsertResult): UpsertResult => ({ created, updated, unchanged });

/** How an entity kind without rules of its own is checked, referenced and stored. */
interface PlainKind<Row extends { externalId: string }> {
  table: string;
  columns: ColumnSpec[];
  check(row: Row, index: number, errors: RowErrors): void;
  /** The other entities a row names, as [input field, kind, externalId]; absent: none. */
  references?(row: Row): [string, RefKind, string | null | undefined][];
  /** The stored columns of a valid row, given the ids its references resolved to. */
  record(row: Row, found: Map<RefKind, Map<string, number>>): Record<string, unknown>;
}

/** Validates a batch of a plain kind, resolves its references and upserts the valid rows. */
async function upsertPlainIn<Row extends { externalId: string }>(
  tx: IngestTx,
  rows: readonly Row[],
  mode: IngestMode,
  kind: PlainKind<Row>,
  known?: KnownIds,
): Promise<PartialUpsertResult> {
  const errors = new RowErrors();
  checkBatchShape(rows, errors);
  const refs: Reference[] = [];
  rows.forEach((row, index) => {
    kind.check(row, index, errors);
    for (const [field, refKind, externalId] of kind.references?.(row) ?? []) pushRef(refs, index, field, refKind, externalId);
  });
  // Kinds that name nothing skip the lookup statement altogether.
  const found = kind.references ? await resolveReferences(tx, rows, refs, errors, undefined, known) : new Map<RefKind, Map<string, number>>();
  const bad = settle(errors, rows.length, mode);
  const records = rows.filter((_, index) => !bad.has(index)).map((row) => ({ externalId: row.externalId, ...kind.record(row, found) }));
  return tally(await upsertRows(tx, kind.table, kind.columns, records), errors.list);
}

// ---------------------------------------------------------------------------- teams

const TEAMS: PlainKind<TeamInput> = {
  table: 'Team',
  columns: [{ name: 'name', type: 'text' }],
  check: checkTeamRow,
  record: (row) => ({ name: row.name }),
};

/** Upserts teams on an open transaction. */
export function upsertTeamsIn(tx: IngestTx, rows: readonly TeamInput[], mode: IngestMode = 'all'): Promise<PartialUpsertResult> {
  return upsertPlainIn(tx, rows, mode, TEAMS);
}

/** Creates or updates teams by externalId, all or nothing. */
export async function upsertTeams(db: Database, rows: readonly TeamInput[]): Promise<UpsertResult> {
  return withoutRejected(await inTransaction(db, (tx) => upsertTeamsIn(tx, rows)));
}

// --------------------------------------------------------------------------- agents

const AGENTS: PlainKind<AgentInput> = {
  table: 'Agent',
  columns: [
    { name: 'name', type: 'text' },
    { name: 'email', type: 'text' },
    { name: 'role', type: 'text' },
    { name: 'active', type: 'boolean' },
    { name: 'teamId', type: 'integer' },
  ],
  check: checkAgentRow,
  references: (row) => [['teamExternalId', 'Team', row.teamExternalId]],
  record: (row, found) => ({
    name: row.name,
    email: row.email ?? null,
    role: row.role ?? null,
    active: row.active ?? true,
    teamId: id(found, 'Team', row.teamExternalId),
  }),
};

/** Upserts agents on an open transaction; their teams must exist. */
export function upsertAgentsIn(tx: IngestTx, rows: readonly AgentInput[], mode: IngestMode = 'all'): Promise<PartialUpsertResult> {
  return upsertPlainIn(tx, rows, mode, AGENTS);
}

/** Creates or updates agents by externalId, all or nothing. */
export async function upsertAgents(db: Database, rows: readonly AgentInput[]): Promise<UpsertResult> {
  return withoutRejected(await inTransaction(db, (tx) => upsertAgentsIn(tx, rows)));
}

// ------------------------------------------------------------------------ customers

const CUSTOMERS: PlainKind<CustomerInput> = {
  table: 'Customer',
  columns: [
    { name: 'name', type: 'text' },
    { name: 'email', type: 'text' },
    { name: 'organization', type: 'text' },
    { name: 'tier', type: '"CustomerTier"' },
    { name: 'country', type: 'char(2)' },
  ],
  check: checkCustomerRow,
  record: (row) => ({
    name: row.name ?? null,
    email: row.email ?? null,
    organization: row.organization ?? null,
    tier: row.tier ?? null,
    country: row.country ?? null,
  }),
};

/** Upserts customers on an open transaction. */
export function upsertCustomersIn(tx: IngestTx, rows: readonly CustomerInput[], mode: IngestMode = 'all'): Promise<PartialUpsertResult> {
  return upsertPlainIn(tx, rows, mode, CUSTOMERS);
}

/** Creates or updates customers by externalId, all or nothing. */
export async function upsertCustomers(db: Database, rows: readonly CustomerInput[]): Promise<UpsertResult> {
  return withoutRejected(await inTransaction(db, (tx) => upsertCustomersIn(tx, rows)));
}

// ----------------------------------------------------------------------- categories

const CATEGORY_COLUMNS: ColumnSpec[] = [
  { name: 'name', type: 'text' },
  { name: 'parentId', type: 'integer' },
];

/** Parent links (child externalId → parent externalId) of the stored ancestors of `start`. */
async function storedCategoryChains(tx: IngestTx, start: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await tx.query<{ externalId: string; parentExternalId: string | null }>(
    `WITH RECURSIVE chain AS (
       SELECT c.id, c."externalId", c."parentId" FROM "Category" c
       WHERE c."externalId" IN (SELECT jsonb_array_elements_text($1::jsonb))
       UNION
       SELECT p.id, p."externalId", p."parentId" FROM "Category" p JOIN chain ON p.id = chain."parentId"
     )
     SELECT chain."externalId", parent."externalId" AS "parentExternalId"
     FROM chain LEFT JOIN "Category" parent ON parent.id = chain."parentId"`,
    [JSON.stringify(start)],
  );
  return new Map(rows.map((row) => [row.externalId, row.parentExternalId]));
}

/**
 * Upserts categories on an open transaction. A parent may be stored already or be
 * another row of the batch; a parent chain that loops back is an error.
 */
export async function upsertCategoriesIn(tx: IngestTx, rows: readonly CategoryInput[], mode: IngestMode = 'all'): Promise<PartialUpsertResult> {
  const errors = new RowErrors();
  checkBatchShape(rows, errors);
  const refs: Reference[] = [];
  rows.forEach((row, index) => {
    checkCategoryRow(row, index, errors);
    if (row.parentExternalId !== row.externalId) pushRef(refs, index, 'parentExternalId', 'Category', row.parentExternalId);
  });
  const inBatch = new Set(rows.map((row) => row.externalId));
  const found = await resolveReferences(tx, rows, refs, errors, { kind: 'Category', ids: inBatch });

  // The tree after this batch: stored links, overridden by the batch's rows.
  const parents = await storedCategoryChains(tx, refs.map((ref) => ref.externalId));
  for (const row of rows) parents.set(row.externalId, row.parentExternalId ?? null);
  rows.forEach((row, index) => {
    if (row.parentExternalId === row.externalId) return;
    const seen = new Set<string>([row.externalId]);
    for (let at = parents.get(row.externalId); at; at = parents.get(at)) {
      if (at === row.externalId) {
        errors.add(index, row.externalId, 'parentExternalId', `parent "${row.parentExternalId}" makes the category its own ancestor`);
        break;
      }
      if (seen.has(at)) break;
      seen.add(at);
    }
  });

  settle(errors, rows.length, mode);
  // A row whose parent exists only as a rejected row of this batch cannot be written.
  const rowIndex = new Map(rows.map((row, index) => [row.externalId, index]));
  for (let changed = true; changed; ) {
    changed = false;
    const bad = errors.badIndexes();
    rows.forEach((row, index) => {
      const parent = row.parentExternalId;
      if (bad.has(index) || !parent || found.get('Category')?.has(parent)) return;
      const parentIndex = rowIndex.get(parent);
      if (parentIndex !== undefined && bad.has(parentIndex)) {
        errors.add(index, row.externalId, 'parentExternalId', `parent category "${parent}" was rejected`);
        changed = true;
      }
    });
  }
  const bad = errors.badIndexes();
  const good = rows.filter((_, index) => !bad.has(index));
  const written = await upsertRows(
    tx,
    'Category',
    CATEGORY_COLUMNS,
    good.map((row) => ({ externalId: row.externalId, name: row.name, parentId: id(found, 'Category', row.parentExternalId) })),
  );
  // Parents that are new in this batch exist only now: link them in a second pass.
  const late = good.filter((row) => row.parentExternalId && !found.get('Category')?.has(row.parentExternalId));
  if (late.length > 0) {
    await tx.query(
      `UPDATE "Category" AS c SET "parentId" = p.id, "updatedAt" = CURRENT_TIMESTAMP
       FROM ${recordset(1, 'x', [{ name: 'externalId', type: 'text' }, { name: 'parentExternalId', type: 'text' }])}
       JOIN "Category" AS p ON p."externalId" = x."parentExternalId"
       WHERE c."externalId" = x."externalId" AND c."parentId" IS DISTINCT FROM p.id`,
      [JSON.stringify(late.map((row) => ({ externalId: row.externalId, parentExternalId: row.parentExternalId })))],
    );
  }
  return tally(written, errors.list);
}

/** Creates or updates categories by externalId, all or nothing. */
export async function upsertCategories(db: Database, rows: readonly CategoryInput[]): Promise<UpsertResult> {
  return withoutRejected(await inTransaction(db, (tx) => upsertCategoriesIn(tx, rows)));
}

// -------------------------------------------------------------------------- tickets

const TICKET_COLUMNS: ColumnSpec[] = [
  { name: 'subject', type: 'text' },
  { name: 'channel', type: '"Channel"' },
  { name: 'priority', type: '"Priority"' },
  { name: 'status', type: '"TicketStatus"' },
  { name: 'categoryId', type: 'integer' },
  { name: 'teamId', type: 'integer' },
  { name: 'assigneeId', type: 'integer' },
  { name: 'customerId', type: 'integer' },
  { name: 'tags', type: 'text[]' },
  { name: 'createdAt', type: 'timestamptz(3)' },
  { name: 'firstResponseAt', type: 'timestamptz(3)' },
  { name: 'solvedAt', type: 'timestamptz(3)' },
  { name: 'closedAt', type: 'timestamptz(3)' },
  { name: 'agentReplies', type: 'integer' },
  { name: 'reopenCount', type: 'integer' },
  { name: 'escalated', type: 'boolean' },
  { name: 'escalatedAt', type: 'timestamptz(3)' },
];

const EVENT_COLUMNS: ColumnSpec[] = [
  { name: 'ticketId', type: 'integer' },
  { name: 'seq', type: 'integer' },
  { name: 'externalId', type: 'text' },
  { name: 'type', type: '"TicketEventType"' },
  { name: 'occurredAt', type: 'timestamptz(3)' },
  { name: 'public', type: 'boolean' },
  { name: 'agentId', type: 'integer' },
  { name: 'status', type: '"TicketStatus"' },
];

const eventExternalId = (ticket: TicketInput, position: number): string =>
  ticket.events?.[position]?.externalId ?? `${ticket.externalId}#${position + 1}`;

/** Event externalIds already stored on a different ticket than the batch gives them. */
async function checkEventOwnership(tx: IngestTx, rows: readonly TicketInput[], errors: RowErrors): Promise<void> {
  const owner = new Map<string, { index: number; position: number }>();
  rows.forEach((row, index) => {
    row.events?.forEach((_, position) => {
      const eventId = eventExternalId(row, position);
      const other = owner.get(eventId);
      if (other && other.index !== index) {
        errors.add(index, row.externalId, `events[${position}].externalId`, `event externalId "${eventId}" is also used by row ${other.index}`);
      } else owner.set(eventId, { index, position });
    });
  });
  if (owner.size === 0) return;
  const stored = await tx.query<{ externalId: string; ticket: string }>(
    `SELECT e."externalId", t."externalId" AS ticket FROM "TicketEvent" e JOIN "Ticket" t ON t.id = e."ticketId"
     WHERE e."externalId" IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify([...owner.keys()])],
  );
  for (const { externalId, ticket } of stored) {
    const at = owner.get(externalId);
    const row = at && rows[at.index];
    if (at && row && row.externalId !== ticket) {
      errors.add(at.index, row.externalId, `events[${at.position}].externalId`, `event externalId "${externalId}" belongs to ticket "${ticket}"`);
    }
  }
}

/**
 * Replaces the events of the given tickets where they differ from the stored ones
 * (same list, position by position, leaves them untouched) and returns the ids of the
 * tickets whose events changed.
 */
async function replaceEvents(tx: IngestTx, ticketIds: readonly number[], events: readonly Record<string, unknown>[]): Promise<number[]> {
  if (ticketIds.length === 0) return [];
  const cols = EVENT_COLUMNS.filter((c) => c.name !== 'ticketId' && c.name !== 'seq').map((c) => `"${c.name}"`);
  const tuple = (alias: string) => `(${cols.map((c) => `${alias}.${c}`).join(', ')})`;
  const changed = await tx.query<{ ticketId: number }>(
    `WITH x AS (SELECT * FROM ${recordset(1, 'r', EVENT_COLUMNS)}),
     given AS (SELECT jsonb_array_elements_text($2::jsonb)::integer AS "ticketId"),
     cur AS (SELECT e.* FROM "TicketEvent" e WHERE e."ticketId" IN (SELECT "ticketId" FROM given)),
     changed AS (
       SELECT DISTINCT COALESCE(x."ticketId", cur."ticketId") AS "ticketId"
       FROM x FULL JOIN cur ON cur."ticketId" = x."ticketId" AND cur.seq = x.seq
       WHERE ${tuple('x')} IS DISTINCT FROM ${tuple('cur')}
     ),
     removed AS (DELETE FROM "TicketEvent" e WHERE e."ticketId" IN (SELECT "ticketId" FROM changed))
     SELECT "ticketId" FROM changed`,
    [JSON.stringify(events), JSON.stringify(ticketIds)],
  );
  const ids = changed.map((row) => Number(row.ticketId));
  if (ids.length === 0) return [];
  await tx.query(
    `INSERT INTO "TicketEvent" (${EVENT_COLUMNS.map((c) => `"${c.name}"`).join(', ')})
     SELECT ${EVENT_COLUMNS.map((c) => `x."${c.name}"`).join(', ')} FROM ${recordset(1, 'x', EVENT_COLUMNS)}
     WHERE x."ticketId" IN (SELECT jsonb_array_elements_text($2::jsonb)::integer)
     ORDER BY x."ticketId", x.seq`,
    [JSON.stringify(events), JSON.stringify(ids)],
  );
  return ids;
}

const EVENT_INPUT_COLUMNS: ColumnSpec[] = [
  { name: 'ticketId', type: 'text' },
  ...EVENT_COLUMNS.filter((c) => c.name !== 'ticketId' && c.name !== 'externalId'),
];

/**
 * A ticket's SLA columns (sla/recompute.ts) and event-derived facts
 * (analytics/ticket-facts.ts), computed in the statement that writes the ticket so a
 * new or changed ticket is written once, and once through its ~25 indexes and the
 * rollup triggers. `$2` holds the batch's events keyed by ticket externalId; a changed
 * row without `events` keeps its stored ones, which the facts are then derived from.
 */
const TICKET_DERIVED: DerivedColumns = {
  inputs: [{ name: 'hasEvents', type: 'boolean' }],
  ctes: `pol AS (${POLICY_MATCH_SQL}),
  sla AS (${slaValuesSql(
    `(SELECT c."externalId" AS id, c.priority, c.channel, c."createdAt", c."firstResponseAt", c."solvedAt" FROM changed c) t`,
    'TRUE',
    'now()',
  )}),
  evsrc AS (
    SELECT g.* FROM ${recordset(2, 'g', EVENT_INPUT_COLUMNS)}
    UNION ALL
    SELECT c."externalId", e.seq, e.type, e."occurredAt", e.public, e."agentId", e.status
      FROM changed c JOIN "TicketEvent" e ON e."ticketId" = c.cur_id
     WHERE NOT c."hasEvents"
  ),
  scoped AS (SELECT c."externalId" AS id, c."createdAt", c."solvedAt", c."firstResponseAt", c."assigneeId" FROM changed c),
  ${eventFactsCtes('evsrc')},
  d AS (
    SELECT c.*, s.pid AS "slaPolicyId", s.fr_due AS "firstResponseDueAt", s.fr_status AS "firstResponseSlaStatus",
           s.res_due AS "resolutionDueAt", s.res_status AS "resolutionSlaStatus", s.fr_secs AS "firstResponseBusinessSeconds",
           s.res_secs AS "resolutionBusinessSeconds", CURRENT_TIMESTAMP AS "slaComputedAt",
           f.first_responder AS "firstResponderId", f.solved_by AS "solvedById", f.first_solved AS "firstSolvedAt",
           f.first_reopen AS "firstReopenedAt", f.reopen_reply AS "reopenReplyAt", f.wait AS "requesterWaitSeconds",
           f.hold AS "onHoldSeconds", CURRENT_TIMESTAMP AS "eventFactsAt", s.needs_js AS "needsJs"
      FROM changed c JOIN sla s ON s.id = c."externalId" JOIN facts f ON f.id = c."externalId"
  )`,
  stored: [
    'slaPolicyId',
    'firstResponseDueAt',
    'firstResponseSlaStatus',
    'resolutionDueAt',
    'resolutionSlaStatus',
    'firstResponseBusinessSeconds',
    'resolutionBusinessSeconds',
    'slaComputedAt',
    'firstResponderId',
    'solvedById',
    'firstSolvedAt',
    'firstReopenedAt',
    'reopenReplyAt',
    'requesterWaitSeconds',
    'onHoldSeconds',
    'eventFactsAt',
  ],
  flag: 'needsJs',
};

/** The earliest creation and the latest timestamp of some ticket records. */
function ticketInstants(records: readonly { createdAt: Date; firstResponseAt: Date | null; solvedAt: Date | null }[]): { lo: Date; hi: Date } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of records) {
    lo = Math.min(lo, r.createdAt.getTime());
    hi = Math.max(hi, r.createdAt.getTime(), r.firstResponseAt?.getTime() ?? -Infinity, r.solvedAt?.getTime() ?? -Infinity);
  }
  return { lo: new Date(lo), hi: new Date(hi) };
}

/**
 * Upserts tickets on an open transaction: validates them (references must exist; those
 * in `known` are taken as they are),
 * writes them with their SLA columns and event-derived facts in one statement,
 * replaces the events of those that give events, and runs the tickets-written hooks
 * with the ids of the tickets created or changed.
 */
export async function upsertTicketsIn(
  tx: IngestTx,
  rows: readonly TicketInput[],
  mode: IngestMode = 'all',
  known?: KnownIds,
): Promise<PartialUpsertResult> {
  const errors = new RowErrors();
  checkBatchShape(rows, errors);
  const refs: Reference[] = [];
  const normalized: NormalizedTicket[] = rows.map((row, index) => {
    pushRef(refs, index, 'categoryExternalId', 'Category', row.categoryExternalId);
    pushRef(refs, index, 'teamExternalId', 'Team', row.teamExternalId);
    pushRef(refs, index, 'assigneeExternalId', 'Agent', row.assigneeExternalId);
    pushRef(refs, index, 'customerExternalId', 'Customer', row.customerExternalId);
    row.events?.forEach((event, position) => pushRef(refs, index, `events[${position}].agentExternalId`, 'Agent', event.agentExternalId));
    return checkTicketRow(row, index, errors);
  });
  const found = await resolveReferences(tx, rows, refs, errors, undefined, known);
  await checkEventOwnership(tx, rows, errors);
  const bad = settle(errors, rows.length, mode);

  const good = rows.map((row, index) => ({ row, index })).filter(({ index }) => !bad.has(index));
  if (good.length === 0) return tally([], errors.list);
  const eventRecords = (ticket: (row: TicketInput) => unknown) =>
    good.flatMap(({ row }) =>
      (row.events ?? []).map((event, position) => ({
        ticketId: ticket(row),
        seq: position + 1,
        externalId: eventExternalId(row, position),
        type: event.type,
        occurredAt: event.occurredAt,
        public: event.public ?? true,
        agentId: id(found, 'Agent', event.agentExternalId),
        status: event.status ?? null,
      })),
    );
  const records = good.map(({ row, index }) => ({
    externalId: row.externalId,
    subject: row.subject ?? null,
    channel: row.channel,
    priority: row.priority ?? 'NORMAL',
    status: row.status,
    categoryId: id(found, 'Category', row.categoryExternalId),
    teamId: id(found, 'Team', row.teamExternalId),
    assigneeId: id(found, 'Agent', row.assigneeExternalId),
    customerId: id(found, 'Customer', row.customerExternalId),
    // A repeated tag would count the ticket twice in a TAG breakdown.
    tags: [...new Set(row.tags ?? [])],
    createdAt: row.createdAt,
    ...normalized[index],
    hasEvents: Boolean(row.events),
  }));
  // The SLA values read the policy calendars' materialised intervals: they must cover the batch.
  const { lo, hi } = ticketInstants(records);
  await ensureCoverageOf(tx, lo, hi);
  const written = await upsertRows(tx, 'Ticket', TICKET_COLUMNS, records, {
    columns: TICKET_DERIVED,
    params: [JSON.stringify(eventRecords((row) => row.externalId))],
  });
  await recomputeBeyondIntervals(
    tx,
    written.filter((w) => w.flagged).map((w) => w.id),
    null,
  );

  const ticketId = new Map(written.map((w) => [w.externalId, w.id]));
  const withEvents = good.filter(({ row }) => row.events && ticketId.has(row.externalId));
  const eventsChanged = new Set(
    await replaceEvents(
      tx,
      withEvents.map(({ row }) => ticketId.get(row.externalId) ?? 0),
      eventRecords((row) => ticketId.get(row.externalId)).filter((e) => e.ticketId !== undefined),
    ),
  );
  // A ticket whose row is equal but whose history changed was updated too; only its
  // event-derived facts can differ (the SLA columns read no events).
  const touched = written.filter((w) => w.outcome === 'unchanged' && eventsChanged.has(w.id));
  if (touched.length > 0) {
    const ids = touched.map((w) => w.id);
    await tx.query(`UPDATE "Ticket" SET "updatedAt" = CURRENT_TIMESTAMP WHERE id = ANY($1::int[])`, [ids]);
    await deriveTicketFacts(tx, ids);
    for (const w of touched) w.outcome = 'updated';
  }
  await runTicketsWrittenHooks(
    tx,
    written.filter((w) => w.outcome !== 'unchanged').map((w) => w.id),
  );
  return tally(written, errors.list);
}

/** Creates or updates tickets (and their events) by externalId, all or nothing. */
export async function upsertTickets(db: Database, rows: readonly TicketInput[]): Promise<UpsertResult> {
  return withoutRejected(await inTransaction(db, (tx) => upsertTicketsIn(tx, rows)));
}

// ------------------------------------------------------------------------- feedback

const FEEDBACK: PlainKind<FeedbackInput> = {
  table: 'Feedback',
  columns: [
    { name: 'kind', type: '"FeedbackKind"' },
    { name: 'score', type: 'integer' },
    { name: 'comment', type: 'text' },
    { name: 'createdAt', type: 'timestamptz(3)' },
    { name: 'ticketId', type: 'integer' },
    { name: 'agentId', type: 'integer' },
    { name: 'customerId', type: 'integer' },
  ],
  check: checkFeedbackRow,
  references: (row) => [
    ['ticketExternalId', 'Ticket', row.ticketExternalId],
    ['agentExternalId', 'Agent', row.agentExternalId],
    ['customerExternalId', 'Customer', row.customerExternalId],
  ],
  record: (row, found) => ({
    kind: row.kind,
    score: row.score,
    comment: row.comment ?? null,
    createdAt: row.createdAt,
    ticketId: id(found, 'Ticket', row.ticketExternalId),
    agentId: id(found, 'Agent', row.agentExternalId),
    customerId: id(found, 'Customer', row.customerExternalId),
  }),
};

/** Upserts survey responses on an open transaction; their ticket/agent/customer must exist (or be in `known`). */
export function upsertFeedbackIn(tx: IngestTx, rows: readonly FeedbackInput[], mode: IngestMode = 'all', known?: KnownIds): Promise<PartialUpsertResult> {
  return upsertPlainIn(tx, rows, mode, FEEDBACK, known);
}

/** Creates or updates survey responses by externalId, all or nothing. */
export async function upsertFeedback(db: Database, rows: readonly FeedbackInput[]): Promise<UpsertResult> {
  return withoutRejected(await inTransaction(db, (tx) => upsertFeedbackIn(tx, rows)));
}

// ------------------------------------------------------------------------ validation

/** The entity kinds the engine ingests, with their input types. */
export interface IngestInputs {
  teams: TeamInput;
  agents: AgentInput;
  customers: CustomerInput;
  categories: CategoryInput;
  tickets: TicketInput;
  feedback: FeedbackInput;
}

const UPSERT_IN: { [K in keyof IngestInputs]: (tx: IngestTx, rows: readonly IngestInputs[K][], mode: IngestMode) => Promise<PartialUpsertResult> } = {
  teams: upsertTeamsIn,
  agents: upsertAgentsIn,
  customers: upsertCustomersIn,
  categories: upsertCategoriesIn,
  tickets: upsertTicketsIn,
  feedback: upsertFeedbackIn,
};

/** Signals a deliberate rollback; never leaves this module. */
class Rollback<T> extends Error {
  constructor(readonly result: T) {
    super('rolled back on purpose');
  }
}

/**
 * Runs work in a transaction that is always rolled back, and returns its result: a dry
 * run that sees its own writes (and those of the hooks) but stores nothing.
 */
export async function inRolledBackTransaction<T>(db: Database, work: (tx: IngestTx) => Promise<T>): Promise<T> {
  try {
    await inTransaction(db, async (tx) => {
      throw new Rollback(await work(tx));
    });
  } catch (error) {
    if (error instanceof Rollback) return error.result as T;
    throw error;
  }
  throw new Error('unreachable: the transaction always rolls back');
}

/**
 * Checks a batch against every rule, including the database's current contents, and
 * returns the problems of each bad row with what a write would do to the others.
 * Nothing is stored: the batch runs in a transaction that is rolled back. Ticket hooks
 * run too (inside that transaction), so their own checks count.
 */
export function validateBatch<K extends keyof IngestInputs>(
  db: Database,
  kind: K,
  rows: readonly IngestInputs[K][],
): Promise<Omit<PartialUpsertResult, 'ids'>> {
  // Ids of a rolled-back transaction name nothing.
  return inRolledBackTransaction(db, async (tx) => {
    const { ids: _ids, ...result } = await UPSERT_IN[kind](tx, rows, 'partial');
    return result;
  });
}
