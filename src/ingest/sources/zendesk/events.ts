import type { HistoryEventInput } from '../../history.ts';
import { parseTimestamp, slug } from '../../importers/record.ts';
import { jsonObject, ZENDESK_STATUSES } from './tickets.ts';

// Zendesk's Incremental Ticket Event Export (`GET /api/v2/incremental/ticket_events.json
// ?start_time=…&include=comment_events`): one audit per ticket update, its
// `child_events` the changes (a changed field appears as a key holding its new value,
// with `previous_value`), the ticket's creation (`event_type: "Create"`) and, with
// comment_events, its comments (`public`, `author_id`). Mapped to our history:
//   Create                      → CREATED (and ASSIGNMENT when it sets assignee_id)
//   assignee_id                 → ASSIGNMENT to that agent (null: unassigned)
//   status → solved             → SOLVE (credited later to the assignee at that time)
//   status solved/closed → open, pending, hold, new → REOPEN
//   other status changes        → STATUS_CHANGE with the new status
//   Comment                     → REPLY (an agent's when the author is a stored agent)
// Assignments are listed before status changes of the same audit, so "reassign and
// solve" in one update credits the new assignee.

const text = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);

/** The history events of one audit of the export. */
export function zendeskAuditHistory(audit: unknown): HistoryEventInput[] {
  const a = jsonObject(audit);
  const ticket = text(a.ticket_id);
  const at = parseTimestamp(text(a.created_at), 'UTC', 'created_at') ?? (typeof a.timestamp === 'number' ? new Date(a.timestamp * 1000) : null);
  if (ticket === null || at === null) return [];
  const ticketExternalId = `zendesk:${ticket}`;
  const children = Array.isArray(a.child_events) ? a.child_events.map(jsonObject) : [];
  const id = (child: Record<string, unknown>, index: number) => `zendesk:event:${text(child.id) ?? `${text(a.id)}-${index}`}`;
  const user = (value: unknown) => (text(value) === null ? null : `zendesk:user:${text(value)}`);
  const event = (type: HistoryEventInput['type'], externalId: string, extra: Partial<HistoryEventInput> = {}): HistoryEventInput => ({
    externalId,
    ticketExternalId,
    type,
    occurredAt: at,
    ...extra,
  });
  const out: HistoryEventInput[] = [];
  if (children.some((c) => c.event_type === 'Create')) out.push(event('CREATED', `zendesk:audit:${text(a.id)}:created`));
  children.forEach((child, i) => {
    if ((child.event_type === 'Create' || child.event_type === 'Change') && 'assignee_id' in child) {
      out.push(event('ASSIGNMENT', id(child, i), { authorExternalId: user(child.assignee_id) }));
    }
  });
  children.forEach((child, i) => {
    if ((child.event_type !== 'Create' && child.event_type !== 'Change') || !('status' in child)) return;
    const status = ZENDESK_STATUSES[slug(text(child.status) ?? '')];
    const from = slug(text(child.previous_value) ?? '');
    if (status === undefined) return;
    if (status === 'SOLVED') out.push(event('SOLVE', id(child, i)));
    else if (child.event_type === 'Create') return;
    else if ((from === 'solved' || from === 'closed') && status !== 'CLOSED') out.push(event('REOPEN', id(child, i)));
    else out.push(event('STATUS_CHANGE', id(child, i), { status }));
  });
  children.forEach((child, i) => {
    if (child.event_type !== 'Comment') return;
    out.push(event('REPLY', id(child, i), { public: child.public !== false, authorExternalId: user(child.author_id ?? a.updater_id) }));
  });
  return out;
}
