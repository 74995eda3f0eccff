import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { exampleTabs } from '../../src/schema/examples.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient } from '../helpers/graphql.ts';

const NOW = new Date('2026-11-25T10:00:00Z');
let db: TestDatabase;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemo(db, { tickets: 1500, seed: 7, days: 365, now: NOW });
});
afterAll(async () => db?.destroy());

describe('GraphiQL example tabs', () => {
  it.each(exampleTabs(NOW).map((tab, i) => [i, tab] as const))('tab %i runs on the demo data', async (_i, tab) => {
    const result = await gqlClient(db).query(tab.query, tab.variables ? JSON.parse(tab.variables) : undefined);
    expect(result.errors).toBeUndefined();
    // Every tab returns something to look at on demo data, not an empty list.
    const [first] = Object.values(result.data as Record<string, unknown>);
    const list = Array.isArray(first) ? first : (first as { nodes: unknown[] }).nodes;
    expect(list.length).toBeGreaterThan(0);
  });
});

describe('GraphiQL page', () => {
  it('serves GraphiQL with the example tabs, every asset from this server, under a CSP allowing only that', async () => {
    const { server } = gqlClient(db);
    const response = await server.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/<title>Supportgraph<\/title>/);
    for (const name of ['WeeklyKpis', 'TeamComparison', 'Agents', 'ChannelsByMonth', 'UrgentTickets']) expect(html).toContain(name);
    // No absolute URL anywhere in the page: nothing is fetched from a CDN.
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    const csp = Object.fromEntries(
      (response.headers.get('content-security-policy') ?? '').split(';').map((part) => {
        const [directive, ...sources] = part.trim().split(/\s+/);
        return [directive, sources];
      }),
    );
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    // Every script and stylesheet the page names is served here, with its type.
    const assets = [...html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(['/graphiql/favicon.ico', '/graphiql/graphiql.css', '/graphiql/boot.js', '/graphiql/yoga-graphiql.js']);
    for (const path of [...assets, '/graphiql/editor.worker.js', '/graphiql/json.worker.js', '/graphiql/graphql.worker.js']) {
      const asset = await server.fetch(`http://localhost${path}`);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('content-type'), path).toMatch(/javascript|css|icon/);
      expect((await asset.arrayBuffer()).byteLength, path).toBeGreaterThan(1000);
    }
    expect((await server.fetch('http://localhost/graphiql/nothing.js')).status).toBe(404);
  });

  it('serves no GraphiQL assets when GraphiQL is off', async () => {
    const { server } = gqlClient(db, { graphiql: false });
    const response = await server.fetch('http://localhost/graphiql/boot.js');
    expect(response.status).not.toBe(200);
  });
});
