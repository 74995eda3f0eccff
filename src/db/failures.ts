// How the database layer tells "the database went away" from every other error: the
// server answers those with a retryable DATABASE_UNAVAILABLE instead of a masked
// failure, and start-up turns them into one line saying what to fix.

// SQLSTATE classes and codes that mean the connection, not the statement, failed:
// 08 connection exception, 57P01 admin shutdown (pg_terminate_backend, fast shutdown),
// 57P02 crash shutdown, 57P03 cannot connect now (starting up, recovery), 53300 too
// many connections.
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
// Node socket errors on the way to the server.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// Prisma's codes for an unreachable or closed server.
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
// node-postgres and the Prisma driver adapter say so only in words.
const CONNECTION_MESSAGE =
  /Connection terminated|not queryable|terminating connection due to administrator command|Server has closed the connection|Can't reach database server|Connection closed|is not currently accepting connections|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)/i;

function causes(error: unknown): unknown[] {
  const seen: unknown[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.includes(current) && seen.length < 10) {
    seen.push(current);
    const record = current as { cause?: unknown; originalError?: unknown };
    current = record.originalError ?? record.cause;
  }
  return seen;
}

/** The SQLSTATE of a PostgreSQL error (or of one it wraps, as Prisma's adapter does), if any. */
export function sqlState(error: unknown): string | null {
  for (const item of causes(error)) {
    const record = item as { code?: unknown; originalCode?: unknown; meta?: { code?: unknown } };
    for (const code of [record.originalCode, record.code, record.meta?.code]) {
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('P')) return code;
    }
  }
  return null;
}

/**
 * Whether an error (or one it wraps) says the database connection failed: refused,
 * reset, terminated by the server (restart, failover, pg_terminate_backend) or a pool
 * that could not hand out a connection in time. Such a request may be retried.
 */
export function isConnectionFailure(error: unknown): boolean {
  const state = sqlState(error);
  if (state && (state.startsWith('08') || CONNECTION_SQLSTATES.has(state))) return true;
  for (const item of causes(error)) {
    const record = item as { code?: unknown; errno?: unknown; message?: unknown; kind?: unknown };
    if (typeof record.code === 'string' && (SOCKET_CODES.has(record.code) || PRISMA_CODES.has(record.code))) return true;
    if (typeof record.message === 'string' && CONNECTION_MESSAGE.test(record.message)) return true;
  }
  return false;
}

/**
 * One line for an operator: why the database at `location` could not be opened and
 * what to do about it (start-up errors of src/main.ts).
 */
export function describeOpenFailure(error: unknown, location: string): string {
  const state = sqlState(error);
  const message = causes(error)
    .map((item) => (item as { message?: unknown }).message)
    .find((text): text is string => typeof text === 'string' && text !== '') ?? String(error);
  const codes = causes(error).map((item) => (item as { code?: unknown }).code);
  if (codes.includes('ECONNREFUSED')) {
    return `cannot connect to PostgreSQL at ${location}: connection refused. Start PostgreSQL or fix the host and port in DATABASE_URL.`;
  }
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    return `cannot connect to PostgreSQL at ${location}: the host name does not resolve. Fix the host in DATABASE_URL.`;
  }
  if (codes.includes('ETIMEDOUT') || /timeout/i.test(message)) {
    return `cannot connect to PostgreSQL at ${location}: no answer in time. Check that the server runs and that the network lets you reach it.`;
  }
  switch (state) {
    case '3D000':
      return `cannot open the database at ${location}: ${message}. Create it (createdb) or fix the database name in DATABASE_URL.`;
    case '28000':
      return `cannot open the database at ${location}: ${message}. Create the role (createuser) or fix the user in DATABASE_URL.`;
    case '28P01':
      return `cannot open the database at ${location}: ${message}. Fix the password in DATABASE_URL.`;
    case '57P03':
      return `cannot open the database at ${location}: ${message}. Wait for PostgreSQL to finish starting, then start again.`;
    default:
      return `cannot open the database at ${location}: ${message}. Check DATABASE_URL and that the server accepts connections.`;
  }
}
