import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseTarget } from '../config.ts';
import { redact } from '../config.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import {
  currentRequestSql,
  isStatementCancellation,
  outsideRequest,
  recordStatement,
  runInRequest,
  spendStatement,
  type RequestSqlContext,
} from './request-context.ts';
import { describeOpenFailure } from './failures.ts';

/** A row returned by a raw SQL script run outside Prisma. */
export type SqlRow = Record<string, unknown>;

/**
 * Direct access to the driver, for what Prisma cannot do: multi-statement scripts
 * (migrations) and bulk loads. `query` takes positional `$1` parameters.
 */
export interface SqlDriver {
  /** Runs one statement with parameters and returns its rows. */
  query<T extends SqlRow = SqlRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script inside one transaction. */
  execScript(sql: string): Promise<void>;
  /** Runs work inside one transaction on one connection. */
  transaction<T>(work: (tx: Omit<SqlDriver, 'transaction'>) => Promise<T>): Promise<T>;
}

/** An open database: the Prisma client, the raw driver, and a statement counter. */
export interface Database {
  kind: 'pglite' | 'postgres';
  /** Human-readable location (password hidden). */
  location: string;
  prisma: PrismaClient;
  driver: SqlDriver;
  /** SQL statements sent through Prisma since the database was opened. */
  statementCount(): number;
  /**
   * Checks that the database answers, within `timeoutMs`, without queueing behind the
   * pool's queries (PostgreSQL uses a connection of its own): the liveness probe.
   */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (from any session), and `onState` when
   * listening starts (true) or the listening connection is lost (false; PostgreSQL
   * reconnects). Until `onState(true)`, a subscriber must assume it misses notifications.
   */
  listen(channel: string, onNotify: (payload: string) => void, onState: (listening: boolean) => void): void;
  /** (analytics, entity lists): a streaming replica opened from
   * DATABASE_READ_URL (`withReadReplica`), else absent and reads use this database.
   * Writes, and reads inside mutations, always use this database (the primary).
   */
  replica?: Database;
}

/** The database queries read from: the replica when there is one, else the database itself. */
export function readDatabase(db: Database): Database {
  return db.replica ?? db;
}

/**
 * Opens the replica at `readUrl` and attaches it to `primary` as its `replica`; closing
 * the primary closes both. The replica is never migrated (it follows the primary).
 */
export async function withReadReplica(primary: Database, readUrl: string, options: OpenOptions = {}): Promise<Database> {
  const replica = await openDatabase({ kind: 'postgres', url: readUrl }, options);
  return {
    ...primary,
    replica,
    async close() {
      await replica.close();
      await primary.close();
    },
  };
}

/** The data folder is already open in another process. */
export class DatabaseLockedError extends Error {
  override name = 'DatabaseLockedError';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is a single-process database: two processes writing one folder corrupt it.
 * A lock file next to the folder turns that into a clear error; a lock left by a
 * process that no longer runs is taken over.
 */
function lockDataFolder(dir: string): () => void {
  mkdirSync(dirname(dir), { recursive: true });
  const lockPath = `${dir}.lock`;
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(lockPath, 'utf8').trim());
    if (Number.isInteger(holder) && pidAlive(holder)) {
      throw new DatabaseLockedError(
        `The PGlite data folder ${dir} is in use by process ${holder} (a running server or CLI). ` +
          'PGlite allows one process at a time: stop that process first, or point both at a ' +
          'PostgreSQL server with DATABASE_URL=postgresql://…',
      );
    }
    writeFileSync(lockPath, String(process.pid));
  }
  return () => rmSync(lockPath, { force: true });
}

/**
 * Counts a request's statements on PGlite for the request log. PGlite runs one statement
 * at a time inside this process: it has no statement_timeout and nothing to cancel.
 */
function trackPglite(db: PGlite): void {
  const timed = (target: Pick<PGlite, 'query' | 'exec'>) => {
    const record = target as unknown as { query: QueryFn; exec: QueryFn };
    for (const name of ['query', 'exec'] as const) {
      const original = record[name].bind(target) as QueryFn;
      record[name] = async (...args: unknown[]) => {
        const context = currentRequestSql();
        const refused = spendStatement(context, sqlText(args[0]));
        if (refused) throw refused;
        const started = performance.now();
        try {
          return await original(...args);
        } finally {
          recordStatement(context, started);
        }
      };
    }
  };
  timed(db);
  const record = db as unknown as { transaction: QueryFn };
  const transaction = record.transaction.bind(db) as QueryFn;
  record.transaction = (work: unknown) =>
    transaction(async (tx: Pick<PGlite, 'query' | 'exec'>) => {
      timed(tx);
      return (work as (tx: unknown) => Promise<unknown>)(tx);
    });
}

function pgliteDriver(db: PGlite): SqlDriver {
  const run = (q: Pick<PGlite, 'query' | 'exec'>): Omit<SqlDriver, 'transaction'> => ({
    async query<T extends SqlRow>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows;
    },
    async execScript(sql: string) {
      await q.exec(sql);
    },
  });
  return {
    ...run(db),
    async execScript(sql: string) {
      await db.transaction(async (tx) => {
        await tx.exec(sql);
      });
    },
    transaction: (work) => db.transaction((tx) => work(run(tx))),
  };
}

type QueryFn = (...args: unknown[]) => unknown;

/** What we remember per pooled connection: its session statement_timeout. */
interface ConnectionState {
  /** The statement_timeout we last set (null: the server default). */
  timeoutMs: number | null;
}

function sqlText(first: unknown): string {
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object' && typeof (first as { text?: unknown }).text === 'string') {
    return (first as { text: string }).text;
  }
  return '';
}

/**
 * Cancels the statements a request is running, on a separate connection (the pool may
 * be exhausted), once its client has gone away.
 */
function cancellerFor(url: string, context: RequestSqlContext): () => Promise<void> {
  return async () => {
    const pids = [...context.backends.keys()];
    if (pids.length === 0) return;
    context.cancelled = true;
    const client = new pg.Client({ connectionString: url });
    // A dropped connection would otherwise be an unhandled 'error' event (process exit).
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}

/**
 * Makes every statement on a pooled connection follow the request it serves: it runs
 * under the request's statement_timeout (set on the session when it differs, so a
 * connection reused for background work gets the server default back), it is refused
 * once the client went away, its backend is known so it can be cancelled, and it is
 * counted for the request log.
 */
function trackConnection(url: string, client: pg.PoolClient | pg.Client): void {
  const target = client as unknown as { query: QueryFn; processID: number | null };
  const original = target.query.bind(client) as QueryFn;
  const state: ConnectionState = { timeoutMs: null };
  const prelude = (sql: string) => {
    const pending = original(sql);
    if (pending instanceof Promise) pending.catch(() => undefined);
  };
  target.query = (...args: unknown[]): unknown => {
    const context = currentRequestSql();
    const text = sqlText(args[0]);
    // A rollback undoes a SET made inside the transaction: forget what we set.
    if (/^\s*rollback/i.test(text)) state.timeoutMs = -1;
    const wanted = context ? context.statementTimeoutMs : null;
    if (state.timeoutMs !== wanted) {
      prelude(wanted === null ? 'RESET statement_timeout' : `SET statement_timeout = ${Math.trunc(wanted)}`);
      state.timeoutMs = wanted;
    }
    if (!context) return original(...args);
    const refused = spendStatement(context, text);
    if (refused) return Promise.reject(refused);
    if (context.signal && !context.cancelRunning) {
      const cancel = cancellerFor(url, context);
      context.cancelRunning = cancel;
      context.signal.addEventListener('abort', () => void cancel().catch(() => undefined), { once: true });
    }
    const pid = target.processID ?? 0;
    context.backends.set(pid, (context.backends.get(pid) ?? 0) + 1);
    const started = performance.now();
    const done = () => {
      const left = (context.backends.get(pid) ?? 1) - 1;
      if (left <= 0) context.backends.delete(pid);
      else context.backends.set(pid, left);
      recordStatement(context, started);
    };
    const result = original(...args);
    if (!(result instanceof Promise)) {
      done();
      return result;
    }
    return result.then(
      (value: unknown) => {
        done();
        return value;
      },
      (error: unknown) => {
        done();
        if (isStatementCancellation(error)) context.cancelled = true;
        throw error;
      },
    );
  };
}

/**
 * `pool.query` takes whichever connection frees up first, and the callback that hands it
 * over runs in the context of whoever freed it; so the request is read here, at the
 * call, and the statement runs inside it.
 */
function trackPool(pool: pg.Pool): void {
  const target = pool as unknown as { query: QueryFn };
  const original = target.query.bind(pool) as QueryFn;
  target.query = (...args: unknown[]): unknown => {
    const context = currentRequestSql();
    if (!context || typeof args[args.length - 1] === 'function') return original(...args);
    return (async () => {
      const client = await pool.connect();
      let failure: unknown;
      try {
        return await runInRequest(context, () => client.query(...(args as [string, unknown[]])));
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        // A statement error leaves the connection usable; a broken socket or a FATAL
        // (the server ended the session) does not.
        const severity = (failure as { severity?: unknown } | undefined)?.severity;
        const broken = failure !== undefined && (!severity || severity === 'FATAL' || severity === 'PANIC');
        client.release(broken ? (failure as Error) : undefined);
      }
    })();
  };
}

/**
 * Starts a statement that is worth preparing once per connection (PostgreSQL): sent
 * through Prisma with this first, it is parsed and planned on a connection's first use
 * and then only bound and executed. For statements whose plan barely depends on their
 * parameters (rollup reads: a 52-week dashboard's 11 kB statement planned in ~6 ms of
 * its ~40); a raw scan's best plan depends on its range, so it is never marked.
 */
export const PREPARE_MARK = '/* sg:prepare */';

/**
 * At most this many statement texts are ever prepared per process, so a connection holds
 * at most this many plans however many shapes of query come by; later ones run unnamed.
 * A dashboard statement's cached plan takes ~1.6 MB of its backend's memory: 24 cost at
 * most ~40 MB per connection, and a dashboard has fewer panels than that.
 */
const PREPARED_TEXTS_MAX = 24;
const preparedNames = new Map<string, string>();

/**
 * The prepared statement name of a marked statement (PREPARE_MARK), else undefined:
 * PrismaPg passes it to pg as the query's `name`, and pg runs a query without one unnamed
 * (its type says string; undefined is what it passes when no generator is set).
 */
function preparedName(query: { sql: string }): string | undefined {
  if (!query.sql.startsWith(PREPARE_MARK)) return undefined;
  let name = preparedNames.get(query.sql);
  if (name === undefined && preparedNames.size < PREPARED_TEXTS_MAX) {
    name = `sg_${createHash('sha256').update(query.sql).digest('hex').slice(0, 32)}`;
    preparedNames.set(query.sql, name);
  }
  return name;
}

function postgresDriver(pool: pg.Pool): SqlDriver {
  const onClient = (client: pg.PoolClient): Omit<SqlDriver, 'transaction'> => ({
    async query<T extends SqlRow>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async execScript(sql: string) {
      await client.query(sql);
    },
  });
  const transaction = async <T>(work: (tx: Omit<SqlDriver, 'transaction'>) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(onClient(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  return {
    async query<T extends SqlRow>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    execScript: (sql) => transaction((tx) => tx.execScript(sql)),
    transaction,
  };
}

/** Options for opening a database. */
export interface OpenOptions {
  /** Largest number of pooled PostgreSQL connections. */
  poolSize?: number;
  /** How long a request waits for a pooled PostgreSQL connection before failing (default: no limit). */
  connectTimeoutMs?: number;
}

/** The database could not be opened; the message says why and what to do. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

/** Opens the database a target names: PGlite (folder or memory) or a PostgreSQL server. */
export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
  let count = 0;
  const countQueries = (prisma: PrismaClient): PrismaClient => {
    prisma.$on('query' as never, () => {
      count += 1;
    });
    return prisma;
  };
  const log = [{ emit: 'event' as const, level: 'query' as const }];

  if (target.kind === 'pglite') {
    const unlock = target.dir ? lockDataFolder(target.dir) : () => undefined;
    let pglite: PGlite;
    try {
      if (target.dir) mkdirSync(target.dir, { recursive: true });
      pglite = await PGlite.create(target.dir ?? undefined);
      trackPglite(pglite);
    } catch (error) {
      unlock();
      throw error;
    }
    const prisma = countQueries(new PrismaClient({ adapter: new PrismaPGlite(pglite), log }));
    return {
      kind: 'pglite',
      location: target.dir ? `pglite:${target.dir}` : 'pglite:memory',
      prisma,
      driver: pgliteDriver(pglite),
      statementCount: () => count,
      listen(channel, onNotify, onState) {
        // In process: a notification arrives while the statement that committed it returns.
        outsideRequest(() => pglite.listen(channel, onNotify)).then(
          () => onState(true),
          () => onState(false),
        );
      },
      // PGlite runs in this process and one statement at a time: a query would wait
      // behind the running ones, and while this process answers, so does the database.
      ping: async () => {
        if (pglite.closed) throw new Error('the database is closed');
      },
      async close() {
        await prisma.$disconnect();
        await pglite.close();
        unlock();
      },
    };
  }

  const pool = new pg.Pool({
    connectionString: target.url,
    max: options.poolSize ?? 10,
    ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
  });
  pool.on('connect', (client) => {
    // The server ending a connection (restart, failover, pg_terminate_backend) is an
    // 'error' event on its client. The pool listens only while a client is idle; one
    // that is checked out (inside a transaction, between statements) would crash the
    // process. Its statements fail instead, and the pool drops it when it comes back.
    client.on('error', () => undefined);
    trackConnection(target.url, client);
  });
  pool.on('error', () => undefined);
  trackPool(pool);
  const location = redact(target.url);
  // Fail here, with the server's reason, rather than on the first request.
  const probe = await pool.connect().catch(async (error: unknown) => {
    await pool.end().catch(() => undefined);
    throw new DatabaseOpenError(describeOpenFailure(error, location), { cause: error });
  });
  probe.release();
  const prisma = countQueries(new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator: preparedName as (q: { sql: string }) => string }), log }));
  const health = healthConnection(target.url);
  const listener = notificationListener(target.url);
  return {
    kind: 'postgres',
    location,
    prisma,
    driver: postgresDriver(pool),
    statementCount: () => count,
    ping: (timeoutMs) => health.ping(timeoutMs),
    listen: listener.listen,
    async close() {
      await listener.close();
      await health.close();
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** How long the notification listener waits before reconnecting after losing its connection. */
const LISTEN_RETRY_MS = 1_000;

/**
 * One connection kept apart from the pool that LISTENs for the channels subscribers ask
 * for, opened on the first subscription and reopened after it breaks. Subscribers hear
 * `onState(false)` when it breaks and `onState(true)` once it listens again.
 */
function notificationListener(url: string): Pick<Database, 'listen'> & { close(): Promise<void> } {
  const subscribers = new Map<string, { onNotify: (payload: string) => void; onState: (listening: boolean) => void }[]>();
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  const connect = () => {
    if (closed || client) return;
    const next = new pg.Client({ connectionString: url, application_name: 'supportgraph-listen' });
    client = next;
    const lost = () => {
      if (client !== next) return;
      client = null;
      for (const list of subscribers.values()) for (const s of list) s.onState(false);
      void next.end().catch(() => undefined);
      if (!closed) {
        retry = setTimeout(connect, LISTEN_RETRY_MS);
        retry.unref();
      }
    };
    next.on('error', lost);
    next.on('end', lost);
    next.on('notification', (message) => {
      for (const s of subscribers.get(message.channel) ?? []) s.onNotify(message.payload ?? '');
    });
    void (async () => {
      try {
        await next.connect();
        // The listener must not keep a finished process (a CLI, a test) alive.
        (next as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        for (const channel of subscribers.keys()) await next.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
        if (client === next) for (const list of subscribers.values()) for (const s of list) s.onState(true);
      } catch {
        lost();
      }
    })();
  };
  return {
    listen(channel, onNotify, onState) {
      const list = subscribers.get(channel) ?? [];
      list.push({ onNotify, onState });
      subscribers.set(channel, list);
      if (client) {
        // A new channel on a live connection: listening starts once LISTEN is through.
        const current = client;
        current.query(`LISTEN "${channel.replace(/"/g, '""')}"`).then(
          () => client === current && onState(true),
          () => undefined,
        );
      } else {
        connect();
      }
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}

/**
 * One connection kept apart from the pool for health checks, so a probe never waits
 * behind queries for a pooled connection; reopened on the next ping after it breaks.
 */
function healthConnection(url: string): { ping(timeoutMs: number): Promise<void>; close(): Promise<void> } {
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  const open = (timeoutMs: number): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: 'supportgraph-health' });
      next.on('error', () => {
        if (client === next) client = null;
      });
      next.on('end', () => {
        if (client === next) client = null;
      });
      try {
        await next.connect();
      } catch (error) {
        await next.end().catch(() => undefined);
        throw error;
      }
      client = next;
      return next;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };
  return {
    async ping(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`the database did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      });
      try {
        await Promise.race([
          (async () => {
            const connection = await open(timeoutMs);
            try {
              await connection.query('SELECT 1');
            } catch (error) {
              if (client === connection) client = null;
              await connection.end().catch(() => undefined);
              throw error;
            }
          })(),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
