import { resolve } from 'node:path';

/** Where the data lives: an embedded PGlite folder (or memory), or a PostgreSQL server. */
export type DatabaseTarget =
  | { kind: 'pglite'; dir: string | null }
  | { kind: 'postgres'; url: string };

/** The server's settings, read once from the environment. */
export interface Config {
  database: DatabaseTarget;
  host: string;
  port: number;
  production: boolean;
  /** Load the demo dataset on the first start of an empty database. */
  seedDemo: boolean;
  demoTickets: number;
  logLevel: string;
}

/** A setting that cannot be used; the message says what is wrong and what is accepted. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_DATABASE_URL = 'pglite:./data/pglite';
const ACCEPTED_DATABASE_URLS =
  'accepted: pglite:<folder>, pglite:memory, or postgresql://user@host:port/database';

/** Parses `DATABASE_URL` into a database target; throws ConfigError on anything else. */
export function parseDatabaseUrl(value: string | undefined, cwd = process.cwd()): DatabaseTarget {
  const raw = value === undefined || value.trim() === '' ? DEFAULT_DATABASE_URL : value.trim();
  if (raw.startsWith('pglite:')) {
    const rest = raw.slice('pglite:'.length);
    if (rest === 'memory') return { kind: 'pglite', dir: null };
    if (rest === '') {
      throw new ConfigError(`DATABASE_URL "${raw}" names no folder; ${ACCEPTED_DATABASE_URLS}`);
    }
    return { kind: 'pglite', dir: resolve(cwd, rest) };
  }
  if (raw.startsWith('postgresql://') || raw.startsWith('postgres://')) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`DATABASE_URL "${redact(raw)}" is not a valid URL; ${ACCEPTED_DATABASE_URLS}`);
    }
    if (url.pathname.length <= 1) {
      throw new ConfigError(`DATABASE_URL "${redact(raw)}" names no database; ${ACCEPTED_DATABASE_URLS}`);
    }
    return { kind: 'postgres', url: raw };
  }
  throw new ConfigError(`DATABASE_URL "${redact(raw)}" is not supported; ${ACCEPTED_DATABASE_URLS}`);
}

/** Hides a password in a connection string before it is printed. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

function parseInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}="${value}" must be an integer from ${min} to ${max}`);
  }
  return n;
}

function parseBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name]?.toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'yes'].includes(value)) return true;
  if (['0', 'false', 'no'].includes(value)) return false;
  throw new ConfigError(`${name}="${env[name]}" must be true or false`);
}

/** Reads and validates every environment variable the server uses. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    database: parseDatabaseUrl(env.DATABASE_URL),
    host: env.HOST || '0.0.0.0',
    port: parseInteger(env, 'PORT', 4000, 0, 65535),
    production: env.NODE_ENV === 'production',
    seedDemo: parseBoolean(env, 'SEED_DEMO', true),
    demoTickets: parseInteger(env, 'DEMO_TICKETS', 50_000, 0, 10_000_000),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
