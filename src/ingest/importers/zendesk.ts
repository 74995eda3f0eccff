import { zendeskCsvRecord, zendeskValueRows } from '../sources/zendesk/tickets.ts';
import { csvSource, jsonSource, type TableSourceOptions } from './files.ts';
import { cellsBySlug, slug, type ImportSource, type VendorOptions } from './record.ts';
import { detectDateFormat } from './dates.ts';

// Zendesk files: ticket JSON as the API writes it (NDJSON, pretty-printed pages, a JSON
// array; pages with their side-loads) and the CSV export of the admin center. The
// vendor mapping lives in sources/zendesk, shared with the sync.

/** Zendesk ticket JSON: pages (with side-loads), single tickets or ticket objects, in any JSON layout. */
export function zendeskJsonSource(path: string, options: Pick<VendorOptions, 'overrides'> = {}): ImportSource {
  return jsonSource(path, (line, value, raw) => zendeskValueRows(line, value, raw, options));
}

/** Zendesk's CSV ticket export; naive timestamps are read in `options.zone`. */
export function zendeskCsvSource(path: string, options: VendorOptions, table: Pick<TableSourceOptions, 'delimiter'> = {}): ImportSource {
  return csvSource(path, (line, row) => zendeskCsvRecord(line, row, options), {
    ...table,
    prepare: (columns, sample) => {
      const have = new Set(columns.map(slug));
      const missing = ['Id', 'Status', 'Created at', ...(options.defaults?.channel ? [] : ['Via'])].filter((c) => !have.has(slug(c)));
      if (missing.length > 0) {
        throw new Error(`the file has no ${missing.map((m) => `"${m}"`).join(', ')} column; its columns are: ${columns.join(', ')}`);
      }
      if (!options.dateFormat) {
        options.dateFormat = detectDateFormat(
          sample.flatMap((row) => ['created_at', 'solved_at', 'updated_at'].map(cellsBySlug(row)).filter((v): v is string => v !== null)),
        );
      }
    },
  });
}
