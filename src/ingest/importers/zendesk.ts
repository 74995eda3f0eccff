import type { Channel, Priority, TicketStatus } from '../../generated/prisma/enums.ts';
import type { TicketInput } from '../types.ts';
import { csvSource, ndjsonSource } from './files.ts';
import {
  addMinutes,
  cell,
  cellsBySlug,
  attachEntities,
  emptyRecord,
  mapValue,
  parseCount,
  parseTimestamp,
  RowProblem,
  unreadableRow,
  slug,
  type ImportRecord,
  type ImportSource,
  type OriginalRow,
  type SourceRow,
} from './record.ts';

// Zendesk Support exports: the Incremental Ticket Export API's ticket objects (one per
// line, ideally requested with include=metric_sets) and the CSV export of the admin
// center. Field names: developer.zendesk.com "Tickets", "Ticket Metrics" and
// "Incremental Exports"; see the README's mapping table.

/**
 * `via.channel` (API) and "Via" (CSV) values → our channels, by slug. The names are
 * Zendesk's via types (developer.zendesk.com "Via types reference"): system-made
 * tickets (triggers, merges, follow-ups of closed tickets) count as API.
 */
export const ZENDESK_CHANNELS: Readonly<Record<string, Channel>> = {
  email: 'EMAIL',
  mail: 'EMAIL',
  recovered_from_suspended_tickets: 'EMAIL',
  web: 'WEB',
  web_form: 'WEB',
  web_widget: 'WEB',
  help_center: 'WEB',
  forum: 'WEB',
  mobile: 'WEB',
  iphone: 'WEB',
  dropbox: 'WEB',
  get_satisfaction: 'WEB',
  automatic_solution_suggestions: 'WEB',
  chat: 'CHAT',
  chat_transcript: 'CHAT',
  native_messaging: 'CHAT',
  messaging: 'CHAT',
  voice: 'PHONE',
  phone_call_inbound: 'PHONE',
  phone_call_outbound: 'PHONE',
  voicemail: 'PHONE',
  sms: 'PHONE',
  text: 'PHONE',
  twitter: 'SOCIAL',
  twitter_dm: 'SOCIAL',
  twitter_favorite: 'SOCIAL',
  facebook: 'SOCIAL',
  facebook_post: 'SOCIAL',
  facebook_message: 'SOCIAL',
  instagram_dm: 'SOCIAL',
  instagram_direct: 'SOCIAL',
  whatsapp: 'SOCIAL',
  line: 'SOCIAL',
  wechat: 'SOCIAL',
  telegram: 'SOCIAL',
  viber: 'SOCIAL',
  api: 'API',
  web_service: 'API',
  mobile_sdk: 'API',
  sdk: 'API',
  any_channel: 'API',
  rule: 'API',
  closed_ticket: 'API',
  merge: 'API',
  batch: 'API',
  linked_problem: 'API',
  side_conversation: 'API',
  sample_ticket: 'API',
  group_deletion: 'API',
  group_change: 'API',
  user_change: 'API',
  user_deletion: 'API',
  resource_push: 'API',
};

/** Zendesk statuses → ours. "deleted" tickets are rejected. */
export const ZENDESK_STATUSES: Readonly<Record<string, TicketStatus>> = {
  new: 'NEW',
  open: 'OPEN',
  pending: 'PENDING',
  hold: 'ON_HOLD',
  on_hold: 'ON_HOLD',
  solved: 'SOLVED',
  closed: 'CLOSED',
};

/** Zendesk priorities → ours (Zendesk's "normal" is our NORMAL). */
export const ZENDESK_PRIORITIES: Readonly<Record<string, Priority>> = { low: 'LOW', normal: 'NORMAL', high: 'HIGH', urgent: 'URGENT' };

/** Legacy CSAT is good/bad: good → 5, bad → 1, so "rated 4 or 5" equals Zendesk's satisfaction %. */
const CSAT_SCORES: Readonly<Record<string, number>> = { good: 5, bad: 1 };

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const text = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? cell(value) : null);

function status(value: string | null): TicketStatus {
  if (value === null) throw new RowProblem('status is empty');
  if (slug(value) === 'deleted') throw new RowProblem('the ticket was deleted in Zendesk');
  return mapValue(ZENDESK_STATUSES, value, 'status');
}

function title(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** A CSAT response for a Zendesk good/bad rating (none for offered/unoffered). */
function addRating(out: ImportRecord, ratingId: string, score: string | null, comment: string | null, at: Date): void {
  const value = score === null ? undefined : CSAT_SCORES[slug(score)];
  if (value === undefined) return;
  out.feedback.push({
    externalId: `zendesk:csat:${ratingId}`,
    kind: 'CSAT',
    score: value,
    comment,
    createdAt: at,
    ticketExternalId: out.ticket.externalId,
    customerExternalId: out.ticket.customerExternalId,
  });
}

/** Converts one ticket object of the Incremental Ticket Export. */
export function zendeskTicketRecord(line: number, value: unknown, original: OriginalRow): SourceRow {
  try {
    const t = record(value);
    const id = text(t.id);
    if (id === null) throw new RowProblem('the ticket has no id');
    const createdAt = parseTimestamp(text(t.created_at), 'UTC', 'created_at');
    if (createdAt === null) throw new RowProblem('created_at is empty');
    const ticketStatus = status(text(t.status));
    const via = text(record(t.via).channel);
    const metrics = record(t.metric_set);
    const priority = text(t.priority);
    const ticket: TicketInput = {
      externalId: `zendesk:${id}`,
      subject: text(t.subject) ?? text(t.raw_subject),
      channel: via === null ? 'API' : mapValue(ZENDESK_CHANNELS, via, 'via.channel'),
      priority: priority === null ? null : mapValue(ZENDESK_PRIORITIES, priority, 'priority'),
      status: ticketStatus,
      tags: Array.isArray(t.tags) ? t.tags.filter((tag): tag is string => typeof tag === 'string') : [],
      createdAt,
      firstResponseAt: addMinutes(createdAt, parseCount(record(metrics.reply_time_in_minutes).calendar, 'metric_set.reply_time_in_minutes.calendar')),
      solvedAt: parseTimestamp(text(metrics.solved_at), 'UTC', 'metric_set.solved_at'),
      closedAt: ticketStatus === 'CLOSED' ? parseTimestamp(text(metrics.status_updated_at), 'UTC', 'metric_set.status_updated_at') : null,
      agentReplies: parseCount(metrics.replies, 'metric_set.replies'),
      reopenCount: parseCount(metrics.reopens, 'metric_set.reopens'),
    };
    if ((ticketStatus === 'SOLVED' || ticketStatus === 'CLOSED') && !ticket.solvedAt) {
      throw new RowProblem(`a ${ticketStatus.toLowerCase()} ticket without metric_set.solved_at: export with include=metric_sets`);
    }
    const out = emptyRecord(line, original, ticket);
    const type = text(t.type);
    const group = text(t.group_id);
    const assignee = text(t.assignee_id);
    const requester = text(t.requester_id);
    attachEntities(out, {
      category: type ? { id: `zendesk:type:${slug(type)}`, name: title(type) } : null,
      team: group ? { id: `zendesk:group:${group}`, name: `Zendesk group ${group}` } : null,
      agent: assignee ? { id: `zendesk:user:${assignee}`, name: `Zendesk agent ${assignee}` } : null,
      customer: requester ? { id: `zendesk:user:${requester}`, name: null, email: null } : null,
    });
    const rating = record(t.satisfaction_rating);
    const ratedAt = parseTimestamp(text(t.updated_at), 'UTC', 'updated_at') ?? ticket.solvedAt ?? createdAt;
    addRating(out, text(rating.id) ?? id, text(rating.score), text(rating.comment), ratedAt);
    return out;
  } catch (error) {
    return unreadableRow(line, original, error);
  }
}

/**
 * Zendesk ticket JSON: one ticket object per line, as the Incremental Ticket Export
 * returns them. A line holding a whole response page (`{"tickets": [...]}`) is read too.
 */
export function zendeskJsonSource(path: string): ImportSource {
  return ndjsonSource(path, function* (line, value, raw) {
    const page = record(value).tickets;
    if (Array.isArray(page)) {
      for (const ticket of page) yield zendeskTicketRecord(line, ticket, { line: String(line), record: JSON.stringify(ticket) });
    } else {
      yield zendeskTicketRecord(line, value, { line: String(line), record: raw });
    }
  });
}

/** Converts one row of Zendesk's CSV ticket export (columns matched by slug: "Requester id" = requester_id). */
export function zendeskCsvRecord(line: number, row: OriginalRow, zone: string): SourceRow {
  const get = cellsBySlug(row);
  try {
    const id = get('id');
    if (id === null) throw new RowProblem('Id is empty');
    const createdAt = parseTimestamp(get('created_at'), zone, 'Created at');
    if (createdAt === null) throw new RowProblem('Created at is empty');
    const via = get('via');
    const priority = get('priority');
    const ticket: TicketInput = {
      externalId: `zendesk:${id}`,
      subject: get('subject'),
      channel: via === null ? 'API' : mapValue(ZENDESK_CHANNELS, via, 'Via'),
      priority: priority === null ? null : mapValue(ZENDESK_PRIORITIES, priority, 'Priority'),
      status: status(get('status')),
      tags: (get('tags') ?? '').split(/\s+/).filter((tag) => tag !== ''),
      createdAt,
      firstResponseAt: addMinutes(createdAt, parseCount(get('first_reply_time_in_minutes'), 'First reply time in minutes')),
      solvedAt: parseTimestamp(get('solved_at'), zone, 'Solved at'),
      agentReplies: parseCount(get('replies'), 'Replies'),
      reopenCount: parseCount(get('reopens'), 'Reopens'),
    };
    const out = emptyRecord(line, row, ticket);
    const type = get('ticket_type') ?? get('type');
    const group = get('group');
    const assignee = get('assignee');
    const requesterKey = get('requester_id') ?? get('requester_email') ?? get('requester');
    attachEntities(out, {
      category: type ? { id: `zendesk:type:${slug(type)}`, name: title(type) } : null,
      team: group ? { id: `zendesk:group:${group}`, name: group } : null,
      agent: assignee ? { id: `zendesk:agent:${assignee}`, name: assignee } : null,
      customer: requesterKey ? { id: `zendesk:user:${requesterKey}`, name: get('requester'), email: get('requester_email') } : null,
    });
    const ratedAt = parseTimestamp(get('updated_at'), zone, 'Updated at') ?? ticket.solvedAt ?? createdAt;
    addRating(out, id, get('satisfaction_score'), null, ratedAt);
    return out;
  } catch (error) {
    return unreadableRow(line, row, error);
  }
}

/** Zendesk's CSV ticket export; naive timestamps are read in `zone`. */
export function zendeskCsvSource(path: string, zone: string): ImportSource {
  return csvSource(path, (line, row) => zendeskCsvRecord(line, row, zone));
}
