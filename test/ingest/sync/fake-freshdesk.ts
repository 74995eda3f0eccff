import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A fake Freshdesk account on node:http in the documented shapes of the v2 API
// (developers.freshdesk.com): `GET /api/v2/tickets` with updated_since (inclusive),
// include=stats,requester, order_by=updated_at asc, filter=deleted, pagination by
// `page` with a `Link: <…>; rel="next"` header; `/api/v2/tickets/{id}/conversations`;
// `/api/v2/agents` and `/api/v2/groups`; `/api/v2/surveys/satisfaction_ratings` with
// created_since (inclusive), newest first (the API documents no order, so the fake picks
// the one that would break a cursor moved page by page). Its page size is its own (small), whatever
// per_page asks, to force pagination. Failures are injected by request number.

/** The account's data and the failures to inject. */
export interface FakeFreshdeskOptions {
  apiKey: string;
  tickets: Record<string, unknown>[];
  deleted: Record<string, unknown>[];
  conversations: Record<string, Record<string, unknown>[]>;
  agents: Record<string, unknown>[];
  groups: Record<string, unknown>[];
  /** Satisfaction ratings (none when omitted). */
  ratings?: Record<string, unknown>[];
  pageSize: number;
  rateLimitAt?: number[];
  failAt?: number[];
}

/** A running fake account; `options` may be changed between syncs. */
export interface FakeFreshdesk {
  url: string;
  requests: string[];
  options: FakeFreshdeskOptions;
  close(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Starts the fake on a random local port. */
export async function startFakeFreshdesk(options: FakeFreshdeskOptions): Promise<FakeFreshdesk> {
  const requests: string[] = [];
  const auth = `Basic ${Buffer.from(`${options.apiKey}:X`).toString('base64')}`;
  let origin = '';
  const paged = (res: ServerResponse, url: URL, items: unknown[]) => {
    const page = Number(url.searchParams.get('page') ?? '1');
    const slice = items.slice((page - 1) * options.pageSize, page * options.pageSize);
    const headers: Record<string, string> = {};
    if (page * options.pageSize < items.length) {
      const next = new URL(url.toString());
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${origin}${next.pathname}${next.search}>; rel="next"`;
    }
    send(res, 200, slice, headers);
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${url.pathname}${url.search}`);
    const n = requests.length;
    if (req.headers.authorization !== auth) return send(res, 401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
    if (options.rateLimitAt?.includes(n)) return send(res, 429, { message: 'You have exceeded the limit of requests per minute' }, { 'retry-after': '7' });
    if (options.failAt?.includes(n)) return send(res, 500, { message: 'Internal error' });
    if (url.pathname === '/api/v2/agents') return paged(res, url, options.agents);
    if (url.pathname === '/api/v2/groups') return paged(res, url, options.groups);
    const conversations = /^\/api\/v2\/tickets\/(\d+)\/conversations$/.exec(url.pathname);
    if (conversations) return paged(res, url, options.conversations[conversations[1]] ?? []);
    if (url.pathname === '/api/v2/surveys/satisfaction_ratings') {
      const since = url.searchParams.get('created_since') ?? '';
      const items = (options.ratings ?? [])
        .filter((r) => String(r.created_at) >= since)
        .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)) || Number(b.id) - Number(a.id));
      return paged(res, url, items);
    }
    if (url.pathname === '/api/v2/tickets') {
      const since = url.searchParams.get('updated_since');
      if (!since) return send(res, 400, { description: 'updated_since is required by this fake' });
      const source = url.searchParams.get('filter') === 'deleted' ? options.deleted : options.tickets;
      const items = source
        .filter((t) => String(t.updated_at) >= since)
        .sort((a, b) => String(a.updated_at).localeCompare(String(b.updated_at)) || Number(a.id) - Number(b.id));
      return paged(res, url, items);
    }
    return send(res, 404, { code: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    requests,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
