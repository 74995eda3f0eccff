import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify, type Stringifier } from 'csv-stringify';
import type { ImportSource, OriginalRow, SourceRow } from './record.ts';

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

/**
 * Streams a CSV file with a header row, converting each data row with `convert`
 * (given the row's number, from 1, and its cells by column name).
 */
export function csvSource(
  path: string,
  convert: (line: number, row: OriginalRow) => SourceRow,
  options: { delimiter?: string } = {},
): ImportSource {
  const { stream, bytesRead, totalBytes } = countingStream(path);
  let columns: string[] = [];
  const parser = stream.pipe(
    parse({
      bom: true,
      delimiter: options.delimiter ?? ',',
      columns: (header: string[]) => {
        columns = header.map((h) => h.trim());
        return columns;
      },
      skip_empty_lines: true,
      relax_column_count: true,
      trim: false,
    }),
  );
  async function* rows(): AsyncGenerator<SourceRow> {
    let line = 0;
    for await (const record of parser as AsyncIterable<OriginalRow>) {
      line += 1;
      yield convert(line, record);
    }
  }
  return { rows: rows(), columns: () => columns, bytesRead, totalBytes };
}

/** Streams a file of one JSON value per line (NDJSON), converting each value. */
export function ndjsonSource(path: string, convert: (line: number, value: unknown, text: string) => Iterable<SourceRow>): ImportSource {
  const { stream, bytesRead, totalBytes } = countingStream(path);
  async function* rows(): AsyncGenerator<SourceRow> {
    let line = 0;
    for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
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
