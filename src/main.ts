import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ConfigError, loadConfig, loadExportSettings, type Config, type ExportSettings } from './config.ts';
import { DatabaseLockedError, DatabaseOpenError, openDatabase, withReadReplica, type Database } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { createServer } from './server.ts';
import { createLogger, type Logger } from './logger.ts';
import { loadDemoDataIfEmpty } from './demo.ts';
import { deriveMissingTicketFacts } from './analytics/ticket-facts.ts';
import { recomputeUncomputedTickets } from './sla/recompute.ts';
import { ReportScheduler } from './exports/scheduler.ts';
import { loadSyncSettings } from './config.ts';
import { SyncScheduler } from './ingest/sync/scheduler.ts';
import { startPendingRollupSweep } from './analytics/rollups/maintain.ts';
import { runStoredConnection } from './ingest/sync/stored.ts';
import { AlertMonitor } from './monitoring/alert-monitor.ts';
import { ServerLifecycle } from './lifecycle.ts';

/** A start-up problem an operator can fix: printed as one line, exit code 1. */
class StartupError extends Error {
  override name = 'StartupError';
}

function fail(message: string, code: number): never {
  console.error(`supportgraph: ${message}`);
  process.exit(code);
}

/** Binds the port before anything slow happens, so a port in use is reported at once. */
async function listen(server: Server, config: Config): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(new StartupError(`port ${config.port} on ${config.host} is already in use (another server runs there?); stop it or set PORT to a free port`));
      } else if (error.code === 'EACCES') {
        reject(new StartupError(`no permission to listen on port ${config.port}; use a port above 1023 (PORT=4000)`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(new StartupError(`HOST=${config.host} is not an address of this machine; use 0.0.0.0 or 127.0.0.1`));
      } else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(config.port, config.host);
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : config.port;
}

/** What answers while the database opens, migrates and loads demo data. */
function starting(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5', connection: 'close' });
  response.end(JSON.stringify({ status: 'starting', errors: [{ message: 'the server is starting; retry in a few seconds', extensions: { code: 'SHUTTING_DOWN' } }] }));
}

async function openAndMigrate(config: Config, log: Logger): Promise<Database> {
  let db: Database;
  try {
    db = await openDatabase(config.database);
  } catch (error) {
    if (error instanceof DatabaseLockedError || error instanceof DatabaseOpenError) throw new StartupError(error.message);
    throw error;
  }
  log.info({ database: db.location }, 'database opened');
  const applied = await migrate(db.driver);
  if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
  if (config.databaseReadUrl) {
    try {
      db = await withReadReplica(db, config.databaseReadUrl);
    } catch (error) {
      await db.close();
      if (error instanceof DatabaseOpenError) throw new StartupError(`read replica: ${error.message}`);
      throw error;
    }
    log.info({ replica: db.replica?.location }, 'queries read from the replica (DATABASE_READ_URL)');
  }
  return db;
}

/**
 * Starts Supportgraph: config, port, database, migrations, demo data, HTTP; drains and
 * stops cleanly on SIGINT/SIGTERM (exit 1 when work had to be cut).
 */
export async function main(): Promise<void> {
  let config: Config;
  let exportSettings: ExportSettings;
  try {
    config = loadConfig();
    exportSettings = loadExportSettings();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
  const log = createLogger(config.logLevel);
  const lifecycle = new ServerLifecycle();
  const http = createHttpServer({ keepAliveTimeout: 5_000 });
  let handler: (request: IncomingMessage, response: ServerResponse) => void = starting;
  lifecycle.attach(http, (request, response) => handler(request, response));

  let db: Database;
  let port: number;
  try {
    port = await listen(http, config);
    db = await openAndMigrate(config, log);
  } catch (error) {
    if (error instanceof StartupError) fail(error.message, 1);
    throw error;
  }

  let stopping = false;
  let scheduler: ReportScheduler | null = null;
  let syncScheduler: SyncScheduler | null = null;
  let stopSweep: (() => void) | null = null;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, timeoutMs: config.shutdownTimeoutMs, inFlight: lifecycle.activeRequests }, 'stopping: draining in-flight requests');
    const drained = await lifecycle.drain(config.shutdownTimeoutMs);
    if (!drained.finished) log.error({ cut: drained.cut, timeoutMs: config.shutdownTimeoutMs }, 'drain timeout: in-flight requests were aborted');
    stopSweep?.();
    await scheduler?.stop();
    // A running sync ends after its current page; the next one resumes there.
    await syncScheduler?.stop();
    // Cut requests may still hold connections for a moment while their SQL is cancelled.
    await Promise.race([db.close(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    const exitCode = drained.finished ? 0 : 1;
    log.info({ exitCode, durationMs: drained.durationMs, cut: drained.cut }, 'stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  if (config.seedDemo) await loadDemoDataIfEmpty(db, config.demoTickets, log);
  if (stopping) return;
  // Tickets loaded around ingestion (or before migration 0007) get their SLA and
  // event-derived columns now, so none reads as "no policy" only because nothing ran.
  const slaCaughtUp = await recomputeUncomputedTickets(db);
  const factsCaughtUp = await deriveMissingTicketFacts(db);
  if (slaCaughtUp + factsCaughtUp > 0) log.info({ slaCaughtUp, factsCaughtUp }, 'derived ticket columns computed for tickets that had none');
  if (stopping) return;
  // Rollup hours an import deferred and could not flush (it was killed) are rebuilt here.
  stopSweep = startPendingRollupSweep(db, {
    everyMs: 60_000,
    olderThanMs: 60_000,
    onFlushed: (hours) => log.info({ hours }, 'rollups rebuilt for hours an interrupted import left pending'),
    onError: (error) => log.error({ err: error }, 'rebuilding pending rollups failed; retrying in a minute'),
  });

  const yoga = createServer({ db, production: config.production, logger: log, config, lifecycle });
  handler = (request, response) => void yoga(request, response);
  log.info(`Supportgraph listening: GraphQL and GraphiQL at http://localhost:${port}/graphql`);
  // Saved reports run on their schedules in this process once it serves requests.
  // Alert rules are evaluated in the same passes, with the same row-lock claiming.
  const alerts = new AlertMonitor({ db, settings: exportSettings, logger: log });
  scheduler = new ReportScheduler({ db, gateway: yoga, settings: exportSettings, logger: log, jobs: [alerts] });
  if (exportSettings.schedulerEnabled) scheduler.start();
  // Stored help-desk connections sync on their intervals in this process too.
  const syncSettings = loadSyncSettings();
  const database = db;
  syncScheduler = new SyncScheduler({
    db: database,
    pollSeconds: syncSettings.pollSeconds,
    logger: log,
    run: (id, signal) => runStoredConnection(database, id, syncSettings.encryptionKey, { signal }),
  });
  if (syncSettings.schedulerEnabled) syncScheduler.start();
  if (!config.production) log.warn('development mode (NODE_ENV is not production): requests without a token act as ADMIN');
}

await main();
