import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import ExcelJS from 'exceljs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify, type Stringifier } from 'csv-stringify';
import type { ImportSource, OriginalRow, PrepareSource, SourceRow } from './record.ts';

// Streaming readers and the rejects writer. Nothing here holds more than one row (plus
// the streams' own buffers), so memory stays flat whatever the file size.

/** A file stream that counts the bytes it has handed on (for the progress bar). */
function countingStream(path: string): { stream: NodeJS.ReadableStream; bytesRead: () => number; totalBytes: number } {
  let bytes = 0;
  // A transform rather than a 'data' listener: a listener would start the flow before
  // the parser is attached and lose the first chunks.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const file = createReadStream(path);
  file.on('error', (error) => counter.destroy(error));
  return { stream: file.pipe(counter), bytesRead: () => bytes, totalBytes: statSync(path).size };
}

/** Rows read ahead, before any is converted, for a format to settle what it detects. */
export const SAMPLE_ROWS = 200;


/** Options of the spreadsheet-like readers. */
export interface TableSourceOptions {
  /** Field delimiter; absent: detected from the header line (`,` `;` tab or `|`). */
  delimiter?: string;
  prepare?: PrepareSource;
}

const DELIMITERS = [',', ';', '\t', '|'];

/**
 * The delimiter a header line uses: the candidate that occurs most often outside
 * quotes (Excel writes `;` where the decimal separator is a comma). Ties and headers
 * without any candidate fall back to `,`.
 */
export function detectDelimiter(header: string): string {
  const counts = new Map(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** The first line of a file (up to 64 KB), without a byte-order mark. */
function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(65_536);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, n).toString('utf8').replace(/^\ufeff/, '');
    return text.split(/\r?\n/, 1)[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

/** Reads ahead SAMPLE_ROWS records, runs `prepare`, then converts every record in order. */
async function* preparedRows(
  records: AsyncIterable<OriginalRow>,
  columns: () => string[],
  convert: (line: number, row: OriginalRow) => SourceRow,
  prepare: PrepareSource | undefined,
): AsyncGenerator<SourceRow> {
  const iterator = records[Symbol.asyncIterator]();
  const sample: OriginalRow[] = [];
  let done = false;
  while (sample.length < SAMPLE_ROWS) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    sample.push(next.value);
  }
  prepare?.(columns(), sample);
  let line = 0;
  for (const record of sample) yield convert((line += 1), record);
  if (done) return;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield convert((line += 1), next.value);
}

/**
 * Streams a CSV file with a header row, converting each data row with `convert`
 * (given the row's number, from 1, and its cells by column name). A byte-order mark is
 * skipped; the delimiter is detected from the header unless given.
 */
export function csvSource(path: string, convert: (line: number, row: OriginalRow) => SourceRow, options: TableSourceOptions = {}): ImportSource {
  const { stream, bytesRead, totalBytes } = countingStream(path);
  let columns: string[] = [];
  const parser = stream.pipe(
    parse({
      bom: true,
      delimiter: options.delimiter ?? detectDelimiter(firstLine(path)),
      columns: (header: string[]) => {
        columns = header.map((h) => h.trim());
        return columns;
      },
      skip_empty_lines: true,
      relax_column_count: true,
      trim: false,
    }),
  );
  return { rows: preparedRows(parser as AsyncIterable<OriginalRow>, () => columns, convert, options.prepare), columns: () => columns, bytesRead, totalBytes };
}

/** Milliseconds from Excel's day zero (1899-12-30) to the Unix epoch. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/**
 * A spreadsheet cell as the text a CSV export would hold. Excel stores date-times
 * without a zone and exceljs hands them over as if they were UTC, so their UTC fields
 * are the wall-clock time (read later in the import's zone). A duration cell (02:05:11,
 * or 64:00:00, stored as day zero plus 2 days 16 hours) becomes `hh:mm:ss`.
 */
export function spreadsheetCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const ms = value.getTime();
    const pad = (n: number) => String(n).padStart(2, '0');
    // Before 1901 can only be a duration: 64:00:00 is day zero plus 2 days 16 hours.
    if (ms < Date.UTC(1901, 0, 1)) {
      const seconds = Math.round((ms - EXCEL_EPOCH_MS) / 1000);
      return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
    }
    return (
      `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())} ` +
      `${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`
    );
  }
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown; hyperlink?: string; error?: string };
    if (Array.isArray(v.richText)) return v.richText.map((part) => part.text).join('');
    if ('result' in v) return spreadsheetCellText(v.result);
    if (v.text !== undefined) return spreadsheetCellText(v.text);
    if (v.error !== undefined) return '';
    return '';
  }
  return String(value);
}

/**
 * Streams the first worksheet of an XLSX file (exceljs' streaming reader) as rows keyed
 * by the header row, like a CSV export of the same sheet.
 */
export function xlsxSource(path: string, convert: (line: number, row: OriginalRow) => SourceRow, options: TableSourceOptions = {}): ImportSource {
  const { stream, bytesRead, totalBytes } = countingStream(path);
  let columns: string[] = [];
  async function* records(): AsyncGenerator<OriginalRow> {
    const workbook = new ExcelJS.stream.xlsx.WorkbookReader(stream as unknown as import('node:stream').Stream, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'cache',
    });
    for await (const sheet of workbook) {
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1).map(spreadsheetCellText);
        if (columns.length === 0) {
          columns = values.map((v) => v.trim());
          continue;
        }
        if (values.every((v) => v.trim() === '')) continue;
        const record: OriginalRow = {};
        columns.forEach((column, i) => {
          if (column !== '') record[column] = values[i] ?? '';
        });
        yield record;
      }
      // Only the first sheet is the export.
      break;
    }
  }
  return { rows: preparedRows(records(), () => columns, convert, options.prepare), columns: () => columns, bytesRead, totalBytes };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** A JSON value found in a file, with the line it starts on (from 1). */
export interface JsonValueText {
  line: number;
  text: string;
  /** The value parsed, when the line was one whole object (NDJSON) and so already parsed. */
  parsed?: { value: unknown };
}

/**
 * Splits lines of JSON text into values without parsing them: NDJSON (one value per
 * line), pretty-printed values one after another (what `curl | jq` writes for each
 * page), and a top-level array, whose elements come out one by one (`jq -s`, Freshdesk's
 * list endpoint). A UTF-8 byte-order mark is skipped. Only one value is held at a time,
 * so memory is bounded by the largest value (a Zendesk page holds at most 1000
 * tickets). The scanner only tracks strings and nesting; each value is then handed
 * whole to `JSON.parse`, which is much faster than a streaming parser.
 * A value cut off mid-way (a raw line break inside a string, or a new unindented `{`
 * while one is still open) is yielded as it is, so it fails to parse on its own and the
 * values after it are still found.
 */
export async function* jsonValues(lines: AsyncIterable<string>): AsyncGenerator<JsonValueText> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** Inside a top-level array: its elements are the values. */
  let inArray = false;
  let lineNo = 0;
  let startLine = 0;
  let parts: string[] = [];
  let open = false; // a value has started and not ended
  const take = (): JsonValueText => {
    const value = { line: startLine, text: parts.join('\n') };
    parts = [];
    open = false;
    depth = inArray ? 1 : 0;
    inString = false;
    escaped = false;
    return value;
  };
  for await (let text of lines) {
    lineNo += 1;
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // An NDJSON line, one whole object, is parsed as it is: scanning its characters in
    // JavaScript cost a Zendesk import as much as parsing them. One that does not parse
    // (two values on a line, a value cut off) is scanned below.
    if (!open && !inArray && text.charCodeAt(0) === OPEN_BRACE && text.charCodeAt(text.length - 1) === CLOSE_BRACE) {
      let value: unknown;
      let whole = true;
      try {
        value = JSON.parse(text);
      } catch {
        whole = false;
      }
      if (whole) {
        yield { line: lineNo, text, parsed: { value } };
        continue;
      }
    }
    if (open && (inString || (!inArray && (text.charCodeAt(0) === OPEN_BRACE || text.charCodeAt(0) === OPEN_BRACKET)))) {
      // JSON strings cannot hold a raw line break, and a pretty-printed value never
      // starts a line with an unindented bracket: the open value was cut off.
      yield take();
    }
    let from = open ? 0 : -1;
    for (let i = 0; i < text.length; i += 1) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      const base = inArray ? 1 : 0;
      if (!open) {
        if (c <= 0x20 || (inArray && c === COMMA)) continue;
        if (!inArray && c === OPEN_BRACKET && depth === 0 && parts.length === 0 && startsArrayOfValues(text, i)) {
          inArray = true;
          depth = 1;
          continue;
        }
        if (inArray && c === CLOSE_BRACKET) {
          inArray = false;
          depth = 0;
          continue;
        }
        open = true;
        from = i;
        startLine = lineNo;
        if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
        else {
          // A bare scalar (number, true, null…) ends at the next separator.
          let j = i + 1;
          while (j < text.length && text[j] !== ',' && text[j] !== ']' && text.charCodeAt(j) > 0x20) j += 1;
          parts.push(text.slice(i, j));
          yield take();
          from = -1;
          i = j - 1;
        }
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth -= 1;
        if (depth === base) {
          parts.push(text.slice(from, i + 1));
          yield take();
          from = -1;
        }
      }
    }
    if (open && from !== -1) parts.push(text.slice(from));
  }
  if (open) yield take();
}

/**
 * Whether the `[` at `at` opens an array of values to stream one by one: a file whose
 * first value is an array of objects (`[{` or `[` then a line break), as opposed to an
 * NDJSON line that happens to be an array of scalars.
 */
function startsArrayOfValues(text: string, at: number): boolean {
  const rest = text.slice(at + 1).trimStart();
  return rest === '' || rest.startsWith('{') || rest.startsWith('[');
}

/**
 * Streams a file of JSON values (NDJSON, pretty-printed values one after another, or a
 * top-level array of them), converting each value. A value that is not valid JSON is
 * reported as an unreadable row and the rest of the file is still read.
 */
export function jsonSource(path: string, convert: (line: number, value: unknown, text: string) => Iterable<SourceRow>): ImportSource {
  const { stream, bytesRead, totalBytes } = countingStream(path);
  async function* rows(): AsyncGenerator<SourceRow> {
    for await (const { line, text, parsed } of jsonValues(createInterface({ input: stream, crlfDelay: Infinity }))) {
      let value: unknown = parsed?.value;
      try {
        if (!parsed) value = JSON.parse(text);
      } catch (error) {
        yield { line, original: { line: String(line), record: text }, error: `not valid JSON: ${(error as Error).message}` };
        continue;
      }
      yield* convert(line, value, text);
    }
  }
  return { rows: rows(), columns: () => ['line', 'record'], bytesRead, totalBytes };
}

/** The rejects file of an import: `<file>.rejects.csv`, the original columns plus `reason`. */
export class RejectsFile {
  #out: Stringifier | null = null;
  #file: WriteStream | null = null;
  #count = 0;

  constructor(
    readonly path: string,
    private readonly columns: () => string[],
  ) {}

  /** Removes the rejects file of an earlier run, so the file always matches this run. */
  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }

  /** Rows written so far. */
  get count(): number {
    return this.#count;
  }

  /** Appends a row with its reason (creating the file on the first reject). */
  async write(original: OriginalRow, reason: string): Promise<void> {
    if (!this.#out) {
      const columns = [...this.columns()];
      if (columns.length === 0) columns.push(...Object.keys(original));
      mkdirSync(dirname(this.path), { recursive: true });
      this.#file = createWriteStream(this.path);
      this.#out = stringify({ header: true, columns: [...columns, 'reason'] });
      this.#out.pipe(this.#file);
    }
    this.#count += 1;
    if (!this.#out.write({ ...original, reason })) await once(this.#out, 'drain');
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (!this.#out || !this.#file) return;
    const done = once(this.#file, 'finish');
    this.#out.end();
    await done;
  }
}
