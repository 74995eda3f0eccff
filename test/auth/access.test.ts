import { createHash } from 'node:crypto';
import { getNamedType, isCompositeType, type GraphQLField } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFor } from '../../src/auth/policy.ts';
import { buildSchema } from '../../src/schema/index.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';
import { bearer, captureLogger, makeToken, nextTokenNotification, TEST_ADMIN_TOKEN } from './helpers.ts';

let db: TestDatabase;
let prod: GqlClient;
const log = captureLogger('debug');
const admin = bearer(TEST_ADMIN_TOKEN);
const secrets: string[] = [];
let teamId: number;

beforeAll(async () => {
  db = await openTestDatabase();
  const team = await db.prisma.team.create({ data: { externalId: 'team-1', name: 'Support' } });
  teamId = team.id;
  await db.prisma.category.create({ data: { externalId: 'cat-1', name: 'Billing' } });
  prod = gqlClient(db, { production: true, logger: log.logger, config: { adminToken: TEST_ADMIN_TOKEN } });
});

afterAll(async () => {
  await db?.destroy();
});

const teamGlobalId = () => Buffer.from(`Team:${teamId}`).toString('base64');

async function created(role: string, extra: Record<string, unknown> = {}) {
  const result = await prod.query(
    `mutation($input: ApiTokenInput!) { createApiToken(input: $input) { secret token { id name role teams { name } } } }`,
    { input: { name: `${role} via API`, role, ...extra } },
    admin,
  );
  expect(result.errors).toBeUndefined();
  const secret: string = result.data.createApiToken.secret;
  secrets.push(secret);
  return { secret, token: result.data.createApiToken.token };
}

describe('authentication in production', () => {
  it.each([
    ['no header', {}],
    ['a malformed header', { authorization: 'Token abc' }],
    ['an unknown token', { authorization: 'Bearer sgt_not-a-real-token' }],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_name, headers) => {
    const result = await prod.query('{ viewer { role } }', {}, headers);
    expect(result.status).toBe(401);
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('tells the client how to authenticate', async () => {
    const response = await prod.server.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers /health and /ready without a token', async () => {
    for (const path of ['/health', '/ready']) {
      const response = await prod.server.fetch(`http://test${path}`);
      expect(response.status).toBe(200);
    }
  });

  it('accepts ADMIN_TOKEN as an ADMIN', async () => {
    const result = await prod.query('{ viewer { role tokenName restrictedToTeams teams { name } } }', {}, admin);
    expect(result.data.viewer).toEqual({ role: 'ADMIN', tokenName: 'ADMIN_TOKEN', restrictedToTeams: false, teams: [] });
  });
});

describe('tokens', () => {
  it('shows a random secret once and stores only its SHA-256', async () => {
    const { secret, token } = await created('ANALYST');
    // sgt_ + 32 random bytes in base64url (43 characters).
    expect(secret).toMatch(/^sgt_[A-Za-z0-9_-]{43}$/);
    const rows = await db.driver.query<{ row: string; secretHash: string }>(
      `SELECT row_to_json(t)::text AS row, "secretHash" FROM "ApiToken" t WHERE name = 'ANALYST via API'`,
    );
    expect(rows[0].secretHash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(rows[0].row).not.toContain(secret.slice(4));
    const listed = await prod.query('{ apiTokens { id name role lastUsedAt revokedAt } }', {}, admin);
    expect(listed.data.apiTokens).toContainEqual({ id: token.id, name: 'ANALYST via API', role: 'ANALYST', lastUsedAt: null, revokedAt: null });
  });

  it('acts as the token and records when it was last used', async () => {
    const { secret, token } = await created('TEAM_LEAD', { teamIds: [teamGlobalId()] });
    expect(token.teams).toEqual([{ name: 'Support' }]);
    const me = await prod.query('{ viewer { role tokenName restrictedToTeams teams { name } } }', {}, bearer(secret));
    expect(me.data.viewer).toEqual({ role: 'TEAM_LEAD', tokenName: 'TEAM_LEAD via API', restrictedToTeams: true, teams: [{ name: 'Support' }] });
    const listed = await prod.query('{ apiTokens { id lastUsedAt } }', {}, admin);
    const row = listed.data.apiTokens.find((t: { id: string }) => t.id === token.id);
    expect(row.lastUsedAt).not.toBeNull();
  });

  it('refuses a revoked token and keeps the first revocation time', async () => {
    const { secret, token } = await created('ANALYST', { name: 'to revoke' });
    const first = await prod.query('mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', { id: token.id }, admin);
    const again = await prod.query('mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', { id: token.id }, admin);
    expect(first.data.revokeApiToken.revokedAt).not.toBeNull();
    expect(again.data.revokeApiToken.revokedAt).toBe(first.data.revokeApiToken.revokedAt);
    const result = await prod.query('{ viewer { role } }', {}, bearer(secret));
    expect(result.status).toBe(401);
    expect(result.errors?.[0].message).toBe('the API token "to revoke" was revoked');
  });

  it('refuses an expired token', async () => {
    const { secret, token } = await created('ANALYST', { name: 'short-lived', expiresAt: '2999-01-01T00:00:00Z' });
    expect((await prod.query('{ viewer { role } }', {}, bearer(secret))).status).toBe(200);
    const id = Number(Buffer.from(token.id, 'base64').toString().split(':')[1]);
    // A hand edit reaches the server's token cache by NOTIFY at its commit (src/auth/token-cache.ts).
    const notified = await nextTokenNotification(db);
    await db.prisma.apiToken.update({ where: { id }, data: { expiresAt: new Date('2020-01-01T00:00:00Z') } });
    await notified();
    const result = await prod.query('{ viewer { role } }', {}, bearer(secret));
    expect(result.status).toBe(401);
    expect(result.errors?.[0].message).toMatch(/expired at 2020-01-01T00:00:00.000Z/);
  });

  it.each([
    [{ role: 'TEAM_LEAD' }, /a TEAM_LEAD token needs at least one team/],
    [{ role: 'ANALYST', teamIds: ['VGVhbTox'] }, /only TEAM_LEAD tokens are limited to teams/],
    [{ role: 'TEAM_LEAD', teamIds: [Buffer.from('Team:999').toString('base64')] }, /no Team with id 999/],
    [{ role: 'ANALYST', expiresAt: '2020-01-01T00:00:00Z' }, /must be in the future/],
    [{ role: 'ANALYST', rateLimitPerMinute: 0 }, /rateLimitPerMinute must be an integer from 1/],
    [{ role: 'ANALYST', name: '  ' }, /input.name must be 1 to 100 characters/],
  ])('refuses a bad token input %j', async (input, message) => {
    const result = await prod.query(
      `mutation($input: ApiTokenInput!) { createApiToken(input: $input) { secret } }`,
      { input: { name: 'bad', ...input } },
      admin,
    );
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toMatch(message);
  });
});

describe('roles', () => {
  it('lets each role do what it may and refuses the rest with FORBIDDEN', async () => {
    const analyst = (await makeToken(db, 'ANALYST')).header;
    const ingest = (await makeToken(db, 'INGEST')).header;
    const lead = (await makeToken(db, 'TEAM_LEAD', { teamIds: [teamId] })).header;
    const upsert = 'mutation { upsertTeams(input: [{ externalId: "team-1", name: "Support" }]) { created updated unchanged } }';
    const cases: [Record<string, string>, string, string | null][] = [
      [analyst, '{ tickets { totalCount } }', null],
      [analyst, '{ apiTokens { name } }', 'FORBIDDEN'],
      [analyst, upsert, 'FORBIDDEN'],
      [analyst, 'mutation { createApiToken(input: { name: "x", role: ADMIN }) { secret } }', 'FORBIDDEN'],
      [lead, '{ teams { name } }', null],
      [lead, upsert, 'FORBIDDEN'],
      [ingest, upsert, null],
      [ingest, '{ viewer { role } }', null],
      [ingest, '{ tickets { totalCount } }', 'FORBIDDEN'],
      [ingest, '{ categories { name } }', 'FORBIDDEN'],
      [admin, upsert, null],
      [admin, '{ apiTokens { name } }', null],
    ];
    for (const [headers, document, code] of cases) {
      const result = await prod.query(document, {}, headers);
      expect({ document, code: result.errors?.[0]?.extensions?.code ?? null }).toEqual({ document, code });
    }
  });

  it('refuses every mutation of the schema to every role but the ones the policy names', async () => {
    const analyst = (await makeToken(db, 'ANALYST')).header;
    const ingest = (await makeToken(db, 'INGEST')).header;
    const mutation = buildSchema().getMutationType();
    const fields = Object.values(mutation?.getFields() ?? {}) as GraphQLField<unknown, unknown>[];
    expect(fields.length).toBeGreaterThan(8);
    for (const field of fields) {
      // Variables without values: the policy answers before the arguments are coerced.
      const vars = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
      const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
      const selection = isCompositeType(getNamedType(field.type)) ? '{ __typename }' : '';
      const document = `mutation${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selection} }`;
      const asAnalyst = await prod.query(document, {}, analyst);
      expect({ field: field.name, code: asAnalyst.errors?.[0]?.extensions?.code }).toEqual({ field: field.name, code: 'FORBIDDEN' });
      const asIngest = await prod.query(document, {}, ingest);
      const allowed = rolesFor('mutation', field.name).includes('INGEST');
      expect({ field: field.name, forbidden: asIngest.errors?.[0]?.extensions?.code === 'FORBIDDEN' }).toEqual({
        field: field.name,
        forbidden: !allowed,
      });
    }
  });

  it('fails closed: a mutation the policy does not list is ADMIN only', () => {
    expect(rolesFor('mutation', 'someFutureMutation')).toEqual(['ADMIN']);
    expect(rolesFor('mutation', 'upsertSomethingNew')).toEqual(['ADMIN']);
    expect(rolesFor('query', 'someFutureQuery')).toEqual(['ADMIN', 'ANALYST', 'TEAM_LEAD']);
  });

  it('hides tokens from everyone but ADMIN, also through node(id:)', async () => {
    const analyst = (await makeToken(db, 'ANALYST')).header;
    const target = await makeToken(db, 'INGEST', { name: 'hidden' });
    const id = Buffer.from(`ApiToken:${target.id}`).toString('base64');
    const typed = await prod.query('query($id: ID!) { node(id: $id) { ... on ApiToken { name } } }', { id }, analyst);
    expect(typed.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const bare = await prod.query('query($id: ID!) { node(id: $id) { id } }', { id }, analyst);
    expect(bare.data.node).toBeNull();
    const asAdmin = await prod.query('query($id: ID!) { node(id: $id) { ... on ApiToken { name } } }', { id }, admin);
    expect(asAdmin.data.node).toEqual({ name: 'hidden' });
  });
});

describe('development mode', () => {
  it('acts as ADMIN without a token but still checks a token that is sent', async () => {
    const dev = gqlClient(db);
    const anonymous = await dev.query('{ viewer { role tokenName } }');
    expect(anonymous.data.viewer).toEqual({ role: 'ADMIN', tokenName: null });
    const wrong = await dev.query('{ viewer { role } }', {}, { authorization: 'Bearer sgt_wrong' });
    expect(wrong.status).toBe(401);
    const { header } = await makeToken(db, 'INGEST');
    expect((await dev.query('{ tickets { totalCount } }', {}, header)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('production surface', () => {
  it('masks unexpected errors and logs them with the request id the client gets', async () => {
    await db.driver.query('ALTER TABLE "Category" RENAME COLUMN "name" TO "name_broken"');
    let result;
    try {
      result = await prod.query('{ categories { name } }', {}, admin);
    } finally {
      await db.driver.query('ALTER TABLE "Category" RENAME COLUMN "name_broken" TO "name"');
    }
    const error = result.errors?.[0];
    expect(error?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error?.message).toBe('Unexpected error.');
    const requestId = error?.extensions?.requestId;
    expect(typeof requestId).toBe('string');
    const logged = log.lines().find((line) => line.msg === 'unexpected error' && line.requestId === requestId);
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toMatch(/name/);
  });

  it('turns introspection and field suggestions off, and on with GRAPHIQL=true', async () => {
    const off = await prod.query('{ __schema { queryType { name } } }', {}, admin);
    expect(off.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const typo = await prod.query('{ tickts { totalCount } }', {}, admin);
    expect(typo.errors?.[0].message).not.toMatch(/Did you mean/);
    expect(typo.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const enumTypo = await prod.query('query($by: [Dimension!]!) { breakdown(by: $by, range: { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }) { metrics { ticketsCreated } } }', { by: ['agent'] }, admin);
    expect(enumTypo.errors?.[0].message).toMatch(/does not exist in "Dimension" enum/);
    expect(enumTypo.errors?.[0].message).not.toMatch(/Did you mean/);
    const withGraphiql = gqlClient(db, { production: true, graphiql: true, config: { adminToken: TEST_ADMIN_TOKEN } });
    const on = await withGraphiql.query('{ __schema { queryType { name } } }', {}, admin);
    expect(on.data.__schema.queryType.name).toBe('Query');
    const page = await withGraphiql.server.fetch('http://test/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Supportgraph');
    const noPage = await prod.server.fetch('http://test/graphql', { headers: { accept: 'text/html' } });
    expect(noPage.status).toBe(401);
  });

  it('refuses browser-style requests without the CSRF header', async () => {
    const url = `http://test/graphql?query=${encodeURIComponent('{ viewer { role } }')}`;
    const simple = await prod.server.fetch(url, { headers: admin });
    expect(simple.status).toBe(403);
    expect(((await simple.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('FORBIDDEN');
    const form = await prod.server.fetch('http://test/graphql', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(form.status).toBe(403);
    const marked = await prod.server.fetch(url, { headers: { ...admin, 'x-graphql-yoga-csrf': '1' } });
    expect(marked.status).toBe(200);
  });

  it('allows only the configured CORS origins', async () => {
    const cors = gqlClient(db, { production: true, config: { adminToken: TEST_ADMIN_TOKEN, corsOrigins: ['https://dash.example.com'] } });
    const preflight = (origin: string) =>
      cors.server.fetch('http://test/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    expect((await preflight('https://dash.example.com')).headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
    expect((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin')).not.toBe('https://evil.example.com');
    const none = await prod.server.fetch('http://test/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://dash.example.com', 'access-control-request-method': 'POST' },
    });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('puts security headers and the request id on every response', async () => {
    const responses = await Promise.all([
      prod.server.fetch('http://test/health'),
      prod.server.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      prod.server.fetch('http://test/nowhere', { headers: admin }),
      prod.server.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...admin },
        body: JSON.stringify({ query: '{ viewer { role } }' }),
      }),
    ]);
    for (const response of responses) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('reports /ready 503 while a migration is missing', async () => {
    await db.driver.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '0003_access'`);
    try {
      const response = await prod.server.fetch('http://test/ready');
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'migrations pending', pending: ['0003_access'] });
    } finally {
      await db.driver.query(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE migration_name = '0003_access'`);
    }
  });
});

describe('request log', () => {
  it('writes one line per request with id, token, operation, duration, SQL and status', async () => {
    const { header } = await makeToken(db, 'ANALYST', { name: 'dashboard' });
    const response = await prod.server.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...header },
      body: JSON.stringify({ query: 'query TeamList { teams { name } categories { name } }' }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const lines = log.lines().filter((line) => line.msg === 'request' && line.requestId === requestId);
    expect(lines).toHaveLength(1);
    // The token lookup, its first lastUsedAt, and one statement for each list.
    expect(lines[0]).toMatchObject({ token: 'dashboard', role: 'ANALYST', operation: 'TeamList', status: 200, path: '/graphql', sqlStatements: 4 });
    expect(lines[0].durationMs).toEqual(expect.any(Number));
    expect(lines[0].sqlMs).toEqual(expect.any(Number));
  });

  it('never writes a token secret to the log or into an error', async () => {
    const { secret } = await makeToken(db, 'ANALYST');
    secrets.push(secret, TEST_ADMIN_TOKEN);
    await prod.query('{ nope }', {}, bearer(secret));
    await prod.query('{ viewer { role } }', {}, bearer(`${secret}x`));
    const raw = log.raw();
    expect(raw.length).toBeGreaterThan(1000);
    for (const value of secrets) expect(raw).not.toContain(value.slice(4));
  });
});
