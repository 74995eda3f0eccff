import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import type { ImportRecord } from '../../../src/ingest/importers/record.ts';
import { cliConnection } from '../../../src/ingest/sync/connections.ts';
import { runSync, type Connector, type SyncPage } from '../../../src/ingest/sync/runner.ts';

// A sync that fills an almost empty database refreshes the planner's statistics at its
// end, as a large import does (analyzeAfterBulkWrite); a small one leaves them alone.

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db?.destroy());

/** A connector of `pages` pages of `size` new tickets each. */
function connector(prefix: string, pages: number, size: number): Connector {
  return {
    async *pages(): AsyncIterable<SyncPage> {
      for (let p = 0; p < pages; p++) {
        const rows: ImportRecord[] = Array.from({ length: size }, (_, i) => ({
          line: p * size + i + 1,
          original: {},
          ticket: { externalId: `${prefix}${p * size + i}`, channel: 'EMAIL', status: 'OPEN', createdAt: new Date(Date.UTC(2026, 0, 5, 0, p * size + i)) },
          teams: [],
          agents: [],
          customers: [],
          categories: [],
          feedback: [],
          known: new Set(),
        }));
        yield { stream: 'tickets', rows, cursor: { page: p + 1 } };
      }
    },
  };
}

const estimate = async () => Number((await db.driver.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '"Ticket"'::regclass`))[0].n);
const count = async () => (await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Ticket"`))[0].n;

describe('statistics after a sync', () => {
  it('analyzes after a first sync of 1,400 tickets, not after 50 more', async () => {
    const connection = await cliConnection(db, { name: 'fake', kind: 'ZENDESK', account: 'acme', baseUrl: null, startTime: null });
    const before = await estimate();
    const summary = await runSync(db, connection, connector('big-', 2, 700));
    expect(summary.created).toBe(1400);
    // ANALYZE reads a table this small whole: the estimate is the count.
    expect(await estimate()).toBe(1400);
    expect(before).not.toBe(1400);
    await runSync(db, connection, connector('small-', 1, 50));
    expect(await count()).toBe(1450);
    expect(await estimate()).toBe(1400);
  });
});
