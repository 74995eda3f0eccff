import type { Database } from '../../../src/db/client.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../../../src/ingest/sync/http.ts';

/** A retry policy that records the waits instead of sleeping. */
export function recordingRetry(): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return { ...DEFAULT_RETRY, timeoutMs: 5000, waits, sleep: async (ms) => void waits.push(ms) };
}

/**
 * A fingerprint of the synced content, independent of row ids, sequence values and
 * write times (which differ between a resumed and a clean run): every table's rows as
 * the source knows them, by externalId, with references by externalId.
 */
export async function contentChecksum(db: Database): Promise<Record<string, string>> {
  const queries: Record<string, string> = {
    Ticket: `SELECT t."externalId", t.subject, t.channel, t.priority, t.status, t.tags, t."createdAt", t."firstResponseAt", t."solvedAt", t."closedAt",
                    t."agentReplies", t."reopenCount", t.escalated, a."externalId" AS assignee, tm."externalId" AS team, c."externalId" AS customer, cat."externalId" AS category
             FROM "Ticket" t LEFT JOIN "Agent" a ON a.id = t."assigneeId" LEFT JOIN "Team" tm ON tm.id = t."teamId"
             LEFT JOIN "Customer" c ON c.id = t."customerId" LEFT JOIN "Category" cat ON cat.id = t."categoryId"`,
    TicketEvent: `SELECT e."externalId", t."externalId" AS ticket, e.seq, e.type, e."occurredAt", e.public, a."externalId" AS agent, e.status
                  FROM "TicketEvent" e JOIN "Ticket" t ON t.id = e."ticketId" LEFT JOIN "Agent" a ON a.id = e."agentId"`,
    Feedback: `SELECT f."externalId", f.kind, f.score, f.comment, f."createdAt", t."externalId" AS ticket FROM "Feedback" f LEFT JOIN "Ticket" t ON t.id = f."ticketId"`,
    Agent: `SELECT "externalId", name, email, active FROM "Agent"`,
    Customer: `SELECT "externalId", name, email, organization FROM "Customer"`,
    Team: `SELECT "externalId", name FROM "Team"`,
    Category: `SELECT "externalId", name FROM "Category"`,
  };
  const out: Record<string, string> = {};
  for (const [name, sql] of Object.entries(queries)) {
    const [row] = await db.driver.query<{ sum: string; n: number }>(
      `SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS sum, count(*)::int AS n FROM (${sql}) x`,
    );
    out[name] = `${row.n}:${row.sum}`;
  }
  return out;
}
