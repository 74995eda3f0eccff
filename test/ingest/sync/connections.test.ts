import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { gqlClient, type GqlClient } from '../../helpers/graphql.ts';
import { bearer, captureLogger, makeToken, TEST_ADMIN_TOKEN } from '../../auth/helpers.ts';
import { decryptSecret, encryptionKey } from '../../../src/ingest/sync/secrets.ts';
import { SyncScheduler } from '../../../src/ingest/sync/scheduler.ts';
import { runStoredConnection } from '../../../src/ingest/sync/stored.ts';
import { startFakeZendesk, type FakeZendesk } from './fake-zendesk.ts';
import { recordingRetry } from './helpers.ts';
import { zendeskAccount } from './zendesk-account.ts';

// Stored connections: created through GraphQL (ADMIN), credentials encrypted at rest
// and never answered or logged, run by the server's scheduler.

const KEY = 'a'.repeat(64);
const TOKEN = 'zd-token-that-must-never-leak-42';
let db: TestDatabase;
let gql: GqlClient;
let prod: GqlClient;
let fake: FakeZendesk;
const log = captureLogger();

const CREATE = `mutation($input: ConnectionInput!) { createConnection(input: $input) { id name kind account status ticketsSynced nextSyncAt } }`;

beforeAll(async () => {
  process.env.SYNC_ENCRYPTION_KEY = KEY;
  db = await openTestDatabase();
  gql = gqlClient(db);
  prod = gqlClient(db, { production: true, logger: log.logger, config: { adminToken: TEST_ADMIN_TOKEN } });
  fake = await startFakeZendesk({ email: 'admin@acme.example', token: TOKEN, ...zendeskAccount(), ticketsPerPage: 3, auditsPerPage: 8 });
});

afterAll(async () => {
  delete process.env.SYNC_ENCRYPTION_KEY;
  await fake.close();
  await db.destroy();
});

describe('stored connections', () => {
  it('refuses incomplete credentials and a missing key with BAD_USER_INPUT', async () => {
    const missing = await gql.query(CREATE, { input: { name: 'z', kind: 'ZENDESK', account: 'acme', email: 'admin@acme.example' } });
    expect(missing.errors?.[0]).toMatchObject({
      message: 'a Zendesk connection needs email and token (an API token of an admin).',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    delete process.env.SYNC_ENCRYPTION_KEY;
    const noKey = await gql.query(CREATE, { input: { name: 'z', kind: 'ZENDESK', account: 'acme', email: 'a@b.example', token: TOKEN } });
    process.env.SYNC_ENCRYPTION_KEY = KEY;
    expect(noKey.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(noKey.errors?.[0].message).toMatch(/^SYNC_ENCRYPTION_KEY is not set/);
    const [{ n }] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Connection"`);
    expect(n).toBe(0);
  });

  it('stores the credentials encrypted and never returns them', async () => {
    const result = await prod.query(
      CREATE,
      { input: { name: 'zendesk-acme', kind: 'ZENDESK', account: 'acme', email: 'admin@acme.example', token: TOKEN, baseUrl: fake.url, intervalMinutes: 15 } },
      bearer(TEST_ADMIN_TOKEN),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.createConnection).toMatchObject({ name: 'zendesk-acme', kind: 'ZENDESK', status: 'NEVER_RUN', ticketsSynced: 0 });
    const [row] = await db.driver.query<{ credentials: string; all: string }>(`SELECT credentials, row_to_json(c)::text AS all FROM "Connection" c`);
    expect(row.all).not.toContain(TOKEN);
    expect(row.credentials).toMatch(/^v1:/);
    expect(decryptSecret(row.credentials, encryptionKey(KEY))).toEqual({ email: 'admin@acme.example', token: TOKEN });
    expect(() => decryptSecret(row.credentials, encryptionKey('b'.repeat(64)))).toThrow('do not decrypt');
    // No field of the API can return them.
    const type = await gql.query(`{ __type(name: "Connection") { fields { name } } }`);
    const fields = (type.data.__type.fields as { name: string }[]).map((f) => f.name);
    expect(fields).not.toContain('credentials');
    expect(fields.some((f) => /token|key|secret|password/i.test(f))).toBe(false);
  });

  it('is ADMIN only', async () => {
    const analyst = await makeToken(db, 'ANALYST');
    const listed = await prod.query(`{ connections { name } }`, undefined, analyst.header);
    expect(listed.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('runs on the schedule, records the outcome, and logs no credentials', async () => {
    const scheduler = new SyncScheduler({
      db,
      pollSeconds: 3600,
      logger: log.logger,
      run: (id, signal) => runStoredConnection(db, id, KEY, { signal, retry: recordingRetry() }),
    });
    expect(await scheduler.pass()).toBe(1);
    // Not due again until its interval has passed.
    expect(await scheduler.pass()).toBe(0);
    const listed = await prod.query(`{ connections { id name status error ticketsSynced lastSyncAt nextSyncAt } }`, undefined, bearer(TEST_ADMIN_TOKEN));
    const [connection] = listed.data.connections;
    // 6 ticket snapshots: 104, 101, 102, 103, 105 written, 104's deletion is not a written ticket.
    expect(connection).toMatchObject({ name: 'zendesk-acme', status: 'SUCCEEDED', error: null, ticketsSynced: 5 });
    expect(Date.parse(connection.nextSyncAt) - Date.parse(connection.lastSyncAt)).toBe(15 * 60_000);

    // syncConnection makes it due at the next pass.
    const again = await prod.query(`mutation($id: ID!) { syncConnection(id: $id) { name } }`, { id: connection.id }, bearer(TEST_ADMIN_TOKEN));
    expect(again.errors).toBeUndefined();
    expect(await scheduler.pass()).toBe(1);

    // A revoked token: the sync fails with the vendor's answer, recorded on the connection, without the secret.
    await fake.close();
    const bad = await startFakeZendesk({ email: 'admin@acme.example', token: 'another', ...zendeskAccount(), ticketsPerPage: 3, auditsPerPage: 8 });
    await db.driver.query(`UPDATE "Connection" SET "baseUrl" = $1, "nextSyncAt" = now()`, [bad.url]);
    expect(await scheduler.pass()).toBe(1);
    await bad.close();
    const [failed] = await db.driver.query<{ status: string; error: string }>(`SELECT status, error FROM "Connection"`);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/answered 401 \(check the e-mail and API token/);
    expect(log.raw()).toContain('sync failed');
    expect(log.raw()).not.toContain(TOKEN);
    await scheduler.stop();
  });
});
