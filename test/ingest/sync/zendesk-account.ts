import type { FakeZendeskOptions } from './fake-zendesk.ts';

// The Zendesk account the sync tests read, in the documented shapes (Tickets, Ticket
// Metrics, Users, Groups, Organizations, Incremental Ticket Event Export). Hand-worked
// outcome (see the tests):
//   101 solved 08:00 → 10:00, first reply 30 min, 2 replies, rated good
//   102 solved 10:00, reopened 12:00 by the customer, solved again next day 09:00;
//       first reply 15 min, 3 replies, 1 reopen
//   103 solved 11:00 by Cy (701), reassigned to Di (702) at 15:00 while solved;
//       first reply 20 min, 1 reply
//   104 first exported open, then deleted
//   105 open chat, first reply 5 min, 1 reply (Di)

const ts = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const iso = (text: string) => `2024-05-${text}Z`;

function ticket(id: number, over: Record<string, unknown>): Record<string, unknown> {
  return {
    url: `https://acme.zendesk.com/api/v2/tickets/${id}.json`,
    id,
    external_id: null,
    via: { channel: 'email', source: { from: {}, to: {}, rel: null } },
    type: 'question',
    subject: `Ticket ${id}`,
    raw_subject: `Ticket ${id}`,
    description: '…',
    priority: 'normal',
    status: 'open',
    recipient: 'support@acme.example',
    requester_id: 601,
    submitter_id: 601,
    assignee_id: 701,
    organization_id: 901,
    group_id: 801,
    collaborator_ids: [],
    follower_ids: [],
    tags: [],
    custom_fields: [],
    satisfaction_rating: { score: 'unoffered' },
    brand_id: 1,
    is_public: true,
    ...over,
  };
}

let eventId = 90_000;
/** An audit of the ticket event export with its child events. */
function audit(ticketId: number, at: string, updater: number, children: Record<string, unknown>[]): Record<string, unknown> {
  eventId += 10;
  const base = eventId;
  return {
    id: base,
    ticket_id: ticketId,
    timestamp: ts(iso(at)),
    created_at: iso(at),
    updater_id: updater,
    via: 'Web form',
    system: {},
    metadata: {},
    event_type: 'Audit',
    child_events: children.map((c, i) => ({ id: base + i + 1, via: 'Web form', via_reference_id: null, ...c })),
  };
}
const comment = (author: number, isPublic = true) => ({ event_type: 'Comment', comment_present: true, comment_public: isPublic, public: isPublic, author_id: author, body: '…' });
const status = (from: string | null, to: string) => ({ event_type: from === null ? 'Create' : 'Change', status: to, previous_value: from });
const assign = (from: number | null, to: number | null, create = false) => ({ event_type: create ? 'Create' : 'Change', assignee_id: to, previous_value: from });

/** The fake account's options (without credentials and paging). */
export function zendeskAccount(): Pick<FakeZendeskOptions, 'changes' | 'metricSets' | 'users' | 'groups' | 'organizations' | 'audits'> {
  eventId = 90_000;
  const changes = [
    ticket(104, { status: 'open', created_at: iso('01T07:00:00'), updated_at: iso('01T07:00:00'), assignee_id: null, requester_id: 603 }),
    ticket(101, { status: 'solved', created_at: iso('01T08:00:00'), updated_at: iso('01T10:30:00'), satisfaction_rating: { id: 5101, score: 'good', comment: 'Thanks' } }),
    ticket(102, { status: 'solved', created_at: iso('01T09:00:00'), updated_at: iso('02T09:00:00'), requester_id: 602, organization_id: null, priority: 'high' }),
    ticket(103, { status: 'solved', created_at: iso('01T10:00:00'), updated_at: iso('01T15:00:00'), assignee_id: 702 }),
    ticket(105, { status: 'open', created_at: iso('01T12:00:00'), updated_at: iso('01T12:05:00'), assignee_id: 702, via: { channel: 'chat' } }),
    ticket(104, { status: 'deleted', created_at: iso('01T07:00:00'), updated_at: iso('02T10:00:00'), assignee_id: null, requester_id: 603 }),
  ];
  const metric = (ticketId: number, over: Record<string, unknown>) => ({
    url: `https://acme.zendesk.com/api/v2/ticket_metrics/${ticketId + 7000}.json`,
    id: ticketId + 7000,
    ticket_id: ticketId,
    group_stations: 1,
    assignee_stations: 1,
    reopens: 0,
    replies: 0,
    solved_at: null,
    reply_time_in_minutes: { calendar: null, business: null },
    ...over,
  });
  const metricSets = [
    metric(104, {}),
    metric(101, { replies: 2, solved_at: iso('01T10:00:00'), status_updated_at: iso('01T10:00:00'), reply_time_in_minutes: { calendar: 30, business: 30 } }),
    metric(102, { replies: 3, reopens: 1, solved_at: iso('02T09:00:00'), status_updated_at: iso('02T09:00:00'), reply_time_in_minutes: { calendar: 15, business: 15 } }),
    metric(103, { replies: 1, solved_at: iso('01T11:00:00'), status_updated_at: iso('01T11:00:00'), reply_time_in_minutes: { calendar: 20, business: 20 } }),
    metric(105, { replies: 1, reply_time_in_minutes: { calendar: 5, business: 5 } }),
  ];
  const users = [
    { id: 601, name: 'Ada Customer', email: 'ada@customer.example', role: 'end-user', organization_id: 901 },
    { id: 602, name: 'Bo Customer', email: 'bo@customer.example', role: 'end-user', organization_id: null },
    { id: 603, name: 'Spam Sender', email: 'spam@spam.example', role: 'end-user', organization_id: null },
    { id: 701, name: 'Cy Agent', email: 'cy@acme.example', role: 'agent', default_group_id: 801 },
    { id: 702, name: 'Di Admin', email: 'di@acme.example', role: 'admin', default_group_id: 801 },
  ];
  const audits = [
    audit(104, '01T07:00:00', 603, [status(null, 'new')]),
    audit(101, '01T08:00:00', 601, [status(null, 'new'), assign(null, 701, true)]),
    audit(101, '01T08:30:00', 701, [comment(701)]),
    audit(102, '01T09:00:00', 602, [status(null, 'new'), assign(null, 701, true)]),
    audit(102, '01T09:15:00', 701, [comment(701)]),
    audit(101, '01T10:00:00', 701, [status('open', 'solved'), comment(701)]),
    audit(102, '01T10:00:30', 701, [status('open', 'solved')]),
    audit(103, '01T10:01:00', 601, [status(null, 'new'), assign(null, 701, true)]),
    audit(103, '01T10:20:00', 701, [comment(701), comment(701, false)]),
    audit(103, '01T11:00:00', 701, [status('open', 'solved')]),
    audit(102, '01T12:00:00', 602, [comment(602), status('solved', 'open')]),
    audit(105, '01T12:00:30', 601, [status(null, 'new'), assign(null, 702, true)]),
    audit(105, '01T12:05:00', 702, [comment(702)]),
    audit(103, '01T15:00:00', 702, [assign(701, 702)]),
    audit(102, '02T08:00:00', 701, [comment(701)]),
    audit(102, '02T09:00:00', 701, [comment(701), status('open', 'solved')]),
  ];
  return {
    changes,
    metricSets,
    users,
    groups: [{ url: 'https://acme.zendesk.com/api/v2/groups/801.json', id: 801, name: 'Tier 1', default: true, deleted: false }],
    organizations: [{ id: 901, name: 'Acme Corp', domain_names: ['customer.example'] }],
    audits,
  };
}
