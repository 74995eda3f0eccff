import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bulkTicketsFixture, postExport } from './helpers.ts';

const ROWS = 100_000;
// XLSX costs more CPU per row; a quarter of the rows shows the same streaming behaviour.
const XLSX_ROWS = 25_000;
const MEMORY_LIMIT = 300 * 1024 * 1024;

const bulk = bulkTicketsFixture(ROWS);

// Every ticket of the test database (all bulk), oldest first: an index scan per page.
const QUERY = `{ tickets(orderBy: { field: CREATED_AT, direction: ASC }) {
  nodes { externalId subject channel status createdAt tags agentReplies }
} }`;
// The first XLSX_ROWS tickets: created one a minute from 2025-01-01 00:01 UTC.
const XLSX_QUERY = `{ tickets(filter: { createdAt: { from: "2025-01-01T00:00:00Z", to: "2025-01-18T08:41:00Z" } }, orderBy: { field: CREATED_AT, direction: ASC }) {
  nodes { externalId subject channel status createdAt tags agentReplies }
} }`;

/**
 * Reads a response body chunk by chunk and returns how far the resident memory of this
 * process rose above where it was before the export. (With PGlite the embedded database
 * lives in this process too and holds most of its memory before the export starts.)
 */
async function drain(response: Response, before: number, onFirstChunk: () => void, onChunk: (chunk: Uint8Array) => void): Promise<number> {
  const reader = response.body!.getReader();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  let first = true;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (first) onFirstChunk();
      first = false;
      onChunk(value);
    }
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage().rss) - before;
}

describe('large exports stream', () => {
  it(`exports ${ROWS.toLocaleString('en')} tickets as CSV: first bytes before paging ends, memory under 300 MB`, async () => {
    const statementsBefore = bulk.db.statementCount();
    const rssBefore = process.memoryUsage().rss;
    const response = await postExport(bulk.server, { query: QUERY, format: 'csv' });
    expect(response.status).toBe(200);
    let statementsAtFirstChunk = 0;
    let lines = 0;
    let tail = '';
    const decoder = new TextDecoder();
    const growth = await drain(
      response,
      rssBefore,
      () => {
        statementsAtFirstChunk = bulk.db.statementCount() - statementsBefore;
      },
      (chunk) => {
        const text = tail + decoder.decode(chunk, { stream: true });
        const parts = text.split('\r\n');
        tail = parts.pop() ?? '';
        lines += parts.length;
        if (lines === parts.length) expect(parts[0]).toBe('External ID,Subject,Channel,Status,Created at,Tags,Agent replies');
      },
    );
    const statements = bulk.db.statementCount() - statementsBefore;
    // Header plus one line per ticket; the last line ends with CRLF too.
    expect(lines).toBe(ROWS + 1);
    expect(tail).toBe('');
    // 1000 pages of 100 were fetched, but the first bytes came after one or two of them.
    expect(statements).toBeGreaterThanOrEqual(ROWS / 100);
    expect(statementsAtFirstChunk).toBeLessThan(10);
    expect(growth).toBeLessThan(MEMORY_LIMIT);
  }, 600_000);

  it(`exports ${XLSX_ROWS.toLocaleString('en')} tickets as XLSX, streaming, with memory under 300 MB`, async () => {
    const statementsBefore = bulk.db.statementCount();
    const rssBefore = process.memoryUsage().rss;
    const response = await postExport(bulk.server, { query: XLSX_QUERY, format: 'xlsx' });
    expect(response.status).toBe(200);
    let statementsAtFirstChunk = 0;
    const chunks: Uint8Array[] = [];
    const growth = await drain(
      response,
      rssBefore,
      () => {
        statementsAtFirstChunk = bulk.db.statementCount() - statementsBefore;
      },
      (chunk) => chunks.push(chunk),
    );
    // The zip stream starts while pages are still being fetched.
    expect(statementsAtFirstChunk).toBeLessThan((bulk.db.statementCount() - statementsBefore) / 2);
    expect(growth).toBeLessThan(MEMORY_LIMIT);
    // Read it back with a streaming reader and count the rows.
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(Buffer.concat(chunks)), {});
    let rows = 0;
    let last: unknown[] = [];
    for await (const sheet of reader) {
      for await (const row of sheet) {
        rows += 1;
        last = row.values as unknown[];
      }
    }
    expect(rows).toBe(XLSX_ROWS + 1);
    expect(last.slice(1, 3)).toEqual([`bulk-${String(XLSX_ROWS).padStart(7, '0')}`, `Bulk ticket number ${XLSX_ROWS}`]);
  }, 300_000);
});
