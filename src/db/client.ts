import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseTarget } from '../config.ts';
import { redact } from '../config.ts';
import { PrismaClient } from '../generated/prisma/client.ts';

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
  close(): Promise<void>;
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
      async close() {
        await prisma.$disconnect();
        await pglite.close();
        unlock();
      },
    };
  }

  const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10 });
  const prisma = countQueries(new PrismaClient({ adapter: new PrismaPg(pool), log }));
  return {
    kind: 'postgres',
    location: redact(target.url),
    prisma,
    driver: postgresDriver(pool),
    statementCount: () => count,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
