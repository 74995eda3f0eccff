import { resolve } from 'node:path';

/** Where the data lives: an embedded PGlite folder (or memory), or a PostgreSQL server. */
export type DatabaseTarget =
  | { kind: 'pglite'; dir: string | null }
  | { kind: 'postgres'; url: string };

/** The server's settings, read once from the environment. */
export interface Config {
  database: DatabaseTarget;
  /** DATABASE_READ_URL: a PostgreSQL replica that serves queries (analytics, entity reads); writes stay on DATABASE_URL. */
  databaseReadUrl: string | null;
  host: string;
  port: number;
  production: boolean;
  /** Load the demo dataset on the first start of an empty database. */
  seedDemo: boolean;
  demoTickets: number;
  logLevel: string;
  /** ADMIN_TOKEN: a secret that acts as an ADMIN token (bootstrap); null when unset. */
  adminToken: string | null;
  /** QUERY_TIMEOUT_MS: statement_timeout for each request's SQL. */
  queryTimeoutMs: number;
  /** RATE_LIMIT_PER_MINUTE: requests a token may make a minute unless the token says otherwise. */
  rateLimitPerMinute: number;
  /** REDIS_URL: share rate-limit budgets across processes through Redis; null: in memory. */
  redisUrl: string | null;
  /** CORS_ORIGINS: browser origins allowed to call the API (empty: no cross-origin access). */
  corsOrigins: string[];
  /** GRAPHIQL: serve GraphiQL and allow introspection (default: on outside production). */
  graphiql: boolean;
  /**
   * TRUSTED_DOCUMENTS_ONLY: refuse free GraphQL documents from tokens other than ADMIN and
   * ANALYST; they may send only the published (persisted) documents (default: off).
   */
  trustedDocumentsOnly: boolean;
  /** QUERY_COST_LIMIT: the most estimated work (items × fields) one operation may ask for. */
  queryCostLimit: number;
  /** AUTH_FAILURES_PER_MINUTE: failed authentications (API or report-link tokens) one client address may make a minute. */
  authFailuresPerMinute: number;
  /** SHUTDOWN_TIMEOUT_MS: how long a stop waits for in-flight requests and exports before aborting them. */
  shutdownTimeoutMs: number;
}

/** A setting that cannot be used; the message says what is wrong and what is accepted. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_DATABASE_URL = 'pglite:./data/pglite';
const ACCEPTED_DATABASE_URLS =
  'accepted: pglite:<folder>, pglite:memory, or postgresql://user@host:port/database';

/** Parses DATABASE_READ_URL: empty for none, else a PostgreSQL URL (a replica of DATABASE_URL's database). */
export function parseDatabaseReadUrl(env: NodeJS.ProcessEnv): string | null {
  const raw = env.DATABASE_READ_URL?.trim();
  if (!raw) return null;
  const target = parseDatabaseUrl(raw);
  if (target.kind !== 'postgres') {
    throw new ConfigError(`DATABASE_READ_URL "${redact(raw)}" must be a postgresql:// URL of a replica of DATABASE_URL's database`);
  }
  if (!/^postgres(ql)?:\/\//.test(env.DATABASE_URL?.trim() ?? '')) {
    throw new ConfigError('DATABASE_READ_URL needs DATABASE_URL to be a PostgreSQL server (the primary it replicates)');
  }
  return target.url;
}

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

/** Shortest ADMIN_TOKEN accepted: a guessable bootstrap secret would open everything. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

function parseAdminToken(env: NodeJS.ProcessEnv): string | null {
  const value = env.ADMIN_TOKEN?.trim();
  if (!value) return null;
  if (value.length < MIN_ADMIN_TOKEN_LENGTH) {
    // The value itself is never echoed: it is a secret.
    throw new ConfigError(
      `ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (got ${value.length}); ` +
        'generate one with: openssl rand -base64 32',
    );
  }
  return value;
}

function parseRedisUrl(env: NodeJS.ProcessEnv): string | null {
  const value = env.REDIS_URL?.trim();
  if (!value) return null;
  if (!/^rediss?:\/\/./.test(value)) {
    throw new ConfigError(`REDIS_URL "${redact(value)}" must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379`);
  }
  return value;
}

function parseOrigins(env: NodeJS.ProcessEnv): string[] {
  const value = env.CORS_ORIGINS?.trim();
  if (!value) return [];
  return value.split(',').map((raw) => {
    const origin = raw.trim();
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      url = null;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(
        `CORS_ORIGINS entry "${origin}" is not an origin; list origins like https://dashboard.example.com, separated by commas`,
      );
    }
    return url.origin;
  });
}

/** Reads and validates every environment variable the server uses. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    database: parseDatabaseUrl(env.DATABASE_URL),
    databaseReadUrl: parseDatabaseReadUrl(env),
    host: env.HOST || '0.0.0.0',
    port: parseInteger(env, 'PORT', 4000, 0, 65535),
    production: env.NODE_ENV === 'production',
    seedDemo: parseBoolean(env, 'SEED_DEMO', true),
    demoTickets: parseInteger(env, 'DEMO_TICKETS', 50_000, 0, 10_000_000),
    logLevel: env.LOG_LEVEL || 'info',
    adminToken: parseAdminToken(env),
    queryTimeoutMs: parseInteger(env, 'QUERY_TIMEOUT_MS', 15_000, 100, 3_600_000),
    rateLimitPerMinute: parseInteger(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    redisUrl: parseRedisUrl(env),
    corsOrigins: parseOrigins(env),
    graphiql: parseBoolean(env, 'GRAPHIQL', env.NODE_ENV !== 'production'),
    trustedDocumentsOnly: parseBoolean(env, 'TRUSTED_DOCUMENTS_ONLY', false),
    queryCostLimit: parseInteger(env, 'QUERY_COST_LIMIT', 200_000, 100, 100_000_000),
    authFailuresPerMinute: parseInteger(env, 'AUTH_FAILURES_PER_MINUTE', 30, 1, 1_000_000),
    shutdownTimeoutMs: parseInteger(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 0, 3_600_000),
  };
}

/** Settings of exports, saved reports and their deliveries, read from the environment. */
export interface ExportSettings {
  /** Root folder of `folder` destinations (EXPORT_DIR, default ./data/exports). */
  exportDir: string;
  /** SMTP server for e-mail destinations (SMTP_URL, e.g. smtp://user:pass@mail:587); null: e-mail is refused. */
  smtpUrl: string | null;
  /** Sender address of report e-mails (SMTP_FROM). */
  smtpFrom: string;
  /** Base URL report links are built on (PUBLIC_URL); null: the URL of the request that asked. */
  publicUrl: string | null;
  /** Whether this process runs the report scheduler (REPORT_SCHEDULER, default true). */
  schedulerEnabled: boolean;
  /** Seconds between scheduler passes (REPORT_POLL_SECONDS, default 15). */
  pollSeconds: number;
  /** Waits before each retry of a failed delivery, in milliseconds. */
  retryDelaysMs: number[];
  /** How long a claimed run stays claimed without renewal before another process may resume it. */
  leaseMs: number;
}

const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000];

function parseUrl(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | null {
  const value = env[name]?.trim();
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name}="${value.replace(/\/\/[^@/]*@/, '//***@')}" is not a URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return value;
}

/** Reads EXPORT_DIR, SMTP_URL, SMTP_FROM, PUBLIC_URL, REPORT_SCHEDULER and REPORT_POLL_SECONDS. */
export function loadExportSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ExportSettings {
  const publicUrl = parseUrl(env, 'PUBLIC_URL', ['http:', 'https:']);
  return {
    exportDir: resolve(cwd, env.EXPORT_DIR?.trim() || './data/exports'),
    smtpUrl: parseUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    smtpFrom: env.SMTP_FROM?.trim() || 'Supportgraph <reports@localhost>',
    publicUrl: publicUrl ? publicUrl.replace(/\/+$/, '') : null,
    schedulerEnabled: parseBoolean(env, 'REPORT_SCHEDULER', true),
    pollSeconds: parseInteger(env, 'REPORT_POLL_SECONDS', 15, 1, 3600),
    retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
    leaseMs: 10 * 60_000,
  };
}

/** Settings of help-desk connections (src/ingest/sync). */
export interface SyncSettings {
  /** SYNC_ENCRYPTION_KEY as given (checked when a connection is stored or run); null: stored connections are refused. */
  encryptionKey: string | null;
  /** Whether this process runs due connections (SYNC_SCHEDULER, default true). */
  schedulerEnabled: boolean;
  /** Seconds between scheduler passes (SYNC_POLL_SECONDS, default 60). */
  pollSeconds: number;
}

/** Reads SYNC_ENCRYPTION_KEY, SYNC_SCHEDULER and SYNC_POLL_SECONDS. */
export function loadSyncSettings(env: NodeJS.ProcessEnv = process.env): SyncSettings {
  return {
    encryptionKey: env.SYNC_ENCRYPTION_KEY || null,
    schedulerEnabled: parseBoolean(env, 'SYNC_SCHEDULER', true),
    pollSeconds: parseInteger(env, 'SYNC_POLL_SECONDS', 60, 1, 3600),
  };
}
