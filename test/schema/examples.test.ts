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
  it('serves GraphiQL with the example tabs, under a CSP that lets its assets load', async () => {
    const response = await gqlClient(db).server.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/<title>Supportgraph<\/title>/);
    for (const name of ['WeeklyKpis', 'TeamComparison', 'Agents', 'ChannelsByMonth', 'UrgentTickets']) expect(html).toContain(name);
    const csp = Object.fromEntries(
      (response.headers.get('content-security-policy') ?? '').split(';').map((part) => {
        const [directive, ...sources] = part.trim().split(/\s+/);
        return [directive, sources];
      }),
    );
    // The page loads scripts from these origins and fetches its editor workers from them,
    // then starts the workers from blob: URLs.
    const origins = new Set([...html.matchAll(/src=["']?(https:\/\/[^/"' >]+)/g)].map((m) => m[1]));
    expect(origins.size).toBeGreaterThan(0);
    for (const origin of origins) {
      expect(csp['script-src']).toContain(origin);
      expect(csp['connect-src']).toContain(origin);
    }
    expect(csp['worker-src']).toContain('blob:');
  });
});
