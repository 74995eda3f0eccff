import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, withReadReplica, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';

// DATABASE_READ_URL against a real streaming replica: a primary and a pg_basebackup -R
// standby started in a temporary folder on free ports, as the postgres OS user (initdb
// and postgres refuse root), stopped and removed afterwards. PostgreSQL runs only (the
// replica is a PostgreSQL feature; the PGlite run has nothing to replicate).

const BIN = '/usr/lib/postgresql/15/bin';
const runPg = process.env.TEST_DATABASE_URL ? describe : describe.skip;

function asPostgres(command: string, args: string[]): string {
  const asRoot = process.getuid?.() === 0;
  return execFileSync(asRoot ? 'runuser' : join(BIN, command), asRoot ? ['-u', 'postgres', '--', join(BIN, command), ...args] : args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

runPg('read replica (DATABASE_READ_URL)', () => {
  let dir = '';
  let primaryPort = 0;
  let replicaPort = 0;
  let db: Database;
  let client: GqlClient;
  const started: string[] = [];
  const url = (port: number, name = 'sg') => `postgresql://postgres@127.0.0.1:${port}/${name}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sg-replica-'));
    chmodSync(dir, 0o777);
    primaryPort = await freePort();
    replicaPort = await freePort();
    const primaryDir = join(dir, 'primary');
    const replicaDir = join(dir, 'replica');
    asPostgres('initdb', ['-D', primaryDir, '--auth=trust', '-U', 'postgres', '--no-sync']);
    appendFileSync(
      join(primaryDir, 'postgresql.conf'),
      `\nport = ${primaryPort}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nwal_level = replica\nmax_wal_senders = 4\nfsync = off\n`,
    );
    asPostgres('pg_ctl', ['-D', primaryDir, '-l', join(dir, 'primary.log'), '-w', 'start']);
    started.push(primaryDir);
    const admin = new pg.Client({ connectionString: url(primaryPort, 'postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE sg');
    await admin.end();
    // The standby: a base backup with -R (standby.signal + primary_conninfo), its own port.
    // --checkpoint=fast: the default spread checkpoint paces its writes over minutes
    // (90 s of this file's 96 in CI for CREATE DATABASE's few thousand dirty pages).
    asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--checkpoint=fast']);
    writeFileSync(join(replicaDir, 'postgresql.auto.conf'), `\nport = ${replicaPort}\n`, { flag: 'a' });
    asPostgres('pg_ctl', ['-D', replicaDir, '-l', join(dir, 'replica.log'), '-w', 'start']);
    started.push(replicaDir);

    const primary = await openDatabase({ kind: 'postgres', url: url(primaryPort) });
    await migrate(primary.driver);
    db = await withReadReplica(primary, url(replicaPort));
    client = gqlClient(db, { responseCache: false });
  }, 120_000);

  afterAll(async () => {
    await db?.close().catch(() => undefined);
    for (const data of started.reverse()) {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** Waits until the replica has replayed everything the primary has written so far. */
  async function caughtUp(): Promise<void> {
    const [{ lsn }] = await db.driver.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    for (let i = 0; i < 200; i++) {
      const [row] = await db.replica!.driver.query<{ ok: boolean }>(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok`, [lsn]);
      if (row.ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the replica did not catch up within 10 s');
  }

  const ingest = (ids: string[]) =>
    client.query(`mutation ($rows: [TicketInput!]!) { upsertTickets(input: $rows) { created } }`, {
      rows: ids.map((id) => ({ externalId: id, channel: 'EMAIL', status: 'OPEN', createdAt: '2026-05-04T10:00:00Z' })),
    });
  const read = async () => {
    const r = await client.query(`{ tickets(first: 10) { totalCount } metrics(range: { from: "2026-05-04T00:00:00Z", to: "2026-05-05T00:00:00Z" }) { ticketsCreated } }`);
    expect(r.errors).toBeUndefined();
    return [r.data.tickets.totalCount, r.data.metrics.ticketsCreated];
  };

  it('writes on the primary and reads (entities and analytics) from the replica', async () => {
    const [{ standby }] = await db.replica!.driver.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    expect(standby).toBe(true);
    const replicaBefore = db.replica!.statementCount();
    const written = await ingest(['r1', 'r2']);
    expect(written.errors).toBeUndefined();
    expect(written.data.upsertTickets.created).toBe(2);
    expect(db.replica!.statementCount()).toBe(replicaBefore); // the mutation never touched the replica
    await caughtUp();
    const primaryAfterWrite = db.statementCount();
    expect(await read()).toEqual([2, 2]);
    expect(db.replica!.statementCount()).toBeGreaterThan(replicaBefore);
    expect(db.statementCount()).toBe(primaryAfterWrite); // the query never touched the primary
    const [{ n }] = await db.driver.query<{ n: number }>('SELECT count(*)::int AS n FROM "Ticket"');
    expect(n).toBe(2); // written on the primary
  });

  it('answers what the replica has replayed: paused replay hides a new write until it resumes', async () => {
    await db.replica!.driver.query('SELECT pg_wal_replay_pause()');
    await ingest(['r3']);
    // The primary has 3 tickets; the paused replica still answers 2.
    const [{ n }] = await db.driver.query<{ n: number }>('SELECT count(*)::int AS n FROM "Ticket"');
    expect(n).toBe(3);
    expect(await read()).toEqual([2, 2]);
    await db.replica!.driver.query('SELECT pg_wal_replay_resume()');
    await caughtUp();
    expect(await read()).toEqual([3, 3]);
  });
});
