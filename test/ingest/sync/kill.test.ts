import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDatabaseUrl } from '../../../src/config.ts';
import { openDatabase } from '../../../src/db/client.ts';
import { createScratchDatabase } from '../../../src/db/scratch.ts';
import { startFakeZendesk, type FakeZendeskOptions } from './fake-zendesk.ts';
import { contentChecksum } from './helpers.ts';
import { openTestDatabase } from '../../helpers/db.ts';
import { parseSyncArgs, runSyncCommand } from '../../../src/ingest/sync-cli.ts';
import { zendeskAccount } from './zendesk-account.ts';

// `npm run sync` killed mid-way (SIGKILL, no chance to clean up), then run again, must
// leave the same data as one uninterrupted run: each page is committed with its cursor.
// The sync runs as a child process (node --import tsx, so the kill hits the sync itself).

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const credentials = { email: 'admin@acme.example', token: 'secret-token-123' };
const account: Omit<FakeZendeskOptions, 'email' | 'token'> = { ...zendeskAccount(), ticketsPerPage: 1, auditsPerPage: 3 };

let dir: string;
const drops: (() => Promise<void>)[] = [];

/** A fresh database URL for a child process: a scratch PostgreSQL database, or a PGlite folder. */
async function freshDatabase(name: string): Promise<string> {
  const server = process.env.TEST_DATABASE_URL;
  if (server) {
    const scratch = await createScratchDatabase(server, 'sg_sync_kill');
    drops.push(scratch.drop);
    return scratch.url;
  }
  return `pglite:${join(dir, name)}`;
}

function startSync(url: string, databaseUrl: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'src/ingest/sync-cli.ts', 'zendesk', '--subdomain', 'acme', '--email', credentials.email, '--token', credentials.token, '--base-url', url],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, output })));
}

async function inspect(databaseUrl: string) {
  const db = await openDatabase(parseDatabaseUrl(databaseUrl), { poolSize: 1 });
  try {
    const [connection] = await db.driver.query<{ ticketsSynced: number; cursor: string; status: string }>(
      `SELECT "ticketsSynced", cursor::text AS cursor, status FROM "Connection"`,
    );
    const [{ n }] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Ticket"`);
    return { connection, tickets: n, content: await contentChecksum(db) };
  } finally {
    await db.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-sync-kill-'));
});

afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a sync killed mid-way', () => {
  it('resumes after the last committed page and ends equal to a clean run', async () => {
    // 1. Killed while waiting for the 4th ticket page: pages 1-3 (104 open, 101, 102) are committed.
    const resumed = await freshDatabase('resumed');
    let child: ChildProcess | undefined;
    const held = await startFakeZendesk({ ...credentials, ...account, holdTicketPage: 4, onHold: () => child?.kill('SIGKILL') });
    child = startSync(held.url, resumed);
    const killed = await exited(child);
    await held.close();
    expect(killed.signal).toBe('SIGKILL');
    const midway = await inspect(resumed);
    expect(midway.tickets).toBe(3);
    expect(midway.connection).toMatchObject({ ticketsSynced: 3, status: 'RUNNING' });
    expect(JSON.parse(midway.connection.cursor)).toHaveProperty('tickets.afterCursor');

    // 2. Run again to the end.
    const fake = await startFakeZendesk({ ...credentials, ...account });
    const rerun = await exited(startSync(fake.url, resumed));
    expect(rerun.code, rerun.output).toBe(0);
    // It asked for page 4 first, not page 1 again.
    expect(fake.requests[0]).toContain('cursor=');
    await fake.close();

    // 3. A clean, uninterrupted run (in this process, the same command) into another database.
    const fresh = await startFakeZendesk({ ...credentials, ...account });
    const cleanDb = await openTestDatabase();
    try {
      const args = parseSyncArgs(['zendesk', '--subdomain', 'acme', '--email', credentials.email, '--token', credentials.token, '--base-url', fresh.url]);
      await runSyncCommand(args, cleanDb, () => undefined);
      const a = await inspect(resumed);
      expect(a.tickets).toBe(4);
      expect(a.connection).toMatchObject({ status: 'SUCCEEDED' });
      expect(a.content).toEqual(await contentChecksum(cleanDb));
    } finally {
      await fresh.close();
      await cleanDb.destroy();
    }
  }, 300_000);
});
