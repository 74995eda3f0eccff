import type { FeedbackInput, TicketInput } from '../../types.ts';
import {
  attachEntities,
  cell,
  emptyRecord,
  parseTimestamp,
  RowProblem,
  slug,
  unreadableRow,
  type OriginalRow,
  type SourceRow,
  type VendorOptions,
} from '../../importers/record.ts';
import { jsonObject } from '../zendesk/tickets.ts';
import {
  FRESHDESK_PRIORITIES,
  FRESHDESK_PRIORITY_CODES,
  FRESHDESK_SOURCE_CODES,
  FRESHDESK_SOURCES,
  FRESHDESK_STATUS_CODES,
  FRESHDESK_STATUSES,
  freshdeskSurveyScore,
  freshdeskValue,
} from './values.ts';

// Freshdesk's API ticket objects (developers.freshdesk.com, "Tickets": `GET
// /api/v2/tickets?updated_since=…&include=stats,requester`): numeric status, priority
// and source codes, the `stats` timestamps (first_responded_at, resolved_at,
// closed_at, reopened_at) and the embedded requester. The same shape comes from the
// sync and from a saved API response imported as a file.

const text = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? cell(value) : null);

/** What the sync knows beyond the ticket itself: agent and group names, the ticket's conversations. */
export interface FreshdeskContext {
  agents?: ReadonlyMap<string, { name: string; email: string | null }>;
  groups?: ReadonlyMap<string, string>;
  /** The ticket's conversations (`GET /api/v2/tickets/{id}/conversations`), when fetched. */
  conversations?: readonly Record<string, unknown>[];
}

/**
 * Converts one Freshdesk API ticket. Deleted and spam tickets become deletions.
 * agentReplies counts public replies by agents (`incoming: false`, `private: false`)
 * when the conversations are given; a ticket with `stats.reopened_at` was reopened at
 * least once (the API gives no count, so reopenCount is 1).
 */
export function freshdeskApiTicketRecord(
  line: number,
  value: unknown,
  original: OriginalRow,
  options: Pick<VendorOptions, 'overrides'> = {},
  context: FreshdeskContext = {},
): SourceRow {
  try {
    const t = jsonObject(value);
    const id = text(t.id);
    if (id === null) throw new RowProblem('the ticket has no id');
    if (t.deleted === true || t.spam === true) return { line, original, deletedExternalId: `freshdesk:${id}` };
    const createdAt = parseTimestamp(text(t.created_at), 'UTC', 'created_at');
    if (createdAt === null) throw new RowProblem('created_at is empty');
    const stats = jsonObject(t.stats);
    const at = (field: string) => parseTimestamp(text(stats[field]), 'UTC', `stats.${field}`);
    const status = text(t.status);
    if (status === null) throw new RowProblem('status is empty');
    const source = text(t.source);
    if (source === null) throw new RowProblem('source is empty');
    const priority = text(t.priority);
    const ticketStatus = freshdeskValue(options.overrides, 'status', FRESHDESK_STATUS_CODES, FRESHDESK_STATUSES, status);
    const closedAt = ticketStatus === 'CLOSED' ? at('closed_at') : null;
    const conversations = context.conversations;
    const ticket: TicketInput = {
      externalId: `freshdesk:${id}`,
      subject: text(t.subject),
      channel: freshdeskValue(options.overrides, 'channel', FRESHDESK_SOURCE_CODES, FRESHDESK_SOURCES, source),
      priority: priority === null ? null : freshdeskValue(options.overrides, 'priority', FRESHDESK_PRIORITY_CODES, FRESHDESK_PRIORITIES, priority),
      status: ticketStatus,
      tags: Array.isArray(t.tags) ? t.tags.filter((tag): tag is string => typeof tag === 'string') : [],
      createdAt,
      firstResponseAt: at('first_responded_at'),
      // A ticket closed without passing through Resolved has only closed_at.
      solvedAt: ticketStatus === 'SOLVED' || ticketStatus === 'CLOSED' ? (at('resolved_at') ?? closedAt) : null,
      closedAt,
      agentReplies: conversations ? conversations.filter((c) => c.incoming === false && c.private === false).length : null,
      reopenCount: at('reopened_at') ? 1 : 0,
    };
    const out = emptyRecord(line, original, ticket);
    const type = text(t.type);
    const group = text(t.group_id);
    const agent = text(t.responder_id);
    const requester = jsonObject(t.requester);
    const requesterId = text(t.requester_id) ?? text(requester.id);
    const agentRecord = agent ? context.agents?.get(agent) : undefined;
    const groupName = group ? context.groups?.get(group) : undefined;
    attachEntities(out, {
      category: type ? { id: `freshdesk:type:${slug(type)}`, name: type } : null,
      team: group ? { id: `freshdesk:group:${group}`, name: groupName ?? `Freshdesk group ${group}`, known: groupName !== undefined } : null,
      agent: agent
        ? { id: `freshdesk:agent:${agent}`, name: agentRecord?.name ?? `Freshdesk agent ${agent}`, email: agentRecord?.email ?? null, known: agentRecord !== undefined }
        : null,
      customer: requesterId
        ? {
            id: `freshdesk:contact:${requesterId}`,
            name: text(requester.name),
            email: text(requester.email),
            known: Object.keys(requester).length > 0,
          }
        : null,
    });
    return out;
  } catch (error) {
    return unreadableRow(line, original, error);
  }
}

/**
 * One Freshdesk satisfaction rating (`GET /api/v2/surveys/satisfaction_ratings`: id,
 * survey_id, user_id, agent_id, group_id, ticket_id, feedback, ratings
 * { default_question: 103 … -103, question_<id>: … }, created_at) as a CSAT answer of its
 * ticket, credited to the rated agent. Only the default question is the CSAT; a rating
 * without one (custom questions only) gives null. The id is the ticket's, as the CSV
 * export's "Survey results" column gives it, so a later rating replaces an earlier one
 * and a file import followed by a sync stores one answer per ticket. An unknown answer
 * or a bad created_at throws a RowProblem saying so.
 */
export function freshdeskRatingFeedback(value: unknown, options: Pick<VendorOptions, 'overrides'> = {}): FeedbackInput | null {
  const rating = jsonObject(value);
  const ticketId = text(rating.ticket_id);
  const answer = text(jsonObject(rating.ratings).default_question);
  if (ticketId === null || answer === null) return null;
  const createdAt = parseTimestamp(text(rating.created_at), 'UTC', 'created_at');
  if (createdAt === null) throw new RowProblem('created_at is empty');
  const agent = text(rating.agent_id);
  const contact = text(rating.user_id);
  const comment = text(rating.feedback);
  return {
    externalId: `freshdesk:csat:${ticketId}`,
    kind: 'CSAT',
    score: freshdeskSurveyScore(answer, options.overrides),
    comment: comment === '' ? null : comment,
    createdAt,
    ticketExternalId: `freshdesk:${ticketId}`,
    agentExternalId: agent ? `freshdesk:agent:${agent}` : null,
    customerExternalId: contact ? `freshdesk:contact:${contact}` : null,
  };
}
