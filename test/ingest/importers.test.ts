import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { parseImportArgs, runImport, UsageError } from '../../src/ingest/cli.ts';
import type { ImportSummary } from '../../src/ingest/importers/pipeline.ts';
import { tableChecksums } from './helpers.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

let db: TestDatabase;
let dir: string;

/** Copies a fixture into the temp dir (the rejects file is written beside it). */
function fixture(name: string): string {
  const path = join(dir, name);
  copyFileSync(join(FIXTURES, name), path);
  return path;
}

async function importFile(args: string[]): Promise<{ summary: ImportSummary; lines: string[] }> {
  const lines: string[] = [];
  const progress = { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream;
  const withRejects = args.includes('--rejects') ? args : [...args, '--rejects', `${args[0]}.rejects.csv`];
  const summary = await runImport(parseImportArgs(withRejects), db, { out: (line) => lines.push(line), progress });
  return { summary, lines };
}

function rejects(path: string): Record<string, string>[] {
  return parse(readFileSync(`${path}.rejects.csv`), { columns: true }) as Record<string, string>[];
}

async function ticket(externalId: string): Promise<Record<string, unknown>> {
  const [row] = await db.driver.query<Record<string, unknown>>(
    `SELECT t.subject, t.channel, t.priority, t.status, t.tags, t."createdAt", t."firstResponseAt", t."solvedAt", t."closedAt",
            t."agentReplies", t."reopenCount", tm.name AS team, a.name AS assignee, c."externalId" AS customer, cat.name AS category
     FROM "Ticket" t
     LEFT JOIN "Team" tm ON tm.id = t."teamId" LEFT JOIN "Agent" a ON a.id = t."assigneeId"
     LEFT JOIN "Customer" c ON c.id = t."customerId" LEFT JOIN "Category" cat ON cat.id = t."categoryId"
     WHERE t."externalId" = $1`,
    [externalId],
  );
  return row;
}

async function csat(ticketExternalId: string): Promise<{ score: number; createdAt: Date; comment: string | null }[]> {
  return db.driver.query(
    `SELECT f.score, f."createdAt", f.comment FROM "Feedback" f JOIN "Ticket" t ON t.id = f."ticketId" WHERE t."externalId" = $1 AND f.kind = 'CSAT'`,
    [ticketExternalId],
  );
}

beforeAll(async () => {
  db = await openTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'sg-import-'));
});

afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('Zendesk ticket JSON (Incremental Export)', () => {
  it('imports tickets, creates the agents, groups and requesters they name, and rejects the rest', async () => {
    const file = fixture('zendesk-tickets.ndjson');
    const { summary, lines } = await importFile([file, '--format', 'zendesk']);
    // 8 lines: tickets 1001, 1002, 1003, 1004 (deleted: skipped), 1005 (solved, no
    // metric_set: imported, solved at updated_at), a page with 1006 and 1007, a cut-off
    // line, and 1009 (unknown channel): 9 rows, 6 tickets, 1 deletion, 2 rejects.
    expect(summary).toMatchObject({ read: 9, created: 6, updated: 0, unchanged: 0, rejected: 2, deleted: 1, removed: 0 });
    // Ratings: 1001 good, 1003 bad (1002 only offered).
    expect(summary.feedback).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 0 });
    // Groups 360001, 360002; agents 9001, 9002; requesters 501, 502, 503, 504, 505; types incident, question.
    expect(summary.entitiesCreated).toEqual({ teams: 2, agents: 2, customers: 5, categories: 2 });
    expect(lines[0]).toMatch(/^read 9, created 6, updated 0, unchanged 0, rejected 2 in /);
    // No metric set: solved at updated_at (12:00), first response and replies unknown.
    expect(await ticket('zendesk:1005')).toMatchObject({ status: 'SOLVED', solvedAt: new Date('2024-03-05T12:00:00Z'), firstResponseAt: null, agentReplies: 0 });
    expect(await ticket('zendesk:1004')).toBeUndefined();

    expect(await ticket('zendesk:1001')).toEqual({
      subject: 'Printer on fire',
      channel: 'EMAIL',
      priority: 'URGENT',
      status: 'SOLVED',
      tags: ['hardware', 'vip'],
      createdAt: new Date('2024-03-04T09:00:00Z'),
      // created_at + metric_set.reply_time_in_minutes.calendar (42 min)
      firstResponseAt: new Date('2024-03-04T09:42:00Z'),
      solvedAt: new Date('2024-03-04T16:00:00Z'),
      closedAt: null,
      agentReplies: 3,
      reopenCount: 1,
      team: 'Zendesk group 360001',
      assignee: 'Zendesk agent 9001',
      customer: 'zendesk:user:501',
      category: 'Incident',
    });
    expect(await csat('zendesk:1001')).toEqual([{ score: 5, createdAt: new Date('2024-03-05T10:00:00Z'), comment: 'Fast!' }]);
    expect(await ticket('zendesk:1002')).toMatchObject({ channel: 'CHAT', priority: 'NORMAL', status: 'OPEN', firstResponseAt: null });
    expect(await ticket('zendesk:1003')).toMatchObject({
      channel: 'PHONE',
      status: 'CLOSED',
      closedAt: new Date('2024-03-09T08:00:00Z'),
      solvedAt: new Date('2024-03-05T09:30:00Z'),
    });
    expect((await csat('zendesk:1003'))[0].score).toBe(1);
    expect(await ticket('zendesk:1006')).toMatchObject({ channel: 'SOCIAL', status: 'PENDING' });
    expect(await ticket('zendesk:1007')).toMatchObject({ channel: 'API', status: 'NEW' });

    expect(rejects(file).map((r) => [r.line, r.reason])).toEqual([
      ['7', expect.stringMatching(/^not valid JSON/)],
      ['8', 'unknown via.channel "carrier_pigeon"; map it with --map channel="carrier_pigeon"=<VALUE> or a mapping file\'s "values"'],
    ]);
  });

  it('re-imports without changing a byte', async () => {
    const before = await tableChecksums(db);
    const { summary } = await importFile([fixture('zendesk-tickets.ndjson'), '--format', 'zendesk']);
    expect(summary).toMatchObject({ read: 9, created: 0, updated: 0, unchanged: 6, rejected: 2 });
    expect(summary.feedback).toEqual({ created: 0, updated: 0, unchanged: 2, rejected: 0 });
    expect(await tableChecksums(db)).toEqual(before);
  });
});

describe('Zendesk CSV export', () => {
  it('reads naive timestamps in the given zone and maps display values', async () => {
    const file = fixture('zendesk-tickets.csv');
    const { summary } = await importFile([file, '--format', 'zendesk', '--time-zone', 'Europe/Berlin']);
    expect(summary).toMatchObject({ read: 4, created: 3, rejected: 1 });
    expect(await ticket('zendesk:2001')).toMatchObject({
      channel: 'WEB',
      priority: 'HIGH',
      status: 'SOLVED',
      tags: ['login', 'password'],
      // 09:00 in Berlin in March (CET, UTC+1) is 08:00 UTC; first reply 20 minutes later.
      createdAt: new Date('2024-03-10T08:00:00Z'),
      firstResponseAt: new Date('2024-03-10T08:20:00Z'),
      solvedAt: new Date('2024-03-10T10:30:00Z'),
      agentReplies: 2,
      assignee: 'Alex Agent',
      team: 'Support',
      category: 'Problem',
      customer: 'zendesk:user:501',
    });
    expect(await csat('zendesk:2001')).toEqual([{ score: 5, createdAt: new Date('2024-03-10T11:00:00Z'), comment: null }]);
    // 2024-03-31 is the switch to summer time in Berlin: 01:30 is still UTC+1, 03:30 is UTC+2.
    expect(await ticket('zendesk:2002')).toMatchObject({ channel: 'EMAIL', status: 'OPEN', createdAt: new Date('2024-03-31T00:30:00Z') });
    expect(await ticket('zendesk:2003')).toMatchObject({
      channel: 'PHONE',
      status: 'ON_HOLD',
      createdAt: new Date('2024-03-31T01:30:00Z'),
      firstResponseAt: new Date('2024-03-31T01:40:00Z'),
    });
    expect(rejects(file).map((r) => [r.Id, r.reason])).toEqual([['2004', 'unknown Via "Fax"; map it with --map channel="Fax"=<VALUE> or a mapping file\'s "values"']]);
  });
});

describe('Freshdesk ticket CSV export', () => {
  it('imports resolved, closed and waiting tickets and rejects unknown statuses and impossible times', async () => {
    const file = fixture('freshdesk-tickets.csv');
    const { summary } = await importFile([file, '--format', 'freshdesk']);
    expect(summary).toMatchObject({ read: 5, created: 3, updated: 0, unchanged: 0, rejected: 2 });
    // Rejected rows create nothing: customers 70001 and 70002 only, types Question and Incident.
    expect(summary.entitiesCreated).toEqual({ teams: 2, agents: 2, customers: 2, categories: 2 });
    expect(await ticket('freshdesk:301')).toEqual({
      subject: 'Password reset',
      channel: 'EMAIL',
      priority: 'NORMAL',
      status: 'SOLVED',
      tags: ['login', 'password'],
      createdAt: new Date('2024-04-02T08:00:00Z'),
      firstResponseAt: new Date('2024-04-02T08:30:00Z'),
      solvedAt: new Date('2024-04-02T10:00:00Z'),
      closedAt: null,
      agentReplies: 2,
      reopenCount: 0,
      team: 'Tier 1',
      assignee: 'Riley Agent',
      customer: 'freshdesk:contact:70001',
      category: 'Question',
    });
    expect(await ticket('freshdesk:302')).toMatchObject({
      channel: 'PHONE',
      priority: 'URGENT',
      status: 'CLOSED',
      closedAt: new Date('2024-04-04T12:00:00Z'),
    });
    // No "Initial response time": created 14:00 + "First response time (in hrs)" 1.25 h.
    expect(await ticket('freshdesk:303')).toMatchObject({
      channel: 'WEB',
      status: 'PENDING',
      firstResponseAt: new Date('2024-04-03T15:15:00Z'),
    });
    expect(rejects(file).map((r) => [r['Ticket ID'], r.reason])).toEqual([
      ['304', 'unknown Status "In Review"; map it with --map status="In Review"=<VALUE> or a mapping file\'s "values"'],
      ['305', 'solvedAt: solve at 2024-04-04T09:00:00.000Z is before the ticket was created (2024-04-04T10:00:00.000Z)'],
    ]);
  });
});

describe('generic CSV with a mapping', () => {
  const mapping = {
    idPrefix: 'shop:',
    timeZone: 'America/New_York',
    dateFormat: 'dd.MM.yyyy HH:mm',
    columns: {
      Nr: 'externalId',
      Betreff: 'subject',
      Kanal: 'channel',
      Prio: 'priority',
      Zustand: 'status',
      Erstellt: 'createdAt',
      Antwort: 'firstResponseAt',
      Erledigt: 'solvedAt',
      Bearbeiter: ['assignee', 'assignee.name'],
      Stichworte: 'tags',
      NPS: 'nps',
    },
    values: {
      channel: { 'E-Mail': 'EMAIL', Telefon: 'PHONE' },
      priority: { niedrig: 'LOW', hoch: 'HIGH' },
      status: { offen: 'OPEN', erledigt: 'SOLVED' },
    },
    defaults: { priority: 'NORMAL' },
    tagSeparator: '|',
  };
  const csv = [
    'Nr,Betreff,Kanal,Prio,Zustand,Erstellt,Antwort,Erledigt,Bearbeiter,Stichworte,NPS',
    '1,Lieferung,E-Mail,hoch,erledigt,01.07.2024 09:00,01.07.2024 09:30,02.07.2024 17:00,Uli,versand|eilig,9',
    '2,Rechnung,Telefon,,offen,01.07.2024 10:00,,,,,',
    '3,Brieftaube,Taube,niedrig,offen,01.07.2024 11:00,,,,,',
    '4,Datum,E-Mail,niedrig,offen,2024-07-01 12:00,,,,,',
    '5,Zu gut,E-Mail,niedrig,erledigt,01.07.2024 13:00,,01.07.2024 14:00,Uli,,11',
  ].join('\n');

  let file: string;
  let mapFile: string;
  beforeAll(() => {
    file = join(dir, 'shop.csv');
    mapFile = join(dir, 'shop-map.json');
    writeFileSync(file, csv);
    writeFileSync(mapFile, JSON.stringify(mapping));
  });

  it('dry run validates and counts but stores nothing', async () => {
    const before = await tableChecksums(db);
    const { summary, lines } = await importFile([file, '--format', 'csv', '--mapping', mapFile, '--dry-run']);
    expect(summary).toMatchObject({ read: 5, created: 3, rejected: 2 });
    expect(lines[0]).toMatch(/^dry run \(nothing stored\): read 5, created 3/);
    expect(await tableChecksums(db)).toEqual(before);
  });

  it('maps columns, values, zone and formats; rejects what it cannot read', async () => {
    const { summary } = await importFile([file, '--format', 'csv', '--mapping', mapFile]);
    expect(summary).toMatchObject({ read: 5, created: 3, updated: 0, unchanged: 0, rejected: 2 });
    // Row 5's NPS of 11 is out of range: the ticket is stored, its response is not.
    expect(summary.feedback).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 1 });
    expect(await ticket('shop:1')).toMatchObject({
      channel: 'EMAIL',
      priority: 'HIGH',
      status: 'SOLVED',
      tags: ['versand', 'eilig'],
      // New York in July is UTC-4.
      createdAt: new Date('2024-07-01T13:00:00Z'),
      firstResponseAt: new Date('2024-07-01T13:30:00Z'),
      solvedAt: new Date('2024-07-02T21:00:00Z'),
      assignee: 'Uli',
    });
    expect(await ticket('shop:2')).toMatchObject({ channel: 'PHONE', priority: 'NORMAL', status: 'OPEN', tags: [] });
    const [nps] = await db.driver.query<{ kind: string; score: number; createdAt: Date }>(
      `SELECT f.kind, f.score, f."createdAt" FROM "Feedback" f JOIN "Ticket" t ON t.id = f."ticketId" WHERE t."externalId" = 'shop:1'`,
    );
    expect(nps).toEqual({ kind: 'NPS', score: 9, createdAt: new Date('2024-07-02T21:00:00Z') });
    expect(rejects(file).map((r) => [r.Nr, r.reason])).toEqual([
      ['3', 'column "Kanal": unknown channel "Taube"; add it to values.channel in the mapping'],
      ['4', 'column "Erstellt" "2024-07-01 12:00" is not a date-time in the format "dd.MM.yyyy HH:mm"'],
      ['5', 'ticket imported, but not its feedback score: NPS scores run from 0 to 10; got 11'],
    ]);
  });

  it('imports a batch whose rows carry more survey responses than one upsert takes', async () => {
    // 400 tickets with CSAT, NPS and CES each: 1200 responses in one 1000-row batch.
    const surveys = join(dir, 'surveys.csv');
    const map = join(dir, 'surveys.json');
    writeFileSync(
      map,
      JSON.stringify({
        idPrefix: 'srv:',
        columns: { id: 'externalId', created: 'createdAt', solved: 'solvedAt', csat: 'csat', nps: 'nps', ces: 'ces' },
        defaults: { channel: 'EMAIL', status: 'SOLVED' },
      }),
    );
    const rows = Array.from({ length: 400 }, (_, i) => `${i},2024-03-01 10:00,2024-03-01 12:00,${(i % 5) + 1},${i % 11},${(i % 7) + 1}`);
    writeFileSync(surveys, ['id,created,solved,csat,nps,ces', ...rows].join('\n'));
    const { summary } = await importFile([surveys, '--format', 'csv', '--mapping', map]);
    expect(summary).toMatchObject({ read: 400, created: 400, rejected: 0 });
    expect(summary.feedback).toEqual({ created: 1200, updated: 0, unchanged: 0, rejected: 0 });
    const [count] = await db.driver.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Feedback" f JOIN "Ticket" t ON t.id = f."ticketId" WHERE t."externalId" LIKE 'srv:%'`,
    );
    expect(count.n).toBe(1200);
  });

  it('collapses a ticket that appears twice in a batch: the later row wins', async () => {
    const twice = join(dir, 'twice.csv');
    writeFileSync(
      twice,
      [
        'Nr,Betreff,Kanal,Prio,Zustand,Erstellt,Antwort,Erledigt,Bearbeiter,Stichworte,NPS',
        '7,Erst,E-Mail,,offen,01.07.2024 09:00,,,,,',
        '7,Dann,E-Mail,,erledigt,01.07.2024 09:00,,01.07.2024 10:00,,,',
      ].join('\n'),
    );
    const { summary } = await importFile([twice, '--format', 'csv', '--mapping', mapFile]);
    // One write: the first row is superseded before anything is stored.
    expect(summary).toMatchObject({ read: 2, created: 1, updated: 0, rejected: 0, superseded: 1 });
    expect(await ticket('shop:7')).toMatchObject({ subject: 'Dann', status: 'SOLVED' });
    expect(existsSync(`${twice}.rejects.csv`)).toBe(false);
  });

  it('refuses bad command lines and mappings with a message that says what to change', () => {
    expect(() => parseImportArgs([file, '--format', 'csv'])).toThrow(UsageError);
    expect(() => parseImportArgs([file, '--format', 'xml'])).toThrow('--format must be zendesk, freshdesk or csv; got "xml"');
    expect(() => parseImportArgs([file, '--format', 'zendesk', '--batch', '5000'])).toThrow('--batch must be a whole number from 1 to 1000');
    expect(() => parseImportArgs([file, '--format', 'freshdesk', '--time-zone', 'Mars/Olympus'])).toThrow('unknown time zone "Mars/Olympus"');
    const bad = join(dir, 'bad-map.json');
    writeFileSync(bad, JSON.stringify({ columns: { Nr: 'externalId', Erstellt: 'createdAt', X: 'colour' }, defaults: { status: 'OPEN', channel: 'WEB' } }));
    expect(() => parseImportArgs([file, '--format', 'csv', '--mapping', bad])).toThrow('mapping: column "X" maps to "colour"');
  });
});
