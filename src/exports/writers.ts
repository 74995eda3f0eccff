import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { csvCell, escapeFormula, jsonCell, numberFormat, writtenNumber, xlsxCell } from './cells.ts';
import type { Row } from './flatten.ts';
import type { Column } from './plan.ts';

/** A table to write: its columns and its rows, arriving in batches (one per page). */
export interface TableSource {
  name: string;
  columns: Column[];
  batches: AsyncIterable<Row[]>;
}

/** Counts kept while a file is written. */
export interface WriteStats {
  rows: number;
}

/** Options every writer takes. */
export interface WriterOptions {
  /** IANA zone instants are shown in (CSV and XLSX). */
  timeZone: string;
  /** CSV: start with a UTF-8 byte order mark, so Excel reads the file as UTF-8. */
  bom?: boolean;
}

const encoder = new TextEncoder();

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * A CSV text field whose every line is formula-safe: a reader that splits a quoted
 * multi-line cell (or a spreadsheet showing its lines) sees each line's start, so the
 * formula check runs on each of them, not only on the first.
 */
export function csvSafeLines(text: string): string {
  if (!LINE_BREAK.test(text)) return text;
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part, i) => (i % 2 === 0 && i > 0 ? escapeFormula(part) : part))
    .join('');
}

/**
 * Writes one table as RFC 4180 CSV: UTF-8, CRLF line ends, a header row of readable
 * headers with units (cells see `csvCell`), fields quoted
 * when they hold a comma, quote, CR or LF (csv-stringify quotes only its own record
 * delimiter, so a bare LF or CR would start a new row); one chunk per batch.
 */
export async function* csvChunks(table: TableSource, options: WriterOptions, stats: WriteStats): AsyncGenerator<Uint8Array> {
  const format = (rows: string[][]) => stringify(rows, { record_delimiter: '\r\n', quoted_match: /[\r\n]/ });
  yield encoder.encode((options.bom ? '\uFEFF' : '') + format([table.columns.map((c) => csvSafeLines(escapeFormula(c.header)))]));
  for await (const batch of table.batches) {
    stats.rows += batch.length;
    if (batch.length === 0) continue;
    yield encoder.encode(format(batch.map((row) => row.map((value, i) => csvSafeLines(csvCell(value, table.columns[i], options.timeZone))))));
  }
}

/** Writes one table as a JSON array of objects keyed by column path (`metrics.csat.score`), values as GraphQL returned them, unrounded. */
export async function* jsonChunks(table: TableSource, stats: WriteStats): AsyncGenerator<Uint8Array> {
  yield encoder.encode('[');
  let first = true;
  for await (const batch of table.batches) {
    stats.rows += batch.length;
    if (batch.length === 0) continue;
    const text = batch
      .map((row) => {
        const object: Record<string, unknown> = {};
        table.columns.forEach((column, i) => {
          object[column.name] = jsonCell(row[i]);
        });
        const line = `${first ? '\n' : ',\n'}${JSON.stringify(object)}`;
        first = false;
        return line;
      })
      .join('');
    yield encoder.encode(text);
  }
  yield encoder.encode(first ? ']\n' : '\n]\n');
}

/** Length of a value as the sheet shows it: the rounded number with its fixed decimals, the date with its offset. */
function displayLength(value: unknown, column: Column): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 0;
    const written = writtenNumber(value, column);
    return (column.decimals === null ? String(written) : written.toFixed(column.decimals)).length + (column.kind === 'percent' ? 1 : 0);
  }
  // yyyy-mm-ddThh:mm:ss+hh:mm
  if (column.kind === 'datetime') return 25;
  return String(Array.isArray(value) ? value.join(', ') : value).length;
}

/** Column widths from the header and the written values of the first batch: wide enough to read, at most 60. */
export function columnWidths(columns: Column[], sample: Row[]): number[] {
  return columns.map((column, i) => {
    const longest = sample.reduce((max, row) => Math.max(max, displayLength(row[i], column)), column.header.length);
    return Math.min(Math.max(longest + 2, 8), 60);
  });
}

function openSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, table: TableSource, sample: Row[]): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(table.name, { views: [{ state: 'frozen', ySplit: 1 }] });
  const widths = columnWidths(table.columns, sample);
  sheet.columns = table.columns.map((column, i) => {
    const numFmt = numberFormat(column);
    return { header: column.header, key: `c${i}`, width: widths[i], ...(numFmt ? { style: { numFmt } } : {}) };
  });
  const header = sheet.getRow(1);
  // A named font: without one LibreOffice falls back to a serif face.
  header.font = { name: 'Calibri', size: 11, bold: true };
  header.commit();
  return sheet;
}

/**
 * Writes tables as an XLSX workbook, one sheet each, streaming: rows are committed as
 * they arrive and the producer waits whenever the reader falls behind. Cells are typed
 * (see `xlsxCell`), the header row (readable headers with units) is bold in a named
 * font and frozen, widths fit the header and the first page's written values.
 */
export async function* xlsxChunks(tables: TableSource[], options: WriterOptions, stats: WriteStats): AsyncGenerator<Uint8Array> {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  let failure: unknown = null;
  const producer = (async () => {
    try {
      for (const table of tables) {
        let sheet: ExcelJS.Worksheet | null = null;
        for await (const batch of table.batches) {
          sheet ??= openSheet(workbook, table, batch);
          for (const row of batch) {
            const cells = row.map((value, i) => xlsxCell(value, table.columns[i], options.timeZone));
            const added = sheet.addRow(cells.map((c) => c.value));
            cells.forEach((cell, i) => {
              if (cell.numFmt) added.getCell(i + 1).numFmt = cell.numFmt;
            });
            added.commit();
          }
          stats.rows += batch.length;
          // Let zlib and the zip stream run: an in-process database may answer the next
          // page without ever returning to the event loop.
          await new Promise((resolve) => setImmediate(resolve));
          if (output.writableNeedDrain) await Promise.race([once(output, 'drain'), once(output, 'close')]);
          if (output.destroyed) return; // the reader went away: stop fetching pages
        }
        sheet ??= openSheet(workbook, table, []);
        sheet.commit();
      }
      await workbook.commit();
    } catch (error) {
      failure = error;
      output.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of output) yield chunk as Uint8Array;
  } catch (error) {
    await producer;
    throw failure ?? error;
  } finally {
    output.destroy();
  }
  await producer;
  if (failure) throw failure;
}
