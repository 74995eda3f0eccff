import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { seedDemo } from '../../seeds/demo.ts';
import { exampleTabs } from '../../src/schema/examples.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { browserSkipReason, launchBrowser, startHttpServer, watchedPage, type RunningServer } from './harness.ts';

const skip = browserSkipReason();

// Monaco renders spaces as no-break spaces; compare text with plain spaces.
const text = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, ' ');
if (skip) console.warn(`test/web/graphiql.test.ts skipped: ${skip}`);

// The example tabs' ranges end today; the demo data must too.
const NOW = new Date();
let db: TestDatabase;
let server: RunningServer;
let browser: Browser;

describe.skipIf(skip !== null)('GraphiQL in a browser, offline', () => {
  beforeAll(async () => {
    db = await openTestDatabase();
    await seedDemo(db, { tickets: 400, seed: 7, days: 400, now: NOW });
    server = await startHttpServer({ db });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.destroy();
  });

  it('loads with no request leaving the machine, and every example tab runs on its first click', async () => {
    const tabs = exampleTabs(NOW);
    const { page, errors, external } = await watchedPage(browser);
    // GraphiQL runs a query only once it has the schema: wait for its introspection.
    const introspected = page.waitForResponse((response) => response.url().endsWith('/graphql') && /IntrospectionQuery/.test(response.request().postData() ?? ''));
    await page.goto(`${server.url}/graphql`);
    expect((await introspected).status()).toBe(200);
    await page.locator('.graphiql-tab').nth(tabs.length - 1).waitFor();
    // Monaco's editor must be up (its workers come from this server) before we click.
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor();
    expect(await page.locator('.graphiql-tab').count()).toBe(tabs.length);

    for (const [index, tab] of tabs.entries()) {
      const name = /query (\w+)/.exec(tab.query)?.[1] ?? '';
      await page.locator(`#graphiql-session-tab-${index}`).click();
      await expect.poll(() => page.locator('.graphiql-tab-active').innerText()).toBe(name);
      // The editors show this tab's own query and variables, not the welcome comment.
      await expect.poll(() => text(page.locator('.graphiql-query-editor'))).toContain(`query ${name}`);
      if (tab.variables) {
        const from = JSON.parse(tab.variables).range.from as string;
        await expect.poll(() => text(page.locator('.graphiql-editor-tool'))).toContain(from);
      }
      const answer = page.waitForResponse((response) => response.url().endsWith('/graphql') && (response.request().postData() ?? '').includes(name));
      // GraphiQL has stored the switch (it runs what its tab state holds).
      await expect
        .poll(() => page.evaluate(() => {
          const state = JSON.parse(localStorage.getItem('graphiql:tabState') ?? '{}');
          return state.tabs?.[state.activeTabIndex]?.operationName;
        }))
        .toBe(name);
      await page.locator('.graphiql-execute-button').click();
      const body = (await (await answer).json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      expect(body.errors, `tab ${name}`).toBeUndefined();
      const [first] = Object.values(body.data ?? {});
      const list = Array.isArray(first) ? first : (first as { nodes: unknown[] }).nodes;
      expect(list.length, `tab ${name} returns rows`).toBeGreaterThan(0);
      // The result pane shows the data the server sent.
      await expect.poll(() => text(page.locator('.graphiql-response'))).toContain('"data"');
    }

    // A returning visitor gets GraphiQL's stored tabs back, and they still switch and run.
    const again = page.waitForResponse((response) => response.url().endsWith('/graphql') && /IntrospectionQuery/.test(response.request().postData() ?? ''));
    await page.reload();
    await again;
    await page.locator('#graphiql-session-tab-2').click();
    await expect.poll(() => text(page.locator('.graphiql-query-editor'))).toContain('query Agents');
    await expect.poll(() => page.evaluate(() => {
      const state = JSON.parse(localStorage.getItem('graphiql:tabState') ?? '{}');
      return state.tabs?.[state.activeTabIndex]?.operationName;
    })).toBe('Agents');
    const rerun = page.waitForResponse((response) => response.url().endsWith('/graphql') && (response.request().postData() ?? '').includes('Agents'));
    await page.locator('.graphiql-execute-button').click();
    expect(((await (await rerun).json()) as { errors?: unknown[] }).errors).toBeUndefined();

    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});
