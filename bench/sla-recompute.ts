// Bulk SLA recompute benchmark: how long the set-based recompute takes for N tickets
// (default 1,000,000) on PostgreSQL (or PGlite), for a full recompute, a calendar edit,
// a policy edit and ingestion-sized batches, and whether a sample agrees with the pure
// JS functions.
//
//   npx tsx bench/sla-recompute.ts [--tickets 1000000] [--pglite]
//
// PostgreSQL: a throwaway database `sg_bench_sla_<random>` is created on the server of
// BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres) and dropped after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CALENDARS, holidaysBetween } from '../seeds/calendars.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { upsertBusinessCalendar, upsertSlaPolicy } from '../src/sla/admin.ts';
import { calendarSpecFromRow, recomputeAllTickets, recomputeTickets } from '../src/sla/recompute.ts';
import { computeTicketSla } from '../src/sla/ticket-sla.ts';

interface Args {
  tickets: number;
  pglite: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { tickets: 1_000_000, pglite: false };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--tickets') args.tickets = Number(argv[++i]);
    else if (argv[i] === '--pglite') args.pglite = true;
    else throw new Error(`unknown argument ${argv[i]}; use --tickets N and/or --pglite`);
  }
  if (!Number.isInteger(args.tickets) || args.tickets < 1) throw new Error('--tickets must be a positive integer');
  return args;
}

async function openBench(args: Args): Promise<{ db: Database; drop: () => Promise<void> }> {
  if (args.pglite) return { db: await openDatabase({ kind: 'pglite', dir: null }), drop: async () => undefined };
  const server = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const name = `sg_bench_sla_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 2 });
  return {
    db,
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const results: { step: string; tickets: number; seconds: number; note: string }[] = [];

async function timed<T>(step: string, work: () => Promise<T>, tickets: (r: T) => number, note = ''): Promise<T> {
  const began = performance.now();
  const result = await work();
  const seconds = (performance.now() - began) / 1000;
  results.push({ step, tickets: tickets(result), seconds, note });
  process.stderr.write(`${step}: ${seconds.toFixed(1)} s\n`);
  return result;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { db, drop } = await openBench(args);
  try {
    await migrate(db.driver);
    // The demo setup: Berlin 9-17 and New York 8-18 with their public holidays, one policy per priority.
    for (const c of [CALENDARS.europe, CALENDARS.us]) {
      await upsertBusinessCalendar(db, { externalId: c.externalId, name: c.name, timeZone: c.timeZone, hours: c.hours, holidays: holidaysBetween(c, 2023, 2027) });
    }
    const policies = [
      { externalId: 'sla-low', name: 'Low', priorities: ['LOW' as const], calendarExternalId: 'cal-europe', firstResponseMinutes: 1440, resolutionMinutes: 4800 },
      { externalId: 'sla-normal', name: 'Normal', priorities: ['NORMAL' as const], calendarExternalId: 'cal-europe', firstResponseMinutes: 480, resolutionMinutes: 2400 },
      { externalId: 'sla-high', name: 'High', priorities: ['HIGH' as const], calendarExternalId: 'cal-us', firstResponseMinutes: 120, resolutionMinutes: 1200 },
      { externalId: 'sla-urgent', name: 'Urgent', priorities: ['URGENT' as const], calendarExternalId: null, firstResponseMinutes: 30, resolutionMinutes: 480 },
    ];
    for (const p of policies) await upsertSlaPolicy(db, p);

    // Tickets over two years, spread deterministically: 80% answered, 70% solved.
    await timed(
      'load tickets (setup, not SLA)',
      () =>
        db.driver.query(
          `INSERT INTO "Ticket" ("externalId", channel, priority, status, "createdAt", "firstResponseAt", "solvedAt")
           SELECT 'b' || g, (enum_range(NULL::"Channel"))[1 + g % 6], (enum_range(NULL::"Priority"))[1 + (g / 7) % 4],
                  (CASE WHEN g % 10 < 7 THEN 'SOLVED' ELSE 'OPEN' END)::"TicketStatus", c,
                  CASE WHEN g % 5 <> 0 THEN c + ((g::bigint * 7907) % 3000) * interval '1 minute' END,
                  CASE WHEN g % 10 < 7 THEN c + ((g::bigint * 104729) % 20000) * interval '1 minute' END
             FROM generate_series(1, $1::int) AS g,
                  LATERAL (SELECT timestamptz '2024-01-01 00:00Z' + ((g::bigint * 7919) % (730 * 86400)) * interval '1 second' AS c) AS x`,
          [args.tickets],
        ),
      () => args.tickets,
    );
    await db.driver.query('VACUUM ANALYZE "Ticket"');

    await timed('recomputeAllTickets, first run (every row written)', () => recomputeAllTickets(db), (n) => n);
    await timed('recomputeAllTickets again (nothing changes)', () => recomputeAllTickets(db), (n) => n, 'evaluation only');
    const cal = await timed(
      'upsertBusinessCalendar cal-europe 08:00-18:00',
      () =>
        upsertBusinessCalendar(db, {
          externalId: 'cal-europe',
          name: 'Europe, longer days',
          timeZone: 'Europe/Berlin',
          hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '18:00' })),
          holidays: holidaysBetween(CALENDARS.europe, 2023, 2027),
        }),
      (r) => r.ticketsRecomputed,
      'LOW + NORMAL tickets',
    );
    await timed(
      'upsertSlaPolicy sla-high: 60 min first response',
      () => upsertSlaPolicy(db, { ...policies[2], firstResponseMinutes: 60 }),
      (r) => r.ticketsRecomputed,
      'HIGH tickets',
    );
    const ids = (await db.driver.query<{ id: number }>(`SELECT id FROM "Ticket" ORDER BY id DESC LIMIT 1000`)).map((r) => Number(r.id));
    await db.driver.query(`UPDATE "Ticket" SET "solvedAt" = "createdAt" + interval '3 hours' WHERE id = ANY($1::int[])`, [ids]);
    const batches = 10;
    await timed(
      `ingestion hook: ${batches} batches of 1,000 written tickets`,
      async () => {
        for (let b = 0; b < batches; b += 1) await db.driver.transaction((tx) => recomputeTickets(tx, { kind: 'ids', ids }));
        return batches * ids.length;
      },
      (n) => n,
      'per batch: total / 10',
    );

    // Agreement: a sample of stored rows against the pure functions.
    const sample = await db.driver.query<Record<string, unknown>>(
      `SELECT t."createdAt", t."firstResponseAt", t."solvedAt", t."firstResponseDueAt", t."resolutionDueAt",
              t."firstResponseBusinessSeconds", t."resolutionBusinessSeconds", t."firstResponseSlaStatus"::text AS frs,
              t."resolutionSlaStatus"::text AS rs, now() AS now,
              p."firstResponseMinutes", p."resolutionMinutes", c."timeZone", c.hours, c.holidays
         FROM "Ticket" t JOIN "SlaPolicy" p ON p.id = t."slaPolicyId" LEFT JOIN "BusinessCalendar" c ON c.id = p."calendarId"
        WHERE t.id % $1::int = 0 LIMIT 500`,
      [Math.max(1, Math.floor(args.tickets / 500))],
    );
    let mismatches = 0;
    const iso = (v: unknown) => (v == null ? null : new Date(v as Date).toISOString());
    for (const r of sample) {
      const v = computeTicketSla(
        { createdAt: new Date(r.createdAt as Date), firstResponseAt: r.firstResponseAt ? new Date(r.firstResponseAt as Date) : null, solvedAt: r.solvedAt ? new Date(r.solvedAt as Date) : null },
        {
          firstResponseMinutes: r.firstResponseMinutes == null ? null : Number(r.firstResponseMinutes),
          resolutionMinutes: r.resolutionMinutes == null ? null : Number(r.resolutionMinutes),
          calendar: r.timeZone == null ? null : calendarSpecFromRow(r as { timeZone: unknown; hours: unknown; holidays: unknown }),
        },
        new Date(r.now as Date),
      );
      const same =
        iso(v.firstResponseDueAt) === iso(r.firstResponseDueAt) &&
        iso(v.resolutionDueAt) === iso(r.resolutionDueAt) &&
        v.firstResponseBusinessSeconds === r.firstResponseBusinessSeconds &&
        v.resolutionBusinessSeconds === r.resolutionBusinessSeconds &&
        v.firstResponseSlaStatus === r.frs &&
        v.resolutionSlaStatus === r.rs;
      if (!same) mismatches += 1;
    }
    const [intervals] = await db.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "BusinessCalendarInterval"`);

    process.stdout.write(`\nSLA recompute, ${args.tickets.toLocaleString('en-US')} tickets, ${db.kind === 'pglite' ? 'PGlite (memory)' : 'PostgreSQL'}; `);
    process.stdout.write(`${intervals.n} materialised open intervals; calendar edit recomputed ${cal.ticketsRecomputed.toLocaleString('en-US')} tickets\n\n`);
    process.stdout.write('| step | tickets | seconds | tickets/s | note |\n|---|---:|---:|---:|---|\n');
    for (const r of results) {
      process.stdout.write(
        `| ${r.step} | ${r.tickets.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${Math.round(r.tickets / r.seconds).toLocaleString('en-US')} | ${r.note} |\n`,
      );
    }
    process.stdout.write(`\nJS cross-check: ${sample.length - mismatches}/${sample.length} sampled tickets agree with computeTicketSla\n`);
    if (mismatches > 0) process.exitCode = 1;
  } finally {
    await db.close();
    await drop();
  }
}

await main();
