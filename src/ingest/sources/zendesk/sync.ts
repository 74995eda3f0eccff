import type { HistoryEventInput } from '../../history.ts';
import type { SourceRow } from '../../importers/record.ts';
import type { SyncHttpClient } from '../../sync/http.ts';
import type { Connector, SyncPage } from '../../sync/runner.ts';
import type { AgentInput } from '../../types.ts';
import { zendeskAuditHistory } from './events.ts';
import { jsonObject, zendeskSideloads, zendeskTicketRecord } from './tickets.ts';

// The Zendesk connector (developer.zendesk.com "Incremental Exports"):
// 1. tickets: the cursor-based Incremental Ticket Export with the side-loads the
//    mapping needs (`include=metric_sets,users,groups,organizations`); the cursor is
//    `after_cursor`, kept after the stream ends to ask for what changed since.
//    Deleted tickets come with status "deleted" and are removed.
// 2. ticket events: the time-based Incremental Ticket Event Export with comments
//    (`include=comment_events`); the cursor is the page's `end_time`.
// Each page becomes one SyncPage carrying the cursor of both streams.

/** Where and how to reach an account. */
export interface ZendeskAccount {
  /** `https://<subdomain>.zendesk.com`, or a test server. */
  baseUrl: string;
  /** Where the first sync starts (Unix seconds); default 0, the whole account. */
  startTime?: number;
}

/** The Basic authorization of an API token: `<email>/token:<token>`. */
export function zendeskAuthorization(email: string, token: string): string {
  return `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}`;
}

/** The stored cursor of a Zendesk connection. */
interface ZendeskCursor {
  tickets?: { afterCursor: string };
  events?: { startTime: number };
}

/** Agents among a page's side-loaded users (role agent or admin), with their names. */
function sideloadedAgents(page: Record<string, unknown>): AgentInput[] {
  const users = Array.isArray(page.users) ? page.users.map(jsonObject) : [];
  return users
    .filter((u) => u.role === 'agent' || u.role === 'admin')
    .map((u) => ({ externalId: `zendesk:user:${String(u.id)}`, name: String(u.name ?? `Zendesk agent ${String(u.id)}`), email: typeof u.email === 'string' ? u.email : null }));
}

/** A Zendesk account as a connector. */
export function zendeskConnector(http: SyncHttpClient, account: ZendeskAccount): Connector {
  const base = account.baseUrl.replace(/\/$/, '');
  return {
    async *pages(stored): AsyncGenerator<SyncPage> {
      const cursor = { ...(stored as ZendeskCursor) };
      const start = account.startTime ?? 0;
      // 1. Tickets.
      for (;;) {
        const include = 'include=metric_sets,users,groups,organizations';
        const url = cursor.tickets
          ? `${base}/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(cursor.tickets.afterCursor)}&${include}`
          : `${base}/api/v2/incremental/tickets/cursor.json?start_time=${start}&${include}`;
        const page = jsonObject((await http.get(url)).body);
        const tickets = Array.isArray(page.tickets) ? page.tickets : [];
        const sideloads = zendeskSideloads(page);
        const rows: SourceRow[] = tickets.map((t, i) => zendeskTicketRecord(i + 1, t, { record: JSON.stringify(t) }, sideloads));
        const after = typeof page.after_cursor === 'string' ? page.after_cursor : null;
        if (after) cursor.tickets = { afterCursor: after };
        yield { stream: 'tickets', rows, agents: sideloadedAgents(page), cursor: { ...cursor } };
        if (page.end_of_stream === true || after === null || tickets.length === 0) break;
      }
      // 2. Ticket events (history).
      for (;;) {
        const from = cursor.events?.startTime ?? start;
        const page = jsonObject((await http.get(`${base}/api/v2/incremental/ticket_events.json?start_time=${from}&include=comment_events`)).body);
        const audits = Array.isArray(page.ticket_events) ? page.ticket_events : [];
        const history: HistoryEventInput[] = audits.flatMap(zendeskAuditHistory);
        const end = typeof page.end_time === 'number' ? page.end_time : null;
        if (end !== null) cursor.events = { startTime: end };
        yield { stream: 'ticket events', rows: [], history, cursor: { ...cursor } };
        // A page that does not move the time forward would be asked for again forever.
        if (page.end_of_stream === true || end === null || end <= from || audits.length === 0) break;
      }
    },
  };
}
