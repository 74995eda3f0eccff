import type { Channel, Priority, TicketStatus } from '../../../generated/prisma/enums.ts';
import type { TicketInput } from '../../types.ts';
import {
  addMinutes,
  cell,
  cellsBySlug,
  attachEntities,
  emptyRecord,
  mapHint,
  mapValueWith,
  parseCount,
  parseTimestamp,
  RowProblem,
  unreadableRow,
  slug,
  type ImportRecord,
  type OriginalRow,
  type SourceRow,
  type VendorOptions,
} from '../../importers/record.ts';

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

/** Zendesk statuses → ours. "deleted" tickets are removed (see zendeskTicketRecord). */
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

/** A JSON object's fields, or none. */
export const jsonObject = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const record = jsonObject;

const text = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? cell(value) : null);

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

/**
 * The side-loaded records of a response page (`include=metric_sets,users,groups,
 * organizations`): top-level arrays keyed by id, metric sets by `ticket_id`.
 */
export interface ZendeskSideloads {
  metricSets: Map<string, Record<string, unknown>>;
  users: Map<string, Record<string, unknown>>;
  groups: Map<string, Record<string, unknown>>;
  organizations: Map<string, Record<string, unknown>>;
}

/** No side-loads. */
export const NO_SIDELOADS: ZendeskSideloads = { metricSets: new Map(), users: new Map(), groups: new Map(), organizations: new Map() };

/** Reads the side-load arrays of a page. */
export function zendeskSideloads(page: Record<string, unknown>): ZendeskSideloads {
  const byKey = (list: unknown, key: string): Map<string, Record<string, unknown>> => {
    const map = new Map<string, Record<string, unknown>>();
    if (Array.isArray(list)) {
      for (const item of list) {
        const id = text(record(item)[key]);
        if (id !== null) map.set(id, record(item));
      }
    }
    return map;
  };
  return {
    metricSets: byKey(page.metric_sets, 'ticket_id'),
    users: byKey(page.users, 'id'),
    groups: byKey(page.groups, 'id'),
    organizations: byKey(page.organizations, 'id'),
  };
}

/**
 * Converts one ticket object of the Ticket API or the Incremental Ticket Export, with
 * its page's side-loads. The metric set is the ticket's own `metric_set` or the
 * side-loaded one with its `ticket_id`. A ticket whose status is "deleted" (the
 * incremental export lists deletions) becomes a deletion.
 *
 * Without a metric set a solved or closed ticket is still imported: its solve time is
 * taken as its `updated_at` (for a solved ticket the last update is normally the solve;
 * for a closed one it is the close, later than the solve), first response, replies and
 * reopens stay unknown. Export with include=metric_sets for the exact values.
 */
export function zendeskTicketRecord(
  line: number,
  value: unknown,
  original: OriginalRow,
  sideloads: ZendeskSideloads = NO_SIDELOADS,
  options: Pick<VendorOptions, 'overrides'> = {},
): SourceRow {
  try {
    const t = record(value);
    const id = text(t.id);
    if (id === null) throw new RowProblem('the ticket has no id');
    const statusText = text(t.status);
    if (statusText === null) throw new RowProblem('status is empty');
    if (slug(statusText) === 'deleted') return { line, original, deletedExternalId: `zendesk:${id}` };
    const createdAt = parseTimestamp(text(t.created_at), 'UTC', 'created_at');
    if (createdAt === null) throw new RowProblem('created_at is empty');
    const ticketStatus = mapValueWith(options.overrides, 'status', ZENDESK_STATUSES, statusText, 'status', mapHint('status', statusText));
    const via = text(record(t.via).channel);
    const ownMetrics = t.metric_set;
    const metrics = record(ownMetrics ?? sideloads.metricSets.get(id));
    const hasMetrics = Object.keys(metrics).length > 0;
    const priority = text(t.priority);
    const updatedAt = parseTimestamp(text(t.updated_at), 'UTC', 'updated_at');
    const solved = ticketStatus === 'SOLVED' || ticketStatus === 'CLOSED';
    const ticket: TicketInput = {
      externalId: `zendesk:${id}`,
      subject: text(t.subject) ?? text(t.raw_subject),
      channel:
        via === null
          ? 'API'
          : mapValueWith(options.overrides, 'channel', ZENDESK_CHANNELS, via, 'via.channel', mapHint('channel', via)),
      priority: priority === null ? null : mapValueWith(options.overrides, 'priority', ZENDESK_PRIORITIES, priority, 'priority', mapHint('priority', priority)),
      status: ticketStatus,
      tags: Array.isArray(t.tags) ? t.tags.filter((tag): tag is string => typeof tag === 'string') : [],
      createdAt,
      firstResponseAt: addMinutes(createdAt, parseCount(record(metrics.reply_time_in_minutes).calendar, 'metric_set.reply_time_in_minutes.calendar')),
      solvedAt: hasMetrics ? parseTimestamp(text(metrics.solved_at), 'UTC', 'metric_set.solved_at') : solved ? updatedAt : null,
      closedAt:
        ticketStatus === 'CLOSED'
          ? hasMetrics
            ? parseTimestamp(text(metrics.status_updated_at), 'UTC', 'metric_set.status_updated_at')
            : updatedAt
          : null,
      agentReplies: parseCount(metrics.replies, 'metric_set.replies'),
      reopenCount: parseCount(metrics.reopens, 'metric_set.reopens'),
    };
    if (solved && !ticket.solvedAt) {
      throw new RowProblem(`a ${ticketStatus.toLowerCase()} ticket without a solve time (metric_set.solved_at, else updated_at)`);
    }
    const out = emptyRecord(line, original, ticket);
    const type = text(t.type);
    const group = text(t.group_id);
    const assignee = text(t.assignee_id);
    const requester = text(t.requester_id);
    const groupRecord = group ? sideloads.groups.get(group) : undefined;
    const assigneeRecord = assignee ? sideloads.users.get(assignee) : undefined;
    const requesterRecord = requester ? sideloads.users.get(requester) : undefined;
    const organizationId = text(t.organization_id) ?? text(requesterRecord?.organization_id);
    const organization = organizationId ? text(sideloads.organizations.get(organizationId)?.name) : null;
    attachEntities(out, {
      category: type ? { id: `zendesk:type:${slug(type)}`, name: title(type) } : null,
      team: group
        ? { id: `zendesk:group:${group}`, name: text(groupRecord?.name) ?? `Zendesk group ${group}`, known: groupRecord !== undefined }
        : null,
      agent: assignee
        ? {
            id: `zendesk:user:${assignee}`,
            name: text(assigneeRecord?.name) ?? `Zendesk agent ${assignee}`,
            email: text(assigneeRecord?.email),
            known: assigneeRecord !== undefined,
          }
        : null,
      customer: requester
        ? {
            id: `zendesk:user:${requester}`,
            name: text(requesterRecord?.name),
            email: text(requesterRecord?.email),
            organization,
            known: requesterRecord !== undefined,
          }
        : null,
    });
    const rating = record(t.satisfaction_rating);
    addRating(out, text(rating.id) ?? id, text(rating.score), text(rating.comment), updatedAt ?? ticket.solvedAt ?? createdAt);
    return out;
  } catch (error) {
    return unreadableRow(line, original, error);
  }
}

/** A page's ticket as a rejects-file row; its JSON is written only if it is rejected (most never are). */
function originalTicket(line: number, ticket: unknown): OriginalRow {
  let text: string | undefined;
  return {
    line: String(line),
    get record() {
      text ??= JSON.stringify(ticket);
      return text;
    },
  };
}

/**
 * The ticket rows of one JSON value of a Zendesk file or response: a page
 * (`{"tickets": [...], "metric_sets": [...], "users": [...], ...}`), a single-ticket
 * response (`{"ticket": {...}}`), or a bare ticket object.
 */
export function* zendeskValueRows(line: number, value: unknown, raw: string, options: Pick<VendorOptions, 'overrides'> = {}): Generator<SourceRow> {
  const object = record(value);
  const page = object.tickets;
  if (Array.isArray(page)) {
    const sideloads = zendeskSideloads(object);
    for (const ticket of page) yield zendeskTicketRecord(line, ticket, originalTicket(line, ticket), sideloads, options);
  } else if (typeof object.ticket === 'object' && object.ticket !== null) {
    yield zendeskTicketRecord(line, object.ticket, originalTicket(line, object.ticket), zendeskSideloads(object), options);
  } else {
    yield zendeskTicketRecord(line, value, { line: String(line), record: raw }, NO_SIDELOADS, options);
  }
}

/** Converts one row of Zendesk's CSV ticket export (columns matched by slug: "Requester id" = requester_id). */
export function zendeskCsvRecord(line: number, row: OriginalRow, options: VendorOptions): SourceRow {
  const zone = options.zone;
  const get = cellsBySlug(row);
  try {
    const id = get('id');
    if (id === null) throw new RowProblem('Id is empty');
    const statusText = get('status');
    if (statusText === null) throw new RowProblem('Status is empty');
    if (slug(statusText) === 'deleted') return { line, original: row, deletedExternalId: `zendesk:${id}` };
    const createdAt = parseTimestamp(get('created_at'), zone, 'Created at', options.dateFormat);
    if (createdAt === null) throw new RowProblem('Created at is empty');
    const via = get('via') ?? options.defaults?.channel ?? null;
    if (via === null) throw new RowProblem('Via is empty');
    const priority = get('priority');
    const ticket: TicketInput = {
      externalId: `zendesk:${id}`,
      subject: get('subject'),
      channel: mapValueWith(options.overrides, 'channel', ZENDESK_CHANNELS, via, 'Via', mapHint('channel', via)),
      priority: priority === null ? null : mapValueWith(options.overrides, 'priority', ZENDESK_PRIORITIES, priority, 'Priority', mapHint('priority', priority)),
      status: mapValueWith(options.overrides, 'status', ZENDESK_STATUSES, statusText, 'Status', mapHint('status', statusText)),
      tags: (get('tags') ?? '').split(/\s+/).filter((tag) => tag !== ''),
      createdAt,
      firstResponseAt: addMinutes(createdAt, parseCount(get('first_reply_time_in_minutes'), 'First reply time in minutes')),
      solvedAt: parseTimestamp(get('solved_at'), zone, 'Solved at', options.dateFormat),
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
    const ratedAt = parseTimestamp(get('updated_at'), zone, 'Updated at', options.dateFormat) ?? ticket.solvedAt ?? createdAt;
    addRating(out, id, get('satisfaction_score'), null, ratedAt);
    return out;
  } catch (error) {
    return unreadableRow(line, row, error);
  }
}
