import {
  Channel,
  CustomerTier,
  FeedbackKind,
  Priority,
  TicketEventType,
  TicketStatus,
} from '../generated/prisma/enums.ts';
import type {
  AgentInput,
  CategoryInput,
  CustomerInput,
  FeedbackInput,
  RowError,
  TeamInput,
  TicketEventInput,
  TicketInput,
} from './types.ts';

import {
  inInstantWindow,
  instantWindowMessage,
  MAX_EVENTS,
  MAX_TAGS,
  MAX_TEXT_LENGTH,
  unstorableText,
} from '../limits.ts';

// The rules an input row must follow that need no database: the pure half of
// validation. Reference checks (does this team exist?) live with the SQL in upsert.ts.

/** The most rows one upsert call accepts (api.md: "Batches up to 1000 rows"). */
export const MAX_BATCH_ROWS = 1000;

/** Allowed score range per survey kind (metrics.md "Feedback"). */
export const SCORE_RANGE: Record<FeedbackKind, { min: number; max: number }> = {
  CSAT: { min: 1, max: 5 },
  NPS: { min: 0, max: 10 },
  CES: { min: 1, max: 7 },
};

/** Collects row errors for one batch. */
export class RowErrors {
  readonly #list: RowError[] = [];

  /** The errors by row (batch-wide ones first), in the order found within a row. */
  get list(): RowError[] {
    return [...this.#list].sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
  }

  /** How many errors were recorded. */
  get size(): number {
    return this.#list.length;
  }

  /** Records a problem with the row at `index`. */
  add(index: number | null, externalId: string | null, field: string, message: string): void {
    this.#list.push({ index, externalId, field, message });
  }

  /** Indexes of the rows with at least one error. */
  badIndexes(): Set<number> {
    return new Set(this.#list.flatMap((e) => (e.index === null ? [] : [e.index])));
  }
}

/**
 * Batch-level rules: at most MAX_BATCH_ROWS rows, a non-empty externalId on each, and
 * no externalId twice (every repeat after the first is an error, naming the first).
 */
export function checkBatchShape(rows: readonly { externalId: string }[], errors: RowErrors): void {
  if (rows.length > MAX_BATCH_ROWS) {
    errors.add(
      null,
      null,
      'input',
      `the batch has ${rows.length} rows; the limit is ${MAX_BATCH_ROWS}: split it into several calls`,
    );
  }
  const firstAt = new Map<string, number>();
  rows.forEach((row, index) => {
    if (typeof row.externalId !== 'string' || row.externalId.trim() === '') {
      errors.add(index, null, 'externalId', 'externalId must be a non-empty string');
      return;
    }
    const textProblem = textLimitProblem('externalId', row.externalId, MAX_TEXT_LENGTH.externalId);
    if (textProblem) {
      // The id itself is not repeated back: it may be the 100 KB that was refused.
      errors.add(index, null, 'externalId', textProblem);
      return;
    }
    const first = firstAt.get(row.externalId);
    if (first === undefined) firstAt.set(row.externalId, index);
    else errors.add(index, row.externalId, 'externalId', `duplicated in this batch: also at index ${first}`);
  });
}

function isOneOf<T extends string>(values: Record<string, T>, value: unknown): value is T {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(values, value);
}

function checkEnum(
  errors: RowErrors,
  index: number,
  externalId: string,
  field: string,
  values: Record<string, string>,
  value: unknown,
  required: boolean,
): void {
  if (value === undefined || value === null) {
    if (required) errors.add(index, externalId, field, `${field} is required`);
    return;
  }
  if (!isOneOf(values, value)) {
    errors.add(index, externalId, field, `unknown ${field} "${String(value)}"; expected one of ${Object.keys(values).join(', ')}`);
  }
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function checkDate(errors: RowErrors, index: number, externalId: string, field: string, value: unknown, required: boolean): void {
  if (value === undefined || value === null) {
    if (required) errors.add(index, externalId, field, `${field} is required`);
  } else if (!isValidDate(value)) {
    errors.add(index, externalId, field, `${field} is not a valid date-time`);
  } else if (!inInstantWindow(value)) {
    errors.add(index, externalId, field, `${field} ${instantWindowMessage(value)}`);
  }
}

/** Why a text value cannot be stored (too long, NUL, lone surrogate); null when it can. */
export function textLimitProblem(field: string, value: string, max: number): string | null {
  if (value.length > max) return `${field} is ${value.length} characters long; the limit is ${max}`;
  const problem = unstorableText(value);
  return problem ? `${field} ${problem}` : null;
}

function checkCount(errors: RowErrors, index: number, externalId: string, field: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    errors.add(index, externalId, field, `${field} must be a whole number`);
  } else if (value < 0) {
    errors.add(index, externalId, field, `${field} is ${value}; counts cannot be negative`);
  } else if (value > 2_147_483_647) {
    errors.add(index, externalId, field, `${field} is too large`);
  }
}

function checkText(
  errors: RowErrors,
  index: number,
  externalId: string,
  field: keyof typeof MAX_TEXT_LENGTH,
  value: unknown,
  required: boolean,
): void {
  if (value === undefined || value === null) {
    if (required) errors.add(index, externalId, field, `${field} is required`);
  } else if (typeof value !== 'string') {
    errors.add(index, externalId, field, `${field} must be a string`);
  } else if (required && value.trim() === '') {
    errors.add(index, externalId, field, `${field} must not be empty`);
  } else {
    const problem = textLimitProblem(field, value, MAX_TEXT_LENGTH[field]);
    if (problem) errors.add(index, externalId, field, problem);
  }
}

/** References by externalId: as long as an externalId may be, and storable. */
function checkReference(errors: RowErrors, index: number, externalId: string, field: string, value: unknown): void {
  if (typeof value !== 'string') return;
  const problem = textLimitProblem(field, value, MAX_TEXT_LENGTH.externalId);
  if (problem) errors.add(index, externalId, field, problem);
}

/** Rules of a team row that need no database. */
export function checkTeamRow(row: TeamInput, index: number, errors: RowErrors): void {
  checkText(errors, index, row.externalId, 'name', row.name, true);
}

/** Rules of an agent row that need no database. */
export function checkAgentRow(row: AgentInput, index: number, errors: RowErrors): void {
  checkText(errors, index, row.externalId, 'name', row.name, true);
  checkText(errors, index, row.externalId, 'email', row.email, false);
  checkText(errors, index, row.externalId, 'role', row.role, false);
  checkReference(errors, index, row.externalId, 'teamExternalId', row.teamExternalId);
}

/** Rules of a customer row that need no database. */
export function checkCustomerRow(row: CustomerInput, index: number, errors: RowErrors): void {
  checkEnum(errors, index, row.externalId, 'tier', CustomerTier, row.tier, false);
  checkText(errors, index, row.externalId, 'name', row.name, false);
  checkText(errors, index, row.externalId, 'email', row.email, false);
  checkText(errors, index, row.externalId, 'organization', row.organization, false);
  if (row.country !== undefined && row.country !== null && !/^[A-Z]{2}$/.test(row.country)) {
    errors.add(index, row.externalId, 'country', `country "${row.country}" is not an ISO 3166-1 alpha-2 code such as "DE"`);
  }
}

/** Rules of a category row that need no database. */
export function checkCategoryRow(row: CategoryInput, index: number, errors: RowErrors): void {
  checkText(errors, index, row.externalId, 'name', row.name, true);
  checkReference(errors, index, row.externalId, 'parentExternalId', row.parentExternalId);
  if (row.parentExternalId === row.externalId) {
    errors.add(index, row.externalId, 'parentExternalId', 'a category cannot be its own parent');
  }
}

/** Rules of a feedback row that need no database. */
export function checkFeedbackRow(row: FeedbackInput, index: number, errors: RowErrors): void {
  const id = row.externalId;
  checkEnum(errors, index, id, 'kind', FeedbackKind, row.kind, true);
  checkDate(errors, index, id, 'createdAt', row.createdAt, true);
  checkText(errors, index, id, 'comment', row.comment, false);
  checkReference(errors, index, id, 'ticketExternalId', row.ticketExternalId);
  checkReference(errors, index, id, 'agentExternalId', row.agentExternalId);
  checkReference(errors, index, id, 'customerExternalId', row.customerExternalId);
  if (typeof row.score !== 'number' || !Number.isInteger(row.score)) {
    errors.add(index, id, 'score', 'score must be a whole number');
  } else if (isOneOf(FeedbackKind, row.kind)) {
    const { min, max } = SCORE_RANGE[row.kind];
    if (row.score < min || row.score > max) {
      errors.add(index, id, 'score', `${row.kind} scores run from ${min} to ${max}; got ${row.score}`);
    }
  }
  if (!row.ticketExternalId && !row.agentExternalId) {
    errors.add(index, id, 'ticketExternalId', 'feedback needs a ticketExternalId or an agentExternalId to be attributed to');
  }
}

/** Ticket values derived from its events (see deriveFromEvents). */
export interface DerivedTicketFields {
  firstResponseAt: Date | null;
  solvedAt: Date | null;
  agentReplies: number;
  reopenCount: number;
  escalated: boolean;
  escalatedAt: Date | null;
}

/**
 * What a ticket's history says: the first public agent reply, the latest solve (null
 * when a reopen follows it: the ticket is not solved any more), the number of public
 * agent replies and of reopens, and the first escalation. Events are read in time
 * order; events at the same instant keep their list order.
 */
export function deriveFromEvents(events: readonly TicketEventInput[]): DerivedTicketFields {
  const ordered = events
    .map((event, position) => ({ event, position }))
    .sort((a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime() || a.position - b.position)
    .map(({ event }) => event);
  let firstResponseAt: Date | null = null;
  let solvedAt: Date | null = null;
  let agentReplies = 0;
  let reopenCount = 0;
  let escalatedAt: Date | null = null;
  for (const event of ordered) {
    switch (event.type) {
      case 'AGENT_REPLY':
        if (event.public !== false) {
          agentReplies += 1;
          firstResponseAt ??= event.occurredAt;
        }
        break;
      case 'SOLVE':
        solvedAt = event.occurredAt;
        break;
      case 'REOPEN':
        reopenCount += 1;
        solvedAt = null;
        break;
      case 'ESCALATION':
        escalatedAt ??= event.occurredAt;
        break;
      default:
        break;
    }
  }
  return { firstResponseAt, solvedAt, agentReplies, reopenCount, escalated: escalatedAt !== null, escalatedAt };
}

const sameInstant = (a: Date | null, b: Date | null): boolean => (a === null ? b === null : b !== null && a.getTime() === b.getTime());
const show = (value: Date | number | boolean | null): string => (value instanceof Date ? value.toISOString() : String(value));

function checkEvents(row: TicketInput, index: number, errors: RowErrors): void {
  const events = row.events ?? [];
  if (events.length > MAX_EVENTS) {
    errors.add(index, row.externalId, 'events', `the ticket has ${events.length} events; the limit is ${MAX_EVENTS}`);
    return;
  }
  const ids = new Map<string, number>();
  events.forEach((event, n) => {
    const at = `events[${n}]`;
    checkEnum(errors, index, row.externalId, `${at}.type`, TicketEventType, event.type, true);
    checkDate(errors, index, row.externalId, `${at}.occurredAt`, event.occurredAt, true);
    checkEnum(errors, index, row.externalId, `${at}.status`, TicketStatus, event.status, false);
    checkReference(errors, index, row.externalId, `${at}.externalId`, event.externalId);
    checkReference(errors, index, row.externalId, `${at}.agentExternalId`, event.agentExternalId);
    const id = event.externalId ?? `${row.externalId}#${n + 1}`;
    const first = ids.get(id);
    if (first !== undefined) errors.add(index, row.externalId, `${at}.externalId`, `event externalId "${id}" is also used by events[${first}]`);
    else ids.set(id, n);
  });
}

/**
 * The row as it will be stored (before references are resolved): derived fields filled
 * from the events when they are given, defaults applied.
 */
export interface NormalizedTicket extends DerivedTicketFields {
  closedAt: Date | null;
}

/**
 * Checks a ticket row's own rules and returns its normalized timestamps and counts:
 * required fields and enums, dates not before creation, counts not negative, SOLVED or
 * CLOSED only with a solve time, and, with events, given values that agree with them.
 */
export function checkTicketRow(row: TicketInput, index: number, errors: RowErrors): NormalizedTicket {
  const id = row.externalId;
  const before = errors.size;
  checkEnum(errors, index, id, 'channel', Channel, row.channel, true);
  checkEnum(errors, index, id, 'priority', Priority, row.priority, false);
  checkEnum(errors, index, id, 'status', TicketStatus, row.status, true);
  checkText(errors, index, id, 'subject', row.subject, false);
  checkDate(errors, index, id, 'createdAt', row.createdAt, true);
  checkDate(errors, index, id, 'firstResponseAt', row.firstResponseAt, false);
  checkDate(errors, index, id, 'solvedAt', row.solvedAt, false);
  checkDate(errors, index, id, 'closedAt', row.closedAt, false);
  checkCount(errors, index, id, 'agentReplies', row.agentReplies);
  checkCount(errors, index, id, 'reopenCount', row.reopenCount);
  if (row.tags !== undefined && row.tags !== null && (!Array.isArray(row.tags) || row.tags.some((tag) => typeof tag !== 'string'))) {
    errors.add(index, id, 'tags', 'tags must be a list of strings');
  } else if (row.tags && row.tags.length > MAX_TAGS) {
    errors.add(index, id, 'tags', `the ticket has ${row.tags.length} tags; the limit is ${MAX_TAGS}`);
  } else if (row.tags) {
    row.tags.forEach((tag, n) => {
      const problem = textLimitProblem(`tags[${n}]`, tag, MAX_TEXT_LENGTH.tag);
      if (problem) errors.add(index, id, `tags[${n}]`, problem);
    });
  }
  for (const field of ['categoryExternalId', 'teamExternalId', 'assigneeExternalId', 'customerExternalId'] as const) {
    checkReference(errors, index, id, field, row[field]);
  }
  if (row.events) checkEvents(row, index, errors);

  const given: DerivedTicketFields = {
    firstResponseAt: row.firstResponseAt ?? null,
    solvedAt: row.solvedAt ?? null,
    agentReplies: row.agentReplies ?? 0,
    reopenCount: row.reopenCount ?? 0,
    escalated: row.escalated ?? false,
    escalatedAt: null,
  };
  const normalized: NormalizedTicket = { ...given, closedAt: row.closedAt ?? null };
  if (errors.size > before) return normalized;

  if (row.events) {
    const derived = deriveFromEvents(row.events);
    const contradictions: [keyof DerivedTicketFields, unknown, boolean][] = [
      ['firstResponseAt', row.firstResponseAt, sameInstant(given.firstResponseAt, derived.firstResponseAt)],
      ['solvedAt', row.solvedAt, sameInstant(given.solvedAt, derived.solvedAt)],
      ['agentReplies', row.agentReplies, given.agentReplies === derived.agentReplies],
      ['reopenCount', row.reopenCount, given.reopenCount === derived.reopenCount],
      ['escalated', row.escalated, given.escalated === derived.escalated],
    ];
    for (const [field, value, agrees] of contradictions) {
      if (value !== undefined && value !== null && !agrees) {
        errors.add(index, id, field, `${field} is ${show(given[field])} but the events give ${show(derived[field])}`);
      }
    }
    Object.assign(normalized, derived);
  }

  const created = row.createdAt.getTime();
  const notBeforeCreation: ['firstResponseAt' | 'solvedAt' | 'closedAt' | 'escalatedAt', string][] = [
    ['firstResponseAt', 'first response'],
    ['solvedAt', 'solve'],
    ['closedAt', 'close'],
    ['escalatedAt', 'escalation'],
  ];
  for (const [field, what] of notBeforeCreation) {
    const value = normalized[field];
    if (value && value.getTime() < created) {
      errors.add(index, id, field === 'escalatedAt' ? 'events' : field, `${what} at ${value.toISOString()} is before the ticket was created (${row.createdAt.toISOString()})`);
    }
  }
  if ((row.status === 'SOLVED' || row.status === 'CLOSED') && normalized.solvedAt === null) {
    errors.add(
      index,
      id,
      'solvedAt',
      `status ${row.status} needs solvedAt${row.events ? ' (the events hold no SOLVE that is not followed by a REOPEN)' : ''}`,
    );
  }
  // solvedAt is the latest solve of a ticket that is solved now. Sources that keep the old
  // solve time of a reopened ticket would otherwise count it solved and out of the
  // backlog while it is open; the events path clears it the same way on REOPEN.
  if (row.status !== 'SOLVED' && row.status !== 'CLOSED') normalized.solvedAt = null;
  return normalized;
}
