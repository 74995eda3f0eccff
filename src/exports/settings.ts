import { resolve } from 'node:path';
import { ConfigError } from '../config.ts';

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
  const scheduler = env.REPORT_SCHEDULER?.toLowerCase();
  if (scheduler && !['1', 'true', 'yes', '0', 'false', 'no'].includes(scheduler)) {
    throw new ConfigError(`REPORT_SCHEDULER="${env.REPORT_SCHEDULER}" must be true or false`);
  }
  const poll = env.REPORT_POLL_SECONDS ? Number(env.REPORT_POLL_SECONDS) : 15;
  if (!Number.isInteger(poll) || poll < 1 || poll > 3600) {
    throw new ConfigError(`REPORT_POLL_SECONDS="${env.REPORT_POLL_SECONDS}" must be an integer from 1 to 3600`);
  }
  const publicUrl = parseUrl(env, 'PUBLIC_URL', ['http:', 'https:']);
  return {
    exportDir: resolve(cwd, env.EXPORT_DIR?.trim() || './data/exports'),
    smtpUrl: parseUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    smtpFrom: env.SMTP_FROM?.trim() || 'Supportgraph <reports@localhost>',
    publicUrl: publicUrl ? publicUrl.replace(/\/+$/, '') : null,
    schedulerEnabled: !scheduler || ['1', 'true', 'yes'].includes(scheduler),
    pollSeconds: poll,
    retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
    leaseMs: 10 * 60_000,
  };
}
