import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A fake Zendesk account on node:http, speaking the documented shapes of the
// Incremental Exports (developer.zendesk.com): the cursor-based ticket export with
// side-loads (`metric_sets`, `users`, `groups`, `organizations` as top-level arrays)
// and `after_cursor` / `end_of_stream`, and the time-based ticket event export
// (`ticket_events` audits with `child_events`, `end_time`, `end_of_stream`). Failures
// are injected by request number; a request can be held unanswered (for kill tests).

/** The account's data and the failures to inject. */
export interface FakeZendeskOptions {
  email: string;
  token: string;
  /** Ticket snapshots in export order (a ticket may appear twice: its later version wins). */
  changes: Record<string, unknown>[];
  metricSets: Record<string, unknown>[];
  users: Record<string, unknown>[];
  groups: Record<string, unknown>[];
  organizations: Record<string, unknown>[];
  /** Audits of the event export, by `timestamp` ascending. */
  audits: Record<string, unknown>[];
  ticketsPerPage: number;
  auditsPerPage: number;
  /** Request numbers (from 1) answered 429 with Retry-After: 7. */
  rateLimitAt?: number[];
  /** Request numbers answered 500. */
  failAt?: number[];
  /** The ticket page number (from 1) whose request is never answered. */
  holdTicketPage?: number;
  /** Called when the held request arrives. */
  onHold?: () => void;
}

/** A running fake account. */
export interface FakeZendesk {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Starts the fake on a random local port. */
export async function startFakeZendesk(options: FakeZendeskOptions): Promise<FakeZendesk> {
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  const auth = `Basic ${Buffer.from(`${options.email}/token:${options.token}`).toString('base64')}`;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${url.pathname}${url.search}`);
    const n = requests.length;
    if (req.headers.authorization !== auth) return send(res, 401, { error: "Couldn't authenticate you" });
    if (options.rateLimitAt?.includes(n)) return send(res, 429, { error: 'APIRateLimitExceeded' }, { 'retry-after': '7' });
    if (options.failAt?.includes(n)) return send(res, 500, { error: 'InternalServerError' });
    if (url.pathname === '/api/v2/incremental/tickets/cursor.json') {
      const cursor = url.searchParams.get('cursor');
      const from = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64').toString('utf8').split('|')[1]);
      const pageNo = Math.floor(from / options.ticketsPerPage) + 1;
      if (options.holdTicketPage === pageNo && cursor !== null) {
        held.push(res);
        options.onHold?.();
        return;
      }
      const tickets = options.changes.slice(from, from + options.ticketsPerPage);
      const to = from + tickets.length;
      const ids = new Set(tickets.map((t) => t.id));
      const userIds = new Set<unknown>(tickets.flatMap((t) => [t.requester_id, t.assignee_id, t.submitter_id]).filter((v) => v !== null && v !== undefined));
      const include = (url.searchParams.get('include') ?? '').split(',');
      const afterCursor = Buffer.from(`${1714550400 + to}.0|${to}|`).toString('base64');
      return send(res, 200, {
        tickets,
        ...(include.includes('metric_sets') ? { metric_sets: options.metricSets.filter((m) => ids.has(m.ticket_id)) } : {}),
        ...(include.includes('users') ? { users: options.users.filter((u) => userIds.has(u.id)) } : {}),
        ...(include.includes('groups') ? { groups: options.groups.filter((g) => tickets.some((t) => t.group_id === g.id)) } : {}),
        ...(include.includes('organizations')
          ? { organizations: options.organizations.filter((o) => tickets.some((t) => t.organization_id === o.id)) }
          : {}),
        after_url: `http://fake/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(afterCursor)}`,
        after_cursor: afterCursor,
        before_url: null,
        before_cursor: null,
        end_of_stream: to >= options.changes.length,
      });
    }
    if (url.pathname === '/api/v2/incremental/ticket_events.json') {
      const start = Number(url.searchParams.get('start_time') ?? '0');
      // start_time is inclusive; the fake skips the boundary audit it already returned.
      const rest = options.audits.filter((a) => Number(a.timestamp) > start || (start === 0 && Number(a.timestamp) === 0));
      const page = rest.slice(0, options.auditsPerPage);
      const end = page.length > 0 ? Number(page[page.length - 1].timestamp) : start;
      return send(res, 200, {
        ticket_events: page,
        next_page: `http://fake/api/v2/incremental/ticket_events.json?start_time=${end}`,
        count: page.length,
        end_of_stream: rest.length <= options.auditsPerPage,
        end_time: end,
      });
    }
    return send(res, 404, { error: 'InvalidEndpoint' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
