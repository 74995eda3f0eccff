import { onTicketsWritten } from '../ingest/hooks.ts';
import { recomputeTickets } from './recompute.ts';

// Importing this module (the GraphQL schema does, and so should any other entry point
// that writes tickets through ingestion) keeps every written ticket's SLA columns current,
// inside the ingestion batch's transaction.
onTicketsWritten(async (tx, ticketIds) => {
  await recomputeTickets(tx, { kind: 'ids', ids: ticketIds });
});

/** Marker export: import this module for its side effect of registering the SLA hook. */
export const slaHookRegistered = true;
