import { badInput } from '../errors.ts';
import { prepareQuery, exportTimeZone, type ContextSource, type GraphqlGateway, type QueryInput } from './execute.ts';
import { rowsOfResult, type Row } from './flatten.ts';
import { allColumns, type ExportTable } from './plan.ts';
import { csvChunks, jsonChunks, xlsxChunks, type TableSource, type WriteStats } from './writers.ts';

/** The file formats an export can have. */
export type ExportFormatName = 'csv' | 'xlsx' | 'json';

/** File extension and media type of each format. */
export const FORMATS: Record<ExportFormatName, { contentType: string; extension: string }> = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
};

/** Reads a format name as clients send it (`csv`, `XLSX`, ...). */
export function parseFormat(value: unknown): ExportFormatName {
  const name = typeof value === 'string' ? value.toLowerCase() : '';
  if (name === 'csv' || name === 'xlsx' || name === 'json') return name;
  throw badInput(`format ${JSON.stringify(value ?? null)} is not supported; use csv, xlsx or json`, { argument: 'format' });
}

/** How to write an export. */
export interface ExportOptions {
  format: ExportFormatName;
  /** CSV only: start with a byte order mark for Excel. */
  bom?: boolean;
  /** Zone to show instants in; default: the query's timeZone, else UTC. */
  timeZone?: string | null;
}

/** An export ready to stream: the query already answered its first page. */
export interface ExportFile {
  contentType: string;
  extension: string;
  timeZone: string;
  /** The file's bytes, produced as they are read (later pages are fetched on demand). */
  chunks: AsyncGenerator<Uint8Array>;
  /** Rows written so far (final once `chunks` is drained). */
  stats: WriteStats;
}

async function* batchesOf(pages: AsyncGenerator<unknown>, table: ExportTable): AsyncGenerator<Row[]> {
  for await (const data of pages) yield rowsOfResult(data, table.plan, table.isList);
}

/**
 * Runs a query through the server's pipeline and returns its result as a streaming
 * file. Errors in the query, its rights or its first page are thrown here, before any
 * byte; a later page that fails ends the stream with that error.
 */
export async function openExport(gateway: GraphqlGateway, source: ContextSource, input: QueryInput, options: ExportOptions): Promise<ExportFile> {
  const prepared = await prepareQuery(gateway, source, input, { allowSeveralTables: options.format === 'xlsx' });
  const timeZone = exportTimeZone(prepared.plan.operation, prepared.variables, options.timeZone);
  const stats: WriteStats = { rows: 0 };
  const tables = prepared.plan.tables;
  let chunks: AsyncGenerator<Uint8Array>;
  if (tables.length === 1) {
    const source: TableSource = { name: tables[0].name, columns: allColumns(tables[0].plan), batches: batchesOf(prepared.pages(), tables[0]) };
    chunks =
      options.format === 'csv'
        ? csvChunks(source, { timeZone, bom: options.bom }, stats)
        : options.format === 'json'
          ? jsonChunks(source, stats)
          : xlsxChunks([source], { timeZone }, stats);
  } else {
    // Several lists (XLSX only): one execution without paging; every sheet reads the same data.
    const data = (await prepared.pages().next()).value;
    const sources = tables.map(
      (table): TableSource => ({
        name: table.name,
        columns: allColumns(table.plan),
        batches: (async function* () {
          yield rowsOfResult(data, table.plan, table.isList);
        })(),
      }),
    );
    chunks = xlsxChunks(sources, { timeZone }, stats);
  }
  return { ...FORMATS[options.format], timeZone, chunks, stats };
}

/** A web stream of an export's chunks that pulls the next page only when the reader asks. */
export function toReadableStream(chunks: AsyncGenerator<Uint8Array>, onDone?: (error: unknown) => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) {
            controller.close();
            onDone?.(null);
          } else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
          onDone?.(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
