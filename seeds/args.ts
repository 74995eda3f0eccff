import { parseArgs } from 'node:util';

/** What the seed command line asked for. */
export interface SeedCliOptions {
  tickets: number;
  seed: number;
  days: number;
  now: Date | undefined;
  events: boolean;
  reset: boolean;
  help: boolean;
}

/** A command line the seed CLI cannot use; the message says what to change. */
export class SeedArgsError extends Error {
  override name = 'SeedArgsError';
}

/** The CLI's help text. */
export const SEED_USAGE = `Usage: npm run seed -- [options]

Loads realistic demo data into the database named by DATABASE_URL
(default pglite:./data/pglite). The database must be empty unless --reset is given.

Options:
  --tickets N    number of tickets (default: DEMO_TICKETS or 50000)
  --seed N       random seed; the same seed and --now give identical data (default 1)
  --days N       tickets arrive over the last N days (default 365)
  --now ISO      end of the period, e.g. 2026-11-25T00:00:00Z (default: the current time)
  --no-events    skip TicketEvent rows (about twice as fast)
  --reset        first delete ALL support data in the database (teams, agents, customers,
                 categories, calendars, SLA policies, tickets, events, feedback, and rows
                 in tables that reference them) and restart their ids
  -h, --help     show this help`;

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new SeedArgsError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Parses the seed CLI's arguments (without `node` and the script path). */
export function parseSeedArgs(argv: string[], defaultTickets = 50_000): SeedCliOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new SeedArgsError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  let now: Date | undefined;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (Number.isNaN(now.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(values.now)) {
      throw new SeedArgsError(`--now must be an ISO 8601 date-time such as 2026-11-25T00:00:00Z, got "${values.now}"`);
    }
  }
  return {
    tickets: integer('tickets', values.tickets, defaultTickets, 0, 10_000_000),
    seed: integer('seed', values.seed, 1, -2147483648, 4294967295),
    days: integer('days', values.days, 365, 1, 3660),
    now,
    events: !values['no-events'],
    reset: values.reset ?? false,
    help: values.help ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      tickets: { type: 'string' },
      seed: { type: 'string' },
      days: { type: 'string' },
      now: { type: 'string' },
      'no-events': { type: 'boolean' },
      reset: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
