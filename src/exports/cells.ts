import { DateTime } from 'luxon';
import type { ColumnKind } from './plan.ts';

// OWASP "CSV injection": a spreadsheet runs a text cell starting with one of these as a formula.
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text value made safe to open in a spreadsheet: formula-like text gets a leading apostrophe. */
export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function instant(value: unknown): DateTime | null {
  if (value instanceof Date) return DateTime.fromJSDate(value);
  if (typeof value !== 'string') return null;
  const parsed = DateTime.fromISO(value, { setZone: true });
  return parsed.isValid ? parsed : null;
}

/** An instant as local wall time in `zone`, `yyyy-MM-dd HH:mm:ss`, which spreadsheets read as a date. */
export function localDateTime(value: unknown, zone: string): string | null {
  const parsed = instant(value);
  return parsed ? parsed.setZone(zone).toFormat('yyyy-MM-dd HH:mm:ss') : null;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return JSON.stringify(value);
}

/**
 * One CSV cell: numbers stay plain numbers (durations in seconds, rates as fractions),
 * instants become local time in the export's zone, lists are joined with ", ", and
 * any text is escaped against formula injection.
 */
export function csvCell(value: unknown, kind: ColumnKind, zone: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (kind === 'datetime') {
    const local = localDateTime(value, zone);
    if (local !== null) return local;
  }
  return escapeFormula(text(value));
}

/** A typed XLSX cell value and the number format that shows it. */
export interface XlsxCell {
  value: string | number | boolean | Date | null;
  numFmt?: string;
}

/** Number formats of typed columns: durations in hours, rates as percentages, dates as local time. */
export const XLSX_FORMATS = {
  datetime: 'yyyy-mm-dd hh:mm:ss',
  duration: '#,##0.00 "h"',
  percent: '0.0%',
} as const;

// Excel refuses longer cell text.
const MAX_XLSX_TEXT = 32_767;

/**
 * One XLSX cell: numbers as numbers, durations converted from seconds to hours, rates
 * as fractions shown as percentages, instants as dates showing the wall time in `zone`
 * (a spreadsheet date has no zone). Text is stored as text, never as a formula.
 */
export function xlsxCell(value: unknown, kind: ColumnKind, zone: string): XlsxCell {
  if (value === null || value === undefined) return { value: null };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { value: null };
    if (kind === 'duration') return { value: value / 3600, numFmt: XLSX_FORMATS.duration };
    if (kind === 'percent') return { value, numFmt: XLSX_FORMATS.percent };
    return { value };
  }
  if (typeof value === 'boolean') return { value };
  if (kind === 'datetime') {
    const parsed = instant(value);
    if (parsed) {
      const local = parsed.setZone(zone);
      // The wall-clock fields as a UTC date: that is how exceljs stores a zone-less spreadsheet date.
      const wall = new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond));
      return { value: wall, numFmt: XLSX_FORMATS.datetime };
    }
  }
  return { value: text(value).slice(0, MAX_XLSX_TEXT) };
}

/** A JSON cell: the GraphQL value as it came (instants stay ISO-8601 with their offset). */
export function jsonCell(value: unknown): unknown {
  return value === undefined ? null : value;
}
