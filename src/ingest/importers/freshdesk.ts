import { freshdeskApiTicketRecord } from '../sources/freshdesk/api.ts';
import { freshdeskRecord, prepareFreshdesk } from '../sources/freshdesk/csv.ts';
import { csvSource, jsonSource, xlsxSource, type TableSourceOptions } from './files.ts';
import type { ImportSource, VendorOptions } from './record.ts';

// Freshdesk files: the ticket export as CSV (also Excel re-saves) or XLSX, and API
// ticket JSON (`GET /api/v2/tickets?include=stats,requester` responses: arrays, NDJSON
// or pretty-printed). The vendor mapping lives in sources/freshdesk, shared with the sync.

/** A Freshdesk ticket export (CSV or, by extension, XLSX); naive timestamps in `options.zone`. */
export function freshdeskExportSource(path: string, options: VendorOptions, table: Pick<TableSourceOptions, 'delimiter'> = {}): ImportSource {
  const read = /\.xlsx$/i.test(path) ? xlsxSource : csvSource;
  return read(path, (line, row) => freshdeskRecord(line, row, options), { ...table, prepare: prepareFreshdesk(options) });
}

/** Freshdesk API ticket JSON; a value holding a list of tickets yields each. */
export function freshdeskJsonSource(path: string, options: Pick<VendorOptions, 'overrides'> = {}): ImportSource {
  return jsonSource(path, function* (line, value, raw) {
    const tickets = Array.isArray(value) ? value : [value];
    for (const ticket of tickets) {
      yield freshdeskApiTicketRecord(line, ticket, { line: String(line), record: tickets.length > 1 ? JSON.stringify(ticket) : raw }, options);
    }
  });
}
