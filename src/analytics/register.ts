import { onTicketsWritten } from '../ingest/hooks.ts';
import { deriveTicketFacts } from './ticket-facts.ts';

// Importing this module (the GraphQL schema does, and so does the import CLI) keeps the
// event-derived ticket columns (who solved, who first replied, waits) current inside
// every ingestion batch's transaction.
onTicketsWritten(async (tx, ticketIds) => {
  await deriveTicketFacts(tx, ticketIds);
});

/** Marker export: import this module for its side effect of registering the facts hook. */
export const factsHookRegistered = true;
