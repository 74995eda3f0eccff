import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/logger.ts';
import { createApiToken } from '../../src/auth/tokens.ts';
import { TOKEN_CHANNEL } from '../../src/auth/token-cache.ts';
import type { Database } from '../../src/db/client.ts';
import type { RoleName } from '../../src/schema/context.ts';

/** An ADMIN_TOKEN for tests (32+ characters). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghij';

/** A pino logger whose JSON lines are kept in memory, raw and parsed. */
export function captureLogger(level = 'debug'): { logger: Logger; raw: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level, base: undefined }, stream);
  const raw = () => chunks.join('');
  return {
    logger,
    raw,
    lines: () =>
      raw()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Creates a token straight through the token module; returns its secret and id. */
export async function makeToken(
  db: Database,
  role: RoleName,
  options: { name?: string; teamIds?: number[]; expiresAt?: Date; rateLimitPerMinute?: number } = {},
): Promise<{ secret: string; id: number; header: Record<string, string> }> {
  const { token, secret } = await createApiToken(db, {
    name: options.name ?? `${role} token`,
    role,
    teamIds: options.teamIds ?? null,
    expiresAt: options.expiresAt ?? null,
    rateLimitPerMinute: options.rateLimitPerMinute ?? null,
  });
  return { secret, id: token.id, header: { authorization: `Bearer ${secret}` } };
}

/** `{ authorization: 'Bearer …' }` for a secret. */
export const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });

/**
 * Subscribes to the token-change channel on `db` (the connection the server's token
 * cache listens on); resolves once listening, with a function that waits for the next
 * notification. The cache subscribed first, so once that wait ends it has forgotten
 * its tokens.
 */
export async function nextTokenNotification(db: Database): Promise<() => Promise<void>> {
  let arrived!: () => void;
  const next = new Promise<void>((resolve) => (arrived = resolve));
  await new Promise<void>((listening) => db.listen(TOKEN_CHANNEL, () => arrived(), (up) => up && listening()));
  return () => next;
}
