import { existsSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type ServerOptions } from '../../src/server.ts';

/** Debian's Chromium; the browser tests skip (saying why) only when it is not installed. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why the browser tests do not run here, or null when they do. They run once per CI run,
 * on the PGlite pass: the dashboard is a client of the API, whose SQL is tested on both
 * databases by the API tests.
 */
export function browserSkipReason(): string | null {
  if (process.env.TEST_DATABASE_URL) return 'browser tests run on the PGlite pass only (the API tests cover PostgreSQL)';
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run installs it)`;
  return null;
}

/** Where the browser tests write their screenshots (gitignored; linked from the README). */
export const SCREENSHOT_DIR = resolve('test-output/screenshots');

/** A real HTTP server on a free local port, for the browser to talk to. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Serves createServer(options) over node:http on 127.0.0.1 and a free port. */
export async function startHttpServer(options: ServerOptions): Promise<RunningServer> {
  const yoga = createServer(options);
  const http: Server = createHttpServer(yoga);
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((done) => http.close(() => done()));
      await yoga.dispose();
    },
  };
}

/** A page whose console errors and attempts to reach other hosts are recorded. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** console.error messages, uncaught exceptions, and failed local requests. */
  errors: string[];
  /** URLs the page tried to reach outside 127.0.0.1/localhost (all blocked). */
  external: string[];
}

/** Launches Debian's Chromium headless, with no background networking of its own. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Opens a page in a fresh context that blocks (and records) every request to a host other
 * than this machine, and records console errors and page errors.
 */
export async function watchedPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; timezoneId?: string; acceptDownloads?: boolean } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1440, height: 900 },
    timezoneId: options.timezoneId,
    locale: 'en-GB',
    acceptDownloads: options.acceptDownloads ?? false,
  });
  const errors: string[] = [];
  const external: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    const local = url.protocol === 'data:' || url.protocol === 'blob:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (local) return route.continue();
    external.push(url.href);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 500) errors.push(`HTTP ${response.status()} ${response.url()}`);
  });
  return { page, context, errors, external };
}
