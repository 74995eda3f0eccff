import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Database } from '../db/client.ts';
import { RejectsFile } from './importers/files.ts';
import { Channel, Priority, TicketStatus } from '../generated/prisma/enums.ts';
import { freshdeskExportSource, freshdeskJsonSource } from './importers/freshdesk.ts';
import { checkMapping, loadMapping, mappedCsvSource, type CsvMapping } from './importers/mapping.ts';
import { importSource, type ImportSummary } from './importers/pipeline.ts';
import { checkZone, slug, type ImportSource, type ValueOverrides, type VendorOptions } from './importers/record.ts';
import { zendeskCsvSource, zendeskJsonSource } from './importers/zendesk.ts';
import { MAX_BATCH_ROWS } from './validate.ts';
import { runDatabaseCommand } from './command.ts';

// `npm run import -- <file> --format zendesk|freshdesk|csv [--mapping map.json]
// [--dry-run] [--batch 1000] [--time-zone Europe/Berlin] [--rejects out.csv] [--stats]`
// Writes into the database DATABASE_URL names (default pglite:./data/pglite).

const USAGE = `usage: npm run import -- <file> --format zendesk|freshdesk|csv [options]
  --mapping <map.json>   column mapping (required for --format csv); for zendesk/freshdesk: values, defaults, timeZone, dateFormat, delimiter
  --map field="source value"=VALUE
                         map a value of channel, priority, status or csat (1-5), e.g. --map status="Waiting on Acme"=PENDING (repeatable)
  --default field=VALUE  channel, priority or status for rows that have none (e.g. a file without a Source column)
  --delimiter <c>        CSV delimiter: , ; tab | (default: detected from the header)
  --date-format <fmt>    luxon format of the timestamps, e.g. "dd/MM/yyyy HH:mm" (default: detected)
  --dry-run              validate and count, store nothing
  --batch <n>            rows per transaction, 1-${MAX_BATCH_ROWS} (default ${MAX_BATCH_ROWS})
  --time-zone <zone>     IANA zone of timestamps without offset (zendesk CSV, freshdesk; default UTC)
  --rejects <file>       where rejected rows go (default ./data/<file name>.rejects.csv)
  --stats                also print the summary as one JSON line, with peak memory
The database is the one DATABASE_URL names (default pglite:./data/pglite).
Rows that cannot be imported go to the rejects file: the original columns plus a reason.`;

/** A wrong command line; the message says what to change. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Where the CLI writes. */
export interface CliOutput {
  out: (line: string) => void;
  /** Stream for the progress bar (stderr). */
  progress: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The summary line printed at the end. */
export function formatSummary(summary: ImportSummary, seconds: number, dryRun: boolean): string[] {
  const rate = Math.round(summary.read / Math.max(seconds, 0.001));
  const lines = [
    `${dryRun ? 'dry run (nothing stored): ' : ''}read ${summary.read}, created ${summary.created}, updated ${summary.updated}, ` +
      `unchanged ${summary.unchanged}, rejected ${summary.rejected} in ${seconds.toFixed(1)} s (${rate} rows/s)`,
  ];
  const f = summary.feedback;
  if (f.created + f.updated + f.unchanged + f.rejected > 0) {
    lines.push(`feedback: created ${f.created}, updated ${f.updated}, unchanged ${f.unchanged}, rejected ${f.rejected}`);
  }
  if (summary.deleted + summary.superseded > 0) {
    lines.push(
      `deleted in the source: ${summary.deleted} rows (${summary.removed} stored tickets removed); ` +
        `superseded by a later row of the same ticket: ${summary.superseded}`,
    );
  }
  const e = summary.entitiesCreated;
  if (e.teams + e.agents + e.customers + e.categories > 0) {
    lines.push(`also created: ${e.teams} teams, ${e.agents} agents, ${e.customers} customers, ${e.categories} categories`);
  }
  return lines;
}

/** A parsed command line. */
export interface ImportArgs {
  file: string;
  /** Where rejected rows go. */
  rejectsPath: string;
  source: () => ImportSource;
  batchSize: number;
  dryRun: boolean;
  stats: boolean;
}

/** Parses and checks the command line; throws UsageError saying what to change. */
export function parseImportArgs(argv: string[]): ImportArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        mapping: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        batch: { type: 'string', default: String(MAX_BATCH_ROWS) },
        'time-zone': { type: 'string', default: 'UTC' },
        stats: { type: 'boolean', default: false },
        rejects: { type: 'string' },
        map: { type: 'string', multiple: true, default: [] },
        default: { type: 'string', multiple: true, default: [] },
        delimiter: { type: 'string' },
        'date-format': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  if (positionals.length !== 1) throw new UsageError('give exactly one file to import');
  const file = positionals[0];
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_ROWS) {
    throw new UsageError(`--batch must be a whole number from 1 to ${MAX_BATCH_ROWS}; got "${values.batch}"`);
  }
  let zone: string;
  try {
    zone = checkZone(values['time-zone']);
  } catch (error) {
    throw new UsageError(`--time-zone: ${(error as Error).message}`);
  }
  const format = values.format;
  const overrides = parseMaps(values.map);
  const defaults = parseDefaults(values.default);
  const delimiter = parseDelimiter(values.delimiter);
  const dateFormat = values['date-format'];
  let source: () => ImportSource;
  if (format === 'csv') {
    if (!values.mapping) throw new UsageError('--format csv needs --mapping <map.json> (see the README, "Generic CSV")');
    let mapping: CsvMapping;
    try {
      mapping = loadMapping(values.mapping);
      // Command-line values win over the file's.
      mapping = checkMapping({
        ...mapping,
        values: mergeValues(mapping.values as ValueOverrides | undefined, overrides),
        defaults: { ...mapping.defaults, ...defaults },
        ...(delimiter ? { delimiter } : {}),
        ...(dateFormat ? { dateFormat } : {}),
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    source = () => mappedCsvSource(file, mapping);
  } else if (format === 'zendesk' || format === 'freshdesk') {
    const vendor = vendorOptions(values.mapping, overrides, defaults, zone, dateFormat);
    const table = { delimiter: delimiter ?? vendor.delimiter };
    // Each run gets its own copy: detection writes the date format it finds into it.
    const fresh = (): VendorOptions => ({ ...vendor.options });
    if (format === 'zendesk') {
      source = /\.(csv|tsv|txt)$/i.test(file) ? () => zendeskCsvSource(file, fresh(), table) : () => zendeskJsonSource(file, fresh());
    } else {
      source = /\.(json|ndjson|jsonl)$/i.test(file) ? () => freshdeskJsonSource(file, fresh()) : () => freshdeskExportSource(file, fresh(), table);
    }
  } else {
    throw new UsageError(`--format must be zendesk, freshdesk or csv; got "${format ?? ''}"`);
  }
  const rejectsPath = values.rejects ?? defaultRejectsPath(file);
  return { file, rejectsPath, source, batchSize, dryRun: values['dry-run'], stats: values.stats };
}

const ENUMS: Record<string, Record<string, string>> = { channel: Channel, priority: Priority, status: TicketStatus };

/** Checks one `field → value` override; csat takes a score 1-5. */
function checkOverride(field: string, value: string, where: string): string {
  if (field === 'csat') {
    if (!/^[1-5]$/.test(value)) throw new UsageError(`${where}: csat values are scores from 1 to 5; got "${value}"`);
    return value;
  }
  const allowed = ENUMS[field];
  if (!allowed) throw new UsageError(`${where}: the field must be channel, priority, status or csat; got "${field}"`);
  const upper = value.toUpperCase();
  if (!(upper in allowed)) throw new UsageError(`${where}: "${value}" is not one of ${Object.keys(allowed).join(', ')}`);
  return upper;
}

/** Parses `--map field="source value"=VALUE` options into overrides by slug. */
export function parseMaps(maps: readonly string[]): ValueOverrides {
  const out: ValueOverrides = {};
  for (const map of maps) {
    const first = map.indexOf('=');
    const last = map.lastIndexOf('=');
    if (first <= 0 || last === first) throw new UsageError(`--map ${map}: write it as field="source value"=VALUE, e.g. status="Waiting on Acme"=PENDING`);
    const field = map.slice(0, first).trim();
    const from = map.slice(first + 1, last).trim().replace(/^"(.*)"$/, '$1');
    const to = checkOverride(field, map.slice(last + 1).trim(), `--map ${map}`);
    (out[field] ??= {})[slug(from)] = to;
  }
  return out;
}

/** Parses `--default field=VALUE` options. */
function parseDefaults(list: readonly string[]): VendorOptions['defaults'] & {} {
  const out: Partial<Record<'channel' | 'priority' | 'status', string>> = {};
  for (const item of list) {
    const [field, value, ...rest] = item.split('=');
    if (value === undefined || rest.length > 0 || !['channel', 'priority', 'status'].includes(field)) {
      throw new UsageError(`--default ${item}: write it as channel=EMAIL, priority=NORMAL or status=OPEN`);
    }
    out[field as 'channel'] = checkOverride(field, value, `--default ${item}`);
  }
  return out;
}

/** `--delimiter`: a single character, or "tab". */
function parseDelimiter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === 'tab' || value === '\\t') return '\t';
  if (value.length !== 1) throw new UsageError(`--delimiter must be one character (, ; |) or "tab"; got "${value}"`);
  return value;
}

/** Two sets of overrides, the second winning. */
function mergeValues(a: ValueOverrides | undefined, b: ValueOverrides): ValueOverrides {
  const out: ValueOverrides = {};
  for (const source of [a ?? {}, b]) {
    for (const [field, map] of Object.entries(source)) {
      const target = (out[field] ??= {});
      for (const [from, to] of Object.entries(map ?? {})) target[slug(from)] = to;
    }
  }
  return out;
}

/**
 * The options of a Zendesk or Freshdesk import: a mapping file may give `values`
 * (channel, priority, status, csat), `defaults`, `timeZone`, `dateFormat` and
 * `delimiter`; the command line's --map, --default, --time-zone and --date-format win.
 */
function vendorOptions(
  mappingPath: string | undefined,
  overrides: ValueOverrides,
  defaults: VendorOptions['defaults'] & {},
  zone: string,
  dateFormat: string | undefined,
): { options: VendorOptions; delimiter?: string } {
  let file: { values?: ValueOverrides; defaults?: Record<string, string>; timeZone?: string; dateFormat?: string; delimiter?: string } = {};
  if (mappingPath) {
    try {
      file = JSON.parse(readFileSync(mappingPath, 'utf8'));
    } catch (error) {
      throw new UsageError(`mapping ${mappingPath}: ${(error as Error).message}`);
    }
    const known = ['$comment', 'values', 'defaults', 'timeZone', 'dateFormat', 'delimiter'];
    for (const key of Object.keys(file)) {
      if (!known.includes(key)) throw new UsageError(`mapping ${mappingPath}: unknown key "${key}"; for zendesk and freshdesk the keys are ${known.join(', ')}`);
    }
  }
  const fileValues: ValueOverrides = {};
  for (const [field, map] of Object.entries(file.values ?? {})) {
    for (const [from, to] of Object.entries(map ?? {})) {
      (fileValues[field] ??= {})[slug(from)] = checkOverride(field, String(to), `mapping values.${field}["${from}"]`);
    }
  }
  const fileDefaults: Record<string, string> = {};
  for (const [field, value] of Object.entries(file.defaults ?? {})) fileDefaults[field] = checkOverride(field, String(value), `mapping defaults.${field}`);
  let timeZone = zone;
  if (file.timeZone && zone === 'UTC') {
    try {
      timeZone = checkZone(file.timeZone);
    } catch (error) {
      throw new UsageError(`mapping timeZone: ${(error as Error).message}`);
    }
  }
  return {
    options: {
      zone: timeZone,
      overrides: mergeValues(fileValues, overrides),
      defaults: { ...fileDefaults, ...defaults },
      dateFormat: dateFormat ?? file.dateFormat,
    },
    delimiter: file.delimiter,
  };
}

/**
 * Where rejected rows go unless --rejects says: `./data/<file name>.rejects.csv` under
 * the working folder, never beside the input (which may be read-only or shared).
 */
export function defaultRejectsPath(file: string): string {
  return join(process.cwd(), 'data', `${basename(file)}.rejects.csv`);
}

/**
 * Runs an import as the command line describes it, on the given database (the CLI's
 * own, or a test's). Returns the summary.
 */
export async function runImport(options: ImportArgs, db: Database, output: CliOutput): Promise<ImportSummary> {
  const source = options.source();
  const rejects = new RejectsFile(options.rejectsPath, source.columns);
  await rejects.clear();

  const bar = new cliProgress.SingleBar(
    {
      stream: output.progress,
      format: '{bar} {percentage}% | {rows} rows | {rate} rows/s | {rejected} rejected',
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: null,
    },
    cliProgress.Presets.shades_classic,
  );
  // Peak JS heap, sampled: resourceUsage().maxRSS also counts the database engine's
  // memory when it runs in this process (PGlite), the heap is the importer's own.
  let peakHeapBytes = 0;
  const sample = () => {
    peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
  };
  const sampler = options.stats ? setInterval(sample, 100) : undefined;
  const started = performance.now();
  const rate = (rows: number) => Math.round(rows / Math.max((performance.now() - started) / 1000, 0.001));
  bar.start(Math.max(source.totalBytes, 1), 0, { rows: 0, rate: 0, rejected: 0 });
  let summary: ImportSummary;
  try {
    summary = await importSource(db, source, {
      batchSize: options.batchSize,
      dryRun: options.dryRun,
      onReject: (original, reason) => rejects.write(original, reason),
      onBatch: (s) => bar.update(source.bytesRead(), { rows: s.read, rate: rate(s.read), rejected: s.rejected }),
    });
  } finally {
    clearInterval(sampler);
    bar.stop();
    await rejects.close();
  }
  const seconds = (performance.now() - started) / 1000;
  for (const line of formatSummary(summary, seconds, options.dryRun)) output.out(line);
  if (rejects.count > 0) output.out(`rejected rows and reasons: ${rejects.path}`);
  if (options.stats) {
    const usage = process.resourceUsage();
    output.out(
      JSON.stringify({
        ...summary,
        seconds: Number(seconds.toFixed(3)),
        rowsPerSecond: rate(summary.read),
        // resourceUsage().maxRSS is in kilobytes.
        maxRssBytes: usage.maxRSS * 1024,
        peakHeapBytes: Math.max(peakHeapBytes, process.memoryUsage().heapUsed),
      }),
    );
  }
  return summary;
}

async function main(): Promise<void> {
  await runDatabaseCommand('import', USAGE, (error) => error instanceof UsageError, () => parseImportArgs(process.argv.slice(2)), async (args, db) => {
    await runImport(args, db, { out: (line) => console.log(line), progress: process.stderr });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
