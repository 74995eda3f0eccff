// The documented bounds of input (README "Limits"): every value outside them is refused
// with BAD_USER_INPUT naming the field, before it reaches SQL. They are set where
// PostgreSQL or the work a request causes would otherwise fail or grow without bound:
// btree index rows (about 2.7 kB), 32,767 bind parameters per statement, date
// arithmetic near year 0 or 10000, and lists that multiply work.

/** Earliest instant accepted anywhere (DateTime inputs, ingested timestamps). */
export const EARLIEST_INSTANT = new Date('1970-01-01T00:00:00.000Z');
/** First instant no longer accepted (the window is half-open). */
export const LATEST_INSTANT = new Date('3000-01-01T00:00:00.000Z');

/** Longest text per ingested field, in characters. */
export const MAX_TEXT_LENGTH = {
  externalId: 255,
  name: 500,
  subject: 1000,
  email: 320,
  role: 200,
  organization: 500,
  comment: 10_000,
  tag: 100,
} as const;

/** Most tags on one ticket. */
export const MAX_TAGS = 100;
/** Most events in one ticket's history. */
export const MAX_EVENTS = 1000;
/** Most values in one list argument (filters such as `tags`, `teamIds`, `categoryIds`). */
export const MAX_LIST_ARGUMENT = 1000;
/** Most ids one `nodes(ids:)` call may ask for. */
export const MAX_NODE_IDS = 100;
/** Largest `limit` of a breakdown, and the most groups one without a limit returns. */
export const MAX_BREAKDOWN_GROUPS = 1000;

/** Whether an instant lies in the accepted window. */
export function inInstantWindow(date: Date): boolean {
  const time = date.getTime();
  return time >= EARLIEST_INSTANT.getTime() && time < LATEST_INSTANT.getTime();
}

/** The message for an instant outside the window. */
export function instantWindowMessage(date: Date): string {
  const shown = Number.isNaN(date.getTime()) ? 'an invalid date' : date.toISOString();
  return `${shown} is outside the accepted window of instants, ${EARLIEST_INSTANT.toISOString()} (inclusive) to ${LATEST_INSTANT.toISOString()} (exclusive)`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What is wrong with a string PostgreSQL cannot store as text: a NUL character, or a
 * lone UTF-16 surrogate (half of a pair, which has no UTF-8 form); null when fine.
 */
export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'holds a NUL character (\\u0000); remove it';
  if (LONE_SURROGATE.test(text)) return 'holds a lone UTF-16 surrogate (half of a pair such as \\uD800), which is not valid Unicode; send the whole character or remove it';
  return null;
}

/**
 * Most SQL statements one GraphQL request may run; with QUERY_TIMEOUT_MS as the time
 * budget of the whole request (not only of each statement). Streamed exports, which run
 * one page after another by design, have neither.
 */
export const MAX_STATEMENTS_PER_REQUEST = 500;
