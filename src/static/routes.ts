import type { Plugin } from 'graphql-yoga';
import { dashboardFiles, DASHBOARD_DIST } from './dashboard.ts';
import { GRAPHIQL_ASSET_PREFIX, graphiqlAsset } from './graphiql.ts';
import { TRUSTED_DOCUMENTS } from './persisted.ts';

/** Where the published (persisted) documents are listed, as `{ sha256Hash: text }`. */
export const DOCUMENTS_PATH = '/persisted-documents.json';

/** Options of the static routes. */
export interface StaticRoutesOptions {
  /** Serve GraphiQL's assets under /graphiql/ (the page itself is Yoga's, at /graphql). */
  graphiql: boolean;
  /** Folder of the built dashboard (default web/dist). */
  dashboardRoot?: string;
}

/** URL paths the dashboard's client-side views use; each answers with the dashboard page. */
const DASHBOARD_PAGES = new Set(['/', '/index.html']);

/**
 * The dashboard at `/` (its built files under /assets/), the list of published documents,
 * and GraphiQL's assets under /graphiql/. These are public: they hold no data, and the dashboard asks for a token
 * itself before it queries the API. Mounted before authentication.
 */
export function useStaticRoutes(options: StaticRoutesOptions): Plugin {
  const files = dashboardFiles(options.dashboardRoot ?? DASHBOARD_DIST);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = url.pathname;
      const head = request.method === 'HEAD';
      if (options.graphiql && path.startsWith(GRAPHIQL_ASSET_PREFIX)) {
        const asset = await graphiqlAsset(path.slice(GRAPHIQL_ASSET_PREFIX.length));
        if (!asset) return endResponse(new fetchAPI.Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } }));
        return endResponse(
          new fetchAPI.Response(head ? null : asset.body, {
            status: 200,
            headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' },
          }),
        );
      }
      if (path === DOCUMENTS_PATH) {
        return endResponse(
          new fetchAPI.Response(JSON.stringify(Object.fromEntries(TRUSTED_DOCUMENTS), null, 2), {
            status: 200,
            headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' },
          }),
        );
      }
      if (!DASHBOARD_PAGES.has(path) && !path.startsWith('/assets/')) return;
      if (!files.built) {
        return endResponse(
          new fetchAPI.Response('The dashboard is not built: run `npm run build:web` (npm install does it), then reload.', {
            status: 503,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          }),
        );
      }
      const file = files.get(path);
      if (!file) return endResponse(new fetchAPI.Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } }));
      const gzip = file.gzip !== null && /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
      const headers: Record<string, string> = {
        'content-type': file.type,
        'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        vary: 'accept-encoding',
      };
      if (gzip) headers['content-encoding'] = 'gzip';
      const body = gzip ? file.gzip : file.body;
      endResponse(new fetchAPI.Response(head ? null : body, { status: 200, headers }));
    },
  };
}
