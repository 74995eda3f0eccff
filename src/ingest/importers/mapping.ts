import { readFileSync } from 'node:fs';
import { Channel, FeedbackKind, Priority, TicketStatus } from '../../generated/prisma/enums.ts';
import type { TicketInput } from '../types.ts';
import { csvSource } from './files.ts';
import {
  cell,
  checkZone,
  attachEntities,
  emptyRecord,
  parseBoolean,
  parseCount,
  parseTimestamp,
  RowProblem,
  unreadableRow,
  slug,
  type ImportSource,
  type OriginalRow,
  type SourceRow,
} from './record.ts';

// The generic CSV importer: a JSON mapping file says which column feeds which field,
// how timestamps are written and in which zone naive ones are, and how the source's
// words for channel, priority and status translate to ours.

/** Ticket fields a column can feed. */
const TICKET_FIELDS = [
  'externalId',
  'subject',
  'channel',
  'priority',
  'status',
  'tags',
  'createdAt',
  'firstResponseAt',
  'solvedAt',
  'closedAt',
  'agentReplies',
  'reopenCount',
  'escalated',
] as const;

/** Entities a ticket references; the column holds the entity's id in the source. */
const REFERENCES = ['team', 'assignee', 'customer', 'category'] as const;

/** Attributes used when the importer has to create a referenced entity. */
const ENTITY_FIELDS = [
  'team.name',
  'assignee.name',
  'assignee.email',
  'customer.name',
  'customer.email',
  'customer.organization',
  'category.name',
] as const;

/** Survey scores carried by the row (one response of that kind per ticket). */
const SCORES = ['csat', 'nps', 'ces'] as const;

/** Timestamp fields whose time of day may come from a column of its own (`createdAt.time`). */
const TIME_PARTS = ['createdAt.time', 'firstResponseAt.time', 'solvedAt.time', 'closedAt.time', 'feedback.createdAt.time'] as const;

/** Every field a mapping may name. */
export const MAPPING_FIELDS = [...TICKET_FIELDS, ...REFERENCES, ...ENTITY_FIELDS, ...SCORES, 'feedback.createdAt', 'feedback.comment', ...TIME_PARTS] as const;

/** A field a column can feed. */
export type MappingField = (typeof MAPPING_FIELDS)[number];

/** The mapping file, as documented in the README ("Generic CSV"). */
export interface CsvMapping {
  /** Column name → field, or a list of fields the same column feeds. */
  columns: Record<string, MappingField | MappingField[]>;
  /** Luxon format of the timestamps (e.g. "yyyy-MM-dd H:mm"); absent: ISO 8601 and common export formats. */
  dateFormat?: string;
  /** IANA zone of timestamps without an offset (default UTC). */
  timeZone?: string;
  /** Source value → our value, per field; matched ignoring case and punctuation. */
  values?: { channel?: Record<string, Channel>; priority?: Record<string, Priority>; status?: Record<string, TicketStatus> };
  /** Values for fields the file does not have, or whose cell is empty. */
  defaults?: { channel?: Channel; priority?: Priority; status?: TicketStatus };
  /** Prepended to every externalId the file yields, to keep sources apart (e.g. "kaggle:"). */
  idPrefix?: string;
  /** Separator of the tags column (default ","). */
  tagSeparator?: string;
  /** CSV field delimiter (default: detected from the header line). */
  delimiter?: string;
  /** Cell values that mean "empty" besides the empty cell (e.g. "?", "N/A", "-"); matched after trimming, ignoring case. */
  nullValues?: string[];
}

const isField = (value: unknown): value is MappingField => typeof value === 'string' && (MAPPING_FIELDS as readonly string[]).includes(value);

function checkValueMap<T extends string>(allowed: Record<string, T>, map: unknown, name: string): Record<string, T> {
  if (map !== undefined && (typeof map !== 'object' || map === null)) throw new Error(`mapping: values.${name} must be an object`);
  const out: Record<string, T> = {};
  for (const [from, to] of Object.entries(map ?? {})) {
    if (typeof to !== 'string' || !(to in allowed)) {
      throw new Error(`mapping: values.${name}["${from}"] is "${String(to)}"; expected one of ${Object.keys(allowed).join(', ')}`);
    }
    out[slug(from)] = to as T;
  }
  // Our own names are always understood.
  for (const value of Object.values(allowed)) out[slug(value)] ??= value;
  return out;
}

/** Reads and checks a mapping file; the error names what is wrong in it. */
export function loadMapping(path: string): CsvMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`mapping ${path}: ${(error as Error).message}`);
  }
  return checkMapping(raw);
}

/** Checks a parsed mapping object. */
export function checkMapping(raw: unknown): CsvMapping {
  if (typeof raw !== 'object' || raw === null || typeof (raw as { columns?: unknown }).columns !== 'object') {
    throw new Error('mapping: expected an object with "columns": { "<column>": "<field>" }');
  }
  const mapping = raw as CsvMapping;
  const known = ['$comment', 'columns', 'dateFormat', 'timeZone', 'values', 'defaults', 'idPrefix', 'tagSeparator', 'delimiter', 'nullValues'];
  for (const key of Object.keys(mapping)) {
    if (!known.includes(key)) throw new Error(`mapping: unknown key "${key}"; known keys are ${known.join(', ')}`);
  }
  const fed = new Set<string>();
  for (const [column, target] of Object.entries(mapping.columns)) {
    for (const field of Array.isArray(target) ? target : [target]) {
      if (!isField(field)) throw new Error(`mapping: column "${column}" maps to "${String(field)}"; fields are ${MAPPING_FIELDS.join(', ')}`);
      fed.add(field);
    }
  }
  for (const required of ['externalId', 'createdAt'] as const) {
    if (!fed.has(required)) throw new Error(`mapping: no column maps to ${required}`);
  }
  for (const required of ['channel', 'status'] as const) {
    if (!fed.has(required) && !mapping.defaults?.[required]) throw new Error(`mapping: no column maps to ${required} and defaults.${required} is not set`);
  }
  if (mapping.nullValues !== undefined && (!Array.isArray(mapping.nullValues) || mapping.nullValues.some((v) => typeof v !== 'string'))) {
    throw new Error('mapping: nullValues must be a list of strings, e.g. ["?", "N/A"]');
  }
  for (const part of TIME_PARTS) {
    const date = part.slice(0, -'.time'.length);
    if (fed.has(part) && !fed.has(date as MappingField)) throw new Error(`mapping: a column maps to ${part} but none to ${date}`);
  }
  checkZone(mapping.timeZone ?? 'UTC');
  checkValueMap(Channel, mapping.values?.channel, 'channel');
  checkValueMap(Priority, mapping.values?.priority, 'priority');
  checkValueMap(TicketStatus, mapping.values?.status, 'status');
  for (const [field, allowed] of [['channel', Channel], ['priority', Priority], ['status', TicketStatus]] as const) {
    const value = mapping.defaults?.[field];
    if (value !== undefined && !(value in allowed)) throw new Error(`mapping: defaults.${field} "${value}" is not one of ${Object.keys(allowed).join(', ')}`);
  }
  return mapping;
}

/** Turns one CSV row into engine inputs according to a mapping. */
export function mappingConverter(mapping: CsvMapping): (line: number, row: OriginalRow) => SourceRow {
  const zone = mapping.timeZone ?? 'UTC';
  const prefix = mapping.idPrefix ?? '';
  const separator = mapping.tagSeparator ?? ',';
  const values = {
    channel: checkValueMap(Channel, mapping.values?.channel, 'channel'),
    priority: checkValueMap(Priority, mapping.values?.priority, 'priority'),
    status: checkValueMap(TicketStatus, mapping.values?.status, 'status'),
  };
  // field → the column that feeds it (the first, if several do).
  const source = new Map<MappingField, string>();
  for (const [column, target] of Object.entries(mapping.columns)) {
    for (const field of Array.isArray(target) ? target : [target]) if (!source.has(field)) source.set(field, column);
  }

  const nulls = new Set((mapping.nullValues ?? []).map((v) => v.trim().toLowerCase()));
  // Defined once, not per row: each closure made per row cost a name assignment (tsx's
  // keepNames) and garbage, ~2 % of an import's JavaScript time.
  const get = (row: OriginalRow, field: MappingField): string | null => {
    const column = source.get(field);
    const value = column === undefined ? null : cell(row[column]);
    return value !== null && nulls.has(value.toLowerCase()) ? null : value;
  };
  const where = (field: MappingField): string => `column "${source.get(field)}"`;
  const date = (row: OriginalRow, field: MappingField): Date | null => {
    // A date column and a time column are read as one "date time" text.
    const day = get(row, field);
    const time = source.has(`${field}.time` as MappingField) ? get(row, `${field}.time` as MappingField) : null;
    const what = time === null ? where(field) : `${where(field)} + ${where(`${field}.time` as MappingField)}`;
    return parseTimestamp(day !== null && time !== null ? `${day} ${time}` : day, zone, what, mapping.dateFormat);
  };
  const enumValue = <T extends string>(row: OriginalRow, field: 'channel' | 'priority' | 'status', map: Record<string, T>): T | null => {
    const text = get(row, field);
    if (text === null) return (mapping.defaults?.[field] as T | undefined) ?? null;
    const found = map[slug(text)];
    if (found === undefined) {
      throw new RowProblem(`${where(field)}: unknown ${field} "${text}"; add it to values.${field} in the mapping`);
    }
    return found;
  };
  const ref = (row: OriginalRow, kind: (typeof REFERENCES)[number]): string | null => {
    const value = get(row, kind);
    return value === null ? null : `${prefix}${value}`;
  };
  return (line, row) => {
    try {
      const id = get(row, 'externalId');
      if (id === null) throw new RowProblem(`${where('externalId')}: the ticket id is empty`);
      const createdAt = date(row, 'createdAt');
      if (createdAt === null) throw new RowProblem(`${where('createdAt')}: the creation time is empty`);
      const ticket: TicketInput = {
        externalId: `${prefix}${id}`,
        subject: get(row, 'subject'),
        channel: enumValue(row, 'channel', values.channel) as Channel,
        priority: enumValue(row, 'priority', values.priority),
        status: enumValue(row, 'status', values.status) as TicketStatus,
        tags: get(row, 'tags')
          ?.split(separator)
          .map((tag) => tag.trim())
          .filter((tag) => tag !== ''),
        createdAt,
        firstResponseAt: date(row, 'firstResponseAt'),
        solvedAt: date(row, 'solvedAt'),
        closedAt: date(row, 'closedAt'),
        agentReplies: parseCount(get(row, 'agentReplies'), where('agentReplies')),
        reopenCount: parseCount(get(row, 'reopenCount'), where('reopenCount')),
        escalated: parseBoolean(get(row, 'escalated'), where('escalated')),
      };
      const record = emptyRecord(line, row, ticket);
      const team = ref(row, 'team');
      const category = ref(row, 'category');
      const assignee = ref(row, 'assignee');
      const customer = ref(row, 'customer');
      attachEntities(record, {
        team: team ? { id: team, name: get(row, 'team.name') ?? get(row, 'team') ?? '' } : null,
        category: category ? { id: category, name: get(row, 'category.name') ?? get(row, 'category') ?? '' } : null,
        agent: assignee ? { id: assignee, name: get(row, 'assignee.name') ?? get(row, 'assignee') ?? '', email: get(row, 'assignee.email') } : null,
        customer: customer
          ? { id: customer, name: get(row, 'customer.name'), email: get(row, 'customer.email'), organization: get(row, 'customer.organization') }
          : null,
      });
      for (const score of SCORES) {
        const text = get(row, score);
        if (text === null) continue;
        const value = Number(text);
        if (!Number.isInteger(value)) throw new RowProblem(`${where(score)}: score "${text}" is not a whole number`);
        const kind = score.toUpperCase() as FeedbackKind;
        record.feedback.push({
          externalId: `${ticket.externalId}:${score}`,
          kind,
          score: value,
          comment: get(row, 'feedback.comment'),
          // A survey goes out when the ticket is solved; without a solve time, at creation.
          createdAt: date(row, 'feedback.createdAt') ?? ticket.solvedAt ?? createdAt,
          ticketExternalId: ticket.externalId,
          customerExternalId: ticket.customerExternalId,
        });
      }
      return record;
    } catch (error) {
      return unreadableRow(line, row, error);
    }
  };
}

/** A CSV file read through a mapping. */
export function mappedCsvSource(path: string, mapping: CsvMapping): ImportSource {
  return csvSource(path, mappingConverter(mapping), { delimiter: mapping.delimiter });
}
