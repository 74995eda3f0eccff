import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createYoga } from 'graphql-yoga';
import { afterAll, describe, expect, it } from 'vitest';
import { useStaticRoutes } from '../../src/static/routes.ts';

// A stand-in build folder: the routes serve whatever Vite wrote, so the test writes it.
const root = mkdtempSync(join(tmpdir(), 'sg-dist-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>dashboard</title><script type="module" src="/assets/index-abc.js"></script>');
const script = `console.log(${JSON.stringify('x'.repeat(5000))});`;
writeFileSync(join(root, 'assets', 'index-abc.js'), script);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function server(dashboardRoot: string) {
  return createYoga({ schema: undefined, plugins: [useStaticRoutes({ graphiql: false, dashboardRoot })], logging: false });
}

describe('dashboard files', () => {
  const yoga = server(root);

  it('serves the page at / (not cached) and hashed assets as immutable, gzipped when asked', async () => {
    const page = await yoga.fetch('http://test/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('/assets/index-abc.js');

    const plain = await yoga.fetch('http://test/assets/index-abc.js');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await plain.text()).toBe(script);
    const zipped = await yoga.fetch('http://test/assets/index-abc.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    // yoga.fetch does not inflate: the body is the gzip stream of the file.
    expect(gunzipSync(new Uint8Array(await zipped.arrayBuffer())).toString()).toBe(script);
  });

  it('answers 404 for unknown files and for paths leaving the build folder', async () => {
    expect((await yoga.fetch('http://test/assets/nothing.js')).status).toBe(404);
    expect((await yoga.fetch('http://test/assets/%2e%2e/%2e%2e/package.json')).status).toBe(404);
    expect((await yoga.fetch('http://test/assets/..%2F..%2Fpackage.json')).status).toBe(404);
  });

  it('says how to build the dashboard when it is not built', async () => {
    const response = await server(join(root, 'missing')).fetch('http://test/');
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/npm run build:web/);
  });
});
