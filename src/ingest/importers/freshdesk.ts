import type { Channel, Priority, TicketStatus } from '../../generated/prisma/enums.ts';
import type { TicketInput } from '../types.ts';
import { csvSource } from './files.ts';
import {
  addMinutes,
  cellsBySlug,
  attachEntities,
  emptyRecord,
  mapValue,
  parseCount,
  parseTimestamp,
  RowProblem,
  unreadableRow,
  slug,
  type ImportSource,
  type OriginalRow,
  type SourceRow,
} from './record.ts';

// Freshdesk's ticket CSV export (Tickets → Export). Its columns are display names
// ("Ticket ID", "Created time", "Resolved time", "Initial response time", ...); agents
// and groups appear by name, requesters by "Contact ID" and/or e-mail. Timestamps
// carry no offset: they are in the help desk's time zone, given with --time-zone.

/** "Source" values → our channels, by slug. */
export const FRESHDESK_SOURCES: Readonly<Record<string, Channel>> = {
  email: 'EMAIL',
  outbound_email: 'EMAIL',
  portal: 'WEB',
  feedback_widget: 'WEB',
  forum: 'WEB',
  feedback_form: 'WEB',
  phone: 'PHONE',
  chat: 'CHAT',
  mobihelp: 'CHAT',
  twitter: 'SOCIAL',
  facebook: 'SOCIAL',
  whatsapp: 'SOCIAL',
  instagram: 'SOCIAL',
  social: 'SOCIAL',
  api: 'API',
  ecommerce: 'API',
  e_commerce: 'API',
};

/** "Status" values → ours. Waiting on the customer is PENDING, on a third party ON_HOLD. */
export const FRESHDESK_STATUSES: Readonly<Record<string, TicketStatus>> = {
  open: 'OPEN',
  pending: 'PENDING',
  waiting_on_customer: 'PENDING',
  waiting_on_third_party: 'ON_HOLD',
  resolved: 'SOLVED',
  closed: 'CLOSED',
};

/** "Priority" values → ours: Freshdesk's Medium is our NORMAL. */
export const FRESHDESK_PRIORITIES: Readonly<Record<string, Priority>> = { low: 'LOW', medium: 'NORMAL', high: 'HIGH', urgent: 'URGENT' };

/** Converts one row of the Freshdesk ticket export. */
export function freshdeskRecord(line: number, row: OriginalRow, zone: string): SourceRow {
  const get = cellsBySlug(row);
  try {
    const id = get('ticket_id');
    if (id === null) throw new RowProblem('Ticket ID is empty');
    const createdAt = parseTimestamp(get('created_time'), zone, 'Created time');
    if (createdAt === null) throw new RowProblem('Created time is empty');
    const source = get('source');
    const priority = get('priority');
    const statusText = get('status');
    if (statusText === null) throw new RowProblem('Status is empty');
    const firstResponseHours = get('first_response_time_in_hrs');
    const ticket: TicketInput = {
      externalId: `freshdesk:${id}`,
      subject: get('subject'),
      channel: source === null ? 'API' : mapValue(FRESHDESK_SOURCES, source, 'Source'),
      priority: priority === null ? null : mapValue(FRESHDESK_PRIORITIES, priority, 'Priority'),
      status: mapValue(FRESHDESK_STATUSES, statusText, 'Status'),
      tags: (get('tags') ?? '')
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== ''),
      createdAt,
      firstResponseAt:
        parseTimestamp(get('initial_response_time'), zone, 'Initial response time') ??
        (firstResponseHours === null ? null : addMinutes(createdAt, Math.round(Number(firstResponseHours) * 60))),
      solvedAt: parseTimestamp(get('resolved_time'), zone, 'Resolved time'),
      closedAt: parseTimestamp(get('closed_time'), zone, 'Closed time'),
      agentReplies: parseCount(get('agent_interactions'), 'Agent interactions'),
    };
    if (firstResponseHours !== null && !Number.isFinite(Number(firstResponseHours))) {
      throw new RowProblem(`First response time (in hrs) "${firstResponseHours}" is not a number`);
    }
    const out = emptyRecord(line, row, ticket);
    const type = get('type');
    const group = get('group');
    const agent = get('agent');
    const email = get('requester_email') ?? get('email');
    const contact = get('contact_id') ?? email;
    attachEntities(out, {
      category: type ? { id: `freshdesk:type:${slug(type)}`, name: type } : null,
      team: group ? { id: `freshdesk:group:${group}`, name: group } : null,
      agent: agent ? { id: `freshdesk:agent:${agent}`, name: agent } : null,
      customer: contact
        ? {
            id: `freshdesk:contact:${contact}`,
            name: get('full_name') ?? get('requester_name') ?? get('contact'),
            email,
            organization: get('company_name') ?? get('company'),
          }
        : null,
    });
    return out;
  } catch (error) {
    return unreadableRow(line, row, error);
  }
}

/** A Freshdesk ticket CSV export; naive timestamps are read in `zone`. */
export function freshdeskCsvSource(path: string, zone: string): ImportSource {
  return csvSource(path, (line, row) => freshdeskRecord(line, row, zone));
}
