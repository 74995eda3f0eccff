import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { bearer, makeToken, nextTokenNotification, TEST_ADMIN_TOKEN } from './helpers.ts';
import { TOKEN_CACHE_MS } from '../../src/auth/token-cache.ts';

// Valid tokens are kept in memory for a few seconds (src/auth/token-cache.ts), so a
// request with a known token needs no lookup; a revocation through the API is refused
// by the very next request, and any other change to a token (another process, a hand
// edit) reaches every server by NOTIFY at its commit.

let db: TestDatabase;
let prod: GqlClient;
const admin = bearer(TEST_ADMIN_TOKEN);
const ME = '{ viewer { role tokenName } }';

beforeAll(async () => {
  db = await openTestDatabase();
  prod = gqlClient(db, { production: true, config: { adminToken: TEST_ADMIN_TOKEN } });
});
afterAll(async () => db?.destroy());

/** SQL statements the database ran for one request (the viewer field itself reads nothing). */
async function statementsOf(work: () => Promise<unknown>): Promise<number> {
  const before = db.statementCount();
  await work();
  return db.statementCount() - before;
}

describe('token cache', () => {
  it('looks a token up once, then answers from memory', async () => {
    const { secret } = await makeToken(db, 'ANALYST', { name: 'cached' });
    // First use: the lookup and the lastUsedAt write (once a minute).
    expect(await statementsOf(() => prod.query(ME, {}, bearer(secret)))).toBe(2);
    // Until the cache's listener listens (it starts with the first lookup) tokens are read
    // every time; then the token is read once more and answered from memory.
    let statements = 1;
    for (let i = 0; i < 50 && statements > 0; i++) statements = await statementsOf(() => prod.query(ME, {}, bearer(secret)));
    expect(statements).toBe(0);
    expect(await statementsOf(() => prod.query(ME, {}, bearer(secret)))).toBe(0);
    const again = await prod.query(ME, {}, bearer(secret));
    expect(again.data.viewer).toEqual({ role: 'ANALYST', tokenName: 'cached' });
  });

  it('refuses a token revoked through the API on the very next request', async () => {
    const { secret, id } = await makeToken(db, 'ANALYST', { name: 'revoke me' });
    for (let i = 0; i < 3; i++) expect((await prod.query(ME, {}, bearer(secret))).status).toBe(200);
    const gid = Buffer.from(`ApiToken:${id}`).toString('base64');
    const revoked = await prod.query('mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', { id: gid }, admin);
    expect(revoked.errors).toBeUndefined();
    const next = await prod.query(ME, {}, bearer(secret));
    expect(next.status).toBe(401);
    expect(next.errors?.[0].message).toBe('the API token "revoke me" was revoked');
  });

  it('forgets a token changed by hand at once (NOTIFY from the trigger), but not for lastUsedAt', async () => {
    const { secret, id } = await makeToken(db, 'ANALYST', { name: 'hand edit' });
    for (let i = 0; i < 3; i++) await prod.query(ME, {}, bearer(secret));
    // lastUsedAt alone notifies nobody: still answered from memory.
    await db.driver.query(`UPDATE "ApiToken" SET "lastUsedAt" = now() WHERE id = $1`, [id]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await statementsOf(() => prod.query(ME, {}, bearer(secret)))).toBe(0);
    const notified = await nextTokenNotification(db);
    await db.driver.query(`UPDATE "ApiToken" SET "revokedAt" = now() WHERE id = $1`, [id]);
    // The notification comes through the listening connection (PostgreSQL: milliseconds later).
    await notified();
    expect((await prod.query(ME, {}, bearer(secret))).status).toBe(401);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('refuses at once in another server process of the same database (PostgreSQL)', async () => {
    // A second Database on the same PostgreSQL database: a server process of its own.
    const [{ name }] = await db.driver.query<{ name: string }>('SELECT current_database() AS name');
    const url = new URL(process.env.TEST_DATABASE_URL as string);
    url.pathname = `/${name}`;
    const other: Database = await openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 2 });
    try {
      const elsewhere = gqlClient(other, { production: true, config: { adminToken: TEST_ADMIN_TOKEN } });
      const { secret, id } = await makeToken(db, 'ANALYST', { name: 'two processes' });
      for (let i = 0; i < 3; i++) expect((await prod.query(ME, {}, bearer(secret))).status).toBe(200);
      const gid = Buffer.from(`ApiToken:${id}`).toString('base64');
      const notified = await nextTokenNotification(db);
      const started = performance.now();
      await elsewhere.query('mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', { id: gid }, admin);
      await notified();
      expect((await prod.query(ME, {}, bearer(secret))).status).toBe(401);
      // How soon "at once" is across processes: the notification's trip, not a time-to-live.
      expect(performance.now() - started).toBeLessThan(TOKEN_CACHE_MS);
    } finally {
      await other.close();
    }
  });
});
