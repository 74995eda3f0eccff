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
}

/** A source row that could not be turned into inputs (unknown value, bad date…). */
export interface UnreadableRow {
  line: number;
  original: OriginalRow;
  error: string;
}

/** What a source yields for each row. */
export type SourceRow = ImportRecord | UnreadableRow;

/** True when the row could not be converted. */
export function isUnreadable(row: SourceRow): row is UnreadableRow {
  return 'error' in row;
}

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
  team?: { id: string; name: string } | null;
  agent?: { id: string; name: string; email?: string | null } | null;
  customer?: { id: string; name: string | null; email?: string | null; organization?: string | null } | null;
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
  }
  if (agent) {
    ticket.assigneeExternalId = agent.id;
    out.agents.push({ externalId: agent.id, name: agent.name, email: agent.email });
  }
  if (customer) {
    ticket.customerExternalId = customer.id;
    out.customers.push({ externalId: customer.id, name: customer.name, email: customer.email, organization: customer.organization });
  }
}

/** An empty record with just a ticket, for the converters to fill. */
export function emptyRecord(line: number, original: OriginalRow, ticket: TicketInput): ImportRecord {
  return { line, original, ticket, teams: [], agents: [], customers: [], categories: [], feedback: [] };
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
  const options = { zone, setZone: true };
  let parsed: DateTime | null = null;
  if (format) {
    parsed = DateTime.fromFormat(text, format, options);
  } else {
    parsed = DateTime.fromISO(text, options);
    for (const candidate of COMMON_FORMATS) {
      if (parsed.isValid) break;
      parsed = DateTime.fromFormat(text, candidate, options);
    }
  }
  if (!parsed.isValid) {
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
