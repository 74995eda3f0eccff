import { pino, type Logger } from 'pino';

/**
 * The server's structured JSON logger (one line per event, to stdout). Lines are written
 * asynchronously: a request never waits for a write(2), lines logged while a write is in
 * flight go out together in the next one, and whatever is pending is flushed when the
 * process exits.
 */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: false }));
}

export type { Logger };
