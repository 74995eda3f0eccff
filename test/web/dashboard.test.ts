import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { createDemoMonitoring } from '../../seeds/monitoring.ts';
import { recomputeAllTicketsIn } from '../../src/sla/recompute.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { parseCsv } from '../exports/helpers.ts';
import { browserSkipReason, launchBrowser, SCREENSHOT_DIR, startHttpServer, watchedPage, type RunningServer, type WatchedPage } from './harness.ts';
import { dashboardFiles } from '../../src/static/dashboard.ts';

const skip = browserSkipReason() ?? (dashboardFiles().built ? null : 'web/dist is missing: run npm run build:web (npm install does it)');
if (skip) console.warn(`test/web/dashboard.test.ts skipped: ${skip}`);

// Demo data ends now, as the dashboard's ranges do. 600 tickets over 120 days keep the
// browser test quick while every panel has something to show.
const NOW = new Date();
const ADMIN = 'dashboard-test-admin-token-0123456789';
let db: TestDatabase;
let dev: RunningServer;
let production: RunningServer;
let browser: Browser;

async function api<T>(server: RunningServer, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** The range the dashboard computes for "last 28 days" in `zone`: 28 local days ending tonight. */
function last28Days(zone: string): { from: string; to: string } {
  const to = DateTime.fromJSDate(new Date()).setZone(zone).startOf('day').plus({ days: 1 });
  const iso = (t: DateTime) => t.toUTC().toISO({ suppressMilliseconds: true })!;
  return { from: iso(to.minus({ days: 28 })), to: iso(to) };
}

async function panelsReady(page: Page): Promise<void> {
  await page.locator('[data-panel]').first().waitFor();
  await expect.poll(() => page.locator('[data-panel][data-state="ready"]').count(), { timeout: 30_000 }).toBe(await page.locator('[data-panel]').count());
}

function clean(watched: WatchedPage): void {
  expect(watched.external, 'requests to other hosts').toEqual([]);
  expect(watched.errors, 'console errors').toEqual([]);
}

const METRICS = `ticketsCreated ticketsSolved backlog firstResponseTime { median } resolutionTime { median }
  csat { score } nps { score } firstContactResolutionRate sla { firstResponse { attainment } }`;

describe.skipIf(skip !== null)('the dashboard in a browser', () => {
  beforeAll(async () => {
    db = await openTestDatabase();
    await seedDemo(db, { tickets: 600, seed: 11, days: 120, now: NOW, beforeIndexes: async (tx) => {
      await recomputeAllTicketsIn(tx);
    } });
    // The demo targets (CSAT ≥ 80, FCR ≥ 50 %, e-mail FRT ≤ 24 h) colour the cards.
    await createDemoMonitoring(db);
    dev = await startHttpServer({ db });
    production = await startHttpServer({ db, production: true, config: { adminToken: ADMIN } });
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await dev?.close();
    await production?.close();
    await db?.destroy();
  });

  it('shows the numbers the API gives for the same range and zone, offline and without console errors', async () => {
    const watched = await watchedPage(browser, { viewport: { width: 1440, height: 900 }, timezoneId: 'Europe/Berlin', acceptDownloads: true });
    const { page } = watched;
    await page.goto(`${dev.url}/?range=28d&granularity=DAY`);
    await panelsReady(page);
    // The zone picker defaults to the browser's zone.
    expect(await page.locator('select[name=tz]').inputValue()).toBe('Europe/Berlin');
    const range = last28Days('Europe/Berlin');
    const days = 28;
    const previous = { from: DateTime.fromISO(range.from).setZone('Europe/Berlin').minus({ days }).toUTC().toISO({ suppressMilliseconds: true }), to: range.from };
    const expected = await api<{ current: Record<string, any>; previous: Record<string, any> }>(dev,
      `query ($range: DateTimeRange!, $previous: DateTimeRange!) {
        current: metrics(range: $range, timeZone: "Europe/Berlin") { ${METRICS} }
        previous: metrics(range: $previous, timeZone: "Europe/Berlin") { ${METRICS} } }`, { range, previous });
    const pick = (m: Record<string, any>) => ({
      created: m.ticketsCreated, solved: m.ticketsSolved, backlog: m.backlog, frt: m.firstResponseTime.median,
      resolution: m.resolutionTime.median, csat: m.csat.score, nps: m.nps.score, fcr: m.firstContactResolutionRate,
      sla: m.sla.firstResponse.attainment,
    });
    const shown: Record<string, number | null> = {};
    for (const card of await page.locator('[data-card]').all()) {
      const value = await card.getAttribute('data-value');
      shown[(await card.getAttribute('data-card'))!] = value === '' || value === null ? null : Number(value);
    }
    expect(shown).toEqual(pick(expected.current));
    // Red/green against targets: the unfiltered CSAT and FCR targets, as the API judges them
    // over the same range; the e-mail-only FRT target does not colour the all-channel card.
    const readings = await api<{ metrics: { targets: { status: string; target: { metric: string } }[] } }>(dev,
      `query ($range: DateTimeRange!) { metrics(range: $range, timeZone: "Europe/Berlin") { targets { status target { metric } } } }`, { range });
    const status = (metric: string) => readings.metrics.targets.find((r) => r.target.metric === metric)?.status.toLowerCase();
    expect(await page.locator('[data-card="csat"]').getAttribute('class')).toContain(`target-${status('csat.score')}`);
    expect(await page.locator('[data-card="fcr"]').getAttribute('class')).toContain(`target-${status('firstContactResolutionRate')}`);
    expect(await page.locator('[data-card="frt"]').getAttribute('class')).toBe('card');
    // Seeded data has tickets in the range: the cards are not all empty.
    expect(expected.current.ticketsCreated).toBeGreaterThan(50);
    // The visible text is the same count, and the change is computed against the previous period.
    await expect.poll(() => page.locator('[data-card="created"] .value').innerText()).toBe(expected.current.ticketsCreated.toLocaleString('en-US'));
    expect(await page.locator('[data-card="created"] .change').innerText()).toContain(`vs ${expected.previous.ticketsCreated.toLocaleString('en-US')}`);
    // The weekday × hour cells hold every ticket created in the range, once.
    expect(await page.locator('[data-panel="heatmap"] .panel-body').getAttribute('data-total')).toBe(String(expected.current.ticketsCreated));
    // A panel's CSV download comes from /export: one row per team, the counts the table shows.
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator('[data-panel="teams"] button[data-format="csv"]').click()]);
    // Parsed as CSV: headers such as "First response time, median (h)" are quoted.
    const csv = parseCsv(await readFile((await file.path())!, 'utf8'));
    const header = csv[0];
    const createdColumn = header.indexOf('Tickets created');
    expect(createdColumn).toBeGreaterThan(-1);
    const groups = await api<{ breakdown: { key: { team: { name: string } | null } }[] }>(dev,
      `query ($range: DateTimeRange!) { breakdown(by: [TEAM], range: $range, timeZone: "Europe/Berlin") { key { team { name } } } }`, { range });
    expect(csv.length - 1).toBe(groups.breakdown.length);
    // The table lists the groups that have a team (tickets without one are in the CSV only).
    expect(await page.locator('[data-panel="teams"] tbody tr').count()).toBe(groups.breakdown.filter((g) => g.key.team).length);
    expect(csv.slice(1).reduce((sum, row) => sum + Number(row[createdColumn]), 0)).toBe(expected.current.ticketsCreated);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard.png') });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-full.png'), fullPage: true });
    clean(watched);
    await watched.context.close();
  }, 90_000);

  it('changing the zone changes the buckets, the URL keeps the view, and a bucket drills through to exactly its tickets', async () => {
    const watched = await watchedPage(browser, { timezoneId: 'UTC' });
    const { page } = watched;
    await page.goto(`${dev.url}/?range=28d&granularity=DAY&tz=UTC`);
    await panelsReady(page);
    const instant = (iso: string) => new Date(iso).toISOString();
    const starts = async () => (JSON.parse((await page.locator('[data-panel="trends"] .panel-body').getAttribute('data-starts')) ?? '[]') as string[]).map(instant);
    const utc = await starts();
    expect(utc[0]).toBe(instant(last28Days('UTC').from));
    await page.locator('select[name=tz]').selectOption('Asia/Tokyo');
    await expect.poll(async () => (await starts())[0]).not.toBe(utc[0]);
    await panelsReady(page);
    const tokyo = await api<{ timeSeries: { start: string; metrics: { ticketsCreated: number } }[] }>(dev,
      `query ($range: DateTimeRange!) { timeSeries(range: $range, granularity: DAY, timeZone: "Asia/Tokyo") { start metrics { ticketsCreated } } }`,
      { range: last28Days('Asia/Tokyo') });
    // Tokyo days start at 15:00 UTC the day before.
    expect(await starts()).toEqual(tokyo.timeSeries.map((b) => instant(b.start)));
    expect(instant(tokyo.timeSeries[0].start)).toMatch(/T15:00:00.000Z$/);
    expect(new URL(page.url()).searchParams.get('tz')).toBe('Asia/Tokyo');

    // Reloading the URL gives the same view.
    await page.reload();
    await panelsReady(page);
    expect(await page.locator('select[name=tz]').inputValue()).toBe('Asia/Tokyo');

    // Drill-through: the bucket with the most tickets lists exactly that many.
    const busiest = tokyo.timeSeries.reduce((a, b) => (b.metrics.ticketsCreated > a.metrics.ticketsCreated ? b : a));
    expect(busiest.metrics.ticketsCreated).toBeGreaterThan(0);
    await page.locator('[data-panel="trends"] details.bucket-table summary').click();
    await page.locator(`[data-panel="trends"] tr[data-start="${busiest.start}"] button[data-drill]`).click();
    const dialog = page.locator('#drill');
    await expect.poll(() => dialog.getAttribute('data-state')).toBe('ready');
    expect(await dialog.getAttribute('data-total')).toBe(String(busiest.metrics.ticketsCreated));
    expect(await dialog.locator('tbody tr').count()).toBe(busiest.metrics.ticketsCreated);
    await dialog.locator('button.close').click();

    // A heatmap cell drills through too: the busiest weekday × hour cell in Tokyo lists
    // exactly the tickets the API's breakdown counts in it.
    const heat = await api<{ breakdown: { key: { weekday: number; hourOfDay: number }; metrics: { ticketsCreated: number } }[] }>(dev,
      `query ($range: DateTimeRange!) { breakdown(by: [WEEKDAY, HOUR_OF_DAY], range: $range, timeZone: "Asia/Tokyo") { key { weekday hourOfDay } metrics { ticketsCreated } } }`,
      { range: last28Days('Asia/Tokyo') });
    const cell = heat.breakdown.reduce((a, b) => (b.metrics.ticketsCreated > a.metrics.ticketsCreated ? b : a));
    expect(cell.metrics.ticketsCreated).toBeGreaterThan(0);
    const box = page.locator('[data-panel="heatmap"] .chart.heat');
    await box.scrollIntoViewIfNeeded();
    const size = (await box.boundingBox())!;
    // The heatmap's grid: 40 px left, 12 right, 8 top, 48 bottom; Monday on top.
    await box.click({
      position: { x: 40 + ((cell.key.hourOfDay + 0.5) * (size.width - 52)) / 24, y: 8 + ((cell.key.weekday - 0.5) * (size.height - 56)) / 7 },
    });
    await expect.poll(() => dialog.getAttribute('data-state')).toBe('ready');
    expect(await dialog.locator('h2').innerText()).toBe(`Created ${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][cell.key.weekday - 1]} ${String(cell.key.hourOfDay).padStart(2, '0')}:00`);
    expect(await dialog.getAttribute('data-total')).toBe(String(cell.metrics.ticketsCreated));
    await dialog.locator('button.close').click();

    // Sorting the team table by a column orders its rows by that column.
    await page.locator('[data-panel="teams"] th[data-sort="solved"]').click();
    const solved = await page.locator('[data-panel="teams"] tbody tr td:nth-child(3)').allInnerTexts();
    const numbers = solved.map((s) => Number(s.replace(/,/g, '')));
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    clean(watched);
    await watched.context.close();
  }, 90_000);

  it('in production asks for a token and shows a TEAM_LEAD only their team', async () => {
    const { teams } = await api<{ teams: { id: string; name: string }[] }>(production, '{ teams { id name } }', {}, ADMIN);
    expect(teams.length).toBeGreaterThan(1);
    const created = await api<{ createApiToken: { secret: string } }>(production,
      `mutation ($input: ApiTokenInput!) { createApiToken(input: $input) { secret } }`,
      { input: { name: 'lead of one team', role: 'TEAM_LEAD', teamIds: [teams[0].id] } }, ADMIN);

    const watched = await watchedPage(browser, { viewport: { width: 390, height: 844 }, timezoneId: 'Europe/Berlin' });
    const { page } = watched;
    // The SLA at-risk list refreshes every minute: a fake clock moves the minute on.
    const atRiskRequests: string[] = [];
    page.on('request', (request) => {
      if ((request.postData() ?? '').includes('DashboardAtRisk')) atRiskRequests.push(request.url());
    });
    await page.clock.install();
    // The page loads without a token; its first request is refused (401) and it asks for one.
    await page.goto(`${production.url}/`);
    const prompt = page.locator('#token');
    await prompt.locator('input').waitFor();
    await prompt.locator('input').fill(created.createApiToken.secret);
    await prompt.locator('button[type=submit]').click();
    await panelsReady(page);
    const rows = page.locator('[data-panel="teams"] tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('td').first().innerText()).toBe(teams[0].name);
    expect(await page.locator('select[name=team] option').allInnerTexts()).toEqual(['My teams', teams[0].name]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-mobile.png') });
    expect(atRiskRequests).toHaveLength(1);
    await page.clock.runFor(61_000);
    await expect.poll(() => atRiskRequests.length).toBe(2);
    await panelsReady(page);
    // The token lives in session storage only.
    expect(await page.evaluate(() => sessionStorage.getItem('supportgraph:token'))).toBe(created.createApiToken.secret);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(watched.external).toEqual([]);
    // The one expected console error is the browser's note on the first 401.
    expect(watched.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await watched.context.close();
  }, 90_000);
});
