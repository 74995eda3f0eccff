import { createServer as createNetServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToEnd, startServer } from './process.ts';

// Issue 11, items 3 and 10: the process as `npm start` runs it. Ctrl-C (SIGINT to the
// whole process group, as a terminal sends it) reaches our handler: the in-flight
// request finishes, "stopped" is logged, the PGlite lock is removed, exit code 0.
// Start-up problems (port in use, a database that cannot be opened) are one line
// saying what to do, before anything else happens, with exit code 1.

const root = mkdtempSync(join(tmpdir(), 'sg-startup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const batch = (n: number) =>
  Array.from({ length: 1000 }, (_, i) => ({
    externalId: `t${n}-${i}`,
    channel: 'EMAIL',
    status: 'OPEN',
    createdAt: new Date(Date.UTC(2026, 0, 1 + n, 0, i)).toISOString(),
  }));

describe('npm start and Ctrl-C', () => {
  it('the package script runs node itself, so the signal reaches our handler', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { scripts: Record<string, string> };
    // Whatever runs before it, the server is node itself, not the tsx wrapper (which
    // SIGKILLs its child ~60 ms after forwarding SIGINT).
    // (V8 flags may come before the loader.)
    expect(pkg.scripts.start).toMatch(/(^|&& )node (--[\w-]+=\w+ )*--import tsx src\/main\.ts$/);
    expect(pkg.scripts.start).not.toMatch(/(^|&& )tsx src\/main\.ts/);
  });

  it('Ctrl-C during an export: the export completes, "stopped" is logged, the lock is gone, exit 0', async () => {
    const dir = join(root, 'data');
    const server = await startServer({ DATABASE_URL: `pglite:${dir}` }, ['npm', 'start', '--silent'], { detached: true });
    try {
      for (let n = 0; n < 3; n++) {
        const upsert = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'mutation($t: [TicketInput!]!) { upsertTickets(input: $t) { created } }', variables: { t: batch(n) } }),
        });
        expect(await upsert.json()).toEqual({ data: { upsertTickets: { created: 1000 } } });
      }
      expect(existsSync(`${dir}.lock`)).toBe(true);
      // An export of 3000 tickets: 30 pages of 100; Ctrl-C as soon as its first bytes arrive.
      const query = encodeURIComponent('{ tickets { nodes { externalId channel createdAt } } }');
      const response = await fetch(`${server.url}/export?format=csv&query=${query}`);
      process.kill(-server.child.pid!, 'SIGINT');
      expect(response.status).toBe(200);
      const body = await response.text();
      // The header and all 3000 rows, each line ending in CRLF.
      expect(body.split('\r\n').filter((line) => line !== '')).toHaveLength(3001);
      // (PGlite works on the event loop: the signal may be handled only once the export is done.)
      // npm passes the signal on and, like a shell, then ends itself by it (exit 130 in a
      // terminal); the server below it logs its own clean exit code.
      const npmCode = await server.exited;
      expect(npmCode === 0 || server.child.signalCode === 'SIGINT').toBe(true);
      expect(server.output()).toMatch(/"exitCode":0,.*"msg":"stopped"/);
      expect(server.output()).toMatch(/"signal":"SIGINT","timeoutMs":25000,"inFlight":\d+,"msg":"stopping: draining in-flight requests"/);
      expect(existsSync(`${dir}.lock`)).toBe(false);
    } finally {
      try {
        process.kill(-server.child.pid!, 'SIGKILL');
      } catch {
        // the group has exited
      }
    }
  }, 90_000);
});

describe('start-up errors', () => {
  it('a port in use: one line naming the port and what to do, exit 1, before the database is touched', async () => {
    const blocker: Server = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dir = join(root, 'busy');
    try {
      const run = await runToEnd({ PORT: String(port), DATABASE_URL: `pglite:${dir}` });
      expect(run.code).toBe(1);
      expect(run.output.trim()).toBe(`supportgraph: port ${port} on 127.0.0.1 is already in use (another server runs there?); stop it or set PORT to a free port`);
      // Checked first: the database folder was never created.
      expect(existsSync(dir)).toBe(false);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('a free port (just inside): the same start listens', async () => {
    const server = await startServer({ DATABASE_URL: 'pglite:memory' });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 60_000);

  const wrongUrls: [string, string, RegExp][] = [
    ['refused', 'postgresql://postgres@127.0.0.1:1/x', /^supportgraph: cannot connect to PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:1\/x: connection refused\. Start PostgreSQL or fix the host and port in DATABASE_URL\.$/],
    ...(process.env.TEST_DATABASE_URL
      ? ([
          ['an unknown database', 'postgresql://postgres@127.0.0.1:5432/sg_no_such_db', /^supportgraph: cannot open the database at .*: database "sg_no_such_db" does not exist\. Create it \(createdb\) or fix the database name in DATABASE_URL\.$/],
          ['an unknown role', 'postgresql://sg_no_such_role@127.0.0.1:5432/test', /^supportgraph: cannot open the database at .*: role "sg_no_such_role" does not exist\. Create the role \(createuser\) or fix the user in DATABASE_URL\.$/],
        ] as [string, string, RegExp][])
      : []),
  ];
  it.each(wrongUrls)('a wrong DATABASE_URL (%s): one line, exit 1, no "database opened", no stack', async (_name, url, message) => {
    const run = await runToEnd({ DATABASE_URL: url });
    expect(run.code).toBe(1);
    expect(run.output.trim()).toMatch(message);
    expect(run.output).not.toMatch(/database opened|\n\s+at /);
  }, 60_000);
});
