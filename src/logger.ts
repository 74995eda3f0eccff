import { pino, type Logger } from 'pino';

/** The server's structured JSON logger (one line per event, to stdout). */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}

export type { Logger };
