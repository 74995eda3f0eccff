import type { Channel, Priority, TicketStatus } from '../../../generated/prisma/enums.ts';
import { cell, mapHint, mapValueWith, RowProblem, slug, type ValueOverrides } from '../../importers/record.ts';

// Freshdesk's words and codes for channels, statuses, priorities and survey answers:
// the CSV export writes the names, the API (developers.freshdesk.com "Tickets") the
// numbers. Custom statuses (6 and up in the API, any name in an export) are the
// account's own: map them with --map status="Waiting on Acme"=PENDING.

/** "Source" names → our channels, by slug. */
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
  bot: 'CHAT',
  twitter: 'SOCIAL',
  facebook: 'SOCIAL',
  whatsapp: 'SOCIAL',
  instagram: 'SOCIAL',
  social: 'SOCIAL',
  api: 'API',
  ecommerce: 'API',
  e_commerce: 'API',
};

/** API `source` codes → the names above (1 Email, 2 Portal, 3 Phone, 7 Chat, 9 Feedback Widget, 10 Outbound Email…). */
export const FRESHDESK_SOURCE_CODES: Readonly<Record<string, string>> = {
  '1': 'email',
  '2': 'portal',
  '3': 'phone',
  '4': 'forum',
  '5': 'twitter',
  '6': 'facebook',
  '7': 'chat',
  '8': 'mobihelp',
  '9': 'feedback_widget',
  '10': 'outbound_email',
  '11': 'ecommerce',
  '12': 'bot',
  '13': 'whatsapp',
};

/** "Status" names → ours. Waiting on the customer is PENDING, on a third party ON_HOLD. */
export const FRESHDESK_STATUSES: Readonly<Record<string, TicketStatus>> = {
  open: 'OPEN',
  pending: 'PENDING',
  waiting_on_customer: 'PENDING',
  waiting_on_third_party: 'ON_HOLD',
  resolved: 'SOLVED',
  closed: 'CLOSED',
};

/** API `status` codes → the names above (2 Open, 3 Pending, 4 Resolved, 5 Closed; 6+ are custom). */
export const FRESHDESK_STATUS_CODES: Readonly<Record<string, string>> = { '2': 'open', '3': 'pending', '4': 'resolved', '5': 'closed' };

/** "Priority" names → ours: Freshdesk's Medium is our NORMAL. */
export const FRESHDESK_PRIORITIES: Readonly<Record<string, Priority>> = { low: 'LOW', medium: 'NORMAL', high: 'HIGH', urgent: 'URGENT' };

/** API `priority` codes: 1 Low, 2 Medium, 3 High, 4 Urgent. */
export const FRESHDESK_PRIORITY_CODES: Readonly<Record<string, string>> = { '1': 'low', '2': 'medium', '3': 'high', '4': 'urgent' };

/**
 * Survey answers → CSAT 1-5. Freshdesk's classic survey answers Awesome / Just Okay /
 * Not Good (3 points) or Extremely happy … Extremely unhappy (up to 7 points; API
 * ratings 103 … -103). Happy answers map to 4-5 so that our CSAT score (share rated 4
 * or 5) equals Freshdesk's share of positive answers; neutral is 3.
 */
export const FRESHDESK_SURVEY_SCORES: Readonly<Record<string, number>> = {
  awesome: 5,
  extremely_happy: 5,
  very_happy: 5,
  happy: 4,
  just_okay: 3,
  neutral: 3,
  unhappy: 2,
  very_unhappy: 1,
  not_good: 1,
  extremely_unhappy: 1,
  '103': 5,
  '102': 5,
  '101': 4,
  '100': 3,
  '-101': 2,
  '-102': 1,
  '-103': 1,
};

/** The CSAT score (1-5) of a survey answer; a plain 1-5 number is taken as it is. */
export function freshdeskSurveyScore(answer: string, overrides?: ValueOverrides): number {
  const text = cell(answer) ?? '';
  const override = overrides?.csat?.[slug(text)];
  if (override !== undefined) return Number(override);
  if (/^[1-5]$/.test(text)) return Number(text);
  const score = FRESHDESK_SURVEY_SCORES[text.startsWith('-') ? text : slug(text)];
  if (score === undefined) throw new RowProblem(`unknown survey answer "${text}"; ${mapHint('csat', text)} (a score from 1 to 5)`);
  return score;
}

/** A code or a name of the API or the export, mapped to ours. */
export function freshdeskValue<T extends string>(
  overrides: ValueOverrides | undefined,
  field: 'channel' | 'status' | 'priority',
  codes: Readonly<Record<string, string>>,
  names: Readonly<Record<string, T>>,
  value: string,
): T {
  // An override may name the code (status=6=PENDING) or the name.
  const direct = overrides?.[field]?.[slug(value)];
  if (direct !== undefined) return direct as T;
  return mapValueWith(overrides, field, names, codes[value] ?? value, field, mapHint(field, value));
}
