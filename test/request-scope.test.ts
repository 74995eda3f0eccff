import { describe, expect, it } from 'vitest';
import { captureScope, runInSlot, scopeSlot, slotValue } from '../src/request-scope.ts';
import { currentRequestSql, newRequestSqlContext, outsideRequest, runInRequest } from '../src/db/request-context.ts';
import { currentRequest, runWithRequest, type RequestRecord } from '../src/auth/request.ts';
import { collectAnalyticsPaths, reportAnalyticsPaths, type AnalyticsPathReport } from '../src/analytics/rollups/report.ts';

const tick = () => new Promise((done) => setTimeout(done, 1));

describe('request scope: one AsyncLocalStorage, a slot per module', () => {
  it('keeps each slot apart, through awaits', async () => {
    const a = scopeSlot<string>('a');
    const b = scopeSlot<number>('b');
    const seen = await runInSlot(a, 'outer', () =>
      runInSlot(b, 7, async () => {
        await tick();
        const inner = await runInSlot(a, 'inner', async () => {
          await tick();
          return [slotValue(a), slotValue(b)];
        });
        return [...inner, slotValue(a), slotValue(b)];
      }),
    );
    expect(seen).toEqual(['inner', 7, 'outer', 7]);
    expect(slotValue(a)).toBeUndefined();
  });

  it('puts work that something else drives later back in the scope it was captured in', async () => {
    const slot = scopeSlot<string>('captured');
    // Captured inside a scope, run from outside it (as a response reader pulls a page).
    const later = runInSlot(slot, 'request', () => captureScope());
    expect(slotValue(slot)).toBeUndefined();
    const seen = await later(async () => {
      await tick();
      return slotValue(slot);
    });
    expect(seen).toBe('request');
    expect(slotValue(slot)).toBeUndefined();
    // Captured outside any scope: the runner changes nothing; the work keeps its caller's.
    const bare = captureScope();
    expect(runInSlot(slot, 'other', () => bare(() => slotValue(slot)))).toBe('other');
  });

  it('gives concurrent flows their own values', async () => {
    const slot = scopeSlot<number>('n');
    const flows = await Promise.all(
      [1, 2, 3].map((n) =>
        runInSlot(slot, n, async () => {
          const values: (number | undefined)[] = [];
          for (let i = 0; i < 3; i++) {
            await tick();
            values.push(slotValue(slot));
          }
          return values;
        }),
      ),
    );
    expect(flows).toEqual([[1, 1, 1], [2, 2, 2], [3, 3, 3]]);
  });

  it('carries the request record, its SQL context and the analytics reports side by side', async () => {
    const sql = newRequestSqlContext(1234, null);
    const record = { id: 'r-1', sql } as unknown as RequestRecord;
    const reports: AnalyticsPathReport[] = [];
    const seen = await runWithRequest(record, () =>
      runInRequest(sql, () =>
        collectAnalyticsPaths(reports, async () => {
          await tick();
          reportAnalyticsPaths({ call: 'totals', paths: {}, timeDependent: false });
          // Background work leaves the request's SQL, and only that.
          const background = await outsideRequest(async () => {
            await tick();
            return { sql: currentRequestSql(), record: currentRequest()?.id };
          });
          return { record: currentRequest()?.id, sql: currentRequestSql()?.statementTimeoutMs, background };
        }),
      ),
    );
    expect(seen).toEqual({ record: 'r-1', sql: 1234, background: { sql: undefined, record: 'r-1' } });
    expect(reports).toHaveLength(1);
    expect(currentRequest()).toBeUndefined();
  });
});
