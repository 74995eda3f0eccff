import { runTicketsDeletingHooks, type IngestTx } from './hooks.ts';

// Tickets a help desk reports deleted (Zendesk's incremental export lists them with
// status "deleted", Freshdesk marks them `deleted`) leave the database with their
// history and survey responses: a deleted ticket counts in no metric.

/** Deletes the tickets with these externalIds (absent ones are ignored); returns how many were stored. */
export async function deleteTicketsIn(tx: IngestTx, externalIds: readonly string[]): Promise<number> {
  if (externalIds.length === 0) return 0;
  const rows = await tx.query<{ id: number }>(
    `SELECT id FROM "Ticket" WHERE "externalId" IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY id`,
    [JSON.stringify([...new Set(externalIds)])],
  );
  const ids = rows.map((row) => Number(row.id));
  if (ids.length === 0) return 0;
  await runTicketsDeletingHooks(tx, ids);
  const param = JSON.stringify(ids);
  // Events go with the ticket (ON DELETE CASCADE); responses would only lose their link.
  await tx.query(`DELETE FROM "Feedback" WHERE "ticketId" IN (SELECT jsonb_array_elements_text($1::jsonb)::integer)`, [param]);
  await tx.query(`DELETE FROM "Ticket" WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::integer)`, [param]);
  return ids.length;
}
