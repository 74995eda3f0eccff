import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { parseImportArgs, runImport } from '../../src/ingest/cli.ts';
import { tableChecksums } from './helpers.ts';

// The public Kaggle-derived dataset next to the repository (CI has it there too),
// imported through the shipped mapping; the rejects file goes to a temp folder so the
// shared folder stays untouched.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATASET = join(ROOT, '../shared/datasets/customer_support_tickets.csv');
const MAPPING = join(ROOT, 'seeds/mappings/customer-support-tickets.json');

let db: TestDatabase;
let dir: string;
let rejectsPath: string;

const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream;
const importDataset = () =>
  runImport(parseImportArgs([DATASET, '--format', 'csv', '--mapping', MAPPING, '--rejects', rejectsPath]), db, {
    out: () => undefined,
    progress: quiet,
  });

beforeAll(async () => {
  db = await openTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'sg-dataset-'));
  rejectsPath = join(dir, 'rejects.csv');
});

afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('customer_support_tickets.csv', () => {
  it('imports the rows that make sense and rejects those resolved before their first response', async () => {
    const summary = await importDataset();
    // Computed once, independently of this code, with:
    //   python3 -c "import csv,datetime as d; p=lambda s:d.datetime.strptime(s,'%Y-%m-%d %H:%M');
    //     r=list(csv.DictReader(open('../shared/datasets/customer_support_tickets.csv')));
    //     ok=[x for x in r if p(x['Time_to_Resolution'])>=p(x['First_Response_Time'])];
    //     s=[int(x['Customer_Satisfaction_Rating']) for x in ok];
    //     print(len(r),len(ok),len(r)-len(ok),sum(s),sum(v>=4 for v in s),
    //           len({x['Customer_Email'] for x in ok}),len({x['Ticket_Type'] for x in ok}))"
    //   → 2769 1404 1365 4252 573 1397 5
    expect(summary).toMatchObject({ read: 2769, created: 1404, updated: 0, unchanged: 0, rejected: 1365 });
    expect(existsSync(`${DATASET}.rejects.csv`)).toBe(false);
    expect(summary.feedback).toEqual({ created: 1404, updated: 0, unchanged: 0, rejected: 0 });
    expect(summary.entitiesCreated).toEqual({ teams: 0, agents: 0, customers: 1397, categories: 5 });

    const rejected = parse(readFileSync(rejectsPath), { columns: true }) as Record<string, string>[];
    expect(rejected).toHaveLength(1365);
    expect(rejected.every((row) => /^solvedAt: solve at .* is before the ticket was created/.test(row.reason))).toBe(true);
    // The original columns come back unchanged, plus the reason.
    expect(Object.keys(rejected[0])).toEqual([
      'Ticket_ID', 'Customer_Name', 'Customer_Email', 'Customer_Age', 'Customer_Gender', 'Product_Purchased',
      'Date_of_Purchase', 'Ticket_Type', 'Ticket_Subject', 'Ticket_Priority', 'Ticket_Channel',
      'First_Response_Time', 'Time_to_Resolution', 'Customer_Satisfaction_Rating', 'reason',
    ]);
    expect(rejected[0]).toMatchObject({ Ticket_ID: '4', First_Response_Time: '2023-06-01 7:29', Time_to_Resolution: '2023-06-01 1:57' });
  });

  it('stores CSAT for the accepted tickets: 1404 responses, average 4252/1404, 573 rated 4-5', async () => {
    const [row] = await db.driver.query<{ responses: number; total: number; average: string; score: string }>(
      `SELECT count(*)::int AS responses, sum(score)::int AS total, round(avg(score), 6)::text AS average,
              round(100.0 * count(*) FILTER (WHERE score >= 4) / count(*), 6)::text AS score
       FROM "Feedback" WHERE kind = 'CSAT'`,
    );
    // 4252 / 1404 = 3.028490…; 573 / 1404 × 100 = 40.811966… (python figures above).
    expect(row).toEqual({ responses: 1404, total: 4252, average: '3.028490', score: '40.811966' });
  });

  it('maps one row as the mapping documents', async () => {
    // Source row: 3,Christopher Robbins,gonzalestracy@example.com,…,Technical issue,Network problem,Low,
    //             Social media,2023-06-01 11:14,2023-06-01 18:05,3
    const [ticket] = await db.driver.query<Record<string, unknown>>(
      `SELECT t.subject, t.channel, t.priority, t.status, t."createdAt", t."firstResponseAt", t."solvedAt",
              c.email, c.name AS customer, cat.name AS category, f.score, f."createdAt" AS "ratedAt"
       FROM "Ticket" t JOIN "Customer" c ON c.id = t."customerId" JOIN "Category" cat ON cat.id = t."categoryId"
       JOIN "Feedback" f ON f."ticketId" = t.id
       WHERE t."externalId" = 'cst:3'`,
    );
    expect(ticket).toEqual({
      subject: 'Network problem',
      channel: 'SOCIAL',
      priority: 'LOW',
      status: 'CLOSED',
      createdAt: new Date('2023-06-01T11:14:00Z'),
      firstResponseAt: null,
      solvedAt: new Date('2023-06-01T18:05:00Z'),
      email: 'gonzalestracy@example.com',
      customer: 'Christopher Robbins',
      category: 'Technical issue',
      score: 3,
      ratedAt: new Date('2023-06-01T18:05:00Z'),
    });
  });

  it('imports again without changing a byte', async () => {
    const before = await tableChecksums(db);
    const summary = await importDataset();
    expect(summary).toMatchObject({ read: 2769, created: 0, updated: 0, unchanged: 1404, rejected: 1365 });
    expect(summary.feedback).toEqual({ created: 0, updated: 0, unchanged: 1404, rejected: 0 });
    expect(await tableChecksums(db)).toEqual(before);
  });
});
