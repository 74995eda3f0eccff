import { DateTime } from 'luxon';
import type { Column } from './plan.ts';

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

/**
 * An instant as ISO 8601 local time in `zone` with its UTC offset,
 * `2026-10-25T02:00:00+02:00` (milliseconds only when there are any): the offset tells
 * the two repeated hours of a DST fall-back apart.
 */
export function localDateTime(value: unknown, zone: string): string | null {
  const parsed = instant(value);
  if (!parsed) return null;
  const local = parsed.setZone(zone);
  return local.toFormat(local.millisecond === 0 ? "yyyy-MM-dd'T'HH:mm:ssZZ" : "yyyy-MM-dd'T'HH:mm:ss.SSSZZ");
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return JSON.stringify(value);
}

/**
 * `value` rounded half away from zero to `decimals` places. The scaled value is nudged by
 * one unit of float error first, so 1.005 (stored as 1.00499999...) rounds to 1.01.
 */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const rounded = Math.round(Math.abs(value) * factor * (1 + Number.EPSILON)) / factor;
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

/** What a cell is written from: the column's kind and its rounding. */
export type CellFormat = Pick<Column, 'kind' | 'decimals'>;

/**
 * A number as CSV and XLSX write it, in the unit the header states: a duration metric's
 * seconds as hours, a fraction as a percentage (CSV: 25 for 0.25), rounded to the column's
 * decimals; raw seconds and plain numbers only rounded.
 */
export function writtenNumber(value: number, format: CellFormat): number {
  const scaled = format.kind === 'duration' ? value / 3600 : format.kind === 'percent' ? value * 100 : value;
  return format.decimals === null ? scaled : roundTo(scaled, format.decimals);
}

/**
 * One CSV cell: numbers in the unit of their header, rounded (see `writtenNumber`),
 * instants ISO 8601 with the offset of the export's zone, lists joined with ", ", and any
 * text escaped against formula injection.
 */
export function csvCell(value: unknown, format: CellFormat, zone: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(writtenNumber(value, format)) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (format.kind === 'datetime') {
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

/**
 * The number format of a datetime cell: the local wall time, then the offset as literal
 * text (a spreadsheet date has no zone), so the repeated fall-back hour shows
 * `2026-10-25T02:00:00+02:00` and then `...+01:00`, while the cell stays a date.
 */
export function datetimeFormat(offset: string): string {
  return `yyyy-mm-dd"T"hh:mm:ss"${offset}"`;
}

/** The number format of a numeric column: as many fixed decimals as it is rounded to; percentages with `%`. */
export function numberFormat(format: CellFormat): string | undefined {
  if (format.decimals === null) return undefined;
  const digits = format.decimals > 0 ? `0.${'0'.repeat(format.decimals)}` : '0';
  return format.kind === 'percent' ? `${digits}%` : digits;
}

// Excel refuses longer cell text.
const MAX_XLSX_TEXT = 32_767;

/**
 * One XLSX cell: numbers as numbers in the unit of their header, rounded like CSV (a
 * percentage is stored as its fraction, 0.25 shown as 25.0 %), with a number format of
 * that precision; instants as dates showing the wall time in `zone` and its offset. Text
 * is stored as text, never as a formula.
 */
export function xlsxCell(value: unknown, format: CellFormat, zone: string): XlsxCell {
  if (value === null || value === undefined) return { value: null };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { value: null };
    const written = writtenNumber(value, format);
    const numFmt = numberFormat(format);
    return { value: format.kind === 'percent' ? roundTo(written / 100, (format.decimals ?? 0) + 2) : written, ...(numFmt ? { numFmt } : {}) };
  }
  if (typeof value === 'boolean') return { value };
  if (format.kind === 'datetime') {
    const parsed = instant(value);
    if (parsed) {
      const local = parsed.setZone(zone);
      // The wall-clock fields as a UTC date: that is how exceljs stores a zone-less spreadsheet date.
      const wall = new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond));
      return { value: wall, numFmt: datetimeFormat(local.toFormat('ZZ')) };
    }
  }
  return { value: text(value).slice(0, MAX_XLSX_TEXT) };
}

/** A JSON cell: the GraphQL value as it came (instants stay ISO-8601 with their offset). */
export function jsonCell(value: unknown): unknown {
  return value === undefined ? null : value;
}
