import type { TicketInput } from '../../types.ts';
import type { OriginalRow, PrepareSource, SourceRow, VendorOptions } from '../../importers/record.ts';
import {
  addSeconds,
  attachEntities,
  cellsBySlug,
  emptyRecord,
  mapHint,
  mapValueWith,
  parseCount,
  parseHours,
  parseTimestamp,
  RowProblem,
  slug,
  unreadableRow,
} from '../../importers/record.ts';
import { detectDateFormat } from '../../importers/dates.ts';
import { FRESHDESK_PRIORITIES, FRESHDESK_SOURCES, FRESHDESK_STATUSES, freshdeskSurveyScore } from './values.ts';

// Freshdesk's ticket CSV export (Tickets → Export), also as re-saved by Excel (`;`
// separators, `dd/MM/yyyy HH:mm` dates) or as XLSX. Its columns are display names
// ("Ticket ID", "Created time", "Resolved time", "Initial response time", ...); agents
// and groups appear by name, requesters by "Contact ID" and/or e-mail. Timestamps carry
// no offset: they are in the help desk's time zone, given with --time-zone.

/** Columns (by slug) every export must have; checked before any row is read. */
const REQUIRED: readonly (readonly string[])[] = [['ticket_id'], ['status'], ['created_time']];

/** Columns holding timestamps, used to detect the date format. */
const DATE_COLUMNS = ['created_time', 'resolved_time', 'closed_time', 'initial_response_time', 'last_update_time', 'due_by_time'];

/** "h:mm:ss" without a date: a duration, not an instant. */
const DURATION = /^\d+:[0-5]\d(:[0-5]\d)?$/;

/**
 * Checks the header and settles the date format of a Freshdesk export: a missing
 * required column (or a missing Source without `--default channel=…`) is one error
 * before any row is read, never a silent default.
 */
export function prepareFreshdesk(options: VendorOptions): PrepareSource {
  return (columns, sample) => {
    const have = new Set(columns.map(slug));
    const missing = REQUIRED.filter((names) => !names.some((n) => have.has(n))).map((names) => names[0]);
    if (!have.has('source') && !options.defaults?.channel) missing.push('source');
    if (missing.length > 0) {
      const names: Record<string, string> = { ticket_id: 'Ticket ID', status: 'Status', created_time: 'Created time', source: 'Source' };
      throw new Error(
        `the file has no ${missing.map((m) => `"${names[m] ?? m}"`).join(', ')} column${missing.length > 1 ? 's' : ''}` +
          (missing.includes('source') ? ' (without Source, set the channel of every ticket with --default channel=EMAIL)' : '') +
          `; its columns are: ${columns.join(', ')}`,
      );
    }
    if (!options.dateFormat) {
      const values = sample.flatMap((row) => {
        const get = cellsBySlug(row);
        return DATE_COLUMNS.map((c) => get(c)).filter((v): v is string => v !== null && !DURATION.test(v));
      });
      options.dateFormat = detectDateFormat(values);
    }
  };
}

/** Converts one row of the Freshdesk ticket export. `options.dateFormat` is set by prepareFreshdesk. */
export function freshdeskRecord(line: number, row: OriginalRow, options: VendorOptions): SourceRow {
  const { zone, overrides } = options;
  const get = cellsBySlug(row);
  const date = (column: string, what: string) => parseTimestamp(get(column), zone, what, options.dateFormat);
  try {
    const id = get('ticket_id');
    if (id === null) throw new RowProblem('Ticket ID is empty');
    const createdAt = date('created_time', 'Created time');
    if (createdAt === null) throw new RowProblem('Created time is empty');
    const source = get('source') ?? options.defaults?.channel ?? null;
    if (source === null) throw new RowProblem('Source is empty');
    const priority = get('priority') ?? options.defaults?.priority ?? null;
    const statusText = get('status');
    if (statusText === null) throw new RowProblem('Status is empty');
    // "Initial response time" is the first reply's time in most exports and its delay
    // (hh:mm:ss) in some; "First response time (in hrs)" is decimal hours or hh:mm:ss.
    const initial = get('initial_response_time');
    const firstResponseAt =
      initial !== null && !DURATION.test(initial)
        ? date('initial_response_time', 'Initial response time')
        : addSeconds(createdAt, parseHours(initial ?? get('first_response_time_in_hrs'), initial ? 'Initial response time' : 'First response time (in hrs)'));
    const ticket: TicketInput = {
      externalId: `freshdesk:${id}`,
      subject: get('subject'),
      channel: mapValueWith(overrides, 'channel', FRESHDESK_SOURCES, source, 'Source', mapHint('channel', source)),
      priority: priority === null ? null : mapValueWith(overrides, 'priority', FRESHDESK_PRIORITIES, priority, 'Priority', mapHint('priority', priority)),
      status: mapValueWith(overrides, 'status', FRESHDESK_STATUSES, statusText, 'Status', mapHint('status', statusText)),
      tags: (get('tags') ?? '')
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== ''),
      createdAt,
      firstResponseAt,
      solvedAt: date('resolved_time', 'Resolved time'),
      closedAt: date('closed_time', 'Closed time'),
      agentReplies: parseCount(get('agent_interactions'), 'Agent interactions'),
    };
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
    const survey = get('survey_results') ?? get('survey_result') ?? get('satisfaction_rating');
    if (survey !== null) {
      out.feedback.push({
        externalId: `freshdesk:csat:${id}`,
        kind: 'CSAT',
        score: freshdeskSurveyScore(survey, overrides),
        // Surveys go out when a ticket is resolved.
        createdAt: ticket.solvedAt ?? ticket.closedAt ?? createdAt,
        ticketExternalId: ticket.externalId,
        customerExternalId: ticket.customerExternalId,
      });
    }
    return out;
  } catch (error) {
    return unreadableRow(line, row, error);
  }
}
