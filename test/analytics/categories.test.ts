import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';

// Category tree: Root(1) → A(2) → G(3); Root → B(4); Other(5) on its own.
// Open tickets created in the range: Root 1, A 2, G 3, B 1, Other 1, no category 1 (9).
// Roll-up by hand: Root = 1 + 2 + 3 + 1 = 7, A = 2 + 3 = 5, G 3, B 1, Other 1.
const R = { from: '2026-05-01T00:00:00Z', to: '2026-05-02T00:00:00Z' };
const COUNTS: [number | null, number][] = [[1, 1], [2, 2], [3, 3], [4, 1], [5, 1], [null, 1]];

let db: TestDatabase;
let client: GqlClient;

beforeAll(async () => {
  db = await openTestDatabase();
  const p = db.prisma;
  await p.category.createMany({
    data: [
      { id: 1, externalId: 'root', name: 'Root' },
      { id: 2, externalId: 'a', name: 'A', parentId: 1 },
      { id: 3, externalId: 'g', name: 'G', parentId: 2 },
      { id: 4, externalId: 'b', name: 'B', parentId: 1 },
      { id: 5, externalId: 'other', name: 'Other' },
    ],
  });
  let n = 0;
  await p.ticket.createMany({
    data: COUNTS.flatMap(([categoryId, count]) =>
      Array.from({ length: count }, () => ({
        externalId: `T${++n}`,
        channel: 'EMAIL' as const,
        status: 'OPEN' as const,
        categoryId,
        createdAt: new Date(`2026-05-01T${String(n).padStart(2, '0')}:00:00Z`),
      })),
    ),
  });
  client = gqlClient(db);
});

afterAll(async () => {
  await db?.destroy();
});

async function ok(document: string, variables?: Record<string, unknown>): Promise<any> {
  const result = await client.query(document, variables);
  expect(result.errors).toBeUndefined();
  return result.data;
}

const BY_CATEGORY = `query ($range: DateTimeRange!, $roll: Boolean) {
  breakdown(by: [CATEGORY], range: $range, rollUpCategories: $roll) { key { category { name } } metrics { ticketsCreated backlog } }
  metrics(range: $range) { ticketsCreated }
}`;
const table = (groups: any[]) => Object.fromEntries(groups.map((g) => [g.key.category?.name ?? 'none', g.metrics.ticketsCreated]));

describe('category roll-up', () => {
  it('counts own tickets by default (breakdown sums = card)', async () => {
    const data = await ok(BY_CATEGORY, { range: R });
    expect(table(data.breakdown)).toEqual({ Root: 1, A: 2, G: 3, B: 1, Other: 1, none: 1 });
    expect(data.breakdown.reduce((s: number, g: any) => s + g.metrics.ticketsCreated, 0)).toBe(data.metrics.ticketsCreated);
    expect(data.metrics.ticketsCreated).toBe(9);
  });

  it('rolls a subtree up into each ancestor when asked, flows and states alike', async () => {
    const data = await ok(BY_CATEGORY, { range: R, roll: true });
    expect(table(data.breakdown)).toEqual({ Root: 7, A: 5, G: 3, B: 1, Other: 1, none: 1 });
    const backlog = Object.fromEntries(data.breakdown.map((g: any) => [g.key.category?.name ?? 'none', g.metrics.backlog]));
    expect(backlog).toEqual({ Root: 7, A: 5, G: 3, B: 1, Other: 1, none: 1 });
  });

  it('offers the roll-up on Category.metrics and in the filter', async () => {
    const data = await ok(`query ($range: DateTimeRange!) {
      categories { name own: metrics(range: $range) { ticketsCreated } tree: metrics(range: $range, rollUp: true) { ticketsCreated } }
    }`, { range: R });
    const rows = Object.fromEntries(data.categories.map((n: any) => [n.name, [n.own.ticketsCreated, n.tree.ticketsCreated]]));
    expect(rows).toEqual({ Root: [1, 7], A: [2, 5], G: [3, 3], B: [1, 1], Other: [1, 1] });
    const filtered = async (includeSubcategories: boolean) =>
      (await ok(`query ($range: DateTimeRange!, $f: TicketFilter) { metrics(range: $range, filter: $f) { ticketsCreated }
        tickets(filter: $f) { totalCount } }`, {
        range: R,
        f: { categoryIds: [encodeGlobalID('Category', 2)], includeSubcategories },
      }));
    expect(await filtered(false)).toEqual({ metrics: { ticketsCreated: 2 }, tickets: { totalCount: 2 } });
    expect(await filtered(true)).toEqual({ metrics: { ticketsCreated: 5 }, tickets: { totalCount: 5 } }); // A and G
  });
});
