import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataVersion, DATA_VERSION_UNTRACKED_TABLES } from '../../src/db/data-version.ts';
import { upsertTeams, upsertTickets } from '../../src/ingest/upsert.ts';
import { deleteTicketsIn } from '../../src/ingest/delete.ts';
import { upsertBusinessCalendar } from '../../src/sla/admin.ts';
import { createApiToken } from '../../src/auth/tokens.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

// The data version of migration 0012: +1 at the commit of each transaction that changed a
// tracked row, whatever wrote it; nothing for reads, for statements that change no row,
// for rolled-back work, for untracked tables, or for other databases.

let db: TestDatabase;
const counter = async () => Number((await dataVersion(db)).split(':')[1]);

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db?.destroy());

describe('data version', () => {
  it('puts the version triggers on every table but the untracked ones', async () => {
    const tables = await db.driver.query<{ name: string; triggers: string[] }>(
      `SELECT c.relname AS name,
              ARRAY(SELECT t.tgname::text FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname::text LIKE '%\\_data\\_version\\_%' ORDER BY 1) AS triggers
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
        ORDER BY 1`,
    );
    expect(tables.length).toBeGreaterThan(20);
    for (const table of tables) {
      const expected = DATA_VERSION_UNTRACKED_TABLES.has(table.name)
        ? []
        : ['delete', 'insert', 'truncate', 'update'].map((event) => `${table.name}_data_version_${event}`);
      expect({ table: table.name, triggers: table.triggers }).toEqual({ table: table.name, triggers: expected });
    }
    // Every untracked name is a real table (a renamed table would silently lose its triggers).
    const names = new Set(tables.map((t) => t.name));
    for (const name of DATA_VERSION_UNTRACKED_TABLES) expect(names.has(name), name).toBe(true);
  });

  it('counts committed transactions that changed tracked rows, once each', async () => {
    const v0 = await counter();
    // Reads do not count.
    await db.prisma.ticket.count();
    expect(await counter()).toBe(v0);
    // One transaction of three writing statements (team, ticket, rollup triggers inside): +1.
    await upsertTeams(db, [{ externalId: 'north', name: 'North' }]);
    expect(await counter()).toBe(v0 + 1);
    await upsertTickets(db, [
      { externalId: 't1', channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: new Date('2026-05-04T09:00:00Z') },
      { externalId: 't2', channel: 'EMAIL', status: 'OPEN', teamExternalId: 'north', createdAt: new Date('2026-05-04T10:00:00Z') },
    ]);
    expect(await counter()).toBe(v0 + 2);
    await db.driver.transaction(async (tx) => {
      await tx.query(`UPDATE "Ticket" SET "subject" = 'a' WHERE "externalId" = 't1'`);
      await tx.query(`UPDATE "Ticket" SET "subject" = 'b' WHERE "externalId" = 't2'`);
      await tx.query(`UPDATE "Team" SET "name" = 'North team' WHERE "externalId" = 'north'`);
    });
    expect(await counter()).toBe(v0 + 3);
    // A statement that changes no row, and rolled-back work: nothing.
    await db.driver.query(`UPDATE "Ticket" SET "subject" = 'x' WHERE "externalId" = 'none'`);
    await db.driver.query(`DELETE FROM "Feedback" WHERE false`);
    await expect(
      db.driver.transaction(async (tx) => {
        await tx.query(`UPDATE "Ticket" SET "subject" = 'gone' WHERE "externalId" = 't1'`);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await counter()).toBe(v0 + 3);
    // A savepoint rolled back after the first write keeps the transaction's mark: +1.
    await db.driver.transaction(async (tx) => {
      await tx.query('SAVEPOINT s');
      await tx.query(`UPDATE "Ticket" SET "subject" = 'c' WHERE "externalId" = 't1'`);
      await tx.query('ROLLBACK TO SAVEPOINT s');
      await tx.query(`UPDATE "Ticket" SET "subject" = 'd' WHERE "externalId" = 't2'`);
    });
    expect(await counter()).toBe(v0 + 4);
    // Untracked tables (tokens) do not count.
    await createApiToken(db, { name: 'reader', role: 'ANALYST' });
    expect(await counter()).toBe(v0 + 4);
    // A calendar edit (with its SLA recompute), deletes and TRUNCATE count once each.
    await upsertBusinessCalendar(db, {
      externalId: 'cal',
      name: 'Berlin',
      timeZone: 'Europe/Berlin',
      hours: [{ weekday: 1, start: '09:00', end: '17:00' }],
    });
    expect(await counter()).toBe(v0 + 5);
    await db.driver.transaction((tx) => deleteTicketsIn(tx, ['t2']));
    expect(await counter()).toBe(v0 + 6);
    await db.driver.query(`TRUNCATE "TicketEvent"`);
    expect(await counter()).toBe(v0 + 7);
  });

  it('does not move for writes in another database', async () => {
    const before = await dataVersion(db);
    const other = await openTestDatabase();
    try {
      // Each database has its own epoch: equal counters never mean equal data.
      expect((await dataVersion(other)).split(':')[0]).not.toBe(before.split(':')[0]);
      await upsertTeams(other, [{ externalId: 'elsewhere', name: 'Elsewhere' }]);
    } finally {
      await other.destroy();
    }
    expect(await dataVersion(db)).toBe(before);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('changes at commit, not before (PostgreSQL: a second session)', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL as string);
    const [{ name }] = await db.driver.query<{ name: string }>('SELECT current_database() AS name');
    url.pathname = `/${name}`;
    const writer = new pg.Client({ connectionString: url.toString() });
    await writer.connect();
    try {
      const v0 = await counter();
      await writer.query('BEGIN');
      await writer.query(`UPDATE "Team" SET "name" = 'Open transaction' WHERE "externalId" = 'north'`);
      // Written but not committed: readers see neither the row nor a new version.
      expect(await counter()).toBe(v0);
      await writer.query('COMMIT');
      expect(await counter()).toBe(v0 + 1);
    } finally {
      await writer.end();
    }
  });
});
