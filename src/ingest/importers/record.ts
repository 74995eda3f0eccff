import { DateTime } from 'luxon';
import type { AgentInput, CategoryInput, CustomerInput, FeedbackInput, TeamInput, TicketInput } from '../types.ts';

/** The source row as read, written back unchanged to the rejects file. */
export type OriginalRow = Record<string, string>;

/**
 * One source row turned into engine inputs: a ticket, the entities it names (created
 * by the importer when they do not exist yet) and its survey responses.
 */
export interface ImportRecord {
  /** Position in the source (data row or line number, from 1), for messages. */
  line: number;
  original: OriginalRow;
  ticket: TicketInput;
  teams: TeamInput[];
  agents: AgentInput[];
  customers: CustomerInput[];
  categories: CategoryInput[];
  feedback: FeedbackInput[];
  /**
   * `<kind>:<externalId>` of the entities whose details come from the source's own
   * records of them (Zendesk's side-loaded users and groups, Freshdesk's requester):
   * these are updated when stored with other values, the others only created if missing.
   */
  known: Set<string>;
}

/** A source row that could not be turned into inputs (unknown value, bad date…). */
export interface UnreadableRow {
  line: number;
  original: OriginalRow;
  error: string;
}

/** A ticket the source reports as deleted: removed from the database if stored. */
export interface DeletedRow {
  line: number;
  original: OriginalRow;
  deletedExternalId: string;
}

/** What a source yields for each row. */
export type SourceRow = ImportRecord | UnreadableRow | DeletedRow;

/** True when the row could not be converted. */
export function isUnreadable(row: SourceRow): row is UnreadableRow {
  return 'error' in row;
}

/** True when the row reports a deleted ticket. */
export function isDeleted(row: SourceRow): row is DeletedRow {
  return 'deletedExternalId' in row;
}

/**
 * Called once with the header and the first rows (up to SAMPLE_ROWS) before any row is
 * converted: the place to check required columns and detect formats. An error thrown
 * here stops the import before anything is written.
 */
export type PrepareSource = (columns: string[], sample: readonly OriginalRow[]) => void;

/** A streamed source: its rows, the columns of the rejects file, and bytes read so far. */
export interface ImportSource {
  rows: AsyncIterable<SourceRow>;
  /** Column names of the original rows, known once the first row was read. */
  columns(): string[];
  bytesRead(): number;
  totalBytes: number;
}

/** A conversion problem; becomes the row's reject reason. */
export class RowProblem extends Error {
  override name = 'RowProblem';
}

/** The reject for a row whose conversion raised a RowProblem; any other error is a bug and is rethrown. */
export function unreadableRow(line: number, original: OriginalRow, error: unknown): UnreadableRow {
  if (error instanceof RowProblem) return { line, original, error: error.message };
  throw error;
}

/** The entities a row names, under the ids the importer gives them, and what it knows of them. */
export interface RowEntities {
  category?: { id: string; name: string } | null;
  /** `known`: the details come from the source's own record of the entity (see ImportRecord.known). */
  team?: { id: string; name: string; known?: boolean } | null;
  agent?: { id: string; name: string; email?: string | null; known?: boolean } | null;
  customer?: { id: string; name: string | null; email?: string | null; organization?: string | null; known?: boolean } | null;
}

/** Points the record's ticket at the entities it names and lists them for creation if missing. */
export function attachEntities(out: ImportRecord, entities: RowEntities): void {
  const { ticket } = out;
  const { category, team, agent, customer } = entities;
  if (category) {
    ticket.categoryExternalId = category.id;
    out.categories.push({ externalId: category.id, name: category.name });
  }
  if (team) {
    ticket.teamExternalId = team.id;
    out.teams.push({ externalId: team.id, name: team.name });
    if (team.known) out.known.add(`Team:${team.id}`);
  }
  if (agent) {
    ticket.assigneeExternalId = agent.id;
    out.agents.push({ externalId: agent.id, name: agent.name, email: agent.email });
    if (agent.known) out.known.add(`Agent:${agent.id}`);
  }
  if (customer) {
    ticket.customerExternalId = customer.id;
    out.customers.push({ externalId: customer.id, name: customer.name, email: customer.email, organization: customer.organization });
    if (customer.known) out.known.add(`Customer:${customer.id}`);
  }
}

/** An empty record with just a ticket, for the converters to fill. */
export function emptyRecord(line: number, original: OriginalRow, ticket: TicketInput): ImportRecord {
  return { line, original, ticket, teams: [], agents: [], customers: [], categories: [], feedback: [], known: new Set() };
}

/** Trimmed cell value, or null when empty. */
export function cell(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

/** Parses a whole non-negative number; null when empty. */
export function parseCount(value: unknown, what: string): number | null {
  const text = cell(value);
  if (text === null) return null;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new RowProblem(`${what} "${text}" is not a number`);
  return Math.round(n);
}

/** Parses yes/no style booleans; null when empty. */
export function parseBoolean(value: unknown, what: string): boolean | null {
  const text = cell(value)?.toLowerCase();
  if (text === undefined) return null;
  if (['true', 'yes', 'y', '1'].includes(text)) return true;
  if (['false', 'no', 'n', '0'].includes(text)) return false;
  throw new RowProblem(`${what} "${text}" is not true/false`);
}

/** A full ISO 8601 date-time with seconds and an explicit offset (Z or ±hh:mm), as APIs write them. */
const ISO_WITH_OFFSET = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Formats tried, in order, for timestamps when a source does not state one. */
const COMMON_FORMATS = ['yyyy-MM-dd HH:mm:ss ZZZ', 'yyyy-MM-dd HH:mm:ss', 'yyyy-MM-dd H:mm:ss', 'yyyy-MM-dd HH:mm', 'yyyy-MM-dd H:mm'];

/**
 * Reads a timestamp. With `format` (luxon tokens) only that format is accepted;
 * otherwise ISO 8601 and the common export formats are tried. Timestamps without an
 * offset are read in `zone` (an IANA name).
 */
export function parseTimestamp(value: unknown, zone: string, what: string, format?: string): Date | null {
  const text = cell(value);
  if (text === null) return null;
  // ISO 8601 with its own offset is the same instant in any zone; Date reads it directly,
  // and luxon's general parser was a fifth of an import's JavaScript time.
  if (!format && ISO_WITH_OFFSET.test(text) && Number(text.slice(8, 10)) <= daysInMonth(Number(text.slice(0, 4)), Number(text.slice(5, 7)))) {
    return new Date(text);
  }
  const options = { zone, setZone: true };
  let parsed: DateTime | null = null;
  if (format) {
    // Several alternatives may be given, joined by " || " (see importers/dates.ts).
    for (const candidate of format.split(' || ')) {
      parsed = DateTime.fromFormat(text, candidate, options);
      if (parsed.isValid) break;
    }
  } else {
    parsed = DateTime.fromISO(text, options);
    for (const candidate of COMMON_FORMATS) {
      if (parsed.isValid) break;
      parsed = DateTime.fromFormat(text, candidate, options);
    }
  }
  if (!parsed?.isValid) {
    throw new RowProblem(`${what} "${text}" is not a date-time${format ? ` in the format "${format}"` : ''}`);
  }
  return parsed.toJSDate();
}

/** Checks an IANA zone name early, so a typo fails the import before it starts. */
export function checkZone(zone: string): string {
  if (!DateTime.now().setZone(zone).isValid) throw new Error(`unknown time zone "${zone}" (use an IANA name such as "Europe/Berlin")`);
  return zone;
}

/** `minutes` after `start`, or null. */
export function addMinutes(start: Date, minutes: number | null): Date | null {
  return minutes === null ? null : new Date(start.getTime() + minutes * 60_000);
}

/** Lower-case letters and digits joined by `_`: "Phone call (inbound)" → "phone_call_inbound". */
export function slug(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Reads a CSV row's cells by column slug ("Created time" → created_time); empty cells read as null. */
export function cellsBySlug(row: OriginalRow): (name: string) => string | null {
  const cells = new Map(Object.entries(row).map(([column, value]) => [slug(column), cell(value)]));
  return (name) => cells.get(name) ?? null;
}

/** Looks a source value up in a value map, by slug; throws a row problem when absent. */
export function mapValue<T extends string>(map: Readonly<Record<string, T>>, value: string, what: string): T {
  const found = map[slug(value)];
  if (found === undefined) throw new RowProblem(`unknown ${what} "${value}"`);
  return found;
}

/**
 * Reads a duration in hours as help desks write it: decimal hours ("1.25") or
 * `h:mm[:ss]` with any number of hours ("02:05:11", "64:00:00"). Returns seconds, or
 * null when empty.
 */
export function parseHours(value: unknown, what: string): number | null {
  const text = cell(value);
  if (text === null) return null;
  const clock = /^(\d+):([0-5]\d)(?::([0-5]\d))?$/.exec(text);
  if (clock) return Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? 0);
  const hours = Number(text.replace(',', '.'));
  if (!Number.isFinite(hours) || hours < 0) throw new RowProblem(`${what} "${text}" is neither hours (1.5) nor a duration (hh:mm:ss)`);
  return Math.round(hours * 3600);
}

/** `seconds` after `start`, or null. */
export function addSeconds(start: Date, seconds: number | null): Date | null {
  return seconds === null ? null : new Date(start.getTime() + seconds * 1000);
}

/** Per-field overrides of source values (`--map status="Waiting on X"=PENDING`, or a mapping file's `values`), by slug. */
export type ValueOverrides = Partial<Record<string, Record<string, string>>>;

/** Looks a value up in the overrides first, then in the source's own table. */
export function mapValueWith<T extends string>(
  overrides: ValueOverrides | undefined,
  field: string,
  map: Readonly<Record<string, T>>,
  value: string,
  what: string,
  hint: string,
): T {
  const override = overrides?.[field]?.[slug(value)];
  if (override !== undefined) return override as T;
  const found = map[slug(value)];
  if (found === undefined) throw new RowProblem(`unknown ${what} "${value}"; ${hint}`);
  return found;
}

/** How a help-desk export is read beyond its fixed format: zone, value overrides, defaults. */
export interface VendorOptions {
  /** IANA zone of timestamps without an offset. */
  zone: string;
  /** Source value → our value, per field (channel, priority, status, csat), by slug. */
  overrides?: ValueOverrides;
  /** Values for a field the file lacks or leaves empty (only when asked for: never guessed). */
  defaults?: Partial<Record<'channel' | 'priority' | 'status', string>>;
  /** Luxon format of the timestamps; absent: detected. */
  dateFormat?: string;
}

/** The hint of an unknown value: how to map it on the command line. */
export function mapHint(field: string, value: string): string {
  return `map it with --map ${field}="${value}"=<VALUE> or a mapping file's "values"`;
}
