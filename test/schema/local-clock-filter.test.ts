import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertTickets } from '../../src/ingest/upsert.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { gqlClient, type GqlClient } from '../helpers/graphql.ts';

// filter.createdLocal: the tickets behind a weekday × hour heatmap cell, by the same
// wall-clock rule as breakdown(by: [WEEKDAY, HOUR_OF_DAY]), across the Berlin DST change.

let db: TestDatabase;
let client: GqlClient;
const RANGE = { from: '2026-03-16T00:00:00Z', to: '2026-04-06T00:00:00Z' };
const BERLIN = 'Europe/Berlin';

beforeAll(async () => {
  db = await openTestDatabase();
  client = gqlClient(db);
  const at = (externalId: string, iso: string) => ({ externalId, channel: 'EMAIL' as const, status: 'OPEN' as const, createdAt: new Date(iso) });
  await upsertTickets(db, [
    at('a', '2026-03-23T08:30:00Z'), // Monday 09:30 CET (+01:00): weekday 1, hour 9
    at('b', '2026-03-30T07:30:00Z'), // Monday 09:30 CEST (+02:00, after the change): weekday 1, hour 9
    at('c', '2026-03-30T08:30:00Z'), // Monday 10:30 CEST: weekday 1, hour 10
    at('d', '2026-03-24T08:10:00Z'), // Tuesday 09:10 CET: weekday 2, hour 9
    at('e', '2026-03-29T23:30:00Z'), // Sunday in UTC, Monday 01:30 CEST in Berlin: weekday 1, hour 1
  ]);
});
afterAll(async () => {
  await db?.destroy();
});

const LIST = `query ($filter: TicketFilter) { tickets(first: 50, filter: $filter, orderBy: { field: CREATED_AT, direction: ASC }) { totalCount nodes { externalId } } }`;
const list = async (createdLocal: Record<string, unknown>) => {
  const r = await client.query(LIST, { filter: { createdAt: RANGE, createdLocal } });
  expect(r.errors).toBeUndefined();
  return [r.data.tickets.totalCount, r.data.tickets.nodes.map((n: { externalId: string }) => n.externalId)];
};

describe('filter.createdLocal', () => {
  it('lists exactly the tickets of a heatmap cell, by the local wall clock on both sides of DST', async () => {
    expect(await list({ timeZone: BERLIN, weekdays: [1], hours: [9] })).toEqual([2, ['a', 'b']]);
    expect(await list({ timeZone: BERLIN, weekdays: [1] })).toEqual([4, ['a', 'e', 'b', 'c']]);
    expect(await list({ timeZone: BERLIN, hours: [9] })).toEqual([3, ['a', 'd', 'b']]);
    // In UTC the same instants are hours 8, 7, 8, 8, 23: no ticket at 09.
    expect(await list({ timeZone: 'UTC', hours: [9] })).toEqual([0, []]);
  });

  it('counts in metrics what the heatmap cell shows and the list holds', async () => {
    const r = await client.query(
      `query ($range: DateTimeRange!, $filter: TicketFilter) {
        cell: metrics(range: $range, timeZone: "${BERLIN}", filter: $filter) { ticketsCreated }
        heat: breakdown(by: [WEEKDAY, HOUR_OF_DAY], range: $range, timeZone: "${BERLIN}") { key { weekday hourOfDay } metrics { ticketsCreated } }
      }`,
      { range: RANGE, filter: { createdLocal: { timeZone: BERLIN, weekdays: [1], hours: [9] } } },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.cell.ticketsCreated).toBe(2);
    const cell = r.data.heat.find((g: { key: { weekday: number; hourOfDay: number } }) => g.key.weekday === 1 && g.key.hourOfDay === 9);
    expect(cell.metrics.ticketsCreated).toBe(2);
    // The raw path answered: rollups carry no wall-clock fields.
    const paths = JSON.stringify(r.extensions?.analyticsPaths);
    expect(paths).toContain('"created":"raw"');
    expect(paths).not.toContain('rollup');
  });

  it('refuses hours and weekdays out of range, naming the field', async () => {
    const r = await client.query(LIST, { filter: { createdLocal: { timeZone: BERLIN, hours: [9, 24] } } });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toBe('filter.createdLocal.hours: 24 out of range; use whole numbers from 0 to 23');
    const w = await client.query(LIST, { filter: { createdLocal: { timeZone: BERLIN, weekdays: [0] } } });
    expect(w.errors?.[0].message).toBe('filter.createdLocal.weekdays: 0 out of range; use whole numbers from 1 to 7');
  });
});
