import type { SourceRow } from '../../importers/record.ts';
import type { SyncHttpClient } from '../../sync/http.ts';
import type { Connector, SyncPage } from '../../sync/runner.ts';
import type { AgentInput, FeedbackInput } from '../../types.ts';
import { jsonObject } from '../zendesk/tickets.ts';
import { freshdeskApiTicketRecord, freshdeskRatingFeedback, type FreshdeskContext } from './api.ts';

// The Freshdesk connector (developers.freshdesk.com "Tickets"): tickets changed since a
// time, oldest change first (`GET /api/v2/tickets?updated_since=…&include=stats,requester
// &order_by=updated_at&order_type=asc&per_page=100&page=n`), then the deleted ones
// (`filter=deleted`), each ticket's conversations for its public agent replies, and the
// account's agents and groups for their names. Pages follow the `Link: <…>; rel="next"`
// header. The cursor per stream is { since, page }: after a page whose newest change is
// later than `since` it moves `since` there and restarts at page 1 (updated_since is
// inclusive, so at worst a boundary ticket is read twice, harmlessly), otherwise it
// moves to the next page, so a run of equal timestamps cannot loop. Last come the
// satisfaction ratings (`GET /api/v2/surveys/satisfaction_ratings?created_since=…`),
// the CSAT answers, paged and resumed the same way by their created_at.

/** Where and how to reach an account. */
export interface FreshdeskAccount {
  /** `https://<domain>.freshdesk.com`, or a test server. */
  baseUrl: string;
  /** Where the first sync starts; default 1970 (Freshdesk returns only 30 days without updated_since). */
  startTime?: Date;
  /** Fetch each ticket's conversations to count public agent replies (one request per ticket; default true). */
  conversations?: boolean;
}

/** The Basic authorization of an API key (the key as user name, "X" as password). */
export function freshdeskAuthorization(apiKey: string): string {
  return `Basic ${Buffer.from(`${apiKey}:X`).toString('base64')}`;
}

interface StreamCursor {
  since: string;
  page: number;
}

/** The ratings stream's cursor: the run's created_since, its page, and the newest rating read so far. */
interface RatingsCursor extends StreamCursor {
  newest: string;
}

const hasNext = (headers: Headers) => /rel="?next"?/.test(headers.get('link') ?? '');

/** Every page of a list endpoint, following Link rel="next". */
async function* listAll(http: SyncHttpClient, url: string): AsyncGenerator<Record<string, unknown>> {
  for (let page = 1; ; page += 1) {
    const { body, headers } = await http.get(`${url}${url.includes('?') ? '&' : '?'}per_page=100&page=${page}`);
    const items = Array.isArray(body) ? body : [];
    for (const item of items) yield jsonObject(item);
    if (!hasNext(headers) || items.length === 0) return;
  }
}

/** The last answer of each id: one upsert may not name a row twice. */
function lastPerExternalId<T extends { externalId: string }>(rows: readonly T[]): T[] {
  return [...new Map(rows.map((row) => [row.externalId, row])).values()];
}

/** A Freshdesk account as a connector. */
export function freshdeskConnector(http: SyncHttpClient, account: FreshdeskAccount): Connector {
  const base = account.baseUrl.replace(/\/$/, '');
  const start = (account.startTime ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    async *pages(stored): AsyncGenerator<SyncPage> {
      const cursor = { ...(stored as Record<string, StreamCursor | RatingsCursor | undefined>) };
      const agents = new Map<string, { name: string; email: string | null }>();
      for await (const a of listAll(http, `${base}/api/v2/agents`)) {
        const contact = jsonObject(a.contact);
        agents.set(String(a.id), { name: String(contact.name ?? `Freshdesk agent ${String(a.id)}`), email: typeof contact.email === 'string' ? contact.email : null });
      }
      const groups = new Map<string, string>();
      for await (const g of listAll(http, `${base}/api/v2/groups`)) groups.set(String(g.id), String(g.name ?? `Freshdesk group ${String(g.id)}`));
      const agentInputs: AgentInput[] = [...agents].map(([id, a]) => ({ externalId: `freshdesk:agent:${id}`, name: a.name, email: a.email }));

      for (const stream of ['tickets', 'deleted'] as const) {
        for (;;) {
          const at = cursor[stream] ?? { since: start, page: 1 };
          const filter = stream === 'deleted' ? '&filter=deleted' : '';
          const { body, headers } = await http.get(
            `${base}/api/v2/tickets?updated_since=${encodeURIComponent(at.since)}&include=stats,requester&order_by=updated_at&order_type=asc` +
              `${filter}&per_page=100&page=${at.page}`,
          );
          const tickets = (Array.isArray(body) ? body : []).map(jsonObject);
          const rows: SourceRow[] = [];
          for (const [i, t] of tickets.entries()) {
            const context: FreshdeskContext = { agents, groups };
            if (stream === 'tickets' && account.conversations !== false) {
              const conversations: Record<string, unknown>[] = [];
              for await (const c of listAll(http, `${base}/api/v2/tickets/${String(t.id)}/conversations`)) conversations.push(c);
              context.conversations = conversations;
            }
            // Deleted tickets come back from filter=deleted; older API versions omit the flag there.
            const ticket = stream === 'deleted' ? { ...t, deleted: true } : t;
            rows.push(freshdeskApiTicketRecord(i + 1, ticket, { record: JSON.stringify(t) }, {}, context));
          }
          const newest = tickets.map((t) => String(t.updated_at ?? '')).reduce((m, v) => (v > m ? v : m), at.since);
          const more = hasNext(headers) && tickets.length > 0;
          const next: StreamCursor = newest > at.since ? { since: newest, page: 1 } : { since: at.since, page: at.page + 1 };
          // At the end, the next run starts from the newest change seen.
          cursor[stream] = more ? next : { since: newest, page: 1 };
          yield { stream: stream === 'tickets' ? 'tickets' : 'deleted tickets', rows, agents: agentInputs, cursor: { ...cursor } };
          if (!more) break;
        }
      }

      // The API documents no order for ratings: the run keeps created_since and walks
      // every page, and only at the end moves it to the newest rating seen.
      for (;;) {
        const at = (cursor.ratings as RatingsCursor | undefined) ?? { since: start, page: 1, newest: start };
        const { body, headers } = await http.get(
          `${base}/api/v2/surveys/satisfaction_ratings?created_since=${encodeURIComponent(at.since)}&per_page=100&page=${at.page}`,
        );
        // Of two ratings of one ticket on a page the later is written (one answer per ticket).
        const ratings = (Array.isArray(body) ? body : []).map(jsonObject).sort((a, b) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')));
        const feedback: FeedbackInput[] = [];
        const rejects: { record: Record<string, string>; reason: string }[] = [];
        for (const r of ratings) {
          try {
            const answer = freshdeskRatingFeedback(r);
            if (answer) feedback.push(answer);
          } catch (error) {
            rejects.push({ record: { record: JSON.stringify(r) }, reason: `satisfaction rating ${String(r.id)}: ${error instanceof Error ? error.message : String(error)}` });
          }
        }
        const newest = ratings.map((r) => String(r.created_at ?? '')).reduce((m, v) => (v > m ? v : m), at.newest ?? at.since);
        const more = hasNext(headers) && ratings.length > 0;
        cursor.ratings = more ? { since: at.since, page: at.page + 1, newest } : { since: newest, page: 1, newest };
        yield { stream: 'satisfaction ratings', rows: [], feedback: lastPerExternalId(feedback), rejects, cursor: { ...cursor } };
        if (!more) break;
      }
    },
  };
}
