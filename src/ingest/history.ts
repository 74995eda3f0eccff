import type { TicketEventType, TicketStatus } from '../generated/prisma/enums.ts';
import { deriveTicketFacts } from '../analytics/ticket-facts.ts';
import { runTicketsWrittenHooks, type IngestTx } from './hooks.ts';
import { resolveExternalIds } from './sql.ts';

// Ticket history that arrives as a stream of its own (Zendesk's Incremental Ticket Event
// Export), apart from the tickets: events are added to their ticket's stored history by
// externalId, never replacing it, so each sync adds only what happened since the last.
// A SOLVE is credited to the ticket's assignee at that moment: the latest ASSIGNMENT at
// or before it in the stored history.

/** One history event of a ticket, as a vendor stream reports it. */
export interface HistoryEventInput {
  externalId: string;
  ticketExternalId: string;
  /** REPLY: an agent's reply when `authorExternalId` is a stored agent, else the customer's. */
  type: TicketEventType | 'REPLY';
  occurredAt: Date;
  public?: boolean;
  /** The agent of an ASSIGNMENT (null: unassigned), or the author of a REPLY. */
  authorExternalId?: string | null;
  /** STATUS_CHANGE: the new status. */
  status?: TicketStatus | null;
}

/** What adding history did. */
export interface HistoryResult {
  added: number;
  changed: number;
  /** Events whose ticket is not stored (deleted, or not synced yet): skipped. */
  skipped: number;
}

/**
 * Adds events to their tickets' histories (or updates an event stored under the same
 * externalId), credits each touched ticket's SOLVE events to the assignee at solve time,
 * re-derives the event facts of the tickets whose history changed and runs the
 * tickets-written hooks for them.
 */
export async function addTicketHistoryIn(tx: IngestTx, events: readonly HistoryEventInput[]): Promise<HistoryResult> {
  if (events.length === 0) return { added: 0, changed: 0, skipped: 0 };
  const agents = (
    await resolveExternalIds(tx, new Map([['Agent', new Set(events.map((e) => e.authorExternalId).filter((id): id is string => !!id))]]))
  ).get('Agent');
  const rows = events.map((e, ord) => {
    const agentId = e.authorExternalId ? (agents?.get(e.authorExternalId) ?? null) : null;
    const type = e.type === 'REPLY' ? (agentId !== null ? 'AGENT_REPLY' : 'CUSTOMER_REPLY') : e.type;
    return {
      externalId: e.externalId,
      ticketExternalId: e.ticketExternalId,
      type,
      occurredAt: e.occurredAt,
      public: e.public ?? true,
      agentId: type === 'CUSTOMER_REPLY' ? null : agentId,
      status: e.status ?? null,
      ord,
    };
  });
  const [result] = await tx.query<{ added: number; changed: number; skipped: number; tickets: string | null }>(
    `WITH x AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("externalId" text, "ticketExternalId" text, type "TicketEventType",
         "occurredAt" timestamptz(3), public boolean, "agentId" integer, status "TicketStatus", ord integer)
     ),
     j AS (SELECT x.*, t.id AS "ticketId" FROM x JOIN "Ticket" t ON t."externalId" = x."ticketExternalId"),
     upd AS (
       UPDATE "TicketEvent" e SET type = j.type, "occurredAt" = j."occurredAt", public = j.public, "agentId" = j."agentId", status = j.status
       FROM j WHERE e."externalId" = j."externalId" AND e."ticketId" = j."ticketId"
         AND (e.type, e."occurredAt", e.public, e."agentId", e.status) IS DISTINCT FROM (j.type, j."occurredAt", j.public, j."agentId", j.status)
       RETURNING e."ticketId"
     ),
     fresh AS (SELECT j.* FROM j WHERE NOT EXISTS (SELECT 1 FROM "TicketEvent" e WHERE e."externalId" = j."externalId")),
     ins AS (
       INSERT INTO "TicketEvent" ("externalId", "ticketId", seq, type, "occurredAt", public, "agentId", status)
       SELECT f."externalId", f."ticketId",
              coalesce((SELECT max(e.seq) FROM "TicketEvent" e WHERE e."ticketId" = f."ticketId"), 0)
                + row_number() OVER (PARTITION BY f."ticketId" ORDER BY f."occurredAt", f.ord),
              f.type, f."occurredAt", f.public, f."agentId", f.status
       FROM fresh f
       RETURNING "ticketId"
     )
     SELECT (SELECT count(*) FROM ins)::int AS added, (SELECT count(*) FROM upd)::int AS changed,
            (SELECT count(*) FROM x)::int - (SELECT count(*) FROM j)::int AS skipped,
            (SELECT coalesce(jsonb_agg(DISTINCT "ticketId"), '[]'::jsonb) FROM (SELECT "ticketId" FROM ins UNION SELECT "ticketId" FROM upd) t)::text AS tickets`,
    [JSON.stringify(rows)],
  );
  const tickets = (JSON.parse(result?.tickets ?? '[]') as number[]).map(Number);
  if (tickets.length > 0) {
    // The assignee at solve time: the latest ASSIGNMENT at or before each SOLVE.
    await tx.query(
      `UPDATE "TicketEvent" s SET "agentId" = a."agentId"
       FROM (
         SELECT s2.id, (SELECT e."agentId" FROM "TicketEvent" e
                        WHERE e."ticketId" = s2."ticketId" AND e.type = 'ASSIGNMENT' AND (e."occurredAt", e.seq) <= (s2."occurredAt", s2.seq)
                        ORDER BY e."occurredAt" DESC, e.seq DESC LIMIT 1) AS "agentId"
         FROM "TicketEvent" s2 WHERE s2.type = 'SOLVE' AND s2."ticketId" IN (SELECT jsonb_array_elements_text($1::jsonb)::integer)
       ) a
       WHERE s.id = a.id AND s."agentId" IS DISTINCT FROM a."agentId"`,
      [JSON.stringify(tickets)],
    );
    // Only the event-derived facts read the history (the SLA columns read the ticket's own).
    await deriveTicketFacts(tx, tickets);
    await runTicketsWrittenHooks(tx, tickets);
  }
  return { added: Number(result?.added ?? 0), changed: Number(result?.changed ?? 0), skipped: Number(result?.skipped ?? 0) };
}
