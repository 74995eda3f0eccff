import { runInSlot, scopeSlot, slotValue } from '../request-scope.ts';

/**
 * What the database layer knows about the HTTP request it is serving: its SQL budget,
 * whether the client went away, and counters for the request log. The server enters it
 * around each request; code outside a request (migrations, importers, the scheduler)
 * runs without one and so without a statement timeout.
 */
export interface RequestSqlContext {
  /** statement_timeout for the request's SQL, in milliseconds (PostgreSQL only). */
  statementTimeoutMs: number;
  /** Aborted when the client goes away or the deadline passes: running statements are cancelled, new ones refused. */
  signal: AbortSignal | null;
  /**
   * Aborted only when the client goes away (not at the deadline, whose SQL errors tell
   * the client why): what stops the GraphQL execution. A plain AbortSignal, cheap to read.
   */
  clientSignal: AbortSignal | null;
  /** SQL statements the request ran (Prisma and the raw driver). */
  statements: number;
  /** Total milliseconds spent waiting for those statements. */
  sqlMs: number;
  /** A statement of the request was cancelled (timeout or client gone). */
  cancelled: boolean;
  /** PostgreSQL backends running a statement for this request, with how many each. */
  backends: Map<number, number>;
  /** Registered by the driver: cancels `backends`; called once when the signal aborts. */
  cancelRunning: (() => Promise<void>) | null;
  /** Most statements the whole request may run (null: no cap, e.g. streamed exports). */
  maxStatements: number | null;
  /** Milliseconds the whole request's SQL may take (null: no deadline beyond each statement's timeout). */
  deadlineMs: number | null;
  /** Statements started so far (the cap is checked before each one). */
  begun: number;
  /** Which whole-request budget ran out, if one did: its statements or its time. */
  budgetExceeded: 'statements' | 'deadline' | null;
  /** The client went away: aborts both signals (running SQL is cancelled, the execution stops). */
  clientGone(): void;
  /** Stops the deadline timer, once the request is answered. */
  finish(): void;
}

/** Budgets of a whole request, beyond the statement_timeout of each statement. */
export interface RequestBudget {
  /** Most SQL statements. */
  maxStatements: number;
  /** Milliseconds from the start of the request until its SQL is cancelled. */
  deadlineMs: number;
}

const slot = scopeSlot<RequestSqlContext>('request SQL');

/** A fresh context for one request; `signal` (if any) says when its client goes away (see clientGone). */
export function newRequestSqlContext(statementTimeoutMs: number, signal: AbortSignal | null, budget: RequestBudget | null = null): RequestSqlContext {
  // Plain controllers, read cheaply by the executor and the driver: the client's, and with
  // a budget the SQL's (the deadline aborts it too). One timer; AbortSignal.timeout and
  // AbortSignal.any cost several times more per request.
  const client = new AbortController();
  const sql = budget ? new AbortController() : client;
  const context: RequestSqlContext = {
    statementTimeoutMs,
    signal: sql.signal,
    clientSignal: client.signal,
    statements: 0,
    sqlMs: 0,
    cancelled: false,
    backends: new Map(),
    cancelRunning: null,
    maxStatements: budget?.maxStatements ?? null,
    deadlineMs: budget?.deadlineMs ?? null,
    begun: 0,
    budgetExceeded: null,
    clientGone: () => {
      sql.abort();
      client.abort();
    },
    finish: () => undefined,
  };
  if (budget) {
    const timer = setTimeout(() => {
      context.budgetExceeded ??= 'deadline';
      sql.abort();
    }, budget.deadlineMs);
    timer.unref();
    context.finish = () => clearTimeout(timer);
  }
  if (signal) followSignal(context, signal);
  return context;
}

/** Ties a request's context to a signal of its client (one that is already aborted counts at once). */
export function followSignal(context: RequestSqlContext, signal: AbortSignal): void {
  if (signal.aborted) context.clientGone();
  // Not removed at the end: the signal belongs to this request and goes with it.
  else signal.addEventListener('abort', context.clientGone, { once: true });
}

/** A Node response as far as telling an early close from the end of the answer goes. */
export interface ClosingResponse {
  once(event: 'close', listener: () => void): unknown;
  readonly writableFinished: boolean;
}

/**
 * Ties a request's context to its Node response: a response that closes before it was
 * wholly written means the client went away. (Cheaper than the fetch Request's signal,
 * a proxy in @whatwg-node whose every property read does a string search.)
 */
export function followResponse(context: RequestSqlContext, response: ClosingResponse): void {
  response.once('close', () => {
    if (!response.writableFinished) context.clientGone();
  });
}

/**
 * Counts a statement against the request's budget before it starts; returns the error
 * to fail it with when the budget is spent (statements) or the request was cancelled.
 */
export function spendStatement(context: RequestSqlContext | undefined, text = ''): Error | null {
  if (!context) return null;
  if (/^\s*rollback/i.test(text)) return null;
  if (context.signal?.aborted) {
    context.cancelled = true;
    return cancelledBeforeStart();
  }
  context.begun += 1;
  if (context.maxStatements !== null && context.begun > context.maxStatements) {
    context.budgetExceeded ??= 'statements';
    return Object.assign(new Error(`the request ran more than ${context.maxStatements} SQL statements`), { code: STATEMENT_BUDGET });
  }
  return null;
}

/** Code of the error a statement over the request's statement budget fails with. */
export const STATEMENT_BUDGET = 'SG_STATEMENT_BUDGET';

/** Runs `work` with `context` as the current request (for every await inside it). */
export function runInRequest<T>(context: RequestSqlContext, work: () => T): T {
  return runInSlot(slot, context, work);
}

/** Runs `work` as background work, outside whatever request is current (not counted, no timeout). */
export function outsideRequest<T>(work: () => T): T {
  return runInSlot(slot, undefined, work);
}

/** The request the current code serves, if any. */
export function currentRequestSql(): RequestSqlContext | undefined {
  return slotValue(slot);
}

/** Adds one statement and its duration to the current request's counters. */
export function recordStatement(context: RequestSqlContext | undefined, startedAt: number): void {
  if (!context) return;
  context.statements += 1;
  context.sqlMs += performance.now() - startedAt;
}

/** SQLSTATE 57014: a statement cancelled by statement_timeout or pg_cancel_backend. */
export const QUERY_CANCELED = '57014';

const CANCEL_MESSAGE = /canceling statement due to (statement timeout|user request)/i;

/** Whether an error (or one it wraps) is a cancelled statement. */
export function isStatementCancellation(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const record = current as { code?: unknown; message?: unknown; cause?: unknown; originalError?: unknown; meta?: unknown };
    if (record.code === QUERY_CANCELED) return true;
    if (typeof record.message === 'string' && CANCEL_MESSAGE.test(record.message)) return true;
    const meta = record.meta as { code?: unknown } | undefined;
    if (meta && meta.code === QUERY_CANCELED) return true;
    current = record.originalError ?? record.cause;
  }
  return false;
}

/** The error a statement gets when its request was cancelled before it started. */
export function cancelledBeforeStart(): Error {
  return Object.assign(new Error('canceling statement due to user request (the client went away)'), {
    code: QUERY_CANCELED,
    severity: 'ERROR',
  });
}
