import type {
  Channel,
  CustomerTier,
  FeedbackKind,
  Priority,
  TicketEventType,
  TicketStatus,
} from '../generated/prisma/enums.ts';

// The ingestion inputs, field for field the GraphQL inputs of api.md ("Ingestion"), so
// the mutations pass their arguments through unchanged and the importers build the same
// objects. Optional fields accept null because GraphQL sends null for "not given".

/** A team, by the source's id. */
export interface TeamInput {
  externalId: string;
  name: string;
}

/** An agent; `teamExternalId` names an existing team. */
export interface AgentInput {
  externalId: string;
  name: string;
  email?: string | null;
  teamExternalId?: string | null;
  role?: string | null;
  /** Defaults to true. */
  active?: boolean | null;
}

/** A customer (the requester of tickets). */
export interface CustomerInput {
  externalId: string;
  name?: string | null;
  email?: string | null;
  organization?: string | null;
  tier?: CustomerTier | null;
  /** ISO 3166-1 alpha-2. */
  country?: string | null;
}

/** A category; the parent may be an existing category or one in the same batch. */
export interface CategoryInput {
  externalId: string;
  name: string;
  parentExternalId?: string | null;
}

/** One entry of a ticket's history. */
export interface TicketEventInput {
  /** Defaults to `<ticket externalId>#<position in the list, from 1>`. */
  externalId?: string | null;
  type: TicketEventType;
  occurredAt: Date;
  /** Replies: seen by the customer (default) or an internal note. */
  public?: boolean | null;
  agentExternalId?: string | null;
  /** STATUS_CHANGE: the new status. */
  status?: TicketStatus | null;
}

/** A ticket; when `events` is given, timestamps and counts are derived from it. */
export interface TicketInput {
  externalId: string;
  subject?: string | null;
  channel: Channel;
  /** Defaults to NORMAL. */
  priority?: Priority | null;
  status: TicketStatus;
  categoryExternalId?: string | null;
  teamExternalId?: string | null;
  assigneeExternalId?: string | null;
  customerExternalId?: string | null;
  tags?: string[] | null;
  createdAt: Date;
  firstResponseAt?: Date | null;
  solvedAt?: Date | null;
  closedAt?: Date | null;
  agentReplies?: number | null;
  reopenCount?: number | null;
  escalated?: boolean | null;
  events?: TicketEventInput[] | null;
}

/** A survey response: CSAT (1-5), NPS (0-10) or CES (1-7). */
export interface FeedbackInput {
  externalId: string;
  kind: FeedbackKind;
  score: number;
  comment?: string | null;
  createdAt: Date;
  ticketExternalId?: string | null;
  agentExternalId?: string | null;
  customerExternalId?: string | null;
}

/** What one upsert call did, row by row. */
export interface UpsertResult {
  /** Rows that did not exist before. */
  created: number;
  /** Rows that existed and differed (tickets: also when only their events differed). */
  updated: number;
  /** Rows that existed with exactly these values: nothing was written. */
  unchanged: number;
}

/**
 * One problem with one input row, as listed in `extensions.errors`. `index` is the
 * row's position in the batch (from 0); errors about the batch as a whole (too many
 * rows) have `index` and `externalId` null.
 */
export interface RowError {
  index: number | null;
  externalId: string | null;
  /** The input field at fault (`events[2].agentExternalId` for nested ones). */
  field: string;
  message: string;
}

/** The outcome of a partial upsert: the valid rows were written, the others are listed. */
export interface PartialUpsertResult extends UpsertResult {
  rejected: RowError[];
  /** The id of every row written or found unchanged, by externalId (the importers pass them on instead of looking them up again). */
  ids: Map<string, number>;
}
